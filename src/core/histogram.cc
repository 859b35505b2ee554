#include "semstreams/metric/histogram.h"

#include "detail/cells.h"
#include "detail/make_single.h"
#include "detail/native_histogram.h"
#include "detail/record_exemplar.h"
#include "detail/thread_cache.h"

namespace semstreams::metric {

Histogram::~Histogram() { detail::RecycleChild(cell_, node_); }

void Histogram::Observe(double v) const noexcept {
  cell_->Observe(v);
  detail::TouchChild(node_);
}
void Histogram::ObserveWithExemplar(double v, ExemplarLabels labels) const noexcept {
  detail::ObserveWithExemplar(*cell_, v, labels);
  detail::TouchChild(node_);
}
std::uint64_t Histogram::SampleCount() const noexcept { return cell_->SampleCount(); }
double Histogram::SampleSum() const noexcept { return cell_->SampleSum(); }

Histogram NewHistogram(HistogramOpts opts) {
  return detail::MakeSingle<Histogram>(detail::MakeDesc(std::move(opts)));
}

}  // namespace semstreams::metric
