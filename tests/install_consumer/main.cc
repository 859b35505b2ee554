// Uses the installed library as a service would, and prints the exposition
// for install_test.sh to check.
#include <chrono>
#include <iostream>

#include "prometheus/text_serializer.h"
#include "semstreams/metric/registry.h"

int main() {
  namespace metric = semstreams::metric;
  auto registry = metric::NewMetricsRegistry();

  metric::CounterOpts opts;
  opts.name = "consumer_operations_total";
  opts.help = "Operations performed by the install consumer";
  const metric::Counter operations = metric::NewCounter(opts);
  const metric::Status status = registry->RegisterCounter("consumer", "operations", operations);
  if (!status.ok()) {
    std::cerr << "register failed: " << status.ToString() << "\n";
    return 1;
  }
  operations.Add(3);

  metric::CoreMetrics& core = registry->CoreMetrics();
  core.RecordServiceStatus("consumer", 2);
  core.RecordMessagesProcessed("consumer", 7);
  core.RecordNATSRTT(std::chrono::microseconds(1500));

  prometheus::TextSerializer().Serialize(std::cout, registry->Gather());
  return 0;
}
