// AgentService: the agent's session stream (one per logged-in agent) over the dialer, and the
// queue's pacing status for campaign managers.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_AGENT_SERVICE_H_
#define SECONDVOICE_SERVICES_SCHEDULER_AGENT_SERVICE_H_

#include "secondvoice/v1/agent_service.grpc.pb.h"
#include "services/scheduler/dialer.h"
#include "services/scheduler/rpc.h"

namespace secondvoice::scheduler {

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  AgentServiceImpl(const Env& env, Dialer* dialer) : env_(env), dialer_(dialer) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::AgentEvent>* Session(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* GetQueueStatus(grpc::CallbackServerContext* ctx,
                                           const v1::GetQueueStatusRequest* req,
                                           v1::QueueStatus* resp) override;

 private:
  const Env& env_;
  Dialer* const dialer_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_AGENT_SERVICE_H_
