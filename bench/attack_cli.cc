// Holds one of the server attacks (tests/support/attack.h) against any HTTP(S) server on this
// machine (ours, or a Go net/http one to compare with) and prints what happened as one line of
// JSON: the attacker's counters, two rounds of fresh scrapes (10 of the metrics path, 3 of /health)
// and, with --pid, the server's threads, RSS and fds from /proc.
//
//   attack_cli --host 127.0.0.1 --port N [--tls --cacert FILE] --attack NAME
//              --seconds S [--pid PID] [--path /metrics]
//
// Exits 0 when the attack ran (whatever the server did), 1 when it could not
// start, 2 on a bad command line.

#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "support/attack.h"

namespace {

namespace testing = semstreams::metric::testing;

void PrintUsage(std::ostream& out) {
  out << "usage: attack_cli --host ADDR --port N [--tls --cacert FILE] --attack NAME\n"
         "                  --seconds S [--pid PID] [--path PATH]\n"
         "  --host ADDR     IPv4 address of the server (default 127.0.0.1)\n"
         "  --port N        its port\n"
         "  --tls           scrape over https (the TLS attacks need it)\n"
         "  --cacert FILE   PEM the server certificate chains to (with --tls; the\n"
         "                  certificate must name ADDR)\n"
         "  --attack NAME   none (scrapes only, the unattacked figures) or one of\n"
         "                 ";
  for (const std::string& name : testing::AttackNames()) out << " " << name;
  out << "\n"
         "  --seconds S     how long to hold the attack (default 45); scrape rounds\n"
         "                  run at 5/45 and 40/45 of it\n"
         "  --pid PID       the server's process, to sample its threads, RSS and fds\n"
         "  --path PATH     the metrics path (default /metrics)\n";
}

struct Flags {
  std::string host = "127.0.0.1";
  int port = 0;
  bool tls = false;
  std::string cacert;
  std::string attack;
  double seconds = 45;
  pid_t pid = 0;
  std::string path = "/metrics";
};

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      std::exit(0);
    }
    if (arg == "--tls") {
      flags.tls = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "attack_cli: " << arg << " needs a value\n";
      return std::nullopt;
    }
    const std::string value = argv[++i];
    try {
      if (arg == "--host") {
        flags.host = value;
      } else if (arg == "--port") {
        flags.port = std::stoi(value);
      } else if (arg == "--cacert") {
        flags.cacert = value;
      } else if (arg == "--attack") {
        flags.attack = value;
      } else if (arg == "--seconds") {
        flags.seconds = std::stod(value);
      } else if (arg == "--pid") {
        flags.pid = static_cast<pid_t>(std::stol(value));
      } else if (arg == "--path") {
        flags.path = value;
      } else {
        std::cerr << "attack_cli: unknown argument '" << arg << "'\n";
        return std::nullopt;
      }
    } catch (const std::exception&) {
      std::cerr << "attack_cli: invalid value '" << value << "' for " << arg << "\n";
      return std::nullopt;
    }
  }
  if (flags.port <= 0 || flags.port > 65535 || flags.seconds <= 0 ||
      !testing::FindAttack(flags.attack) || (flags.tls && flags.cacert.empty())) {
    std::cerr << "attack_cli: need --port, a known --attack, --seconds > 0 and, with --tls, "
                 "--cacert\n";
    return std::nullopt;
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) {
    PrintUsage(std::cerr);
    return 2;
  }
  testing::RaiseFileLimitToHard();

  testing::AttackRun run;
  run.plan = *testing::FindAttack(flags->attack);
  run.attacker.host = flags->host;
  run.attacker.port = flags->port;
  run.attacker.metrics_path = flags->path;
  run.scrape.base_url = std::string(flags->tls ? "https" : "http") + "://" + flags->host + ":" +
                        std::to_string(flags->port);
  run.scrape.ca_file = flags->cacert;
  run.scrape.metrics_path = flags->path;
  run.hold = std::chrono::milliseconds(static_cast<long>(flags->seconds * 1000));
  run.server_pid = flags->pid;
  const testing::AttackReport report = testing::RunAttack(run);
  std::cout << report.ToJson() << std::endl;
  return report.error.empty() ? 0 : 1;
}
