// Tests for StatusFromSqlState in libs/store/pg.h: the one SQLSTATE -> absl::StatusCode mapping.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/store/pg.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::store {
namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(StatusFromSqlState, MapsEachClassToItsCode) {
  using C = absl::StatusCode;
  struct Case {
    std::string sqlstate;
    absl::StatusCode code;
  };
  const std::vector<Case> cases = {
      {"23505", C::kAlreadyExists},       // unique_violation
      {"23503", C::kFailedPrecondition},  // foreign_key_violation
      {"23502", C::kInvalidArgument},     // not_null_violation
      {"23514", C::kInvalidArgument},     // check_violation
      {"22P02", C::kInvalidArgument},     // invalid_text_representation
      {"22001", C::kInvalidArgument},     // string_data_right_truncation
      {"40001", C::kAborted},             // serialization_failure: retry
      {"40P01", C::kAborted},             // deadlock_detected: retry
      {"08006", C::kUnavailable},         // connection_failure
      {"08001", C::kUnavailable},         // sqlclient_unable_to_establish_sqlconnection
      {"57P01", C::kUnavailable},         // admin_shutdown
      {"57P03", C::kUnavailable},         // cannot_connect_now
      {"57014", C::kDeadlineExceeded},    // query_canceled (statement_timeout)
      {"53300", C::kResourceExhausted},   // too_many_connections
      {"53100", C::kResourceExhausted},   // disk_full
      {"42P01", C::kInternal},            // undefined_table: our bug
      {"42601", C::kInternal},            // syntax_error: our bug
      {"XX000", C::kInternal},            // internal_error
  };
  for (const Case& c : cases) {
    EXPECT_THAT(StatusFromSqlState(c.sqlstate, "something went wrong"),
                StatusIs(c.code, AllOf(HasSubstr("something went wrong"), HasSubstr(c.sqlstate))))
        << c.sqlstate;
  }
}

TEST(StatusFromSqlState, KeepsTheServerMessageAndTheState) {
  const absl::Status s = StatusFromSqlState(
      "23505", "duplicate key value violates unique constraint \"dealers_pkey\"");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()), HasSubstr("dealers_pkey"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("SQLSTATE 23505"));
}

TEST(StatusFromSqlState, AnEmptyStateIsInternal) {
  EXPECT_THAT(StatusFromSqlState("", "no result"), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace secondvoice::store
