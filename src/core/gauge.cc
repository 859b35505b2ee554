#include "semstreams/metric/gauge.h"

#include "detail/cells.h"
#include "detail/make_single.h"
#include "detail/thread_cache.h"

namespace semstreams::metric {

Gauge::~Gauge() { detail::RecycleChild(cell_, node_); }

void Gauge::Set(double v) const noexcept {
  cell_->Set(v);
  detail::TouchChild(node_);
}
void Gauge::Inc() const noexcept {
  cell_->Add(1);
  detail::TouchChild(node_);
}
void Gauge::Dec() const noexcept {
  cell_->Add(-1);
  detail::TouchChild(node_);
}
void Gauge::Add(double v) const noexcept {
  cell_->Add(v);
  detail::TouchChild(node_);
}
void Gauge::Sub(double v) const noexcept {
  cell_->Add(-v);
  detail::TouchChild(node_);
}
void Gauge::SetToCurrentTime() const noexcept {
  cell_->SetToCurrentTime();
  detail::TouchChild(node_);
}
double Gauge::Value() const noexcept { return cell_->Value(); }

Gauge NewGauge(GaugeOpts opts) {
  return detail::MakeSingle<Gauge>(detail::MakeDesc(std::move(opts)));
}

}  // namespace semstreams::metric
