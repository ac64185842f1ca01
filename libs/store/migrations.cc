// Migration runner.
#include "libs/store/migrations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace secondvoice::store {
namespace {

// pg_advisory_lock key shared by every secondvoice process: "svmigr" in ASCII.
constexpr char kLock[] = "SELECT pg_advisory_lock(126952478959474)";
constexpr char kUnlock[] = "SELECT pg_advisory_unlock(126952478959474)";

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version int PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

constexpr Query kTableExists = {"migrations_table_exists",
                                "SELECT to_regclass('schema_migrations') IS NOT NULL"};
constexpr Query kApplied = {"migrations_applied",
                            "SELECT version FROM schema_migrations ORDER BY version"};
constexpr Query kRecord = {"migrations_record",
                           "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};

absl::StatusOr<std::vector<int>> ReadApplied(PgConn& conn) {
  ASSIGN_OR_RETURN(PgResult exists, conn.Exec(kTableExists));
  std::vector<int> versions;
  if (!exists.GetBool(0, 0)) return versions;
  ASSIGN_OR_RETURN(PgResult rows, conn.Exec(kApplied));
  for (int i = 0; i < rows.rows(); ++i) versions.push_back(rows.GetInt(i, 0));
  return versions;
}

absl::StatusOr<std::vector<int>> MigrateLocked(PgConn& conn) {
  RETURN_IF_ERROR(conn.ExecScript(kCreateTable));
  ASSIGN_OR_RETURN(std::vector<int> applied, ReadApplied(conn));
  std::vector<int> done;
  for (const Migration& m : Migrations()) {
    if (std::find(applied.begin(), applied.end(), m.version) != applied.end()) continue;
    RETURN_IF_ERROR(conn.ExecScript("BEGIN"));
    absl::Status s = conn.ExecScript(m.sql);
    if (s.ok()) s = conn.Exec(kRecord, {m.version, m.name}).status();
    if (s.ok()) s = conn.ExecScript("COMMIT");
    if (!s.ok()) {
      (void)conn.ExecScript("ROLLBACK");
      return absl::Status(s.code(), absl::StrCat("migration ", m.name, ": ", s.message()));
    }
    done.push_back(m.version);
  }
  return done;
}

}  // namespace

absl::StatusOr<std::vector<int>> AppliedVersions(PgConn& conn) { return ReadApplied(conn); }

absl::StatusOr<std::vector<int>> Migrate(PgConn& conn) {
  RETURN_IF_ERROR(conn.ExecScript(kLock));
  absl::StatusOr<std::vector<int>> result = MigrateLocked(conn);
  // A lost connection releases the lock by itself.
  (void)conn.ExecScript(kUnlock);
  return result;
}

}  // namespace secondvoice::store
