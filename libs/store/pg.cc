// libpq wrappers: connect, prepare-once execution, result access and error mapping.
#include "libs/store/pg.h"

#include <libpq-fe.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace secondvoice::store {

Param::Param(int64_t v) : value_(absl::StrCat(v)) {}
Param::Param(double v) : value_(absl::StrCat(v)) {}
Param::Param(absl::Time v)
    : value_(v == absl::InfiniteFuture() ? "infinity"
             : v == absl::InfinitePast()
                 ? "-infinity"
                 : absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", v, absl::UTCTimeZone())) {}

absl::Status StatusFromSqlState(absl::string_view state, absl::string_view message) {
  auto status = [&](absl::StatusCode code) {
    return absl::Status(code, absl::StrCat(message, " [SQLSTATE ", state, "]"));
  };
  using C = absl::StatusCode;
  if (state == "23505") return status(C::kAlreadyExists);
  if (state == "23503" || state == "23001") return status(C::kFailedPrecondition);
  if (state == "23502" || state == "23514" || absl::StartsWith(state, "22")) {
    return status(C::kInvalidArgument);
  }
  if (state == "40001" || state == "40P01") return status(C::kAborted);
  if (state == "57014") return status(C::kDeadlineExceeded);
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P"))
    return status(C::kUnavailable);
  if (absl::StartsWith(state, "53")) return status(C::kResourceExhausted);
  return status(C::kInternal);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() { PQclear(result_); }

int PgResult::rows() const { return PQntuples(result_); }

int64_t PgResult::affected() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_), &n) ? n : 0;
}

bool PgResult::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) == 1; }

absl::string_view PgResult::Get(int row, int col) const {
  return absl::string_view(PQgetvalue(result_, row, col), PQgetlength(result_, row, col));
}

int64_t PgResult::GetInt64(int row, int col) const {
  int64_t v = 0;
  return absl::SimpleAtoi(Get(row, col), &v) ? v : 0;
}

double PgResult::GetDouble(int row, int col) const {
  double v = 0;
  return absl::SimpleAtod(Get(row, col), &v) ? v : 0;
}

absl::Time PgResult::GetTime(int row, int col) const {
  // "2026-11-23 08:34:22.123456+00": the session time zone is UTC, so the offset is +00.
  absl::string_view text = Get(row, col);
  if (text == "infinity") return absl::InfiniteFuture();
  if (text == "-infinity") return absl::InfinitePast();
  absl::ConsumeSuffix(&text, "+00");
  // The common form, read without a format parser (claims read several per row).
  if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && text[10] == ' ' && text[13] == ':' &&
      text[16] == ':') {
    auto num = [&](size_t at, size_t n, int64_t* out) {
      int64_t v = 0;
      for (size_t i = at; i < at + n; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        v = v * 10 + (text[i] - '0');
      }
      *out = v;
      return true;
    };
    int64_t y, mo, d, h, mi, s, frac = 0;
    bool ok = num(0, 4, &y) && num(5, 2, &mo) && num(8, 2, &d) && num(11, 2, &h) &&
              num(14, 2, &mi) && num(17, 2, &s);
    size_t digits = 0;
    if (ok && text.size() > 19) {
      ok = text[19] == '.' && text.size() > 20 && text.size() <= 26 &&
           num(20, text.size() - 20, &frac);
      digits = text.size() - 20;
    }
    if (ok) {
      for (size_t i = digits; i < 6; ++i) frac *= 10;
      return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()) +
             absl::Microseconds(frac);
    }
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &t, &err)) {
    return absl::InfinitePast();
  }
  return t;
}

std::optional<absl::Time> PgResult::GetOptionalTime(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetTime(row, col);
}

absl::StatusOr<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url,
                                                        absl::Duration connect_timeout) {
  // Values in `url` win over these defaults: dbname comes last and is expanded.
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(connect_timeout)));
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "secondvoice", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message(absl::StripAsciiWhitespace(PQerrorMessage(conn)));
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", message));
  }
  // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConn> pg(new PgConn(conn));
  if (absl::Status s = pg->ExecScript("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO'"); !s.ok()) {
    return s;
  }
  return pg;
}

PgConn::~PgConn() { PQfinish(conn_); }

bool PgConn::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

absl::Status PgConn::ErrorFrom(PGresult* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message(
      absl::StripAsciiWhitespace(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_)));
  if (message.empty()) message = std::string(absl::StripAsciiWhitespace(PQerrorMessage(conn_)));
  // A lost server gives no SQLSTATE at all.
  if (state == nullptr || broken()) {
    return absl::UnavailableError(absl::StrCat("PostgreSQL unavailable: ", message));
  }
  return StatusFromSqlState(state, message);
}

absl::StatusOr<PgResult> PgConn::Exec(const Query& query, absl::Span<const Param> params) {
  if (!prepared_.contains(query.name)) {
    PgResult prep(PQprepare(conn_, query.name, query.sql, 0, nullptr));
    if (PQresultStatus(prep.raw()) != PGRES_COMMAND_OK) return ErrorFrom(prep.raw());
    prepared_.insert(query.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.value() ? p.value()->c_str() : nullptr);
  PgResult result(PQexecPrepared(conn_, query.name, static_cast<int>(values.size()), values.data(),
                                 nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ErrorFrom(result.raw());
  return result;
}

absl::StatusOr<PgResult> PgConn::ExecOnce(const Query& query, absl::Span<const Param> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.value() ? p.value()->c_str() : nullptr);
  PgResult result(PQexecParams(conn_, query.sql, static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ErrorFrom(result.raw());
  return result;
}

absl::StatusOr<int64_t> PgConn::CopyIn(const char* copy_sql, absl::string_view data) {
  {
    PgResult start(PQexec(conn_, copy_sql));
    if (PQresultStatus(start.raw()) != PGRES_COPY_IN) return ErrorFrom(start.raw());
  }
  // libpq takes an int length: send large buffers in pieces.
  constexpr size_t kPiece = 1 << 20;
  const char* error = nullptr;
  for (size_t at = 0; at < data.size(); at += kPiece) {
    const size_t n = std::min(kPiece, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      error = "sending COPY data failed";
      break;
    }
  }
  if (PQputCopyEnd(conn_, error) != 1) return ErrorFrom(nullptr);
  PgResult done(PQgetResult(conn_));
  absl::StatusOr<int64_t> rows = PQresultStatus(done.raw()) == PGRES_COMMAND_OK
                                     ? absl::StatusOr<int64_t>(done.affected())
                                     : absl::StatusOr<int64_t>(ErrorFrom(done.raw()));
  // Drain: libpq returns NULL once the command is complete.
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  return rows;
}

absl::Status PgConn::ExecScript(absl::string_view sql) {
  PgResult result(PQexec(conn_, std::string(sql).c_str()));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ErrorFrom(result.raw());
  return absl::OkStatus();
}

}  // namespace secondvoice::store
