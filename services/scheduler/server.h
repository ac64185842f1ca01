// The secondvoice-scheduler server: gRPC services, health checking and reflection, the worker
// pool and the database link, started and stopped as one. Tests run it in-process.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_SERVER_H_
#define SECONDVOICE_SERVICES_SCHEDULER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "libs/auth/auth.h"
#include "libs/common/worker_pool.h"
#include "libs/scheduling/scheduler.h"
#include "libs/store/listener.h"
#include "libs/telephony/event_loop.h"
#include "libs/telephony/sim_carrier.h"
#include "services/scheduler/agent_service.h"
#include "services/scheduler/database.h"
#include "services/scheduler/dialer.h"
#include "services/scheduler/handover_dispatcher.h"
#include "services/scheduler/lead_intake_service.h"
#include "services/scheduler/rpc.h"
#include "services/scheduler/scheduling_service.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {

// TLS on the gRPC port. Empty: plaintext (development, loopback).
struct TlsOptions {
  std::string cert_chain_pem;
  std::string private_key_pem;
  // Roots of the dealer CRMs' client certificates: clients may present one and it must verify;
  // a crm token is then accepted only with one (mutual TLS). Empty: no client certificates.
  std::string client_ca_pem;
};

struct ServerOptions {
  // host:port; port 0 picks a free one (see Server::port()).
  std::string listen = "127.0.0.1:7070";
  std::string database_url;
  // Development tokens from a file; the real ones are in the database (`secondvoice token`).
  auth::TokenTable tokens;
  TlsOptions tls;
  int workers = 8;
  size_t max_queued = 4096;
  // Claims waiting for a lead at once at most (each holds a thread while it waits).
  int waiting_claims = 32;
  int db_pool_size = 8;
  // Claims at work at once; the others wait in line (Scheduler::Options::claim_concurrency).
  int claim_concurrency = 4;
  // An unsold lead reported by a CRM enters the dealer's second-voice campaign this much later.
  absl::Duration second_voice_delay = absl::Hours(24 * 14);
  absl::Duration db_check_interval = absl::Seconds(1);
  // How often the funnel's changes are folded into its daily figures (reports are exact either
  // way; this keeps what they read small).
  absl::Duration funnel_compact_interval = absl::Seconds(5);
  // Leads closed longer than this are erased (personal data blanked, funnel counts kept) by a
  // sweep in every replica's database monitor. Zero: kept for ever.
  absl::Duration retention = absl::ZeroDuration();
  // The telephony behind the dialer: the simulated carrier (the one stand-in; a real carrier
  // adapter implements the same port).
  telephony::CarrierProfile carrier;
  uint64_t carrier_seed = 1;
  DialerOptions dialer;
  // Delivery of handovers to the dealers' CRMs (owner: the dialer's replica name when empty).
  DispatcherOptions handovers;
};

// The simulated carrier's profiles: "realistic" (the default: ring, talk and answer rates of a
// BDC day), "quick" (calls resolve in about a second, nothing rings out: tests) and "demo"
// (ten-second conversations one can watch).
absl::StatusOr<telephony::CarrierProfile> CarrierProfileNamed(absl::string_view name);

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; health is NOT_SERVING until the database is reachable and migrated.
  absl::Status Start();
  int port() const { return port_; }

  // Stops taking calls, lets running ones finish for up to `grace`, then cancels the rest.
  void Shutdown(absl::Duration grace);
  Database& database() { return *db_; }

 private:
  void SetServing(bool serving);

  ServerOptions options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<AuditLog> audit_;
  // Reloads the keyring whenever any replica changes the tokens.
  std::unique_ptr<store::Listener> tokens_listener_;
  std::unique_ptr<WorkerPool> workers_;
  // Claims that wait for a lead to become due.
  std::unique_ptr<WorkerPool> waiters_;
  std::unique_ptr<scheduling::Scheduler> scheduler_;
  // Wakes waiting claims and drops stale hints when any replica changes the schedule.
  std::unique_ptr<store::Listener> listener_;
  // The dialer's time and its carrier (real time; the loop outlives both).
  std::unique_ptr<telephony::RealLoop> loop_;
  std::unique_ptr<telephony::SimulatedCarrier> carrier_;
  std::unique_ptr<Dialer> dialer_;
  Env env_;
  AdminServiceImpl admin_;
  DealerServiceImpl dealers_;
  CampaignServiceImpl campaigns_;
  LeadServiceImpl leads_;
  LeadIntakeServiceImpl intake_;
  SchedulingServiceImpl scheduling_;
  AgentServiceImpl agents_;
  HandoverServiceImpl handovers_;
  FeedbackServiceImpl feedback_;
  ReportsServiceImpl reports_;
  TokenServiceImpl tokens_;
  absl::Mutex mu_;
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<HandoverDispatcher> dispatcher_ ABSL_GUARDED_BY(mu_);
  int port_ = 0;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_SERVER_H_
