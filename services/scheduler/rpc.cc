// Admission and pagination helpers.
#include "services/scheduler/rpc.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/store/campaigns.h"
#include "libs/store/leads.h"

namespace secondvoice::scheduler {

absl::StatusOr<auth::Principal> Admit(const Env& env, grpc::CallbackServerContext* ctx,
                                      absl::string_view method) {
  std::string authorization;
  const auto& metadata = ctx->client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  absl::StatusOr<auth::Principal> principal = env.keyring->Authenticate(authorization);
  if (!principal.ok()) return principal.status();
  if (principal->role == auth::Role::kCrm && env.crm_needs_client_cert &&
      !ctx->auth_context()->IsPeerAuthenticated()) {
    env.audit->Record(*principal, method, "denied", "crm token without a client certificate");
    return absl::UnauthenticatedError(
        "a dealer CRM must connect with its client certificate (mutual TLS)");
  }
  RETURN_IF_ERROR(Audited(env, *principal, method, auth::Authorize(*principal, method)));
  return principal;
}

absl::Status Audited(const Env& env, const auth::Principal& who, absl::string_view method,
                     absl::Status status) {
  if (absl::IsPermissionDenied(status)) env.audit->Record(who, method, "denied", status.message());
  return status;
}

absl::Status CheckCampaignScope(store::PgConn& conn, const auth::Principal& p,
                                int64_t campaign_id) {
  if (p.CanAccessQueue(auth::kEveryQueue)) return absl::OkStatus();
  if (campaign_id <= 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(p.name, " works the leads of its queues' campaigns; this one is in none"));
  }
  ASSIGN_OR_RETURN(domain::Campaign campaign, store::GetCampaign(conn, campaign_id));
  return auth::CheckQueueAccess(p, campaign.queue_id);
}

absl::Status CheckLeadScope(store::PgConn& conn, const auth::Principal& p,
                            const domain::Lead& lead) {
  RETURN_IF_ERROR(auth::CheckDealerAccess(p, lead.dealer_id));
  return CheckCampaignScope(conn, p, lead.campaign_id);
}

absl::Status CheckLeadScope(const Env& env, const auth::Principal& p, int64_t lead_id) {
  if (p.role != auth::Role::kCrm && p.CanAccessQueue(auth::kEveryQueue)) return absl::OkStatus();
  return store::InTransaction(
      env.db->pool(),
      [&](store::PgConn& conn) -> absl::Status {
        ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(conn, lead_id));
        return CheckLeadScope(conn, p, lead);
      },
      store::Access::kReadOnly);
}

absl::StatusOr<int> PageSize(const v1::PageRequest& page, absl::string_view field) {
  if (page.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".page_size: must not be negative"));
  }
  if (page.page_size() == 0) return 100;
  return std::min(page.page_size(), 1000);
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat("k:", last_key));
}

absl::StatusOr<std::string> DecodePageToken(const v1::PageRequest& page, absl::string_view field) {
  std::string raw;
  if (page.page_token().empty()) return raw;
  absl::string_view key;
  if (absl::WebSafeBase64Unescape(page.page_token(), &raw)) {
    key = raw;
    if (absl::ConsumePrefix(&key, "k:")) return std::string(key);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".page_token: not a token this server gave out"));
}

absl::StatusOr<int64_t> DecodeIdPageToken(const v1::PageRequest& page, absl::string_view field) {
  absl::StatusOr<std::string> key = DecodePageToken(page, field);
  if (!key.ok()) return key.status();
  int64_t id = 0;
  if (!key->empty() && !absl::SimpleAtoi(*key, &id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".page_token: not a token this server gave out"));
  }
  return id;
}

}  // namespace secondvoice::scheduler
