// scripts/bench load [AGENTS] [SECONDS] [MODE]: the daemon under a BDC floor's load for a while
// (issue 8). AGENTS simulated agents (default 500) work a progressive (or MODE) queue in
// AgentService sessions against the real secondvoice-scheduler process with the quick simulated
// carrier, while a campaign manager imports a list every 30 s and a dealer CRM sends follow-ups
// and looks up leads and handovers, 5 a second each; appointments are handed over to the example
// dealer CRM. Everything over loopback gRPC on the same cores, for SECONDS (default 600).
// Reported: the daemon's memory every 10 s (flat means the end within ~10-15% of the value after
// a 30 s warm-up), p50/p99 per operation and the errors, which should be none.
// For experiments: SV_LOAD_DAEMON_FLAGS adds flags to the daemon's command line (e.g.
// "--workers=16"); SV_LOAD_IMPORT_EVERY_S and SV_LOAD_FOLLOW_UPS_PER_S change those rates (0:
// none).
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/testing/load.h"

namespace secondvoice {
namespace {

// Two threads per agent (its stream and its timer) and a connection per 25 agents: the limits
// of a default shell are enough for 500, but a bigger run should not fail on descriptors.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int Main(int argc, char** argv) {
  testing::LoadOptions o;
  o.agents = argc > 1 ? std::atoi(argv[1]) : 500;
  o.run_for = absl::Seconds(argc > 2 ? std::atoi(argv[2]) : 600);
  if (argc > 3) o.dialing_mode = argv[3];
  o.warm_up = std::min(absl::Seconds(30), o.run_for / 3);
  if (const char* extra = std::getenv("SV_LOAD_DAEMON_FLAGS"); extra != nullptr) {
    o.daemon_flags = absl::StrSplit(extra, ' ', absl::SkipEmpty());
  }
  if (const char* every = std::getenv("SV_LOAD_IMPORT_EVERY_S"); every != nullptr) {
    // 0: no imports (an interval past the end).
    const int s = std::atoi(every);
    o.import_every = s > 0 ? absl::Seconds(s) : 4 * o.run_for;
  }
  if (const char* fixed = std::getenv("SV_LOAD_FIXED_LINES"); fixed != nullptr && *fixed == '1') {
    o.mobile_numbers = false;
  }
  if (const char* rate = std::getenv("SV_LOAD_FOLLOW_UPS_PER_S"); rate != nullptr) {
    o.follow_ups_per_s = std::atof(rate);
  }
  o.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  RaiseFileLimit();

  absl::StatusOr<testing::LoadResult> got = testing::RunLoad(o);
  if (!got.ok()) {
    std::cerr << "load bench: " << got.status() << "\n";
    return 1;
  }
  const testing::LoadResult& r = *got;
  const double seconds = absl::ToDoubleSeconds(o.run_for);

  std::cout << absl::StrFormat(
      "%d agents (%s queue, quick carrier, %s median wrap-up) over %d connections, %d leads of %d "
      "dealers; a %d-row list every %s; follow-ups %.0f/s, GetLead and ListHandovers %.0f/s "
      "each, a login probe %.0f/s; %.0f s; daemon flags:%s\n",
      o.agents, o.dialing_mode, absl::FormatDuration(o.wrap),
      (o.agents + o.agents_per_channel - 1) / o.agents_per_channel, o.leads, o.dealers,
      o.import_rows, absl::FormatDuration(o.import_every), o.follow_ups_per_s, o.lookups_per_s,
      o.logins_per_s, seconds,
      o.daemon_flags.empty() ? " (defaults)"
                             : absl::StrCat(" ", absl::StrJoin(o.daemon_flags, " ")));
  std::cout
      << "every 10 s: the daemon's memory, threads and CPU (% of one core), PostgreSQL's CPU,\n"
         "the machine's (% of all cores); offers, outcomes and appointments since the line before\n"
         "     t s   RSS MB  threads  daemon %   pg %  machine %   offers  outcomes  appts  "
         "agent errors\n";
  for (const testing::Sample& s : r.samples) {
    std::cout << absl::StrFormat("%8.0f %8.1f %8d %9.1f %6.1f %10.1f %8d %9d %6d %13d\n", s.at_s,
                                 s.rss_mb, s.threads, s.cpu_percent, s.pg_cpu_percent,
                                 s.machine_percent, s.offers, s.outcomes, s.appointments,
                                 s.agent_errors);
  }
  std::cout << "operation          calls   per s  errors   p50 ms   p99 ms   max ms\n";
  for (const testing::OpStats& op : r.ops) {
    std::cout << absl::StrFormat("%-16s %7d %7.2f %7d %8.1f %8.1f %8.1f\n", op.name, op.ms.size(),
                                 op.ms.size() / seconds, op.errors, op.Percentile(0.5),
                                 op.Percentile(0.99), op.Percentile(1.0));
  }
  std::cout << "(login: a probe session from opening to SessionStarted; first_offer: each agent "
               "from the start to its first lead, all logging in at once; import: a whole list; "
               "handover: the outcome's transaction to the CRM storing it)\n";
  for (const testing::OpStats& op : r.ops) {
    if (op.errors > 0) std::cout << "  first " << op.name << " error: " << op.first_error << "\n";
  }
  std::cout << absl::StrFormat(
      "agents: %d offers, %d connected, %d outcomes, %d appointments, %d errors; %d of %d with "
      "no event in the last minute\n",
      r.offers, r.connected, r.outcomes, r.appointments, r.agent_errors, r.idle_agents, o.agents);
  for (const std::string& line : r.agent_error_lines) std::cout << "  " << line << "\n";
  std::cout << absl::StrFormat(
      "calls placed: %d (%.1f/s); handovers: %d queued, %d delivered, %d at the CRM (%d repeats "
      "it recognised); imports: %d lists, %d rows\n",
      r.attempts, r.attempts / seconds, r.handovers, r.handovers_delivered, r.handovers_received,
      r.crm_duplicates, r.imports, r.imported_rows);
  std::cout << "  calls by outcome:";
  for (const auto& [outcome, n] : r.attempts_by_outcome) std::cout << " " << outcome << " " << n;
  std::cout << "\n";
  std::cout << absl::StrFormat(
      "  leads called more than twice: %d, up to %d calls on one lead; calls the carrier could "
      "not place: %d on %d leads, up to %d on one lead\n",
      r.leads_called_more_than_twice, r.most_calls_one_lead, r.failed_calls, r.failed_call_leads,
      r.failed_calls_most);
  const double growth = r.rss_mb_start > 0 ? 100 * (r.rss_mb_end / r.rss_mb_start - 1) : 0;
  std::cout << absl::StrFormat(
      "daemon memory: %.1f MB after the %s warm-up, %.1f MB at the end (%+.1f%%), %.1f MB at "
      "most; CPU of this process (agents, clients, CRM): %.0f s\n",
      r.rss_mb_start, absl::FormatDuration(o.warm_up), r.rss_mb_end, growth, r.rss_mb_max,
      r.client_cpu_s);
  std::cout << absl::StrFormat("daemon log: %d warnings, %d errors (%s); exit code on SIGTERM %d\n",
                               r.log_warnings, r.log_errors, r.log_path, r.daemon_exit);
  for (const std::string& line : r.log_samples) std::cout << "  " << line << "\n";

  auto p99 = [&](const std::string& op) { return r.Op(op).Percentile(0.99); };
  std::cout << absl::StrFormat(
      "{\"bench\":\"load\",\"agents\":%d,\"seconds\":%.0f,\"rss_mb_start\":%.1f,"
      "\"rss_mb_end\":%.1f,\"p99_ms\":{\"login\":%.1f,\"submit_follow_up\":%.1f,"
      "\"get_lead\":%.1f,\"list_handovers\":%.1f,\"import\":%.1f,\"first_offer\":%.1f,"
      "\"handover\":%.1f},\"rss_mb_max\":%.1f,\"calls_per_s\":%.1f,\"errors\":%d}\n",
      o.agents, seconds, r.rss_mb_start, r.rss_mb_end, p99("login"), p99("submit_follow_up"),
      p99("get_lead"), p99("list_handovers"), p99("import"), p99("first_offer"), p99("handover"),
      r.rss_mb_max, r.attempts / seconds, r.TotalErrors());
  return 0;
}

}  // namespace
}  // namespace secondvoice

int main(int argc, char** argv) { return secondvoice::Main(argc, argv); }
