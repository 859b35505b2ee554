#pragma once

#include <memory>

#include "detail/handle_access.h"
#include "detail/single_collector.h"

namespace semstreams::metric::detail {

template <class Metric>
Metric MakeSingle(std::shared_ptr<const Desc> desc) {
  using Cell = typename Metric::Cell;
  auto collector = std::make_shared<SingleCollector<Cell>>(std::move(desc));
  std::shared_ptr<Cell> cell(collector, &collector->cell);
  return HandleAccess::Make<Metric>(std::move(cell), std::move(collector));
}

}  // namespace semstreams::metric::detail
