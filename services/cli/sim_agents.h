// Simulated BDC agents: each logs in to a queue over AgentService.Session, takes the leads and
// calls the dialer gives it, and reports seeded outcomes after a wrap-up, as a person at a
// desktop would. Used by `secondvoice agents` for the demo and by the integration tests.
#ifndef SECONDVOICE_SERVICES_CLI_SIM_AGENTS_H_
#define SECONDVOICE_SERVICES_CLI_SIM_AGENTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace secondvoice::cli {

struct SimAgentsOptions {
  std::string queue_id;
  int count = 3;
  std::string login_prefix = "agent";
  absl::Duration run_for = absl::Seconds(30);
  absl::Duration wrap = absl::Seconds(2);  // median wrap-up
  uint64_t seed = 1;
  std::string token;
  // Each line of what the agents do; may be called from several threads at once.
  std::function<void(const std::string&)> print;
};

struct SimAgentsResult {
  int offers = 0;
  int connected = 0;  // customers put through to an agent
  int outcomes = 0;   // outcomes recorded by the engine (calls and messages)
  int messages = 0;   // e-mails and SMS sent on offers due a message, and recorded
  int appointments = 0;
  int errors = 0;
  // Connected calls whose lead came with its story (name and earlier attempts).
  int with_story = 0;
};

absl::StatusOr<SimAgentsResult> RunSimulatedAgents(std::shared_ptr<grpc::Channel> channel,
                                                   const SimAgentsOptions& options);

}  // namespace secondvoice::cli

#endif  // SECONDVOICE_SERVICES_CLI_SIM_AGENTS_H_
