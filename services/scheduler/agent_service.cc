// The agent's session: reads commands and hands them to the dialer; the dialer's events are
// queued and written one at a time (a bidi stream allows one write in flight).
#include "services/scheduler/agent_service.h"

#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"

namespace secondvoice::scheduler {
namespace {

using Reactor = grpc::ServerBidiReactor<v1::AgentMessage, v1::AgentEvent>;

constexpr char kSession[] = "/secondvoice.v1.AgentService/Session";

// PERMISSION_DENIED when the login names a queue the caller may not work.
using LoginCheck = std::function<absl::Status(const v1::AgentMessage::Login&)>;

class SessionReactor final : public Reactor {
 public:
  SessionReactor(Dialer* dialer, LoginCheck check_login)
      : dialer_(dialer), check_login_(std::move(check_login)), outbox_(std::make_shared<Outbox>()) {
    outbox_->reactor = this;
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The agent's side closed (or the connection dropped): the dialer keeps the session for
      // the resume window.
      Ended();
      absl::MutexLock lock(&outbox_->mu);
      outbox_->finish_when_drained = true;
      MaybeFinishLocked();
      return;
    }
    if (!logged_in_) {
      if (!in_.has_login()) {
        absl::MutexLock lock(&outbox_->mu);
        outbox_->finish_when_drained = true;
        finish_status_ = grpc::Status(grpc::INVALID_ARGUMENT,
                                      "login: the first message of a session must be a Login");
        MaybeFinishLocked();
        return;
      }
      if (absl::Status s = check_login_(in_.login()); !s.ok()) {
        absl::MutexLock lock(&outbox_->mu);
        outbox_->finish_when_drained = true;
        finish_status_ = ToGrpc(s);
        MaybeFinishLocked();
        return;
      }
      logged_in_ = true;
      std::shared_ptr<Outbox> box = outbox_;
      dialer_->Login(
          in_.login(), [box](const v1::AgentEvent& e) { box->Send(e); },
          [this, box](std::string session) {
            absl::MutexLock lock(&box->mu);
            if (box->reactor == nullptr) return;
            session_ = std::move(session);
            if (ended_ && !session_.empty()) {
              // The stream ended while the login was on its way.
              dialer_->Disconnected(session_);
              return;
            }
            if (session_.empty()) {
              box->finish_when_drained = true;
              finish_status_ = grpc::Status(grpc::FAILED_PRECONDITION, "login refused");
              MaybeFinishLocked();
              return;
            }
            StartRead(&in_);
          });
      return;
    }
    {
      absl::MutexLock lock(&outbox_->mu);
      dialer_->OnMessage(session_, in_);
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&outbox_->mu);
    outbox_->writing = false;
    if (!ok) {
      outbox_->queue.clear();
      outbox_->finish_when_drained = true;
    } else {
      outbox_->queue.pop_front();
    }
    outbox_->WriteNextLocked();
    MaybeFinishLocked();
  }

  void OnCancel() override { Ended(); }

  void OnDone() override {
    Ended();
    {
      absl::MutexLock lock(&outbox_->mu);
      outbox_->reactor = nullptr;
    }
    delete this;
  }

 private:
  // Events from the dialer may come after the stream ended: they are dropped then.
  struct Outbox {
    absl::Mutex mu;
    SessionReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;
    std::deque<v1::AgentEvent> queue ABSL_GUARDED_BY(mu);
    bool writing ABSL_GUARDED_BY(mu) = false;
    bool finish_when_drained ABSL_GUARDED_BY(mu) = false;
    bool finished ABSL_GUARDED_BY(mu) = false;

    void Send(const v1::AgentEvent& e) {
      absl::MutexLock lock(&mu);
      if (reactor == nullptr || finished || finish_when_drained) return;
      queue.push_back(e);
      WriteNextLocked();
    }
    void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (writing || queue.empty() || reactor == nullptr || finished) return;
      writing = true;
      reactor->StartWrite(&queue.front());
    }
  };

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(outbox_->mu) {
    if (outbox_->finished || !outbox_->finish_when_drained || outbox_->writing) return;
    outbox_->finished = true;
    Finish(finish_status_);
  }

  void Ended() {
    bool first = false;
    std::string session;
    {
      absl::MutexLock lock(&outbox_->mu);
      first = !ended_;
      ended_ = true;
      session = session_;
    }
    if (first && !session.empty()) dialer_->Disconnected(session);
  }

  Dialer* const dialer_;
  const LoginCheck check_login_;
  std::shared_ptr<Outbox> outbox_;
  v1::AgentMessage in_;
  bool logged_in_ = false;
  std::string session_;
  bool ended_ = false;
  grpc::Status finish_status_ = grpc::Status::OK;
};

class RefusedSession final : public Reactor {
 public:
  explicit RefusedSession(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

Reactor* AgentServiceImpl::Session(grpc::CallbackServerContext* ctx) {
  absl::StatusOr<auth::Principal> principal = Admit(env_, ctx, kSession);
  if (!principal.ok()) return new RefusedSession(ToGrpc(principal.status()));
  if (dialer_ == nullptr) {
    return new RefusedSession(grpc::Status(grpc::UNAVAILABLE, "no dialer on this server"));
  }
  return new SessionReactor(
      dialer_, [this, p = *std::move(principal)](const v1::AgentMessage::Login& login) {
        for (const std::string& queue : login.queue_ids()) {
          RETURN_IF_ERROR(Audited(env_, p, kSession, auth::CheckQueueAccess(p, queue)));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AgentServiceImpl::GetQueueStatus(grpc::CallbackServerContext* ctx,
                                                           const v1::GetQueueStatusRequest* req,
                                                           v1::QueueStatus* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.AgentService/GetQueueStatus",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 RETURN_IF_ERROR(domain::ValidateSlug("queue_id", req->queue_id()));
                 RETURN_IF_ERROR(auth::CheckQueueAccess(p, req->queue_id()));
                 if (dialer_ == nullptr) return absl::UnavailableError("no dialer on this server");
                 ASSIGN_OR_RETURN(*resp, dialer_->Status(req->queue_id()));
                 return absl::OkStatus();
               });
}

}  // namespace secondvoice::scheduler
