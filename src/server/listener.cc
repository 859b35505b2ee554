#include "server/listener.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>

namespace semstreams::metric::detail {

std::map<int, int> ListeningSockets() {
  std::map<int, int> port_of_fd;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return port_of_fd;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    int listening = 0;
    socklen_t length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      continue;
    }
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) continue;
    if (address.ss_family == AF_INET) {
      port_of_fd[fd] = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      port_of_fd[fd] = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
  }
  closedir(dir);
  return port_of_fd;
}

std::vector<int> NewListeners(const std::map<int, int>& before, const std::map<int, int>& after,
                              int port) {
  std::vector<int> fds;
  for (const auto& [fd, bound] : after) {
    auto old = before.find(fd);
    const bool is_new = old == before.end() || old->second != bound;
    if (is_new && bound == port) fds.push_back(fd);
  }
  return fds;
}

bool DeferAcceptUntilData(int fd, std::chrono::seconds hold) {
  // civetweb hands every accepted connection to a worker, which then waits
  // for the request; a connection that never sends would park a worker. With
  // TCP_DEFER_ACCEPT the handshake completes (the client's connect()
  // succeeds) but the kernel keeps the connection until its first bytes
  // arrive, so idle connections cost a kernel request socket, not a thread.
  const int seconds = static_cast<int>(hold.count());
  return setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) == 0;
}

}  // namespace semstreams::metric::detail
