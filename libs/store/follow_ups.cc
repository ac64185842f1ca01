// SQL for CRM follow-ups.
#include "libs/store/follow_ups.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace secondvoice::store {
namespace {

constexpr Query kLock = {
    "follow_up_lock",
    "SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0))"};
constexpr Query kFind = {
    "follow_up_find",
    "SELECT lead_id FROM follow_ups WHERE dealer_id = $1 AND crm_lead_id = $2 AND reason = $3"};
constexpr Query kRecord = {
    "follow_up_record",
    "INSERT INTO follow_ups (dealer_id, crm_lead_id, reason, lead_id) VALUES ($1, $2, $3, $4)"};
constexpr Query kCampaign = {
    "follow_up_campaign",
    "SELECT c.kind, c.state FROM campaigns c JOIN campaign_dealers d ON d.campaign_id = c.id"
    " WHERE c.id = $1 AND d.dealer_id = $2"};
constexpr Query kActiveCampaign = {
    "follow_up_active_campaign",
    "SELECT c.id FROM campaigns c JOIN campaign_dealers d ON d.campaign_id = c.id"
    " WHERE d.dealer_id = $1 AND c.kind = 'second_voice' AND c.state = 'active'"
    " ORDER BY c.id LIMIT 1"};

}  // namespace

absl::StatusOr<std::optional<int64_t>> LockFollowUp(PgConn& conn, absl::string_view dealer_id,
                                                    absl::string_view crm_lead_id,
                                                    absl::string_view reason) {
  RETURN_IF_ERROR(conn.Exec(kLock, {dealer_id, crm_lead_id, reason}).status());
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFind, {dealer_id, crm_lead_id, reason}));
  if (r.rows() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(r.GetInt64(0, 0));
}

absl::Status RecordFollowUp(PgConn& conn, absl::string_view dealer_id,
                            absl::string_view crm_lead_id, absl::string_view reason,
                            int64_t lead_id) {
  return conn.Exec(kRecord, {dealer_id, crm_lead_id, reason, lead_id}).status();
}

absl::StatusOr<int64_t> SecondVoiceCampaignFor(PgConn& conn, absl::string_view dealer_id,
                                               int64_t campaign_id) {
  if (campaign_id > 0) {
    ASSIGN_OR_RETURN(PgResult r, conn.Exec(kCampaign, {campaign_id, dealer_id}));
    if (r.rows() == 0) {
      return absl::NotFoundError(absl::StrCat("campaign_id: campaign ", campaign_id,
                                              " does not exist or does not work for dealer '",
                                              dealer_id, "'"));
    }
    if (r.Get(0, 0) != "second_voice") {
      return absl::FailedPreconditionError(
          absl::StrCat("campaign_id: campaign ", campaign_id, " is not a second-voice campaign"));
    }
    if (r.Get(0, 1) == "ended") {
      return absl::FailedPreconditionError(
          absl::StrCat("campaign_id: campaign ", campaign_id, " has ended"));
    }
    return campaign_id;
  }
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kActiveCampaign, {dealer_id}));
  return r.rows() == 0 ? 0 : r.GetInt64(0, 0);
}

}  // namespace secondvoice::store
