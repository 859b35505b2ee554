#include "server/build_pool.h"

#include <algorithm>

namespace semstreams::metric::detail {

struct BuildPool::Job {
  std::function<void()> build;
  std::mutex mu;
  std::condition_variable finished;
  bool done = false;
  bool abandoned = false;
};

BuildPool::BuildPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

BuildPool::~BuildPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void BuildPool::Loop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    bool skip = false;
    {
      std::lock_guard<std::mutex> lock(job->mu);
      skip = job->abandoned;
    }
    if (!skip) job->build();
    {
      std::lock_guard<std::mutex> lock(job->mu);
      job->done = true;
      job->build = nullptr;  // what it captured goes with it, on this thread
    }
    job->finished.notify_all();
  }
}

bool BuildPool::Run(std::function<void()> build,
                    std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto job = std::make_shared<Job>();
  job->build = std::move(build);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    queue_.push_back(job);
  }
  queued_.notify_one();
  std::unique_lock<std::mutex> lock(job->mu);
  const auto done = [&] { return job->done; };
  if (!deadline.has_value()) {
    job->finished.wait(lock, done);
    return true;
  }
  if (job->finished.wait_until(lock, *deadline, done)) return true;
  job->abandoned = true;
  return false;
}

}  // namespace semstreams::metric::detail
