// Scheduling: claims under leases, releases, attempts, callbacks, closing, explanations and the
// day's call list, over the scheduling engine.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_SCHEDULING_SERVICE_H_
#define SECONDVOICE_SERVICES_SCHEDULER_SCHEDULING_SERVICE_H_

#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "services/scheduler/rpc.h"

namespace secondvoice::scheduler {

class SchedulingServiceImpl final : public v1::Scheduling::CallbackService {
 public:
  explicit SchedulingServiceImpl(const Env& env) : env_(env) {}
  grpc::ServerUnaryReactor* ClaimLeads(grpc::CallbackServerContext* ctx,
                                       const v1::ClaimLeadsRequest* req,
                                       v1::ClaimLeadsResponse* resp) override;
  grpc::ServerUnaryReactor* ReleaseLead(grpc::CallbackServerContext* ctx,
                                        const v1::ReleaseLeadRequest* req,
                                        v1::ReleaseLeadResponse* resp) override;
  grpc::ServerUnaryReactor* ExtendLease(grpc::CallbackServerContext* ctx,
                                        const v1::ExtendLeaseRequest* req,
                                        v1::ExtendLeaseResponse* resp) override;
  grpc::ServerUnaryReactor* RecordAttempt(grpc::CallbackServerContext* ctx,
                                          const v1::RecordAttemptRequest* req,
                                          v1::RecordAttemptResponse* resp) override;
  grpc::ServerUnaryReactor* ScheduleCallback(grpc::CallbackServerContext* ctx,
                                             const v1::ScheduleCallbackRequest* req,
                                             v1::ScheduleCallbackResponse* resp) override;
  grpc::ServerUnaryReactor* CloseLead(grpc::CallbackServerContext* ctx,
                                      const v1::CloseLeadRequest* req,
                                      v1::CloseLeadResponse* resp) override;
  grpc::ServerUnaryReactor* ExplainLead(grpc::CallbackServerContext* ctx,
                                        const v1::ExplainLeadRequest* req,
                                        v1::ExplainLeadResponse* resp) override;
  grpc::ServerUnaryReactor* ListCallList(grpc::CallbackServerContext* ctx,
                                         const v1::ListCallListRequest* req,
                                         v1::ListCallListResponse* resp) override;

 private:
  const Env& env_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_SCHEDULING_SERVICE_H_
