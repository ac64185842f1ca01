// The benchmarks' starting point.
#include "tests/testing/bench_world.h"

#include <algorithm>

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

absl::Status PopulateBenchLeads(store::PgConn& conn, const BenchLeads& leads) {
  const std::string raw = leads.mobile ? "'06' || (10000000 + g)" : "'020' || (1000000 + g)";
  const std::string e164 = leads.mobile ? "'+316' || (10000000 + g)" : "'+3120' || (1000000 + g)";
  const std::string type = leads.mobile ? "'mobile'" : "'fixed_line'";
  for (int64_t lo = leads.from; lo <= leads.to; lo += leads.chunk) {
    const int64_t hi = std::min(leads.to, lo + leads.chunk - 1);
    const std::string range = absl::StrCat("generate_series(", lo, ", ", hi, ") g");
    const std::string dealer =
        absl::StrCat("'d' || lpad(((g % ", leads.dealers, ") + 1)::text, 3, '0')");
    RETURN_IF_ERROR(conn.ExecScript(
        absl::StrCat("INSERT INTO leads (id, dealer_id, campaign_id, kind, origin, first_name,"
                     " consent_basis, consent_given_at) SELECT g, ",
                     dealer,
                     ", 1, 'passive', 'list_import', 'Klant',"
                     " CASE WHEN g % 100 = 42 THEN 'none' ELSE 'opt_in' END,"
                     " '2025-05-12 00:00:00+02' FROM ",
                     range)));
    RETURN_IF_ERROR(conn.ExecScript(absl::StrCat(
        "INSERT INTO contact_routes (lead_id, position, channel, raw_value, normalized_value,"
        " phone_type, usable) SELECT g, 0, 'phone', ",
        raw, ", ", e164, ", ", type, ", true FROM ", range)));
    RETURN_IF_ERROR(conn.ExecScript(absl::StrCat(
        "INSERT INTO lead_schedule (lead_id, campaign_id, dealer_id, rank, due_at, claimable_at,"
        " consent_basis, consent_given_at, first_name, routes, route_values) SELECT g, 1, ",
        dealer,
        ", 3, now() - interval '1 hour', now() - interval '1 hour',"
        " CASE WHEN g % 100 = 42 THEN 'none' ELSE 'opt_in' END,"
        " '2025-05-12 00:00:00+02', 'Klant', 'phone' || chr(31) || ",
        e164, " || chr(31) || ", type, " || chr(31) || 'true' || chr(31) || 'false', ARRAY[", e164,
        "] FROM ", range)));
    RETURN_IF_ERROR(
        conn.ExecScript(absl::StrCat("INSERT INTO suppressions (dealer_id, channel, value, reason)"
                                     " SELECT NULL, 'all', ",
                                     e164, ", 'objection' FROM ", range, " WHERE g % 2000 = 7")));
    if (leads.progress) leads.progress(hi);
  }
  RETURN_IF_ERROR(conn.ExecScript(absl::StrCat("SELECT setval('leads_id_seq', ", leads.to, ")")));
  return conn.ExecScript("VACUUM ANALYZE leads, contact_routes, lead_schedule, suppressions");
}

}  // namespace secondvoice::testing
