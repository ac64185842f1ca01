// LeadService: one lead with its whole story, a search within a dealer, and erasing a person.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/intake/row.h"
#include "libs/phone/phone.h"
#include "libs/store/dealers.h"
#include "libs/store/erasure.h"
#include "libs/store/leads.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {

ServerUnaryReactor* LeadServiceImpl::GetLead(CallbackServerContext* ctx,
                                             const v1::GetLeadRequest* req, v1::LeadDetail* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.LeadService/GetLead",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 if (req->id() <= 0) {
                   return absl::InvalidArgumentError("id: must be a lead id above 0");
                 }
                 return store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(conn, req->id()));
                       RETURN_IF_ERROR(CheckLeadScope(conn, p, lead));
                       ASSIGN_OR_RETURN(std::vector<domain::Attempt> attempts,
                                        store::ListAttempts(conn, lead.id));
                       ASSIGN_OR_RETURN(std::vector<domain::LeadEvent> events,
                                        store::ListEvents(conn, lead.id));
                       ToProto(lead, resp->mutable_lead());
                       for (const auto& a : attempts) ToProto(a, resp->add_attempts());
                       for (const auto& e : events) ToProto(e, resp->add_events());
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly);
               });
}

ServerUnaryReactor* LeadServiceImpl::SearchLeads(CallbackServerContext* ctx,
                                                 const v1::SearchLeadsRequest* req,
                                                 v1::SearchLeadsResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.LeadService/SearchLeads",
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
        RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
        if (req->campaign_id() < 0) {
          return absl::InvalidArgumentError("campaign_id: must not be negative");
        }
        // An agent scoped to queues searches within one of its queues' campaigns.
        if (!p.CanAccessQueue(auth::kEveryQueue)) {
          if (req->campaign_id() == 0) {
            return absl::InvalidArgumentError(
                "campaign_id: required for an agent scoped to queues (a campaign of its queues)");
          }
          ASSIGN_OR_RETURN(store::Pool::Lease conn, env_.db->pool().Acquire());
          RETURN_IF_ERROR(CheckCampaignScope(*conn, p, req->campaign_id()));
        }
        ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
        ASSIGN_OR_RETURN(const int64_t after, DecodeIdPageToken(req->page(), "page"));
        store::LeadSearch search{
            .dealer_id = req->dealer_id(),
            .phone = std::string(absl::StripAsciiWhitespace(req->phone())),
            .email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(req->email())),
            .customer_id = std::string(absl::StripAsciiWhitespace(req->customer_id())),
            .crm_lead_id = std::string(absl::StripAsciiWhitespace(req->crm_lead_id())),
            .campaign_id = req->campaign_id(),
            .after_id = after,
            .limit = size + 1};
        return store::InTransaction(
            env_.db->pool(),
            [&](store::PgConn& conn) -> absl::Status {
              ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, req->dealer_id()));
              // The number as the dealer's customers write it; an unreadable one is matched raw.
              if (!search.phone.empty()) {
                phone::Normalized n = phone::Normalize(search.phone, dealer.country);
                if (n.valid()) search.phone = n.e164;
              }
              ASSIGN_OR_RETURN(std::vector<domain::Lead> leads, store::SearchLeads(conn, search));
              resp->set_next_page_token(FillPage(
                  leads, size, [&](const domain::Lead& l) { ToProto(l, resp->add_leads()); },
                  [](const domain::Lead& l) { return l.id; }));
              return absl::OkStatus();
            },
            store::Access::kReadOnly);
      });
}

ServerUnaryReactor* LeadServiceImpl::ErasePerson(CallbackServerContext* ctx,
                                                 const v1::ErasePersonRequest* req,
                                                 v1::ErasePersonResponse* resp) {
  static constexpr char kMethod[] = "/secondvoice.v1.LeadService/ErasePerson";
  return Serve(env_, ctx, kMethod, [this, req, resp](const auth::Principal& p) -> absl::Status {
    RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
    RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
    store::ErasureRequest erasure{
        .dealer_id = req->dealer_id(), .principal = p.name, .method = kMethod};
    const std::string phone(absl::StripAsciiWhitespace(req->phone()));
    const std::string email(absl::StripAsciiWhitespace(req->email()));
    switch (req->person_case()) {
      case v1::ErasePersonRequest::kPhone:
        if (phone.empty()) return absl::InvalidArgumentError("phone: is empty");
        break;
      case v1::ErasePersonRequest::kEmail:
        erasure.email = intake::NormalizeEmail(email);
        if (erasure.email.empty()) {
          return absl::InvalidArgumentError("email: not an e-mail address");
        }
        break;
      case v1::ErasePersonRequest::kLeadId:
        if (req->lead_id() <= 0) {
          return absl::InvalidArgumentError("lead_id: must be a lead id above 0");
        }
        erasure.lead_id = req->lead_id();
        break;
      default:
        return absl::InvalidArgumentError("person: give one of phone, email and lead_id");
    }
    return store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, req->dealer_id()));
      if (!phone.empty()) {
        // As the dealer's customers write it. An unreadable number is nobody's identity
        // (0000000000 may stand on many leads): such a lead is erased by its id.
        const phone::Normalized n = phone::Normalize(phone, dealer.country);
        if (!n.valid()) {
          return absl::InvalidArgumentError(absl::StrCat("phone: not a valid phone number in ",
                                                         dealer.country,
                                                         "; erase such a lead by lead_id"));
        }
        erasure.phone = n.e164;
      }
      ASSIGN_OR_RETURN(std::vector<int64_t> erased, store::ErasePerson(conn, erasure));
      resp->Clear();  // a transaction run again starts afresh
      resp->set_leads_erased(static_cast<int64_t>(erased.size()));
      for (int64_t id : erased) resp->add_lead_ids(id);
      return absl::OkStatus();
    });
  });
}

}  // namespace secondvoice::scheduler
