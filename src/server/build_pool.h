#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace semstreams::metric::detail {

/// \brief A few threads that build expositions for the request workers.
///
/// Bounds how many builds run at once (more than there are cores only
/// multiplies memory), and keeps their allocations in these threads' malloc
/// arenas instead of spreading megabytes over every worker's, where glibc
/// keeps them after the burst. A caller waits for its build up to a deadline;
/// past it the build's result is dropped. Thread-safe.
class BuildPool {
 public:
  /// \brief Starts `threads` (at least one) builder threads.
  explicit BuildPool(int threads);
  /// \brief Finishes the builds already started, drops queued ones, joins.
  ~BuildPool();
  BuildPool(const BuildPool&) = delete;
  BuildPool& operator=(const BuildPool&) = delete;

  /// \brief Runs `build` on a builder thread and waits for it until
  /// `deadline` (for ever when absent); false when the deadline came first,
  /// in which case `build` runs later or never and its effects must be
  /// confined to what it captured.
  bool Run(std::function<void()> build,
           std::optional<std::chrono::steady_clock::time_point> deadline);

 private:
  struct Job;
  void Loop();

  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace semstreams::metric::detail
