// Native histogram bucket math against the real client_golang 1.14: a Go
// program (tests/oracle/native_histogram) built here in GOPATH mode replays
// the same observations and prints its dto.Histogram; ours must print the
// same line, bit for bit.
#include "detail/native_histogram.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "detail/cells.h"
#include "semstreams/metric/histogram.h"
#include "semstreams/metric/opts.h"

namespace semstreams::metric {
namespace {

using detail::HistogramCell;
using detail::NativeHistogramSnapshot;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr const char* kClientGolang =
    "/usr/share/gocode/src/github.com/prometheus/client_golang/prometheus";

std::string Bits(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, bits);
  return out;
}

struct Op {
  char kind;  // 'o' observe, 't' advance clock, 'w' write
  double value = 0;
  std::int64_t ns = 0;
};

struct Case {
  std::string name;
  double factor = 1.1;
  double zero_threshold = 0;
  std::uint32_t max_buckets = 0;
  std::int64_t min_reset_ns = 0;
  double max_zero_threshold = 0;
  std::vector<double> buckets{};  // empty: native only
  std::vector<Op> ops{};

  void Observe(double v) { ops.push_back({'o', v}); }
  void Advance(std::int64_t ns) { ops.push_back({'t', 0, ns}); }
  void Write() { ops.push_back({'w'}); }
};

std::string Script(const Case& c) {
  std::ostringstream out;
  out << "opts " << Bits(c.factor) << ' ' << Bits(c.zero_threshold) << ' ' << c.max_buckets << ' '
      << c.min_reset_ns << ' ' << Bits(c.max_zero_threshold) << ' ' << c.buckets.size();
  for (double b : c.buckets) out << ' ' << Bits(b);
  out << '\n';
  for (const Op& op : c.ops) {
    if (op.kind == 'o') out << "o " << Bits(op.value) << '\n';
    if (op.kind == 't') out << "t " << op.ns << '\n';
    if (op.kind == 'w') out << "w\n";
  }
  return out.str();
}

std::string FormatSpans(const std::vector<detail::NativeBucketSpan>& spans,
                        const std::vector<std::int64_t>& deltas) {
  std::ostringstream out;
  for (const auto& s : spans) out << ' ' << s.offset << ':' << s.length;
  out << " |";
  for (auto d : deltas) out << ' ' << d;
  return out.str();
}

// The same line as the oracle's formatHistogram.
std::string Format(const HistogramCell& cell, std::size_t classic_buckets) {
  Series metric;
  cell.Fill(metric);
  NativeHistogramSnapshot native;
  cell.native()->Collect(native);
  std::ostringstream out;
  out << "count=" << metric.count << " sum=" << Bits(metric.sum) << " schema=" << native.schema
      << " zt=" << Bits(native.zero_threshold) << " zc=" << native.zero_count << " classic=";
  for (std::size_t i = 0; i < classic_buckets; ++i) {
    out << metric.buckets[i].cumulative_count << ',';
  }
  out << " neg" << FormatSpans(native.negative_spans, native.negative_deltas);
  out << " pos" << FormatSpans(native.positive_spans, native.positive_deltas);
  return out.str();
}

std::vector<std::string> RunOurs(const Case& c) {
  HistogramOpts opts;
  opts.native_histogram_bucket_factor = c.factor;
  opts.native_histogram_zero_threshold = c.zero_threshold;
  opts.native_histogram_max_bucket_number = c.max_buckets;
  opts.native_histogram_min_reset_duration = std::chrono::nanoseconds(c.min_reset_ns);
  opts.native_histogram_max_zero_threshold = c.max_zero_threshold;
  auto config =
      std::make_shared<detail::NativeHistogramConfig>(*detail::MakeNativeHistogramConfig(opts));
  auto clock = std::make_shared<std::int64_t>(0);
  config->now = [clock] { return std::chrono::nanoseconds(*clock); };
  HistogramCell cell(std::make_shared<const std::vector<double>>(c.buckets), config);
  std::vector<std::string> lines;
  for (const Op& op : c.ops) {
    if (op.kind == 'o') cell.Observe(op.value);
    if (op.kind == 't') *clock += op.ns;
    if (op.kind == 'w') lines.push_back(Format(cell, c.buckets.size()));
  }
  return lines;
}

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) output = "FAILED (" + std::to_string(status) + "): " + output;
  return output;
}

// Builds the oracle once per test binary, in GOPATH mode, with the clock
// hook overlaid into client_golang's package.
class NativeHistogramOracleTest : public ::testing::Test {
 protected:
  // ctest runs each test in a process of its own, several at once: each
  // builds into a directory of its own, sharing only Go's build cache (which
  // is safe to share), and removes it when done.
  static void SetUpTestSuite() {
    if (!SEMSTREAMS_METRIC_GO_ORACLE) return;
    const std::string source = SEMSTREAMS_METRIC_SOURCE_DIR "/tests/oracle/native_histogram";
    const std::string root = SEMSTREAMS_METRIC_BINARY_DIR "/native_histogram_oracle";
    work_ = root + "/" + std::to_string(getpid());
    std::filesystem::create_directories(work_);
    oracle_ = work_ + "/oracle";
    std::ofstream(work_ + "/overlay.json")
        << "{\"Replace\":{\"" << kClientGolang << "/zz_semstreams_oracle_clock.go\":\"" << source
        << "/prometheus_hook/oracle_clock.go\"}}";
    build_log_ = RunCommand(
        "cd " + source + " && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE=" + root +
        "/gocache go build -overlay " + work_ + "/overlay.json -o " + oracle_ + " main.go 2>&1");
  }

  static void TearDownTestSuite() {
    if (!work_.empty()) std::filesystem::remove_all(work_);
  }

  static std::vector<std::string> RunOracle(const Case& c) {
    const std::string script = work_ + "/" + c.name;
    std::ofstream(script) << Script(c);
    std::istringstream output(RunCommand(oracle_ + " < " + script));
    std::vector<std::string> lines;
    for (std::string line; std::getline(output, line);) lines.push_back(line);
    return lines;
  }

  static void ExpectSame(const Case& c) {
    if (!SEMSTREAMS_METRIC_GO_ORACLE) GTEST_SKIP() << "go or client_golang's sources not installed";
    ASSERT_TRUE(build_log_.empty()) << "building the Go oracle failed:\n" << build_log_;
    const auto expected = RunOracle(c);
    const auto actual = RunOurs(c);
    ASSERT_EQ(expected.size(), actual.size()) << c.name;
    ASSERT_FALSE(expected.empty());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i], expected[i]) << c.name << ", write #" << i;
    }
  }

  static std::string work_;
  static std::string oracle_;
  static std::string build_log_;
};
std::string NativeHistogramOracleTest::work_;
std::string NativeHistogramOracleTest::oracle_;
std::string NativeHistogramOracleTest::build_log_;

// Positive and negative, spread over many powers of ten.
double Spread(std::mt19937_64& rng, double sigma = 8) {
  std::normal_distribution<double> log10(-1, sigma);
  const double magnitude = std::pow(10.0, log10(rng));
  return (rng() % 4 == 0 ? -1 : 1) * magnitude;
}

std::vector<double> Specials() {
  std::vector<double> v = {0.0,
                           -0.0,
                           5e-324,
                           -5e-324,
                           1e-310,
                           std::numeric_limits<double>::min(),
                           kDefNativeHistogramZeroThreshold,
                           std::nextafter(kDefNativeHistogramZeroThreshold, 1.0),
                           -std::nextafter(kDefNativeHistogramZeroThreshold, 1.0),
                           1e-300,
                           1e-30,
                           0.001,
                           0.5,
                           1,
                           -1,
                           std::nextafter(1.0, 2.0),
                           std::nextafter(1.0, 0.0),
                           2,
                           3,
                           1e30,
                           1e300,
                           kMax,
                           -kMax,
                           kInf,
                           -kInf,
                           std::nan(""),
                           std::nextafter(kMax, 0.0)};
  for (int e = -1074; e <= 1023; e += 37) {
    const double p = std::ldexp(1.0, e);
    v.insert(v.end(), {p, std::nextafter(p, 0.0), std::nextafter(p, kInf), -p});
  }
  return v;
}

TEST(NativeHistogramTest, BoundsEqualClientGolangsTable) {
  if (!SEMSTREAMS_METRIC_GO_ORACLE) GTEST_SKIP() << "client_golang's sources not installed";
  std::ifstream source(std::string(kClientGolang) + "/histogram.go");
  ASSERT_TRUE(source) << "needs golang-github-prometheus-client-golang-dev";
  std::stringstream text;
  text << source.rdbuf();
  const std::string all = text.str();
  const auto begin = all.find("var nativeHistogramBounds = [][]float64{");
  ASSERT_NE(begin, std::string::npos);
  const auto end = all.find("\n}\n", begin);
  // Skip the declaration's own brace: the first inner one is schema 0.
  std::istringstream table(all.substr(all.find('\n', begin), end - begin));
  int schema = -1;
  std::size_t index = 0, compared = 0;
  const std::regex number(R"(([0-9]+\.[0-9e-]+|0\.5))");
  for (std::string line; std::getline(table, line);) {
    if (line.find('{') != std::string::npos) {
      ++schema;
      index = 0;
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), number);
         it != std::sregex_iterator(); ++it) {
      if (schema == 0) continue;  // schema 0 is just {0.5}
      const double go = std::strtod(it->str().c_str(), nullptr);
      EXPECT_EQ(detail::native::kBounds[detail::native::kBoundsStart[schema] + index], go)
          << "schema " << schema << " index " << index;
      ++index;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 510u);
}

TEST(NativeHistogramTest, KeyMatchesBinarySearchForEveryBound) {
  // Key() finds the bound with a lookup table and one comparison; check it
  // against the plain binary search at and beside every bound.
  for (int schema = 1; schema <= 8; ++schema) {
    const double* bounds = &detail::native::kBounds[detail::native::kBoundsStart[schema]];
    const int n = 1 << schema;
    for (int i = 0; i < n; ++i) {
      for (double frac :
           {bounds[i], std::nextafter(bounds[i], 0.0), std::nextafter(bounds[i], 1.0)}) {
        if (frac < 0.5 || frac >= 1) continue;
        const auto search = std::lower_bound(bounds, bounds + n, frac) - bounds;
        for (int exp : {-1000, -3, 0, 1, 7, 1000}) {
          EXPECT_EQ(detail::native::Key(std::ldexp(frac, exp), schema), search + (exp - 1) * n);
        }
      }
    }
  }
}

TEST_F(NativeHistogramOracleTest, SeveralFactorsSpreadValues) {
  const double go_factors[] = {1.4142135623730949, 1.189207115002721, 1.0905077326652577,
                               1.0442737824274138, 1.0027112750502025};
  std::vector<double> factors = {1.0001, 1.001, 1.005, 1.01, 1.03, 1.05, 1.1, 1.2,   1.3,
                                 1.5,    2,     3,     4,    16,   100,  256, 65536, 1e10};
  for (double f : go_factors) factors.insert(factors.end(), {f, std::nextafter(f, 0.0)});
  int n = 0;
  for (double factor : factors) {
    Case c{.name = "factor" + std::to_string(n++), .factor = factor, .buckets = DefBuckets()};
    std::mt19937_64 rng(n);
    for (int i = 0; i < 400; ++i) {
      c.Observe(Spread(rng));
      if (i % 150 == 0) c.Write();
    }
    c.Write();
    ExpectSame(c);
  }
}

TEST_F(NativeHistogramOracleTest, SpecialValuesAtEverySchema) {
  for (int schema = -4; schema <= 8; ++schema) {
    // A factor of exactly 2^(2^-schema) can land either side in Go's log2;
    // aim between two schemas' factors instead.
    const double factor = std::exp2(std::exp2(-schema) * 1.01);
    Case c{.name = "special" + std::to_string(schema + 4), .factor = factor};
    for (double v : Specials()) c.Observe(v);
    if (schema > 0) {
      // Exactly on, and next to, every bound of this schema.
      const double* bounds = &detail::native::kBounds[detail::native::kBoundsStart[schema]];
      for (int i = 0; i < (1 << schema); ++i) {
        for (int exp : {-20, 0, 3}) {
          const double b = std::ldexp(bounds[i], exp);
          c.Observe(b);
          c.Observe(std::nextafter(b, kInf));
          c.Observe(-std::nextafter(b, 0.0));
        }
      }
    }
    c.Write();
    ExpectSame(c);
  }
}

TEST_F(NativeHistogramOracleTest, ZeroThresholdSettings) {
  for (double zt : {-1.0, kNativeHistogramZeroThresholdZero, 0.0, 0.001, 1e-300, 2.5}) {
    Case c{.name = "zt" + Bits(zt), .zero_threshold = zt, .buckets = {0.001, 1}};
    for (double v : Specials()) c.Observe(v);
    for (double v : {0.001, -0.001, 0.0011, -0.00099, 2.5, -2.5, 2.6}) c.Observe(v);
    c.Write();
    ExpectSame(c);
  }
}

TEST_F(NativeHistogramOracleTest, LimitHalvesResolution) {
  for (std::uint32_t max : {1u, 3u, 20u, 160u}) {
    Case c{.name = "halve" + std::to_string(max),
           .factor = 1.0001,
           .max_buckets = max,
           .buckets = DefBuckets()};
    std::mt19937_64 rng(max);
    for (int i = 0; i < 600; ++i) {
      c.Observe(Spread(rng, 3));
      if (i % 97 == 0) c.Write();
    }
    for (double v : Specials()) c.Observe(v);
    c.Write();
    ExpectSame(c);
  }
}

TEST_F(NativeHistogramOracleTest, LimitWidensZeroBucketThenHalves) {
  int n = 0;
  for (double max_zero : {1e-6, 0.01, 1.0, 1e300}) {
    Case c{.name = "widen" + std::to_string(n++),
           .factor = 1.05,
           .max_buckets = 12,
           .max_zero_threshold = max_zero};
    std::mt19937_64 rng(n);
    for (int i = 0; i < 500; ++i) {
      c.Observe(Spread(rng, 2));
      if (i % 61 == 0) c.Write();
    }
    // Growing values, so that each new bucket pushes the smallest out.
    for (int i = 0; i < 60; ++i) c.Observe(std::ldexp(1.0, i - 30) * (i % 2 ? -1 : 1));
    c.Observe(5e-324);
    c.Observe(kInf);
    c.Write();
    ExpectSame(c);
  }
}

TEST_F(NativeHistogramOracleTest, LimitResetsAfterMinResetDuration) {
  Case c{.name = "reset",
         .factor = 1.1,
         .max_buckets = 8,
         .min_reset_ns = 1'000'000'000,
         .max_zero_threshold = 0.5,
         .buckets = {0.1, 1, 10}};
  std::mt19937_64 rng(7);
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 40; ++i) {
      c.Observe(Spread(rng, 1.5));
      if (i % 13 == 0) c.Write();
    }
    c.Advance(round % 2 ? 1'000'000'000 : 400'000'000);  // every other round may reset
    c.Write();
  }
  c.Observe(kInf);  // the observation that triggers a reset is kept, Inf included
  c.Observe(-kInf);
  c.Advance(2'000'000'000);
  for (int i = 0; i < 20; ++i) c.Observe(std::ldexp(1.0, i));
  c.Write();
  ExpectSame(c);
}

TEST_F(NativeHistogramOracleTest, CoarsestSchemaStopsHalving) {
  Case c{.name = "coarsest", .factor = 65536, .max_buckets = 2};
  for (int e = -1074; e <= 1023; e += 3) c.Observe(std::ldexp(1.0, e));
  c.Observe(kInf);
  c.Observe(-kInf);
  c.Write();
  c.Observe(0);
  c.Write();
  ExpectSame(c);
}

TEST(NativeHistogramTest, OffByDefaultAndNoFactorMeansNoNativePart) {
  HistogramCell classic(std::make_shared<const std::vector<double>>(DefBuckets()));
  EXPECT_EQ(classic.native(), nullptr);
  HistogramOpts opts;
  EXPECT_EQ(detail::MakeNativeHistogramConfig(opts), nullptr);
  opts.native_histogram_bucket_factor = 1;
  EXPECT_EQ(detail::MakeNativeHistogramConfig(opts), nullptr);
  opts.native_histogram_bucket_factor = std::nan("");
  EXPECT_EQ(detail::MakeNativeHistogramConfig(opts), nullptr);
  opts.native_histogram_bucket_factor = 1.1;
  ASSERT_NE(detail::MakeNativeHistogramConfig(opts), nullptr);
  EXPECT_EQ(detail::MakeNativeHistogramConfig(opts)->schema, 3);
}

TEST(NativeHistogramTest, ConcurrentObserversLoseNothingAcrossHalvings) {
  // Recorders race with the limit strategy (halving): every observation must
  // end up in exactly one bucket (or the zero bucket).
  HistogramOpts opts{.buckets = {},
                     .native_histogram_bucket_factor = 1.0001,
                     .native_histogram_max_bucket_number = 16};
  HistogramCell cell(std::make_shared<const std::vector<double>>(),
                     detail::MakeNativeHistogramConfig(opts));
  constexpr int kThreads = 4, kPerThread = 20000;
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    for (int i = 0; i < 100000 && !stop.load(); ++i) {
      NativeHistogramSnapshot snapshot;
      cell.native()->Collect(snapshot);
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < kPerThread; ++i) cell.Observe(Spread(rng, 4));
    });
  }
  for (auto& thread : threads) thread.join();
  stop = true;
  scraper.join();
  NativeHistogramSnapshot snapshot;
  cell.native()->Collect(snapshot);
  std::int64_t total = static_cast<std::int64_t>(snapshot.zero_count);
  for (const auto* deltas : {&snapshot.positive_deltas, &snapshot.negative_deltas}) {
    std::int64_t count = 0;
    for (auto d : *deltas) total += (count += d);
  }
  EXPECT_EQ(total, kThreads * kPerThread);
  EXPECT_EQ(cell.SampleCount(), static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(snapshot.schema, 8);
}

TEST(NativeHistogramTest, NativeOnlyWithEmptyBuckets) {
  // As in Go: with a factor, an explicitly empty bucket list means no
  // classic buckets; without a factor it still means DefBuckets.
  const Histogram native_only = NewHistogram(
      {.name = "n", .help = "h", .buckets = {}, .native_histogram_bucket_factor = 1.1});
  native_only.Observe(1);
  EXPECT_EQ(native_only.SampleCount(), 1u);
  HistogramOpts classic{.name = "c", .help = "h", .buckets = {}};
  EXPECT_EQ(detail::MakeNativeHistogramConfig(classic), nullptr);
}

}  // namespace
}  // namespace semstreams::metric
