#include "server/connection_set.h"

namespace semstreams::metric::detail {
namespace {

// Smaller responses leave the kernel's send buffer at once; counting them
// would only make every request take the lock.
constexpr std::size_t kCountedWrite = std::size_t{64} * 1024;

std::chrono::steady_clock::rep Now() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

void AbortEach(const std::vector<std::shared_ptr<Connection>>& victims) {
  for (const auto& victim : victims) victim->Abort();
}

}  // namespace

void ConnectionSet::MarkAborted(Entry& entry, std::vector<std::shared_ptr<Connection>>& victims) {
  if (entry.aborted) return;
  entry.aborted = true;
  --live_;
  writing_bytes_ -= entry.bytes;
  entry.bytes = 0;
  if (auto connection = entry.connection.lock()) victims.push_back(std::move(connection));
}

bool ConnectionSet::Add(const std::shared_ptr<Connection>& connection, Handle& handle) {
  std::vector<std::shared_ptr<Connection>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (max_connections_ > 0 && live_ >= static_cast<std::size_t>(max_connections_)) {
      auto oldest = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->aborted || it->phase.load(std::memory_order_relaxed) != Phase::kIdle) continue;
        if (oldest == entries_.end() || it->since.load(std::memory_order_relaxed) <
                                            oldest->since.load(std::memory_order_relaxed)) {
          oldest = it;
        }
      }
      if (oldest == entries_.end()) return false;
      MarkAborted(*oldest, victims);
    }
    ++live_;
    handle = entries_.emplace(entries_.end(), connection);
    handle->since.store(Now(), std::memory_order_relaxed);
  }
  AbortEach(victims);
  return true;
}

void ConnectionSet::Remove(Handle handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!handle->aborted) {
    --live_;
    writing_bytes_ -= handle->bytes;
  }
  entries_.erase(handle);
}

void ConnectionSet::Enter(Handle handle, Phase phase) {
  handle->phase.store(phase, std::memory_order_relaxed);
  handle->since.store(Now(), std::memory_order_relaxed);
}

bool ConnectionSet::StartWrite(Handle handle, std::size_t bytes) {
  Enter(handle, Phase::kWriting);
  if (bytes < kCountedWrite) return false;
  std::vector<std::shared_ptr<Connection>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (handle->aborted) return false;
    handle->bytes = bytes;
    writing_bytes_ += bytes;
    while (writing_bytes_ > write_budget_) {
      // The counted writer that started first; a single response larger
      // than the budget is still sent.
      auto longest = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it == handle || it->aborted || it->bytes == 0) continue;
        if (longest == entries_.end() || it->since.load(std::memory_order_relaxed) <
                                             longest->since.load(std::memory_order_relaxed)) {
          longest = it;
        }
      }
      if (longest == entries_.end()) break;
      MarkAborted(*longest, victims);
    }
  }
  AbortEach(victims);
  return true;
}

void ConnectionSet::EndWrite(Handle handle) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_bytes_ -= handle->bytes;
  handle->bytes = 0;
}

void ConnectionSet::AbortAll() {
  std::vector<std::shared_ptr<Connection>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Entry& entry : entries_) MarkAborted(entry, victims);
  }
  AbortEach(victims);
}

}  // namespace semstreams::metric::detail
