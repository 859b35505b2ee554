#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace semstreams::metric::testing {

/// Runs fn(thread_index) on `threads` threads that start their work together
/// (each waits until all exist), and joins them.
template <class Fn>
void RunTogether(int threads, Fn fn) {
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      fn(t);
    });
  }
  for (auto& thread : pool) thread.join();
}

}  // namespace semstreams::metric::testing
