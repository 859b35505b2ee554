// civetweb's accept loop polls its listening socket and calls accept(); when
// the process is out of descriptors, accept() fails at once while the
// connection stays queued, the socket stays readable, and the loop spins a
// whole core until a descriptor frees. Neither civetweb 1.15 (Debian) nor the
// 1.16 that prometheus-cpp bundles has a hook for that, so this file defines
// accept() and accept4() for the process: for the listening sockets of our
// servers only, a failure for lack of descriptors sleeps before returning,
// exactly as Go's http.Server does ("accept: too many open files; retrying
// in 1s"). Everything else passes straight to the C library.
#include "server/accept_backoff.h"

#include <dlfcn.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

namespace semstreams::metric::detail {
namespace {

constexpr std::chrono::milliseconds kFirstDelay{5};
constexpr std::chrono::milliseconds kMaxDelay{1000};

struct Watched {
  std::mutex mu;
  std::condition_variable unwatched;
  std::map<int, std::chrono::milliseconds> delay_of_fd;  // 0 until the first failure
  std::atomic<int> count{0};                             // lets other accepts skip the lock
  std::atomic<std::uint64_t> backoffs{0};
};

Watched& State() {
  static auto* state = new Watched();  // never destroyed: accept() may run at exit
  return *state;
}

void ResetDelay(int fd) {
  Watched& state = State();
  if (state.count.load(std::memory_order_acquire) == 0) return;
  std::lock_guard<std::mutex> lock(state.mu);
  if (auto it = state.delay_of_fd.find(fd); it != state.delay_of_fd.end()) {
    it->second = std::chrono::milliseconds(0);
  }
}

void BackOff(int fd) {
  Watched& state = State();
  if (state.count.load(std::memory_order_acquire) == 0) return;
  std::unique_lock<std::mutex> lock(state.mu);
  auto it = state.delay_of_fd.find(fd);
  if (it == state.delay_of_fd.end()) return;
  it->second = it->second.count() == 0 ? kFirstDelay : std::min(it->second * 2, kMaxDelay);
  state.backoffs.fetch_add(1, std::memory_order_relaxed);
  state.unwatched.wait_for(lock, it->second, [&] { return state.delay_of_fd.count(fd) == 0; });
}

template <typename Call>
int AcceptWithBackoff(int fd, Call call) {
  const int result = call();
  if (result >= 0) {
    ResetDelay(fd);
    return result;
  }
  const int error = errno;
  if (error == EMFILE || error == ENFILE) BackOff(fd);
  errno = error;
  return result;
}

// The next definition after ours: the sanitizers' interceptor where there is
// one, else the C library's.
template <typename Fn>
Fn Next(const char* name, const char* interceptor) {
  if (void* sym = dlsym(RTLD_DEFAULT, interceptor)) return reinterpret_cast<Fn>(sym);
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

using AcceptFn = int (*)(int, sockaddr*, socklen_t*);
using Accept4Fn = int (*)(int, sockaddr*, socklen_t*, int);

}  // namespace

void WatchListener(int fd) {
  Watched& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  if (state.delay_of_fd.emplace(fd, std::chrono::milliseconds(0)).second) {
    state.count.fetch_add(1, std::memory_order_acq_rel);
  }
}

void UnwatchListener(int fd) {
  Watched& state = State();
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (state.delay_of_fd.erase(fd) != 0) state.count.fetch_sub(1, std::memory_order_acq_rel);
  }
  state.unwatched.notify_all();
}

std::uint64_t AcceptBackoffs() { return State().backoffs.load(std::memory_order_relaxed); }

}  // namespace semstreams::metric::detail

extern "C" __attribute__((visibility("default"))) int accept(int fd, sockaddr* address,
                                                             socklen_t* length) {
  static const auto next = semstreams::metric::detail::Next<semstreams::metric::detail::AcceptFn>(
      "accept", "__interceptor_accept");
  return semstreams::metric::detail::AcceptWithBackoff(fd,
                                                       [&] { return next(fd, address, length); });
}

extern "C" __attribute__((visibility("default"))) int accept4(int fd, sockaddr* address,
                                                              socklen_t* length, int flags) {
  static const auto next = semstreams::metric::detail::Next<semstreams::metric::detail::Accept4Fn>(
      "accept4", "__interceptor_accept4");
  return semstreams::metric::detail::AcceptWithBackoff(
      fd, [&] { return next(fd, address, length, flags); });
}
