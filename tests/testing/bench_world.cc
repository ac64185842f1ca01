// The benchmarks' starting point.
#include "tests/testing/bench_world.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/store/migrations.h"

namespace secondvoice::testing {

absl::StatusOr<BenchWorld> StartBenchWorld(const std::vector<std::string>& settings, int dealers) {
  BenchWorld w;
  ASSIGN_OR_RETURN(w.pg, TestPostgres::Start());
  ASSIGN_OR_RETURN(w.url, w.pg->CreateDatabase());
  {
    ASSIGN_OR_RETURN(std::unique_ptr<store::PgConn> conn,
                     store::PgConn::Connect(w.url, absl::Seconds(10)));
    for (const std::string& s : settings) {
      RETURN_IF_ERROR(conn->ExecScript(absl::StrCat("ALTER SYSTEM SET ", s)));
    }
  }
  RETURN_IF_ERROR(w.pg->Kill());
  RETURN_IF_ERROR(w.pg->Restart());
  ASSIGN_OR_RETURN(w.conn, store::PgConn::Connect(w.url, absl::Seconds(10)));
  RETURN_IF_ERROR(store::Migrate(*w.conn).status());
  RETURN_IF_ERROR(w.conn->ExecScript(
      absl::StrCat("INSERT INTO dealers (id, name, country, time_zone, opening_hours, holidays)"
                   " SELECT 'd' || lpad(i::text, 3, '0'), 'Dealer ' || i, 'NL',"
                   " 'Europe/Amsterdam', 'Mon-Sun 00:00-24:00', 'none'"
                   " FROM generate_series(1, ",
                   dealers, ") i")));
  RETURN_IF_ERROR(w.conn->ExecScript(
      "INSERT INTO queues (id, name, dialing_mode) VALUES ('bdc', 'BDC', 'progressive')"));
  return w;
}

}  // namespace secondvoice::testing
