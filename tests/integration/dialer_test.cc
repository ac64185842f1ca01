// The dialer over real gRPC and PostgreSQL with the simulated carrier: agents in sessions take
// calls in every dialing mode and their outcomes land in the leads' attempts; the queue explains
// its pace; a killed stream loses neither the lead nor the attempt, and a reconnecting agent
// resumes its wrap-up.
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "libs/telephony/sim_carrier.h"
#include "secondvoice/v1/agent_service.grpc.pb.h"
#include "services/cli/sim_agents.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::kAgentToken;
using ::secondvoice::testing::Leads;
using ::secondvoice::testing::SchedulerHarness;

// One agent's stream, read on its own thread so a test can wait for an event with a timeout.
class TestAgent {
 public:
  explicit TestAgent(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(pb::AgentService::NewStub(channel)) {
    ctx_.AddMetadata("authorization", absl::StrCat("Bearer ", kAgentToken));
    stream_ = stub_->Session(&ctx_);
    reader_ = std::thread([this] {
      pb::AgentEvent e;
      while (stream_->Read(&e)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(e);
      }
      absl::MutexLock lock(&mu_);
      closed_ = true;
    });
  }
  ~TestAgent() {
    ctx_.TryCancel();
    reader_.join();
  }

  void Send(const pb::AgentMessage& m) { ASSERT_TRUE(stream_->Write(m)); }
  void Login(const std::string& resume = "") {
    pb::AgentMessage m;
    m.mutable_login()->set_agent_login("agent-test");
    m.mutable_login()->add_queue_ids("bdc-nl");
    m.mutable_login()->set_resume_session_id(resume);
    Send(m);
  }
  void SetAvailable() {
    pb::AgentMessage m;
    m.mutable_set_available();
    Send(m);
  }
  // The stream dies as a dropped connection would.
  void Kill() { ctx_.TryCancel(); }

  // The first event not yet taken for which `want` holds (earlier ones are skipped), or
  // nullopt after `timeout`.
  std::optional<pb::AgentEvent> Next(const std::function<bool(const pb::AgentEvent&)>& want,
                                     absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    absl::MutexLock lock(&mu_);
    while (true) {
      while (!events_.empty()) {
        pb::AgentEvent e = std::move(events_.front());
        events_.pop_front();
        if (want(e)) return e;
      }
      if (closed_) return std::nullopt;
      if (mu_.AwaitWithDeadline(absl::Condition(
                                    +[](TestAgent* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                      return !a->events_.empty() || a->closed_;
                                    },
                                    this),
                                deadline) == false) {
        return std::nullopt;
      }
    }
  }

 private:
  std::unique_ptr<pb::AgentService::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::AgentMessage, pb::AgentEvent>> stream_;
  std::thread reader_;
  absl::Mutex mu_;
  std::deque<pb::AgentEvent> events_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

bool Is(const pb::AgentEvent& e, pb::AgentEvent::EventCase c) { return e.event_case() == c; }

class DialerTest : public ::testing::Test {
 protected:
  // `email`: each lead has an e-mail address beside its fixed line, so it is due a message after
  // its first call.
  void Start(pb::DialingMode mode, int leads, double answer_rate = 0.4, bool email = false) {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ = SchedulerHarness::Start(url_, absl::Milliseconds(100),
                                       [this, answer_rate](scheduler::ServerOptions& o) {
                                         o.carrier.answer_rate = answer_rate;
                                         carrier_ = o.carrier;
                                         carrier_seed_ = o.carrier_seed;
                                         o.dialer.resume_window = absl::Seconds(30);
                                       });
    secondvoice::testing::SetUpWorld(harness_->channel(), secondvoice::testing::kAdminToken,
                                     secondvoice::testing::kManagerToken, &campaign_, nullptr,
                                     mode);
    leads_ = std::make_unique<Leads>(url_);
    for (int i = 0; i < leads; ++i) {
      leads_->Add(i % 2 ? "vandijk" : "jansen", campaign_, domain::LeadOrigin::kListImport,
                  domain::ConsentBasis::kOptIn, email);
    }
  }

  cli::SimAgentsResult RunAgents(int count, absl::Duration run_for) {
    cli::SimAgentsOptions o;
    o.queue_id = "bdc-nl";
    o.count = count;
    o.run_for = run_for;
    o.wrap = absl::Milliseconds(200);
    o.token = kAgentToken;
    o.seed = 7;
    absl::StatusOr<cli::SimAgentsResult> r = cli::RunSimulatedAgents(harness_->channel(), o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : cli::SimAgentsResult{};
  }

  int64_t Count(const std::string& sql) { return leads_->Count(sql); }

  pb::QueueStatus Status() {
    auto stub = pb::AgentService::NewStub(harness_->channel());
    pb::GetQueueStatusRequest req;
    req.set_queue_id("bdc-nl");
    pb::QueueStatus out;
    grpc::Status s = stub->GetQueueStatus(
        SchedulerHarness::Context(secondvoice::testing::kManagerToken).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Every agent outcome the simulated agents report is a conversation outcome.
  static constexpr char kAgentOutcomes[] =
      "SELECT count(*) FROM attempts WHERE by_whom LIKE 'agent-%' AND outcome IN "
      "('appointment_set', 'dialogue_no_appointment', 'callback_requested', 'not_interested')";

  // Returns how many calls met a machine, a busy line, a failure or no answer.
  int ExpectOutcomesLanded(const cli::SimAgentsResult& r) {
    EXPECT_GT(r.connected, 0);
    EXPECT_EQ(r.errors, 0);
    // Each customer put through came with the lead's story, and each conversation's outcome
    // was recorded by the engine and is in the database.
    EXPECT_EQ(r.with_story, r.connected);
    EXPECT_EQ(r.outcomes, r.connected + r.messages);
    EXPECT_EQ(Count(kAgentOutcomes), r.connected);
    EXPECT_EQ(Count("SELECT count(*) FROM attempts WHERE by_whom LIKE 'agent-%' AND outcome IN "
                    "('email_sent', 'sms_sent')"),
              r.messages);
    EXPECT_EQ(Count("SELECT count(*) FROM leads WHERE status = 'handed_over'"), r.appointments);
    // Nothing is held once the agents are gone (calls still ringing are called off). A claim
    // the dialer made for an agent who was logging out meanwhile is given back when it lands,
    // which on a loaded machine can be a moment after the agents are gone: so nothing held for
    // a whole second, where a lost lead would stay held for its 15-minute lease.
    const std::string held =
        "SELECT count(*) FROM lead_schedule WHERE lease_owner <> '' AND lease_until > now()";
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    absl::Time quiet_since = absl::Now();
    bool quiet = false;
    while (!quiet && absl::Now() < deadline) {
      if (Count(held) > 0) quiet_since = absl::Now();
      quiet = absl::Now() - quiet_since >= absl::Seconds(1);
      if (!quiet) absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(quiet) << HeldStory();
    // Every call's recorded outcome is what the carrier made of it: the customers a person
    // answered for were talked to (or, predictive, abandoned), the rest were recorded by the
    // dialer without an agent's help.
    auto rows = leads_->conn().ExecOnce(
        {"attempts", "SELECT lead_id, outcome FROM attempts WHERE channel = 'phone' ORDER BY id"});
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) return 0;
    int unanswered = 0;
    for (int i = 0; i < rows->rows(); ++i) {
      telephony::OriginateRequest call;
      call.to = leads_->Number(rows->GetInt64(i, 0));
      call.attempt = 1;
      const telephony::CallFate fate =
          telephony::DrawFate(carrier_, carrier_seed_, call, absl::Now());
      const std::string outcome(rows->Get(i, 1));
      switch (fate.kind) {
        case telephony::CallFate::Kind::kPerson:
          EXPECT_THAT(outcome,
                      ::testing::AnyOf("appointment_set", "dialogue_no_appointment",
                                       "callback_requested", "not_interested", "abandoned"));
          break;
        case telephony::CallFate::Kind::kMachine:
          EXPECT_EQ(outcome, "voicemail");
          break;
        case telephony::CallFate::Kind::kBusy:
          EXPECT_EQ(outcome, "busy");
          break;
        case telephony::CallFate::Kind::kFailed:
          EXPECT_EQ(outcome, "failed");
          break;
        case telephony::CallFate::Kind::kNoAnswer:
          EXPECT_EQ(outcome, "no_answer");
          break;
      }
      unanswered += fate.kind != telephony::CallFate::Kind::kPerson;
    }
    // ...and each is in the lead's journey, as the next agent or salesperson will read it.
    EXPECT_EQ(Count("SELECT count(*) FROM lead_events WHERE type = 'attempt.recorded'"),
              Count("SELECT count(*) FROM attempts"));
    return unanswered;
  }

  // The messages the agents sent: each to the lead's address, after a call to the lead, once.
  void ExpectMessagesAfterFirstCalls(const cli::SimAgentsResult& r) {
    EXPECT_EQ(r.errors, 0);
    EXPECT_GT(r.messages, 0) << "leads with an address are due a message after their first call";
    EXPECT_EQ(Count("SELECT count(*) FROM attempts WHERE channel = 'email' AND outcome = "
                    "'email_sent' AND route LIKE 'klant%@example.nl'"),
              r.messages);
    EXPECT_EQ(Count("SELECT count(*) FROM attempts m WHERE m.channel <> 'phone' AND NOT EXISTS"
                    " (SELECT 1 FROM attempts c WHERE c.lead_id = m.lead_id AND c.channel ="
                    " 'phone' AND c.started_at <= m.started_at)"),
              0);
    EXPECT_EQ(Count("SELECT count(*) FROM (SELECT lead_id FROM attempts WHERE channel <> 'phone'"
                    " GROUP BY lead_id HAVING count(*) > 1) x"),
              0);
    // A lead due a message is never dialled for it: the next call waits the cadence's gap
    // (hours), so in this short run no lead was called twice.
    EXPECT_EQ(Count("SELECT count(*) FROM (SELECT lead_id FROM attempts WHERE channel = 'phone'"
                    " GROUP BY lead_id HAVING count(*) > 1) x"),
              0);
    // Each lead that had its message is due its second call, a call again.
    EXPECT_EQ(Count("SELECT count(*) FROM lead_schedule s WHERE EXISTS (SELECT 1 FROM attempts a"
                    " WHERE a.lead_id = s.lead_id AND a.channel = 'email') AND (s.action <> "
                    "'call' OR s.rank = 5)"),
              0);
  }

  // Who holds which lead, and each held lead's journey: what a failure needs to be understood.
  std::string HeldStory() {
    auto rows = leads_->conn().ExecOnce(
        {"held",
         "SELECT s.lead_id, s.lease_owner, s.lease_until::text, e.at::text, e.type, e.actor,"
         " e.summary FROM lead_schedule s JOIN lead_events e ON e.lead_id = s.lead_id"
         " WHERE s.lease_owner <> '' AND s.lease_until > now() ORDER BY s.lead_id, e.id"});
    if (!rows.ok()) return std::string(rows.status().message());
    std::string out;
    for (int i = 0; i < rows->rows(); ++i) {
      absl::StrAppend(&out, "\n", rows->Get(i, 0), " held by ", rows->Get(i, 1), " until ",
                      rows->Get(i, 2), ": ", rows->Get(i, 3), " ", rows->Get(i, 4), " by ",
                      rows->Get(i, 5), " (", rows->Get(i, 6), ")");
    }
    return out;
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<Leads> leads_;
  int64_t campaign_ = 0;
  telephony::CarrierProfile carrier_;
  uint64_t carrier_seed_ = 0;
};

TEST_F(DialerTest, ProgressiveAgentsTakeCallsAndTheirOutcomesLand) {
  Start(pb::DIALING_MODE_PROGRESSIVE, 60);
  const cli::SimAgentsResult r = RunAgents(2, absl::Seconds(6));
  // Progressive: every call was placed for an agent, who saw the lead first.
  EXPECT_GE(r.offers, r.connected);
  ExpectOutcomesLanded(r);
  EXPECT_EQ(Count("SELECT count(*) FROM attempts WHERE outcome = 'abandoned'"), 0);
}

TEST_F(DialerTest, PreviewAgentsDialTheLeadsTheyAreOffered) {
  Start(pb::DIALING_MODE_PREVIEW, 60);
  const cli::SimAgentsResult r = RunAgents(2, absl::Seconds(6));
  EXPECT_GE(r.offers, r.connected);
  ExpectOutcomesLanded(r);
}

TEST_F(DialerTest, PredictiveDialingPutsAnsweredCallsThroughAndExplainsItsPace) {
  Start(pb::DIALING_MODE_PREDICTIVE, 300);
  const cli::SimAgentsResult r = RunAgents(3, absl::Seconds(10));
  EXPECT_GT(ExpectOutcomesLanded(r), 0)
      << "so many calls should have met a machine, a busy line or a failure";
  const pb::QueueStatus s = Status();
  EXPECT_EQ(s.configured_mode(), pb::DIALING_MODE_PREDICTIVE);
  EXPECT_GT(s.estimates().sample_calls(), 0);
  EXPECT_GT(s.estimates().answer_probability(), 0.0);
  EXPECT_FALSE(s.decision().empty());
  EXPECT_GE(s.dial_level(), 0.0);
  // The abandon figures agree with the attempts table and stay under the cap.
  const int64_t answered = Count(
      "SELECT count(*) FROM attempts WHERE outcome IN ('appointment_set', "
      "'dialogue_no_appointment', 'callback_requested', 'not_interested', 'abandoned', "
      "'wrong_number', 'objection')");
  const int64_t abandoned = Count("SELECT count(*) FROM attempts WHERE outcome = 'abandoned'");
  ASSERT_GT(answered, 0);
  EXPECT_NEAR(s.abandon_rate_24h_percent(), 100.0 * abandoned / answered, 1e-6);
  EXPECT_LE(s.abandon_rate_24h_percent(), s.abandon_cap_percent());
}

TEST_F(DialerTest, ProgressiveAgentsSendTheMessageDueAfterAFirstCall) {
  // Nobody answers: every lead gets its first call, then the message the cadence wants next.
  // Calls come first: few enough leads that the agents are through them early in the run.
  Start(pb::DIALING_MODE_PROGRESSIVE, 4, /*answer_rate=*/0.0, /*email=*/true);
  const cli::SimAgentsResult r = RunAgents(2, absl::Seconds(8));
  EXPECT_EQ(r.connected, 0);
  EXPECT_EQ(r.outcomes, r.messages);
  ExpectMessagesAfterFirstCalls(r);
}

TEST_F(DialerTest, PredictiveDialingNeverCallsALeadDueAMessageAndAgentsSendItInALull) {
  Start(pb::DIALING_MODE_PREDICTIVE, 30, /*answer_rate=*/0.0, /*email=*/true);
  const cli::SimAgentsResult r = RunAgents(3, absl::Seconds(8));
  EXPECT_GT(Count("SELECT count(*) FROM attempts WHERE channel = 'phone'"), 0);
  ExpectMessagesAfterFirstCalls(r);
}

TEST_F(DialerTest, AKilledStreamLosesNeitherTheLeadNorTheAttempt) {
  Start(pb::DIALING_MODE_PROGRESSIVE, 5, /*answer_rate=*/0.95);
  int64_t lead = 0;
  {
    TestAgent agent(harness_->channel());
    agent.Login();
    ASSERT_TRUE(agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kSessionStarted); }));
    agent.SetAvailable();
    auto connected =
        agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kCallConnected); });
    ASSERT_TRUE(connected.has_value());
    lead = connected->call_connected().lead().id();
    ASSERT_GT(lead, 0);
    agent.Kill();  // mid-conversation
  }
  // The attempt is recorded as agent-lost and the lead is back in the schedule, unleased.
  const std::string lost = absl::StrCat("SELECT count(*) FROM attempts WHERE lead_id = ", lead,
                                        " AND outcome = 'agent_lost'");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Count(lost) == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Count(lost), 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ", lead,
                               " AND lease_owner = ''")),
            1);
  // Every lead is either scheduled or was handed over: none vanished.
  EXPECT_EQ(Count("SELECT count(*) FROM leads l WHERE EXISTS (SELECT 1 FROM lead_schedule s"
                  " WHERE s.lead_id = l.id) OR l.status <> 'in_progress'"),
            5);
}

TEST_F(DialerTest, AMessageSentJustBeforeTheConnectionDropsIsRecorded) {
  // Nobody answers: the first offer is a call, the next one the message after it.
  Start(pb::DIALING_MODE_PROGRESSIVE, 1, /*answer_rate=*/0.0, /*email=*/true);
  int64_t lead = 0;
  {
    TestAgent agent(harness_->channel());
    agent.Login();
    ASSERT_TRUE(agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kSessionStarted); }));
    agent.SetAvailable();
    auto message = agent.Next([](const auto& e) {
      return Is(e, pb::AgentEvent::kLeadOffered) &&
             e.lead_offered().action() == pb::CONTACT_ACTION_MESSAGE;
    });
    ASSERT_TRUE(message.has_value());
    const pb::AgentEvent::LeadOffered& o = message->lead_offered();
    lead = o.lead().id();
    EXPECT_FALSE(o.auto_dial());
    EXPECT_THAT(o.route(), ::testing::EndsWith("@example.nl"));
    EXPECT_EQ(o.offer_reason(), "message after the first call");
    // A message offer cannot be dialled.
    pb::AgentMessage dial;
    dial.mutable_dial()->set_offer_id(o.offer_id());
    agent.Send(dial);
    auto refused = agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kError); });
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->error().code(), 9);
    EXPECT_THAT(refused->error().message(), ::testing::HasSubstr("due a message"));
    pb::AgentMessage sent;
    sent.mutable_message_sent()->set_offer_id(o.offer_id());
    sent.mutable_message_sent()->set_notes("sorry we missed you");
    agent.Send(sent);
    agent.Kill();
  }
  const std::string mailed =
      absl::StrCat("SELECT count(*) FROM attempts WHERE lead_id = ", lead,
                   " AND channel = 'email' AND outcome = 'email_sent' AND by_whom = 'agent-test'"
                   " AND notes = 'sorry we missed you'");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Count(mailed) == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Count(mailed), 1);
  // ...and the lead waits for its second call, not given back as if nothing had been sent.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ", lead,
                               " AND action = 'call' AND rank = 4 AND due_at > now()")),
            1);
}

TEST_F(DialerTest, AReconnectingAgentResumesItsWrapUpAndRecordsTheOutcome) {
  Start(pb::DIALING_MODE_PROGRESSIVE, 3, /*answer_rate=*/0.95);
  std::string session;
  int64_t attempt = 0;
  int64_t lead = 0;
  {
    TestAgent agent(harness_->channel());
    agent.Login();
    auto started = agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kSessionStarted); });
    ASSERT_TRUE(started.has_value());
    session = started->session_started().session_id();
    agent.SetAvailable();
    auto connected =
        agent.Next([](const auto& e) { return Is(e, pb::AgentEvent::kCallConnected); });
    ASSERT_TRUE(connected.has_value());
    attempt = connected->call_connected().attempt_id();
    lead = connected->call_connected().lead().id();
    // The customer ends the call; the agent is in wrap-up when the connection drops.
    ASSERT_TRUE(agent.Next([](const auto& e) {
      return Is(e, pb::AgentEvent::kStateChanged) &&
             e.state_changed().state() == pb::AGENT_STATE_WRAP_UP;
    }));
    agent.Kill();
  }
  TestAgent again(harness_->channel());
  again.Login(session);
  auto resumed = again.Next([](const auto& e) { return Is(e, pb::AgentEvent::kSessionStarted); });
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->session_started().resumed());
  EXPECT_EQ(resumed->session_started().session_id(), session);
  EXPECT_EQ(resumed->session_started().state(), pb::AGENT_STATE_WRAP_UP);
  pb::AgentMessage m;
  m.mutable_outcome()->set_attempt_id(attempt);
  m.mutable_outcome()->set_outcome(pb::ATTEMPT_OUTCOME_DIALOGUE_NO_APPOINTMENT);
  m.mutable_outcome()->set_dialogue_reason("wants to talk it over at home");
  again.Send(m);
  auto recorded = again.Next([](const auto& e) { return Is(e, pb::AgentEvent::kOutcomeRecorded); });
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(recorded->outcome_recorded().attempt_id(), attempt);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM attempts WHERE lead_id = ", lead,
                               " AND outcome = 'dialogue_no_appointment' AND notes LIKE "
                               "'%talk it over%'")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM attempts WHERE lead_id = ", lead,
                               " AND outcome = 'agent_lost'")),
            0);
}

}  // namespace
}  // namespace secondvoice
