// secondvoice-example-crm: an example dealer CRM serving secondvoice.v1.DealerCrm (and its
// ExampleCrmControl) on --listen, storing handovers in --store; SIGTERM or SIGINT stop it.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/common/file.h"
#include "libs/common/log.h"
#include "services/example_crm/example_crm.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7080",
          "host:port to serve gRPC on (port 0: any free port)");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(std::string, store, "", "the store file of received handovers (created if missing)");
ABSL_FLAG(std::string, token, "",
          "if set, ReceiveHandover requires 'authorization: Bearer TOKEN' metadata");
ABSL_FLAG(std::string, tls_cert, "",
          "serve TLS with this PEM certificate chain (with --tls_key); default plain text");
ABSL_FLAG(std::string, tls_key, "", "the PEM private key of --tls_cert");
ABSL_FLAG(bool, fail, false, "answer every ReceiveHandover with UNAVAILABLE (until changed)");
ABSL_FLAG(int, delay_ms, 0, "answer each ReceiveHandover this many milliseconds late");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "how long running calls may take to finish on SIGTERM");

namespace {

int Fail(const std::string& message) {
  SV_LOG(Error) << message;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "secondvoice-example-crm --store=FILE [--listen=HOST:PORT] [--token=T] [--fail] "
      "[--delay_ms=N]");
  absl::ParseCommandLine(argc, argv);
  using secondvoice::example_crm::ExampleCrm;
  using secondvoice::example_crm::ExampleCrmServer;

  // Block the shutdown signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ExampleCrm::Options options;
  options.store_path = absl::GetFlag(FLAGS_store);
  if (options.store_path.empty()) return Fail("--store is required");
  options.token = absl::GetFlag(FLAGS_token);

  auto crm = std::make_unique<ExampleCrm>(std::move(options));
  // Set before serving, so not even the first call sees another behaviour, and before Open, so
  // a bad flag creates no store file.
  secondvoice::v1::SetBehaviourRequest behaviour;
  behaviour.set_fail(absl::GetFlag(FLAGS_fail));
  behaviour.set_delay_ms(absl::GetFlag(FLAGS_delay_ms));
  if (absl::Status s = crm->SetBehaviour(behaviour); !s.ok()) {
    return Fail(absl::StrCat("--", s.message()));
  }
  if (absl::Status s = crm->Open(); !s.ok()) return Fail(std::string(s.message()));

  ExampleCrmServer::Tls tls;
  if (absl::GetFlag(FLAGS_tls_cert).empty() != absl::GetFlag(FLAGS_tls_key).empty()) {
    return Fail("--tls_cert and --tls_key go together");
  }
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    for (auto [flag, path, out] :
         {std::make_tuple("--tls_cert", absl::GetFlag(FLAGS_tls_cert), &tls.cert_chain_pem),
          std::make_tuple("--tls_key", absl::GetFlag(FLAGS_tls_key), &tls.private_key_pem)}) {
      absl::StatusOr<std::string> text = secondvoice::ReadFile(path);
      if (!text.ok() || text->find("-----BEGIN ") == std::string::npos) {
        return Fail(absl::StrCat(flag, ": cannot read PEM from ", path));
      }
      *out = *std::move(text);
    }
  }
  absl::StatusOr<std::unique_ptr<ExampleCrmServer>> server =
      ExampleCrmServer::Start(std::move(crm), absl::GetFlag(FLAGS_listen), tls);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    // Written whole under a temporary name, so a reader never sees a partial port.
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      return Fail("cannot write --port_file " + path);
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  SV_LOG(Info) << "signal " << signal_number << ": shutting down";
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
