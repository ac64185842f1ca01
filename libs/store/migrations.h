// Numbered SQL migrations (libs/store/migrations/NNNN_name.sql, embedded at build time),
// tracked in schema_migrations and applied under an advisory lock so that several daemons
// starting together apply each one exactly once. Applying twice is a no-op.
#ifndef SECONDVOICE_LIBS_STORE_MIGRATIONS_H_
#define SECONDVOICE_LIBS_STORE_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

struct Migration {
  int version;
  absl::string_view name;
  absl::string_view sql;
};

// Every migration the binary knows, in version order.
const std::vector<Migration>& Migrations();

// Applies what is missing; returns the versions it applied (empty when already current).
absl::StatusOr<std::vector<int>> Migrate(PgConn& conn);

// The versions recorded in schema_migrations (empty for a fresh database).
absl::StatusOr<std::vector<int>> AppliedVersions(PgConn& conn);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_MIGRATIONS_H_
