// secondvoice-scheduler: the daemon. Serves the secondvoice.v1 API on --listen against the
// PostgreSQL at --database_url; SIGTERM or SIGINT shut it down gracefully.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/common/file.h"
#include "libs/common/log.h"
#include "services/scheduler/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7070",
          "host:port to serve gRPC on (port 0: any free port)");
ABSL_FLAG(std::string, database_url, "",
          "libpq URL or conninfo of the PostgreSQL database (default: $SECONDVOICE_DATABASE_URL)");
ABSL_FLAG(std::string, tokens_file, "",
          "file of 'TOKEN ROLE [SCOPE ...]' lines (development tokens; real ones are made"
          " with 'secondvoice token create')");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the gRPC port; with --tls_key, the port speaks only TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM roots that sign dealer CRMs' client certificates: mutual TLS, and a crm token is "
          "then accepted only over a connection with a verified client certificate");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(int, workers, 8, "threads that run database work for RPCs");
ABSL_FLAG(int, db_pool_size, 8, "PostgreSQL connections at most");
ABSL_FLAG(int, claim_concurrency, 4,
          "claims at work at once (statement and rules); the others wait in line. About twice"
          " the cores PostgreSQL and the daemon share");
ABSL_FLAG(absl::Duration, second_voice_delay, absl::Hours(24 * 14),
          "an unsold lead reported by a dealer CRM enters the dealer's second-voice campaign this "
          "long after the visit");
ABSL_FLAG(absl::Duration, retention, absl::ZeroDuration(),
          "leads closed (not new or in progress) for longer than this are erased (personal data "
          "blanked, funnel counts kept), e.g. 17520h for two years; 0 keeps them for ever");
ABSL_FLAG(absl::Duration, handover_deadline, absl::Seconds(5),
          "deadline of each call to a dealer CRM; a delivery is leased for twice as long");
ABSL_FLAG(absl::Duration, handover_flag_after, absl::Minutes(15),
          "an undelivered handover this old is flagged to the campaign manager (and still tried)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "how long running calls may take to finish on SIGTERM");
ABSL_FLAG(std::string, carrier, "realistic",
          "the simulated carrier's profile: realistic (ring, talk and answer rates of a BDC "
          "day), quick (calls resolve in about a second; tests) or demo (ten-second talks)");
ABSL_FLAG(uint64_t, carrier_seed, 1, "seed of the simulated carrier");
ABSL_FLAG(double, answer_rate, -1,
          "the simulated carrier's person-answer rate, 0..1 (default: the profile's)");
ABSL_FLAG(std::string, caller_id, "+31201234567", "the caller ID shown on every call (E.164)");
ABSL_FLAG(absl::Duration, ring_timeout, absl::Seconds(25),
          "how long a call rings before the dialer gives up (at least 15s)");
ABSL_FLAG(std::string, replica, "", "this replica's name in lease owners (default: host:pid)");

namespace {

int Fail(const std::string& message) {
  SV_LOG(Error) << message;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("secondvoice-scheduler --database_url=URL [--listen=HOST:PORT]");
  absl::ParseCommandLine(argc, argv);
  using secondvoice::scheduler::Server;
  using secondvoice::scheduler::ServerOptions;

  // glibc gives each new thread a malloc arena up to 8 per core and never hands their free
  // space back to one another; with import pipelines passing rows between threads that held
  // ~70 MB of a million-row import's peak (docs/benchmarks.md). One arena per core is enough
  // for a service whose work runs on a pool the size of the machine. MALLOC_ARENA_MAX wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  }
  // glibc also raises its mmap threshold to the size of each large block freed (up to 32 MB), so
  // after the first list import the large blocks of the next ones (batches of rows, the index of
  // known identities) come from the arenas, and what they leave there is not given back: under
  // load the daemon's memory rose with each list imported (scripts/bench load). A fixed
  // threshold (glibc's initial 128 KiB) maps such blocks and unmaps them when they are freed.
  // MALLOC_MMAP_THRESHOLD_ wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 128 << 10);

  // Block the shutdown signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.database_url = absl::GetFlag(FLAGS_database_url);
  if (options.database_url.empty()) {
    if (const char* env = std::getenv("SECONDVOICE_DATABASE_URL")) options.database_url = env;
  }
  if (options.database_url.empty()) {
    return Fail("--database_url (or SECONDVOICE_DATABASE_URL) is required");
  }
  if (const std::string path = absl::GetFlag(FLAGS_tokens_file); !path.empty()) {
    auto tokens = secondvoice::auth::TokenTable::LoadFile(path);
    if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
    options.tokens = *std::move(tokens);
  } else {
    SV_LOG(Info) << "no --tokens_file: only the database's tokens are accepted"
                    " (secondvoice token create)";
  }
  const std::string cert = absl::GetFlag(FLAGS_tls_cert), key = absl::GetFlag(FLAGS_tls_key),
                    client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (cert.empty() != key.empty()) return Fail("--tls_cert and --tls_key go together");
  if (!client_ca.empty() && cert.empty()) return Fail("--tls_client_ca needs --tls_cert");
  for (const auto& [flag, path, pem] :
       {std::tuple{"--tls_cert", cert, &options.tls.cert_chain_pem},
        std::tuple{"--tls_key", key, &options.tls.private_key_pem},
        std::tuple{"--tls_client_ca", client_ca, &options.tls.client_ca_pem}}) {
    if (path.empty()) continue;
    absl::StatusOr<std::string> text = secondvoice::ReadFile(path);
    if (!text.ok() || text->empty()) return Fail(absl::StrCat(flag, ": cannot read ", path));
    *pem = *std::move(text);
  }
  options.workers = absl::GetFlag(FLAGS_workers);
  options.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  options.claim_concurrency = absl::GetFlag(FLAGS_claim_concurrency);
  options.second_voice_delay = absl::GetFlag(FLAGS_second_voice_delay);
  options.retention = absl::GetFlag(FLAGS_retention);
  if (options.retention < absl::ZeroDuration()) return Fail("--retention must not be negative");
  options.handovers.deadline = absl::GetFlag(FLAGS_handover_deadline);
  options.handovers.flag_after = absl::GetFlag(FLAGS_handover_flag_after);
  if (options.handovers.deadline <= absl::ZeroDuration()) {
    return Fail("--handover_deadline must be positive");
  }
  if (options.workers < 1 || options.db_pool_size < 1 || options.claim_concurrency < 1) {
    return Fail("--workers, --db_pool_size and --claim_concurrency must be at least 1");
  }

  absl::StatusOr<secondvoice::telephony::CarrierProfile> carrier =
      secondvoice::scheduler::CarrierProfileNamed(absl::GetFlag(FLAGS_carrier));
  if (!carrier.ok()) return Fail(std::string(carrier.status().message()));
  options.carrier = *std::move(carrier);
  if (const double rate = absl::GetFlag(FLAGS_answer_rate); rate >= 0) {
    if (rate > 1) return Fail("--answer_rate must be between 0 and 1");
    options.carrier.answer_rate = rate;
  }
  options.carrier_seed = absl::GetFlag(FLAGS_carrier_seed);
  options.dialer.caller_id = absl::GetFlag(FLAGS_caller_id);
  if (options.dialer.caller_id.empty()) return Fail("--caller_id is required");
  options.dialer.ring_timeout = absl::GetFlag(FLAGS_ring_timeout);
  if (options.dialer.ring_timeout < secondvoice::telephony::kMinRingTimeout) {
    return Fail("--ring_timeout must be at least 15s");
  }
  options.dialer.owner = absl::GetFlag(FLAGS_replica);
  if (options.dialer.owner.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    options.dialer.owner = std::string(host) + ":" + std::to_string(getpid());
  }

  Server server(std::move(options));
  if (absl::Status s = server.Start(); !s.ok()) return Fail(std::string(s.message()));
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    // Written whole under a temporary name, so a reader never sees a partial port.
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      return Fail("cannot write --port_file " + path);
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  SV_LOG(Info) << "signal " << signal_number << ": shutting down";
  server.Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
