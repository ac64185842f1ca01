// The gRPC services the daemon implements so far. Each is thin: admit, validate (errors name the
// field), call the store in one transaction, translate the result.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_SERVICES_H_
#define SECONDVOICE_SERVICES_SCHEDULER_SERVICES_H_

#include "secondvoice/v1/admin_service.grpc.pb.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/feedback.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/reports.grpc.pb.h"
#include "secondvoice/v1/token_service.grpc.pb.h"
#include "services/scheduler/rpc.h"

namespace secondvoice::scheduler {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class AdminServiceImpl final : public v1::AdminService::CallbackService {
 public:
  explicit AdminServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* GetStatus(CallbackServerContext* ctx, const v1::GetStatusRequest* req,
                                v1::GetStatusResponse* resp) override;
  ServerUnaryReactor* Migrate(CallbackServerContext* ctx, const v1::MigrateRequest* req,
                              v1::MigrateResponse* resp) override;

 private:
  const Env& env_;
};

class DealerServiceImpl final : public v1::DealerService::CallbackService {
 public:
  explicit DealerServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* CreateDealer(CallbackServerContext* ctx, const v1::CreateDealerRequest* req,
                                   v1::Dealer* resp) override;
  ServerUnaryReactor* GetDealer(CallbackServerContext* ctx, const v1::GetDealerRequest* req,
                                v1::Dealer* resp) override;
  ServerUnaryReactor* ListDealers(CallbackServerContext* ctx, const v1::ListDealersRequest* req,
                                  v1::ListDealersResponse* resp) override;
  ServerUnaryReactor* UpdateDealer(CallbackServerContext* ctx, const v1::UpdateDealerRequest* req,
                                   v1::Dealer* resp) override;
  ServerUnaryReactor* CreateQueue(CallbackServerContext* ctx, const v1::CreateQueueRequest* req,
                                  v1::Queue* resp) override;
  ServerUnaryReactor* GetQueue(CallbackServerContext* ctx, const v1::GetQueueRequest* req,
                               v1::Queue* resp) override;
  ServerUnaryReactor* ListQueues(CallbackServerContext* ctx, const v1::ListQueuesRequest* req,
                                 v1::ListQueuesResponse* resp) override;

 private:
  const Env& env_;
};

class CampaignServiceImpl final : public v1::CampaignService::CallbackService {
 public:
  explicit CampaignServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* CreateCampaign(CallbackServerContext* ctx,
                                     const v1::CreateCampaignRequest* req,
                                     v1::Campaign* resp) override;
  ServerUnaryReactor* GetCampaign(CallbackServerContext* ctx, const v1::GetCampaignRequest* req,
                                  v1::Campaign* resp) override;
  ServerUnaryReactor* ListCampaigns(CallbackServerContext* ctx, const v1::ListCampaignsRequest* req,
                                    v1::ListCampaignsResponse* resp) override;
  ServerUnaryReactor* UpdateCampaign(CallbackServerContext* ctx,
                                     const v1::UpdateCampaignRequest* req,
                                     v1::Campaign* resp) override;
  ServerUnaryReactor* SetCampaignState(CallbackServerContext* ctx,
                                       const v1::SetCampaignStateRequest* req,
                                       v1::Campaign* resp) override;

 private:
  const Env& env_;
};

class LeadServiceImpl final : public v1::LeadService::CallbackService {
 public:
  explicit LeadServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* GetLead(CallbackServerContext* ctx, const v1::GetLeadRequest* req,
                              v1::LeadDetail* resp) override;
  ServerUnaryReactor* SearchLeads(CallbackServerContext* ctx, const v1::SearchLeadsRequest* req,
                                  v1::SearchLeadsResponse* resp) override;
  ServerUnaryReactor* ErasePerson(CallbackServerContext* ctx, const v1::ErasePersonRequest* req,
                                  v1::ErasePersonResponse* resp) override;

 private:
  const Env& env_;
};

class HandoverServiceImpl final : public v1::HandoverService::CallbackService {
 public:
  explicit HandoverServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* ListHandovers(CallbackServerContext* ctx, const v1::ListHandoversRequest* req,
                                    v1::ListHandoversResponse* resp) override;
  ServerUnaryReactor* GetHandover(CallbackServerContext* ctx, const v1::GetHandoverRequest* req,
                                  v1::HandoverRecord* resp) override;

 private:
  const Env& env_;
};

class FeedbackServiceImpl final : public v1::Feedback::CallbackService {
 public:
  explicit FeedbackServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* ReportOutcome(CallbackServerContext* ctx, const v1::ReportOutcomeRequest* req,
                                    v1::ReportOutcomeResponse* resp) override;

 private:
  const Env& env_;
};

class ReportsServiceImpl final : public v1::Reports::CallbackService {
 public:
  explicit ReportsServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* GetFunnel(CallbackServerContext* ctx, const v1::FunnelRequest* req,
                                v1::FunnelReport* resp) override;
  ServerUnaryReactor* GetTargets(CallbackServerContext* ctx, const v1::GetTargetsRequest* req,
                                 v1::GetTargetsResponse* resp) override;
  ServerUnaryReactor* SetTargets(CallbackServerContext* ctx, const v1::SetTargetsRequest* req,
                                 v1::GetTargetsResponse* resp) override;

 private:
  const Env& env_;
};

class TokenServiceImpl final : public v1::TokenService::CallbackService {
 public:
  explicit TokenServiceImpl(const Env& env) : env_(env) {}
  ServerUnaryReactor* CreateToken(CallbackServerContext* ctx, const v1::CreateTokenRequest* req,
                                  v1::CreateTokenResponse* resp) override;
  ServerUnaryReactor* ListTokens(CallbackServerContext* ctx, const v1::ListTokensRequest* req,
                                 v1::ListTokensResponse* resp) override;
  ServerUnaryReactor* RevokeToken(CallbackServerContext* ctx, const v1::RevokeTokenRequest* req,
                                  v1::RevokeTokenResponse* resp) override;
  ServerUnaryReactor* ListAudit(CallbackServerContext* ctx, const v1::ListAuditRequest* req,
                                v1::ListAuditResponse* resp) override;

 private:
  const Env& env_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_SERVICES_H_
