// The load workload of issue 8 (scripts/bench load and load_test): simulated agents in sessions,
// list imports and dealer-CRM traffic, all at once over loopback gRPC against the real
// secondvoice-scheduler process, whose memory and CPU are sampled from /proc as it runs.
#ifndef SECONDVOICE_TESTS_TESTING_LOAD_H_
#define SECONDVOICE_TESTS_TESTING_LOAD_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace secondvoice::testing {

struct LoadOptions {
  int agents = 500;
  // The whole run, warm-up included.
  absl::Duration run_for = absl::Minutes(10);
  // The daemon's memory at the end of the warm-up is the baseline the end is compared with.
  absl::Duration warm_up = absl::Seconds(30);
  absl::Duration sample_every = absl::Seconds(10);
  int dealers = 50;
  // Written straight into the database before the daemon starts, due now.
  int64_t leads = 200'000;
  // "progressive" or "predictive".
  std::string dialing_mode = "progressive";
  // A campaign manager imports a list of this many rows this often (the first after half of it).
  int import_rows = 2000;
  absl::Duration import_every = absl::Seconds(30);
  // A dealer CRM's follow-ups, and its lookups: GetLead and ListHandovers at this rate each.
  double follow_ups_per_s = 5;
  double lookups_per_s = 5;
  // A login probe (a session that logs in and out) this often.
  double logins_per_s = 1;
  // Agent desktops share a connection this many at a time (a BDC floor behind a few NATs).
  int agents_per_channel = 25;
  // Mobile numbers and e-mail addresses, as real lists carry them (a lead that can take a
  // message gets one after its first call: "call first, then e-mail"); false: one fixed-line
  // number per lead, which can only be called.
  bool mobile_numbers = true;
  // The simulated agents' median wrap-up.
  absl::Duration wrap = absl::Seconds(2);
  // Added to the daemon's command line after --carrier=quick.
  std::vector<std::string> daemon_flags;
  // ALTER SYSTEM settings of the throwaway PostgreSQL.
  std::vector<std::string> postgres_settings = {"shared_buffers = '512MB'", "max_wal_size = '4GB'"};
  // Progress lines (stderr in the bench); may be empty.
  std::function<void(const std::string&)> progress;
};

// One operation's latencies from the client's side.
struct OpStats {
  std::string name;
  std::vector<double> ms;  // successful calls
  int64_t errors = 0;
  std::string first_error;
  double Percentile(double p) const;
};

// The daemon process every `sample_every`, with what the clients did since the last sample.
struct Sample {
  double at_s = 0;
  double rss_mb = 0;
  // CPU over the interval in % of one core: the daemon, the PostgreSQL cluster; and the whole
  // machine's busy share in % of all its cores (this process's agents and clients included).
  double cpu_percent = 0;
  double pg_cpu_percent = 0;
  double machine_percent = 0;
  int threads = 0;
  int64_t offers = 0;
  int64_t outcomes = 0;
  int64_t appointments = 0;
  int64_t agent_errors = 0;
};

struct LoadResult {
  LoadOptions options;
  pid_t daemon_pid = 0;
  // login, first_offer, submit_follow_up, get_lead, list_handovers, import, handover.
  std::vector<OpStats> ops;
  std::vector<Sample> samples;
  double rss_mb_start = 0;  // after the warm-up
  double rss_mb_end = 0;
  double rss_mb_max = 0;
  // The simulated agents, summed.
  int64_t offers = 0;
  int64_t connected = 0;
  int64_t outcomes = 0;
  int64_t appointments = 0;
  int64_t agent_errors = 0;
  std::vector<std::string> agent_error_lines;  // the first few
  // Agents with no event in the last minute of the run (a session that died or starved).
  int idle_agents = 0;
  // From the database at the end.
  int64_t attempts = 0;
  std::vector<std::pair<std::string, int64_t>> attempts_by_outcome;  // most first
  // Leads called more than twice (the field's daily maximum; the run is far shorter than the
  // cadence's minimum gap) and the most calls any one lead got.
  int64_t leads_called_more_than_twice = 0;
  int64_t most_calls_one_lead = 0;
  // Calls the carrier could not place, the leads they were on, and the most on one lead.
  int64_t failed_calls = 0;
  int64_t failed_call_leads = 0;
  int64_t failed_calls_most = 0;
  int64_t handovers = 0;
  int64_t handovers_delivered = 0;
  // At the example CRM.
  int64_t handovers_received = 0;
  int64_t crm_duplicates = 0;
  int64_t imports = 0;
  int64_t imported_rows = 0;
  // The daemon's log: lines by level, and the first few distinct warnings and errors.
  int64_t log_warnings = 0;
  int64_t log_errors = 0;
  std::vector<std::string> log_samples;
  std::string log_path;
  // The daemon's and the CRM's files (log, tokens, the CRM's store); left for a look afterwards.
  std::string work_dir;
  // SIGTERM at the end: 0 is a clean stop.
  int daemon_exit = -1;
  // This process (agents, clients, the CRM) on the same cores, in CPU seconds.
  double client_cpu_s = 0;

  const OpStats& Op(const std::string& name) const;
  int64_t TotalErrors() const;
};

// Starts a throwaway PostgreSQL, the example CRM in this process and the daemon as a process,
// runs the load for `options.run_for` and gathers what happened. An error means the load could
// not run at all (no database, no daemon); failures under load are counted in the result.
absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options);

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_LOAD_H_
