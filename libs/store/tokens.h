// API tokens (kept as digests) and the audit log in PostgreSQL.
#ifndef SECONDVOICE_LIBS_STORE_TOKENS_H_
#define SECONDVOICE_LIBS_STORE_TOKENS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Every change to api_tokens is announced here (by a trigger), so each replica reloads its table.
inline constexpr char kTokensChannel[] = "sv_tokens";

struct ApiToken {
  std::string name;
  std::string role;  // admin, manager, agent or crm
  std::vector<std::string> scope;
  absl::Time created_at;
  std::string created_by;
  std::optional<absl::Time> revoked_at;
  std::string revoked_by;
  // The token's SHA-256 digest (32 bytes); filled by LoadValidTokens only.
  std::string digest;
};

// Fills created_at. ALREADY_EXISTS when the name is taken (also by a revoked token).
[[nodiscard]] absl::Status InsertToken(PgConn& conn, ApiToken& token);
// By name; revoked ones too when `include_revoked`.
absl::StatusOr<std::vector<ApiToken>> ListTokens(PgConn& conn, bool include_revoked);
// The tokens not revoked, with their digests: what a daemon authenticates against.
absl::StatusOr<std::vector<ApiToken>> LoadValidTokens(PgConn& conn);
// Revokes the token named `name` unless it is revoked already; NOT_FOUND when there is none.
absl::StatusOr<ApiToken> RevokeToken(PgConn& conn, absl::string_view name, absl::string_view by);

struct AuditEntry {
  int64_t id = 0;
  absl::Time at;
  std::string principal;
  std::string method;
  std::string event;  // denied, token_created, token_revoked or erased
  std::string detail;
};

[[nodiscard]] absl::Status InsertAudit(PgConn& conn, const std::vector<AuditEntry>& entries);
// Newest first, ids below `before_id` (0: from the newest); only `event` when not empty.
absl::StatusOr<std::vector<AuditEntry>> ListAudit(PgConn& conn, absl::string_view event,
                                                  int64_t before_id, int limit);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_TOKENS_H_
