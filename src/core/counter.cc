#include "semstreams/metric/counter.h"

#include "detail/cells.h"
#include "detail/make_single.h"
#include "detail/record_exemplar.h"
#include "detail/thread_cache.h"

namespace semstreams::metric {

Counter::~Counter() { detail::RecycleChild(cell_, node_); }

void Counter::Inc() const noexcept {
  cell_->Inc();
  detail::TouchChild(node_);
}
void Counter::Add(double v) const noexcept {
  cell_->Add(v);
  detail::TouchChild(node_);
}
void Counter::IncWithExemplar(ExemplarLabels labels) const noexcept {
  detail::AddWithExemplar(*cell_, 1, labels);
  detail::TouchChild(node_);
}
void Counter::AddWithExemplar(double v, ExemplarLabels labels) const noexcept {
  detail::AddWithExemplar(*cell_, v, labels);
  detail::TouchChild(node_);
}
double Counter::Value() const noexcept { return cell_->Value(); }

Counter NewCounter(CounterOpts opts) {
  return detail::MakeSingle<Counter>(detail::MakeDesc(std::move(opts)));
}

}  // namespace semstreams::metric
