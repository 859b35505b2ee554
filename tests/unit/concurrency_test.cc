#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "detail/handle_access.h"
#include "detail/single_collector.h"
#include "semstreams/metric/registry.h"
#include "support/gather_util.h"
#include "support/run_together.h"

namespace semstreams::metric {
namespace {

using testing::FindFamily;
using testing::RunTogether;
using testing::ScalarValue;

constexpr int kThreads = 8;
constexpr int kIncrements = 5000;

CounterOpts CounterDef(std::string name) {
  CounterOpts opts;
  opts.name = std::move(name);
  opts.help = "help";
  return opts;
}

TEST(ConcurrencyTest, RegisterOneWinnerPerKeyWhenDistinctHandlesRace) {
  auto registry = NewMetricsRegistry();
  constexpr int kKeys = 20;
  // Every thread builds its own handles up front, so the race is only on Register.
  std::vector<std::vector<Counter>> handles(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kKeys; ++k) {
      handles[t].push_back(NewCounter(CounterDef("race_" + std::to_string(k) + "_total")));
    }
  }
  std::vector<std::atomic<int>> wins(kKeys);
  std::vector<std::atomic<int>> duplicates(kKeys);
  RunTogether(kThreads, [&](int t) {
    for (int k = 0; k < kKeys; ++k) {
      const Status status =
          registry->RegisterCounter("svc", "m" + std::to_string(k), handles[t][k]);
      if (status.ok()) {
        wins[k].fetch_add(1);
      } else if (status.code() == ErrorCode::kAlreadyRegistered) {
        duplicates[k].fetch_add(1);
      }
    }
  });
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(wins[k].load(), 1) << "key " << k;
    EXPECT_EQ(duplicates[k].load(), kThreads - 1) << "key " << k;
  }
  // Exactly the winner's handle is exported for each key.
  for (int t = 0; t < kThreads; ++t) handles[t][0].Inc();
  EXPECT_EQ(ScalarValue(registry->Gather(), "race_0_total"), 1.0);
}

TEST(ConcurrencyTest, RegisterOneWinnerPerNameWhenKeysDiffer) {
  auto registry = NewMetricsRegistry();
  std::vector<Gauge> handles;
  for (int t = 0; t < kThreads; ++t) {
    GaugeOpts opts;
    opts.name = "contested";
    opts.help = "help";
    handles.push_back(NewGauge(opts));
  }
  std::atomic<int> wins{0};
  std::atomic<int> conflicts{0};
  RunTogether(kThreads, [&](int t) {
    const Status status = registry->RegisterGauge("svc" + std::to_string(t), "m", handles[t]);
    if (status.ok()) wins.fetch_add(1);
    if (status.code() == ErrorCode::kPrometheusConflict) conflicts.fetch_add(1);
  });
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

TEST(ConcurrencyTest, RegisterAllSucceedWhenSameHandleRaces) {
  auto registry = NewMetricsRegistry();
  const CounterVec vec = NewCounterVec(CounterDef("shared_total"), {"k"});
  std::atomic<int> wins{0};
  RunTogether(kThreads, [&](int) {
    for (int i = 0; i < 50; ++i) {
      if (registry->RegisterCounterVec("svc", "shared", vec).ok()) wins.fetch_add(1);
    }
  });
  EXPECT_EQ(wins.load(), kThreads * 50);
}

TEST(ConcurrencyTest, IncrementsAreExactWhenManyThreadsRecord) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("exact_total"));
  const CounterVec vec = NewCounterVec(CounterDef("exact_vec_total"), {"k"});
  HistogramOpts hopts;
  hopts.name = "exact_seconds";
  hopts.help = "help";
  const Histogram histogram = NewHistogram(hopts);
  GaugeOpts gopts;
  gopts.name = "exact_gauge";
  gopts.help = "help";
  const Gauge gauge = NewGauge(gopts);
  ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "v", vec).ok());
  ASSERT_TRUE(registry->RegisterHistogram("svc", "h", histogram).ok());
  ASSERT_TRUE(registry->RegisterGauge("svc", "g", gauge).ok());
  RunTogether(kThreads, [&](int t) {
    for (int i = 0; i < kIncrements; ++i) {
      counter.Inc();
      counter.Add(0.5);
      vec.WithLabelValues("shared").Inc();
      vec.WithLabelValues("own" + std::to_string(t)).Inc();
      histogram.Observe(0.25);
      gauge.Add(2);
      gauge.Dec();
    }
  });
  const double total = static_cast<double>(kThreads) * kIncrements;
  EXPECT_EQ(counter.Value(), 1.5 * total);
  EXPECT_EQ(vec.WithLabelValues("shared").Value(), total);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(vec.WithLabelValues("own" + std::to_string(t)).Value(), kIncrements);
  }
  EXPECT_EQ(histogram.SampleCount(), static_cast<std::uint64_t>(total));
  EXPECT_EQ(histogram.SampleSum(), 0.25 * total);
  EXPECT_EQ(gauge.Value(), total);
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "exact_total"), 1.5 * total);
  EXPECT_EQ(ScalarValue(families, "exact_vec_total", {{"k", "shared"}}), total);
}

TEST(ConcurrencyTest, ChildCreationIsExactWhenThreadsRaceOnManyLabelSets) {
  // More label sets than a thread's lookup cache has slots, so lookups
  // collide and fall back to the vector's own map.
  const CounterVec vec = NewCounterVec(CounterDef("many_total"), {"a", "b"});
  constexpr int kSets = 1500;
  RunTogether(kThreads, [&](int t) {
    for (int round = 0; round < 2; ++round) {
      for (int s = 0; s < kSets; ++s) {
        // Threads walk the sets in different orders to race on creation.
        const int i = (s * 7 + t * 211) % kSets;
        vec.WithLabelValues(std::to_string(i % 37), std::to_string(i)).Inc();
      }
    }
  });
  EXPECT_EQ(vec.Size(), static_cast<std::size_t>(kSets));
  for (int i = 0; i < kSets; i += 97) {
    EXPECT_EQ(vec.WithLabelValues(std::to_string(i % 37), std::to_string(i)).Value(),
              2.0 * kThreads)
        << i;
  }
}

TEST(ConcurrencyTest, CoreRecordsAreExactAcrossThreads) {
  auto registry = NewMetricsRegistry();
  CoreMetrics& core = registry->CoreMetrics();
  RunTogether(kThreads, [&](int t) {
    const std::string own = "service-" + std::to_string(t);
    for (int i = 0; i < kIncrements; ++i) {
      core.RecordMessagesProcessed("shared", 2);
      core.RecordMessageReceived(own, "json");
      core.RecordError("shared", "io");
      core.RecordProcessingDuration("shared", "op", std::chrono::milliseconds(1));
      core.RecordNATSReconnect();
      core.RecordNATSMessages("subject", 1);
    }
  });
  const double total = static_cast<double>(kThreads) * kIncrements;
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "semstreams_messages_processed_total",
                        {{"service", "shared"}, {"type", ""}, {"status", "success"}}),
            2 * total);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ScalarValue(families, "semstreams_messages_received_total",
                          {{"service", "service-" + std::to_string(t)}, {"type", "json"}}),
              kIncrements);
  }
  EXPECT_EQ(
      ScalarValue(families, "semstreams_errors_total", {{"service", "shared"}, {"type", "io"}}),
      total);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_reconnects_total"), total);
  EXPECT_EQ(ScalarValue(families, "semstreams_nats_messages_total", {{"subject", "subject"}}),
            total);
  EXPECT_EQ(core.ProcessingDuration.WithLabelValues("shared", "op").SampleCount(),
            static_cast<std::uint64_t>(total));
}

TEST(ConcurrencyTest, RecordingIsExactWhileOthersUnregisterResetDeleteAndGather) {
  auto registry = NewMetricsRegistry();
  const Counter counter = NewCounter(CounterDef("churn_total"));
  const CounterVec vec = NewCounterVec(CounterDef("churn_vec_total"), {"k"});
  HistogramOpts hopts;
  hopts.name = "churn_seconds";
  hopts.help = "help";
  const HistogramVec histograms = NewHistogramVec(hopts, {"op"});
  const GaugeVec scratch = NewGaugeVec({"", "", "churn_scratch", "help", {}}, {"k"});
  ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "v", vec).ok());
  ASSERT_TRUE(registry->RegisterHistogramVec("svc", "h", histograms).ok());
  ASSERT_TRUE(registry->RegisterGaugeVec("svc", "s", scratch).ok());

  constexpr int kRecorders = 4;
  std::atomic<int> recorders_done{0};
  RunTogether(kRecorders + 3, [&](int t) {
    if (t < kRecorders) {
      for (int i = 0; i < kIncrements; ++i) {
        counter.Inc();
        vec.WithLabelValues("stable").Inc();
        vec.WithLabelValues("doomed").Inc();  // deleted concurrently: no exact total
        histograms.WithLabelValues("stable").Observe(1);
        scratch.WithLabelValues(std::to_string(i % 10)).Set(i);
      }
      recorders_done.fetch_add(1);
      return;
    }
    // Churners run until every recorder is done, then stop.
    int rounds = 0;
    while (recorders_done.load() < kRecorders || rounds < 10) {
      ++rounds;
      if (t == kRecorders) {
        (void)registry->Unregister("svc", "c");
        (void)registry->Unregister("svc", "v");
        (void)registry->RegisterCounter("svc", "c", counter);
        (void)registry->RegisterCounterVec("svc", "v", vec);
      } else if (t == kRecorders + 1) {
        (void)vec.DeleteLabelValues("doomed");
        scratch.Reset();
        (void)scratch.Size();
      } else {
        const auto families = registry->Gather();
        for (const auto& family : families) EXPECT_FALSE(family.metric.empty()) << family.name;
      }
    }
  });
  const double total = static_cast<double>(kRecorders) * kIncrements;
  EXPECT_EQ(counter.Value(), total);
  EXPECT_EQ(vec.WithLabelValues("stable").Value(), total);
  EXPECT_LE(vec.WithLabelValues("doomed").Value(), total);
  EXPECT_EQ(histograms.WithLabelValues("stable").SampleCount(), static_cast<std::uint64_t>(total));
  const auto families = registry->Gather();
  EXPECT_EQ(ScalarValue(families, "churn_total"), total);
  EXPECT_EQ(ScalarValue(families, "churn_vec_total", {{"k", "stable"}}), total);
}

TEST(ConcurrencyTest, HeldChildrenKeepCountingWhileTheirLabelsAreDeleted) {
  const CounterVec vec = NewCounterVec(CounterDef("held_total"), {"k"});
  std::atomic<int> recorders_done{0};
  std::vector<double> held_totals(kThreads - 1, 0);
  RunTogether(kThreads, [&](int t) {
    if (t == kThreads - 1) {
      while (recorders_done.load() < kThreads - 1) {
        (void)vec.DeleteLabelValues("shared");
        vec.Reset();
      }
      return;
    }
    // A held child is unlinked by Delete and Reset but never loses a count.
    const Counter held = vec.WithLabelValues("held" + std::to_string(t));
    for (int i = 0; i < kIncrements; ++i) {
      held.Inc();
      vec.WithLabelValues("shared").Inc();
    }
    held_totals[t] = held.Value();
    recorders_done.fetch_add(1);
  });
  for (double value : held_totals) EXPECT_EQ(value, kIncrements);
  EXPECT_LE(vec.WithLabelValues("shared").Value(), static_cast<double>(kThreads) * kIncrements);
}

TEST(ConcurrencyTest, RegistryDestroyedWhileOtherThreadsRecord) {
  const Counter counter = NewCounter(CounterDef("outlive_total"));
  const CounterVec vec = NewCounterVec(CounterDef("outlive_vec_total"), {"k"});
  auto registry = NewMetricsRegistry();
  ASSERT_TRUE(registry->RegisterCounter("svc", "c", counter).ok());
  ASSERT_TRUE(registry->RegisterCounterVec("svc", "v", vec).ok());
  auto core = std::make_shared<CoreMetrics>(registry->CoreMetrics());
  RunTogether(kThreads, [&](int t) {
    if (t == 0) {
      (void)registry->Gather();
      registry.reset();  // the only owner: the registry dies mid-recording
      return;
    }
    for (int i = 0; i < 2000; ++i) {
      counter.Inc();
      vec.WithLabelValues("k").Inc();
      core->RecordError("svc", "io");
    }
  });
  const double total = (kThreads - 1) * 2000.0;
  EXPECT_EQ(counter.Value(), total);
  EXPECT_EQ(vec.WithLabelValues("k").Value(), total);
  EXPECT_EQ(core->ErrorsTotal.WithLabelValues("svc", "io").Value(), total);
}

// Two standalone metrics recorded by different threads must not share a
// cache line, or each thread's write evicts the other's (two histograms on
// two threads scaled 0.99 to 1.24 when their cells could share one, 0.50 to
// 0.69 with the cells on lines of their own). The cell's lines hold nothing
// else of its metric, nor of any other allocation.
template <class Metric>
void ExpectCellOnLinesOfItsOwn(const Metric& metric) {
  using Cell = typename Metric::Cell;
  using Single = detail::SingleCollector<Cell>;
  const auto* collector =
      dynamic_cast<const Single*>(detail::HandleAccess::CollectorOf(metric).get());
  ASSERT_NE(collector, nullptr);
  const auto object = reinterpret_cast<std::uintptr_t>(collector);
  const auto cell = reinterpret_cast<std::uintptr_t>(&collector->cell);
  EXPECT_EQ(cell % 64, 0u);
  const std::uintptr_t cell_lines_end = (cell + sizeof(Cell) + 63) / 64 * 64;
  EXPECT_LE(cell_lines_end, object + sizeof(Single));
}

TEST(ConcurrencyTest, StandaloneMetricsKeepTheirCellsOnLinesOfTheirOwn) {
  for (int i = 0; i < 4; ++i) {
    ExpectCellOnLinesOfItsOwn(NewHistogram({.name = "h_seconds", .help = "h"}));
    ExpectCellOnLinesOfItsOwn(NewCounter({.name = "c_total", .help = "h"}));
    ExpectCellOnLinesOfItsOwn(NewGauge({.name = "g", .help = "h"}));
  }
}

}  // namespace
}  // namespace semstreams::metric
