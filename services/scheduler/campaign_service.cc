// CampaignService: what campaign managers define.
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/store/campaigns.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {
namespace {

constexpr char kService[] = "/secondvoice.v1.CampaignService/";

std::string Method(absl::string_view name) { return absl::StrCat(kService, name); }

absl::Status RequireId(int64_t id, absl::string_view field) {
  if (id > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": must be a campaign id above 0"));
}

}  // namespace

ServerUnaryReactor* CampaignServiceImpl::CreateCampaign(CallbackServerContext* ctx,
                                                        const v1::CreateCampaignRequest* req,
                                                        v1::Campaign* resp) {
  return Serve(env_, ctx, Method("CreateCampaign"), [this, req, resp](const auth::Principal&) {
    ASSIGN_OR_RETURN(domain::Campaign campaign, FromProto(req->campaign()));
    campaign.state = domain::CampaignState::kDraft;  // activated by SetCampaignState
    RETURN_IF_ERROR(domain::NormalizeCampaign(campaign));
    RETURN_IF_ERROR(store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) {
      return store::InsertCampaign(conn, campaign);
    }));
    ToProto(campaign, resp);
    return absl::OkStatus();
  });
}

ServerUnaryReactor* CampaignServiceImpl::GetCampaign(CallbackServerContext* ctx,
                                                     const v1::GetCampaignRequest* req,
                                                     v1::Campaign* resp) {
  return Serve(env_, ctx, Method("GetCampaign"), [this, req, resp](const auth::Principal&) {
    RETURN_IF_ERROR(RequireId(req->id(), "id"));
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(domain::Campaign campaign, store::GetCampaign(conn, req->id()));
          ToProto(campaign, resp);
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

ServerUnaryReactor* CampaignServiceImpl::ListCampaigns(CallbackServerContext* ctx,
                                                       const v1::ListCampaignsRequest* req,
                                                       v1::ListCampaignsResponse* resp) {
  return Serve(env_, ctx, Method("ListCampaigns"), [this, req, resp](const auth::Principal&) {
    if (!req->dealer_id().empty())
      RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
    ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
    ASSIGN_OR_RETURN(const int64_t after, DecodeIdPageToken(req->page(), "page"));
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(std::vector<domain::Campaign> campaigns,
                           store::ListCampaigns(conn, req->dealer_id(), after, size + 1));
          resp->set_next_page_token(FillPage(
              campaigns, size,
              [&](const domain::Campaign& c) { ToProto(c, resp->add_campaigns()); },
              [](const domain::Campaign& c) { return c.id; }));
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

ServerUnaryReactor* CampaignServiceImpl::UpdateCampaign(CallbackServerContext* ctx,
                                                        const v1::UpdateCampaignRequest* req,
                                                        v1::Campaign* resp) {
  return Serve(env_, ctx, Method("UpdateCampaign"), [this, req, resp](const auth::Principal&) {
    RETURN_IF_ERROR(RequireId(req->campaign().id(), "campaign.id"));
    ASSIGN_OR_RETURN(domain::Campaign campaign, FromProto(req->campaign()));
    RETURN_IF_ERROR(domain::NormalizeCampaign(campaign));
    RETURN_IF_ERROR(store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Campaign current, store::GetCampaign(conn, campaign.id));
      if (current.state == domain::CampaignState::kEnded) {
        return absl::FailedPreconditionError(
            absl::StrCat("campaign ", campaign.id, " has ended and can no longer change"));
      }
      return store::UpdateCampaign(conn, campaign);
    }));
    ToProto(campaign, resp);
    return absl::OkStatus();
  });
}

ServerUnaryReactor* CampaignServiceImpl::SetCampaignState(CallbackServerContext* ctx,
                                                          const v1::SetCampaignStateRequest* req,
                                                          v1::Campaign* resp) {
  return Serve(env_, ctx, Method("SetCampaignState"), [this, req, resp](const auth::Principal&) {
    RETURN_IF_ERROR(RequireId(req->id(), "id"));
    const std::optional<domain::CampaignState> to = FromProto(req->state());
    if (!to)
      return absl::InvalidArgumentError("state: is required (DRAFT, ACTIVE, PAUSED or ENDED)");
    return store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Campaign current, store::GetCampaign(conn, req->id()));
      RETURN_IF_ERROR(domain::CheckCampaignTransition(current.state, *to));
      ASSIGN_OR_RETURN(domain::Campaign updated, store::SetCampaignState(conn, req->id(), *to));
      ToProto(updated, resp);
      return absl::OkStatus();
    });
  });
}

}  // namespace secondvoice::scheduler
