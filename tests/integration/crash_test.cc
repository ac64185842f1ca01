// Crash test (issue 8): a simulated BDC shift (list imports, agents claiming and calling leads,
// appointments handed over to the example dealer CRM, CRM follow-ups) against the real
// secondvoice-scheduler process, which is killed with SIGKILL at seeded random moments and
// started again on the same database; and a shift through a PostgreSQL restart. Afterwards what
// the clients were told and what the database holds must agree: no lead, outcome or handover
// lost, no lead held by two claims at once, cadence counts right.
//
// SV_CRASH_ROUNDS sets the number of kills (default kDefaultRounds, short enough for
// scripts/test; SV_CRASH_ROUNDS=40 is the full length). SV_CRASH_SEED replays another schedule.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "libs/cadence/cadence.h"
#include "libs/store/pg.h"
#include "libs/store/schedule.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "services/cli/sim_agents.h"
#include "services/example_crm/example_crm.h"
#include "services/scheduler/convert.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::Daemon;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::kDaemonAdminToken;
using ::secondvoice::testing::kDaemonAgentToken;
using ::secondvoice::testing::kDaemonCrmToken;
using ::secondvoice::testing::kDaemonManagerToken;
using ::secondvoice::testing::SchedulerHarness;
using ::secondvoice::testing::TempDir;
using ::secondvoice::testing::TestPostgres;

constexpr int kDefaultRounds = 12;
constexpr uint32_t kDefaultSeed = 20261124;
constexpr int kAgents = 4;
constexpr int kRowsPerList = 30;
constexpr int kLeaseSeconds = 10;  // the shortest lease ClaimLeads grants
constexpr int kClaimWaitMs = 500;
constexpr absl::Duration kRpcDeadline = absl::Seconds(5);
constexpr absl::Duration kImportDeadline = absl::Seconds(20);
// A client keeps retrying one call through restarts and outages for this long at most.
constexpr absl::Duration kGiveUp = absl::Seconds(60);
// A delivery to the CRM is leased for twice this: a killed daemon's deliveries come back soon.
constexpr char kHandoverDeadlineFlag[] = "--handover_deadline=1s";
// Calls on the simulated carrier resolve in about a second, so that agents in sessions get
// through several in a shift of seconds.
constexpr char kQuickCarrierFlag[] = "--carrier=quick";

// The database side of the checks; the tests read, the daemon alone writes.
constexpr store::Query kUndelivered = {"undelivered",
                                       "SELECT count(*) FROM handovers WHERE state <> 'delivered'"};
constexpr store::Query kLeadsByCustomer = {
    "leads_by_customer",
    "SELECT customer_id, count(*) FROM leads WHERE customer_id <> '' GROUP BY customer_id"};
constexpr store::Query kLeadsByCrmId = {
    "leads_by_crm_id",
    "SELECT crm_lead_id, count(*), min(id) FROM leads WHERE crm_lead_id <> ''"
    " GROUP BY crm_lead_id"};
constexpr store::Query kFollowUps = {
    "follow_ups", "SELECT crm_lead_id, count(*) FROM follow_ups GROUP BY crm_lead_id"};
constexpr store::Query kLeadCount = {"lead_count", "SELECT count(*) FROM leads"};
constexpr store::Query kLeadStatuses = {"lead_statuses", "SELECT id, status FROM leads"};
// Open leads without a schedule row, and closed ones with one: both would be lost or stuck.
constexpr store::Query kNeitherScheduledNorClosed = {
    "neither_scheduled_nor_closed",
    "SELECT l.id, l.status, s.lead_id IS NOT NULL FROM leads l"
    " LEFT JOIN lead_schedule s ON s.lead_id = l.id"
    " WHERE (l.status IN ('new', 'in_progress')) <> (s.lead_id IS NOT NULL)"};
constexpr store::Query kAttemptsByNotes = {
    "attempts_by_notes",
    "SELECT notes, count(*), min(id), min(lead_id), min(outcome) FROM attempts"
    " WHERE notes LIKE 'agent-%/%' GROUP BY notes"};
// Every appointment stored, the claiming agents' and the sessions' (the dialer records those).
constexpr store::Query kAppointmentsStored = {
    "appointments_stored", "SELECT count(*) FROM attempts WHERE outcome = 'appointment_set'"};
constexpr store::Query kReleases = {"releases",
                                    "SELECT summary FROM lead_events WHERE type = 'lead.released'"};
constexpr store::Query kHandovers = {
    "handovers",
    "SELECT h.id, h.lead_id, coalesce(h.attempt_id, 0), h.idempotency_key, h.state,"
    " coalesce(a.outcome, '') FROM handovers h LEFT JOIN attempts a ON a.id = h.attempt_id"
    " ORDER BY h.id"};
constexpr store::Query kScheduled = {"scheduled",
                                     "SELECT lead_id FROM lead_schedule ORDER BY lead_id"};

int64_t FromEnv(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  int64_t n = 0;
  return value != nullptr && absl::SimpleAtoi(value, &n) && n >= 0 ? n : fallback;
}

// "no_answer" for ATTEMPT_OUTCOME_NO_ANSWER: the name the attempts table uses.
std::string OutcomeName(pb::AttemptOutcome outcome) {
  return absl::AsciiStrToLower(pb::AttemptOutcome_Name(outcome).substr(16));
}

// A client channel as a real agent desktop would configure it: it reconnects quickly to a daemon
// that comes back on the same address.
std::shared_ptr<grpc::Channel> Dial(const std::string& addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 300);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
}

template <typename F>
bool Eventually(F done, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return done();
}

// One try of one call as the client saw it.
struct Try {
  std::string method;
  absl::Time sent;
  absl::Time done;
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  bool empty = false;  // a claim answered with no lead
};

// What a call came to after its retries.
struct Retried {
  grpc::Status status;
  // A try failed with UNAVAILABLE: it may still have reached the daemon and been committed.
  bool unanswered = false;
  absl::Time first_sent;
  absl::Time last_sent;  // of the try that gave `status`
  absl::Time last_done;
};

// The client side of a shift: agents, a dealer CRM and a campaign manager on their own threads,
// each with its own channel, retrying on UNAVAILABLE as real clients do, and recording every try
// and what they were told.
class Shift {
 public:
  // What one agent did with one claimed lead.
  struct Claimed {
    enum class Then { kAbandoned, kReleased, kRecorded };
    std::string agent;
    int64_t lead_id = 0;
    int64_t token = 0;
    absl::Time start;  // when the claim's answer arrived: the lease began before
    absl::Time lease_until;
    Then then = Then::kAbandoned;
    // Unique per action: the attempt's notes or the release's reason, to find it in the database.
    std::string tag;
    pb::AttemptOutcome outcome = pb::ATTEMPT_OUTCOME_UNSPECIFIED;
    Retried result;
    int64_t attempt_id = 0;
    int64_t handover_id = 0;
    pb::RecordAttemptRequest request;  // as sent, for replays
    // Sent with an idempotency key (half the attempts): a retry after a lost answer then gets
    // the first try's answer instead of a refusal.
    bool keyed = false;
  };

  Shift(std::string addr, uint32_t seed, int64_t list_campaign)
      : addr_(std::move(addr)), seed_(seed), list_campaign_(list_campaign) {}
  ~Shift() {
    abandon_ = true;  // a test that failed early must not wait for retries
    Stop();
  }

  void Start() {
    for (int i = 0; i < kAgents; ++i) threads_.emplace_back([this, i] { Agent(i); });
    threads_.emplace_back([this] { Sessions(); });
    threads_.emplace_back([this] { Crm(); });
    threads_.emplace_back([this] { Manager(); });
  }
  // Every client finishes what it is doing (retrying until answered), then stops.
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  // Read after Stop().
  const std::vector<Claimed>& claims() const { return claims_; }
  const std::map<std::string, int64_t>& follow_ups() const { return follow_ups_; }
  const std::vector<std::string>& customers() const { return customers_; }
  const std::vector<std::string>& unexpected() const { return unexpected_; }
  std::vector<Try> tries() const {
    absl::MutexLock lock(&mu_);
    return tries_;
  }
  int resent_imports() const { return resent_imports_; }
  const cli::SimAgentsResult& sessions() const { return sessions_; }
  int session_runs() const { return session_runs_; }
  int duplicate_follow_ups() const { return duplicate_follow_ups_; }

  // Sends the first `n` confirmed attempts of each kind again, exactly as a client does whose
  // answer was lost after the daemon had committed. With its idempotency key the retry gets the
  // first answer (the same attempt, `replayed`); without one only the lease token (which a
  // recorded attempt ends) stands between a retry and a second attempt, and the retry must be
  // refused. The checks afterwards find each attempt once.
  void ReplayConfirmedAttempts(int n) {
    auto stub = pb::Scheduling::NewStub(Dial(addr_));
    int keyed = 0, plain = 0;
    for (const Claimed& c : claims_) {
      if (c.then != Claimed::Then::kRecorded || !c.result.status.ok()) continue;
      int& replayed = c.keyed ? keyed : plain;
      if (replayed == n) continue;
      ++replayed;
      pb::RecordAttemptResponse resp;
      const Retried r = Call(
          "RecordAttempt (replay)", kDaemonAgentToken, kRpcDeadline,
          [&](grpc::ClientContext* ctx) { return stub->RecordAttempt(ctx, c.request, &resp); });
      if (c.keyed) {
        EXPECT_TRUE(r.status.ok())
            << "keyed replay of " << c.tag << ": " << r.status.error_message();
        EXPECT_TRUE(resp.replayed()) << c.tag;
        EXPECT_EQ(resp.attempt_id(), c.attempt_id) << c.tag;
        EXPECT_EQ(resp.handover_id(), c.handover_id) << c.tag;
        continue;
      }
      // FAILED_PRECONDITION while the lead is on the schedule, NOT_FOUND once it left it.
      EXPECT_THAT(r.status.error_code(), ::testing::AnyOf(grpc::StatusCode::FAILED_PRECONDITION,
                                                          grpc::StatusCode::NOT_FOUND))
          << "replay of " << c.tag << " on lead " << c.lead_id << " answered "
          << r.status.error_message() << " (attempt " << resp.attempt_id() << ")";
    }
    EXPECT_EQ(keyed, n);
    EXPECT_EQ(plain, n);
  }

 private:
  // Calls `rpc(ctx)` with a fresh context until it answers something other than UNAVAILABLE.
  // `*empty`, when given, says after each try whether the answer was an empty claim.
  template <typename Rpc>
  Retried Call(const char* method, const std::string& token, absl::Duration deadline, Rpc rpc,
               const bool* empty = nullptr) {
    Retried r;
    const absl::Time give_up = absl::Now() + kGiveUp;
    for (int n = 0;; ++n) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
      const absl::Time sent = absl::Now();
      if (n == 0) r.first_sent = sent;
      r.last_sent = sent;
      r.status = rpc(&ctx);
      r.last_done = absl::Now();
      {
        absl::MutexLock lock(&mu_);
        tries_.push_back({method, sent, r.last_done, r.status.error_code(),
                          r.status.error_message(), empty != nullptr && *empty});
      }
      if (r.status.error_code() != grpc::StatusCode::UNAVAILABLE || abandon_ ||
          absl::Now() > give_up) {
        return r;
      }
      r.unanswered = true;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  void Unexpected(const std::string& what) {
    absl::MutexLock lock(&mu_);
    unexpected_.push_back(what);
  }

  void Agent(int index) {
    const std::string name = absl::StrCat("agent-", index);
    std::mt19937 rng(seed_ + 100 + index);
    auto stub = pb::Scheduling::NewStub(Dial(addr_));
    int actions = 0;
    while (!stop_) {
      pb::ClaimLeadsRequest claim;
      claim.set_queue_id("bdc-nl");
      claim.set_max_leads(2);
      claim.set_lease_seconds(kLeaseSeconds);
      claim.set_wait_ms(kClaimWaitMs);
      claim.set_claimer(name);
      pb::ClaimLeadsResponse claimed;
      bool none = false;
      const Retried r = Call(
          "ClaimLeads", kDaemonAgentToken, kRpcDeadline,
          [&](grpc::ClientContext* ctx) {
            claimed.Clear();
            const grpc::Status status = stub->ClaimLeads(ctx, claim, &claimed);
            none = status.ok() && claimed.leads().empty();
            return status;
          },
          &none);
      const absl::Time start = absl::Now();
      if (!r.status.ok()) {
        Unexpected(absl::StrCat(name, " ClaimLeads: ", r.status.error_code(), " ",
                                r.status.error_message()));
        continue;
      }
      for (const pb::ClaimedLead& lead : claimed.leads()) {
        Claimed c;
        c.agent = name;
        c.lead_id = lead.lead_id();
        c.token = lead.lease_token();
        c.start = start;
        c.lease_until =
            scheduler::FromProto(lead.lease_expires_at()).value_or(absl::InfinitePast());
        c.tag = absl::StrCat(name, "/", ++actions);
        const absl::Time talk_started = absl::Now();
        absl::SleepFor(absl::Milliseconds(10 + rng() % 40));  // the call itself
        const int dice = rng() % 100;
        if (dice < 4) {
          c.then = Claimed::Then::kAbandoned;  // the desktop crashed: the lease runs out
        } else if (dice < 12) {
          c.then = Claimed::Then::kReleased;
          pb::ReleaseLeadRequest release;
          release.set_lead_id(c.lead_id);
          release.set_lease_token(c.token);
          release.set_reason(c.tag);
          pb::ReleaseLeadResponse ignored;
          c.result = Call(
              "ReleaseLead", kDaemonAgentToken, kRpcDeadline,
              [&](grpc::ClientContext* ctx) { return stub->ReleaseLead(ctx, release, &ignored); });
        } else {
          c.then = Claimed::Then::kRecorded;
          Record(*stub, lead, talk_started, rng, c);
        }
        if (c.then != Claimed::Then::kAbandoned) {
          const grpc::StatusCode code = c.result.status.error_code();
          // FAILED_PRECONDITION or NOT_FOUND (the lead left the schedule): the lease is gone,
          // because an unanswered earlier try did the work or the lease ran out (both are
          // checked afterwards). Any other answer is a bug.
          if (code != grpc::StatusCode::OK && code != grpc::StatusCode::FAILED_PRECONDITION &&
              code != grpc::StatusCode::NOT_FOUND) {
            Unexpected(absl::StrCat(name, " on lead ", c.lead_id, ": ", code, " ",
                                    c.result.status.error_message()));
          }
        }
        absl::MutexLock lock(&mu_);
        claims_.push_back(std::move(c));
      }
    }
  }

  void Record(pb::Scheduling::Stub& stub, const pb::ClaimedLead& lead, absl::Time started,
              std::mt19937& rng, Claimed& c) {
    pb::RecordAttemptRequest req;
    req.set_lead_id(c.lead_id);
    req.set_lease_token(c.token);
    req.set_notes(c.tag);
    c.keyed = rng() % 2 == 0;
    if (c.keyed) req.set_idempotency_key(c.tag);
    scheduler::ToProto(started, req.mutable_started_at());
    scheduler::ToProto(absl::Now(), req.mutable_ended_at());
    if (lead.action() == pb::CONTACT_ACTION_MESSAGE) {
      const bool email = lead.route().find('@') != std::string::npos;
      req.set_channel(email ? pb::CHANNEL_EMAIL : pb::CHANNEL_SMS);
      c.outcome = email ? pb::ATTEMPT_OUTCOME_EMAIL_SENT : pb::ATTEMPT_OUTCOME_SMS_SENT;
    } else {
      req.set_channel(pb::CHANNEL_PHONE);
      const int dice = rng() % 100;
      c.outcome = dice < 30   ? pb::ATTEMPT_OUTCOME_NO_ANSWER
                  : dice < 40 ? pb::ATTEMPT_OUTCOME_BUSY
                  : dice < 48 ? pb::ATTEMPT_OUTCOME_VOICEMAIL
                  : dice < 68 ? pb::ATTEMPT_OUTCOME_CALLBACK_REQUESTED
                  : dice < 75 ? pb::ATTEMPT_OUTCOME_DIALOGUE_NO_APPOINTMENT
                  : dice < 92 ? pb::ATTEMPT_OUTCOME_APPOINTMENT_SET
                              : pb::ATTEMPT_OUTCOME_NOT_INTERESTED;
    }
    req.set_outcome(c.outcome);
    if (c.outcome == pb::ATTEMPT_OUTCOME_CALLBACK_REQUESTED) {
      // Soon, so that the lead comes back within the shift, to another agent or the same.
      scheduler::ToProto(absl::Now() + absl::Milliseconds(500 + rng() % 2500),
                         req.mutable_callback_at());
    }
    if (c.outcome == pb::ATTEMPT_OUTCOME_APPOINTMENT_SET) {
      scheduler::ToProto(absl::Now() + absl::Hours(48), req.mutable_appointment()->mutable_at());
      req.mutable_appointment()->set_location("showroom");
      req.mutable_statements()->set_needs(c.tag);
    }
    pb::RecordAttemptResponse resp;
    c.result =
        Call("RecordAttempt", kDaemonAgentToken, kRpcDeadline, [&](grpc::ClientContext* ctx) {
          resp.Clear();
          return stub.RecordAttempt(ctx, req, &resp);
        });
    c.attempt_id = resp.attempt_id();
    c.handover_id = resp.handover_id();
    c.request = std::move(req);
  }

  // Two agents at their desktops in AgentService sessions on the same queue: the dialer claims
  // their leads and records their outcomes. A killed daemon ends their streams; they log in
  // again as soon as it is back (what their leads and calls were doing is the daemon's to
  // recover: the checks afterwards find every lead and count every attempt).
  void Sessions() {
    for (uint64_t run = 1; !stop_; ++run) {
      cli::SimAgentsOptions o;
      o.queue_id = "bdc-nl";
      o.count = 2;
      o.login_prefix = absl::StrCat("desk", run);
      o.run_for = absl::Seconds(6);
      o.wrap = absl::Milliseconds(100);
      o.seed = seed_ + run;
      o.token = kDaemonAgentToken;
      const absl::Time began = absl::Now();
      absl::StatusOr<cli::SimAgentsResult> r = cli::RunSimulatedAgents(Dial(addr_), o);
      ++session_runs_;
      if (r.ok()) {
        sessions_.offers += r->offers;
        sessions_.connected += r->connected;
        sessions_.outcomes += r->outcomes;
        sessions_.appointments += r->appointments;
        sessions_.errors += r->errors;
      }
      // A stream refused or cut at once (the daemon is down): a moment before trying again.
      if (!r.ok() || r->errors > 0 || absl::Now() - began < absl::Seconds(1)) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  }

  // A dealer CRM hands unsold leads to the BDC, each under its own CRM lead id.
  void Crm() {
    std::mt19937 rng(seed_ + 1);
    auto stub = pb::LeadIntake::NewStub(Dial(addr_));
    for (int n = 1; !stop_; ++n) {
      pb::SubmitFollowUpRequest req;
      req.set_dealer_id("vandijk");
      req.set_reason(pb::FOLLOW_UP_REASON_UNSOLD);
      const std::string crm_lead_id = absl::StrCat("CRM-", n);
      req.mutable_follow_up()->set_crm_lead_id(crm_lead_id);
      req.mutable_follow_up()->mutable_customer()->set_first_name(absl::StrCat("Volg", n));
      pb::ContactRoute* phone = req.mutable_follow_up()->add_contact_routes();
      phone->set_channel(pb::CHANNEL_PHONE);
      phone->set_raw_value(absl::StrFormat("06-2%07d", n));
      pb::SubmitFollowUpResponse resp;
      const Retried r =
          Call("SubmitFollowUp", kDaemonCrmToken, kRpcDeadline, [&](grpc::ClientContext* ctx) {
            resp.Clear();
            return stub->SubmitFollowUp(ctx, req, &resp);
          });
      if (!r.status.ok()) {
        Unexpected(absl::StrCat("SubmitFollowUp ", crm_lead_id, ": ", r.status.error_code(), " ",
                                r.status.error_message()));
      } else {
        // A duplicate is right only when an earlier try may have got through.
        if (resp.duplicate() && !r.unanswered) {
          Unexpected(absl::StrCat("SubmitFollowUp ", crm_lead_id, ": duplicate on a first try"));
        }
        absl::MutexLock lock(&mu_);
        follow_ups_[crm_lead_id] = resp.lead_id();
        if (resp.duplicate()) ++duplicate_follow_ups_;
      }
      absl::SleepFor(absl::Milliseconds(100 + rng() % 200));
    }
  }

  // A campaign manager imports small lists, alternately of each dealer, and sends a list again
  // when the import was not answered, as the README says to.
  void Manager() {
    std::mt19937 rng(seed_ + 2);
    auto stub = pb::LeadIntake::NewStub(Dial(addr_));
    for (int list = 1; !stop_; ++list) {
      std::string csv = "klantnummer;voornaam;telefoon;toestemming;datum toestemming\n";
      std::vector<std::string> ids;
      for (int row = 0; row < kRowsPerList; ++row) {
        ids.push_back(absl::StrCat("K", list, "-", row));
        absl::StrAppend(&csv, ids.back(), ";Klant;", absl::StrFormat("020-5%06d", list * 100 + row),
                        ";ja;01-06-2025\n");
      }
      pb::ImportListRequest header;
      header.mutable_header()->set_campaign_id(list_campaign_);
      header.mutable_header()->set_file_name(absl::StrCat("list-", list, ".csv"));
      header.mutable_header()->set_dealer_id(list % 2 ? "jansen" : "vandijk");
      header.mutable_header()->set_size_bytes(csv.size());
      pb::ImportListRequest chunk;
      chunk.set_chunk(csv);
      pb::ImportListResponse resp;
      const Retried r =
          Call("ImportList", kDaemonManagerToken, kImportDeadline, [&](grpc::ClientContext* ctx) {
            resp.Clear();
            auto writer = stub->ImportList(ctx, &resp);
            if (writer->Write(header)) writer->Write(chunk);
            writer->WritesDone();
            return writer->Finish();
          });
      if (!r.status.ok()) {
        Unexpected(absl::StrCat("ImportList ", list, ": ", r.status.error_code(), " ",
                                r.status.error_message()));
      } else if (resp.status() != pb::IMPORT_STATUS_COMPLETED || resp.rejected() != 0 ||
                 resp.imported() + resp.merged_into_existing() != kRowsPerList ||
                 (resp.imported() != kRowsPerList && !r.unanswered)) {
        Unexpected(absl::StrCat("ImportList ", list, ": ", resp.ShortDebugString()));
      } else {
        absl::MutexLock lock(&mu_);
        customers_.insert(customers_.end(), ids.begin(), ids.end());
        if (resp.imported() != kRowsPerList) ++resent_imports_;
      }
      absl::SleepFor(absl::Milliseconds(300 + rng() % 400));
    }
  }

  const std::string addr_;
  const uint32_t seed_;
  const int64_t list_campaign_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> abandon_{false};
  cli::SimAgentsResult sessions_;  // the sessions thread's alone
  int session_runs_ = 0;
  std::vector<std::thread> threads_;

  mutable absl::Mutex mu_;
  std::vector<Try> tries_ ABSL_GUARDED_BY(mu_);
  std::vector<Claimed> claims_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> follow_ups_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> customers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unexpected_ ABSL_GUARDED_BY(mu_);
  int resent_imports_ ABSL_GUARDED_BY(mu_) = 0;
  int duplicate_follow_ups_ ABSL_GUARDED_BY(mu_) = 0;
};

std::unique_ptr<example_crm::ExampleCrmServer> StartCrm(const std::string& dir) {
  auto crm = example_crm::ExampleCrmServer::Start({.store_path = dir + "/crm.store", .token = ""},
                                                  "127.0.0.1:0");
  EXPECT_THAT(crm.status(), IsOk());
  return crm.ok() ? *std::move(crm) : nullptr;
}

// The world of the shift: both dealers open around the clock, handing over to the example CRM.
void SetUpShiftWorld(const std::shared_ptr<grpc::Channel>& channel, int crm_port,
                     int64_t* list_campaign) {
  int64_t second_voice = 0;
  secondvoice::testing::SetUpWorld(channel, kDaemonAdminToken, kDaemonManagerToken, list_campaign,
                                   &second_voice);
  auto dealers = pb::DealerService::NewStub(channel);
  for (const char* id : {"vandijk", "jansen"}) {
    pb::GetDealerRequest get;
    get.set_id(id);
    pb::Dealer dealer;
    ASSERT_THAT(
        dealers->GetDealer(SchedulerHarness::Context(kDaemonAdminToken).get(), get, &dealer),
        IsOk());
    dealer.set_crm_endpoint(absl::StrCat("127.0.0.1:", crm_port));
    pb::UpdateDealerRequest update;
    *update.mutable_dealer() = dealer;
    pb::Dealer updated;
    ASSERT_THAT(
        dealers->UpdateDealer(SchedulerHarness::Context(kDaemonAdminToken).get(), update, &updated),
        IsOk());
  }
}

// What a shift runs against once the daemon serves: its address, a channel to it, the example
// CRM the dealers hand over to, and the campaign the lists are imported into.
struct ShiftSetup {
  std::string addr;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<example_crm::ExampleCrmServer> crm;
  int64_t list_campaign = 0;
};

// Waits for a started daemon to serve, starts the CRM and sets up the world of the shift. It
// asserts, so the caller returns on HasFatalFailure().
void SetUpShift(Daemon& daemon, const std::string& dir, ShiftSetup* setup) {
  setup->addr = daemon.WaitForAddress(absl::Seconds(60));
  ASSERT_FALSE(setup->addr.empty()) << "the daemon never wrote its port";
  setup->channel = Dial(setup->addr);
  ASSERT_TRUE(SchedulerHarness::WaitForHealth(setup->channel, true, absl::Seconds(30)));
  setup->crm = StartCrm(dir);
  ASSERT_NE(setup->crm, nullptr);
  SetUpShiftWorld(setup->channel, setup->crm->port(), &setup->list_campaign);
}

std::string Describe(const cadence::Progress& p) {
  return absl::StrCat("calls ", p.calls.attempts, " on ", p.calls.days, " days (dayparts ",
                      p.calls.dayparts, "), messages ", p.messages.attempts, ", dialogue ",
                      p.dialogue);
}

// The checks both tests end with, once the daemon serves again and the clients have stopped.
void ExpectNothingLost(const Shift& shift, const std::string& url, example_crm::ExampleCrm& crm) {
  for (const std::string& what : shift.unexpected()) ADD_FAILURE() << "unexpected answer: " << what;
  auto conn_or = store::PgConn::Connect(url, absl::Seconds(10));
  ASSERT_THAT(conn_or.status(), IsOk());
  store::PgConn& conn = **conn_or;
  auto query = [&](const store::Query& q) {
    absl::StatusOr<store::PgResult> r = conn.ExecOnce(q);
    EXPECT_THAT(r.status(), IsOk()) << q.name;
    return r.ok() ? *std::move(r) : store::PgResult(nullptr);
  };
  auto count = [&](const store::Query& q) {
    store::PgResult r = query(q);
    return r.raw() != nullptr && r.rows() > 0 ? r.GetInt64(0, 0) : -1;
  };

  // Handovers still pending are delivered by the daemon that runs now, within a deadline.
  const absl::Time waiting = absl::Now();
  EXPECT_TRUE(Eventually([&] { return count(kUndelivered) == 0; }, absl::Seconds(30)))
      << count(kUndelivered) << " handovers still undelivered 30 s after the shift";
  std::printf("[crash] pending handovers delivered %.1f s after the shift\n",
              absl::ToDoubleSeconds(absl::Now() - waiting));

  // No lead lost: every list row and every follow-up the daemon took is one lead, no more.
  std::map<std::string, int64_t> by_customer;
  {
    store::PgResult r = query(kLeadsByCustomer);
    for (int i = 0; r.raw() && i < r.rows(); ++i) by_customer[r.GetString(i, 0)] = r.GetInt64(i, 1);
  }
  for (const std::string& id : shift.customers()) {
    EXPECT_EQ(by_customer[id], 1) << "list row " << id;
  }
  EXPECT_EQ(by_customer.size(), shift.customers().size()) << "leads of rows no import confirmed";
  std::map<std::string, std::pair<int64_t, int64_t>> by_crm_id;  // count, lead id
  {
    store::PgResult r = query(kLeadsByCrmId);
    for (int i = 0; r.raw() && i < r.rows(); ++i) {
      by_crm_id[r.GetString(i, 0)] = {r.GetInt64(i, 1), r.GetInt64(i, 2)};
    }
  }
  std::map<std::string, int64_t> follow_up_rows;
  {
    store::PgResult r = query(kFollowUps);
    for (int i = 0; r.raw() && i < r.rows(); ++i)
      follow_up_rows[r.GetString(i, 0)] = r.GetInt64(i, 1);
  }
  for (const auto& [crm_id, lead] : shift.follow_ups()) {
    EXPECT_EQ(by_crm_id[crm_id].first, 1) << "follow-up " << crm_id;
    EXPECT_EQ(by_crm_id[crm_id].second, lead) << "follow-up " << crm_id;
    EXPECT_EQ(follow_up_rows[crm_id], 1) << "follow-up " << crm_id;
  }
  EXPECT_EQ(by_crm_id.size(), shift.follow_ups().size()) << "leads of follow-ups never confirmed";
  EXPECT_EQ(count(kLeadCount),
            static_cast<int64_t>(shift.customers().size() + shift.follow_ups().size()));
  {
    store::PgResult r = query(kNeitherScheduledNorClosed);
    for (int i = 0; r.raw() && i < r.rows(); ++i) {
      ADD_FAILURE() << "lead " << r.Get(i, 0) << " is " << r.Get(i, 1)
                    << (r.GetBool(i, 2) ? " yet on the schedule" : " yet not on the schedule");
    }
  }

  // No outcome lost or doubled: an attempt the daemon confirmed is stored once, with what was
  // sent; one whose answer was lost is stored at most once; none is stored that nobody sent.
  struct Stored {
    int64_t count = 0;
    int64_t id = 0;
    int64_t lead = 0;
    std::string outcome;
  };
  std::map<std::string, Stored> attempts;
  {
    store::PgResult r = query(kAttemptsByNotes);
    for (int i = 0; r.raw() && i < r.rows(); ++i) {
      attempts[r.GetString(i, 0)] = {r.GetInt64(i, 1), r.GetInt64(i, 2), r.GetInt64(i, 3),
                                     r.GetString(i, 4)};
    }
  }
  std::set<std::string> releases;
  {
    store::PgResult r = query(kReleases);
    for (int i = 0; r.raw() && i < r.rows(); ++i) releases.insert(r.GetString(i, 0));
  }
  std::map<int64_t, std::string> status;
  {
    store::PgResult r = query(kLeadStatuses);
    for (int i = 0; r.raw() && i < r.rows(); ++i) status[r.GetInt64(i, 0)] = r.GetString(i, 1);
  }
  // Whether the release or attempt of `c` took effect.
  auto happened = [&](const Shift::Claimed& c) {
    if (c.then == Shift::Claimed::Then::kReleased) {
      return releases.count(absl::StrCat("given back: ", c.tag)) > 0;
    }
    return c.then == Shift::Claimed::Then::kRecorded && attempts[c.tag].count > 0;
  };
  int confirmed = 0, unanswered = 0, unanswered_stored = 0, refused = 0, keyed_retried = 0;
  std::map<int64_t, int64_t> appointment_handover;  // attempt id -> handover id answered
  for (const Shift::Claimed& c : shift.claims()) {
    if (c.then != Shift::Claimed::Then::kRecorded) continue;
    const Stored& stored = attempts[c.tag];
    const grpc::StatusCode code = c.result.status.error_code();
    if (code == grpc::StatusCode::OK) {
      ++confirmed;
      keyed_retried += c.keyed && c.result.unanswered;
      EXPECT_EQ(stored.count, 1) << "confirmed attempt " << c.tag << " on lead " << c.lead_id;
      EXPECT_EQ(stored.id, c.attempt_id) << c.tag;
      EXPECT_EQ(stored.lead, c.lead_id) << c.tag;
      EXPECT_EQ(stored.outcome, OutcomeName(c.outcome)) << c.tag;
      if (c.outcome == pb::ATTEMPT_OUTCOME_APPOINTMENT_SET) {
        EXPECT_GT(c.handover_id, 0) << c.tag;
        appointment_handover[c.attempt_id] = c.handover_id;
      }
    } else if (c.result.unanswered) {
      ++unanswered;
      EXPECT_LE(stored.count, 1) << "attempt " << c.tag << " stored twice after a retry";
      // With its key, a retry of a stored attempt is answered, not refused: the client knows.
      if (c.keyed) {
        EXPECT_EQ(stored.count, 0) << "keyed attempt " << c.tag << " stored, yet refused";
      }
      if (stored.count == 1) {
        ++unanswered_stored;
        EXPECT_EQ(stored.lead, c.lead_id) << c.tag;
        EXPECT_EQ(stored.outcome, OutcomeName(c.outcome)) << c.tag;
      }
    } else {
      // Refused at the first answer (when that is right is checked below): nothing stored.
      ++refused;
      EXPECT_EQ(stored.count, 0) << c.tag;
    }
    // The lead's status follows a final outcome that was stored.
    if (stored.count == 1) {
      const std::string& s = status[c.lead_id];
      if (c.outcome == pb::ATTEMPT_OUTCOME_APPOINTMENT_SET) {
        EXPECT_EQ(s, "handed_over") << "lead " << c.lead_id;
      } else if (c.outcome == pb::ATTEMPT_OUTCOME_NOT_INTERESTED) {
        EXPECT_EQ(s, "closed_not_interested") << "lead " << c.lead_id;
      }
    }
  }
  std::set<std::string> sent_tags;
  for (const Shift::Claimed& c : shift.claims()) {
    sent_tags.insert(c.tag);
    // A release or attempt refused at its first answer is only right once the lease had run
    // out, so that another claim may have taken the lead.
    if (c.then != Shift::Claimed::Then::kAbandoned && !c.result.status.ok() &&
        !c.result.unanswered) {
      EXPECT_GE(c.result.last_done, c.lease_until)
          << c.tag << " on lead " << c.lead_id
          << " refused during its lease: " << c.result.status.error_message();
    }
  }
  for (const auto& [notes, stored] : attempts) {
    EXPECT_TRUE(sent_tags.count(notes)) << "an attempt nobody recorded: '" << notes << "'";
  }
  std::printf(
      "[crash] attempts: %d confirmed (%d of them keyed, answered on a retry after a lost "
      "answer), %d unanswered (%d of them stored), %d refused\n",
      confirmed, keyed_retried, unanswered, unanswered_stored, refused);
  EXPECT_GT(confirmed, 0);
  // The agents in sessions worked too: the dialer gave them calls across the restarts and
  // recorded their outcomes (counted in the cadence and handover checks below; how many calls
  // connect in a few seconds between kills is the carrier's draw).
  const cli::SimAgentsResult& desks = shift.sessions();
  std::printf(
      "[crash] sessions: %d logins, %d offers, %d connected, %d outcomes, %d appointments,"
      " %d errors (streams cut by the kills)\n",
      shift.session_runs() * 2, desks.offers, desks.connected, desks.outcomes, desks.appointments,
      desks.errors);
  EXPECT_GT(desks.offers, 0);

  // No lead held by two claims at once. A claim holds its lead until its lease ends or, sooner,
  // until the release or attempt that ended it was sent (when the answer was lost: the first
  // send that may have done it). A later claim of the lead is made after that, so its answer
  // arrives after that too, and it carries a higher lease token.
  std::map<int64_t, std::vector<const Shift::Claimed*>> by_lead;
  for (const Shift::Claimed& c : shift.claims()) by_lead[c.lead_id].push_back(&c);
  int reclaimed = 0;
  for (auto& [lead, claims] : by_lead) {
    std::sort(claims.begin(), claims.end(),
              [](const auto* a, const auto* b) { return a->start < b->start; });
    absl::Time held_until = absl::InfinitePast();
    const Shift::Claimed* holder = nullptr;  // the claim that held the lead longest so far
    const Shift::Claimed* previous = nullptr;
    for (const Shift::Claimed* c : claims) {
      if (previous != nullptr) {
        ++reclaimed;
        EXPECT_GE(c->start, held_until)
            << "lead " << lead << " claimed by " << c->agent << " (token " << c->token << ") "
            << absl::ToDoubleMilliseconds(held_until - c->start) << " ms before the claim of "
            << holder->agent << " (token " << holder->token << ") ended";
        EXPECT_GT(c->token, previous->token) << "lead " << lead;
      }
      previous = c;
      absl::Time end = c->lease_until;
      if (c->then != Shift::Claimed::Then::kAbandoned) {
        if (c->result.status.ok()) {
          end = std::min(end, c->result.last_sent);
        } else if (c->result.unanswered && happened(*c)) {
          end = std::min(end, c->result.first_sent);
        }
      }
      if (holder == nullptr || end > held_until) {
        held_until = end;
        holder = c;
      }
    }
  }
  std::printf("[crash] %zu claims of %zu leads, %d of them claimed again\n", shift.claims().size(),
              by_lead.size(), reclaimed);

  // No handover lost or doubled: one per stored appointment, all delivered, each stored once at
  // the CRM under its own idempotency key.
  std::map<int64_t, std::pair<int64_t, std::string>> handovers;  // id -> lead, key
  std::set<int64_t> handover_leads;
  {
    store::PgResult r = query(kHandovers);
    for (int i = 0; r.raw() && i < r.rows(); ++i) {
      const int64_t id = r.GetInt64(i, 0);
      const int64_t attempt = r.GetInt64(i, 2);
      handovers[id] = {r.GetInt64(i, 1), r.GetString(i, 3)};
      EXPECT_TRUE(handover_leads.insert(r.GetInt64(i, 1)).second)
          << "two handovers of lead " << r.GetInt64(i, 1);
      EXPECT_EQ(r.GetString(i, 4), "delivered") << "handover " << id;
      EXPECT_EQ(r.GetString(i, 5), "appointment_set") << "handover " << id;
      if (auto it = appointment_handover.find(attempt); it != appointment_handover.end()) {
        EXPECT_EQ(it->second, id) << "attempt " << attempt;
        appointment_handover.erase(it);
      }
    }
  }
  for (const auto& [attempt, id] : appointment_handover) {
    ADD_FAILURE() << "confirmed appointment " << attempt << " has no handover (answered " << id
                  << ")";
  }
  int64_t appointments_stored = -1;
  {
    store::PgResult r = query(kAppointmentsStored);
    if (r.raw() && r.rows() == 1) appointments_stored = r.GetInt64(0, 0);
  }
  EXPECT_EQ(static_cast<int64_t>(handovers.size()), appointments_stored);
  int64_t handed_over = 0;
  for (const auto& [lead, s] : status) handed_over += s == "handed_over";
  EXPECT_EQ(handed_over, static_cast<int64_t>(handovers.size()));
  const pb::ListReceivedResponse received = crm.ListReceived();
  std::map<int64_t, int> at_crm;
  int64_t deliveries = 0;
  for (const pb::ReceivedHandover& h : received.handovers()) {
    const int64_t id = h.handover().handover_id();
    ++at_crm[id];
    deliveries += h.deliveries();
    auto it = handovers.find(id);
    if (it == handovers.end()) {
      ADD_FAILURE() << "the CRM has handover " << id << ", which the database does not";
      continue;
    }
    EXPECT_EQ(h.handover().lead_id(), it->second.first) << "handover " << id;
    EXPECT_EQ(h.handover().idempotency_key(), it->second.second) << "handover " << id;
  }
  for (const auto& [id, handover] : handovers) {
    EXPECT_EQ(at_crm[id], 1) << "handover " << id << " of lead " << handover.first
                             << " stored at the CRM " << at_crm[id] << " times";
  }
  EXPECT_EQ(at_crm.size(), handovers.size());
  std::printf("[crash] %zu handovers, %lld deliveries at the CRM (%lld answered as duplicates)\n",
              handovers.size(), static_cast<long long>(deliveries),
              static_cast<long long>(received.duplicates()));

  // Cadence counts right: each schedule row's counts are what its lead's attempts add up to.
  const absl::TimeZone tz = [] {
    absl::TimeZone z;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &z));
    return z;
  }();
  store::PgResult scheduled = query(kScheduled);
  int checked = 0;
  for (int i = 0; scheduled.raw() && i < scheduled.rows(); ++i) {
    const int64_t lead = scheduled.GetInt64(i, 0);
    absl::StatusOr<store::ScheduledLead> row = store::LoadScheduled(conn, lead, false);
    absl::StatusOr<std::vector<cadence::AttemptFact>> facts = store::AttemptFacts(conn, lead);
    ASSERT_THAT(row.status(), IsOk());
    ASSERT_THAT(facts.status(), IsOk());
    const cadence::Progress folded = cadence::Fold(*facts, tz);
    EXPECT_TRUE(row->progress == folded)
        << "lead " << lead << ": the schedule says " << Describe(row->progress) << ", its attempts "
        << Describe(folded);
    checked += folded.calls.attempts > 0;
  }
  std::printf("[crash] cadence of %d scheduled leads checked, %d of them called\n",
              scheduled.raw() ? scheduled.rows() : 0, checked);
}

// Until the daemon notices an outage (its health check, every second), a claim may find from
// what it remembers that nothing is due and answer so without asking PostgreSQL. That empty
// answer is true enough; any other answer than UNAVAILABLE is not.
bool AcceptableDuringOutage(const Try& t, bool noticed) {
  return t.code == grpc::StatusCode::UNAVAILABLE ||
         (!noticed && t.method == "ClaimLeads" && t.code == grpc::StatusCode::OK && t.empty);
}

// Calls of other kinds than the shift's, while PostgreSQL is down: each fails with UNAVAILABLE
// well within its deadline (see AcceptableDuringOutage before the daemon noticed).
void ExpectUnavailable(const std::shared_ptr<grpc::Channel>& channel, int64_t campaign,
                       bool noticed) {
  const std::string when = noticed ? "with PostgreSQL down" : "as PostgreSQL went down";
  auto stub = pb::Scheduling::NewStub(channel);
  auto expect = [&](const char* method, const std::string& token, auto rpc) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kRpcDeadline));
    Try t{.method = method, .sent = absl::Now()};
    const grpc::Status s = rpc(&ctx, &t.empty);
    t.done = absl::Now();
    t.code = s.error_code();
    EXPECT_TRUE(AcceptableDuringOutage(t, noticed))
        << method << " " << when << ": " << t.code << " " << s.error_message();
    EXPECT_LT(t.done - t.sent, kRpcDeadline) << method << " " << when;
  };
  for (int wait_ms : {0, kClaimWaitMs}) {
    pb::ClaimLeadsRequest req;
    req.set_queue_id("bdc-nl");
    req.set_lease_seconds(kLeaseSeconds);
    req.set_wait_ms(wait_ms);
    pb::ClaimLeadsResponse resp;
    expect("ClaimLeads", kDaemonAgentToken, [&](grpc::ClientContext* ctx, bool* empty) {
      const grpc::Status s = stub->ClaimLeads(ctx, req, &resp);
      *empty = s.ok() && resp.leads().empty();
      return s;
    });
  }
  pb::ListCallListRequest list;
  list.set_campaign_id(campaign);
  pb::ListCallListResponse listed;
  expect("ListCallList", kDaemonManagerToken,
         [&](grpc::ClientContext* ctx, bool*) { return stub->ListCallList(ctx, list, &listed); });
  pb::ExplainLeadRequest explain;
  explain.set_lead_id(1);
  pb::ExplainLeadResponse explained;
  expect("ExplainLead", kDaemonManagerToken, [&](grpc::ClientContext* ctx, bool*) {
    return stub->ExplainLead(ctx, explain, &explained);
  });
}

// A call never hangs until its deadline, whatever happens to the daemon or the database.
void ExpectNoHang(const std::vector<Try>& tries) {
  for (const Try& t : tries) {
    EXPECT_NE(t.code, grpc::StatusCode::DEADLINE_EXCEEDED) << t.method << ": " << t.message;
  }
}

// Prints what the clients saw: calls by method and answer.
void PrintTries(const std::vector<Try>& tries) {
  std::map<std::string, std::map<grpc::StatusCode, int>> seen;
  for (const Try& t : tries) ++seen[t.method][t.code];
  for (const auto& [method, codes] : seen) {
    std::string line = absl::StrCat("[crash] ", method, ":");
    for (const auto& [code, n] : codes) absl::StrAppend(&line, " code ", code, " x", n);
    std::printf("%s\n", line.c_str());
  }
}

TEST(Crash, ADaemonKilledAtRandomDuringAShiftLosesNothing) {
  const int rounds = static_cast<int>(FromEnv("SV_CRASH_ROUNDS", kDefaultRounds));
  const uint32_t seed = static_cast<uint32_t>(FromEnv("SV_CRASH_SEED", kDefaultSeed));
  std::printf("[crash] %d kill rounds, seed %u (SV_CRASH_ROUNDS, SV_CRASH_SEED)\n", rounds, seed);
  std::mt19937 rng(seed);
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  const std::string dir = TempDir();
  auto daemon = std::make_unique<Daemon>(
      url, dir, std::vector<std::string>{kHandoverDeadlineFlag, kQuickCarrierFlag});
  ShiftSetup setup;
  SetUpShift(*daemon, dir, &setup);
  if (HasFatalFailure()) return;
  // The CRM stores a handover at once and answers a moment later, so that some kills fall
  // between the two and the restarted daemon delivers again: the CRM must keep one.
  pb::SetBehaviourRequest slow;
  slow.set_delay_ms(200);
  ASSERT_THAT(setup.crm->crm().SetBehaviour(slow), IsOk());

  // Every restart listens where the clients already connect (a later --listen wins).
  const std::vector<std::string> flags = {kHandoverDeadlineFlag, kQuickCarrierFlag,
                                          absl::StrCat("--listen=", setup.addr)};
  const absl::Time started = absl::Now();
  Shift shift(setup.addr, seed, setup.list_campaign);
  shift.Start();
  for (int round = 1; round <= rounds; ++round) {
    const absl::Duration up = absl::Milliseconds(std::uniform_int_distribution<>(200, 1500)(rng));
    const absl::Duration down = absl::Milliseconds(std::uniform_int_distribution<>(0, 400)(rng));
    absl::SleepFor(up);
    daemon->Kill();
    absl::SleepFor(down);
    const absl::Time restarted = absl::Now();
    daemon = std::make_unique<Daemon>(url, dir, flags);
    ASSERT_EQ(daemon->WaitForAddress(absl::Seconds(60)), setup.addr) << "round " << round;
    ASSERT_TRUE(SchedulerHarness::WaitForHealth(setup.channel, true, absl::Seconds(30)))
        << "round " << round;
    std::printf("[crash] round %d: killed after %lld ms up, %lld ms down, serving %lld ms later\n",
                round, static_cast<long long>(absl::ToInt64Milliseconds(up)),
                static_cast<long long>(absl::ToInt64Milliseconds(down)),
                static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - restarted)));
  }
  absl::SleepFor(absl::Seconds(1));  // the last daemon serves a while too
  shift.Stop();
  std::printf("[crash] shift of %.1f s\n", absl::ToDoubleSeconds(absl::Now() - started));
  shift.ReplayConfirmedAttempts(20);
  const std::vector<Try> tries = shift.tries();
  PrintTries(tries);
  ExpectNoHang(tries);
  std::printf(
      "[crash] %zu list rows (%d lists sent again), %zu follow-ups (%d answered as "
      "duplicates)\n",
      shift.customers().size(), shift.resent_imports(), shift.follow_ups().size(),
      shift.duplicate_follow_ups());

  ExpectNothingLost(shift, url, setup.crm->crm());
  EXPECT_EQ(daemon->Terminate(absl::Seconds(15)), 0);
  setup.crm.reset();
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

TEST(Crash, PostgresRestartedDuringAShiftGivesUnavailableAndLosesNothing) {
  const uint32_t seed = static_cast<uint32_t>(FromEnv("SV_CRASH_SEED", kDefaultSeed));
  std::printf("[crash] seed %u\n", seed);
  // A cluster of its own: this test kills it.
  auto pg = TestPostgres::Start();
  ASSERT_THAT(pg, IsOk());
  auto url = (*pg)->CreateDatabase();
  ASSERT_THAT(url, IsOk());
  const std::string dir = TempDir();
  Daemon daemon(*url, dir, {kHandoverDeadlineFlag, kQuickCarrierFlag});
  ShiftSetup setup;
  SetUpShift(daemon, dir, &setup);
  if (HasFatalFailure()) return;

  Shift shift(setup.addr, seed, setup.list_campaign);
  shift.Start();
  absl::SleepFor(absl::Milliseconds(1500));
  ASSERT_THAT((*pg)->Kill(), IsOk());
  const absl::Time down = absl::Now();
  ExpectUnavailable(setup.channel, setup.list_campaign, /*noticed=*/false);
  EXPECT_TRUE(SchedulerHarness::WaitForHealth(setup.channel, false, absl::Seconds(10)))
      << "health never went NOT_SERVING";
  const absl::Time noticed = absl::Now();
  ExpectUnavailable(setup.channel, setup.list_campaign, /*noticed=*/true);
  absl::SleepFor(absl::Seconds(2));
  const absl::Time restarting = absl::Now();
  ASSERT_THAT((*pg)->Restart(), IsOk());
  EXPECT_TRUE(SchedulerHarness::WaitForHealth(setup.channel, true, absl::Seconds(20)))
      << "the daemon did not recover by itself";
  const absl::Time recovered = absl::Now();
  std::printf("[crash] PostgreSQL down %.1f s; the daemon served again %.1f s after it was back\n",
              absl::ToDoubleSeconds(restarting - down),
              absl::ToDoubleSeconds(recovered - restarting));
  absl::SleepFor(absl::Seconds(2));  // the shift goes on after the outage
  shift.Stop();
  const std::vector<Try> tries = shift.tries();
  PrintTries(tries);

  // While PostgreSQL is down every call fails with UNAVAILABLE, and fast; never another code and
  // never a hang past the deadline, before, during or after.
  int during = 0;
  std::set<std::string> recovered_methods;
  ExpectNoHang(tries);
  for (const Try& t : tries) {
    if (t.sent >= down && t.done <= restarting) {
      ++during;
      EXPECT_TRUE(AcceptableDuringOutage(t, t.sent >= noticed))
          << t.method << " during the outage: " << t.code << " " << t.message;
    }
    if (t.sent >= recovered && t.code == grpc::StatusCode::OK && !t.empty) {
      recovered_methods.insert(t.method);
    }
  }
  std::printf("[crash] %d calls during the outage\n", during);
  EXPECT_GT(during, 0) << "no call was made while PostgreSQL was down";
  // Work goes on after the outage without anyone restarting the daemon.
  for (const char* method : {"ClaimLeads", "RecordAttempt", "SubmitFollowUp"}) {
    EXPECT_TRUE(recovered_methods.count(method)) << method << " never succeeded after the outage";
  }

  ExpectNothingLost(shift, *url, setup.crm->crm());
  EXPECT_EQ(daemon.Terminate(absl::Seconds(15)), 0);
  setup.crm.reset();
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

}  // namespace
}  // namespace secondvoice
