#include "semstreams/metric/gauge.h"

#include "detail/cells.h"
#include "detail/make_single.h"
#include "detail/thread_cache.h"

namespace semstreams::metric {

Gauge::~Gauge() { detail::RecycleChild(cell_, node_); }

void Gauge::Set(double v) const noexcept { cell_->Set(v); }
void Gauge::Inc() const noexcept { cell_->Add(1); }
void Gauge::Dec() const noexcept { cell_->Add(-1); }
void Gauge::Add(double v) const noexcept { cell_->Add(v); }
void Gauge::Sub(double v) const noexcept { cell_->Add(-v); }
void Gauge::SetToCurrentTime() const noexcept { cell_->SetToCurrentTime(); }
double Gauge::Value() const noexcept { return cell_->Value(); }

Gauge NewGauge(GaugeOpts opts) {
  return detail::MakeSingle<Gauge>(detail::MakeDesc(detail::Kind::kGauge, opts.ns, opts.subsystem,
                                                    opts.name, std::move(opts.help),
                                                    std::move(opts.const_labels), {}));
}

}  // namespace semstreams::metric
