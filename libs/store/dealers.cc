// SQL for dealers and queues.
#include "libs/store/dealers.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/store/schedule.h"

namespace secondvoice::store {
namespace {

#define SV_DEALER_COLUMNS                                                                        \
  "id, name, country, time_zone, opening_hours, crm_endpoint, created_at, updated_at, holidays," \
  " crm_tls, crm_tls_root_certs, crm_token"

constexpr Query kInsertDealer = {
    "dealer_insert",
    "INSERT INTO dealers (id, name, country, time_zone, opening_hours, crm_endpoint, holidays,"
    " crm_tls, crm_tls_root_certs, crm_token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    " RETURNING created_at, updated_at"};
constexpr Query kGetDealer = {"dealer_get",
                              "SELECT " SV_DEALER_COLUMNS " FROM dealers WHERE id = $1"};
constexpr Query kListDealers = {
    "dealer_list", "SELECT " SV_DEALER_COLUMNS
                   " FROM dealers WHERE id > $1"
                   " AND ($3::text[] IS NULL OR id = ANY($3::text[])) ORDER BY id LIMIT $2"};
constexpr Query kUpdateDealer = {
    "dealer_update",
    "UPDATE dealers SET name = $2, country = $3, time_zone = $4, opening_hours = $5,"
    " crm_endpoint = $6, holidays = $7, crm_tls = $8, crm_tls_root_certs = $9,"
    // The stored token is kept only while it goes to the same endpoint over TLS: a changed
    // address or plain text needs it given again.
    " crm_token = CASE WHEN $11 THEN '' WHEN $10 <> '' THEN $10"
    " WHEN crm_endpoint = $6 AND crm_tls AND $8 THEN crm_token ELSE '' END,"
    " updated_at = now() WHERE id = $1 RETURNING created_at, updated_at, crm_token"};

constexpr Query kInsertQueue = {
    "queue_insert",
    "INSERT INTO queues (id, name, dialing_mode) VALUES ($1, $2, $3) RETURNING created_at"};
constexpr Query kGetQueue = {"queue_get",
                             "SELECT id, name, dialing_mode, created_at FROM queues WHERE id = $1"};
constexpr Query kListQueues = {
    "queue_list",
    "SELECT id, name, dialing_mode, created_at FROM queues WHERE id > $1 ORDER BY id LIMIT $2"};

domain::Dealer DealerFrom(const PgResult& r, int row) {
  return domain::Dealer{.id = r.GetString(row, 0),
                        .name = r.GetString(row, 1),
                        .country = r.GetString(row, 2),
                        .time_zone = r.GetString(row, 3),
                        .opening_hours = r.GetString(row, 4),
                        .crm_endpoint = r.GetString(row, 5),
                        .crm_tls = r.GetBool(row, 9),
                        .crm_tls_root_certs = r.GetString(row, 10),
                        .crm_token = r.GetString(row, 11),
                        .created_at = r.GetTime(row, 6),
                        .updated_at = r.GetTime(row, 7),
                        .holidays = r.GetString(row, 8)};
}

domain::Queue QueueFrom(const PgResult& r, int row) {
  return domain::Queue{
      .id = r.GetString(row, 0),
      .name = r.GetString(row, 1),
      .dialing_mode =
          domain::ParseDialingMode(r.Get(row, 2)).value_or(domain::DialingMode::kProgressive),
      .created_at = r.GetTime(row, 3)};
}

absl::Status Named(absl::Status s, absl::string_view what, absl::string_view id) {
  if (absl::IsAlreadyExists(s))
    return absl::AlreadyExistsError(absl::StrCat(what, " '", id, "' already exists"));
  return s;
}

}  // namespace

std::string ArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

absl::Status InsertDealer(PgConn& conn, domain::Dealer& d) {
  auto r = conn.Exec(kInsertDealer,
                     {d.id, d.name, d.country, d.time_zone, d.opening_hours, d.crm_endpoint,
                      d.holidays, d.crm_tls, d.crm_tls_root_certs, d.crm_token});
  if (!r.ok()) return Named(r.status(), "dealer", d.id);
  d.created_at = r->GetTime(0, 0);
  d.updated_at = r->GetTime(0, 1);
  return absl::OkStatus();
}

absl::StatusOr<domain::Dealer> GetDealer(PgConn& conn, absl::string_view id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGetDealer, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("dealer '", id, "' not found"));
  return DealerFrom(r, 0);
}

absl::StatusOr<std::vector<domain::Dealer>> ListDealers(
    PgConn& conn, absl::string_view after_id, int limit,
    const std::optional<std::vector<std::string>>& only_ids) {
  std::optional<std::string> ids;
  if (only_ids) ids = ArrayLiteral(*only_ids);
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kListDealers, {after_id, limit, ids}));
  std::vector<domain::Dealer> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(DealerFrom(r, i));
  return out;
}

absl::Status UpdateDealer(PgConn& conn, domain::Dealer& d, bool clear_crm_token) {
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kUpdateDealer, {d.id, d.name, d.country, d.time_zone, d.opening_hours,
                                             d.crm_endpoint, d.holidays, d.crm_tls,
                                             d.crm_tls_root_certs, d.crm_token, clear_crm_token}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("dealer '", d.id, "' not found"));
  d.created_at = r.GetTime(0, 0);
  d.updated_at = r.GetTime(0, 1);
  d.crm_token = r.GetString(0, 2);
  return NotifySchedule(conn, "config");
}

absl::Status InsertQueue(PgConn& conn, domain::Queue& q) {
  auto r = conn.Exec(kInsertQueue, {q.id, q.name, domain::Name(q.dialing_mode)});
  if (!r.ok()) return Named(r.status(), "queue", q.id);
  q.created_at = r->GetTime(0, 0);
  return absl::OkStatus();
}

absl::StatusOr<domain::Queue> GetQueue(PgConn& conn, absl::string_view id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGetQueue, {id}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("queue '", id, "' not found"));
  return QueueFrom(r, 0);
}

absl::StatusOr<std::vector<domain::Queue>> ListQueues(PgConn& conn, absl::string_view after_id,
                                                      int limit) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kListQueues, {after_id, limit}));
  std::vector<domain::Queue> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(QueueFrom(r, i));
  return out;
}

}  // namespace secondvoice::store
