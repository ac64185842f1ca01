// Scheduling over real gRPC and PostgreSQL: claims under leases by many claimers on two daemon
// processes, leases of a killed daemon coming back, a follow-up on one replica waking a waiting
// claim on another, claim-time consent and suppression checks, priority and fair sharing, the
// call list, and the refusal of an early "not reached".
#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "libs/store/leads.h"
#include "libs/store/pg.h"
#include "libs/store/schedule.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
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
using ::secondvoice::testing::Leads;
using ::secondvoice::testing::SchedulerHarness;
using ::secondvoice::testing::SetUpWorld;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  return SchedulerHarness::Context(token);
}

pb::ClaimLeadsResponse Claim(pb::Scheduling::Stub& stub, const std::string& token, int max,
                             int lease_seconds = 60, int wait_ms = 0,
                             const std::string& claimer = "",
                             pb::ContactAction only = pb::CONTACT_ACTION_UNSPECIFIED) {
  pb::ClaimLeadsRequest req;
  req.set_queue_id("bdc-nl");
  req.set_only(only);
  req.set_max_leads(max);
  req.set_lease_seconds(lease_seconds);
  req.set_wait_ms(wait_ms);
  req.set_claimer(claimer);
  pb::ClaimLeadsResponse resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(40));
  grpc::Status s = stub.ClaimLeads(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

grpc::Status Record(pb::Scheduling::Stub& stub, const std::string& token,
                    const pb::ClaimedLead& lead, pb::AttemptOutcome outcome,
                    pb::RecordAttemptResponse* out = nullptr) {
  pb::RecordAttemptRequest req;
  req.set_lead_id(lead.lead_id());
  req.set_lease_token(lead.lease_token());
  req.set_channel(pb::CHANNEL_PHONE);
  req.set_outcome(outcome);
  scheduler::ToProto(absl::Now(), req.mutable_started_at());
  pb::RecordAttemptResponse ignored;
  return stub.RecordAttempt(Ctx(token).get(), req, out ? out : &ignored);
}

std::set<int64_t> Ids(const pb::ClaimLeadsResponse& r) {
  std::set<int64_t> ids;
  for (const auto& l : r.leads()) ids.insert(l.lead_id());
  return ids;
}

// A channel to a daemon process that reports SERVING (reachable and migrated).
std::shared_ptr<grpc::Channel> Connect(const std::string& addr) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  EXPECT_TRUE(SchedulerHarness::WaitForHealth(channel, true, absl::Seconds(30))) << addr;
  return channel;
}

TEST(SchedulingDaemons, SixteenClaimersOnTwoDaemonsNeverShareALead) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  Daemon a(url, secondvoice::testing::TempDir());
  Daemon b(url, secondvoice::testing::TempDir());
  const std::string addr_a = a.WaitForAddress(absl::Seconds(30));
  const std::string addr_b = b.WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr_a.empty());
  ASSERT_FALSE(addr_b.empty());
  std::vector<std::shared_ptr<grpc::Channel>> channels = {Connect(addr_a), Connect(addr_b)};
  int64_t campaign = 0;
  SetUpWorld(channels[0], secondvoice::testing::kDaemonAdminToken,
             secondvoice::testing::kDaemonManagerToken, &campaign);
  Leads leads(url);
  constexpr int kLeads = 400;
  for (int i = 0; i < kLeads; ++i) leads.Add(i % 2 ? "vandijk" : "jansen", campaign);

  const std::string agent = secondvoice::testing::kDaemonAgentToken;
  absl::Mutex mu;
  absl::flat_hash_set<int64_t> held;
  absl::flat_hash_map<int64_t, int> attempts;
  std::atomic<int> shared{0}, releases{0}, errors{0};
  std::vector<std::thread> claimers;
  for (int t = 0; t < 16; ++t) {
    claimers.emplace_back([&, t] {
      auto stub = pb::Scheduling::NewStub(channels[t % 2]);
      std::mt19937 rng(t);
      int empty = 0;
      while (empty < 3) {
        pb::ClaimLeadsResponse got = Claim(*stub, agent, 1 + t % 3, 60, 0, absl::StrCat("t", t));
        if (got.leads().empty()) {
          ++empty;
          absl::SleepFor(absl::Milliseconds(50));
          continue;
        }
        empty = 0;
        for (const pb::ClaimedLead& lead : got.leads()) {
          {
            absl::MutexLock lock(&mu);
            if (!held.insert(lead.lead_id()).second) ++shared;
          }
          absl::SleepFor(absl::Microseconds(rng() % 2000));
          {
            absl::MutexLock lock(&mu);
            held.erase(lead.lead_id());
          }
          grpc::Status s;
          if (rng() % 3 == 0) {  // skipped: the lead comes back at once for someone else
            pb::ReleaseLeadRequest req;
            req.set_lead_id(lead.lead_id());
            req.set_lease_token(lead.lease_token());
            req.set_reason("skipped");
            pb::ReleaseLeadResponse ignored;
            s = stub->ReleaseLead(Ctx(agent).get(), req, &ignored);
            ++releases;
          } else {
            s = Record(*stub, agent, lead, pb::ATTEMPT_OUTCOME_NO_ANSWER);
            absl::MutexLock lock(&mu);
            if (s.ok()) ++attempts[lead.lead_id()];
          }
          if (!s.ok()) {
            ++errors;
            ADD_FAILURE() << s.error_message();
          }
        }
      }
    });
  }
  for (auto& t : claimers) t.join();
  EXPECT_EQ(shared.load(), 0) << "a lead was held by two claimers at once";
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(releases.load(), 0);
  // Every lead was called exactly once: released ones came back, called ones wait their gap.
  EXPECT_THAT(attempts, SizeIs(kLeads));
  for (const auto& [lead, n] : attempts) EXPECT_EQ(n, 1) << "lead " << lead;
  EXPECT_EQ(leads.Count("SELECT count(*) FROM attempts"), kLeads);
  EXPECT_EQ(leads.Count("SELECT count(*) FROM lead_schedule WHERE lease_owner <> ''"), 0);
  EXPECT_EQ(leads.Count("SELECT count(*) FROM lead_schedule WHERE due_at <= now()"), 0);
}

TEST(SchedulingDaemons, LeadsOfAKilledDaemonReturnWhenTheLeaseEnds) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  Daemon a(url, secondvoice::testing::TempDir());
  Daemon b(url, secondvoice::testing::TempDir());
  const std::string addr_a = a.WaitForAddress(absl::Seconds(30));
  const std::string addr_b = b.WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr_a.empty());
  ASSERT_FALSE(addr_b.empty());
  auto channel_a = Connect(addr_a);
  auto channel_b = Connect(addr_b);
  int64_t campaign = 0;
  SetUpWorld(channel_a, secondvoice::testing::kDaemonAdminToken,
             secondvoice::testing::kDaemonManagerToken, &campaign);
  Leads leads(url);
  for (int i = 0; i < 20; ++i) leads.Add("vandijk", campaign);
  const std::string agent = secondvoice::testing::kDaemonAgentToken;

  auto stub_a = pb::Scheduling::NewStub(channel_a);
  const pb::ClaimLeadsResponse held = Claim(*stub_a, agent, 5, /*lease_seconds=*/10);
  ASSERT_THAT(held.leads(), SizeIs(5));
  const absl::Time lease_end = *scheduler::FromProto(held.leads(0).lease_expires_at());
  a.Kill();  // mid-lease

  auto stub_b = pb::Scheduling::NewStub(channel_b);
  const pb::ClaimLeadsResponse rest = Claim(*stub_b, agent, 100);
  EXPECT_THAT(rest.leads(), SizeIs(15));
  for (int64_t id : Ids(held)) EXPECT_EQ(Ids(rest).count(id), 0u) << "lead " << id;

  // A waiting claim on B wakes when A's leases end, without any notification from A.
  const pb::ClaimLeadsResponse back = Claim(*stub_b, agent, 100, 60, /*wait_ms=*/25000);
  EXPECT_GE(absl::Now(), lease_end);
  EXPECT_EQ(Ids(back), Ids(held));
}

class SchedulingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ = SchedulerHarness::Start(url_);
    SetUpWorld(harness_->channel(), secondvoice::testing::kAdminToken,
               secondvoice::testing::kManagerToken, &campaign_, &second_voice_);
    stub_ = pb::Scheduling::NewStub(harness_->channel());
    leads_ = std::make_unique<Leads>(url_);
  }

  pb::ExplainLeadResponse Explain(int64_t lead) {
    pb::ExplainLeadRequest req;
    req.set_lead_id(lead);
    pb::ExplainLeadResponse out;
    grpc::Status s = stub_->ExplainLead(Ctx(secondvoice::testing::kManagerToken).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // The explanation given for `block`, or "" when it is not among the reasons.
  static std::string Explanation(const pb::ExplainLeadResponse& e, pb::EligibilityBlock block) {
    for (const auto& b : e.blocks()) {
      if (b.block() == block) return b.explanation();
    }
    return "";
  }

  static std::vector<pb::EligibilityBlock> Blocks(const pb::ExplainLeadResponse& e) {
    std::vector<pb::EligibilityBlock> out;
    for (const auto& b : e.blocks()) out.push_back(b.block());
    return out;
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<pb::Scheduling::Stub> stub_;
  std::unique_ptr<Leads> leads_;
  int64_t campaign_ = 0;
  int64_t second_voice_ = 0;
  const std::string agent_ = secondvoice::testing::kAgentToken;
};

TEST_F(SchedulingTest, AFollowUpOnOneReplicaWakesAWaitingClaimOnAnotherWithinASecond) {
  auto other = SchedulerHarness::Start(url_);
  auto other_stub = pb::Scheduling::NewStub(other->channel());
  // Nothing to claim yet: the claim on the other replica waits.
  pb::ClaimLeadsResponse woken;
  absl::Time claimed_at;
  std::thread waiter([&] {
    woken = Claim(*other_stub, agent_, 1, 60, /*wait_ms=*/10000);
    claimed_at = absl::Now();
  });
  absl::SleepFor(absl::Milliseconds(700));
  auto intake = pb::LeadIntake::NewStub(harness_->channel());
  pb::SubmitFollowUpRequest req;
  req.set_dealer_id("vandijk");
  req.set_reason(pb::FOLLOW_UP_REASON_UNSOLD);
  req.mutable_follow_up()->set_crm_lead_id("CRM-7");
  req.mutable_follow_up()->mutable_customer()->set_first_name("Eva");
  pb::ContactRoute* phone = req.mutable_follow_up()->add_contact_routes();
  phone->set_channel(pb::CHANNEL_PHONE);
  phone->set_raw_value("06-12345678");
  const absl::Time submitted = absl::Now();
  pb::SubmitFollowUpResponse resp;
  ASSERT_THAT(intake->SubmitFollowUp(Ctx(secondvoice::testing::kCrmToken).get(), req, &resp),
              IsOk());
  waiter.join();
  ASSERT_THAT(woken.leads(), SizeIs(1));
  EXPECT_EQ(woken.leads(0).lead_id(), resp.lead_id());
  EXPECT_EQ(woken.leads(0).claim_class(), pb::CLAIM_CLASS_FOLLOW_UP_NEW);
  EXPECT_EQ(woken.leads(0).route(), "+31612345678");
  EXPECT_LT(claimed_at - submitted, absl::Seconds(1));
}

TEST_F(SchedulingTest, CallbacksThenFollowUpsThenListLeadsSharedFairlyBetweenDealers) {
  std::vector<int64_t> vandijk, jansen;
  for (int i = 0; i < 10; ++i) {
    vandijk.push_back(leads_->Add("vandijk", campaign_));
    jansen.push_back(leads_->Add("jansen", campaign_));
  }
  const int64_t follow_up = leads_->Add("jansen", campaign_, domain::LeadOrigin::kCrmUnsold,
                                        domain::ConsentBasis::kRequestedContact);
  pb::ScheduleCallbackRequest callback;
  callback.set_lead_id(vandijk[7]);
  scheduler::ToProto(absl::Now(), callback.mutable_at());
  callback.set_notes("after work");
  pb::ScheduleCallbackResponse ignored;
  ASSERT_THAT(stub_->ScheduleCallback(Ctx(agent_).get(), callback, &ignored), IsOk());

  // The call list shows all of them, paged, each with why.
  std::vector<pb::CallListEntry> listed;
  pb::ListCallListRequest list;
  list.set_campaign_id(campaign_);
  list.mutable_page()->set_page_size(6);
  for (int pages = 0; pages < 10; ++pages) {
    pb::ListCallListResponse page;
    ASSERT_THAT(stub_->ListCallList(Ctx(secondvoice::testing::kManagerToken).get(), list, &page),
                IsOk());
    listed.insert(listed.end(), page.entries().begin(), page.entries().end());
    if (page.next_page_token().empty()) break;
    list.mutable_page()->set_page_token(page.next_page_token());
  }
  ASSERT_THAT(listed, SizeIs(21));
  for (const auto& e : listed) {
    EXPECT_TRUE(e.eligible()) << e.lead_id();
    EXPECT_FALSE(e.reason().empty());
  }

  std::vector<pb::ClaimedLead> order;
  for (int i = 0; i < 21; ++i) {
    pb::ClaimLeadsResponse got = Claim(*stub_, agent_, 1);
    ASSERT_THAT(got.leads(), SizeIs(1));
    order.push_back(got.leads(0));
  }
  EXPECT_EQ(order[0].lead_id(), vandijk[7]);
  EXPECT_EQ(order[0].claim_class(), pb::CLAIM_CLASS_CALLBACK);
  EXPECT_THAT(order[0].reason(), HasSubstr("callback requested"));
  EXPECT_EQ(order[1].lead_id(), follow_up);
  EXPECT_EQ(order[1].claim_class(), pb::CLAIM_CLASS_FOLLOW_UP_NEW);
  // List leads alternate between the two dealers: no dealer waits behind the other's list.
  int vandijk_in_first_ten = 0;
  for (int i = 2; i < 12; ++i) {
    EXPECT_EQ(order[i].claim_class(), pb::CLAIM_CLASS_LIST_NEW);
    if (order[i].dealer_id() == "vandijk") ++vandijk_in_first_ten;
  }
  EXPECT_GE(vandijk_in_first_ten, 4);
  EXPECT_LE(vandijk_in_first_ten, 6);
  EXPECT_THAT(Claim(*stub_, agent_, 1).leads(), SizeIs(0));
}

TEST_F(SchedulingTest, ConsentSuppressionAndHolidaysAreCheckedAtClaimTime) {
  // An objection made by phone covers the customer's e-mail address too (GDPR art. 21: on every
  // channel at once), so the lead is not mailed instead.
  const int64_t objector = leads_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                                       domain::ConsentBasis::kOptIn, /*email=*/true);
  const int64_t no_basis = leads_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                                       domain::ConsentBasis::kNone);
  const int64_t holiday = leads_->Add("jansen", campaign_);
  // The customer objected after the list was loaded.
  auto intake = pb::LeadIntake::NewStub(harness_->channel());
  pb::AddSuppressionRequest suppress;
  suppress.set_dealer_id("vandijk");
  suppress.set_value(leads_->Number(objector));
  suppress.set_reason("objection by phone");
  pb::AddSuppressionResponse suppressed;
  ASSERT_THAT(
      intake->AddSuppression(Ctx(secondvoice::testing::kManagerToken).get(), suppress, &suppressed),
      IsOk());
  // Today is a holiday at jansen.
  auto dealers = pb::DealerService::NewStub(harness_->channel());
  pb::GetDealerRequest get;
  get.set_id("jansen");
  pb::Dealer jansen;
  ASSERT_THAT(dealers->GetDealer(Ctx(secondvoice::testing::kAdminToken).get(), get, &jansen),
              IsOk());
  absl::TimeZone amsterdam;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &amsterdam));
  jansen.set_holidays(absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), amsterdam)));
  pb::UpdateDealerRequest update;
  *update.mutable_dealer() = jansen;
  pb::Dealer updated;
  ASSERT_THAT(dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), update, &updated),
              IsOk());

  EXPECT_THAT(Claim(*stub_, agent_, 10).leads(), SizeIs(0));

  EXPECT_THAT(Blocks(Explain(objector)), Contains(pb::ELIGIBILITY_BLOCK_SUPPRESSED));
  const pb::ExplainLeadResponse why_not = Explain(no_basis);
  EXPECT_FALSE(why_not.eligible());
  EXPECT_THAT(Blocks(why_not), Contains(pb::ELIGIBILITY_BLOCK_NO_CONSENT));
  EXPECT_THAT(Explanation(why_not, pb::ELIGIBILITY_BLOCK_NO_CONSENT),
              HasSubstr("opt-in or customers of the last 36"));
  const pb::ExplainLeadResponse closed_today = Explain(holiday);
  ASSERT_THAT(Blocks(closed_today), Contains(pb::ELIGIBILITY_BLOCK_OUTSIDE_WINDOW));
  EXPECT_THAT(Explanation(closed_today, pb::ELIGIBILITY_BLOCK_OUTSIDE_WINDOW),
              HasSubstr("holiday"));
  EXPECT_FALSE(closed_today.eligible());
}

TEST_F(SchedulingTest, NotReachedIsRefusedUntilTheAttemptsCompleteTheCadence) {
  const int64_t lead = leads_->Add("vandijk", campaign_);
  const pb::ClaimLeadsResponse got = Claim(*stub_, agent_, 1);
  ASSERT_THAT(got.leads(), SizeIs(1));
  pb::RecordAttemptResponse recorded;
  ASSERT_THAT(Record(*stub_, agent_, got.leads(0), pb::ATTEMPT_OUTCOME_NO_ANSWER, &recorded),
              IsOk());
  EXPECT_EQ(recorded.lead_status(), pb::LEAD_STATUS_IN_PROGRESS);
  ASSERT_TRUE(recorded.has_next_contact_at());
  EXPECT_GE(*scheduler::FromProto(recorded.next_contact_at()), absl::Now() + absl::Minutes(119));
  // The old lease is gone.
  EXPECT_EQ(Record(*stub_, agent_, got.leads(0), pb::ATTEMPT_OUTCOME_NO_ANSWER).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  pb::CloseLeadRequest close;
  close.set_lead_id(lead);
  close.set_status(pb::LEAD_STATUS_CLOSED_NOT_REACHED);
  close.set_reason("sent an e-mail, no reply");
  pb::CloseLeadResponse closed;
  grpc::Status refused = stub_->CloseLead(Ctx(agent_).get(), close, &closed);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("3 more call attempts (1 of 4 made)"));
  pb::CloseLeadRequest lost = close;
  lost.set_status(pb::LEAD_STATUS_CLOSED_LOST);
  grpc::Status no_dialogue = stub_->CloseLead(Ctx(agent_).get(), lost, &closed);
  EXPECT_EQ(no_dialogue.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(no_dialogue.error_message(), HasSubstr("no two-sided conversation"));

  const pb::ExplainLeadResponse explained = Explain(lead);
  EXPECT_FALSE(explained.eligible());
  EXPECT_EQ(explained.cadence().call_attempts(), 1);
  EXPECT_FALSE(explained.cadence().complete());
  EXPECT_THAT(explained.cadence().missing(), HasSubstr("3 more call attempts"));

  // Three earlier calls on other days and in another daypart complete the cadence: the attempts
  // table decides, not the counters beside the schedule.
  absl::TimeZone amsterdam;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &amsterdam));
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), amsterdam);
  const absl::Time earlier[] = {absl::FromCivil(absl::CivilHour(today - 3) + 10, amsterdam),
                                absl::FromCivil(absl::CivilHour(today - 2) + 14, amsterdam),
                                absl::FromCivil(absl::CivilHour(today - 1) + 19, amsterdam)};
  for (absl::Time at : earlier) {
    ASSERT_THAT(
        store::InsertAttempt(leads_->conn(),
                             store::AttemptRecord{.lead_id = lead,
                                                  .campaign_id = campaign_,
                                                  .channel = domain::Channel::kPhone,
                                                  .started_at = at,
                                                  .outcome = domain::AttemptOutcome::kNoAnswer})
            .status(),
        IsOk());
  }
  ASSERT_THAT(stub_->CloseLead(Ctx(agent_).get(), close, &closed), IsOk());
  EXPECT_EQ(closed.lead_status(), pb::LEAD_STATUS_CLOSED_NOT_REACHED);
  EXPECT_THAT(Blocks(Explain(lead)), Contains(pb::ELIGIBILITY_BLOCK_CLOSED));
  EXPECT_EQ(leads_->Count(absl::StrCat("SELECT count(*) FROM lead_events WHERE lead_id = ", lead,
                                       " AND type = 'lead.closed'")),
            1);
}

// A client whose answer was lost (a daemon crash, a dropped connection) sends the same attempt
// again with the same key: it gets the first try's answer, and the attempt is stored once.
TEST_F(SchedulingTest, ARetriedAttemptWithItsKeyGetsTheFirstAnswer) {
  const int64_t lead = leads_->Add("vandijk", campaign_);
  const pb::ClaimLeadsResponse got = Claim(*stub_, agent_, 1);
  ASSERT_THAT(got.leads(), SizeIs(1));
  pb::RecordAttemptRequest req;
  req.set_lead_id(lead);
  req.set_lease_token(got.leads(0).lease_token());
  req.set_channel(pb::CHANNEL_PHONE);
  req.set_outcome(pb::ATTEMPT_OUTCOME_NO_ANSWER);
  req.set_notes("rang out");
  req.set_idempotency_key("desk-7/attempt-1");
  scheduler::ToProto(absl::Now(), req.mutable_started_at());
  pb::RecordAttemptResponse first, again;
  ASSERT_THAT(stub_->RecordAttempt(Ctx(agent_).get(), req, &first), IsOk());
  EXPECT_FALSE(first.replayed());
  ASSERT_THAT(stub_->RecordAttempt(Ctx(agent_).get(), req, &again), IsOk());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.attempt_id(), first.attempt_id());
  EXPECT_EQ(again.lead_status(), first.lead_status());
  EXPECT_EQ(again.next_contact_at().seconds(), first.next_contact_at().seconds());
  EXPECT_EQ(leads_->Count(absl::StrCat("SELECT count(*) FROM attempts WHERE lead_id = ", lead)), 1);
  EXPECT_EQ(Explain(lead).cadence().call_attempts(), 1);

  // Another key on the spent lease is a new attempt, and refused; without a key, too.
  req.set_idempotency_key("desk-7/attempt-2");
  EXPECT_EQ(stub_->RecordAttempt(Ctx(agent_).get(), req, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  req.clear_idempotency_key();
  EXPECT_EQ(stub_->RecordAttempt(Ctx(agent_).get(), req, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  req.set_idempotency_key(std::string(201, 'k'));
  grpc::Status long_key = stub_->RecordAttempt(Ctx(agent_).get(), req, &again);
  EXPECT_EQ(long_key.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(long_key.error_message(), HasSubstr("idempotency_key"));

  // A retried appointment answers with the handover it queued, once, also after the lead left
  // the schedule.
  const int64_t other = leads_->Add("vandijk", campaign_);
  const pb::ClaimLeadsResponse next = Claim(*stub_, agent_, 1);
  ASSERT_THAT(next.leads(), SizeIs(1));
  ASSERT_EQ(next.leads(0).lead_id(), other);
  pb::RecordAttemptRequest appointment = req;
  appointment.set_lead_id(other);
  appointment.set_lease_token(next.leads(0).lease_token());
  appointment.set_outcome(pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
  appointment.set_idempotency_key("desk-7/attempt-3");
  scheduler::ToProto(absl::Now() + absl::Hours(48),
                     appointment.mutable_appointment()->mutable_at());
  ASSERT_THAT(stub_->RecordAttempt(Ctx(agent_).get(), appointment, &first), IsOk());
  ASSERT_GT(first.handover_id(), 0);
  ASSERT_THAT(stub_->RecordAttempt(Ctx(agent_).get(), appointment, &again), IsOk());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.handover_id(), first.handover_id());
  EXPECT_EQ(again.lead_status(), pb::LEAD_STATUS_HANDED_OVER);
  EXPECT_FALSE(again.has_next_contact_at());
  EXPECT_EQ(leads_->Count(absl::StrCat("SELECT count(*) FROM handovers WHERE lead_id = ", other)),
            1);
}

TEST_F(SchedulingTest, AMessageFollowsTheFirstCallAndAnObjectionSuppressesEveryChannel) {
  const int64_t lead = leads_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                                   domain::ConsentBasis::kOptIn, /*email=*/true);
  pb::ClaimLeadsResponse first = Claim(*stub_, agent_, 1);
  ASSERT_THAT(first.leads(), SizeIs(1));
  EXPECT_EQ(first.leads(0).action(), pb::CONTACT_ACTION_CALL);  // call first, then e-mail
  ASSERT_THAT(Record(*stub_, agent_, first.leads(0), pb::ATTEMPT_OUTCOME_NO_ANSWER), IsOk());
  pb::ClaimLeadsResponse second = Claim(*stub_, agent_, 1);
  ASSERT_THAT(second.leads(), SizeIs(1));
  EXPECT_EQ(second.leads(0).lead_id(), lead);
  EXPECT_EQ(second.leads(0).action(), pb::CONTACT_ACTION_MESSAGE);
  EXPECT_THAT(second.leads(0).route(), HasSubstr("@example.nl"));
  pb::RecordAttemptRequest mail;
  mail.set_lead_id(lead);
  mail.set_lease_token(second.leads(0).lease_token());
  mail.set_channel(pb::CHANNEL_EMAIL);
  mail.set_outcome(pb::ATTEMPT_OUTCOME_EMAIL_SENT);
  scheduler::ToProto(absl::Now(), mail.mutable_started_at());
  pb::RecordAttemptResponse mailed;
  ASSERT_THAT(stub_->RecordAttempt(Ctx(agent_).get(), mail, &mailed), IsOk());
  EXPECT_THAT(Claim(*stub_, agent_, 1).leads(), SizeIs(0));  // the next call waits its gap

  // A second lead objects during its first call: suppressed on every route and closed.
  const int64_t objector = leads_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                                       domain::ConsentBasis::kOptIn, /*email=*/true);
  // The new lead's NOTIFY wakes the claim (the engine knew the queue had nothing due).
  pb::ClaimLeadsResponse got = Claim(*stub_, agent_, 1, 60, /*wait_ms=*/5000);
  ASSERT_THAT(got.leads(), SizeIs(1));
  ASSERT_EQ(got.leads(0).lead_id(), objector);
  pb::RecordAttemptResponse objected;
  ASSERT_THAT(Record(*stub_, agent_, got.leads(0), pb::ATTEMPT_OUTCOME_OBJECTION, &objected),
              IsOk());
  EXPECT_EQ(objected.lead_status(), pb::LEAD_STATUS_CLOSED_OBJECTED);
  EXPECT_EQ(leads_->Count("SELECT count(*) FROM suppressions WHERE channel = 'all'"), 2);
}

TEST_F(SchedulingTest, ADialerClaimsCallsOnlyAndAMessagingToolMessagesOnly) {
  const int64_t lead = leads_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                                   domain::ConsentBasis::kOptIn, /*email=*/true);
  auto calls = [&] { return Claim(*stub_, agent_, 5, 60, 0, "", pb::CONTACT_ACTION_CALL); };
  auto messages = [&] { return Claim(*stub_, agent_, 5, 60, 0, "", pb::CONTACT_ACTION_MESSAGE); };
  EXPECT_THAT(messages().leads(), SizeIs(0));  // due its first call
  pb::ClaimLeadsResponse call = calls();
  ASSERT_THAT(call.leads(), SizeIs(1));
  EXPECT_EQ(call.leads(0).action(), pb::CONTACT_ACTION_CALL);
  ASSERT_THAT(Record(*stub_, agent_, call.leads(0), pb::ATTEMPT_OUTCOME_NO_ANSWER), IsOk());
  // Due the message that follows the first call: a dialer does not get it, a messaging tool does.
  EXPECT_THAT(calls().leads(), SizeIs(0));
  pb::ClaimLeadsResponse message = messages();
  ASSERT_THAT(message.leads(), SizeIs(1));
  EXPECT_EQ(message.leads(0).lead_id(), lead);
  EXPECT_EQ(message.leads(0).action(), pb::CONTACT_ACTION_MESSAGE);
  EXPECT_EQ(message.leads(0).claim_class(), pb::CLAIM_CLASS_MESSAGE);
  pb::ReleaseLeadRequest release;
  release.set_lead_id(lead);
  release.set_lease_token(message.leads(0).lease_token());
  release.set_reason("test");
  pb::ReleaseLeadResponse released;
  ASSERT_THAT(stub_->ReleaseLead(Ctx(agent_).get(), release, &released), IsOk());

  // A row still filed with the calls (as a list import files every lead) is refiled when a
  // dialer meets it, and stays due for the messaging tool.
  EXPECT_EQ(leads_->Count(absl::StrCat("WITH u AS (UPDATE lead_schedule SET rank = 4, action = "
                                       "'call' WHERE lead_id = ",
                                       lead, " RETURNING 1) SELECT count(*) FROM u")),
            1);
  EXPECT_THAT(calls().leads(), SizeIs(0));
  // The dialer's claim lets go of it in the background (once it has looked at the class).
  const std::string refiled =
      absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ", lead,
                   " AND rank = 5 AND action = 'message' AND lease_owner = '' AND due_at <= now()");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (leads_->Count(refiled) == 0 && absl::Now() < deadline) {
    // Until the schedule's NOTIFY arrives the claimer may still think the class empty.
    absl::SleepFor(absl::Milliseconds(20));
    EXPECT_THAT(calls().leads(), SizeIs(0));
  }
  EXPECT_EQ(leads_->Count(refiled), 1);
  EXPECT_THAT(messages().leads(), SizeIs(1));

  pb::ClaimLeadsRequest bad;
  bad.set_queue_id("bdc-nl");
  bad.set_only(pb::CONTACT_ACTION_NONE);
  pb::ClaimLeadsResponse ignored;
  const grpc::Status refused = stub_->ClaimLeads(Ctx(agent_).get(), bad, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("only"));
}

TEST_F(SchedulingTest, ALeadWithOnlyAnAddressStartsAmongTheMessagesAndIsMailedNotDialled) {
  // "0000000000" is kept but unusable: the lead is routed to its e-mail address, never dropped.
  domain::Lead lead;
  lead.dealer_id = "vandijk";
  lead.campaign_id = campaign_;
  lead.origin = domain::LeadOrigin::kListImport;
  lead.kind = domain::LeadKind::kPassive;
  lead.first_name = "Doof";
  lead.consent.basis = domain::ConsentBasis::kOptIn;
  lead.consent.given_at = absl::Now() - absl::Hours(24 * 30);
  lead.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                 .raw_value = "0000000000",
                                 .normalized_value = "",
                                 .usable = false});
  lead.contact_routes.push_back({.channel = domain::Channel::kEmail,
                                 .raw_value = "doof@example.nl",
                                 .normalized_value = "doof@example.nl",
                                 .usable = true});
  ASSERT_THAT(store::InsertLead(leads_->conn(), lead, "test"), IsOk());
  EXPECT_EQ(leads_->Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ",
                                       lead.id, " AND rank = 5 AND action = 'message'")),
            1);
  EXPECT_THAT(Claim(*stub_, agent_, 5, 60, 0, "", pb::CONTACT_ACTION_CALL).leads(), SizeIs(0));
  pb::ClaimLeadsResponse got = Claim(*stub_, agent_, 5, 60, 0, "", pb::CONTACT_ACTION_MESSAGE);
  ASSERT_THAT(got.leads(), SizeIs(1));
  EXPECT_EQ(got.leads(0).lead_id(), lead.id);
  EXPECT_EQ(got.leads(0).action(), pb::CONTACT_ACTION_MESSAGE);
  EXPECT_EQ(got.leads(0).route(), "doof@example.nl");
  EXPECT_EQ(got.leads(0).reason(), "first message (no callable number)");
}

}  // namespace
}  // namespace secondvoice
