#include "semstreams/metric/counter.h"

#include "detail/cells.h"
#include "detail/make_single.h"
#include "detail/record_exemplar.h"
#include "detail/thread_cache.h"

namespace semstreams::metric {

Counter::~Counter() { detail::RecycleChild(cell_, node_); }

void Counter::Inc() const noexcept { cell_->Inc(); }
void Counter::Add(double v) const noexcept { cell_->Add(v); }
void Counter::IncWithExemplar(ExemplarLabels labels) const noexcept {
  detail::AddWithExemplar(*cell_, 1, labels);
}
void Counter::AddWithExemplar(double v, ExemplarLabels labels) const noexcept {
  detail::AddWithExemplar(*cell_, v, labels);
}
double Counter::Value() const noexcept { return cell_->Value(); }

Counter NewCounter(CounterOpts opts) {
  return detail::MakeSingle<Counter>(
      detail::MakeDesc(detail::Kind::kCounter, opts.ns, opts.subsystem, opts.name,
                       std::move(opts.help), std::move(opts.const_labels), {}));
}

}  // namespace semstreams::metric
