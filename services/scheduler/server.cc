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
                            .check_interval = options_.db_check_interval},
          [this](bool ready) { SetServing(ready); })),
      workers_(std::make_unique<WorkerPool>(options_.workers, options_.max_queued)),
      waiters_(std::make_unique<WorkerPool>(options_.waiting_claims,
                                            static_cast<size_t>(options_.waiting_claims))),
      scheduler_(std::make_unique<scheduling::Scheduler>(&db_->pool())),
      env_{.db = db_.get(),
           .workers = workers_.get(),
           .tokens = &options_.tokens,
           .scheduler = scheduler_.get(),
           .waiters = waiters_.get()},
      admin_(env_),
      dealers_(env_),
      campaigns_(env_),
      leads_(env_),
      intake_(env_),
      scheduling_(env_) {}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

absl::Status Server::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&admin_);
  builder.RegisterService(&dealers_);
  builder.RegisterService(&campaigns_);
  builder.RegisterService(&leads_);
  builder.RegisterService(&intake_);
  builder.RegisterService(&scheduling_);
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
  SV_LOG(Info) << "listening on port " << port_;
  db_->Start();
  listener_ = std::make_unique<store::Listener>(
      options_.database_url, store::kScheduleChannel,
      [this](absl::string_view payload) { scheduler_->OnNotify(payload); });
  return absl::OkStatus();
}

void Server::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (server_ != nullptr && !shut_down_)
    server_->GetHealthCheckService()->SetServingStatus(serving);
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
  scheduler_->Stop();  // waiting claims return now
  waiters_.reset();
  workers_.reset();  // runs what is queued; every call has finished now
  db_.reset();
  SV_LOG(Info) << "shut down";
}

}  // namespace secondvoice::scheduler
