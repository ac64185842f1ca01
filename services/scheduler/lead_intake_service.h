// LeadIntake: passive lists streamed in by campaign managers, and follow-ups from dealer CRMs.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_LEAD_INTAKE_SERVICE_H_
#define SECONDVOICE_SERVICES_SCHEDULER_LEAD_INTAKE_SERVICE_H_

#include <atomic>

#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "services/scheduler/rpc.h"

namespace secondvoice::scheduler {

class LeadIntakeServiceImpl final : public v1::LeadIntake::CallbackService {
 public:
  explicit LeadIntakeServiceImpl(const Env& env) : env_(env) {}

  grpc::ServerReadReactor<v1::ImportListRequest>* ImportList(grpc::CallbackServerContext* ctx,
                                                             v1::ImportListResponse* resp) override;
  grpc::ServerUnaryReactor* GetImport(grpc::CallbackServerContext* ctx,
                                      const v1::GetImportRequest* req,
                                      v1::ImportListResponse* resp) override;
  grpc::ServerUnaryReactor* SubmitFollowUp(grpc::CallbackServerContext* ctx,
                                           const v1::SubmitFollowUpRequest* req,
                                           v1::SubmitFollowUpResponse* resp) override;
  grpc::ServerUnaryReactor* AddSuppression(grpc::CallbackServerContext* ctx,
                                           const v1::AddSuppressionRequest* req,
                                           v1::AddSuppressionResponse* resp) override;

  // Imports running at once at most; more get RESOURCE_EXHAUSTED.
  static constexpr int kMaxImports = 4;

 private:
  const Env& env_;
  std::atomic<int> imports_{0};
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_LEAD_INTAKE_SERVICE_H_
