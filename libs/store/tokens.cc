// SQL for API tokens and the audit log; see tokens.h.
#include "libs/store/tokens.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"

namespace secondvoice::store {
namespace {

#define SV_TOKEN_COLUMNS                                                                     \
  "name, role, array_to_string(scope, ','), created_at, created_by, revoked_at, revoked_by," \
  " encode(digest, 'hex')"

constexpr Query kInsertToken = {
    "token_insert",
    "INSERT INTO api_tokens (name, role, scope, digest, created_by)"
    " VALUES ($1, $2, $3::text[], decode($4, 'hex'), $5) RETURNING created_at"};
constexpr Query kListTokens = {"token_list", "SELECT " SV_TOKEN_COLUMNS
                                             " FROM api_tokens"
                                             " WHERE $1 OR revoked_at IS NULL ORDER BY name"};
constexpr Query kRevokeToken = {
    "token_revoke",
    "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()),"
    " revoked_by = CASE WHEN revoked_at IS NULL THEN $2 ELSE revoked_by END"
    " WHERE name = $1 RETURNING " SV_TOKEN_COLUMNS};
constexpr Query kInsertAudit = {
    "audit_insert",
    "INSERT INTO audit_log (at, principal, method, event, detail)"
    " SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[])"};
constexpr Query kListAudit = {
    "audit_list",
    "SELECT id, at, principal, method, event, detail FROM audit_log"
    " WHERE ($1 = '' OR event = $1) AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3"};

ApiToken TokenAt(const PgResult& r, int row) {
  ApiToken t{.name = r.GetString(row, 0),
             .role = r.GetString(row, 1),
             .scope = {},
             .created_at = r.GetTime(row, 3),
             .created_by = r.GetString(row, 4),
             .revoked_at = r.GetOptionalTime(row, 5),
             .revoked_by = r.GetString(row, 6),
             .digest = {}};
  if (!r.Get(row, 2).empty()) t.scope = absl::StrSplit(r.Get(row, 2), ',');
  return t;
}

std::string TimeArray(const std::vector<AuditEntry>& entries) {
  std::vector<std::string> times;
  times.reserve(entries.size());
  for (const AuditEntry& e : entries) {
    times.push_back(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e.at, absl::UTCTimeZone()));
  }
  return ArrayLiteral(times);
}

template <typename Field>
std::string TextArray(const std::vector<AuditEntry>& entries, Field field) {
  std::vector<std::string> values;
  values.reserve(entries.size());
  for (const AuditEntry& e : entries) values.push_back(e.*field);
  return ArrayLiteral(values);
}

}  // namespace

absl::Status InsertToken(PgConn& conn, ApiToken& token) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kInsertToken,
                                         {token.name, token.role, ArrayLiteral(token.scope),
                                          absl::BytesToHexString(token.digest), token.created_by}));
  token.created_at = r.GetTime(0, 0);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ApiToken>> ListTokens(PgConn& conn, bool include_revoked) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kListTokens, {include_revoked}));
  std::vector<ApiToken> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(TokenAt(r, i));
  return out;
}

absl::StatusOr<std::vector<ApiToken>> LoadValidTokens(PgConn& conn) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kListTokens, {false}));
  std::vector<ApiToken> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(TokenAt(r, i));
    out.back().digest = absl::HexStringToBytes(r.Get(i, 7));
  }
  return out;
}

absl::StatusOr<ApiToken> RevokeToken(PgConn& conn, absl::string_view name, absl::string_view by) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kRevokeToken, {name, by}));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no token named '", name, "'"));
  return TokenAt(r, 0);
}

absl::Status InsertAudit(PgConn& conn, const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  return conn
      .Exec(kInsertAudit,
            {TimeArray(entries), TextArray(entries, &AuditEntry::principal),
             TextArray(entries, &AuditEntry::method), TextArray(entries, &AuditEntry::event),
             TextArray(entries, &AuditEntry::detail)})
      .status();
}

absl::StatusOr<std::vector<AuditEntry>> ListAudit(PgConn& conn, absl::string_view event,
                                                  int64_t before_id, int limit) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kListAudit, {event, before_id, limit}));
  std::vector<AuditEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({.id = r.GetInt64(i, 0),
                   .at = r.GetTime(i, 1),
                   .principal = r.GetString(i, 2),
                   .method = r.GetString(i, 3),
                   .event = r.GetString(i, 4),
                   .detail = r.GetString(i, 5)});
  }
  return out;
}

}  // namespace secondvoice::store
