// secondvoice-scheduler as a real process for tests: started with flags and a tokens file,
// found through its port file, killed (SIGKILL) or stopped (SIGTERM).
#ifndef SECONDVOICE_TESTS_TESTING_DAEMON_PROCESS_H_
#define SECONDVOICE_TESTS_TESTING_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace secondvoice::testing {

// Tokens every daemon started here accepts.
inline constexpr char kDaemonAdminToken[] = "cli-admin-token";
inline constexpr char kDaemonManagerToken[] = "cli-manager-token";
inline constexpr char kDaemonAgentToken[] = "cli-agent-token";
inline constexpr char kDaemonCrmToken[] = "cli-crm-vandijk";  // dealer "vandijk" only

class Daemon {
 public:
  // `flags` are added to the daemon's command line, e.g. "--handover_deadline=2s".
  Daemon(const std::string& database_url, const std::string& dir,
         const std::vector<std::string>& flags = {});
  ~Daemon();  // SIGKILL if still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // The bound address once the port file appears, or "" after `timeout`.
  std::string WaitForAddress(absl::Duration timeout);
  // SIGKILL: no goodbye to gRPC clients or PostgreSQL. Does nothing once it has stopped.
  void Kill();
  // Sends SIGTERM and returns the exit code, or -1 if it did not exit within `timeout` (or had
  // stopped before).
  int Terminate(absl::Duration timeout);
  // The process id while it runs (-1 after Kill or Terminate), e.g. to read /proc/PID/status.
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string port_file_;
  std::string tokens_file_;
};

// A new directory under /tmp.
std::string TempDir();

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_DAEMON_PROCESS_H_
