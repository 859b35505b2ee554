#pragma once

#include <chrono>
#include <map>
#include <vector>

namespace semstreams::metric::detail {

/// \brief Listening TCP sockets of this process: fd to port.
std::map<int, int> ListeningSockets();

/// \brief The fds in `after` that are new since `before` and bound to `port`.
std::vector<int> NewListeners(const std::map<int, int>& before, const std::map<int, int>& after,
                              int port);

/// \brief Asks the kernel to keep connections that have sent nothing out of
/// the accept queue for up to `hold` (TCP_DEFER_ACCEPT); false if refused.
bool DeferAcceptUntilData(int fd, std::chrono::seconds hold);

}  // namespace semstreams::metric::detail
