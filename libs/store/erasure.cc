// SQL for erasure and retention; see erasure.h.
#include "libs/store/erasure.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"
#include "libs/store/tokens.h"

namespace secondvoice::store {
namespace {

// One key per dealer: an erasure takes it alone, imports and follow-ups share it.
constexpr Query kLockDealer = {
    "erasure_lock_dealer", "SELECT pg_advisory_xact_lock(hashtextextended('sv-erase/' || $1, 0))"};
constexpr Query kHoldDealer = {
    "erasure_hold_dealer",
    "SELECT pg_advisory_xact_lock_shared(hashtextextended('sv-erase/' || $1, 0))"};

constexpr Query kLeadsByValue = {
    "erasure_leads_by_value",
    "SELECT l.id FROM leads l WHERE l.dealer_id = $1 AND l.id IN (SELECT r.lead_id"
    " FROM contact_routes r WHERE r.normalized_value = $2 AND r.channel = ANY($3::text[]))"
    " ORDER BY l.id FOR NO KEY UPDATE OF l"};
constexpr Query kLeadById = {
    "erasure_lead_by_id",
    "SELECT id FROM leads WHERE id = $1 AND dealer_id = $2 FOR NO KEY UPDATE"};

// The identities of the erased leads a later list or follow-up could carry: usable routes (a
// number marked wrong is someone else's) and customer numbers, plus the value asked for.
constexpr Query kRemember = {
    "erasure_remember",
    "INSERT INTO erased_people (dealer_id, digest, kind, erased_by)"
    " SELECT $1, sha256(convert_to(v.value, 'UTF8')), min(v.kind), $5 FROM ("
    "   SELECT CASE r.channel WHEN 'email' THEN 'email' WHEN 'chat' THEN 'chat' ELSE 'phone' END"
    "     AS kind, r.normalized_value AS value FROM contact_routes r"
    "    WHERE r.lead_id = ANY($2::bigint[]) AND r.usable AND r.normalized_value <> ''"
    "   UNION ALL SELECT 'customer_id', customer_id FROM leads"
    "    WHERE id = ANY($2::bigint[]) AND customer_id <> ''"
    "   UNION ALL SELECT $4::text, $3::text WHERE $3::text <> '') v"
    " GROUP BY v.value ON CONFLICT (dealer_id, digest) DO NOTHING"};
// The dealer's own suppressions of those values: the digests now keep the person out for good.
// Suppressions of every dealer (dealer_id NULL) stay: they are not this dealer's to lift.
constexpr Query kDropSuppressions = {
    "erasure_drop_suppressions",
    "DELETE FROM suppressions WHERE dealer_id = $1 AND value IN ("
    " SELECT normalized_value FROM contact_routes WHERE lead_id = ANY($2::bigint[])"
    " AND usable AND normalized_value <> '' UNION ALL SELECT $3::text WHERE $3::text <> '')"};
// Reports of rejected rows (and failed imports) of the dealer's lists that quote any of the
// person's values, raw or normalised. Values shorter than 5 characters would match anything.
constexpr Query kScrubImports = {
    "erasure_scrub_imports",
    "WITH v AS (SELECT DISTINCT x FROM ("
    "   SELECT unnest(ARRAY[r.raw_value, r.normalized_value]) FROM contact_routes r"
    "    WHERE r.lead_id = ANY($2::bigint[])"
    "   UNION ALL SELECT customer_id FROM leads WHERE id = ANY($2::bigint[])"
    "   UNION ALL SELECT $3::text) s(x) WHERE length(x) >= 5),"
    " mine AS (SELECT i.id FROM imports i JOIN campaign_dealers d ON d.campaign_id = i.campaign_id"
    "   WHERE d.dealer_id = $1),"
    " rejects AS (UPDATE import_rejects j SET reason = $4 WHERE j.import_id IN (SELECT id FROM "
    "mine)"
    "   AND EXISTS (SELECT 1 FROM v WHERE strpos(j.reason, v.x) > 0) RETURNING 1)"
    " UPDATE imports i SET error = $4 WHERE i.id IN (SELECT id FROM mine)"
    " AND EXISTS (SELECT 1 FROM v WHERE strpos(i.error, v.x) > 0)"};

// Everything personal about the leads, in one statement; what the funnel counts stays (no
// status or campaign change, no handover delivered, no feedback added). An undelivered handover
// is stopped: there is nothing left to hand over.
constexpr Query kBlank = {
    "erasure_blank",
    "WITH routes AS (UPDATE contact_routes SET raw_value = '', normalized_value = '',"
    "   preferred_times = '', usable = false WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " vehicles AS (UPDATE vehicles SET vin = '', comments = ''"
    "   WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " attempts AS (UPDATE attempts SET route = '', notes = ''"
    "   WHERE lead_id = ANY($1::bigint[]) AND (route <> '' OR notes <> '') RETURNING 1),"
    " events AS (UPDATE lead_events SET summary = '', details = '{}'"
    "   WHERE lead_id = ANY($1::bigint[]) AND (summary <> '' OR details <> '{}') RETURNING 1),"
    " statements AS (UPDATE lead_statements SET needs = '', financing = '', timeframe = '',"
    "   other = '' WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " appointments AS (UPDATE appointments SET location = '', expectations_text = ''"
    "   WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " feedback AS (UPDATE feedback SET notes = '', lost_reason = ''"
    "   WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " handovers AS (UPDATE handovers SET last_error = '', lease_owner = '', lease_until = NULL,"
    "   rejection = CASE WHEN state = 'delivered' THEN rejection ELSE $2 END,"
    "   flagged_at = CASE WHEN state = 'delivered' THEN flagged_at"
    "     ELSE coalesce(flagged_at, now()) END,"
    "   state = CASE WHEN state = 'delivered' THEN state ELSE 'flagged_undelivered' END"
    "   WHERE lead_id = ANY($1::bigint[]) RETURNING 1),"
    " schedule AS (DELETE FROM lead_schedule WHERE lead_id = ANY($1::bigint[]) RETURNING 1)"
    " UPDATE leads SET first_name = '', last_name = '', customer_id = '', language = '',"
    " accessibility_notes = '', preferred_channel = NULL, consent_source = '', notes = '',"
    " erased_at = coalesce(erased_at, now()) WHERE id = ANY($1::bigint[])"};
constexpr Query kErasedEvent = {
    "erasure_event",
    "INSERT INTO lead_events (lead_id, type, actor, summary)"
    " SELECT id, 'lead.erased', $2, $3 FROM unnest($1::bigint[]) AS id"};

constexpr Query kExpired = {
    "retention_expired",
    "SELECT id, dealer_id FROM leads WHERE erased_at IS NULL"
    " AND status NOT IN ('new', 'in_progress') AND updated_at < $1"
    " AND NOT EXISTS (SELECT 1 FROM lead_schedule s WHERE s.lead_id = leads.id)"
    " ORDER BY updated_at LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED"};
constexpr Query kExpiredRejects = {
    "retention_rejects",
    "DELETE FROM import_rejects WHERE import_id IN (SELECT id FROM imports WHERE started_at < $1)"};

constexpr Query kErasedAmong = {
    "erasure_among",
    "SELECT v FROM unnest($2::text[]) AS v WHERE EXISTS (SELECT 1 FROM erased_people e"
    " WHERE e.dealer_id = $1 AND e.digest = sha256(convert_to(v, 'UTF8')))"};

constexpr Query kDealersWithErasures = {
    "erasure_dealers",
    "SELECT d FROM unnest($1::text[]) AS d"
    " WHERE EXISTS (SELECT 1 FROM erased_people e WHERE e.dealer_id = d)"};

constexpr char kRetentionReason[] = "erased: closed for longer than the retention period";

std::string IdArray(const std::vector<int64_t>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

// "12, 13, 14" (the first 20, then how many more).
std::string IdList(const std::vector<int64_t>& ids) {
  constexpr size_t kShown = 20;
  if (ids.size() <= kShown) return absl::StrJoin(ids, ", ");
  return absl::StrCat(absl::StrJoin(ids.begin(), ids.begin() + kShown, ", "), " and ",
                      ids.size() - kShown, " more");
}

absl::Status Blank(PgConn& conn, const std::vector<int64_t>& ids, absl::string_view reason,
                   absl::string_view actor) {
  if (ids.empty()) return absl::OkStatus();
  const std::string id_array = IdArray(ids);
  RETURN_IF_ERROR(conn.Exec(kBlank, {id_array, reason}).status());
  return conn.Exec(kErasedEvent, {id_array, actor, reason}).status();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> ErasePerson(PgConn& conn, const ErasureRequest& r) {
  const int named = (r.phone.empty() ? 0 : 1) + (r.email.empty() ? 0 : 1) + (r.lead_id ? 1 : 0);
  if (named != 1) {
    return absl::InvalidArgumentError("person: give exactly one of phone, email and lead_id");
  }
  // Imports and follow-ups of the dealer that are under way finish first; those that start
  // now wait, then see the digests.
  RETURN_IF_ERROR(conn.Exec(kLockDealer, {r.dealer_id}).status());
  std::vector<int64_t> ids;
  std::string value, kind, how;
  if (r.lead_id != 0) {
    ASSIGN_OR_RETURN(PgResult found, conn.Exec(kLeadById, {r.lead_id, r.dealer_id}));
    if (found.rows() == 0) {
      return absl::NotFoundError(absl::StrCat("lead_id: lead ", r.lead_id,
                                              " is not a lead of dealer '", r.dealer_id, "'"));
    }
    ids.push_back(r.lead_id);
    how = "by lead id";
  } else {
    const bool phone = !r.phone.empty();
    value = phone ? r.phone : r.email;
    kind = phone ? "phone" : "email";
    how = phone ? "by phone number" : "by e-mail address";
    ASSIGN_OR_RETURN(PgResult found, conn.Exec(kLeadsByValue, {r.dealer_id, value,
                                                               phone ? "{phone,sms}" : "{email}"}));
    for (int i = 0; i < found.rows(); ++i) ids.push_back(found.GetInt64(i, 0));
  }
  const std::string id_array = IdArray(ids);
  RETURN_IF_ERROR(conn.Exec(kRemember, {r.dealer_id, id_array, value, kind, r.principal}).status());
  RETURN_IF_ERROR(conn.Exec(kDropSuppressions, {r.dealer_id, id_array, value}).status());
  RETURN_IF_ERROR(conn.Exec(kScrubImports, {r.dealer_id, id_array, value, kErasedReason}).status());
  RETURN_IF_ERROR(Blank(conn, ids, kErasedReason, r.principal));
  // Who, where and how many; never the value.
  RETURN_IF_ERROR(InsertAudit(
      conn,
      {{.at = absl::Now(),
        .principal = r.principal,
        .method = r.method,
        .event = "erased",
        .detail = absl::StrCat("dealer ", r.dealer_id, ": ", ids.size(),
                               ids.size() == 1 ? " lead" : " leads", " erased ", how,
                               ids.empty() ? "" : " (", IdList(ids), ids.empty() ? "" : ")")}}));
  return ids;
}

absl::StatusOr<int64_t> EraseExpiredLeads(PgConn& conn, absl::Time closed_before, int limit) {
  RETURN_IF_ERROR(conn.Exec(kExpiredRejects, {closed_before}).status());
  ASSIGN_OR_RETURN(PgResult found, conn.Exec(kExpired, {closed_before, limit}));
  std::vector<int64_t> ids;
  std::map<std::string, std::vector<int64_t>> by_dealer;
  for (int i = 0; i < found.rows(); ++i) {
    ids.push_back(found.GetInt64(i, 0));
    by_dealer[found.GetString(i, 1)].push_back(ids.back());
  }
  RETURN_IF_ERROR(Blank(conn, ids, kRetentionReason, "retention"));
  std::vector<AuditEntry> entries;
  const absl::Time now = absl::Now();
  for (const auto& [dealer, erased] : by_dealer) {
    entries.push_back(
        {.at = now,
         .principal = "retention",
         .method = "retention",
         .event = "erased",
         .detail = absl::StrCat(
             "dealer ", dealer, ": ", erased.size(), erased.size() == 1 ? " lead" : " leads",
             " closed before ",
             absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", closed_before, absl::UTCTimeZone()),
             " erased (", IdList(erased), ")")});
  }
  RETURN_IF_ERROR(InsertAudit(conn, entries));
  return static_cast<int64_t>(ids.size());
}

absl::Status HoldErasures(PgConn& conn, absl::string_view dealer_id) {
  return conn.Exec(kHoldDealer, {dealer_id}).status();
}

absl::StatusOr<absl::flat_hash_set<std::string>> ErasedAmong(
    PgConn& conn, absl::string_view dealer_id, const std::vector<std::string>& values) {
  absl::flat_hash_set<std::string> out;
  if (values.empty()) return out;
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kErasedAmong, {dealer_id, ArrayLiteral(values)}));
  for (int i = 0; i < r.rows(); ++i) out.insert(r.GetString(i, 0));
  return out;
}

absl::StatusOr<std::vector<std::string>> DealersWithErasures(
    PgConn& conn, const std::vector<std::string>& dealer_ids) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kDealersWithErasures, {ArrayLiteral(dealer_ids)}));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.GetString(i, 0));
  return out;
}

}  // namespace secondvoice::store
