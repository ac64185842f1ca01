// SQL for the lead schedule; see schedule.h.
#include "libs/store/schedule.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"

namespace secondvoice::store {
namespace {

// The schedule row (columns 0-29), the lead's facts (30-39), its routes (40) and the suppression
// entries of its route values (41). A claim reads the copy of the facts kept in the row; the
// other reads take them from the lead itself.
#define SV_SCHEDULE_CORE                                                                  \
  "s.lead_id, s.campaign_id, s.dealer_id, s.rank, s.due_at, s.claimable_at, s.action,"    \
  " s.reason, s.blocked, s.callback_at, s.lease_owner, s.lease_token, s.lease_until,"     \
  " s.calls, s.call_days, s.call_dayparts, s.call_last_day, s.calls_on_last_day,"         \
  " s.calls_first_at, s.calls_last_at, s.messages, s.message_days, s.message_dayparts,"   \
  " s.message_last_day, s.messages_on_last_day, s.messages_first_at, s.messages_last_at," \
  " s.last_call_at, s.lockout_until, s.dialogue, "
#define SV_ROUTES_OF(LEAD)                                                                 \
  "coalesce((SELECT string_agg(r.channel || chr(31) || r.normalized_value || chr(31)"      \
  " || r.phone_type || chr(31) || r.usable::text || chr(31) || r.preferred::text, chr(30)" \
  " ORDER BY r.position, r.id) FROM contact_routes r WHERE r.lead_id = " LEAD "), '')"
#define SV_ROUTE_VALUES_OF(LEAD)                                                  \
  "ARRAY(SELECT r.normalized_value FROM contact_routes r WHERE r.lead_id = " LEAD \
  " AND r.normalized_value <> '' ORDER BY r.position, r.id)"
// Each value looked up in the index by itself: asked for "value = ANY(values)", the planner
// reads a small suppression table whole on every claim (0.3 ms for 500 entries; a third of the
// claim statement's rate), and OFFSET 0 keeps it from turning the lookups back into that scan.
#define SV_SUPPRESSIONS_OF(VALUES)                                                   \
  "(SELECT string_agg(x.channel || chr(31) || x.value, chr(30)) FROM unnest(" VALUES \
  ") v,"                                                                             \
  " LATERAL (SELECT channel, value FROM suppressions WHERE value = v"                \
  " AND (dealer_id IS NULL OR dealer_id = s.dealer_id) OFFSET 0) x)"

#define SV_SCHEDULE_COLUMNS                                                            \
  SV_SCHEDULE_CORE                                                                     \
  "l.status, l.kind, l.origin, l.consent_basis, l.consent_source, l.consent_given_at," \
  " l.relationship_last_at, l.first_name, l.last_name, c.state, " SV_ROUTES_OF(        \
      "s.lead_id") ", " SV_SUPPRESSIONS_OF(SV_ROUTE_VALUES_OF("s.lead_id"))

#define SV_SCHEDULE_JOINS \
  " JOIN leads l ON l.id = s.lead_id JOIN campaigns c ON c.id = s.campaign_id"

// One statement on one row, as a bare claim is: pick the first due row nobody holds, lease it,
// and return it with the copy of the lead's facts and the suppressions of its routes. A lead on
// the schedule is open (closing removes its row), and claimers only probe active campaigns
// (their settings follow NOTIFY "config"), so status and campaign state need no other row.
#define SV_CLAIM(PICK)                                                                           \
  "UPDATE lead_schedule AS s SET due_at = $5, lease_until = $5, lease_owner = $6,"               \
  " lease_token = s.lease_token + 1"                                                             \
  " WHERE s.lead_id = (SELECT lead_id FROM lead_schedule WHERE " PICK                            \
  " AND due_at <= $4 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED)"                            \
  " RETURNING " SV_SCHEDULE_CORE                                                                 \
  "'in_progress', 'passive', s.origin, s.consent_basis, '', s.consent_given_at,"                 \
  " s.relationship_last_at, s.first_name, s.last_name, 'active', s.routes, " SV_SUPPRESSIONS_OF( \
      "s.route_values")

constexpr Query kClaimBucket = {"schedule_claim_bucket",
                                SV_CLAIM("campaign_id = $1 AND dealer_id = $2 AND rank = $3")};
// Priority probes say "rank <= 2" in so many words: with rank a parameter, a generic plan could
// not otherwise use the partial index and would scan every lead.
constexpr Query kClaimPriority = {"schedule_claim_priority",
                                  SV_CLAIM("campaign_id = $1 AND rank <= 2 AND rank = $3"
                                           " AND ($2::text[] IS NULL OR dealer_id = ANY($2))")};
constexpr Query kNextDueBucket = {
    "schedule_next_due_bucket",
    "SELECT min(due_at) FROM lead_schedule WHERE campaign_id = $1 AND dealer_id = $2"
    " AND rank = $3"};
constexpr Query kNextDuePriority = {
    "schedule_next_due_priority",
    "SELECT min(due_at) FROM lead_schedule WHERE campaign_id = $1 AND rank <= 2 AND rank = $3"
    " AND ($2::text[] IS NULL OR dealer_id = ANY($2))"};
constexpr Query kLoad = {"schedule_load",
                         "SELECT " SV_SCHEDULE_COLUMNS " FROM lead_schedule s" SV_SCHEDULE_JOINS
                         " WHERE s.lead_id = $1"};
constexpr Query kLoadLocked = {"schedule_load_locked", "SELECT " SV_SCHEDULE_COLUMNS
                                                       " FROM lead_schedule s" SV_SCHEDULE_JOINS
                                                       " WHERE s.lead_id = $1 FOR UPDATE OF s"};
constexpr Query kReschedule = {
    "schedule_reschedule",
    "UPDATE lead_schedule SET rank = $2, due_at = $3, action = $4, reason = $5, blocked = $6,"
    " callback_at = $7, lease_owner = '', lease_until = NULL,"
    " calls = $8, call_days = $9, call_dayparts = $10, call_last_day = $11,"
    " calls_on_last_day = $12, calls_first_at = $13, calls_last_at = $14,"
    " messages = $15, message_days = $16, message_dayparts = $17, message_last_day = $18,"
    " messages_on_last_day = $19, messages_first_at = $20, messages_last_at = $21,"
    " last_call_at = $22, lockout_until = $23, dialogue = $24"
    " WHERE lead_id = $1 AND ($25::bigint IS NULL OR lease_token = $25)"};
constexpr Query kExtend = {
    "schedule_extend",
    "UPDATE lead_schedule SET lease_until = $3, due_at = $3"
    " WHERE lead_id = $1 AND lease_token = $2 AND lease_owner <> '' RETURNING lease_until"};
constexpr Query kUnschedule = {"schedule_delete", "DELETE FROM lead_schedule WHERE lead_id = $1"};
// An erased lead never goes back on the schedule (a CRM's no-show or unsold report after the
// erasure): nothing is left to call it on, and nobody may.
constexpr Query kScheduleAgain = {
    "schedule_again",
    "WITH l AS (UPDATE leads SET campaign_id = $2, updated_at = now() WHERE id = $1"
    " AND erased_at IS NULL"
    " RETURNING id, dealer_id, origin, consent_basis, consent_given_at, relationship_last_at,"
    " first_name, last_name)"
    " INSERT INTO lead_schedule AS s (lead_id, campaign_id, dealer_id, rank, due_at, claimable_at,"
    " reason, origin, consent_basis, consent_given_at, relationship_last_at, first_name,"
    " last_name, routes, route_values) SELECT l.id, $2, l.dealer_id, $3, $4, $4, $5, l.origin,"
    " l.consent_basis, l.consent_given_at, l.relationship_last_at, l.first_name, l.last_name, "
    SV_ROUTES_OF("l.id") ", " SV_ROUTE_VALUES_OF("l.id") " FROM l"
    " ON CONFLICT (lead_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id,"
    " rank = EXCLUDED.rank, due_at = EXCLUDED.due_at, claimable_at = EXCLUDED.claimable_at,"
    " reason = EXCLUDED.reason, lease_owner = '', lease_until = NULL"};
constexpr Query kNotify = {"schedule_notify", "SELECT pg_notify('sv_schedule', $1)"};
constexpr Query kInsertAttempt = {
    "attempt_insert",
    "INSERT INTO attempts (lead_id, campaign_id, channel, route, by_whom, started_at, ended_at,"
    " outcome, notes, idempotency_key)"
    " VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9, NULLIF($10, '')) RETURNING id"};
constexpr Query kAttemptByKey = {
    "attempt_by_key",
    "SELECT a.id, l.status,"
    " coalesce((SELECT h.id FROM handovers h WHERE h.attempt_id = a.id ORDER BY h.id LIMIT 1), 0),"
    " s.due_at, s.reason"
    " FROM attempts a JOIN leads l ON l.id = a.lead_id"
    " LEFT JOIN lead_schedule s ON s.lead_id = a.lead_id"
    " WHERE a.lead_id = $1 AND a.idempotency_key = $2"};
constexpr Query kAttemptFacts = {
    "attempt_facts",
    "SELECT channel, outcome, started_at FROM attempts WHERE lead_id = $1 AND outcome IS NOT NULL"
    " ORDER BY started_at, id"};
constexpr Query kSetStatus = {"lead_set_status",
                              "UPDATE leads SET status = $2, updated_at = now() WHERE id = $1"};
constexpr Query kMarkUnusable = {
    "route_mark_unusable",
    "UPDATE contact_routes SET usable = false WHERE lead_id = $1 AND normalized_value = $2"};
constexpr Query kRefreshRoutes = {
    "schedule_refresh_routes",
    "UPDATE lead_schedule s SET routes = " SV_ROUTES_OF("s.lead_id") ", route_values = "
    SV_ROUTE_VALUES_OF("s.lead_id") " WHERE s.lead_id = ANY($1::bigint[])"};
constexpr Query kListDue = {
    "schedule_list_due",
    "SELECT " SV_SCHEDULE_COLUMNS " FROM lead_schedule s" SV_SCHEDULE_JOINS
    " WHERE s.campaign_id = $1 AND ($2 = '' OR s.dealer_id = $2) AND s.due_at < $3"
    " AND (s.dealer_id, s.rank, s.due_at, s.lead_id) > ($4, $5, $6, $7)"
    " ORDER BY s.dealer_id, s.rank, s.due_at, s.lead_id LIMIT $8"};

std::optional<absl::CivilDay> DayAt(const PgResult& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(r.Get(row, col), &day)) return std::nullopt;
  return day;
}

cadence::Tally TallyFrom(const PgResult& r, int row, int col) {
  cadence::Tally t;
  t.attempts = r.GetInt(row, col);
  t.days = r.GetInt(row, col + 1);
  t.dayparts = r.GetInt(row, col + 2);
  if (std::optional<absl::CivilDay> day = DayAt(r, row, col + 3)) t.last_day = *day;
  t.on_last_day = r.GetInt(row, col + 4);
  t.first_at = r.GetOptionalTime(row, col + 5);
  t.last_at = r.GetOptionalTime(row, col + 6);
  return t;
}

std::optional<std::string> DayParam(const cadence::Tally& t) {
  if (t.attempts == 0) return std::nullopt;
  return absl::FormatCivilTime(t.last_day);
}

ScheduledLead ScheduledFrom(const PgResult& r, int row) {
  ScheduledLead s;
  s.lead_id = r.GetInt64(row, 0);
  s.campaign_id = r.GetInt64(row, 1);
  s.dealer_id = r.GetString(row, 2);
  s.rank = r.GetInt(row, 3);
  s.due_at = r.GetTime(row, 4);
  s.claimable_at = r.GetTime(row, 5);
  s.action = r.GetString(row, 6);
  s.reason = r.GetString(row, 7);
  s.blocked = r.GetString(row, 8);
  s.callback_at = r.GetOptionalTime(row, 9);
  s.lease_owner = r.GetString(row, 10);
  s.lease_token = r.GetInt64(row, 11);
  s.lease_until = r.GetOptionalTime(row, 12);
  s.progress.calls = TallyFrom(r, row, 13);
  s.progress.messages = TallyFrom(r, row, 20);
  s.progress.last_call_at = r.GetOptionalTime(row, 27);
  s.progress.lockout_until = r.GetOptionalTime(row, 28);
  s.progress.dialogue = r.GetBool(row, 29);
  s.status = domain::ParseLeadStatus(r.Get(row, 30)).value_or(domain::LeadStatus::kNew);
  s.kind = domain::ParseLeadKind(r.Get(row, 31)).value_or(domain::LeadKind::kPassive);
  s.origin = domain::ParseLeadOrigin(r.Get(row, 32)).value_or(domain::LeadOrigin::kListImport);
  s.consent.basis = domain::ParseConsentBasis(r.Get(row, 33)).value_or(domain::ConsentBasis::kNone);
  s.consent.source = r.GetString(row, 34);
  s.consent.given_at = r.GetOptionalTime(row, 35);
  s.consent.relationship_last_at = r.GetOptionalTime(row, 36);
  s.first_name = r.GetString(row, 37);
  s.last_name = r.GetString(row, 38);
  s.campaign_state =
      domain::ParseCampaignState(r.Get(row, 39)).value_or(domain::CampaignState::kDraft);
  if (!r.IsNull(row, 40)) {
    for (absl::string_view route : absl::StrSplit(r.Get(row, 40), '\x1e', absl::SkipEmpty())) {
      std::vector<absl::string_view> f = absl::StrSplit(route, '\x1f');
      if (f.size() != 5) continue;
      s.routes.push_back(RouteFact{
          .channel = domain::ParseChannel(f[0]).value_or(domain::Channel::kPhone),
          .value = std::string(f[1]),
          .phone_type = domain::ParsePhoneType(f[2]).value_or(domain::PhoneType::kUnknown),
          .usable = f[3] == "true",
          .preferred = f[4] == "true"});
    }
  }
  if (!r.IsNull(row, 41)) {
    for (absl::string_view entry : absl::StrSplit(r.Get(row, 41), '\x1e')) {
      std::pair<std::string, std::string> kv = absl::StrSplit(entry, absl::MaxSplits('\x1f', 1));
      s.suppressions.push_back(std::move(kv));
    }
  }
  return s;
}

bool Suppressed(const ScheduledLead& lead, absl::string_view channel, absl::string_view value) {
  for (const auto& [c, v] : lead.suppressions) {
    if (v == value && (c == channel || c == "all")) return true;
  }
  return false;
}

bool Mobile(domain::PhoneType type) {
  return type == domain::PhoneType::kMobile || type == domain::PhoneType::kFixedLineOrMobile;
}

// Whether `route` can carry `action` now.
// An objection (a suppression on every channel) on any of the customer's numbers or addresses
// is the customer's: it is honoured on all their routes at once (GDPR art. 21).
bool Objected(const ScheduledLead& lead) {
  for (const auto& [channel, value] : lead.suppressions) {
    if (channel == "all") return true;
  }
  return false;
}

bool Carries(const ScheduledLead& lead, const RouteFact& route, cadence::Action action) {
  if (!route.usable || route.value.empty() || Objected(lead)) return false;
  if (action == cadence::Action::kCall) {
    return route.channel == domain::Channel::kPhone && !Suppressed(lead, "phone", route.value);
  }
  if (route.channel == domain::Channel::kEmail) return !Suppressed(lead, "email", route.value);
  if (route.channel == domain::Channel::kPhone || route.channel == domain::Channel::kSms) {
    return Mobile(route.phone_type) && !Suppressed(lead, "sms", route.value);
  }
  if (route.channel == domain::Channel::kChat) return !Suppressed(lead, "chat", route.value);
  return false;
}

std::optional<std::string> ArrayOrNull(const std::vector<std::string>& values) {
  if (values.empty()) return std::nullopt;
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

}  // namespace

cadence::Reach ReachOf(const ScheduledLead& lead, int* suppressed_routes, bool* has_usable_route) {
  cadence::Reach reach;
  int suppressed = 0;
  bool usable = false;
  for (const RouteFact& route : lead.routes) {
    if (!route.usable || route.value.empty()) continue;
    usable = true;
    const bool call = Carries(lead, route, cadence::Action::kCall);
    const bool message = Carries(lead, route, cadence::Action::kMessage);
    reach.callable |= call;
    reach.messageable |= message;
    if (!call && !message) ++suppressed;
  }
  if (suppressed_routes) *suppressed_routes = suppressed;
  if (has_usable_route) *has_usable_route = usable;
  return reach;
}

std::string RouteFor(const ScheduledLead& lead, cadence::Action action) {
  const RouteFact* best = nullptr;
  for (const RouteFact& route : lead.routes) {
    if (!Carries(lead, route, action)) continue;
    // Messages go to e-mail before SMS, unless the customer prefers otherwise.
    if (best == nullptr || (route.preferred && !best->preferred) ||
        (route.preferred == best->preferred && action == cadence::Action::kMessage &&
         route.channel == domain::Channel::kEmail && best->channel != domain::Channel::kEmail)) {
      best = &route;
    }
  }
  return best ? best->value : "";
}

absl::StatusOr<std::optional<ScheduledLead>> ClaimOne(PgConn& conn, const ClaimProbe& p) {
  const bool bucket = !p.dealer_id.empty();
  const Param dealers = bucket ? Param(p.dealer_id) : Param(ArrayOrNull(p.dealers));
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(bucket ? kClaimBucket : kClaimPriority,
                             {p.campaign_id, dealers, p.rank, p.now, p.lease_until, p.owner}));
  if (r.rows() == 0) return std::nullopt;
  return ScheduledFrom(r, 0);
}

absl::StatusOr<std::optional<absl::Time>> NextDue(PgConn& conn, const ClaimProbe& p) {
  const bool bucket = !p.dealer_id.empty();
  const Param dealers = bucket ? Param(p.dealer_id) : Param(ArrayOrNull(p.dealers));
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(bucket ? kNextDueBucket : kNextDuePriority,
                                         {p.campaign_id, dealers, p.rank}));
  return r.GetOptionalTime(0, 0);
}

absl::Status ScheduleAgain(PgConn& conn, int64_t lead_id, int64_t campaign_id, int rank,
                           absl::Time due_at, absl::string_view reason) {
  return conn.Exec(kScheduleAgain, {lead_id, campaign_id, rank, due_at, reason}).status();
}

absl::StatusOr<ScheduledLead> LoadScheduled(PgConn& conn, int64_t lead_id, bool lock) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(lock ? kLoadLocked : kLoad, {lead_id}));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("lead ", lead_id, " is not on the schedule"));
  }
  return ScheduledFrom(r, 0);
}

absl::Status Reschedule(PgConn& conn, const ScheduledLead& s, std::optional<int64_t> token) {
  const cadence::Progress& p = s.progress;
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kReschedule, {s.lead_id,
                                                       s.rank,
                                                       s.due_at,
                                                       s.action,
                                                       s.reason,
                                                       s.blocked,
                                                       s.callback_at,
                                                       p.calls.attempts,
                                                       p.calls.days,
                                                       p.calls.dayparts,
                                                       DayParam(p.calls),
                                                       p.calls.on_last_day,
                                                       p.calls.first_at,
                                                       p.calls.last_at,
                                                       p.messages.attempts,
                                                       p.messages.days,
                                                       p.messages.dayparts,
                                                       DayParam(p.messages),
                                                       p.messages.on_last_day,
                                                       p.messages.first_at,
                                                       p.messages.last_at,
                                                       p.last_call_at,
                                                       p.lockout_until,
                                                       p.dialogue,
                                                       token}));
  if (r.affected() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("lead ", s.lead_id,
                     ": the lease has passed to another claimer (or the lead left the "
                     "schedule)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> ExtendLease(PgConn& conn, int64_t lead_id, int64_t token,
                                       absl::Time until) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kExtend, {lead_id, token, until}));
  if (r.rows() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("lead ", lead_id, ": the lease has passed to another claimer"));
  }
  return r.GetTime(0, 0);
}

absl::Status Unschedule(PgConn& conn, int64_t lead_id) {
  return conn.Exec(kUnschedule, {lead_id}).status();
}

absl::Status NotifySchedule(PgConn& conn, absl::string_view payload) {
  return conn.Exec(kNotify, {payload}).status();
}

absl::StatusOr<int64_t> InsertAttempt(PgConn& conn, const AttemptRecord& a) {
  ASSIGN_OR_RETURN(
      PgResult r, conn.Exec(kInsertAttempt, {a.lead_id, a.campaign_id, domain::Name(a.channel),
                                             a.route, a.by, a.started_at, a.ended_at,
                                             domain::Name(a.outcome), a.notes, a.idempotency_key}));
  return r.GetInt64(0, 0);
}

absl::StatusOr<std::optional<RecordedAttempt>> FindAttemptByKey(PgConn& conn, int64_t lead_id,
                                                                absl::string_view key) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAttemptByKey, {lead_id, key}));
  if (r.rows() == 0) return std::nullopt;
  RecordedAttempt out{
      .attempt_id = r.GetInt64(0, 0),
      .lead_status = domain::ParseLeadStatus(r.Get(0, 1)).value_or(domain::LeadStatus::kNew),
      .handover_id = r.GetInt64(0, 2),
      .due_at = r.GetOptionalTime(0, 3),
      .reason = r.GetString(0, 4)};
  return out;
}

absl::StatusOr<std::vector<cadence::AttemptFact>> AttemptFacts(PgConn& conn, int64_t lead_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAttemptFacts, {lead_id}));
  std::vector<cadence::AttemptFact> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(cadence::AttemptFact{
        .channel = domain::ParseChannel(r.Get(i, 0)).value_or(domain::Channel::kPhone),
        .outcome =
            domain::ParseAttemptOutcome(r.Get(i, 1)).value_or(domain::AttemptOutcome::kFailed),
        .at = r.GetTime(i, 2)});
  }
  return out;
}

absl::Status SetLeadStatus(PgConn& conn, int64_t lead_id, domain::LeadStatus status) {
  return conn.Exec(kSetStatus, {lead_id, domain::Name(status)}).status();
}

absl::Status MarkRouteUnusable(PgConn& conn, int64_t lead_id, absl::string_view value) {
  RETURN_IF_ERROR(conn.Exec(kMarkUnusable, {lead_id, value}).status());
  return RefreshScheduledRoutes(conn, {lead_id});
}

absl::Status RefreshScheduledRoutes(PgConn& conn, const std::vector<int64_t>& lead_ids) {
  if (lead_ids.empty()) return absl::OkStatus();
  return conn.Exec(kRefreshRoutes, {absl::StrCat("{", absl::StrJoin(lead_ids, ","), "}")}).status();
}

int FirstRank(domain::LeadOrigin origin, const std::vector<domain::ContactRoute>& routes) {
  bool callable = false, messageable = false;
  for (const domain::ContactRoute& r : routes) {
    if (!r.usable || r.normalized_value.empty()) continue;
    callable |= r.channel == domain::Channel::kPhone;
    messageable |= r.channel != domain::Channel::kPhone;
  }
  const cadence::Action first =
      !callable && messageable ? cadence::Action::kMessage : cadence::Action::kCall;
  return static_cast<int>(cadence::RankOf(origin, false, false, first));
}

absl::string_view FirstAction(int rank) {
  return rank == static_cast<int>(cadence::Rank::kMessage) ? "message" : "call";
}

std::string EncodeRoutes(const std::vector<domain::ContactRoute>& routes) {
  std::string out;
  for (const domain::ContactRoute& r : routes) {
    if (!out.empty()) out += '\x1e';
    absl::StrAppend(&out, domain::Name(r.channel), "\x1f", r.normalized_value, "\x1f",
                    domain::Name(r.phone_type), "\x1f", r.usable ? "true" : "false", "\x1f",
                    r.preferred ? "true" : "false");
  }
  return out;
}

std::string RouteValuesLiteral(const std::vector<domain::ContactRoute>& routes) {
  std::string out = "{";
  for (const domain::ContactRoute& r : routes) {
    if (r.normalized_value.empty()) continue;
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : r.normalized_value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

absl::StatusOr<std::vector<ScheduledLead>> ListDue(PgConn& conn, const CallListQuery& q) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kListDue, {q.campaign_id, q.dealer_id, q.until, q.after_dealer,
                                        q.after_rank, q.after_due, q.after_lead, q.limit}));
  std::vector<ScheduledLead> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ScheduledFrom(r, i));
  return out;
}

}  // namespace secondvoice::store
