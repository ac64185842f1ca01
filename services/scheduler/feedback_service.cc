// Feedback: what a dealer's CRM reports after a handover (moved, showed, no-show, sold, lost,
// unsold), once per key, on its own dealers' leads only.
#include "absl/time/clock.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {

ServerUnaryReactor* FeedbackServiceImpl::ReportOutcome(CallbackServerContext* ctx,
                                                       const v1::ReportOutcomeRequest* req,
                                                       v1::ReportOutcomeResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.Feedback/ReportOutcome",
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        if (req->idempotency_key().empty() || req->idempotency_key().size() > 200) {
          return absl::InvalidArgumentError("idempotency_key: required, at most 200 characters");
        }
        RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
        RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
        scheduling::FeedbackInput in;
        in.dealer_id = req->dealer_id();
        in.idempotency_key = req->idempotency_key();
        switch (req->lead_ref_case()) {
          case v1::ReportOutcomeRequest::kLeadId:
            if (req->lead_id() <= 0) return absl::InvalidArgumentError("lead_id: must be above 0");
            in.lead_id = req->lead_id();
            break;
          case v1::ReportOutcomeRequest::kCrmLeadId:
            if (req->crm_lead_id().empty()) {
              return absl::InvalidArgumentError("crm_lead_id: must not be empty");
            }
            in.crm_lead_id = req->crm_lead_id();
            break;
          default:
            return absl::InvalidArgumentError("lead_ref: lead_id or crm_lead_id is required");
        }
        if (req->handover_id() < 0) {
          return absl::InvalidArgumentError("handover_id: must not be negative");
        }
        in.handover_id = req->handover_id();
        const std::optional<domain::FeedbackKind> kind =
            Dom(req->kind(), domain::FeedbackKind::kUnsold);
        if (!kind) return absl::InvalidArgumentError("kind: required");
        in.kind = *kind;
        in.at = FromProto(req->at()).value_or(absl::Now());
        in.new_appointment_at = FromProto(req->new_appointment_at());
        in.lost_reason = req->lost_reason();
        if (req->sale().amount_cents() < 0) {
          return absl::InvalidArgumentError("sale.amount_cents: must not be negative");
        }
        in.sale_amount_cents = req->sale().amount_cents();
        in.notes = req->notes();
        in.reported_by = req->reported_by();
        ASSIGN_OR_RETURN(scheduling::FeedbackResult r, env_.scheduler->ReportFeedback(in));
        resp->set_lead_id(r.lead_id);
        resp->set_duplicate(r.duplicate);
        resp->set_lead_status(Pb<v1::LeadStatus>(r.status));
        return absl::OkStatus();
      });
}

}  // namespace secondvoice::scheduler
