// SQL for handovers; see handovers.h.
#include "libs/store/handovers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"
#include "libs/store/leads.h"

namespace secondvoice::store {
namespace {

constexpr Query kMergeStatements = {
    "statements_merge",
    "INSERT INTO lead_statements AS s (lead_id, needs, financing, timeframe, other)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (lead_id) DO UPDATE SET"
    " needs = coalesce(nullif(EXCLUDED.needs, ''), s.needs),"
    " financing = coalesce(nullif(EXCLUDED.financing, ''), s.financing),"
    " timeframe = coalesce(nullif(EXCLUDED.timeframe, ''), s.timeframe),"
    " other = coalesce(nullif(EXCLUDED.other, ''), s.other), updated_at = now()"};
constexpr Query kAddVehicle = {
    "vehicle_add",
    "INSERT INTO vehicles (lead_id, position, role, used, year, make, model, trim, vin,"
    " odometer_km, price_cents, comments) SELECT $1, coalesce(max(position) + 1, 0), $2, $3, $4,"
    " $5, $6, $7, $8, $9, $10, $11 FROM vehicles WHERE lead_id = $1"};
constexpr Query kInsertAppointment = {
    "appointment_insert",
    "INSERT INTO appointments (lead_id, attempt_id, at, location, with_whom, expectations,"
    " expectations_text) VALUES ($1, nullif($2::bigint, 0), $3, $4, $5, $6::text[], $7)"
    " RETURNING id"};
constexpr Query kCreate = {
    "handover_create",
    "WITH h AS (INSERT INTO handovers (lead_id, dealer_id, attempt_id, appointment_id, bdc_agent)"
    " VALUES ($1, $2, nullif($3::bigint, 0), $4, $5) RETURNING id, dealer_id)"
    " SELECT id, pg_notify('sv_handover', dealer_id) FROM h"};

#define SV_HANDOVER_COLUMNS                                                            \
  "h.id, h.lead_id, h.dealer_id, h.idempotency_key, h.state, h.rejection, h.attempts," \
  " h.last_error, h.next_attempt_at, h.delivered_at, h.flagged_at, h.crm_reference,"   \
  " h.created_at, (SELECT d.crm_endpoint FROM dealers d WHERE d.id = h.dealer_id)"

// A handover being delivered is due again when its lease ends (next_attempt_at = lease_until),
// so a killed dispatcher's handovers come back by themselves.
// The dealer limits are applied to a window of the earliest due (twice the limit and a few),
// skipping rows another dispatcher is claiming: enough to fill the claim unless one dealer's
// backlog fills the window, and then that dealer is at its limit and left out of the next claim.
constexpr Query kClaim = {
    "handover_claim",
    "UPDATE handovers h SET state = 'delivering', lease_owner = $3, lease_until = $2,"
    " next_attempt_at = $2, attempts = h.attempts + 1"
    " FROM (SELECT id FROM (SELECT due.id, due.next_attempt_at, row_number() OVER"
    " (PARTITION BY due.dealer_id ORDER BY due.next_attempt_at, due.id) AS n,"
    " coalesce(r.room, $5) AS room FROM (SELECT id, dealer_id, next_attempt_at FROM handovers"
    " WHERE state <> 'delivered' AND rejection = '' AND next_attempt_at <= $1"
    " AND NOT (dealer_id = ANY($6::text[])) ORDER BY next_attempt_at LIMIT $4 * 2 + 8"
    " FOR UPDATE SKIP LOCKED) due"
    " LEFT JOIN unnest($7::text[], $8::int[]) AS r(dealer_id, room) ON r.dealer_id = due.dealer_id"
    ") ranked WHERE n <= room ORDER BY next_attempt_at, id LIMIT $4) picked, dealers d"
    " WHERE h.id = picked.id AND h.state <> 'delivered' AND h.rejection = ''"
    " AND h.next_attempt_at <= $1 AND d.id = h.dealer_id"
    " RETURNING " SV_HANDOVER_COLUMNS ", d.crm_tls, d.crm_tls_root_certs, d.crm_token"};
constexpr Query kDelivered = {
    "handover_delivered",
    "WITH a AS (SELECT * FROM unnest($3::bigint[], $4::text[], $5::bool[]) AS a(id, ref, dup)),"
    " d AS (UPDATE handovers h SET state = 'delivered', delivered_at = $2, crm_reference = a.ref,"
    " last_error = '', lease_owner = '', lease_until = NULL FROM a"
    " WHERE h.id = a.id AND h.lease_owner = $1 AND h.state = 'delivering'"
    " RETURNING h.id, h.lead_id, a.ref, a.dup)"
    " INSERT INTO lead_events (lead_id, at, type, actor, summary)"
    " SELECT lead_id, $2, 'handover.delivered', 'dispatcher', 'handover ' || id ||"
    " ' delivered to the dealer''s CRM' || CASE WHEN ref = '' THEN '' ELSE ' as ' || ref END ||"
    " CASE WHEN dup THEN ' (it had it already)' ELSE '' END FROM d ORDER BY id"};
constexpr Query kRetry = {
    "handover_retry",
    "UPDATE handovers SET last_error = $3, next_attempt_at = $4, lease_owner = '',"
    " lease_until = NULL, flagged_at = coalesce(flagged_at, CASE WHEN $5 THEN $6::timestamptz END),"
    " state = CASE WHEN flagged_at IS NOT NULL OR $5 THEN 'flagged_undelivered'"
    " ELSE 'failed_retrying' END"
    " WHERE id = $1 AND lease_owner = $2 AND state = 'delivering' RETURNING lead_id"};
constexpr Query kRefused = {
    "handover_refused",
    "UPDATE handovers SET state = 'flagged_undelivered', rejection = $3, last_error = $3,"
    " flagged_at = coalesce(flagged_at, $4), lease_owner = '', lease_until = NULL"
    " WHERE id = $1 AND lease_owner = $2 AND state = 'delivering' RETURNING lead_id"};
constexpr Query kRetryDealer = {
    "handover_retry_dealer",
    "UPDATE handovers SET next_attempt_at = $2 WHERE dealer_id = $1 AND rejection = ''"
    " AND state IN ('failed_retrying', 'flagged_undelivered') AND next_attempt_at > $2"};
constexpr Query kFlagOverdue = {
    "handover_flag_overdue",
    "WITH f AS (UPDATE handovers SET flagged_at = $2, state = CASE WHEN state = 'delivering'"
    " THEN state ELSE 'flagged_undelivered' END WHERE state <> 'delivered' AND rejection = ''"
    " AND flagged_at IS NULL AND created_at <= $1 RETURNING dealer_id)"
    " SELECT dealer_id, count(*) FROM f GROUP BY dealer_id ORDER BY dealer_id"};
constexpr Query kNextDue = {
    "handover_next_due",
    "SELECT min(next_attempt_at) FROM handovers WHERE state <> 'delivered' AND rejection = ''"};
constexpr Query kGet = {"handover_get",
                        "SELECT " SV_HANDOVER_COLUMNS " FROM handovers h WHERE h.id = $1"};
constexpr Query kList = {
    "handover_list",
    "SELECT " SV_HANDOVER_COLUMNS
    " FROM handovers h"
    " WHERE ($1::text[] IS NULL OR h.dealer_id = ANY($1::text[]))"
    " AND ($2 = '' OR h.state = $2) AND ($3 = 0 OR h.id < $3) ORDER BY h.id DESC LIMIT $4"};
constexpr Query kPacket = {
    "handover_packet",
    "SELECT h.idempotency_key, h.dealer_id, h.lead_id, coalesce(h.attempt_id, 0), h.bdc_agent,"
    " h.created_at, d.name, d.time_zone, coalesce(i.file_name, ''),"
    " coalesce((SELECT a.name FROM agents a WHERE a.login = h.bdc_agent), ''),"
    " coalesce(s.needs, ''), coalesce(s.financing, ''), coalesce(s.timeframe, ''),"
    " coalesce(s.other, ''), ap.at, coalesce(ap.location, ''), coalesce(ap.with_whom, ''),"
    " coalesce(array_to_string(ap.expectations, ','), ''), coalesce(ap.expectations_text, '')"
    " FROM handovers h JOIN dealers d ON d.id = h.dealer_id JOIN leads l ON l.id = h.lead_id"
    " LEFT JOIN imports i ON i.id = l.import_id"
    " LEFT JOIN lead_statements s ON s.lead_id = h.lead_id"
    " LEFT JOIN appointments ap ON ap.id = h.appointment_id WHERE h.id = $1"};

constexpr Query kFeedbackLeadById = {"feedback_lead_by_id",
                                     "SELECT dealer_id FROM leads WHERE id = $1 FOR UPDATE"};
constexpr Query kFeedbackLeadByCrm = {
    "feedback_lead_by_crm",
    "SELECT id FROM leads WHERE id = (SELECT max(id) FROM (SELECT id FROM leads"
    " WHERE dealer_id = $1 AND crm_lead_id = $2 UNION ALL SELECT lead_id FROM handovers"
    " WHERE dealer_id = $1 AND crm_reference = $2) AS named) FOR UPDATE"};
constexpr Query kHandoverOfLead = {
    "handover_of_lead",
    "SELECT id, appointment_id FROM handovers WHERE lead_id = $1 AND ($2 = 0 OR id = $2)"
    " ORDER BY id DESC LIMIT 1"};
constexpr Query kMoveAppointment = {"appointment_move",
                                    "UPDATE appointments SET at = $2 WHERE id = $1"};
constexpr Query kInsertFeedback = {
    "feedback_insert",
    "INSERT INTO feedback (dealer_id, idempotency_key, lead_id, handover_id, kind, at,"
    " new_appointment_at, lost_reason, sale_amount_cents, notes, reported_by)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    " ON CONFLICT (dealer_id, idempotency_key) DO NOTHING RETURNING id"};

HandoverRow RowFrom(const PgResult& r, int i) {
  HandoverRow h;
  h.id = r.GetInt64(i, 0);
  h.lead_id = r.GetInt64(i, 1);
  h.dealer_id = r.GetString(i, 2);
  h.idempotency_key = r.GetString(i, 3);
  h.state = ParseDeliveryState(r.Get(i, 4)).value_or(DeliveryState::kPending);
  h.rejection = r.GetString(i, 5);
  h.attempts = r.GetInt(i, 6);
  h.last_error = r.GetString(i, 7);
  h.next_attempt_at = r.GetTime(i, 8);
  h.delivered_at = r.GetOptionalTime(i, 9);
  h.flagged_at = r.GetOptionalTime(i, 10);
  h.crm_reference = r.GetString(i, 11);
  h.created_at = r.GetTime(i, 12);
  h.crm_endpoint = r.IsNull(i, 13) ? "" : r.GetString(i, 13);
  return h;
}

// Why the lead came to the BDC, in a salesperson's words.
std::string ReasonFor(const domain::Lead& lead) {
  std::string why;
  switch (lead.origin) {
    case domain::LeadOrigin::kListImport:
      break;  // the list itself says why (its name and campaign travel with the packet)
    case domain::LeadOrigin::kCrmUnsold:
      why = "unsold";
      break;
    case domain::LeadOrigin::kCrmUnreached:
      why = "not reached by the dealer";
      break;
    case domain::LeadOrigin::kCrmProposalPending:
      why = "proposal pending";
      break;
  }
  if (why.empty() || lead.notes.empty()) return why.empty() ? lead.notes : why;
  return absl::StrCat(why, ": ", lead.notes);
}

absl::StatusOr<bool> Touched(absl::StatusOr<PgResult> r) {
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

}  // namespace

absl::string_view Name(DeliveryState state) {
  switch (state) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivering:
      return "delivering";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailedRetrying:
      return "failed_retrying";
    case DeliveryState::kFlaggedUndelivered:
      return "flagged_undelivered";
  }
  return "pending";
}

std::optional<DeliveryState> ParseDeliveryState(absl::string_view name) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kDelivering, DeliveryState::kDelivered,
        DeliveryState::kFailedRetrying, DeliveryState::kFlaggedUndelivered}) {
    if (Name(s) == name) return s;
  }
  return std::nullopt;
}

absl::Status MergeStatements(PgConn& conn, int64_t lead_id, const handover::Statements& s) {
  if (s.empty()) return absl::OkStatus();
  return conn.Exec(kMergeStatements, {lead_id, s.needs, s.financing, s.timeframe, s.other})
      .status();
}

absl::Status AddVehicle(PgConn& conn, int64_t lead_id, const domain::Vehicle& v) {
  return conn
      .Exec(kAddVehicle, {lead_id, domain::Name(v.role), v.used, v.year, v.make, v.model, v.trim,
                          v.vin, v.odometer_km, v.price_cents, v.comments})
      .status();
}

absl::StatusOr<int64_t> InsertAppointment(PgConn& conn, int64_t lead_id, int64_t attempt_id,
                                          const handover::Appointment& a) {
  std::vector<std::string> expectations;
  for (handover::Expectation e : a.expectations) {
    expectations.emplace_back(handover::Name(e));
  }
  ASSIGN_OR_RETURN(
      PgResult r, conn.Exec(kInsertAppointment, {lead_id, attempt_id, a.at, a.location, a.with_whom,
                                                 ArrayLiteral(expectations), a.expectations_text}));
  return r.GetInt64(0, 0);
}

absl::StatusOr<int64_t> CreateHandover(PgConn& conn, const NewHandover& h) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kCreate, {h.lead_id, h.dealer_id, h.attempt_id,
                                                   h.appointment_id, h.bdc_agent}));
  return r.GetInt64(0, 0);
}

absl::StatusOr<std::vector<HandoverRow>> ClaimDueHandovers(PgConn& conn, const HandoverClaim& c) {
  std::vector<std::string> none, some, rooms;
  for (const auto& [dealer, room] : c.room) {
    if (room <= 0) {
      none.push_back(dealer);
    } else if (room < c.per_dealer) {
      some.push_back(dealer);
      rooms.push_back(absl::StrCat(room));
    }
  }
  ASSIGN_OR_RETURN(
      PgResult r, conn.Exec(kClaim, {c.now, c.lease_until, c.owner, c.limit, c.per_dealer,
                                     ArrayLiteral(none), ArrayLiteral(some), ArrayLiteral(rooms)}));
  std::vector<HandoverRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    HandoverRow& row = out.emplace_back(RowFrom(r, i));
    row.crm_tls = r.GetBool(i, 14);
    row.crm_tls_root_certs = r.GetString(i, 15);
    row.crm_token = r.GetString(i, 16);
  }
  return out;
}

absl::StatusOr<int64_t> MarkDelivered(PgConn& conn, absl::string_view owner, absl::Time at,
                                      const std::vector<Delivered>& delivered) {
  if (delivered.empty()) return 0;
  std::vector<std::string> ids, refs, dups;
  for (const Delivered& d : delivered) {
    ids.push_back(absl::StrCat(d.id));
    refs.push_back(d.crm_reference);
    dups.push_back(d.duplicate ? "t" : "f");
  }
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kDelivered, {owner, at, ArrayLiteral(ids),
                                                      ArrayLiteral(refs), ArrayLiteral(dups)}));
  return r.affected();
}

absl::StatusOr<bool> MarkRetry(PgConn& conn, int64_t id, absl::string_view owner,
                               absl::string_view error, absl::Time next_attempt_at, bool flag,
                               absl::Time now) {
  return Touched(conn.Exec(kRetry, {id, owner, error, next_attempt_at, flag, now}));
}

absl::StatusOr<bool> MarkRefused(PgConn& conn, int64_t id, absl::string_view owner,
                                 absl::string_view reason, absl::Time now) {
  return Touched(conn.Exec(kRefused, {id, owner, reason, now}));
}

absl::StatusOr<int64_t> RetryDealerNow(PgConn& conn, absl::string_view dealer_id, absl::Time now) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kRetryDealer, {dealer_id, now}));
  return r.affected();
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> FlagOverdueHandovers(
    PgConn& conn, absl::Time created_before, absl::Time now) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFlagOverdue, {created_before, now}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.GetString(i, 0), r.GetInt64(i, 1));
  return out;
}

absl::StatusOr<std::optional<absl::Time>> NextHandoverDue(PgConn& conn) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kNextDue));
  return r.GetOptionalTime(0, 0);
}

absl::StatusOr<HandoverRow> GetHandover(PgConn& conn, int64_t id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGet, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("handover ", id, " not found"));
  return RowFrom(r, 0);
}

absl::StatusOr<std::vector<HandoverRow>> ListHandovers(PgConn& conn, const HandoverSearch& s) {
  std::optional<std::string> dealers;
  if (!s.dealers.empty()) dealers = ArrayLiteral(s.dealers);
  const std::string state = s.state ? std::string(Name(*s.state)) : "";
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kList, {dealers, state, s.before_id, s.limit}));
  std::vector<HandoverRow> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(RowFrom(r, i));
  return out;
}

absl::StatusOr<int64_t> LockFeedbackLead(PgConn& conn, absl::string_view dealer_id, int64_t lead_id,
                                         absl::string_view crm_lead_id) {
  if (lead_id > 0) {
    ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFeedbackLeadById, {lead_id}));
    // Another dealer's lead is reported as missing: its existence is not this CRM's business.
    if (r.rows() == 0 || r.Get(0, 0) != dealer_id) {
      return absl::NotFoundError(
          absl::StrCat("lead_id: lead ", lead_id, " is not a lead of dealer '", dealer_id, "'"));
    }
    return lead_id;
  }
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFeedbackLeadByCrm, {dealer_id, crm_lead_id}));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("crm_lead_id: no lead or handover of dealer '",
                                            dealer_id, "' is known as '", crm_lead_id, "'"));
  }
  return r.GetInt64(0, 0);
}

absl::StatusOr<std::optional<LeadHandover>> HandoverOfLead(PgConn& conn, int64_t lead_id,
                                                           int64_t handover_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kHandoverOfLead, {lead_id, handover_id}));
  if (r.rows() == 0) return std::nullopt;
  LeadHandover h{.id = r.GetInt64(0, 0), .appointment_id = std::nullopt};
  if (!r.IsNull(0, 1)) h.appointment_id = r.GetInt64(0, 1);
  return h;
}

absl::Status MoveAppointment(PgConn& conn, int64_t appointment_id, absl::Time at) {
  return conn.Exec(kMoveAppointment, {appointment_id, at}).status();
}

absl::StatusOr<std::optional<int64_t>> InsertFeedback(PgConn& conn, const FeedbackRecord& f) {
  ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(kInsertFeedback, {f.dealer_id, f.idempotency_key, f.lead_id, f.handover_id,
                                  domain::Name(f.kind), f.at, f.new_appointment_at, f.lost_reason,
                                  f.sale_amount_cents, f.notes, f.reported_by}));
  if (r.rows() == 0) return std::nullopt;
  return r.GetInt64(0, 0);
}

absl::StatusOr<handover::Packet> LoadPacket(PgConn& conn, int64_t handover_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kPacket, {handover_id}));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("handover ", handover_id, " not found"));
  }
  handover::Packet p;
  p.handover_id = handover_id;
  p.idempotency_key = r.GetString(0, 0);
  p.dealer_id = r.GetString(0, 1);
  const int64_t lead_id = r.GetInt64(0, 2);
  const int64_t attempt_id = r.GetInt64(0, 3);
  p.bdc_agent = r.GetString(0, 4);
  p.created_at = r.GetTime(0, 5);
  p.dealer_name = r.GetString(0, 6);
  if (!absl::LoadTimeZone(r.GetString(0, 7), &p.dealer_time_zone)) {
    p.dealer_time_zone = absl::UTCTimeZone();
  }
  p.list_name = r.GetString(0, 8);
  p.bdc_agent_name = r.GetString(0, 9);
  p.statements = handover::Statements{.needs = r.GetString(0, 10),
                                      .financing = r.GetString(0, 11),
                                      .timeframe = r.GetString(0, 12),
                                      .other = r.GetString(0, 13)};
  if (!r.IsNull(0, 14)) {
    p.appointment.at = r.GetTime(0, 14);
    p.appointment.location = r.GetString(0, 15);
    p.appointment.with_whom = r.GetString(0, 16);
    for (absl::string_view e : absl::StrSplit(r.Get(0, 17), ',', absl::SkipEmpty())) {
      if (auto known = handover::ParseExpectation(e)) p.appointment.expectations.push_back(*known);
    }
    p.appointment.expectations_text = r.GetString(0, 18);
  }
  ASSIGN_OR_RETURN(p.lead, GetLead(conn, lead_id));
  p.reason = ReasonFor(p.lead);
  ASSIGN_OR_RETURN(std::vector<domain::Attempt> attempts, ListAttempts(conn, lead_id));
  for (const domain::Attempt& a : attempts) {
    // The story up to the handover: what came after belongs to the next one.
    if (!a.outcome || (attempt_id != 0 && a.id > attempt_id)) continue;
    p.history.push_back(handover::Contact{.at = a.started_at,
                                          .channel = a.channel,
                                          .by = a.by,
                                          .outcome = a.outcome,
                                          .notes = a.notes});
  }
  return p;
}

}  // namespace secondvoice::store
