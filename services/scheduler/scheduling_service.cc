// Scheduling over gRPC: validate (errors name the field), call the engine, translate.
#include "services/scheduler/scheduling_service.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"
#include "libs/store/leads.h"

namespace secondvoice::scheduler {
namespace {

constexpr char kService[] = "/secondvoice.v1.Scheduling/";

std::string Method(absl::string_view name) { return absl::StrCat(kService, name); }

v1::ContactAction ToProto(cadence::Action action) {
  switch (action) {
    case cadence::Action::kCall:
      return v1::CONTACT_ACTION_CALL;
    case cadence::Action::kMessage:
      return v1::CONTACT_ACTION_MESSAGE;
    case cadence::Action::kNone:
      break;
  }
  return v1::CONTACT_ACTION_NONE;
}

v1::ClaimClass ClassOf(int rank) { return static_cast<v1::ClaimClass>(rank + 1); }

void AddBlocks(const cadence::Verdict& v,
               google::protobuf::RepeatedPtrField<v1::Ineligibility>* out) {
  for (size_t i = 0; i < v.blocks.size(); ++i) {
    v1::Ineligibility* b = out->Add();
    b->set_block(static_cast<v1::EligibilityBlock>(static_cast<int>(v.blocks[i]) + 1));
    b->set_explanation(v.explanations[i]);
  }
}

absl::StatusOr<absl::Duration> LeaseOf(int32_t seconds, absl::string_view field) {
  if (seconds == 0) return absl::Seconds(300);
  if (seconds < 10 || seconds > 3600) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be 10 to 3600 seconds"));
  }
  return absl::Seconds(seconds);
}

absl::Status RequireLead(int64_t id) {
  if (id <= 0) return absl::InvalidArgumentError("lead_id: must be a lead id above 0");
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* SchedulingServiceImpl::ClaimLeads(grpc::CallbackServerContext* ctx,
                                                            const v1::ClaimLeadsRequest* req,
                                                            v1::ClaimLeadsResponse* resp) {
  WorkerPool* pool = req->wait_ms() > 0 ? env_.waiters : nullptr;
  return Serve(
      env_, ctx, Method("ClaimLeads"),
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        if (req->queue_id().empty()) return absl::InvalidArgumentError("queue_id: required");
        RETURN_IF_ERROR(auth::CheckQueueAccess(p, req->queue_id()));
        if (req->max_leads() < 0 || req->max_leads() > 100) {
          return absl::InvalidArgumentError("max_leads: must be 0 to 100");
        }
        if (req->wait_ms() < 0 || req->wait_ms() > 30000) {
          return absl::InvalidArgumentError("wait_ms: must be 0 to 30000");
        }
        ASSIGN_OR_RETURN(absl::Duration lease, LeaseOf(req->lease_seconds(), "lease_seconds"));
        scheduling::ClaimFilter filter = scheduling::ClaimFilter::kAny;
        switch (req->only()) {
          case v1::CONTACT_ACTION_UNSPECIFIED:
            break;
          case v1::CONTACT_ACTION_CALL:
            filter = scheduling::ClaimFilter::kCalls;
            break;
          case v1::CONTACT_ACTION_MESSAGE:
            filter = scheduling::ClaimFilter::kMessages;
            break;
          default:
            return absl::InvalidArgumentError(
                "only: CONTACT_ACTION_CALL, CONTACT_ACTION_MESSAGE or unset");
        }
        const std::string claimer = req->claimer().empty()
                                        ? absl::StrCat(auth::RoleName(p.role), ":", p.name)
                                        : req->claimer();
        ASSIGN_OR_RETURN(
            std::vector<scheduling::Claim> claims,
            env_.scheduler->ClaimLeads(req->queue_id(), req->max_leads(), lease,
                                       absl::Milliseconds(req->wait_ms()), claimer, filter));
        for (const scheduling::Claim& c : claims) {
          v1::ClaimedLead* out = resp->add_leads();
          out->set_lead_id(c.lead.lead_id);
          out->set_dealer_id(c.lead.dealer_id);
          out->set_campaign_id(c.lead.campaign_id);
          out->set_action(ToProto(c.action));
          out->set_route(c.route);
          out->set_reason(c.reason);
          out->set_claim_class(ClassOf(c.lead.rank));
          out->set_lease_token(c.lease_token);
          scheduler::ToProto(c.lease_until, out->mutable_lease_expires_at());
          out->set_first_name(c.lead.first_name);
          out->set_last_name(c.lead.last_name);
        }
        return absl::OkStatus();
      },
      Needs::kDatabase, pool);
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::ReleaseLead(grpc::CallbackServerContext* ctx,
                                                             const v1::ReleaseLeadRequest* req,
                                                             v1::ReleaseLeadResponse*) {
  return Serve(env_, ctx, Method("ReleaseLead"),
               [this, req](const auth::Principal& p) -> absl::Status {
                 RETURN_IF_ERROR(RequireLead(req->lead_id()));
                 if (req->reason().empty()) return absl::InvalidArgumentError("reason: required");
                 RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
                 return env_.scheduler->Release(req->lead_id(), req->lease_token(), req->reason(),
                                                absl::StrCat(auth::RoleName(p.role), ":", p.name));
               });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::ExtendLease(grpc::CallbackServerContext* ctx,
                                                             const v1::ExtendLeaseRequest* req,
                                                             v1::ExtendLeaseResponse* resp) {
  return Serve(
      env_, ctx, Method("ExtendLease"),
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(RequireLead(req->lead_id()));
        ASSIGN_OR_RETURN(absl::Duration lease, LeaseOf(req->lease_seconds(), "lease_seconds"));
        RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
        ASSIGN_OR_RETURN(absl::Time until,
                         env_.scheduler->ExtendLease(req->lead_id(), req->lease_token(), lease));
        scheduler::ToProto(until, resp->mutable_lease_expires_at());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::RecordAttempt(grpc::CallbackServerContext* ctx,
                                                               const v1::RecordAttemptRequest* req,
                                                               v1::RecordAttemptResponse* resp) {
  return Serve(env_, ctx, Method("RecordAttempt"),
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 RETURN_IF_ERROR(RequireLead(req->lead_id()));
                 const std::optional<domain::Channel> channel =
                     Dom(req->channel(), domain::Channel::kChat);
                 if (!channel) return absl::InvalidArgumentError("channel: required");
                 const std::optional<domain::AttemptOutcome> outcome =
                     Dom(req->outcome(), domain::AttemptOutcome::kFailed);
                 if (!outcome) return absl::InvalidArgumentError("outcome: required");
                 std::optional<absl::Time> started = FromProto(req->started_at());
                 if (!started) return absl::InvalidArgumentError("started_at: required");
                 RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
                 scheduling::AttemptInput a;
                 a.lead_id = req->lead_id();
                 a.lease_token = req->lease_token();
                 a.channel = *channel;
                 a.route = req->route();
                 a.outcome = *outcome;
                 a.started_at = *started;
                 a.ended_at = FromProto(req->ended_at());
                 a.notes = req->notes();
                 if (req->idempotency_key().size() > 200) {
                   return absl::InvalidArgumentError("idempotency_key: at most 200 characters");
                 }
                 a.idempotency_key = req->idempotency_key();
                 a.callback_at = FromProto(req->callback_at());
                 a.by = p.name;
                 if (req->has_appointment()) {
                   ASSIGN_OR_RETURN(a.appointment, FromProto(req->appointment(), "appointment"));
                 }
                 a.statements = FromProto(req->statements(), &a.vehicles);
                 ASSIGN_OR_RETURN(scheduling::AttemptResult r, env_.scheduler->RecordAttempt(a));
                 resp->set_attempt_id(r.attempt_id);
                 resp->set_lead_status(static_cast<v1::LeadStatus>(static_cast<int>(r.status) + 1));
                 if (r.next_contact_at) {
                   scheduler::ToProto(*r.next_contact_at, resp->mutable_next_contact_at());
                 }
                 resp->set_next_reason(r.next_reason);
                 resp->set_handover_id(r.handover_id);
                 resp->set_replayed(r.replayed);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::ScheduleCallback(
    grpc::CallbackServerContext* ctx, const v1::ScheduleCallbackRequest* req,
    v1::ScheduleCallbackResponse*) {
  return Serve(
      env_, ctx, Method("ScheduleCallback"), [this, req](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(RequireLead(req->lead_id()));
        std::optional<absl::Time> at = FromProto(req->at());
        if (!at) return absl::InvalidArgumentError("at: required");
        RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
        return env_.scheduler->ScheduleCallback(req->lead_id(), *at, req->notes(),
                                                absl::StrCat(auth::RoleName(p.role), ":", p.name));
      });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::CloseLead(grpc::CallbackServerContext* ctx,
                                                           const v1::CloseLeadRequest* req,
                                                           v1::CloseLeadResponse* resp) {
  return Serve(
      env_, ctx, Method("CloseLead"), [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(RequireLead(req->lead_id()));
        if (req->status() == v1::LEAD_STATUS_UNSPECIFIED) {
          return absl::InvalidArgumentError("status: required");
        }
        const auto status = static_cast<domain::LeadStatus>(req->status() - 1);
        RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
        ASSIGN_OR_RETURN(domain::LeadStatus closed,
                         env_.scheduler->Close(req->lead_id(), status, req->reason(),
                                               absl::StrCat(auth::RoleName(p.role), ":", p.name)));
        resp->set_lead_status(static_cast<v1::LeadStatus>(static_cast<int>(closed) + 1));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::ExplainLead(grpc::CallbackServerContext* ctx,
                                                             const v1::ExplainLeadRequest* req,
                                                             v1::ExplainLeadResponse* resp) {
  return Serve(env_, ctx, Method("ExplainLead"),
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 RETURN_IF_ERROR(RequireLead(req->lead_id()));
                 RETURN_IF_ERROR(CheckLeadScope(env_, p, req->lead_id()));
                 ASSIGN_OR_RETURN(scheduling::Explanation e,
                                  env_.scheduler->Explain(req->lead_id()));
                 resp->set_lead_id(e.lead_id);
                 resp->set_lead_status(static_cast<v1::LeadStatus>(static_cast<int>(e.status) + 1));
                 resp->set_eligible(e.verdict.eligible);
                 resp->set_action(ToProto(e.verdict.action));
                 resp->set_reason(e.verdict.reason);
                 AddBlocks(e.verdict, resp->mutable_blocks());
                 if (e.scheduled && e.verdict.next_at != absl::InfiniteFuture()) {
                   scheduler::ToProto(e.verdict.next_at, resp->mutable_next_contact_at());
                 }
                 v1::CadenceProgress* c = resp->mutable_cadence();
                 c->set_call_attempts(e.progress.calls.attempts);
                 c->set_call_days(e.progress.calls.days);
                 for (int i = 0; i < 3; ++i) {
                   if (e.progress.calls.dayparts & (1 << i)) {
                     c->add_call_dayparts(
                         std::string(calendar::DaypartName(static_cast<calendar::Daypart>(i))));
                   }
                 }
                 c->set_messages_sent(e.progress.messages.attempts);
                 c->set_dialogue(e.progress.dialogue);
                 c->set_complete(e.cadence_complete);
                 c->set_missing(e.cadence_missing);
                 resp->set_time_zone(e.time_zone);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* SchedulingServiceImpl::ListCallList(grpc::CallbackServerContext* ctx,
                                                              const v1::ListCallListRequest* req,
                                                              v1::ListCallListResponse* resp) {
  return Serve(env_, ctx, Method("ListCallList"),
               [this, req, resp](const auth::Principal&) -> absl::Status {
                 if (req->campaign_id() <= 0) {
                   return absl::InvalidArgumentError("campaign_id: must be a campaign id above 0");
                 }
                 ASSIGN_OR_RETURN(int size, PageSize(req->page(), "page.page_size"));
                 scheduling::CallListRequest r;
                 r.campaign_id = req->campaign_id();
                 r.dealer_id = req->dealer_id();
                 r.until = FromProto(req->until());
                 r.page_size = size;
                 if (!req->page().page_token().empty()) {
                   ASSIGN_OR_RETURN(r.page_token, DecodePageToken(req->page(), "page.page_token"));
                 }
                 // Without ineligible leads a page may come back short; the token still goes on.
                 ASSIGN_OR_RETURN(scheduling::CallListPage page, env_.scheduler->CallList(r));
                 for (const scheduling::CallListEntry& e : page.entries) {
                   if (!e.verdict.eligible && !req->include_ineligible()) continue;
                   v1::CallListEntry* out = resp->add_entries();
                   out->set_lead_id(e.lead.lead_id);
                   out->set_dealer_id(e.lead.dealer_id);
                   out->set_first_name(e.lead.first_name);
                   out->set_last_name(e.lead.last_name);
                   scheduler::ToProto(e.at, out->mutable_at());
                   out->set_claim_class(ClassOf(e.lead.rank));
                   out->set_action(ToProto(e.verdict.action));
                   out->set_reason(e.verdict.reason);
                   out->set_eligible(e.verdict.eligible);
                   AddBlocks(e.verdict, out->mutable_blocks());
                   out->set_time_zone(e.time_zone);
                 }
                 if (!page.next_page_token.empty()) {
                   resp->set_next_page_token(EncodePageToken(page.next_page_token));
                 }
                 scheduler::ToProto(page.until, resp->mutable_until());
                 return absl::OkStatus();
               });
}

}  // namespace secondvoice::scheduler
