// GoogleTest matchers for absl::Status / absl::StatusOr / grpc::Status: IsOk() and StatusIs(code[,
// message]). Abseil 20220623 (Debian 12) ships none.
#ifndef SECONDVOICE_TESTS_TESTING_STATUS_MATCHERS_H_
#define SECONDVOICE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"

namespace secondvoice::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
// A gRPC status as the absl one with the same code and message.
inline absl::Status GetStatus(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + ::testing::PrintToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code && ::testing::Matches(message_matcher)(std::string(s.message()));
}

}  // namespace secondvoice::testing

// Asserts that an absl::StatusOr expression is OK and assigns its value.
#define SV_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  SV_ASSERT_OK_AND_ASSIGN_IMPL_(SV_TEST_CONCAT_(sv_statusor_, __LINE__), lhs, expr)
#define SV_TEST_CONCAT_INNER_(a, b) a##b
#define SV_TEST_CONCAT_(a, b) SV_TEST_CONCAT_INNER_(a, b)
#define SV_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  ASSERT_TRUE(statusor.ok()) << statusor.status();         \
  lhs = *std::move(statusor)

#endif  // SECONDVOICE_TESTS_TESTING_STATUS_MATCHERS_H_
