// ScrapeHandler, the transport-free promhttp.HandlerFor: negotiation, gzip,
// HEAD, methods, the in-flight limit, the scrape deadline, a null registry.
#include "semstreams/metric/scrape_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <future>
#include <initializer_list>
#include <latch>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "semstreams/metric/counter.h"
#include "semstreams/metric/registry.h"
#include "support/gunzip.h"
#include "support/scraper_accept.h"

// The public API offers no way to stop a scrape half way (no collector runs
// user code yet), so the tests that need a scrape in flight pause it at its
// first allocation inside Serve. That is after admission: Serve refuses
// before doing any work, as promhttp does. Only the thread that arms the hook
// is paused; every other allocation goes straight to malloc.
namespace {
thread_local std::function<void()>* pause_at_next_allocation = nullptr;
}  // namespace

// Kept out of line: inlined, GCC would see malloc paired with delete and
// free paired with new, and warn (-Wmismatched-new-delete) about the pairs
// a replacement is allowed to make.
[[gnu::noinline]] void* operator new(std::size_t size) {
  if (std::function<void()>* pause = std::exchange(pause_at_next_allocation, nullptr)) {
    (*pause)();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) { return ::operator new(size); }
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (...) {
    return nullptr;
  }
}
[[gnu::noinline]] void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return ::operator new(size, std::nothrow);
}
// Every matching delete, so a sanitizer runtime never pairs its own new with ours.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace semstreams::metric {
namespace {

using std::chrono::milliseconds;
using ::testing::Contains;
using ::testing::StartsWith;

constexpr const char* kText = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores";
constexpr const char* kOpenMetrics1 =
    "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores";
constexpr const char* kProtobuf =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
    "encoding=delimited; escaping=underscores";
// What Prometheus 2.42 sends, plain and with --enable-feature=native-histograms.
constexpr const char* kPrometheus242 = metric::testing::kPrometheus242Accept;
constexpr const char* kPrometheus242NativeHistograms =
    metric::testing::kPrometheus242NativeHistogramsAccept;

// A registry with one known counter, scrape_test_requests_total 3.
std::shared_ptr<MetricsRegistry> RegistryWithCounter() {
  auto registry = NewMetricsRegistry();
  CounterOpts opts;
  opts.ns = "scrape_test";
  opts.name = "requests_total";
  opts.help = "Requests seen by the test.";
  const Counter counter = NewCounter(opts);
  counter.Add(3);
  EXPECT_TRUE(registry->RegisterCounter("test", "requests", counter).ok());
  return registry;
}

ScrapeRequest Request(std::string method, std::string accept = "", std::string accept_encoding = "",
                      std::string timeout = "") {
  ScrapeRequest request;
  request.method = std::move(method);
  request.accept = std::move(accept);
  request.accept_encoding = std::move(accept_encoding);
  request.scrape_timeout_seconds = std::move(timeout);
  return request;
}

// The value of header `name` (names compared without case, as HTTP does);
// nullopt when absent. Two of one name is a failure of its own.
std::optional<std::string> Header(const ScrapeResponse& response, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : response.headers) {
    const bool same = key.size() == name.size() &&
                      std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
    if (!same) continue;
    EXPECT_FALSE(found.has_value()) << "header " << name << " sent twice";
    found = value;
  }
  return found;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A whole body that is one gzip member, inflated; nullopt otherwise.
std::optional<std::string> Gunzip(const std::string& compressed) {
  auto inflated = testing::Gunzip(compressed);
  if (!inflated || inflated->consumed != compressed.size()) return std::nullopt;
  return std::move(inflated->bytes);
}

// The process_* families change between two scrapes (CPU time, memory);
// everything else of a quiet registry stays the same.
std::string WithoutProcessFamilies(const std::string& exposition) {
  std::istringstream in(exposition);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.rfind("process_", 0) == 0 || line.rfind("# HELP process_", 0) == 0 ||
        line.rfind("# TYPE process_", 0) == 0) {
      continue;
    }
    kept += line + "\n";
  }
  return kept;
}

// The names of the length-delimited MetricFamily messages in `body`; nullopt
// when the framing does not add up to the body exactly.
std::optional<std::vector<std::string>> DelimitedFamilyNames(const std::string& body) {
  auto varint = [&body](std::size_t& pos) -> std::optional<std::uint64_t> {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && pos < body.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(body[pos++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  };
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto length = varint(pos);
    if (!length || *length > body.size() - pos) return std::nullopt;
    const std::size_t end = pos + *length;
    // MetricFamily.name is field 1, length-delimited: tag 0x0a, written first.
    std::size_t field = pos;
    if (field >= end || body[field++] != '\x0a') return std::nullopt;
    const auto name_length = varint(field);
    if (!name_length || *name_length > end - field) return std::nullopt;
    names.push_back(body.substr(field, *name_length));
    pos = end;
  }
  return names;
}

// Serve(request) on a thread of its own, held at its first allocation inside
// Serve (so past the in-flight check) until Release().
class HeldScrape {
 public:
  explicit HeldScrape(const ScrapeHandler& handler, ScrapeRequest request = {})
      : thread_([this, handler, request] {
          std::function<void()> pause = [this] {
            entered_.count_down();
            release_.wait();
          };
          pause_at_next_allocation = &pause;
          response_ = handler.Serve(request);
          // A Serve that never allocated was never held; don't leave the caller waiting.
          if (std::exchange(pause_at_next_allocation, nullptr) != nullptr) entered_.count_down();
        }) {
    entered_.wait();
  }
  HeldScrape(const HeldScrape&) = delete;
  HeldScrape& operator=(const HeldScrape&) = delete;
  ~HeldScrape() { Release(); }

  /// Lets the scrape finish; returns its answer (again when called again).
  ScrapeResponse Release() {
    if (thread_.joinable()) {
      release_.count_down();
      thread_.join();
    }
    return response_;
  }

 private:
  std::latch entered_{1};
  std::latch release_{1};
  ScrapeResponse response_;
  std::thread thread_;  // last: it uses the members above
};

// Serve(request) from another thread while the `held` scrapes are in flight;
// nullopt when it does not answer in time. A limit that queued instead of
// refusing would wait for them: they are released then, so the test fails
// instead of hanging.
std::optional<ScrapeResponse> ServeWhileHeld(const ScrapeHandler& handler,
                                             const ScrapeRequest& request,
                                             std::initializer_list<HeldScrape*> held) {
  auto answer = std::async(std::launch::async, [&] { return handler.Serve(request); });
  if (answer.wait_for(std::chrono::seconds(20)) == std::future_status::ready) return answer.get();
  for (HeldScrape* scrape : held) scrape->Release();
  answer.wait();
  return std::nullopt;
}

// Serve(request) on this thread with `delay` spent inside the scrape.
ScrapeResponse ServeSlowly(const ScrapeHandler& handler, const ScrapeRequest& request,
                           milliseconds delay) {
  std::function<void()> pause = [delay] { std::this_thread::sleep_for(delay); };
  pause_at_next_allocation = &pause;
  ScrapeResponse response = handler.Serve(request);
  pause_at_next_allocation = nullptr;
  return response;
}

TEST(ScrapeHandlerTest, NoAcceptGetsText) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse response = handler.Serve({});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Content-Type"), kText);
  EXPECT_EQ(Header(response, "Content-Encoding"), std::nullopt);
  EXPECT_NE(response.body.find("# TYPE scrape_test_requests_total counter\n"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("\nscrape_test_requests_total 3\n"), std::string::npos);
  EXPECT_EQ(response.body.find("# EOF"), std::string::npos);
}

TEST(ScrapeHandlerTest, PrometheusScrapeHeaderGetsOpenMetrics) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse response = handler.Serve(Request("GET", kPrometheus242));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Content-Type"), kOpenMetrics1);
  // OpenMetrics names the counter family without _total, the sample with it.
  EXPECT_NE(response.body.find("# TYPE scrape_test_requests counter\n"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("\nscrape_test_requests_total 3\n"), std::string::npos);
  EXPECT_TRUE(EndsWith(response.body, "\n# EOF\n"));
}

TEST(ScrapeHandlerTest, OpenMetricsTurnedOffGetsText) {
  HandlerOptions options;
  options.enable_openmetrics = false;
  const ScrapeHandler handler(RegistryWithCounter(), options);
  const ScrapeResponse response = handler.Serve(Request("GET", kPrometheus242));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Content-Type"), kText);
  EXPECT_EQ(response.body.find("# EOF"), std::string::npos);
}

TEST(ScrapeHandlerTest, NativeHistogramScrapeHeaderGetsProtobuf) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse response = handler.Serve(Request("GET", kPrometheus242NativeHistograms));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Header(response, "Content-Type"), kProtobuf);
  const auto names = DelimitedFamilyNames(response.body);
  ASSERT_TRUE(names.has_value()) << "not length-delimited MetricFamily messages";
  EXPECT_THAT(*names, Contains("scrape_test_requests_total"));
  EXPECT_THAT(*names, Contains("process_open_fds"));
}

TEST(ScrapeHandlerTest, GzipWhenAcceptEncodingAdmitsIt) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse plain = handler.Serve({});
  for (const char* encoding : {"gzip", "br, gzip;q=0.5", "*", "deflate, GZIP"}) {
    SCOPED_TRACE(encoding);
    const ScrapeResponse zipped = handler.Serve(Request("GET", "", encoding));
    EXPECT_EQ(zipped.status, 200);
    EXPECT_EQ(Header(zipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(Header(zipped, "Content-Type"), kText);
    const auto inflated = Gunzip(zipped.body);
    ASSERT_TRUE(inflated.has_value()) << "body is not a whole gzip member";
    EXPECT_NE(inflated->find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
    EXPECT_EQ(WithoutProcessFamilies(*inflated), WithoutProcessFamilies(plain.body));
  }
}

TEST(ScrapeHandlerTest, NoGzipWhenAcceptEncodingRefusesIt) {
  const ScrapeHandler handler(RegistryWithCounter());
  for (const char* encoding : {"", "identity", "gzip;q=0", "deflate, br"}) {
    SCOPED_TRACE(encoding);
    const ScrapeResponse response = handler.Serve(Request("GET", "", encoding));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(Header(response, "Content-Encoding"), std::nullopt);
    EXPECT_NE(response.body.find("\nscrape_test_requests_total 3\n"), std::string::npos);
  }
}

TEST(ScrapeHandlerTest, GzipAppliesToOpenMetricsAndProtobuf) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse openmetrics = handler.Serve(Request("GET", kPrometheus242, "gzip"));
  EXPECT_EQ(Header(openmetrics, "Content-Type"), kOpenMetrics1);
  EXPECT_EQ(Header(openmetrics, "Content-Encoding"), "gzip");
  const auto text = Gunzip(openmetrics.body);
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(EndsWith(*text, "\n# EOF\n"));

  const ScrapeResponse protobuf =
      handler.Serve(Request("GET", kPrometheus242NativeHistograms, "gzip"));
  EXPECT_EQ(Header(protobuf, "Content-Type"), kProtobuf);
  EXPECT_EQ(Header(protobuf, "Content-Encoding"), "gzip");
  const auto messages = Gunzip(protobuf.body);
  ASSERT_TRUE(messages.has_value());
  EXPECT_TRUE(DelimitedFamilyNames(*messages).has_value());
}

TEST(ScrapeHandlerTest, HeadGetsHeadersAndLengthButNoBody) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse head = handler.Serve(Request("HEAD", kPrometheus242));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(Header(head, "Content-Type"), kOpenMetrics1);
  EXPECT_TRUE(Header(head, "Vary").has_value());
  EXPECT_EQ(Header(handler.Serve(Request("HEAD", "", "gzip")), "Content-Encoding"), "gzip");

  // Content-Length is the size a GET gets. The process_* values can change
  // the size between two scrapes, so look for a HEAD, GET, HEAD whose two
  // HEADs agree: the GET between them saw the same size.
  bool matched = false;
  std::string seen;
  for (int attempt = 0; attempt < 50 && !matched; ++attempt) {
    const auto before = Header(handler.Serve(Request("HEAD", kPrometheus242)), "Content-Length");
    const ScrapeResponse get = handler.Serve(Request("GET", kPrometheus242));
    const auto after = Header(handler.Serve(Request("HEAD", kPrometheus242)), "Content-Length");
    ASSERT_TRUE(before.has_value() && after.has_value()) << "HEAD without Content-Length";
    seen = *before + " / " + std::to_string(get.body.size()) + " / " + *after;
    matched = *before == *after && *before == std::to_string(get.body.size());
  }
  EXPECT_TRUE(matched) << "HEAD Content-Length / GET body size / HEAD: " << seen;
}

TEST(ScrapeHandlerTest, OtherMethodsGet405WithAllow) {
  const ScrapeHandler handler(RegistryWithCounter());
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get", ""}) {
    SCOPED_TRACE(method);
    const ScrapeResponse response = handler.Serve(Request(method));
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(Header(response, "Allow"), "GET, HEAD");
    EXPECT_EQ(response.body.find("scrape_test_requests_total"), std::string::npos);
  }
}

TEST(ScrapeHandlerTest, NullRegistryIs500) {
  const ScrapeHandler handler(nullptr);
  for (const char* method : {"GET", "HEAD"}) {
    SCOPED_TRACE(method);
    const ScrapeResponse response = handler.Serve(Request(method, kPrometheus242));
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(Header(response, "Content-Type"), "text/plain; charset=utf-8");
    EXPECT_NE(response.body.find("registry"), std::string::npos) << response.body;
  }
}

TEST(ScrapeHandlerTest, OverTheInFlightLimitIs503AtOnce) {
  HandlerOptions options;
  options.max_requests_in_flight = 1;
  const ScrapeHandler handler(RegistryWithCounter(), options);
  HeldScrape held(handler);
  const auto refused = ServeWhileHeld(handler, {}, {&held});
  ASSERT_TRUE(refused.has_value()) << "a scrape over the limit waited instead of being refused";
  EXPECT_EQ(refused->status, 503);
  EXPECT_THAT(refused->body, StartsWith("too many requests in flight"));
  EXPECT_EQ(held.Release().status, 200);
  // The held scrape gave its place back.
  EXPECT_EQ(handler.Serve({}).status, 200);
  EXPECT_EQ(handler.Serve({}).status, 200);
}

TEST(ScrapeHandlerTest, InFlightLimitAdmitsUpToItsNumber) {
  HandlerOptions options;
  options.max_requests_in_flight = 2;
  const ScrapeHandler handler(RegistryWithCounter(), options);
  HeldScrape first(handler);
  HeldScrape second(handler);
  const auto third = ServeWhileHeld(handler, {}, {&first, &second});
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, 503);
  EXPECT_EQ(first.Release().status, 200);
  // One place free again: admitted while the second is still in flight.
  const auto fourth = ServeWhileHeld(handler, {}, {&second});
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->status, 200);
  EXPECT_EQ(second.Release().status, 200);
}

TEST(ScrapeHandlerTest, NoLimitAdmitsConcurrentScrapes) {
  const ScrapeHandler handler(RegistryWithCounter());  // max_requests_in_flight = 0
  HeldScrape held(handler);
  const auto other = ServeWhileHeld(handler, {}, {&held});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(held.Release().status, 200);
}

TEST(ScrapeHandlerTest, CopiesShareTheInFlightCount) {
  const auto registry = RegistryWithCounter();
  HandlerOptions options;
  options.max_requests_in_flight = 1;
  const ScrapeHandler handler(registry, options);
  const ScrapeHandler copy = handler;  // NOLINT(performance-unnecessary-copy-initialization)
  const ScrapeHandler separate(registry, options);
  HeldScrape held(handler);
  const auto from_copy = ServeWhileHeld(copy, {}, {&held});
  ASSERT_TRUE(from_copy.has_value());
  EXPECT_EQ(from_copy->status, 503);
  // The count belongs to a handler and its copies, not to the registry or the process.
  const auto from_separate = ServeWhileHeld(separate, {}, {&held});
  ASSERT_TRUE(from_separate.has_value());
  EXPECT_EQ(from_separate->status, 200);
  EXPECT_EQ(held.Release().status, 200);
  EXPECT_EQ(copy.Serve({}).status, 200);
}

TEST(ScrapeHandlerTest, ScrapePastTheHeaderDeadlineIs503) {
  const ScrapeHandler handler(RegistryWithCounter());
  // A microsecond: no scrape reads /proc and renders in that.
  const ScrapeResponse response = handler.Serve(Request("GET", "", "", "0.000001"));
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(response.body, StartsWith("scrape deadline exceeded"));
  EXPECT_EQ(response.body.find("scrape_test_requests_total"), std::string::npos);

  const ScrapeResponse slow =
      ServeSlowly(handler, Request("GET", kPrometheus242, "gzip", "0.01"), milliseconds(100));
  EXPECT_EQ(slow.status, 503);
  EXPECT_EQ(Header(slow, "Content-Encoding"), std::nullopt);
}

TEST(ScrapeHandlerTest, ScrapeWithinTheHeaderDeadlineIsServed) {
  const ScrapeHandler handler(RegistryWithCounter());
  const ScrapeResponse response =
      ServeSlowly(handler, Request("GET", "", "", "30"), milliseconds(100));
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\nscrape_test_requests_total 3\n"), std::string::npos);
}

TEST(ScrapeHandlerTest, GarbageDeadlineHeaderIsIgnored) {
  const ScrapeHandler handler(RegistryWithCounter());
  for (const char* header : {"abc", "0", "-1", "1e999", "nan", "inf", "5s", " ", "0x"}) {
    SCOPED_TRACE(header);
    const ScrapeResponse response =
        ServeSlowly(handler, Request("GET", "", "", header), milliseconds(20));
    EXPECT_EQ(response.status, 200) << response.body;
  }
}

TEST(ScrapeHandlerTest, OptionTimeoutBoundsTheScrape) {
  HandlerOptions options;
  options.timeout = milliseconds(10);
  const ScrapeHandler handler(RegistryWithCounter(), options);
  EXPECT_EQ(ServeSlowly(handler, {}, milliseconds(100)).status, 503);
  // The option bounds the scrape when the scraper's own deadline is longer.
  EXPECT_EQ(ServeSlowly(handler, Request("GET", "", "", "30"), milliseconds(100)).status, 503);

  options.timeout = std::chrono::minutes(1);
  const ScrapeHandler patient(RegistryWithCounter(), options);
  EXPECT_EQ(ServeSlowly(patient, {}, milliseconds(100)).status, 200);
  // The scraper's shorter deadline wins over a longer option.
  EXPECT_EQ(ServeSlowly(patient, Request("GET", "", "", "0.01"), milliseconds(100)).status, 503);
}

}  // namespace
}  // namespace semstreams::metric
