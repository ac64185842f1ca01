// An in-process secondvoice scheduler on 127.0.0.1:<free port> against a given database, with
// one token per role, and real gRPC stubs to call it.
#ifndef SECONDVOICE_TESTS_TESTING_SCHEDULER_HARNESS_H_
#define SECONDVOICE_TESTS_TESTING_SCHEDULER_HARNESS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "services/scheduler/server.h"

namespace secondvoice::testing {

// Tokens the harness accepts. The CRM token is scoped to dealer "vandijk" only.
inline constexpr char kAdminToken[] = "test-admin-token";
inline constexpr char kManagerToken[] = "test-manager-token";
inline constexpr char kAgentToken[] = "test-agent-token";
inline constexpr char kCrmToken[] = "test-crm-vandijk";

class SchedulerHarness {
 public:
  // Starts the server and waits until health says SERVING (fails the test otherwise).
  // The dialer's carrier is the quick simulated profile; `configure` may change any option.
  // `credentials` are the channel's (plaintext when null; TLS servers need their roots).
  static std::unique_ptr<SchedulerHarness> Start(
      const std::string& database_url, absl::Duration check_interval = absl::Milliseconds(100),
      const std::function<void(scheduler::ServerOptions&)>& configure = nullptr,
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  ~SchedulerHarness();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  int port() const { return server_->port(); }
  scheduler::Server& server() { return *server_; }

  // A context carrying `token` (none when empty) and a 10 s deadline.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token);

  // Polls grpc.health.v1 until it reports `serving` or `timeout` passes.
  bool WaitForHealth(bool serving, absl::Duration timeout) const;
  // The same for any server, e.g. a daemon process.
  static bool WaitForHealth(const std::shared_ptr<grpc::Channel>& channel, bool serving,
                            absl::Duration timeout);

 private:
  std::unique_ptr<scheduler::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_SCHEDULER_HARNESS_H_
