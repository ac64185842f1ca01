// SQL and COPY for list imports.
#include "libs/store/imports.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/cadence/cadence.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"
#include "libs/store/schedule.h"

namespace secondvoice::store {
namespace {

constexpr Query kInsertImport = {
    "import_insert",
    "INSERT INTO imports (campaign_id, file_name, created_by, status) VALUES ($1, $2, $3, $4)"
    " RETURNING id"};
constexpr Query kFinishImport = {
    "import_finish",
    "UPDATE imports SET status = $2, rows_read = $3, imported = $4, merged_into_existing = $5,"
    " rejected = $6, no_usable_contact_route = $7, without_lawful_basis = $8, suppressed = $9,"
    " error = $10, finished_at = now() WHERE id = $1"};
constexpr Query kGetImport = {
    "import_get",
    "SELECT id, campaign_id, file_name, status, rows_read, imported, merged_into_existing,"
    " rejected, no_usable_contact_route, without_lawful_basis, suppressed, error, started_at,"
    " finished_at FROM imports WHERE id = $1"};
constexpr Query kRejects = {
    "import_rejects",
    "SELECT line, reason FROM import_rejects WHERE import_id = $1 ORDER BY line LIMIT $2"};
constexpr Query kIdentities = {
    "import_identities_cursor",
    "DECLARE import_identities NO SCROLL CURSOR FOR"
    " SELECT l.dealer_id, l.id, CASE r.channel WHEN 'email' THEN 'e:' ELSE 'p:' END"
    "   || r.normalized_value FROM leads l JOIN contact_routes r ON r.lead_id = l.id"
    "   WHERE l.dealer_id = ANY($1::text[]) AND r.normalized_value <> ''"
    " UNION ALL SELECT dealer_id, id, 'c:' || customer_id FROM leads"
    "   WHERE dealer_id = ANY($1::text[]) AND customer_id <> ''"};
constexpr Query kFetch = {"import_identities_fetch", "FETCH 20000 FROM import_identities"};
constexpr Query kClose = {"import_identities_close", "CLOSE import_identities"};
constexpr Query kSuppressions = {
    "suppressions_list",
    "SELECT coalesce(dealer_id, ''), channel, value, reason, source FROM suppressions"
    " WHERE dealer_id IS NULL OR dealer_id = ANY($1::text[])"};
constexpr Query kAddSuppression = {
    "suppression_add",
    "INSERT INTO suppressions (dealer_id, channel, value, reason, source)"
    " VALUES (nullif($1, ''), $2, $3, $4, $5) ON CONFLICT DO NOTHING"};
constexpr Query kReserveIds = {"leads_reserve_ids",
                               "SELECT nextval('leads_id_seq') FROM generate_series(1, $1)"};

constexpr char kCopyLeads[] =
    "COPY leads (id, dealer_id, campaign_id, kind, origin, source, first_name, last_name,"
    " customer_id, language, preferred_channel, consent_basis, consent_source, consent_given_at,"
    " relationship_last_at, notes, import_id, source_line) FROM STDIN";
constexpr char kCopyRoutes[] =
    "COPY contact_routes (lead_id, position, channel, raw_value, normalized_value, phone_type,"
    " usable, preferred, preferred_times) FROM STDIN";
constexpr char kCopyVehicles[] =
    "COPY vehicles (lead_id, position, role, used, year, make, model, trim, vin, odometer_km,"
    " price_cents, comments) FROM STDIN";
constexpr char kCopySchedule[] =
    "COPY lead_schedule (lead_id, campaign_id, dealer_id, rank, action, origin, consent_basis,"
    " consent_given_at, relationship_last_at, first_name, last_name, routes, route_values)"
    " FROM STDIN";
constexpr char kCopyEvents[] =
    "COPY lead_events (lead_id, type, actor, summary, details) FROM STDIN";

// Appends `value` as one COPY text field (backslash, tab, newline and CR escaped).
void Field(std::string& out, absl::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

void Time(std::string& out, const std::optional<absl::Time>& t) {
  if (!t) {
    out += "\\N";
  } else {
    out += absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", *t, absl::UTCTimeZone());
  }
}

// Appends fields joined by tabs and ends the line.
template <typename... F>
void Line(std::string& out, F&&... fields) {
  bool first = true;
  auto one = [&](auto&& f) {
    if (!first) out += '\t';
    first = false;
    f(out);
  };
  (one(fields), ...);
  out += '\n';
}

auto Text(absl::string_view v) {
  return [v](std::string& out) { Field(out, v); };
}
auto Int(int64_t v) {
  return [v](std::string& out) { absl::StrAppend(&out, v); };
}
auto Bool(bool v) {
  return [v](std::string& out) { out += v ? 't' : 'f'; };
}
auto OptTime(const std::optional<absl::Time>& v) {
  return [v](std::string& out) { Time(out, v); };
}
auto OptText(std::optional<absl::string_view> v) {
  return [v](std::string& out) {
    if (v) {
      Field(out, *v);
    } else {
      out += "\\N";
    }
  };
}

}  // namespace

absl::StatusOr<int64_t> InsertImport(PgConn& conn, int64_t campaign_id, absl::string_view file_name,
                                     absl::string_view created_by, absl::string_view status) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kInsertImport, {campaign_id, file_name, created_by, status}));
  return r.GetInt64(0, 0);
}

absl::Status FinishImport(PgConn& conn, const ImportSummary& s) {
  return conn
      .Exec(kFinishImport,
            {s.id, s.status, s.rows_read, s.imported, s.merged_into_existing, s.rejected,
             s.no_usable_contact_route, s.without_lawful_basis, s.suppressed, s.error})
      .status();
}

absl::StatusOr<ImportSummary> GetImport(PgConn& conn, int64_t id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGetImport, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("import ", id, " not found"));
  return ImportSummary{.id = r.GetInt64(0, 0),
                       .campaign_id = r.GetInt64(0, 1),
                       .file_name = r.GetString(0, 2),
                       .status = r.GetString(0, 3),
                       .rows_read = r.GetInt64(0, 4),
                       .imported = r.GetInt64(0, 5),
                       .merged_into_existing = r.GetInt64(0, 6),
                       .rejected = r.GetInt64(0, 7),
                       .no_usable_contact_route = r.GetInt64(0, 8),
                       .without_lawful_basis = r.GetInt64(0, 9),
                       .suppressed = r.GetInt64(0, 10),
                       .error = r.GetString(0, 11),
                       .started_at = r.GetTime(0, 12),
                       .finished_at = r.GetOptionalTime(0, 13)};
}

absl::StatusOr<std::vector<RejectedRow>> ListRejects(PgConn& conn, int64_t import_id, int limit) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kRejects, {import_id, limit}));
  std::vector<RejectedRow> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.GetInt64(i, 0), r.GetString(i, 1)});
  return out;
}

absl::Status InsertRejects(PgConn& conn, int64_t import_id,
                           const std::vector<RejectedRow>& rejects) {
  if (rejects.empty()) return absl::OkStatus();
  std::string data;
  for (const RejectedRow& r : rejects) Line(data, Int(import_id), Int(r.line), Text(r.reason));
  return conn.CopyIn("COPY import_rejects (import_id, line, reason) FROM STDIN", data).status();
}

absl::Status ForEachIdentity(
    PgConn& conn, const std::vector<std::string>& dealer_ids,
    const std::function<void(absl::string_view, int64_t, absl::string_view)>& fn) {
  RETURN_IF_ERROR(conn.ExecOnce(kIdentities, {ArrayLiteral(dealer_ids)}).status());
  for (;;) {
    ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFetch));
    for (int i = 0; i < r.rows(); ++i) fn(r.Get(i, 0), r.GetInt64(i, 1), r.Get(i, 2));
    if (r.rows() == 0) break;
  }
  return conn.Exec(kClose).status();
}

absl::StatusOr<std::vector<Suppression>> ListSuppressions(
    PgConn& conn, const std::vector<std::string>& dealer_ids) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kSuppressions, {ArrayLiteral(dealer_ids)}));
  std::vector<Suppression> out;
  for (int i = 0; i < r.rows(); ++i) {
    Suppression s{.dealer_id = r.GetString(i, 0),
                  .value = r.GetString(i, 2),
                  .reason = r.GetString(i, 3),
                  .source = r.GetString(i, 4)};
    if (r.Get(i, 1) == "all") {
      s.all_channels = true;
    } else {
      s.channel = domain::ParseChannel(r.Get(i, 1)).value_or(domain::Channel::kPhone);
    }
    out.push_back(std::move(s));
  }
  return out;
}

absl::Status AddSuppression(PgConn& conn, const Suppression& s) {
  const absl::string_view channel = s.all_channels ? "all" : domain::Name(s.channel);
  return conn.Exec(kAddSuppression, {s.dealer_id, channel, s.value, s.reason, s.source}).status();
}

absl::StatusOr<std::vector<int64_t>> ReserveLeadIds(PgConn& conn, int n) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kReserveIds, {n}));
  std::vector<int64_t> ids;
  ids.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.GetInt64(i, 0));
  return ids;
}

void LeadCopy::AddLead(const domain::Lead& l, int64_t import_id, int64_t source_line) {
  std::optional<absl::string_view> preferred;
  if (l.preferred_channel) preferred = domain::Name(*l.preferred_channel);
  Line(leads_, Int(l.id), Text(l.dealer_id), Int(l.campaign_id), Text(domain::Name(l.kind)),
       Text(domain::Name(l.origin)), Text(l.source), Text(l.first_name), Text(l.last_name),
       Text(l.customer_id), Text(l.language), OptText(preferred),
       Text(domain::Name(l.consent.basis)), Text(l.consent.source), OptTime(l.consent.given_at),
       OptTime(l.consent.relationship_last_at), Text(l.notes), Int(import_id), Int(source_line));
  for (size_t i = 0; i < l.contact_routes.size(); ++i) {
    RouteLine(l.id, static_cast<int>(i), l.contact_routes[i]);
  }
  if (l.campaign_id != 0) {
    const int rank = FirstRank(l.origin, l.contact_routes);
    Line(schedule_, Int(l.id), Int(l.campaign_id), Text(l.dealer_id), Int(rank),
         Text(FirstAction(rank)), Text(domain::Name(l.origin)), Text(domain::Name(l.consent.basis)),
         OptTime(l.consent.given_at), OptTime(l.consent.relationship_last_at), Text(l.first_name),
         Text(l.last_name), Text(EncodeRoutes(l.contact_routes)),
         Text(RouteValuesLiteral(l.contact_routes)));
  }
  for (size_t i = 0; i < l.vehicles.size(); ++i) {
    const domain::Vehicle& v = l.vehicles[i];
    Line(vehicles_, Int(l.id), Int(static_cast<int64_t>(i)), Text(domain::Name(v.role)),
         Bool(v.used), Int(v.year), Text(v.make), Text(v.model), Text(v.trim), Text(v.vin),
         Int(v.odometer_km), Int(v.price_cents), Text(v.comments));
  }
}

void LeadCopy::AddRoute(int64_t lead_id, int position, const domain::ContactRoute& r) {
  RouteLine(lead_id, position, r);
  merged_.push_back(lead_id);
}

void LeadCopy::RouteLine(int64_t lead_id, int position, const domain::ContactRoute& r) {
  Line(routes_, Int(lead_id), Int(position), Text(domain::Name(r.channel)), Text(r.raw_value),
       Text(r.normalized_value), Text(domain::Name(r.phone_type)), Bool(r.usable),
       Bool(r.preferred), Text(r.preferred_times));
}

void LeadCopy::AddEvent(int64_t lead_id, absl::string_view type, absl::string_view actor,
                        absl::string_view summary, absl::string_view details_json) {
  Line(events_, Int(lead_id), Text(type), Text(actor), Text(summary),
       Text(details_json.empty() ? "{}" : details_json));
}

absl::Status LeadCopy::Flush(PgConn& conn) {
  // Parents first: routes, vehicles and events reference their leads.
  const std::pair<const char*, std::string*> tables[] = {{kCopyLeads, &leads_},
                                                         {kCopyRoutes, &routes_},
                                                         {kCopyVehicles, &vehicles_},
                                                         {kCopyEvents, &events_},
                                                         {kCopySchedule, &schedule_}};
  for (auto& [sql, data] : tables) {
    if (data->empty()) continue;
    RETURN_IF_ERROR(conn.CopyIn(sql, *data).status());
    data->clear();
  }
  // Leads that got routes from a duplicate row: their schedule rows copy the routes anew.
  std::sort(merged_.begin(), merged_.end());
  merged_.erase(std::unique(merged_.begin(), merged_.end()), merged_.end());
  RETURN_IF_ERROR(RefreshScheduledRoutes(conn, merged_));
  merged_.clear();
  return absl::OkStatus();
}

}  // namespace secondvoice::store
