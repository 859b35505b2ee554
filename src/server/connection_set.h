#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

namespace semstreams::metric::detail {

/// \brief A connection as the server's bookkeeping sees it: something that can
/// be told, from any thread, to close.
class Connection {
 public:
  virtual ~Connection() = default;
  /// \brief Closes the connection soon, on its own executor; safe from any thread.
  virtual void Abort() = 0;
};

/// \brief The live connections of one server, for the limits that span them:
/// max_connections (the oldest idle one makes room for a new one) and the write
/// budget (bytes of large responses waiting on clients; past it, the connection
/// that has been writing longest is closed, so slow readers cannot hold the
/// process's memory). Stop() aborts them all. Thread-safe; a connection's own
/// phase changes take no lock, so a request costs the others nothing.
class ConnectionSet {
 public:
  enum class Phase {
    kIdle,     // waiting for a request: handshake, keep-alive, headers
    kBusy,     // a request is being answered
    kWriting,  // a response is on its way to the client
  };

  struct Entry {
    explicit Entry(std::weak_ptr<Connection> c) : connection(std::move(c)) {}
    const std::weak_ptr<Connection> connection;
    // Written by the connection itself, read by the scans below.
    std::atomic<Phase> phase{Phase::kIdle};
    std::atomic<std::chrono::steady_clock::rep> since{0};
    // Under the set's mutex.
    std::size_t bytes = 0;  // counted against the write budget
    bool aborted = false;
  };
  using Handle = std::list<Entry>::iterator;

  /// \brief `max_connections` 0: no limit; `write_budget`: bytes, see above.
  ConnectionSet(int max_connections, std::size_t write_budget)
      : max_connections_(max_connections), write_budget_(write_budget) {}

  /// \brief Admits a connection, closing the oldest idle one when at the
  /// limit; false (and nothing added) when at the limit and none is idle.
  bool Add(const std::shared_ptr<Connection>& connection, Handle& handle);
  /// \brief Forgets a connection; each handle once.
  void Remove(Handle handle);
  /// \brief Marks the connection idle or busy; lock-free.
  static void Enter(Handle handle, Phase phase);
  /// \brief Marks it writing `bytes`. A response large enough to matter is
  /// counted against the budget, closing the longest writers when it would be
  /// exceeded (never this one); true when counted, and EndWrite must follow.
  bool StartWrite(Handle handle, std::size_t bytes);
  /// \brief Uncounts a write StartWrite counted.
  void EndWrite(Handle handle);
  /// \brief Aborts every connection (the server is stopping).
  void AbortAll();

 private:
  // Called with mu_ held; the caller aborts them after unlocking.
  void MarkAborted(Entry& entry, std::vector<std::shared_ptr<Connection>>& victims);

  const int max_connections_;
  const std::size_t write_budget_;
  std::mutex mu_;
  std::list<Entry> entries_;
  std::size_t live_ = 0;  // entries not aborted
  std::size_t writing_bytes_ = 0;
};

}  // namespace semstreams::metric::detail
