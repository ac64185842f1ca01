// SQL for campaigns.
#include "libs/store/campaigns.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"
#include "libs/store/schedule.h"

namespace secondvoice::store {
namespace {

#define SV_CAMPAIGN_COLUMNS                                                                    \
  "c.id, c.name, c.kind, c.state, c.queue_id, c.marketing_policy, c.existing_customer_months," \
  " c.min_call_attempts, c.min_spread_days, c.max_spread_days, c.max_call_attempts,"           \
  " c.min_gap_minutes, c.max_attempts_per_day, c.abandon_cap_percent, c.caller_id,"            \
  " c.calling_hours, c.starts_at, c.ends_at, c.created_at, c.updated_at,"                      \
  " ARRAY(SELECT dealer_id FROM campaign_dealers d WHERE d.campaign_id = c.id"                 \
  " ORDER BY dealer_id)::text"

constexpr Query kInsert = {
    "campaign_insert",
    "INSERT INTO campaigns (name, kind, state, queue_id, marketing_policy,"
    " existing_customer_months, min_call_attempts, min_spread_days, max_spread_days,"
    " max_call_attempts, min_gap_minutes, max_attempts_per_day, abandon_cap_percent, caller_id,"
    " calling_hours, starts_at, ends_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    " RETURNING id, created_at, updated_at"};
constexpr Query kUpdate = {
    "campaign_update",
    "UPDATE campaigns SET name = $2, kind = $3, queue_id = $4, marketing_policy = $5,"
    " existing_customer_months = $6, min_call_attempts = $7, min_spread_days = $8,"
    " max_spread_days = $9, max_call_attempts = $10, min_gap_minutes = $11,"
    " max_attempts_per_day = $12, abandon_cap_percent = $13, caller_id = $14,"
    " calling_hours = $15, starts_at = $16, ends_at = $17, updated_at = now()"
    " WHERE id = $1 RETURNING state, created_at, updated_at"};
constexpr Query kSetState = {
    "campaign_set_state",
    "UPDATE campaigns SET state = $2, updated_at = now() WHERE id = $1 RETURNING id"};
constexpr Query kClearDealers = {"campaign_clear_dealers",
                                 "DELETE FROM campaign_dealers WHERE campaign_id = $1"};
constexpr Query kAddDealers = {"campaign_add_dealers",
                               "INSERT INTO campaign_dealers (campaign_id, dealer_id)"
                               " SELECT $1, unnest($2::text[])"};
constexpr Query kMissingDealers = {"campaign_missing_dealers",
                                   "SELECT x FROM unnest($1::text[]) AS x WHERE NOT EXISTS"
                                   " (SELECT 1 FROM dealers WHERE id = x) ORDER BY x"};
constexpr Query kQueueExists = {"campaign_queue_exists", "SELECT 1 FROM queues WHERE id = $1"};
constexpr Query kGet = {"campaign_get",
                        "SELECT " SV_CAMPAIGN_COLUMNS " FROM campaigns c WHERE c.id = $1"};
constexpr Query kActiveOfQueue = {"campaign_active_of_queue",
                                  "SELECT " SV_CAMPAIGN_COLUMNS
                                  " FROM campaigns c WHERE c.queue_id = $1 AND c.state = 'active'"
                                  " ORDER BY c.id"};
constexpr Query kList = {
    "campaign_list",
    "SELECT " SV_CAMPAIGN_COLUMNS
    " FROM campaigns c WHERE c.id > $2 AND ($1 = '' OR EXISTS"
    " (SELECT 1 FROM campaign_dealers d WHERE d.campaign_id = c.id AND d.dealer_id = $1))"
    " ORDER BY c.id LIMIT $3"};

// "{a,b}" -> {"a", "b"}: dealer ids are slugs, so no quoting occurs.
std::vector<std::string> ParseSlugArray(absl::string_view text) {
  std::vector<std::string> out;
  if (text.size() < 2) return out;
  text = text.substr(1, text.size() - 2);
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == absl::string_view::npos) comma = text.size();
    out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

domain::Campaign CampaignFrom(const PgResult& r, int row) {
  domain::Campaign c;
  c.id = r.GetInt64(row, 0);
  c.name = r.GetString(row, 1);
  c.kind = domain::ParseCampaignKind(r.Get(row, 2)).value_or(domain::CampaignKind::kPassiveList);
  c.state = domain::ParseCampaignState(r.Get(row, 3)).value_or(domain::CampaignState::kDraft);
  c.queue_id = r.GetString(row, 4);
  c.marketing_policy =
      domain::ParseMarketingPolicy(r.Get(row, 5)).value_or(domain::MarketingPolicy::kOptInOnly);
  c.existing_customer_months = r.GetInt(row, 6);
  c.cadence = {.min_call_attempts = r.GetInt(row, 7),
               .min_spread_days = r.GetInt(row, 8),
               .max_spread_days = r.GetInt(row, 9),
               .max_call_attempts = r.GetInt(row, 10),
               .min_gap_minutes = r.GetInt(row, 11),
               .max_attempts_per_day = r.GetInt(row, 12)};
  c.abandon_cap_percent = r.GetDouble(row, 13);
  c.caller_id = r.GetString(row, 14);
  c.calling_hours = r.GetString(row, 15);
  c.starts_at = r.GetOptionalTime(row, 16);
  c.ends_at = r.GetOptionalTime(row, 17);
  c.created_at = r.GetTime(row, 18);
  c.updated_at = r.GetTime(row, 19);
  c.dealer_ids = ParseSlugArray(r.Get(row, 20));
  return c;
}

// NOT_FOUND naming the first dealer or the queue that does not exist.
absl::Status CheckReferences(PgConn& conn, const domain::Campaign& c) {
  ASSIGN_OR_RETURN(PgResult missing, conn.Exec(kMissingDealers, {ArrayLiteral(c.dealer_ids)}));
  if (missing.rows() > 0) {
    return absl::NotFoundError(
        absl::StrCat("campaign.dealer_ids: dealer '", missing.Get(0, 0), "' not found"));
  }
  ASSIGN_OR_RETURN(PgResult queue, conn.Exec(kQueueExists, {c.queue_id}));
  if (queue.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat("campaign.queue_id: queue '", c.queue_id, "' not found"));
  }
  return absl::OkStatus();
}

absl::Status ReplaceDealers(PgConn& conn, const domain::Campaign& c) {
  RETURN_IF_ERROR(conn.Exec(kClearDealers, {c.id}).status());
  return conn.Exec(kAddDealers, {c.id, ArrayLiteral(c.dealer_ids)}).status();
}

}  // namespace

absl::Status InsertCampaign(PgConn& conn, domain::Campaign& c) {
  RETURN_IF_ERROR(CheckReferences(conn, c));
  const domain::Cadence& k = c.cadence;
  ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(kInsert,
                {c.name, domain::Name(c.kind), domain::Name(c.state), c.queue_id,
                 domain::Name(c.marketing_policy), c.existing_customer_months, k.min_call_attempts,
                 k.min_spread_days, k.max_spread_days, k.max_call_attempts, k.min_gap_minutes,
                 k.max_attempts_per_day, c.abandon_cap_percent, c.caller_id, c.calling_hours,
                 c.starts_at, c.ends_at}));
  c.id = r.GetInt64(0, 0);
  c.created_at = r.GetTime(0, 1);
  c.updated_at = r.GetTime(0, 2);
  RETURN_IF_ERROR(ReplaceDealers(conn, c));
  return NotifySchedule(conn, "config");
}

absl::StatusOr<domain::Campaign> GetCampaign(PgConn& conn, int64_t id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGet, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("campaign ", id, " not found"));
  return CampaignFrom(r, 0);
}

absl::StatusOr<std::vector<domain::Campaign>> ListCampaigns(PgConn& conn,
                                                            absl::string_view dealer_id,
                                                            int64_t after_id, int limit) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kList, {dealer_id, after_id, limit}));
  std::vector<domain::Campaign> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(CampaignFrom(r, i));
  return out;
}

absl::Status UpdateCampaign(PgConn& conn, domain::Campaign& c) {
  RETURN_IF_ERROR(CheckReferences(conn, c));
  const domain::Cadence& k = c.cadence;
  ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(kUpdate,
                {c.id, c.name, domain::Name(c.kind), c.queue_id, domain::Name(c.marketing_policy),
                 c.existing_customer_months, k.min_call_attempts, k.min_spread_days,
                 k.max_spread_days, k.max_call_attempts, k.min_gap_minutes, k.max_attempts_per_day,
                 c.abandon_cap_percent, c.caller_id, c.calling_hours, c.starts_at, c.ends_at}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("campaign ", c.id, " not found"));
  c.state = domain::ParseCampaignState(r.Get(0, 0)).value_or(domain::CampaignState::kDraft);
  c.created_at = r.GetTime(0, 1);
  c.updated_at = r.GetTime(0, 2);
  RETURN_IF_ERROR(ReplaceDealers(conn, c));
  return NotifySchedule(conn, "config");
}

absl::StatusOr<domain::Campaign> SetCampaignState(PgConn& conn, int64_t id,
                                                  domain::CampaignState state) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kSetState, {id, domain::Name(state)}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("campaign ", id, " not found"));
  RETURN_IF_ERROR(NotifySchedule(conn, "config"));
  return GetCampaign(conn, id);
}

absl::StatusOr<std::vector<domain::Campaign>> ListActiveCampaigns(PgConn& conn,
                                                                  absl::string_view queue_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kActiveOfQueue, {queue_id}));
  std::vector<domain::Campaign> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(CampaignFrom(r, i));
  return out;
}

}  // namespace secondvoice::store
