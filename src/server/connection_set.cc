#include "server/connection_set.h"

namespace semstreams::metric::detail {
namespace {

void AbortEach(const std::vector<std::shared_ptr<Connection>>& victims) {
  for (const auto& victim : victims) victim->Abort();
}

}  // namespace

void ConnectionSet::MarkAborted(Entry& entry, std::vector<std::shared_ptr<Connection>>& victims) {
  if (entry.aborted) return;
  entry.aborted = true;
  --live_;
  if (entry.phase == Phase::kWriting) writing_bytes_ -= entry.bytes;
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
        if (it->aborted || it->phase != Phase::kIdle) continue;
        if (oldest == entries_.end() || it->since < oldest->since) oldest = it;
      }
      if (oldest == entries_.end()) return false;
      MarkAborted(*oldest, victims);
    }
    ++live_;
    handle = entries_.insert(entries_.end(),
                             Entry{connection, Phase::kIdle, std::chrono::steady_clock::now()});
  }
  AbortEach(victims);
  return true;
}

void ConnectionSet::Remove(Handle handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!handle->aborted) {
    --live_;
    if (handle->phase == Phase::kWriting) writing_bytes_ -= handle->bytes;
  }
  entries_.erase(handle);
}

void ConnectionSet::Enter(Handle handle, Phase phase) {
  std::lock_guard<std::mutex> lock(mu_);
  if (handle->aborted) return;
  if (handle->phase == Phase::kWriting) writing_bytes_ -= handle->bytes;
  handle->bytes = 0;
  handle->phase = phase;
  handle->since = std::chrono::steady_clock::now();
}

void ConnectionSet::StartWrite(Handle handle, std::size_t bytes) {
  std::vector<std::shared_ptr<Connection>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (handle->aborted) return;
    if (handle->phase == Phase::kWriting) writing_bytes_ -= handle->bytes;
    handle->phase = Phase::kWriting;
    handle->bytes = bytes;
    handle->since = std::chrono::steady_clock::now();
    writing_bytes_ += bytes;
    while (writing_bytes_ > write_budget_) {
      auto longest = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it == handle || it->aborted || it->phase != Phase::kWriting) continue;
        if (longest == entries_.end() || it->since < longest->since) longest = it;
      }
      // A single response larger than the budget is still sent.
      if (longest == entries_.end()) break;
      MarkAborted(*longest, victims);
    }
  }
  AbortEach(victims);
}

void ConnectionSet::AbortAll() {
  std::vector<std::shared_ptr<Connection>> victims;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Entry& entry : entries_) MarkAborted(entry, victims);
  }
  AbortEach(victims);
}

std::size_t ConnectionSet::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

}  // namespace semstreams::metric::detail
