// scripts/bench report: the funnel through the engine's own Reports.GetFunnel over gRPC, on a
// year of 500 dealers' leads with ATTEMPTS call and e-mail attempts (default 10,000,000): an
// importer's quarter of all dealers, grouped by dealer, and one dealer's month; each checked
// against a plain recount from the attempts, leads and feedback tables (which does not read the
// funnel tables), and the recount's own time beside it; and, as a baseline in the same run, the
// quarter grouped by agent, which reads every lead's funnel row instead of the daily figures.
// The data goes in day by day through ordinary INSERT statements, so the triggers that keep
// the funnel rows and the daily figures do the work they do in production.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/reports.grpc.pb.h"
#include "tests/testing/bench_world.h"
#include "tests/testing/scheduler_harness.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using testing::SchedulerHarness;

constexpr int kDealers = 500;
constexpr int kDays = 365;
constexpr int kRuns = 7;

[[noreturn]] void Die(absl::string_view what, const absl::Status& status = absl::OkStatus()) {
  std::cerr << "report bench: " << what << " " << status << "\n";
  std::exit(1);
}

void Exec(store::PgConn& conn, const std::string& sql) {
  if (absl::Status s = conn.ExecScript(sql); !s.ok()) Die(sql.substr(0, 120), s);
}

absl::Time Day(int d) {
  return absl::FromCivil(absl::CivilDay(2026, 1, 1) + d, absl::UTCTimeZone());
}

// Leads [lo, hi] arrive on day `d`, every dealer's of every origin and category; each has 1 to 7
// calls a day apart (4 on average), the last of them a dialogue for 60% of leads, an appointment
// for a third; one in twenty was e-mailed before its first call; a few calls are abandoned.
// Appointments are handed over; of those the CRM reports two thirds showed and 40% sold. Everything
// follows from a hash of the lead id, so a run is the same every time.
void Populate(store::PgConn& conn, int64_t lo, int64_t hi, int d) {
  const std::string range = absl::StrCat("generate_series(", lo, ", ", hi, ") g");
  const std::string day = absl::StrCat(
      "'", absl::FormatTime("%Y-%m-%d", Day(d), absl::UTCTimeZone()), " 00:00:00+00'::timestamptz");
  const std::string h = "((g * 2654435761) % 4294967296)";
  Exec(conn,
       absl::StrCat(
           "INSERT INTO leads (id, dealer_id, campaign_id, kind, origin, category, first_name,"
           " status, created_at) SELECT g, 'd' || lpad((((g / 10) % ",
           kDealers,
           ") + 1)::text, 3, '0'), 1,"
           " CASE WHEN g % 10 < 6 THEN 'passive' ELSE 'active' END,"
           " CASE g % 10 WHEN 6 THEN 'crm_unreached' WHEN 7 THEN 'crm_unreached'"
           "   WHEN 8 THEN 'crm_unsold' WHEN 9 THEN 'crm_proposal_pending'"
           "   ELSE 'list_import' END,"
           " CASE g % 10 WHEN 6 THEN 'new_car_online' WHEN 7 THEN 'new_car_online'"
           "   WHEN 8 THEN 'used_car_online' WHEN 9 THEN 'phone' ELSE 'passive_list' END,"
           " 'Klant', 'in_progress', ",
           day, " + interval '8 hours' + (", h, " % 46800) * interval '1 second' FROM ", range));
  // The facts of each lead from its hash: calls n, dialogue, appointment, e-mail first, speed.
  const std::string facts = absl::StrCat("SELECT l.id, l.created_at, ", h, " AS h, 1 + ", h,
                                         " % 7 AS n,"
                                         " (",
                                         h, " / 16) % 100 < 60 AS dialogue, (", h,
                                         " / 16) % 100 < 33 AS appointment,"
                                         " (",
                                         h, " / 131072) % 100 < 5 AS emailed, (", h,
                                         " / 1048576) % 1800 AS speed_s"
                                         " FROM leads l, ",
                                         range, " WHERE l.id = g");
  Exec(conn,
       absl::StrCat(
           "INSERT INTO attempts (lead_id, campaign_id, channel, by_whom, started_at, ended_at,"
           " outcome) SELECT f.id, 1, 'phone', 'agent-' || (f.h % 40),"
           " f.created_at + f.speed_s * interval '1 second' + (k - 1) * interval '1 day',"
           " f.created_at + f.speed_s * interval '1 second' + (k - 1) * interval '1 day'"
           "   + interval '2 minutes',"
           " CASE WHEN k = f.n AND f.appointment THEN 'appointment_set'"
           "   WHEN k = f.n AND f.dialogue THEN 'dialogue_no_appointment'"
           "   WHEN (f.h / (k + 5)) % 100 < 3 THEN 'abandoned'"
           "   WHEN (f.h / (k + 5)) % 100 < 40 THEN 'no_answer'"
           "   WHEN (f.h / (k + 5)) % 100 < 60 THEN 'busy' ELSE 'voicemail' END"
           " FROM (",
           facts,
           ") f, generate_series(1, f.n) k"
           " UNION ALL SELECT f.id, 1, 'email', 'agent-' || (f.h % 40),"
           " f.created_at + interval '1 minute', f.created_at + interval '1 minute',"
           " 'email_sent' FROM (",
           facts, ") f WHERE f.emailed AND f.speed_s > 60"));
  // Handovers of the appointments, delivered (the trigger notes the delivery on its update).
  Exec(conn, absl::StrCat("INSERT INTO handovers (lead_id, dealer_id) SELECT f.id, l.dealer_id"
                          " FROM (",
                          facts, ") f JOIN leads l ON l.id = f.id WHERE f.appointment"));
  Exec(conn, absl::StrCat("UPDATE handovers SET state = 'delivered', delivered_at = now()"
                          " WHERE lead_id BETWEEN ",
                          lo, " AND ", hi));
  Exec(conn, absl::StrCat("INSERT INTO feedback (dealer_id, idempotency_key, lead_id, kind, at)"
                          " SELECT l.dealer_id, 'fb-' || f.id, f.id,"
                          " CASE WHEN (f.h / 16777216) % 100 < 40 THEN 'sold' ELSE 'showed' END,"
                          " f.created_at + interval '10 days' FROM (",
                          facts,
                          ") f JOIN leads l ON l.id = f.id"
                          " WHERE f.appointment AND (f.h / 16777216) % 100 < 67"));
}

pb::FunnelRequest Request(absl::Time from, absl::Time to, const std::string& dealer) {
  pb::FunnelRequest req;
  req.mutable_period_start()->set_seconds(absl::ToUnixSeconds(from));
  req.mutable_period_end()->set_seconds(absl::ToUnixSeconds(to));
  req.set_group_by(pb::FUNNEL_GROUP_BY_DEALER);
  if (!dealer.empty()) req.add_dealer_ids(dealer);
  return req;
}

// The median of kRuns calls, in milliseconds; the last report in `out`.
double Time(pb::Reports::Stub& stub, const pb::FunnelRequest& req, pb::FunnelReport* out) {
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    const absl::Time start = absl::Now();
    auto ctx = SchedulerHarness::Context(testing::kManagerToken);
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    grpc::Status s = stub.GetFunnel(ctx.get(), req, out);
    if (!s.ok()) Die("GetFunnel", absl::Status(absl::StatusCode::kInternal, s.error_message()));
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// The same figures per dealer from the journey itself: attempts, leads and feedback.
struct Recount {
  int64_t leads = 0, dialogues = 0, appointments = 0, shows = 0, sales = 0, emailed_first = 0;
  int64_t answered = 0, abandoned = 0, contacted = 0, calls_to_contact = 0, delivered = 0;
  double p50 = 0, p90 = 0;
};

std::map<std::string, Recount> RecountBy(store::PgConn& conn, absl::Time from, absl::Time to,
                                         const std::string& dealer, double* ms) {
  const absl::Time start = absl::Now();
  const std::string dialogue =
      "('dialogue_no_appointment', 'callback_requested', 'appointment_set', 'not_interested',"
      " 'objection')";
  auto r = conn.ExecOnce(
      {"recount",
       absl::StrCat(
           "WITH l AS (SELECT id, dealer_id, created_at FROM leads"
           "  WHERE created_at >= $1 AND created_at < $2 AND ($3 = '' OR dealer_id = $3)),"
           " a AS (SELECT a.lead_id, a.channel, a.outcome, a.started_at FROM attempts a"
           "  JOIN l ON l.id = a.lead_id),"
           " per_lead AS (SELECT l.id, l.dealer_id, l.created_at,"
           "  min(a.started_at) FILTER (WHERE a.channel = 'phone') AS first_call,"
           "  min(a.started_at) FILTER (WHERE a.channel = 'phone' AND a.outcome IN ",
           dialogue,
           ") AS first_dialogue,"
           "  bool_or(a.outcome = 'appointment_set') AS appointment,"
           "  count(*) FILTER (WHERE a.outcome IN ",
           dialogue,
           "   OR a.outcome IN ('wrong_number', 'abandoned', 'agent_lost')) AS answered,"
           "  count(*) FILTER (WHERE a.outcome = 'abandoned') AS abandoned"
           "  FROM l LEFT JOIN a ON a.lead_id = l.id GROUP BY l.id, l.dealer_id, l.created_at)"
           " SELECT p.dealer_id, count(*), count(p.first_dialogue),"
           "  count(*) FILTER (WHERE p.appointment),"
           "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = p.id"
           "   AND f.kind IN ('showed', 'sold'))),"
           "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = p.id"
           "   AND f.kind = 'sold')),"
           "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM attempts e WHERE e.lead_id = p.id"
           "   AND e.channel <> 'phone' AND e.started_at < coalesce(p.first_call, 'infinity'))),"
           "  sum(p.answered), sum(p.abandoned), count(p.first_dialogue),"
           "  coalesce(sum((SELECT count(*) FROM attempts c WHERE c.lead_id = p.id"
           "   AND c.channel = 'phone' AND c.started_at <= p.first_dialogue)), 0),"
           "  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM handovers h WHERE h.lead_id = p.id"
           "   AND h.state = 'delivered')),"
           "  percentile_disc(0.5) WITHIN GROUP"
           "   (ORDER BY extract(epoch FROM p.first_call - p.created_at)),"
           "  percentile_disc(0.9) WITHIN GROUP"
           "   (ORDER BY extract(epoch FROM p.first_call - p.created_at))"
           " FROM per_lead p GROUP BY p.dealer_id")
           .c_str()},
      {from, to, dealer});
  if (!r.ok()) Die("recount", r.status());
  *ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  std::map<std::string, Recount> out;
  for (int i = 0; i < r->rows(); ++i) {
    Recount& c = out[r->GetString(i, 0)];
    c.leads = r->GetInt64(i, 1);
    c.dialogues = r->GetInt64(i, 2);
    c.appointments = r->GetInt64(i, 3);
    c.shows = r->GetInt64(i, 4);
    c.sales = r->GetInt64(i, 5);
    c.emailed_first = r->GetInt64(i, 6);
    c.answered = r->GetInt64(i, 7);
    c.abandoned = r->GetInt64(i, 8);
    c.contacted = r->GetInt64(i, 9);
    c.calls_to_contact = r->GetInt64(i, 10);
    c.delivered = r->GetInt64(i, 11);
    c.p50 = r->GetDouble(i, 12);
    c.p90 = r->GetDouble(i, 13);
  }
  return out;
}

double Seconds(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) + d.nanos() / 1e9;
}

// Every row of the report is its dealer's recount, and no dealer is missing.
bool Matches(const pb::FunnelReport& report, const std::map<std::string, Recount>& recount) {
  if (static_cast<size_t>(report.rows_size()) != recount.size()) {
    std::cerr << "rows: " << report.rows_size() << " reported, " << recount.size()
              << " recounted\n";
    return false;
  }
  for (const pb::FunnelRow& row : report.rows()) {
    auto it = recount.find(row.group_key());
    if (it == recount.end()) {
      std::cerr << row.group_key() << ": not in the recount\n";
      return false;
    }
    const Recount& c = it->second;
    const double attempts =
        c.contacted > 0 ? static_cast<double>(c.calls_to_contact) / static_cast<double>(c.contacted)
                        : 0;
    const double abandon =
        c.answered > 0 ? 100.0 * static_cast<double>(c.abandoned) / static_cast<double>(c.answered)
                       : 0;
    const bool same = row.leads() == c.leads && row.dialogues() == c.dialogues &&
                      row.appointments() == c.appointments && row.shows() == c.shows &&
                      row.sales() == c.sales && row.emails_before_first_call() == c.emailed_first &&
                      row.handovers_delivered() == c.delivered &&
                      std::abs(row.attempts_per_lead_before_contact() - attempts) < 1e-9 &&
                      std::abs(row.abandon_rate_percent() - abandon) < 1e-9 &&
                      std::abs(Seconds(row.speed_to_lead_p50()) - c.p50) < 0.001 &&
                      std::abs(Seconds(row.speed_to_lead_p90()) - c.p90) < 0.001;
    if (!same) {
      std::cerr << row.group_key() << ": reported " << row.ShortDebugString() << "\n  recount "
                << c.leads << " leads, " << c.dialogues << " dialogues, " << c.appointments
                << " appointments, " << c.shows << " shows, " << c.sales << " sales, "
                << c.emailed_first << " e-mailed first, p50 " << c.p50 << " p90 " << c.p90 << "\n";
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  const int64_t attempts = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  // About 4 calls a lead, and one in twenty also e-mailed: leads per day for the year.
  const int64_t per_day = std::max<int64_t>(1, attempts * 100 / 405 / kDays);
  // Sized for the data, as a production server would be: the funnel rows of a year and their
  // cohort index (about 1.5 GB at 10M attempts) fit in shared buffers.
  auto world = testing::StartBenchWorld(
      {"shared_buffers = '2GB'", "max_wal_size = '8GB'", "work_mem = '64MB'"}, kDealers);
  if (!world.ok()) Die("postgres", world.status());
  store::PgConn& conn = *world->conn;
  const std::string& url = world->url;
  Exec(conn,
       "INSERT INTO campaigns (id, name, kind, state, queue_id, marketing_policy,"
       " existing_customer_months, min_call_attempts, min_spread_days, max_spread_days,"
       " max_call_attempts, min_gap_minutes, max_attempts_per_day, abandon_cap_percent,"
       " caller_id) VALUES (1, 'Reactivation 2026', 'passive_list', 'active', 'bdc',"
       " 'opt_in_only', 36, 4, 3, 5, 16, 60, 2, 3, '+31201234567')");
  std::cout << "report bench: " << per_day * kDays << " leads of " << kDealers
            << " dealers over 2026, about " << attempts << " attempts, loaded day by day\n";
  const absl::Time load_start = absl::Now();
  for (int d = 0; d < kDays; ++d) {
    Populate(conn, 1 + d * per_day, (d + 1) * per_day, d);
    // What the daemon does every few seconds: fold the day's changes into the daily figures.
    Exec(conn, "SELECT funnel_compact()");
    if (d % 30 == 29) std::cerr << "  day " << d + 1 << "\r" << std::flush;
  }
  Exec(conn, "VACUUM ANALYZE");
  Exec(conn, "CHECKPOINT");
  auto counted = conn.ExecOnce({"count", "SELECT count(*) FROM attempts"});
  if (!counted.ok()) Die("count", counted.status());
  const int64_t n = counted->GetInt64(0, 0);
  std::cout << absl::StrFormat("loaded %d attempts in %.0f s\n", n,
                               absl::ToDoubleSeconds(absl::Now() - load_start));

  // SV_BENCH_KEEP=1: the loaded database stays up for a look with psql until the bench is
  // killed (the queries' plans, other indexes).
  if (std::getenv("SV_BENCH_KEEP") != nullptr) {
    std::cout << "keeping the database: psql '" << url << "'" << std::endl;
    for (;;) absl::SleepFor(absl::Hours(1));
  }
  auto harness = SchedulerHarness::Start(url);
  auto stub = pb::Reports::NewStub(harness->channel());
  const absl::Time q_from = Day(90), q_to = Day(181);   // 1 April to 1 July
  const absl::Time m_from = Day(120), m_to = Day(151);  // May
  pb::FunnelReport quarter, month, totals;
  const double quarter_ms = Time(*stub, Request(q_from, q_to, ""), &quarter);
  pb::FunnelRequest one_funnel = Request(q_from, q_to, "");
  one_funnel.set_group_by(pb::FUNNEL_GROUP_BY_UNSPECIFIED);
  const double totals_ms = Time(*stub, one_funnel, &totals);
  const double month_ms = Time(*stub, Request(m_from, m_to, "d042"), &month);
  pb::FunnelReport by_agent;
  pb::FunnelRequest agents = Request(q_from, q_to, "");
  agents.set_group_by(pb::FUNNEL_GROUP_BY_AGENT);
  const double by_leads_ms = Time(*stub, agents, &by_agent);
  double recount_quarter_ms = 0, recount_month_ms = 0;
  // The one funnel is the dealers' rows summed.
  const bool matches = Matches(quarter, RecountBy(conn, q_from, q_to, "", &recount_quarter_ms)) &&
                       totals.totals().leads() == quarter.totals().leads() &&
                       totals.totals().sales() == quarter.totals().sales() &&
                       by_agent.totals().leads() == quarter.totals().leads() &&
                       by_agent.totals().sales() == quarter.totals().sales() &&
                       by_agent.totals().speed_to_lead_p90().seconds() ==
                           quarter.totals().speed_to_lead_p90().seconds() &&
                       Matches(month, RecountBy(conn, m_from, m_to, "d042", &recount_month_ms));
  const pb::FunnelRow& t = quarter.totals();
  std::cout << absl::StrFormat(
      "quarter, all dealers (%d rows, %d leads: %d dialogues, %d appointments, %d shows, %d "
      "sales): median %.1f ms of %d calls over gRPC; plain recount %.0f ms\n",
      quarter.rows_size(), t.leads(), t.dialogues(), t.appointments(), t.shows(), t.sales(),
      quarter_ms, kRuns, recount_quarter_ms);
  std::cout << absl::StrFormat("quarter, all dealers as one funnel: median %.1f ms\n", totals_ms);
  std::cout << absl::StrFormat(
      "quarter by agent (every lead's funnel row, not the daily figures): median %.1f ms\n",
      by_leads_ms);
  std::cout << absl::StrFormat(
      "month, dealer d042 (%d leads): median %.2f ms; plain recount %.0f ms\n",
      month.totals().leads(), month_ms, recount_month_ms);
  std::cout << "figures match the recount: " << (matches ? "yes" : "NO") << "\n";
  std::cout
      << absl::StrFormat(
             "{\"bench\":\"report\",\"attempts\":%d,\"all_dealers_quarter_ms\":%.1f,"
             "\"dealer_month_ms\":%.2f,\"matches_recount\":%s,"
             "\"all_dealers_quarter_one_funnel_ms\":%.1f,\"quarter_by_agent_from_leads_ms\":%.1f,"
             "\"recount_quarter_ms\":%.0f,\"recount_month_ms\":%.0f}",
             n, quarter_ms, month_ms, matches ? "true" : "false", totals_ms, by_leads_ms,
             recount_quarter_ms, recount_month_ms)
      << std::endl;
  return matches ? 0 : 1;
}

}  // namespace
}  // namespace secondvoice

int main(int argc, char** argv) { return secondvoice::Main(argc, argv); }
