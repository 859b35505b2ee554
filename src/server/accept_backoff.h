#pragma once

#include <cstdint>

namespace semstreams::metric::detail {

/// \brief Makes accept() on `fd` back off as Go's net/http does when the
/// process is out of descriptors (EMFILE/ENFILE): 5 ms, doubling to 1 s,
/// reset by the next success. Other sockets are untouched.
void WatchListener(int fd);

/// \brief Undoes WatchListener and wakes an accept() sleeping on `fd`, so
/// stopping the server is not delayed by a backoff.
void UnwatchListener(int fd);

/// \brief How many times a watched accept() has backed off since the
/// process started: tests wait on it instead of guessing a delay.
std::uint64_t AcceptBackoffs();

}  // namespace semstreams::metric::detail
