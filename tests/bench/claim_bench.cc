// scripts/bench claim: claims per second and claim latency at 32 concurrent claimers through the
// engine's own claim path (scheduling::Scheduler: queue settings, fair sharing between dealers,
// FOR UPDATE SKIP LOCKED under a lease, then the window, cadence, consent and suppression rules
// on every claimed lead), at 1M and at 10M leads over 500 dealers; and in the same run a bare
// SQL claim (one UPDATE ... SKIP LOCKED statement) from 32 plain connections.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/scheduling/scheduler.h"
#include "libs/store/pg.h"
#include "libs/store/pool.h"
#include "libs/store/schedule.h"
#include "tests/testing/bench_world.h"

namespace secondvoice {
namespace {

constexpr int kDealers = 500;
constexpr int kClaimers = 32;

[[noreturn]] void Die(absl::string_view what, const absl::Status& status = absl::OkStatus()) {
  std::cerr << "claim bench: " << what << " " << status << "\n";
  std::exit(1);
}

void Exec(store::PgConn& conn, const std::string& sql) {
  if (absl::Status s = conn.ExecScript(sql); !s.ok()) Die(sql.substr(0, 80), s);
}

// Leads [from, to] with one mobile number each over the kDealers dealers, in the one campaign,
// due now; see testing::PopulateBenchLeads.
void Populate(store::PgConn& conn, int64_t from, int64_t to) {
  const absl::Status s = testing::PopulateBenchLeads(
      conn, {.from = from,
             .to = to,
             .dealers = kDealers,
             .mobile = true,
             .chunk = 500'000,
             .progress = [](int64_t hi) { std::cerr << "  " << hi << " leads\r" << std::flush; }});
  if (!s.ok()) Die("populating leads", s);
  std::cerr << "\n";
}

struct Run {
  double claims_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t claims = 0;
  // This process's CPU time (user + system) per claim: what the claimer side costs.
  double client_cpu_us = 0;
};

absl::Duration ProcessCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

Run Summarise(std::vector<std::vector<double>>& per_thread, absl::Duration elapsed,
              absl::Duration cpu) {
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Run run;
  run.claims = static_cast<int64_t>(all.size());
  run.claims_per_s = all.size() / absl::ToDoubleSeconds(elapsed);
  if (!all.empty()) {
    run.client_cpu_us = absl::ToDoubleMicroseconds(cpu) / all.size();
    run.p50_ms = all[all.size() / 2];
    run.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return run;
}

// 32 threads claiming one lead at a time through the engine for `seconds`.
Run EngineRun(const std::string& url, absl::Duration seconds) {
  std::cerr << "engine claims\n";
  store::Pool pool({.url = url, .size = kClaimers + 2});
  scheduling::Scheduler scheduler(&pool);
  std::vector<std::vector<double>> latencies(kClaimers);
  // When the slow claims (over 20 ms) happened, by second of the run: stalls that come in bursts
  // point at something periodic in the engine.
  std::vector<std::vector<int>> slow(kClaimers);
  std::atomic<bool> failed{false};
  // Warm the queue's settings and every connection (and its prepared statements) once,
  // outside the measurement.
  {
    std::vector<std::thread> warm;
    for (int t = 0; t < kClaimers; ++t) {
      warm.emplace_back([&] {
        if (!scheduler.ClaimLeads("bdc", 1, absl::Minutes(10), absl::ZeroDuration(), "warm").ok()) {
          failed = true;
        }
      });
    }
    for (auto& t : warm) t.join();
    if (failed) Die("warm-up claims");
  }
  const absl::Duration cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  const absl::Time end = start + seconds;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimers; ++t) {
    threads.emplace_back([&, t] {
      const std::string owner = absl::StrCat("bench-", t);
      while (absl::Now() < end) {
        const absl::Time before = absl::Now();
        auto claims =
            scheduler.ClaimLeads("bdc", 1, absl::Minutes(10), absl::ZeroDuration(), owner);
        const absl::Time after = absl::Now();
        if (!claims.ok() || claims->size() != 1) {
          failed = true;
          std::cerr << "engine claim: " << claims.status() << "\n";
          return;
        }
        latencies[t].push_back(absl::ToDoubleMilliseconds(after - before));
        if (after - before > absl::Milliseconds(20)) {
          slow[t].push_back(static_cast<int>(absl::ToInt64Seconds(before - start)));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) Die("engine claims failed");
  std::vector<int> per_second(static_cast<size_t>(absl::ToInt64Seconds(seconds)) + 1, 0);
  for (const auto& v : slow) {
    for (int s : v) ++per_second[std::min<size_t>(s, per_second.size() - 1)];
  }
  std::cerr << "engine claims over 20 ms, by second of the run:";
  for (int n : per_second) std::cerr << " " << n;
  std::cerr << "\n";
  return Summarise(latencies, absl::Now() - start, ProcessCpu() - cpu_start);
}

// 32 plain connections, each running one UPDATE ... SKIP LOCKED statement per claim over the
// dealers in turn; with `engine_sql`, the engine's own claim statement (store::ClaimOne) instead,
// without the rules: what the statement costs by itself.
Run BareRun(const std::string& url, absl::Duration seconds, bool engine_sql = false) {
  std::cerr << (engine_sql ? "the engine's statement alone\n" : "bare claims\n");
  static constexpr store::Query kBare = {
      "bare_claim",
      "UPDATE lead_schedule SET due_at = now() + interval '10 minutes',"
      " lease_until = now() + interval '10 minutes', lease_owner = 'bare',"
      " lease_token = lease_token + 1"
      " WHERE lead_id = (SELECT lead_id FROM lead_schedule WHERE campaign_id = 1"
      " AND dealer_id = $1 AND rank = 3 AND due_at <= now() ORDER BY due_at LIMIT 1"
      " FOR UPDATE SKIP LOCKED) RETURNING lead_id"};
  std::vector<std::unique_ptr<store::PgConn>> conns;
  for (int t = 0; t < kClaimers; ++t) {
    auto conn = store::PgConn::Connect(url, absl::Seconds(10));
    if (!conn.ok()) Die("connect", conn.status());
    // Warm, as the engine's connections are: one claim prepares the statement.
    if (auto r = (*conn)->Exec(kBare, {"d001"}); !r.ok()) Die("warm-up bare claim", r.status());
    conns.push_back(*std::move(conn));
  }
  std::vector<std::vector<double>> latencies(kClaimers);
  std::atomic<bool> failed{false};
  const absl::Duration cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  const absl::Time end = start + seconds;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimers; ++t) {
    threads.emplace_back([&, t] {
      int64_t k = t;
      while (absl::Now() < end) {
        const std::string dealer = absl::StrFormat("d%03d", k++ % kDealers + 1);
        const absl::Time before = absl::Now();
        bool ok = false;
        if (engine_sql) {
          store::ClaimProbe probe{.campaign_id = 1,
                                  .dealer_id = dealer,
                                  .rank = 3,
                                  .now = before,
                                  .lease_until = before + absl::Minutes(10),
                                  .owner = "sql"};
          auto r = store::ClaimOne(*conns[t], probe);
          ok = r.ok() && r->has_value();
        } else {
          auto r = conns[t]->Exec(kBare, {dealer});
          ok = r.ok() && r->rows() == 1;
        }
        const absl::Time after = absl::Now();
        if (!ok) {
          failed = true;
          std::cerr << "bare claim failed\n";
          return;
        }
        latencies[t].push_back(absl::ToDoubleMilliseconds(after - before));
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) Die("bare claims failed");
  return Summarise(latencies, absl::Now() - start, ProcessCpu() - cpu_start);
}

void Print(const std::string& what, int64_t leads, const Run& r) {
  std::cout << absl::StrFormat("%-8s %11d %9d %12.0f %8.2f %8.2f %12.0f\n", what, leads, r.claims,
                               r.claims_per_s, r.p50_ms, r.p99_ms, r.client_cpu_us);
}

int Main(int argc, char** argv) {
  const int64_t leads = argc > 1 ? std::atoll(argv[1]) : 10'000'000;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 20;
  const int64_t first = std::min<int64_t>(1'000'000, leads);
  // A server sized for ten million leads rather than the tests' defaults: the schedule, its
  // indexes and the suppressions (about 3 GB at 10M) fit in shared buffers, as they would on a
  // production server sized for its data.
  auto world =
      testing::StartBenchWorld({"shared_buffers = '4GB'", "max_wal_size = '8GB'"}, kDealers);
  if (!world.ok()) Die("postgres", world.status());
  auto* conn = &world->conn;
  const std::string* url = &world->url;
  Exec(**conn,
       "INSERT INTO campaigns (id, name, kind, state, queue_id, marketing_policy,"
       " existing_customer_months, min_call_attempts, min_spread_days, max_spread_days,"
       " max_call_attempts, min_gap_minutes, max_attempts_per_day, abandon_cap_percent,"
       " caller_id) VALUES (1, 'Same car 4 years', 'passive_list', 'active', 'bdc',"
       " 'opt_in_or_existing_customer', 36, 4, 3, 5, 16, 120, 2, 3.0, '+31201234567')");
  Exec(**conn, "INSERT INTO campaign_dealers SELECT 1, id FROM dealers");

  std::cout << "leads over 500 dealers, 32 concurrent claimers, " << seconds
            << " s per run; latency per claim\n";
  std::cout << "path        leads     claims     claims/s   p50 ms   p99 ms  client us/claim\n";
  std::cerr << "populating " << first << " leads\n";
  Populate(**conn, 1, first);
  // Every run starts from a vacuumed table and a checkpoint, so that no run pays for the dead
  // rows of the one before it or for writing out the pages the load dirtied.
  auto vacuum = [&] {
    Exec(**conn, "VACUUM ANALYZE lead_schedule");
    Exec(**conn, "CHECKPOINT");
  };
  vacuum();
  const Run bare_1m = BareRun(*url, absl::Seconds(seconds));
  Print("bare", first, bare_1m);
  vacuum();
  Print("stmt", first, BareRun(*url, absl::Seconds(seconds), true));
  vacuum();
  const Run engine_1m = EngineRun(*url, absl::Seconds(seconds));
  Print("engine", first, engine_1m);
  Run bare = bare_1m, engine = engine_1m;
  if (leads > first) {
    std::cerr << "populating up to " << leads << " leads\n";
    Populate(**conn, first + 1, leads);
    vacuum();
    bare = BareRun(*url, absl::Seconds(seconds));
    Print("bare", leads, bare);
    vacuum();
    Print("stmt", leads, BareRun(*url, absl::Seconds(seconds), true));
    vacuum();
    engine = EngineRun(*url, absl::Seconds(seconds));
    Print("engine", leads, engine);
  }
  std::cout << absl::StrFormat(
      "engine/bare %.2f at %d leads; engine p99 %.2f ms at %d leads, %.2f ms at %d\n",
      engine.claims_per_s / bare.claims_per_s, leads, engine.p99_ms, leads, engine_1m.p99_ms,
      first);
  std::cout << absl::StrFormat(
      "{\"bench\":\"claim\",\"leads\":%d,\"claimers\":%d,\"claims_per_s\":%.0f,"
      "\"bare_claims_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"p99_ms_at_1m\":%.2f}\n",
      leads, kClaimers, engine.claims_per_s, bare.claims_per_s, engine.p50_ms, engine.p99_ms,
      engine_1m.p99_ms);
  // SV_BENCH_KEEP=1: the database stays up after the runs for a look with psql or pgbench until
  // the bench is killed (the statement's parts, its plans).
  if (std::getenv("SV_BENCH_KEEP") != nullptr) {
    std::cerr << "keeping the database: psql '" << *url << "'" << std::endl;
    for (;;) absl::SleepFor(absl::Hours(1));
  }
  return 0;
}

}  // namespace
}  // namespace secondvoice

int main(int argc, char** argv) { return secondvoice::Main(argc, argv); }
