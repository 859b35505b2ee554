// A short-lived job that reports to a Pushgateway, as client_golang's push
// examples do: it works through --items items, recording as it goes, then
//   - on success pushes everything (PUT), including its last-success time;
//   - on SIGTERM/SIGINT adds what it did so far (POST), which leaves the
//     previous run's last-success time in the gateway for alerts to see;
//   - with --delete only deletes its group and exits.
//
//   batch_job --gateway URL [--job NAME] [--instance ID] [--items N]
//             [--work-ms MS] [--timeout-ms MS] [--delete]
//
// Prints "started" once the signal handlers are in place, then one line with
// the outcome on stdout. Exits 0 after a successful push or delete, 1 when the
// gateway could not be reached or refused, 2 on a bad command line, 3 when
// interrupted (what was done is still pushed).

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "semstreams/metric.h"

namespace {

namespace metric = semstreams::metric;

volatile sig_atomic_t g_stop_signal = 0;

void OnStopSignal(int sig) { g_stop_signal = sig; }

struct Flags {
  std::string gateway;
  std::string job = "batch_job";
  std::string instance;
  long items = 100;
  long work_ms = 10;
  long timeout_ms = 5000;
  bool delete_group = false;
};

void PrintUsage(std::ostream& out) {
  out << "usage: batch_job --gateway URL [--job NAME] [--instance ID] [--items N]\n"
         "                 [--work-ms MS] [--timeout-ms MS] [--delete]\n"
         "  --gateway URL     Pushgateway, e.g. http://localhost:9091 (required)\n"
         "  --job NAME        job label of the pushed group (default batch_job)\n"
         "  --instance ID     instance grouping label (default: none)\n"
         "  --items N         items to process (default 100)\n"
         "  --work-ms MS      simulated work per item (default 10)\n"
         "  --timeout-ms MS   bound on each request to the gateway (default 5000)\n"
         "  --delete          delete the group from the gateway and exit\n";
}

// Parses a whole non-negative number, or nullopt.
std::optional<long> ParseCount(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < 0) return std::nullopt;
  return v;
}

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      PrintUsage(std::cout);
      std::exit(0);
    }
    if (arg == "--delete") {
      flags.delete_group = true;
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    std::optional<long> number;
    if (value && (arg == "--items" || arg == "--work-ms" || arg == "--timeout-ms")) {
      number = ParseCount(*value);
      if (!number) {
        std::cerr << "batch_job: " << arg << " wants a whole number >= 0, got '" << *value << "'\n";
        return std::nullopt;
      }
    }
    if (!value) {
      std::cerr << "batch_job: " << arg << " needs a value\n";
      return std::nullopt;
    } else if (arg == "--gateway") {
      flags.gateway = *value;
    } else if (arg == "--job") {
      flags.job = *value;
    } else if (arg == "--instance") {
      flags.instance = *value;
    } else if (arg == "--items") {
      flags.items = *number;
    } else if (arg == "--work-ms") {
      flags.work_ms = *number;
    } else if (arg == "--timeout-ms") {
      flags.timeout_ms = *number;
    } else {
      std::cerr << "batch_job: unknown flag " << arg << "\n";
      PrintUsage(std::cerr);
      return std::nullopt;
    }
  }
  if (flags.gateway.empty()) {
    std::cerr << "batch_job: --gateway is required\n";
    PrintUsage(std::cerr);
    return std::nullopt;
  }
  return flags;
}

// Sleeps `ms`, returning early when a stop signal arrives (nanosleep gets
// EINTR because the handlers are installed without SA_RESTART).
void Work(long ms) {
  timespec left{ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&left, &left) != 0 && errno == EINTR && g_stop_signal == 0) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) return 2;

  const auto registry = metric::NewMetricsRegistry();
  metric::Pusher pusher(flags->gateway, flags->job);
  pusher.Timeout(std::chrono::milliseconds(flags->timeout_ms)).Gatherer(registry);
  if (!flags->instance.empty()) pusher.Grouping("instance", flags->instance);

  if (flags->delete_group) {
    if (const metric::Status s = pusher.Delete(); !s.ok()) {
      std::cerr << "batch_job: " << s.ToString() << "\n";
      return 1;
    }
    std::cout << "deleted " << pusher.GroupUrl() << std::endl;
    return 0;
  }

  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::cout << "started" << std::endl;

  const metric::Gauge duration = metric::NewGauge(
      {.name = "batch_job_duration_seconds", .help = "How long the last run of the job took"});
  if (metric::Status s = registry->RegisterGauge("batch_job", "duration_seconds", duration);
      !s.ok()) {
    std::cerr << "batch_job: " << s.ToString() << "\n";
    return 1;
  }
  metric::CoreMetrics& core = registry->CoreMetrics();
  core.RecordServiceStatus("batch_job", 2);  // running
  const auto start = std::chrono::steady_clock::now();
  long done = 0;
  for (; done < flags->items && g_stop_signal == 0; ++done) {
    core.RecordMessageReceived("batch_job", "item");
    Work(flags->work_ms);
    core.RecordMessageProcessed("batch_job", "item", "success");
  }
  duration.Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  core.RecordServiceStatus("batch_job", 0);  // stopped

  if (g_stop_signal != 0) {
    // Add, not Push: the previous success time stays in the gateway.
    if (const metric::Status s = pusher.Add(); !s.ok()) {
      std::cerr << "batch_job: interrupted after " << done << " items; " << s.ToString() << "\n";
      return 1;
    }
    std::cout << "interrupted after " << done << " items, added to " << pusher.GroupUrl()
              << std::endl;
    return 3;
  }

  // Registered only now, so that an interrupted run never sends it.
  const metric::Gauge last_success =
      metric::NewGauge({.name = "batch_job_last_success_timestamp_seconds",
                        .help = "Unix time the job last finished successfully"});
  last_success.SetToCurrentTime();
  if (metric::Status s =
          registry->RegisterGauge("batch_job", "last_success_timestamp_seconds", last_success);
      !s.ok()) {
    std::cerr << "batch_job: " << s.ToString() << "\n";
    return 1;
  }
  if (const metric::Status s = pusher.Push(); !s.ok()) {
    std::cerr << "batch_job: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "processed " << done << " items, pushed to " << pusher.GroupUrl() << std::endl;
  return 0;
}
