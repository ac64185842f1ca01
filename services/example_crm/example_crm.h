// An example dealer CRM behind secondvoice.v1.DealerCrm, as a CRM vendor would build one: it
// stores handovers durably, deduplicates by idempotency_key and can be told to fail or be slow
// (secondvoice.v1.ExampleCrmControl). Used by the demo, the tests and the benchmark.
#ifndef SECONDVOICE_SERVICES_EXAMPLE_CRM_EXAMPLE_CRM_H_
#define SECONDVOICE_SERVICES_EXAMPLE_CRM_EXAMPLE_CRM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "secondvoice/v1/example_crm.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "services/example_crm/record_log.h"

namespace secondvoice::example_crm {

class ExampleCrm {
 public:
  struct Options {
    // The append-only store file (created if missing).
    std::string store_path;
    // When set, ReceiveHandover requires "authorization: Bearer <token>"; empty: no auth.
    std::string token;
  };

  explicit ExampleCrm(Options options);
  // Answers calls still waiting out delay_ms at once. Destroy the grpc::Server serving this
  // first: its Shutdown waits for those answers.
  ~ExampleCrm();
  ExampleCrm(const ExampleCrm&) = delete;
  ExampleCrm& operator=(const ExampleCrm&) = delete;

  // Loads the store (cutting off a torn last record) so that deduplication survives restarts.
  // ReceiveHandover answers UNAVAILABLE until it has succeeded.
  [[nodiscard]] absl::Status Open();

  // The DealerCrm and ExampleCrmControl services; this object must outlive the server.
  void RegisterServices(grpc::ServerBuilder& builder);
  grpc::Service* dealer_crm_service();
  grpc::Service* control_service();

  // What ExampleCrmControl.SetBehaviour does, for in-process callers (e.g. main's flags).
  [[nodiscard]] absl::Status SetBehaviour(const v1::SetBehaviourRequest& behaviour);
  // What ExampleCrmControl.ListReceived answers.
  v1::ListReceivedResponse ListReceived(bool omit_handovers = false) const;

  // Answers calls waiting out delay_ms no later than `deadline`: a server shutting down with a
  // grace period waits for them, and should not wait longer than that.
  void AnswerDelayedCallsBy(absl::Time deadline);

 private:
  class DealerCrmService;
  class ControlService;
  class DelayedAnswers;

  struct Entry {
    v1::ExampleCrmStoreRecord record;
    int32_t deliveries = 1;
  };

  grpc::ServerUnaryReactor* ReceiveHandover(grpc::CallbackServerContext* ctx,
                                            const v1::Handover& handover, v1::HandoverAck* ack);
  // Everything but authentication and the delay; `delay` is the answer's delay.
  absl::Status Receive(const v1::Handover& handover, v1::HandoverAck* ack, absl::Duration* delay);

  const Options options_;
  std::unique_ptr<DealerCrmService> crm_service_;
  std::unique_ptr<ControlService> control_service_;
  std::unique_ptr<DelayedAnswers> delayed_;

  mutable absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  RecordLog log_ ABSL_GUARDED_BY(mu_);
  // Stored handovers in arrival order, and the index of each idempotency_key in it.
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> by_key_ ABSL_GUARDED_BY(mu_);
  // Behaviour.
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
  int32_t fail_next_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::flat_hash_set<std::string> refuse_dealers_ ABSL_GUARDED_BY(mu_);
  // Totals since the process started.
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_on_purpose_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
};

// An ExampleCrm served over gRPC with health checking and reflection: what main and the tests
// run.
class ExampleCrmServer {
 public:
  // TLS for the server: its certificate chain and private key, PEM. Empty: plain text.
  struct Tls {
    std::string cert_chain_pem;
    std::string private_key_pem;
  };
  // Opens a new ExampleCrm with `options` and serves it on `listen` ("host:port"; port 0 picks
  // a free one, see port()).
  static absl::StatusOr<std::unique_ptr<ExampleCrmServer>> Start(ExampleCrm::Options options,
                                                                 const std::string& listen,
                                                                 const Tls& tls = {});
  // Serves `crm`, which Open() has already succeeded on (e.g. its behaviour set beforehand).
  static absl::StatusOr<std::unique_ptr<ExampleCrmServer>> Start(std::unique_ptr<ExampleCrm> crm,
                                                                 const std::string& listen,
                                                                 const Tls& tls = {});
  ~ExampleCrmServer();
  ExampleCrmServer(const ExampleCrmServer&) = delete;
  ExampleCrmServer& operator=(const ExampleCrmServer&) = delete;

  int port() const { return port_; }
  ExampleCrm& crm() { return *crm_; }

  // Stops taking calls and lets running ones finish for up to `grace`, then cancels the rest.
  // The destructor does it with no grace.
  void Shutdown(absl::Duration grace);

 private:
  ExampleCrmServer(std::unique_ptr<ExampleCrm> crm, std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<ExampleCrm> crm_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

}  // namespace secondvoice::example_crm

#endif  // SECONDVOICE_SERVICES_EXAMPLE_CRM_EXAMPLE_CRM_H_
