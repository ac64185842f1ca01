// libpq with RAII: a connection, its results, typed parameters, named queries prepared once per
// connection, and the one mapping from SQLSTATE to absl::Status.
#ifndef SECONDVOICE_LIBS_STORE_PG_H_
#define SECONDVOICE_LIBS_STORE_PG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace secondvoice::store {

// A statement with a stable name; prepared on first use on each connection. Keep these as
// constants beside the code that runs them, with $n parameters; never build SQL from values.
struct Query {
  const char* name;
  const char* sql;
};

// One text-format parameter; nullopt is SQL NULL.
class Param {
 public:
  Param(std::nullptr_t) {}                                // NOLINT: NULL
  Param(absl::string_view v) : value_(std::string(v)) {}  // NOLINT
  Param(const std::string& v) : value_(v) {}              // NOLINT
  Param(const char* v) : value_(std::string(v)) {}        // NOLINT
  Param(int64_t v);                                       // NOLINT
  Param(int v) : Param(static_cast<int64_t>(v)) {}        // NOLINT
  Param(bool v) : value_(v ? "t" : "f") {}                // NOLINT
  Param(double v);                                        // NOLINT
  Param(absl::Time v);                                    // NOLINT
  template <typename T>
  Param(const std::optional<T>& v) {  // NOLINT
    if (v) value_ = Param(*v).value_;
  }

  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};

// Maps a SQLSTATE to a status code: 23505 AlreadyExists, 23503 FailedPrecondition, 23502/23514
// and 22xxx InvalidArgument, 40001/40P01 Aborted (retry), 08xxx and 57P0x Unavailable, 57014
// DeadlineExceeded, 53xxx ResourceExhausted, anything else Internal.
absl::Status StatusFromSqlState(absl::string_view sqlstate, absl::string_view message);

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  int64_t affected() const;  // rows touched by INSERT/UPDATE/DELETE
  bool IsNull(int row, int col) const;
  absl::string_view Get(int row, int col) const;
  std::string GetString(int row, int col) const { return std::string(Get(row, col)); }
  int64_t GetInt64(int row, int col) const;
  int GetInt(int row, int col) const { return static_cast<int>(GetInt64(row, col)); }
  bool GetBool(int row, int col) const { return Get(row, col) == "t"; }
  double GetDouble(int row, int col) const;
  // timestamptz as printed by a session in time zone UTC with ISO dates.
  absl::Time GetTime(int row, int col) const;
  std::optional<absl::Time> GetOptionalTime(int row, int col) const;

  PGresult* raw() const { return result_; }

 private:
  PGresult* result_;
};

class PgConn {
 public:
  // `url` is a libpq URL or conninfo string. The session runs in UTC.
  static absl::StatusOr<std::unique_ptr<PgConn>> Connect(const std::string& url,
                                                         absl::Duration connect_timeout);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  absl::StatusOr<PgResult> Exec(const Query& query, absl::Span<const Param> params = {});
  // Unprepared, for statements that cannot be prepared (DECLARE ... CURSOR) or run once.
  absl::StatusOr<PgResult> ExecOnce(const Query& query, absl::Span<const Param> params = {});
  // Unprepared SQL without parameters, possibly several statements (migrations, BEGIN).
  absl::Status ExecScript(absl::string_view sql);
  // COPY ... FROM STDIN with `data` in COPY's text format; returns the rows copied.
  absl::StatusOr<int64_t> CopyIn(const char* copy_sql, absl::string_view data);

  // True once the server is gone; such a connection is thrown away, not reused.
  bool broken() const;

 private:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  absl::Status ErrorFrom(PGresult* result) const;

  PGconn* conn_;
  absl::flat_hash_set<std::string> prepared_;
};

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_PG_H_
