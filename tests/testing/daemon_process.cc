// secondvoice-scheduler as a process; see daemon_process.h.
#include "tests/testing/daemon_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace secondvoice::testing {

Daemon::Daemon(const std::string& database_url, const std::string& dir,
               const std::vector<std::string>& flags)
    : port_file_(dir + "/port") {
  std::remove(port_file_.c_str());  // from an earlier daemon in the same directory
  tokens_file_ = dir + "/tokens";
  std::ofstream(tokens_file_) << "# test tokens\n"
                              << kDaemonAdminToken << " admin\n"
                              << kDaemonManagerToken << " manager\n"
                              << kDaemonAgentToken << " agent *\n"
                              << kDaemonCrmToken << " crm vandijk\n";
  pid_ = fork();
  if (pid_ == 0) {
    const std::string binary = absl::StrCat(SV_BIN_DIR, "/secondvoice-scheduler");
    const std::string db = "--database_url=" + database_url;
    const std::string port = "--port_file=" + port_file_;
    const std::string tokens = "--tokens_file=" + tokens_file_;
    std::vector<std::string> args = {binary, "--listen=127.0.0.1:0", db, port, tokens};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

Daemon::~Daemon() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Daemon::WaitForAddress(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(port_file_);
    int port = 0;
    if (in >> port && port > 0) return absl::StrCat("127.0.0.1:", port);
    absl::SleepFor(absl::Milliseconds(50));
  }
  return "";
}

void Daemon::Kill() {
  // Never kill(-1, ...): that signals every process we may signal.
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int Daemon::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return -1;  // not running (killed or stopped before)
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return -1;
}

std::string TempDir() {
  char pattern[] = "/tmp/svdaemonXXXXXX";
  return mkdtemp(pattern);
}

}  // namespace secondvoice::testing
