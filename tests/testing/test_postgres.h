// A throwaway PostgreSQL cluster for tests: initdb in a short temporary directory (as the
// postgres user when run as root), unix socket only, fsync off; stopped and removed when the
// object goes away. Tests that need it fail when it cannot start; they never skip.
#ifndef SECONDVOICE_TESTS_TESTING_TEST_POSTGRES_H_
#define SECONDVOICE_TESTS_TESTING_TEST_POSTGRES_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace secondvoice::testing {

class TestPostgres {
 public:
  // Under $SECONDVOICE_TEST_PG_ROOT when set (scripts/test sets it and removes it afterwards,
  // also when a test crashes), else under /tmp.
  static absl::StatusOr<std::unique_ptr<TestPostgres>> Start();
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  // Kills the server at once (pg_ctl stop -m immediate), as a crash would.
  absl::Status Kill();
  // Starts it again on the same data directory and socket.
  absl::Status Restart();

  // A new empty database; returns its URL.
  absl::StatusOr<std::string> CreateDatabase();
  std::string Url(const std::string& database) const;

 private:
  explicit TestPostgres(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Run(const std::string& command) const;

  std::string dir_;
  int databases_ = 0;
};

// One cluster per test binary, started on first use and removed at exit.
TestPostgres& SharedPostgres();

// A fresh database on the shared cluster; the calling test fails if that is impossible.
std::string FreshDatabaseUrl();

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_TEST_POSTGRES_H_
