// HTTP /metrics latency for 10,000 three-label series over loopback, plain and
// gzip, through libcurl with a reused connection (as Prometheus scrapes).
#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "semstreams/metric/server.h"
#include "series_shapes.h"

namespace semstreams::metric::bench {
namespace {

std::size_t Discard(char*, std::size_t size, std::size_t count, void* bytes) {
  *static_cast<std::size_t*>(bytes) += size * count;
  return size * count;
}

void Scrape(benchmark::State& state, bool gzip) {
  auto registry = NewMetricsRegistry();
  const CounterVec& vec = registry->CoreMetrics().MessagesProcessed;
  for (int s = 0; s < 1250; ++s) {
    char service[32];
    std::snprintf(service, sizeof service, "service-%04d", s);
    for (const auto& type : kTypes) {
      for (const auto& status : kStatuses) vec.WithLabelValues(service, type, status).Add(7);
    }
  }
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  MetricsServer server(options, registry);
  if (!server.Start().ok()) {
    state.SkipWithError("server did not start");
    return;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port()) + "/metrics";
  CURL* curl = curl_easy_init();
  std::size_t bytes = 0;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &bytes);
  // Received as sent: the figure is the server's, not the client's inflate.
  if (gzip) {
    struct curl_slist* headers = curl_slist_append(nullptr, "Accept-Encoding: gzip");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  std::vector<double> micros;
  for (auto _ : state) {
    bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    if (const CURLcode code = curl_easy_perform(curl); code != CURLE_OK) {
      state.SkipWithError(curl_easy_strerror(code));
      break;
    }
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  curl_easy_cleanup(curl);
  (void)server.Stop();
  if (!micros.empty()) {
    std::nth_element(micros.begin(), micros.begin() + micros.size() / 2, micros.end());
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["bytes"] = static_cast<double>(bytes);
  }
}

void BM_Http_Metrics10k_Plain(benchmark::State& state) { Scrape(state, false); }
BENCHMARK(BM_Http_Metrics10k_Plain)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Http_Metrics10k_Gzip(benchmark::State& state) { Scrape(state, true); }
BENCHMARK(BM_Http_Metrics10k_Gzip)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace semstreams::metric::bench
