// The example dealer CRM: ReceiveHandover with durable deduplication, the control service that
// makes it misbehave, delayed answers that hold no gRPC thread, and the server around them.
#include "services/example_crm/example_crm.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "libs/common/log.h"

namespace secondvoice::example_crm {
namespace {

// Long enough for any timeout test, short enough that a typo does not hang a demo for hours.
constexpr int32_t kMaxDelayMs = 600'000;

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

}  // namespace

// Finishes reactors at a later time from one small thread, so that a slow CRM holds no gRPC
// thread while it "thinks".
class ExampleCrm::DelayedAnswers {
 public:
  DelayedAnswers() : thread_([this] { Run(); }) {}

  // Answers whatever still waits at once.
  ~DelayedAnswers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.Signal();
    }
    thread_.join();
  }

  void FinishAt(absl::Time at, grpc::ServerUnaryReactor* reactor, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    queue_.emplace(std::min(at, hurry_by_), Answer{reactor, std::move(status)});
    cv_.Signal();
  }

  // Brings every answer due after `deadline` forward to it, also those of calls that are
  // between their arrival and FinishAt now.
  void Hurry(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    hurry_by_ = std::min(hurry_by_, deadline);
    while (!queue_.empty() && std::prev(queue_.end())->first > deadline) {
      auto last = std::prev(queue_.end());
      Answer answer = std::move(last->second);
      queue_.erase(last);
      queue_.emplace(deadline, std::move(answer));
    }
    cv_.Signal();
  }

 private:
  struct Answer {
    grpc::ServerUnaryReactor* reactor;
    grpc::Status status;
  };

  void Run() {
    absl::MutexLock lock(&mu_);
    while (true) {
      std::vector<Answer> due;
      const absl::Time now = absl::Now();
      while (!queue_.empty() && (stopping_ || queue_.begin()->first <= now)) {
        due.push_back(std::move(queue_.begin()->second));
        queue_.erase(queue_.begin());
      }
      if (!due.empty()) {
        // Finish outside the lock: gRPC may run OnDone inline.
        mu_.Unlock();
        for (Answer& a : due) a.reactor->Finish(std::move(a.status));
        mu_.Lock();
        continue;
      }
      if (stopping_) return;
      if (queue_.empty()) {
        cv_.Wait(&mu_);
      } else {
        cv_.WaitWithDeadline(&mu_, queue_.begin()->first);
      }
    }
  }

  absl::Mutex mu_;
  absl::CondVar cv_;
  std::multimap<absl::Time, Answer> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time hurry_by_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // Last, so the thread starts once the rest exists.
  std::thread thread_;
};

class ExampleCrm::DealerCrmService final : public v1::DealerCrm::CallbackService {
 public:
  explicit DealerCrmService(ExampleCrm* crm) : crm_(crm) {}

  grpc::ServerUnaryReactor* ReceiveHandover(grpc::CallbackServerContext* ctx,
                                            const v1::Handover* request,
                                            v1::HandoverAck* response) override {
    return crm_->ReceiveHandover(ctx, *request, response);
  }

 private:
  ExampleCrm* crm_;
};

class ExampleCrm::ControlService final : public v1::ExampleCrmControl::CallbackService {
 public:
  explicit ControlService(ExampleCrm* crm) : crm_(crm) {}

  grpc::ServerUnaryReactor* SetBehaviour(grpc::CallbackServerContext* ctx,
                                         const v1::SetBehaviourRequest* request,
                                         v1::SetBehaviourResponse* /*response*/) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpc(crm_->SetBehaviour(*request)));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListReceived(grpc::CallbackServerContext* ctx,
                                         const v1::ListReceivedRequest* request,
                                         v1::ListReceivedResponse* response) override {
    *response = crm_->ListReceived(request->omit_handovers());
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  ExampleCrm* crm_;
};

ExampleCrm::ExampleCrm(Options options)
    : options_(std::move(options)),
      crm_service_(std::make_unique<DealerCrmService>(this)),
      control_service_(std::make_unique<ControlService>(this)),
      delayed_(std::make_unique<DelayedAnswers>()) {}

ExampleCrm::~ExampleCrm() = default;

absl::Status ExampleCrm::Open() {
  absl::MutexLock lock(&mu_);
  if (open_) return absl::FailedPreconditionError("the example CRM is already open");
  if (options_.store_path.empty()) return absl::InvalidArgumentError("store_path: required");
  absl::Status s = log_.Open(options_.store_path, [this](absl::string_view payload) {
    mu_.AssertHeld();
    Entry entry;
    if (!entry.record.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
        entry.record.handover().idempotency_key().empty()) {
      return absl::DataLossError(
          absl::StrCat(options_.store_path, ": a record with a good checksum does not parse"));
    }
    const auto [it, inserted] =
        by_key_.emplace(entry.record.handover().idempotency_key(), entries_.size());
    if (inserted) entries_.push_back(std::move(entry));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    entries_.clear();
    by_key_.clear();
    return s;
  }
  open_ = true;
  SV_LOG(Info) << "example CRM store " << options_.store_path << ": " << entries_.size()
               << " handovers";
  return absl::OkStatus();
}

void ExampleCrm::RegisterServices(grpc::ServerBuilder& builder) {
  builder.RegisterService(crm_service_.get());
  builder.RegisterService(control_service_.get());
}

void ExampleCrm::AnswerDelayedCallsBy(absl::Time deadline) { delayed_->Hurry(deadline); }

grpc::Service* ExampleCrm::dealer_crm_service() { return crm_service_.get(); }
grpc::Service* ExampleCrm::control_service() { return control_service_.get(); }

absl::Status ExampleCrm::SetBehaviour(const v1::SetBehaviourRequest& behaviour) {
  if (behaviour.fail_next() < 0) {
    return absl::InvalidArgumentError("fail_next: must not be negative");
  }
  if (behaviour.delay_ms() < 0 || behaviour.delay_ms() > kMaxDelayMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("delay_ms: must be between 0 and ", kMaxDelayMs));
  }
  absl::MutexLock lock(&mu_);
  fail_ = behaviour.fail();
  fail_next_ = behaviour.fail_next();
  delay_ = absl::Milliseconds(behaviour.delay_ms());
  refuse_dealers_.clear();
  refuse_dealers_.insert(behaviour.refuse_dealers().begin(), behaviour.refuse_dealers().end());
  return absl::OkStatus();
}

v1::ListReceivedResponse ExampleCrm::ListReceived(bool omit_handovers) const {
  v1::ListReceivedResponse out;
  absl::MutexLock lock(&mu_);
  if (!omit_handovers) {
    out.mutable_handovers()->Reserve(static_cast<int>(entries_.size()));
    for (const Entry& e : entries_) {
      v1::ReceivedHandover* h = out.add_handovers();
      *h->mutable_handover() = e.record.handover();
      *h->mutable_received_at() = e.record.received_at();
      h->set_crm_reference(e.record.crm_reference());
      h->set_deliveries(e.deliveries);
    }
  }
  out.set_calls(calls_);
  out.set_duplicates(duplicates_);
  out.set_failed_on_purpose(failed_on_purpose_);
  out.set_refused(refused_);
  out.set_stored(static_cast<int64_t>(entries_.size()));
  return out;
}

grpc::ServerUnaryReactor* ExampleCrm::ReceiveHandover(grpc::CallbackServerContext* ctx,
                                                      const v1::Handover& handover,
                                                      v1::HandoverAck* ack) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  if (!options_.token.empty()) {
    const auto& metadata = ctx->client_metadata();
    const auto it = metadata.find("authorization");
    const std::string expected = absl::StrCat("Bearer ", options_.token);
    if (it == metadata.end() || it->second != grpc::string_ref(expected)) {
      {
        absl::MutexLock lock(&mu_);
        ++calls_;
      }
      reactor->Finish(
          grpc::Status(grpc::UNAUTHENTICATED, it == metadata.end()
                                                  ? "missing 'authorization: Bearer TOKEN' metadata"
                                                  : "the bearer token is not this CRM's"));
      return reactor;
    }
  }
  absl::Duration delay;
  grpc::Status status = ToGrpc(Receive(handover, ack, &delay));
  if (delay > absl::ZeroDuration()) {
    delayed_->FinishAt(absl::Now() + delay, reactor, std::move(status));
  } else {
    reactor->Finish(std::move(status));
  }
  return reactor;
}

absl::Status ExampleCrm::Receive(const v1::Handover& handover, v1::HandoverAck* ack,
                                 absl::Duration* delay) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  *delay = delay_;
  if (!open_) return absl::UnavailableError("the CRM's store is not open yet");
  // A CRM that is down does not look at the request: fail before validating.
  if (fail_next_ > 0 || fail_) {
    if (fail_next_ > 0) --fail_next_;
    ++failed_on_purpose_;
    return absl::UnavailableError("the example CRM fails on purpose (SetBehaviour)");
  }
  if (handover.idempotency_key().empty()) {
    return absl::InvalidArgumentError("idempotency_key: required");
  }
  if (handover.dealer_id().empty()) return absl::InvalidArgumentError("dealer_id: required");

  // A key seen before gets the same answer whatever the behaviour is now: that is what makes
  // retries safe for the sender.
  if (auto it = by_key_.find(handover.idempotency_key()); it != by_key_.end()) {
    Entry& entry = entries_[it->second];
    ++entry.deliveries;
    ++duplicates_;
    ack->set_accepted(true);
    ack->set_duplicate(true);
    ack->set_crm_reference(entry.record.crm_reference());
    return absl::OkStatus();
  }
  if (refuse_dealers_.contains(handover.dealer_id())) {
    ++refused_;
    ack->set_accepted(false);
    ack->set_rejection_reason(
        absl::StrCat("dealer ", handover.dealer_id(), " is not a customer of this CRM"));
    return absl::OkStatus();
  }

  Entry entry;
  *entry.record.mutable_handover() = handover;
  SetTimestamp(absl::Now(), entry.record.mutable_received_at());
  entry.record.set_crm_reference(absl::StrFormat("crm-%06d", entries_.size() + 1));
  // On disk before the ack goes out, so an acknowledged handover is never lost. (fsync under
  // the lock and on a gRPC thread: fine for an example, not for a real service.)
  if (absl::Status s = log_.Append(entry.record.SerializeAsString()); !s.ok()) {
    SV_LOG(Error) << "cannot store handover " << handover.idempotency_key() << ": " << s;
    return s;
  }
  ack->set_accepted(true);
  ack->set_crm_reference(entry.record.crm_reference());
  by_key_.emplace(handover.idempotency_key(), entries_.size());
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

ExampleCrmServer::ExampleCrmServer(std::unique_ptr<ExampleCrm> crm,
                                   std::unique_ptr<grpc::Server> server, int port)
    : crm_(std::move(crm)), server_(std::move(server)), port_(port) {}

ExampleCrmServer::~ExampleCrmServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<ExampleCrmServer>> ExampleCrmServer::Start(
    ExampleCrm::Options options, const std::string& listen, const Tls& tls) {
  auto crm = std::make_unique<ExampleCrm>(std::move(options));
  if (absl::Status s = crm->Open(); !s.ok()) return s;
  return Start(std::move(crm), listen, tls);
}

absl::StatusOr<std::unique_ptr<ExampleCrmServer>> ExampleCrmServer::Start(
    std::unique_ptr<ExampleCrm> crm, const std::string& listen, const Tls& tls) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!tls.cert_chain_pem.empty() || !tls.private_key_pem.empty()) {
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back({tls.private_key_pem, tls.cert_chain_pem});
    credentials = grpc::SslServerCredentials(options);
  }
  builder.AddListeningPort(listen, credentials, &port);
  crm->RegisterServices(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  SV_LOG(Info) << "example CRM listening on port " << port
               << (tls.cert_chain_pem.empty() ? " (plain text)" : " (TLS)");
  return std::unique_ptr<ExampleCrmServer>(
      new ExampleCrmServer(std::move(crm), std::move(server), port));
}

void ExampleCrmServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  const absl::Time deadline = absl::Now() + grace;
  server_->GetHealthCheckService()->Shutdown();
  // gRPC's Shutdown returns once every call has finished, delayed answers included (they come
  // from the CRM's own thread, which lives on until crm_ goes): answer them by the deadline.
  crm_->AnswerDelayedCallsBy(deadline);
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_.reset();
}

}  // namespace secondvoice::example_crm
