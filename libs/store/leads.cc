// SQL for leads, contact routes, vehicles, attempts and events.
#include "libs/store/leads.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/cadence/cadence.h"
#include "libs/common/status_macros.h"
#include "libs/store/schedule.h"

namespace secondvoice::store {
namespace {

#define SV_LEAD_COLUMNS                                                                      \
  "id, dealer_id, coalesce(campaign_id, 0), kind, origin, source, crm_lead_id, salesperson," \
  " first_name, last_name, customer_id, language, accessibility_notes, preferred_channel,"   \
  " consent_basis, consent_source, consent_given_at, relationship_last_at, status, notes,"   \
  " originated_at, created_at, updated_at"

constexpr Query kInsertLead = {
    "lead_insert",
    "INSERT INTO leads (dealer_id, campaign_id, kind, origin, source, crm_lead_id, salesperson,"
    " first_name, last_name, customer_id, language, accessibility_notes, preferred_channel,"
    " consent_basis, consent_source, consent_given_at, relationship_last_at, status, notes,"
    " originated_at, category) VALUES ($1, nullif($2::bigint, 0), $3, $4, $5, $6, $7, $8, $9, $10,"
    " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id, created_at, updated_at"};
constexpr Query kInsertRoute = {
    "lead_insert_route",
    "INSERT INTO contact_routes (lead_id, position, channel, raw_value, normalized_value,"
    " phone_type, usable, preferred, preferred_times) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
constexpr Query kInsertVehicle = {
    "lead_insert_vehicle",
    "INSERT INTO vehicles (lead_id, position, role, used, year, make, model, trim, vin,"
    " odometer_km, price_cents, comments) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12)"};
// A lead in a campaign that may still be contacted is due at once; claimers are woken.
constexpr Query kSchedule = {
    "lead_schedule_insert",
    "WITH s AS (INSERT INTO lead_schedule (lead_id, campaign_id, dealer_id, rank, origin,"
    " consent_basis, consent_given_at, relationship_last_at, first_name, last_name, routes,"
    " route_values, action) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text[],"
    " $13)"
    " RETURNING campaign_id)"
    " SELECT pg_notify('sv_schedule', campaign_id::text) FROM s"};
constexpr Query kGetLead = {"lead_get", "SELECT " SV_LEAD_COLUMNS " FROM leads WHERE id = $1"};
constexpr Query kSearch = {
    "lead_search",
    "SELECT " SV_LEAD_COLUMNS
    " FROM leads l WHERE l.dealer_id = $1 AND l.id > $2"
    " AND ($3 = '' OR EXISTS (SELECT 1 FROM contact_routes r WHERE r.lead_id = l.id"
    "   AND r.channel IN ('phone', 'sms') AND (r.normalized_value = $3 OR r.raw_value = $3)))"
    " AND ($4 = '' OR EXISTS (SELECT 1 FROM contact_routes r WHERE r.lead_id = l.id"
    "   AND r.channel = 'email' AND r.normalized_value = $4))"
    " AND ($5 = '' OR l.customer_id = $5) AND ($6 = '' OR l.crm_lead_id = $6)"
    " AND ($7 = 0 OR l.campaign_id = $7) ORDER BY l.id LIMIT $8"};
constexpr Query kRoutes = {
    "lead_routes",
    "SELECT lead_id, channel, raw_value, normalized_value, phone_type, usable, preferred,"
    " preferred_times FROM contact_routes WHERE lead_id = ANY($1::bigint[])"
    " ORDER BY lead_id, position"};
constexpr Query kVehicles = {
    "lead_vehicles",
    "SELECT lead_id, role, used, year, make, model, trim, vin, odometer_km, price_cents, comments"
    " FROM vehicles WHERE lead_id = ANY($1::bigint[]) ORDER BY lead_id, position"};
constexpr Query kAppendEvent = {
    "lead_append_event",
    "INSERT INTO lead_events (lead_id, at, type, actor, summary, details)"
    " VALUES ($1, coalesce($2::timestamptz, now()), $3, $4, $5, $6::jsonb) RETURNING id"};
constexpr Query kEvents = {
    "lead_events",
    "SELECT id, lead_id, at, type, actor, summary, details::text FROM lead_events"
    " WHERE lead_id = $1 ORDER BY id"};
constexpr Query kAttempts = {
    "lead_attempts",
    "SELECT id, lead_id, coalesce(campaign_id, 0), channel, by_whom, started_at, ended_at,"
    " outcome, notes FROM attempts WHERE lead_id = $1 ORDER BY started_at, id"};

domain::Lead LeadFrom(const PgResult& r, int row) {
  domain::Lead l;
  l.id = r.GetInt64(row, 0);
  l.dealer_id = r.GetString(row, 1);
  l.campaign_id = r.GetInt64(row, 2);
  l.kind = domain::ParseLeadKind(r.Get(row, 3)).value_or(domain::LeadKind::kPassive);
  l.origin = domain::ParseLeadOrigin(r.Get(row, 4)).value_or(domain::LeadOrigin::kListImport);
  l.source = r.GetString(row, 5);
  l.crm_lead_id = r.GetString(row, 6);
  l.salesperson = r.GetString(row, 7);
  l.first_name = r.GetString(row, 8);
  l.last_name = r.GetString(row, 9);
  l.customer_id = r.GetString(row, 10);
  l.language = r.GetString(row, 11);
  l.accessibility_notes = r.GetString(row, 12);
  if (!r.IsNull(row, 13)) l.preferred_channel = domain::ParseChannel(r.Get(row, 13));
  l.consent.basis = domain::ParseConsentBasis(r.Get(row, 14)).value_or(domain::ConsentBasis::kNone);
  l.consent.source = r.GetString(row, 15);
  l.consent.given_at = r.GetOptionalTime(row, 16);
  l.consent.relationship_last_at = r.GetOptionalTime(row, 17);
  l.status = domain::ParseLeadStatus(r.Get(row, 18)).value_or(domain::LeadStatus::kNew);
  l.notes = r.GetString(row, 19);
  l.originated_at = r.GetOptionalTime(row, 20);
  l.created_at = r.GetTime(row, 21);
  l.updated_at = r.GetTime(row, 22);
  return l;
}

// Fills contact routes and vehicles of `leads` with two queries, whatever their number.
absl::Status LoadParts(PgConn& conn, std::vector<domain::Lead>& leads) {
  if (leads.empty()) return absl::OkStatus();
  absl::flat_hash_map<int64_t, domain::Lead*> by_id;
  std::vector<int64_t> ids;
  for (domain::Lead& l : leads) {
    by_id[l.id] = &l;
    ids.push_back(l.id);
  }
  const std::string id_array = absl::StrCat("{", absl::StrJoin(ids, ","), "}");
  ASSIGN_OR_RETURN(PgResult routes, conn.Exec(kRoutes, {id_array}));
  for (int i = 0; i < routes.rows(); ++i) {
    by_id[routes.GetInt64(i, 0)]->contact_routes.push_back(domain::ContactRoute{
        .channel = domain::ParseChannel(routes.Get(i, 1)).value_or(domain::Channel::kPhone),
        .raw_value = routes.GetString(i, 2),
        .normalized_value = routes.GetString(i, 3),
        .phone_type =
            domain::ParsePhoneType(routes.Get(i, 4)).value_or(domain::PhoneType::kUnknown),
        .usable = routes.GetBool(i, 5),
        .preferred = routes.GetBool(i, 6),
        .preferred_times = routes.GetString(i, 7)});
  }
  ASSIGN_OR_RETURN(PgResult vehicles, conn.Exec(kVehicles, {id_array}));
  for (int i = 0; i < vehicles.rows(); ++i) {
    by_id[vehicles.GetInt64(i, 0)]->vehicles.push_back(domain::Vehicle{
        .role =
            domain::ParseVehicleRole(vehicles.Get(i, 1)).value_or(domain::VehicleRole::kInterest),
        .used = vehicles.GetBool(i, 2),
        .year = vehicles.GetInt(i, 3),
        .make = vehicles.GetString(i, 4),
        .model = vehicles.GetString(i, 5),
        .trim = vehicles.GetString(i, 6),
        .vin = vehicles.GetString(i, 7),
        .odometer_km = vehicles.GetInt64(i, 8),
        .price_cents = vehicles.GetInt64(i, 9),
        .comments = vehicles.GetString(i, 10)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InsertLead(PgConn& conn, domain::Lead& l, absl::string_view actor) {
  std::optional<absl::string_view> preferred;
  if (l.preferred_channel) preferred = domain::Name(*l.preferred_channel);
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kInsertLead, {l.dealer_id,
                                                       l.campaign_id,
                                                       domain::Name(l.kind),
                                                       domain::Name(l.origin),
                                                       l.source,
                                                       l.crm_lead_id,
                                                       l.salesperson,
                                                       l.first_name,
                                                       l.last_name,
                                                       l.customer_id,
                                                       l.language,
                                                       l.accessibility_notes,
                                                       preferred,
                                                       domain::Name(l.consent.basis),
                                                       l.consent.source,
                                                       l.consent.given_at,
                                                       l.consent.relationship_last_at,
                                                       domain::Name(l.status),
                                                       l.notes,
                                                       l.originated_at,
                                                       l.category}));
  l.id = r.GetInt64(0, 0);
  l.created_at = r.GetTime(0, 1);
  l.updated_at = r.GetTime(0, 2);
  for (size_t i = 0; i < l.contact_routes.size(); ++i) {
    const domain::ContactRoute& c = l.contact_routes[i];
    RETURN_IF_ERROR(
        conn.Exec(kInsertRoute, {l.id, static_cast<int>(i), domain::Name(c.channel), c.raw_value,
                                 c.normalized_value, domain::Name(c.phone_type), c.usable,
                                 c.preferred, c.preferred_times})
            .status());
  }
  for (size_t i = 0; i < l.vehicles.size(); ++i) {
    const domain::Vehicle& v = l.vehicles[i];
    RETURN_IF_ERROR(conn.Exec(kInsertVehicle, {l.id, static_cast<int>(i), domain::Name(v.role),
                                               v.used, v.year, v.make, v.model, v.trim, v.vin,
                                               v.odometer_km, v.price_cents, v.comments})
                        .status());
  }
  domain::LeadEvent created{
      .lead_id = l.id,
      .at = l.created_at,
      .type = "lead.created",
      .actor = std::string(actor),
      .summary = absl::StrCat(domain::Name(l.kind), " lead from ", domain::Name(l.origin)),
      .details_json = "{}"};
  RETURN_IF_ERROR(AppendEvent(conn, created).status());
  if (l.campaign_id == 0 ||
      (l.status != domain::LeadStatus::kNew && l.status != domain::LeadStatus::kInProgress)) {
    return absl::OkStatus();
  }
  const int rank = FirstRank(l.origin, l.contact_routes);
  return conn
      .Exec(kSchedule,
            {l.id, l.campaign_id, l.dealer_id, rank, domain::Name(l.origin),
             domain::Name(l.consent.basis), l.consent.given_at, l.consent.relationship_last_at,
             l.first_name, l.last_name, EncodeRoutes(l.contact_routes),
             RouteValuesLiteral(l.contact_routes), FirstAction(rank)})
      .status();
}

absl::StatusOr<domain::Lead> GetLead(PgConn& conn, int64_t id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGetLead, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("lead ", id, " not found"));
  std::vector<domain::Lead> leads = {LeadFrom(r, 0)};
  RETURN_IF_ERROR(LoadParts(conn, leads));
  return std::move(leads.front());
}

absl::StatusOr<std::vector<domain::Lead>> SearchLeads(PgConn& conn, const LeadSearch& s) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kSearch, {s.dealer_id, s.after_id, s.phone, s.email, s.customer_id,
                                       s.crm_lead_id, s.campaign_id, s.limit}));
  std::vector<domain::Lead> leads;
  for (int i = 0; i < r.rows(); ++i) leads.push_back(LeadFrom(r, i));
  RETURN_IF_ERROR(LoadParts(conn, leads));
  return leads;
}

absl::StatusOr<int64_t> AppendEvent(PgConn& conn, const domain::LeadEvent& e) {
  std::optional<absl::Time> at;
  if (e.at != absl::Time()) at = e.at;
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kAppendEvent, {e.lead_id, at, e.type, e.actor, e.summary,
                                            e.details_json.empty() ? "{}" : e.details_json}));
  return r.GetInt64(0, 0);
}

absl::StatusOr<std::vector<domain::LeadEvent>> ListEvents(PgConn& conn, int64_t lead_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kEvents, {lead_id}));
  std::vector<domain::LeadEvent> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(domain::LeadEvent{.id = r.GetInt64(i, 0),
                                    .lead_id = r.GetInt64(i, 1),
                                    .at = r.GetTime(i, 2),
                                    .type = r.GetString(i, 3),
                                    .actor = r.GetString(i, 4),
                                    .summary = r.GetString(i, 5),
                                    .details_json = r.GetString(i, 6)});
  }
  return out;
}

absl::StatusOr<std::vector<domain::Attempt>> ListAttempts(PgConn& conn, int64_t lead_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAttempts, {lead_id}));
  std::vector<domain::Attempt> out;
  for (int i = 0; i < r.rows(); ++i) {
    domain::Attempt a{
        .id = r.GetInt64(i, 0),
        .lead_id = r.GetInt64(i, 1),
        .campaign_id = r.GetInt64(i, 2),
        .channel = domain::ParseChannel(r.Get(i, 3)).value_or(domain::Channel::kPhone),
        .by = r.GetString(i, 4),
        .started_at = r.GetTime(i, 5),
        .ended_at = r.GetOptionalTime(i, 6),
        .outcome = std::nullopt,
        .notes = r.GetString(i, 8)};
    if (!r.IsNull(i, 7)) a.outcome = domain::ParseAttemptOutcome(r.Get(i, 7));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace secondvoice::store
