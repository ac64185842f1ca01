// Simulated agents over real gRPC streams, one thread each.
#include "services/cli/sim_agents.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/client_context.h"
#include "libs/telephony/random.h"
#include "secondvoice/v1/agent_service.grpc.pb.h"

namespace secondvoice::cli {
namespace {

namespace pb = secondvoice::v1;

struct Shared {
  absl::Mutex mu;
  SimAgentsResult result ABSL_GUARDED_BY(mu);
};

class Agent {
 public:
  Agent(pb::AgentService::Stub* stub, const SimAgentsOptions& o, int index, Shared* shared)
      : stub_(stub),
        options_(o),
        login_(absl::StrCat(o.login_prefix, "-", index)),
        rng_(telephony::Mix64(o.seed * 1000 + index)),
        shared_(shared) {}

  void Run(absl::Time until) {
    grpc::ClientContext ctx;
    if (!options_.token.empty()) ctx.AddMetadata("authorization", "Bearer " + options_.token);
    stream_ = stub_->Session(&ctx);
    pb::AgentMessage login;
    login.mutable_login()->set_agent_login(login_);
    login.mutable_login()->add_queue_ids(options_.queue_id);
    Write(login);
    // Stops at `until`: logs out when not in a call, otherwise after the call's outcome.
    std::thread timer([this, until] {
      while (absl::Now() < until && !done_.HasBeenNotified()) {
        done_.WaitForNotificationWithTimeout(absl::Milliseconds(100));
      }
      stop_ = true;
      MaybeLeave();
    });
    pb::AgentEvent e;
    while (stream_->Read(&e)) Handle(e);
    done_.Notify();
    timer.join();
    (void)stream_->Finish();
  }

 private:
  void Print(const std::string& line) {
    if (options_.print) options_.print(absl::StrFormat("%-9s %s", login_, line));
  }

  void Write(const pb::AgentMessage& m) {
    absl::MutexLock lock(&write_mu_);
    if (closed_) return;
    stream_->Write(m);
  }

  void MaybeLeave() {
    const int s = state_.load();
    if (!stop_ || (s != pb::AGENT_STATE_AVAILABLE && s != pb::AGENT_STATE_PAUSED)) return;
    pb::AgentMessage logout;
    logout.mutable_logout();
    absl::MutexLock lock(&write_mu_);
    if (closed_) return;
    stream_->Write(logout);
    stream_->WritesDone();
    closed_ = true;
  }

  void Count(const std::function<void(SimAgentsResult&)>& f) {
    absl::MutexLock lock(&shared_->mu);
    f(shared_->result);
  }

  void Handle(const pb::AgentEvent& e) {
    switch (e.event_case()) {
      case pb::AgentEvent::kSessionStarted: {
        pb::AgentMessage m;
        m.mutable_set_available();
        Write(m);
        return;
      }
      case pb::AgentEvent::kStateChanged: {
        state_ = e.state_changed().state();
        if (e.state_changed().state() == pb::AGENT_STATE_WRAP_UP) return WrapUp();
        if (e.state_changed().state() == pb::AGENT_STATE_PAUSED && !stop_) {
          pb::AgentMessage m;
          m.mutable_set_available();
          Write(m);
        }
        MaybeLeave();
        return;
      }
      case pb::AgentEvent::kLeadOffered: {
        const auto& o = e.lead_offered();
        Count([](SimAgentsResult& r) { ++r.offers; });
        Print(absl::StrFormat("offered lead %d %s %s: %s", o.lead().id(),
                              o.lead().customer().first_name(), o.lead().customer().last_name(),
                              o.offer_reason()));
        if (o.action() == pb::CONTACT_ACTION_MESSAGE) {
          // Due an e-mail or SMS: writes it, sends it, says so.
          absl::SleepFor(absl::Milliseconds(300));
          Print(absl::StrFormat("sent a message to %s", o.route()));
          messaging_ = true;
          pb::AgentMessage m;
          m.mutable_message_sent()->set_offer_id(o.offer_id());
          m.mutable_message_sent()->set_notes("Sorry we missed you: when may we call?");
          Write(m);
        } else if (!o.auto_dial()) {
          // Preview: reads the story, then dials.
          absl::SleepFor(absl::Milliseconds(300));
          pb::AgentMessage m;
          m.mutable_dial()->set_offer_id(o.offer_id());
          Write(m);
        }
        return;
      }
      case pb::AgentEvent::kCallProgress:
        attempt_ = e.call_progress().attempt_id();
        return;
      case pb::AgentEvent::kCallConnected: {
        const auto& c = e.call_connected();
        attempt_ = c.attempt_id();
        lead_ = c.lead().id();
        Count([&](SimAgentsResult& r) {
          ++r.connected;
          const auto& who = c.lead().customer();
          if (c.lead().id() > 0 && !(who.first_name().empty() && who.last_name().empty())) {
            ++r.with_story;
          }
        });
        Print(absl::StrFormat("talking with %s %s (lead %d, %d earlier attempt(s))",
                              c.lead().customer().first_name(), c.lead().customer().last_name(),
                              c.lead().id(), c.history_size()));
        return;
      }
      case pb::AgentEvent::kOutcomeRecorded:
        Count([message = messaging_.exchange(false)](SimAgentsResult& r) {
          ++r.outcomes;
          r.messages += message;
        });
        Print(absl::StrFormat("outcome recorded for lead %d: %s", lead_,
                              pb::LeadStatus_Name(e.outcome_recorded().lead_status())));
        return;
      case pb::AgentEvent::kError:
        Count([](SimAgentsResult& r) { ++r.errors; });
        Print(absl::StrCat("error: ", e.error().message()));
        return;
      case pb::AgentEvent::EVENT_NOT_SET:
        return;
    }
  }

  void WrapUp() {
    absl::SleepFor(options_.wrap * std::exp(0.3 * rng_.Normal()));
    pb::AgentMessage m;
    pb::AgentMessage::Outcome* o = m.mutable_outcome();
    o->set_attempt_id(attempt_);
    // Roughly the funnel of the field: most conversations end without an appointment.
    const double u = rng_.Uniform();
    if (u < 0.30) {
      o->set_outcome(pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
      pb::Appointment* a = o->mutable_appointment();
      a->mutable_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(48)));
      a->set_location("showroom");
      a->set_with_whom("sales");
      a->add_expectations(pb::CUSTOMER_EXPECTATION_TEST_DRIVE);
      o->set_notes("wants a test drive on Saturday");
      Count([](SimAgentsResult& r) { ++r.appointments; });
    } else if (u < 0.60) {
      o->set_outcome(pb::ATTEMPT_OUTCOME_DIALOGUE_NO_APPOINTMENT);
      o->set_dialogue_reason("still comparing offers");
    } else if (u < 0.75) {
      o->set_outcome(pb::ATTEMPT_OUTCOME_CALLBACK_REQUESTED);
      o->mutable_callback_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(26)));
      o->set_notes("call back tomorrow after work");
    } else {
      o->set_outcome(pb::ATTEMPT_OUTCOME_NOT_INTERESTED);
      o->set_not_interested_reason("bought elsewhere");
    }
    Print(absl::StrCat("wrap-up: ", pb::AttemptOutcome_Name(o->outcome())));
    Write(m);
  }

  pb::AgentService::Stub* const stub_;
  const SimAgentsOptions& options_;
  const std::string login_;
  telephony::Random rng_;
  Shared* const shared_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::AgentMessage, pb::AgentEvent>> stream_;
  absl::Mutex write_mu_;
  bool closed_ ABSL_GUARDED_BY(write_mu_) = false;
  std::atomic<int> state_{pb::AGENT_STATE_PAUSED};
  std::atomic<bool> stop_{false};
  std::atomic<bool> messaging_{false};  // a MessageSent waits for its OutcomeRecorded
  absl::Notification done_;
  int64_t attempt_ = 0;
  int64_t lead_ = 0;
};

}  // namespace

absl::StatusOr<SimAgentsResult> RunSimulatedAgents(std::shared_ptr<grpc::Channel> channel,
                                                   const SimAgentsOptions& options) {
  if (options.queue_id.empty()) return absl::InvalidArgumentError("queue: required");
  if (options.count < 1) return absl::InvalidArgumentError("count: at least 1");
  auto stub = pb::AgentService::NewStub(channel);
  Shared shared;
  std::vector<std::unique_ptr<Agent>> agents;
  std::vector<std::thread> threads;
  const absl::Time until = absl::Now() + options.run_for;
  for (int i = 1; i <= options.count; ++i) {
    agents.push_back(std::make_unique<Agent>(stub.get(), options, i, &shared));
    threads.emplace_back([a = agents.back().get(), until] { a->Run(until); });
  }
  for (auto& t : threads) t.join();
  absl::MutexLock lock(&shared.mu);
  return shared.result;
}

}  // namespace secondvoice::cli
