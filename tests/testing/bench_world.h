// What the benchmarks start from: a throwaway PostgreSQL sized for the data by ALTER SYSTEM
// settings (applied by a restart), a migrated database, `dealers` dealers d001, d002... open
// around the clock with no holidays, and queue "bdc".
#ifndef SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_
#define SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
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

// Which list leads PopulateBenchLeads writes, and how.
struct BenchLeads {
  // Lead ids, both included.
  int64_t from = 1;
  int64_t to = 0;
  // Spread over dealers d001..: lead g goes to dealer g % dealers + 1.
  int dealers = 1;
  // 06-1xxxxxxx mobiles; false: 020-xxxxxxx Amsterdam lines. Unique per lead either way.
  bool mobile = true;
  // Leads per round of INSERT statements.
  int64_t chunk = 100'000;
  // Called with the last lead id written after each chunk; may be empty.
  std::function<void(int64_t)> progress;
};

// Leads of list campaign 1, one phone number each, due now, written as imports write them
// (lead, route, schedule row with its copy of the lead's facts); then the lead id sequence is
// moved past them and the tables analysed. One lead in a hundred has no lawful basis and one in
// two thousand objected: the engine lets those go.
absl::Status PopulateBenchLeads(store::PgConn& conn, const BenchLeads& leads);

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_BENCH_WORLD_H_
