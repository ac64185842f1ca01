// Server wiring.
#include "services/scheduler/server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "libs/common/log.h"

namespace secondvoice::scheduler {

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      db_(std::make_unique<Database>(
          Database::Options{.pool = {.url = options_.database_url, .size = options_.db_pool_size},
                            .check_interval = options_.db_check_interval,
                            .compact_interval = options_.funnel_compact_interval,
                            .retention = options_.retention},
          [this](bool ready) { SetServing(ready); })),
      keyring_(std::make_unique<Keyring>(options_.tokens, &db_->pool())),
      audit_(std::make_unique<AuditLog>(&db_->pool())),
      workers_(std::make_unique<WorkerPool>(options_.workers, options_.max_queued)),
      waiters_(std::make_unique<WorkerPool>(options_.waiting_claims,
                                            static_cast<size_t>(options_.waiting_claims))),
      scheduler_(std::make_unique<scheduling::Scheduler>(
          &db_->pool(),
          scheduling::Scheduler::Options{.claim_concurrency = options_.claim_concurrency,
                                         .second_voice_delay = options_.second_voice_delay})),
      loop_(std::make_unique<telephony::RealLoop>()),
      carrier_(std::make_unique<telephony::SimulatedCarrier>(loop_.get(), options_.carrier,
                                                             options_.carrier_seed)),
      dialer_(std::make_unique<Dialer>(&db_->pool(), scheduler_.get(), workers_.get(), loop_.get(),
                                       carrier_.get(), options_.dialer)),
      env_{.db = db_.get(),
           .workers = workers_.get(),
           .keyring = keyring_.get(),
           .audit = audit_.get(),
           .scheduler = scheduler_.get(),
           .waiters = waiters_.get(),
           .crm_needs_client_cert = !options_.tls.client_ca_pem.empty()},
      admin_(env_),
      dealers_(env_),
      campaigns_(env_),
      leads_(env_),
      intake_(env_),
      scheduling_(env_),
      agents_(env_, dialer_.get()),
      handovers_(env_),
      feedback_(env_),
      reports_(env_),
      tokens_(env_) {}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

absl::Status Server::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.tls.cert_chain_pem.empty()) {
    grpc::SslServerCredentialsOptions ssl(options_.tls.client_ca_pem.empty()
                                              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = options_.tls.client_ca_pem;
    ssl.pem_key_cert_pairs.push_back(
        {.private_key = options_.tls.private_key_pem, .cert_chain = options_.tls.cert_chain_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(options_.listen, credentials, &port_);
  builder.RegisterService(&admin_);
  builder.RegisterService(&dealers_);
  builder.RegisterService(&campaigns_);
  builder.RegisterService(&leads_);
  builder.RegisterService(&intake_);
  builder.RegisterService(&scheduling_);
  builder.RegisterService(&agents_);
  builder.RegisterService(&handovers_);
  builder.RegisterService(&feedback_);
  builder.RegisterService(&reports_);
  builder.RegisterService(&tokens_);
  // List imports stream files of many MB in chunks; a chunk may be up to 4 MiB.
  builder.SetMaxReceiveMessageSize(8 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  server->GetHealthCheckService()->SetServingStatus(false);
  {
    absl::MutexLock lock(&mu_);
    server_ = std::move(server);
  }
  SV_LOG(Info) << "listening on port " << port_
               << (options_.tls.cert_chain_pem.empty()  ? " (plaintext)"
                   : options_.tls.client_ca_pem.empty() ? " (TLS)"
                                                        : " (TLS; CRMs with client certificates)");
  tokens_listener_ = std::make_unique<store::Listener>(
      options_.database_url, store::kTokensChannel, [this](absl::string_view) {
        if (absl::Status s = keyring_->Reload(); !s.ok()) {
          SV_LOG(Warning) << "tokens not reloaded: " << s;
        }
      });
  db_->Start();
  listener_ = std::make_unique<store::Listener>(
      options_.database_url, store::kScheduleChannel,
      [this](absl::string_view payload) { scheduler_->OnNotify(payload); });
  dialer_->Start();
  return absl::OkStatus();
}

void Server::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (server_ == nullptr || shut_down_) return;
  // The tokens may have changed while the database was away (and are not loaded at start):
  // loaded before health says SERVING, so that a client who waited for it is known.
  if (serving) {
    if (absl::Status s = keyring_->Reload(); !s.ok()) {
      SV_LOG(Warning) << "tokens not loaded: " << s;
    }
  }
  server_->GetHealthCheckService()->SetServingStatus(serving);
  // Handovers are delivered once the schedule's tables exist (migrated) and from then on.
  if (serving && dispatcher_ == nullptr) {
    DispatcherOptions handovers = options_.handovers;
    if (handovers.owner.empty()) handovers.owner = options_.dialer.owner;
    dispatcher_ = std::make_unique<HandoverDispatcher>(&db_->pool(), options_.database_url,
                                                       std::move(handovers));
  }
}

void Server::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_ || server_ == nullptr) {
      shut_down_ = true;
      return;
    }
    shut_down_ = true;
    server_->GetHealthCheckService()->Shutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
  listener_.reset();
  tokens_listener_.reset();
  std::unique_ptr<HandoverDispatcher> dispatcher;
  {
    absl::MutexLock lock(&mu_);
    dispatcher = std::move(dispatcher_);
  }
  dispatcher.reset();  // calls under way are cancelled; their leases bring them back
  dialer_->Stop();     // hangs up and gives back what it holds, through the workers
  scheduler_->Stop();  // waiting claims return now
  waiters_.reset();
  workers_.reset();  // runs what is queued; every call has finished now
  audit_.reset();    // writes what it still can
  db_.reset();
  SV_LOG(Info) << "shut down";
}

absl::StatusOr<telephony::CarrierProfile> CarrierProfileNamed(absl::string_view name) {
  telephony::CarrierProfile p;
  if (name == "realistic") return p;
  if (name == "quick") {
    p.answer_rate = 0.6;
    p.hour_factor = telephony::CarrierProfile::FlatHours();  // the same at any hour
    p.person_ring = {absl::Milliseconds(800), 0.3};
    p.machine_ring = {absl::Seconds(1), 0.2};
    p.talk = {absl::Seconds(2), 0.3};
    p.patience = {absl::Seconds(8), 0.2};
    p.machine_detection = absl::Milliseconds(300);
    p.setup = absl::Milliseconds(100);
    p.busy_after = absl::Milliseconds(500);
    p.failed_after = absl::Milliseconds(300);
    // Nothing rings out: the rest is machines, busy lines and failures.
    p.machine_share = 0.4;
    p.busy_share = 0.4;
    p.failed_share = 0.2;
    return p;
  }
  if (name == "demo") {
    // A shift one can watch: conversations of about ten seconds, the rest as in the field.
    p.answer_rate = 0.35;
    p.person_ring = {absl::Seconds(3), 0.4};
    p.machine_ring = {absl::Seconds(5), 0.2};
    p.talk = {absl::Seconds(10), 0.4};
    p.patience = {absl::Seconds(8), 0.3};
    return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("carrier profile: \"", name, "\" is not one of realistic, quick, demo"));
}

}  // namespace secondvoice::scheduler
