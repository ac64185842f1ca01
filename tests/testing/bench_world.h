// What the benchmarks start from: a throwaway PostgreSQL sized for the data by ALTER SYSTEM
// settings (applied by a restart), a migrated database, `dealers` dealers d001, d002... open
// around the clock with no holidays, and queue "bdc".
#ifndef SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_
#define SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/store/pg.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice::testing {

struct BenchWorld {
  std::unique_ptr<TestPostgres> pg;
  std::string url;
  std::unique_ptr<store::PgConn> conn;
};

// `settings` as "name = 'value'", e.g. "shared_buffers = '4GB'".
absl::StatusOr<BenchWorld> StartBenchWorld(const std::vector<std::string>& settings, int dealers);

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_
