// Handovers over real gRPC and PostgreSQL, delivered to the example dealer CRM: an appointment
// reaches the CRM with the whole story; a CRM that is down gets it once when it is back; a
// dealer without a CRM endpoint gets its handover flagged, then delivered once configured; a
// daemon killed during a delivery delivers after its restart, once at the CRM; the CRM's
// feedback (once per key, its own dealers only) moves the appointment, closes the lead, sends
// a no-show back to the BDC and an unsold lead to a second voice later.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "libs/adf/adf.h"
#include "libs/common/file.h"
#include "libs/store/leads.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/feedback.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
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
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::SchedulerHarness;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Polls `done` every 50 ms for up to `timeout`.
template <typename F>
bool Eventually(F done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  return SchedulerHarness::Context(token);
}

std::unique_ptr<example_crm::ExampleCrmServer> StartCrm() {
  auto crm = example_crm::ExampleCrmServer::Start(
      {.store_path = absl::StrCat(secondvoice::testing::TempDir(), "/crm.store"), .token = ""},
      "127.0.0.1:0");
  EXPECT_THAT(crm.status(), IsOk());
  return crm.ok() ? *std::move(crm) : nullptr;
}

void SetCrmEndpoint(const std::shared_ptr<grpc::Channel>& channel, const std::string& admin,
                    const std::string& dealer, const std::string& endpoint) {
  auto dealers = pb::DealerService::NewStub(channel);
  pb::GetDealerRequest get;
  get.set_id(dealer);
  pb::Dealer d;
  ASSERT_TRUE(dealers->GetDealer(Ctx(admin).get(), get, &d).ok());
  d.set_crm_endpoint(endpoint);
  pb::UpdateDealerRequest update;
  *update.mutable_dealer() = d;
  pb::Dealer updated;
  grpc::Status s = dealers->UpdateDealer(Ctx(admin).get(), update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

// A self-signed certificate for 127.0.0.1 made with openssl, as a dealer's own CA would issue.
example_crm::ExampleCrmServer::Tls MakeCertificate(const std::string& dir) {
  const std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=crm.example -addext "
      "subjectAltName=IP:127.0.0.1 -keyout ",
      dir, "/key.pem -out ", dir, "/cert.pem 2>", dir, "/openssl.log");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return {.cert_chain_pem = secondvoice::ReadFile(dir + "/cert.pem").value_or(""),
          .private_key_pem = secondvoice::ReadFile(dir + "/key.pem").value_or("")};
}

// A CRM follow-up the salesperson could not sell, with the story a handover must carry: a
// deaf customer whose number is zeros (text only), an e-mail address, a car of interest.
int64_t AddStoryLead(store::PgConn& conn, const std::string& dealer, int64_t campaign) {
  domain::Lead lead;
  lead.dealer_id = dealer;
  lead.campaign_id = campaign;
  lead.kind = domain::LeadKind::kActive;
  lead.origin = domain::LeadOrigin::kCrmUnsold;
  lead.crm_lead_id = "CRM-4711";
  lead.salesperson = "piet.bakker";
  lead.notes = "found the monthly payment too high";
  lead.first_name = "Jürgen";
  lead.last_name = "de Vries";
  lead.language = "nl";
  lead.accessibility_notes = "deaf - use text";
  lead.consent = {.basis = domain::ConsentBasis::kOptIn,
                  .source = "website form 2026-03",
                  .given_at = absl::Now() - absl::Hours(24 * 60),
                  .relationship_last_at = std::nullopt};
  lead.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                 .raw_value = "+31301234567",
                                 .normalized_value = "+31301234567",
                                 .phone_type = domain::PhoneType::kFixedLine,
                                 .usable = true});
  lead.contact_routes.push_back({.channel = domain::Channel::kSms,
                                 .raw_value = "0000000000",
                                 .normalized_value = "",
                                 .phone_type = domain::PhoneType::kUnknown,
                                 .usable = false,
                                 .preferred = true,
                                 .preferred_times = "evenings only"});
  lead.contact_routes.push_back({.channel = domain::Channel::kEmail,
                                 .raw_value = "jurgen@example.nl",
                                 .normalized_value = "jurgen@example.nl",
                                 .usable = true});
  lead.vehicles.push_back({.role = domain::VehicleRole::kInterest,
                           .used = false,
                           .year = 2026,
                           .make = "Kia",
                           .model = "EV3"});
  EXPECT_THAT(store::InsertLead(conn, lead, "test"), IsOk());
  // The dealer's own earlier call, before the lead came to the BDC.
  auto r = conn.ExecOnce(
      {"earlier", absl::StrCat("INSERT INTO attempts (lead_id, campaign_id, channel, by_whom,"
                               " started_at, ended_at, outcome, notes) VALUES (",
                               lead.id, ", ", campaign,
                               ", 'phone', 'piet.bakker', now() - interval '3 days',"
                               " now() - interval '3 days', 'dialogue_no_appointment',"
                               " 'price too high')")
                      .c_str()});
  EXPECT_THAT(r.status(), IsOk());
  return lead.id;
}

// Claims the one lead of the queue and records the appointment with what the customer said.
pb::RecordAttemptResponse SetAppointment(const std::shared_ptr<grpc::Channel>& channel,
                                         const std::string& agent, int64_t lead, absl::Time at) {
  auto stub = pb::Scheduling::NewStub(channel);
  pb::ClaimLeadsRequest claim;
  claim.set_queue_id("bdc-nl");
  claim.set_max_leads(1);
  claim.set_lease_seconds(60);
  claim.set_wait_ms(5000);  // the new lead's NOTIFY may come a moment later
  pb::ClaimLeadsResponse claimed;
  grpc::Status s = stub->ClaimLeads(Ctx(agent).get(), claim, &claimed);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(claimed.leads(), SizeIs(1));
  if (claimed.leads().empty()) return {};
  EXPECT_EQ(claimed.leads(0).lead_id(), lead);

  pb::RecordAttemptRequest req;
  req.set_lead_id(lead);
  req.set_lease_token(claimed.leads(0).lease_token());
  req.set_channel(pb::CHANNEL_PHONE);
  req.set_outcome(pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
  req.set_notes("wants to see the EV3 in person");
  scheduler::ToProto(absl::Now() - absl::Minutes(6), req.mutable_started_at());
  scheduler::ToProto(absl::Now(), req.mutable_ended_at());
  pb::Appointment* a = req.mutable_appointment();
  scheduler::ToProto(at, a->mutable_at());
  a->set_location("Van Dijk Utrecht, Atoomweg 1");
  a->set_with_whom("Piet Bakker");
  a->add_expectations(pb::CUSTOMER_EXPECTATION_TEST_DRIVE);
  a->add_expectations(pb::CUSTOMER_EXPECTATION_TRADE_IN_APPRAISAL);
  a->set_expectations_text("wants the price in writing before signing");
  pb::CustomerStatements* said = req.mutable_statements();
  said->set_needs("long range, tow bar");
  said->set_financing("private lease 48 months");
  said->set_timeframe("before the summer");
  said->mutable_trade_in()->set_make("Volkswagen");
  said->mutable_trade_in()->set_model("Golf");
  said->mutable_trade_in()->set_year(2016);
  said->mutable_trade_in()->set_odometer_km(120000);
  pb::RecordAttemptResponse resp;
  s = stub->RecordAttempt(Ctx(agent).get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

pb::HandoverRecord GetHandover(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& token, int64_t id) {
  auto stub = pb::HandoverService::NewStub(channel);
  pb::GetHandoverRequest req;
  req.set_handover_id(id);
  pb::HandoverRecord out;
  grpc::Status s = stub->GetHandover(Ctx(token).get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

class HandoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ =
        SchedulerHarness::Start(url_, absl::Milliseconds(100), [](scheduler::ServerOptions& o) {
          o.handovers.first_backoff = absl::Milliseconds(200);
          o.handovers.max_backoff = absl::Milliseconds(500);
          o.handovers.max_probe_interval = absl::Milliseconds(500);
          o.handovers.deadline = absl::Seconds(2);
          o.handovers.flag_after = absl::Seconds(1);
        });
    secondvoice::testing::SetUpWorld(harness_->channel(), secondvoice::testing::kAdminToken,
                                     secondvoice::testing::kManagerToken, &campaign_,
                                     &second_voice_);
    leads_ = std::make_unique<secondvoice::testing::Leads>(url_);
    crm_ = StartCrm();
    ASSERT_NE(crm_, nullptr);
    SetCrmEndpoint(harness_->channel(), secondvoice::testing::kAdminToken, "vandijk",
                   absl::StrCat("127.0.0.1:", crm_->port()));
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<secondvoice::testing::Leads> leads_;
  std::unique_ptr<example_crm::ExampleCrmServer> crm_;
  // Delivers a handover of a new vandijk lead; returns its record once delivered.
  pb::HandoverRecord Delivered(int64_t* lead) {
    *lead = AddStoryLead(leads_->conn(), "vandijk", campaign_);
    const pb::RecordAttemptResponse recorded =
        SetAppointment(harness_->channel(), agent_, *lead, absl::Now() + absl::Hours(48));
    EXPECT_TRUE(Eventually([&] {
      return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
             pb::DELIVERY_STATE_DELIVERED;
    }));
    return GetHandover(harness_->channel(), manager_, recorded.handover_id());
  }

  grpc::Status Report(const std::string& token, pb::ReportOutcomeRequest req,
                      pb::ReportOutcomeResponse* out) {
    auto stub = pb::Feedback::NewStub(harness_->channel());
    return stub->ReportOutcome(Ctx(token).get(), req, out);
  }

  int64_t campaign_ = 0;
  int64_t second_voice_ = 0;
  const std::string crm_token_ = secondvoice::testing::kCrmToken;  // vandijk's CRM
  const std::string agent_ = secondvoice::testing::kAgentToken;
  const std::string manager_ = secondvoice::testing::kManagerToken;
};

TEST_F(HandoverTest, AnAppointmentReachesTheCrmWithTheWholeStory) {
  const int64_t lead = AddStoryLead(leads_->conn(), "vandijk", campaign_);
  const absl::Time at = absl::FromCivil(absl::CivilMinute(2026, 12, 12, 10, 30),
                                        absl::FixedTimeZone(3600));  // Saturday, Amsterdam
  const pb::RecordAttemptResponse recorded = SetAppointment(harness_->channel(), agent_, lead, at);
  EXPECT_EQ(recorded.lead_status(), pb::LEAD_STATUS_HANDED_OVER);
  ASSERT_GT(recorded.handover_id(), 0);

  ASSERT_TRUE(Eventually([&] { return crm_->crm().ListReceived().stored() == 1; }));
  const pb::ListReceivedResponse received = crm_->crm().ListReceived();
  ASSERT_THAT(received.handovers(), SizeIs(1));
  EXPECT_EQ(received.handovers(0).deliveries(), 1);
  const pb::Handover& h = received.handovers(0).handover();
  EXPECT_EQ(h.handover_id(), recorded.handover_id());
  EXPECT_EQ(h.lead_id(), lead);
  EXPECT_EQ(h.dealer_id(), "vandijk");
  EXPECT_THAT(h.idempotency_key(), HasSubstr("sv-handover-"));
  // Who, and how to reach them: the zeros are kept, marked, and the customer's choice.
  EXPECT_EQ(h.customer().first_name(), "Jürgen");
  EXPECT_EQ(h.customer().accessibility_notes(), "deaf - use text");
  EXPECT_EQ(h.customer().language(), "nl");
  ASSERT_THAT(h.contact_routes(), SizeIs(3));
  EXPECT_EQ(h.contact_routes(1).raw_value(), "0000000000");
  EXPECT_FALSE(h.contact_routes(1).usable());
  EXPECT_TRUE(h.contact_routes(1).preferred());
  EXPECT_EQ(h.contact_routes(1).preferred_times(), "evenings only");
  // Where it came from and why.
  EXPECT_EQ(h.origin().origin(), pb::LEAD_ORIGIN_CRM_UNSOLD);
  EXPECT_EQ(h.origin().crm_lead_id(), "CRM-4711");
  EXPECT_EQ(h.origin().previous_salesperson_id(), "piet.bakker");
  EXPECT_THAT(h.origin().reason(), HasSubstr("monthly payment too high"));
  EXPECT_EQ(h.origin().campaign_id(), campaign_);
  // Every contact, oldest first, in words.
  ASSERT_THAT(h.history(), SizeIs(2));
  EXPECT_EQ(h.history(0).by(), "piet.bakker");
  EXPECT_EQ(h.history(0).outcome(), pb::ATTEMPT_OUTCOME_DIALOGUE_NO_APPOINTMENT);
  EXPECT_EQ(h.history(0).notes(), "price too high");
  EXPECT_EQ(h.history(1).outcome(), pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
  EXPECT_THAT(h.history(1).outcome_text(), HasSubstr("appointment set"));
  EXPECT_THAT(h.history(1).notes(), HasSubstr("EV3 in person"));
  EXPECT_LT(scheduler::FromProto(h.history(0).at()), scheduler::FromProto(h.history(1).at()));
  // What the customer said, with the vehicle of interest and the trade-in.
  EXPECT_EQ(h.customer_statements().needs(), "long range, tow bar");
  EXPECT_EQ(h.customer_statements().financing(), "private lease 48 months");
  EXPECT_EQ(h.customer_statements().timeframe(), "before the summer");
  EXPECT_EQ(h.customer_statements().vehicle_of_interest().model(), "EV3");
  EXPECT_EQ(h.customer_statements().trade_in().model(), "Golf");
  EXPECT_EQ(h.customer_statements().trade_in().odometer_km(), 120000);
  // The appointment and what the customer expects from it.
  EXPECT_EQ(scheduler::FromProto(h.appointment().at()), at);
  EXPECT_EQ(h.appointment().location(), "Van Dijk Utrecht, Atoomweg 1");
  EXPECT_EQ(h.appointment().with_whom(), "Piet Bakker");
  EXPECT_THAT(h.appointment().expectations(),
              ::testing::ElementsAre(pb::CUSTOMER_EXPECTATION_TEST_DRIVE,
                                     pb::CUSTOMER_EXPECTATION_TRADE_IN_APPRAISAL));
  EXPECT_EQ(h.appointment().expectations_text(), "wants the price in writing before signing");
  EXPECT_FALSE(h.bdc_agent().empty());
  EXPECT_EQ(h.consent().basis(), pb::CONSENT_BASIS_OPT_IN);
  EXPECT_EQ(h.consent().source(), "website form 2026-03");
  // The two renderings: 20 seconds of reading, and ADF for CRMs that only take ADF.
  EXPECT_THAT(h.summary_text(), HasSubstr("Jürgen de Vries"));
  EXPECT_THAT(h.summary_text(), HasSubstr("deaf - use text"));
  EXPECT_THAT(h.summary_text(), HasSubstr("10:30"));
  EXPECT_THAT(h.summary_text(), HasSubstr("Golf"));
  absl::StatusOr<adf::Prospect> prospect = adf::Parse(h.adf_xml());
  ASSERT_THAT(prospect.status(), IsOk());
  EXPECT_EQ(prospect->customer.first_name, "Jürgen");
  EXPECT_THAT(prospect->ids,
              ::testing::Contains(std::make_pair(std::string("secondvoice"), h.idempotency_key())));

  // The engine's view: delivered, with the CRM's reference, and on the lead's journey.
  ASSERT_TRUE(Eventually([&] {
    return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
           pb::DELIVERY_STATE_DELIVERED;
  }));
  const pb::HandoverRecord record =
      GetHandover(harness_->channel(), manager_, recorded.handover_id());
  EXPECT_EQ(record.crm_reference(), received.handovers(0).crm_reference());
  EXPECT_EQ(record.attempts(), 1);
  EXPECT_EQ(record.handover().summary_text(), h.summary_text());
  auto leads = pb::LeadService::NewStub(harness_->channel());
  pb::GetLeadRequest get;
  get.set_id(lead);
  pb::LeadDetail detail;
  ASSERT_TRUE(leads->GetLead(Ctx(manager_).get(), get, &detail).ok());
  bool delivered_event = false;
  for (const auto& e : detail.events()) delivered_event |= e.type() == "handover.delivered";
  EXPECT_TRUE(delivered_event);
  EXPECT_EQ(detail.lead().status(), pb::LEAD_STATUS_HANDED_OVER);
}

TEST_F(HandoverTest, ACrmThatIsDownGetsTheHandoverOnceWhenItIsBack) {
  pb::SetBehaviourRequest down;
  down.set_fail(true);
  ASSERT_THAT(crm_->crm().SetBehaviour(down), IsOk());
  const int64_t lead = AddStoryLead(leads_->conn(), "vandijk", campaign_);
  const pb::RecordAttemptResponse recorded =
      SetAppointment(harness_->channel(), agent_, lead, absl::Now() + absl::Hours(48));
  ASSERT_GT(recorded.handover_id(), 0);
  // Retried with back-off while the CRM is down, and flagged once it waited too long.
  ASSERT_TRUE(Eventually([&] {
    const pb::HandoverRecord r = GetHandover(harness_->channel(), manager_, recorded.handover_id());
    return r.attempts() >= 3 && r.state() == pb::DELIVERY_STATE_FLAGGED_UNDELIVERED;
  }));
  const pb::HandoverRecord failing =
      GetHandover(harness_->channel(), manager_, recorded.handover_id());
  EXPECT_THAT(failing.last_error(), HasSubstr("UNAVAILABLE"));
  EXPECT_TRUE(failing.has_flagged_at());
  EXPECT_TRUE(failing.has_next_attempt_at());
  EXPECT_EQ(crm_->crm().ListReceived().stored(), 0);

  ASSERT_THAT(crm_->crm().SetBehaviour(pb::SetBehaviourRequest()), IsOk());  // back up
  ASSERT_TRUE(Eventually([&] {
    return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
           pb::DELIVERY_STATE_DELIVERED;
  }));
  absl::SleepFor(absl::Seconds(1));  // nothing more arrives
  const pb::ListReceivedResponse received = crm_->crm().ListReceived();
  ASSERT_THAT(received.handovers(), SizeIs(1));
  EXPECT_EQ(received.handovers(0).deliveries(), 1);
  EXPECT_EQ(received.duplicates(), 0);
  EXPECT_GE(received.failed_on_purpose(), 3);
}

TEST_F(HandoverTest, ACrmThatIsDownIsProbedNotFloodedAndGetsEverythingOnceWhenBack) {
  pb::SetBehaviourRequest down;
  down.set_fail(true);
  ASSERT_THAT(crm_->crm().SetBehaviour(down), IsOk());
  constexpr int kHandovers = 12;
  std::vector<int64_t> ids;
  for (int i = 0; i < kHandovers; ++i) {
    const int64_t lead = AddStoryLead(leads_->conn(), "vandijk", campaign_);
    const pb::RecordAttemptResponse r =
        SetAppointment(harness_->channel(), agent_, lead, absl::Now() + absl::Hours(48));
    ASSERT_GT(r.handover_id(), 0);
    ids.push_back(r.handover_id());
  }
  const absl::Duration outage = absl::Seconds(3);
  absl::SleepFor(outage);
  // Each handover on its own back-off (200 to 500 ms here) would have called about
  // 12 x 3 s / 350 ms = 100 times. Once the CRM fails, one probe at a time goes, at most every
  // 500 ms after the first two: the calls under way when it failed (the dealer's limit, 4), and
  // a probe every 100-500 ms.
  const int64_t calls = crm_->crm().ListReceived(/*omit_handovers=*/true).calls();
  EXPECT_GE(calls, 2);
  EXPECT_LE(calls, 4 + 3 + absl::ToInt64Milliseconds(outage) / 250);
  EXPECT_EQ(crm_->crm().ListReceived(true).stored(), 0);

  const absl::Time back = absl::Now();
  ASSERT_THAT(crm_->crm().SetBehaviour(pb::SetBehaviourRequest()), IsOk());
  ASSERT_TRUE(Eventually([&] { return crm_->crm().ListReceived(true).stored() == kHandovers; }));
  // The next probe finds it back (at most 500 ms), and everything waiting goes at once.
  EXPECT_LT(absl::Now() - back, absl::Seconds(3));
  for (int64_t id : ids) {
    ASSERT_TRUE(Eventually([&] {
      return GetHandover(harness_->channel(), manager_, id).state() == pb::DELIVERY_STATE_DELIVERED;
    }));
  }
  const pb::ListReceivedResponse received = crm_->crm().ListReceived();
  EXPECT_EQ(received.duplicates(), 0);
  for (const pb::ReceivedHandover& h : received.handovers()) EXPECT_EQ(h.deliveries(), 1);
}

TEST_F(HandoverTest, ACrmBehindTlsAndATokenGetsTheHandoverAndTheTokenIsNeverShown) {
  const std::string dir = secondvoice::testing::TempDir();
  const example_crm::ExampleCrmServer::Tls tls = MakeCertificate(dir);
  ASSERT_THAT(tls.cert_chain_pem, HasSubstr("BEGIN CERTIFICATE"));
  auto secure = example_crm::ExampleCrmServer::Start(
      {.store_path = dir + "/crm.store", .token = "s3cret-for-vandijk"}, "127.0.0.1:0", tls);
  ASSERT_TRUE(secure.ok()) << secure.status();
  auto dealers = pb::DealerService::NewStub(harness_->channel());
  auto configure = [&](const std::string& token) {
    pb::GetDealerRequest get;
    get.set_id("vandijk");
    pb::Dealer d;
    EXPECT_TRUE(dealers->GetDealer(Ctx(secondvoice::testing::kAdminToken).get(), get, &d).ok());
    d.set_crm_endpoint(absl::StrCat("127.0.0.1:", (*secure)->port()));
    d.set_crm_tls(true);
    d.set_crm_tls_root_certs(tls.cert_chain_pem);
    d.set_crm_token(token);
    pb::UpdateDealerRequest update;
    *update.mutable_dealer() = d;
    pb::Dealer updated;
    grpc::Status s =
        dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), update, &updated);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return updated;
  };
  // A wrong token: the CRM says who is wrong, and the handover waits for the right one.
  const pb::Dealer wrong = configure("not-the-token");
  EXPECT_TRUE(wrong.crm_token_set());
  EXPECT_THAT(wrong.crm_token(), IsEmpty());
  const int64_t lead = AddStoryLead(leads_->conn(), "vandijk", campaign_);
  const pb::RecordAttemptResponse recorded =
      SetAppointment(harness_->channel(), agent_, lead, absl::Now() + absl::Hours(48));
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(
        GetHandover(harness_->channel(), manager_, recorded.handover_id()).last_error(),
        "UNAUTHENTICATED");
  }));
  EXPECT_EQ((*secure)->crm().ListReceived(true).stored(), 0);

  // The right one: delivered over TLS, once.
  configure("s3cret-for-vandijk");
  ASSERT_TRUE(Eventually([&] { return (*secure)->crm().ListReceived(true).stored() == 1; }));
  ASSERT_TRUE(Eventually([&] {
    return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
           pb::DELIVERY_STATE_DELIVERED;
  }));
  // An update without a token keeps it; nobody reads it back, not even the operator.
  pb::GetDealerRequest get;
  get.set_id("vandijk");
  pb::Dealer d;
  ASSERT_TRUE(dealers->GetDealer(Ctx(secondvoice::testing::kAdminToken).get(), get, &d).ok());
  EXPECT_TRUE(d.crm_token_set());
  EXPECT_THAT(d.crm_token(), IsEmpty());
  pb::UpdateDealerRequest keep;
  *keep.mutable_dealer() = d;
  pb::Dealer kept;
  ASSERT_TRUE(
      dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), keep, &kept).ok());
  EXPECT_TRUE(kept.crm_token_set());
  // Plain text: a token is refused, and the stored one is dropped, not sent in the clear.
  pb::UpdateDealerRequest plain;
  *plain.mutable_dealer() = d;
  plain.mutable_dealer()->set_crm_tls(false);
  plain.mutable_dealer()->clear_crm_tls_root_certs();
  plain.mutable_dealer()->set_crm_token("s3cret-for-vandijk");
  pb::Dealer plain_out;
  grpc::Status refused_token =
      dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), plain, &plain_out);
  EXPECT_EQ(refused_token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused_token.error_message(), HasSubstr("dealer.crm_token"));
  plain.mutable_dealer()->clear_crm_token();
  ASSERT_TRUE(
      dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), plain, &plain_out).ok());
  EXPECT_FALSE(plain_out.crm_token_set());
  configure("s3cret-for-vandijk");
  pb::UpdateDealerRequest clear;
  *clear.mutable_dealer() = d;
  clear.set_clear_crm_token(true);
  pb::Dealer cleared;
  ASSERT_TRUE(
      dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), clear, &cleared).ok());
  EXPECT_FALSE(cleared.crm_token_set());
  // Roots that are not PEM are refused, naming the field.
  d.set_crm_tls_root_certs("not a certificate");
  pb::UpdateDealerRequest bad;
  *bad.mutable_dealer() = d;
  pb::Dealer refused;
  grpc::Status s =
      dealers->UpdateDealer(Ctx(secondvoice::testing::kAdminToken).get(), bad, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer.crm_tls_root_certs"));
}

TEST_F(HandoverTest, ADealerWithoutACrmGetsItsHandoverFlaggedThenDeliveredOnceConfigured) {
  const int64_t lead = AddStoryLead(leads_->conn(), "jansen", campaign_);
  const pb::RecordAttemptResponse recorded =
      SetAppointment(harness_->channel(), agent_, lead, absl::Now() + absl::Hours(48));
  ASSERT_GT(recorded.handover_id(), 0);
  ASSERT_TRUE(Eventually([&] {
    return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
           pb::DELIVERY_STATE_FLAGGED_UNDELIVERED;
  }));
  EXPECT_THAT(GetHandover(harness_->channel(), manager_, recorded.handover_id()).last_error(),
              HasSubstr("no CRM endpoint"));
  // The campaign manager sees it among the flagged ones; the vandijk CRM does not see jansen's.
  auto stub = pb::HandoverService::NewStub(harness_->channel());
  pb::ListHandoversRequest list;
  list.set_state(pb::DELIVERY_STATE_FLAGGED_UNDELIVERED);
  pb::ListHandoversResponse flagged;
  ASSERT_TRUE(stub->ListHandovers(Ctx(manager_).get(), list, &flagged).ok());
  ASSERT_THAT(flagged.handovers(), SizeIs(1));
  EXPECT_EQ(flagged.handovers(0).handover().handover_id(), recorded.handover_id());
  pb::ListHandoversResponse crm_view;
  ASSERT_TRUE(
      stub->ListHandovers(Ctx(secondvoice::testing::kCrmToken).get(), list, &crm_view).ok());
  EXPECT_THAT(crm_view.handovers(), SizeIs(0));
  pb::GetHandoverRequest get;
  get.set_handover_id(recorded.handover_id());
  pb::HandoverRecord denied;
  EXPECT_EQ(
      stub->GetHandover(Ctx(secondvoice::testing::kCrmToken).get(), get, &denied).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  SetCrmEndpoint(harness_->channel(), secondvoice::testing::kAdminToken, "jansen",
                 absl::StrCat("127.0.0.1:", crm_->port()));
  ASSERT_TRUE(Eventually([&] {
    return GetHandover(harness_->channel(), manager_, recorded.handover_id()).state() ==
           pb::DELIVERY_STATE_DELIVERED;
  }));
  const pb::HandoverRecord done =
      GetHandover(harness_->channel(), manager_, recorded.handover_id());
  EXPECT_TRUE(done.has_flagged_at());  // it was late, and that stays on record
  EXPECT_TRUE(done.has_delivered_at());
  EXPECT_EQ(crm_->crm().ListReceived().stored(), 1);
}

TEST_F(HandoverTest, TheCrmReportsWhatHappenedOnItsOwnLeadsOncePerKey) {
  int64_t lead = 0;
  const pb::HandoverRecord handover = Delivered(&lead);
  ASSERT_FALSE(handover.crm_reference().empty());

  // Named by the reference the CRM gave the handover.
  pb::ReportOutcomeRequest showed;
  showed.set_idempotency_key("visit-1");
  showed.set_dealer_id("vandijk");
  showed.set_crm_lead_id(handover.crm_reference());
  showed.set_kind(pb::FEEDBACK_KIND_SHOWED);
  showed.set_reported_by("piet.bakker");
  pb::ReportOutcomeResponse r;
  ASSERT_TRUE(Report(crm_token_, showed, &r).ok());
  EXPECT_EQ(r.lead_id(), lead);
  EXPECT_FALSE(r.duplicate());
  EXPECT_EQ(r.lead_status(), pb::LEAD_STATUS_HANDED_OVER);
  // Sent again after a timeout: recognised, nothing changes.
  ASSERT_TRUE(Report(crm_token_, showed, &r).ok());
  EXPECT_TRUE(r.duplicate());
  EXPECT_EQ(leads_->Count("SELECT count(*) FROM feedback"), 1);

  // The appointment moved: the handover's appointment follows.
  pb::ReportOutcomeRequest moved;
  moved.set_idempotency_key("move-1");
  moved.set_dealer_id("vandijk");
  moved.set_lead_id(lead);
  moved.set_kind(pb::FEEDBACK_KIND_APPOINTMENT_MOVED);
  const absl::Time new_time = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 7 * 86400);
  scheduler::ToProto(new_time, moved.mutable_new_appointment_at());
  ASSERT_TRUE(Report(crm_token_, moved, &r).ok());
  EXPECT_EQ(scheduler::FromProto(
                GetHandover(harness_->channel(), manager_, handover.handover().handover_id())
                    .handover()
                    .appointment()
                    .at()),
            new_time);

  // Bad input names the field; another dealer's lead is not this CRM's to report on.
  pb::ReportOutcomeRequest lost;
  lost.set_idempotency_key("lost-1");
  lost.set_dealer_id("vandijk");
  lost.set_lead_id(lead);
  lost.set_kind(pb::FEEDBACK_KIND_LOST);
  grpc::Status s = Report(crm_token_, lost, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("lost_reason"));
  pb::ReportOutcomeRequest elsewhere = showed;
  elsewhere.set_idempotency_key("visit-2");
  elsewhere.set_dealer_id("jansen");
  EXPECT_EQ(Report(crm_token_, elsewhere, &r).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  pb::ReportOutcomeRequest no_ref = showed;
  no_ref.set_idempotency_key("visit-3");
  no_ref.clear_crm_lead_id();
  s = Report(crm_token_, no_ref, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("lead_ref"));

  // Sold: the lead is closed, and its journey says so.
  pb::ReportOutcomeRequest sold;
  sold.set_idempotency_key("sale-1");
  sold.set_dealer_id("vandijk");
  sold.set_lead_id(lead);
  sold.set_kind(pb::FEEDBACK_KIND_SOLD);
  sold.mutable_sale()->set_amount_cents(3899500);
  ASSERT_TRUE(Report(crm_token_, sold, &r).ok());
  EXPECT_EQ(r.lead_status(), pb::LEAD_STATUS_CLOSED_SOLD);
  EXPECT_EQ(
      leads_->Count(absl::StrCat("SELECT count(*) FROM lead_events WHERE lead_id = ", lead,
                                 " AND type = 'feedback.sold' AND summary LIKE '%38995.00%'")),
      1);
}

TEST_F(HandoverTest, ANoShowGoesBackToTheBdcAndAnUnsoldLeadToASecondVoiceLater) {
  int64_t no_show = 0;
  Delivered(&no_show);
  pb::ReportOutcomeRequest req;
  req.set_idempotency_key("no-show-1");
  req.set_dealer_id("vandijk");
  req.set_lead_id(no_show);
  req.set_kind(pb::FEEDBACK_KIND_NO_SHOW);
  pb::ReportOutcomeResponse r;
  ASSERT_TRUE(Report(crm_token_, req, &r).ok());
  EXPECT_EQ(r.lead_status(), pb::LEAD_STATUS_IN_PROGRESS);
  // An agent gets the lead again at once, in its campaign.
  auto stub = pb::Scheduling::NewStub(harness_->channel());
  pb::ClaimLeadsRequest claim;
  claim.set_queue_id("bdc-nl");
  claim.set_max_leads(5);
  claim.set_lease_seconds(60);
  claim.set_wait_ms(5000);  // the schedule's NOTIFY may come a moment after the answer
  pb::ClaimLeadsResponse claimed;
  ASSERT_TRUE(stub->ClaimLeads(Ctx(agent_).get(), claim, &claimed).ok());
  ASSERT_THAT(claimed.leads(), SizeIs(1));
  EXPECT_EQ(claimed.leads(0).lead_id(), no_show);

  int64_t unsold = 0;
  Delivered(&unsold);
  req.set_idempotency_key("unsold-1");
  req.set_lead_id(unsold);
  req.set_kind(pb::FEEDBACK_KIND_UNSOLD);
  const absl::Time visit = absl::Now() - absl::Hours(1);
  scheduler::ToProto(visit, req.mutable_at());
  ASSERT_TRUE(Report(crm_token_, req, &r).ok());
  EXPECT_EQ(r.lead_status(), pb::LEAD_STATUS_IN_PROGRESS);
  // In the dealer's second-voice campaign, due two weeks after the visit.
  EXPECT_EQ(leads_->Count(absl::StrCat(
                "SELECT count(*) FROM lead_schedule WHERE lead_id = ", unsold,
                " AND campaign_id = ", second_voice_, " AND abs(extract(epoch FROM due_at) - ",
                absl::ToUnixSeconds(visit + absl::Hours(24 * 14)), ") < 2")),
            1);
  EXPECT_EQ(leads_->Count(absl::StrCat("SELECT campaign_id FROM leads WHERE id = ", unsold)),
            second_voice_);
}

TEST(HandoverDaemons, ADaemonKilledDuringADeliveryDeliversAfterItsRestartOnceAtTheCrm) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  const std::vector<std::string> flags = {"--handover_deadline=2s"};
  auto daemon =
      std::make_unique<secondvoice::testing::Daemon>(url, secondvoice::testing::TempDir(), flags);
  const std::string addr = daemon->WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr.empty());
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(SchedulerHarness::WaitForHealth(channel, true, absl::Seconds(30)));
  int64_t campaign = 0;
  secondvoice::testing::SetUpWorld(channel, secondvoice::testing::kDaemonAdminToken,
                                   secondvoice::testing::kDaemonManagerToken, &campaign);
  std::unique_ptr<example_crm::ExampleCrmServer> crm = StartCrm();
  ASSERT_NE(crm, nullptr);
  SetCrmEndpoint(channel, secondvoice::testing::kDaemonAdminToken, "vandijk",
                 absl::StrCat("127.0.0.1:", crm->port()));
  // The CRM stores what it gets at once and answers 1.5 s later: the daemon dies in between.
  pb::SetBehaviourRequest slow;
  slow.set_delay_ms(1500);
  ASSERT_THAT(crm->crm().SetBehaviour(slow), IsOk());
  secondvoice::testing::Leads leads(url);
  const int64_t lead = AddStoryLead(leads.conn(), "vandijk", campaign);
  const pb::RecordAttemptResponse recorded = SetAppointment(
      channel, secondvoice::testing::kDaemonAgentToken, lead, absl::Now() + absl::Hours(48));
  ASSERT_GT(recorded.handover_id(), 0);
  ASSERT_TRUE(Eventually([&] { return crm->crm().ListReceived().stored() == 1; }));
  daemon->Kill();
  EXPECT_EQ(leads.Count(absl::StrCat("SELECT count(*) FROM handovers WHERE id = ",
                                     recorded.handover_id(), " AND state = 'delivering'")),
            1);

  daemon =
      std::make_unique<secondvoice::testing::Daemon>(url, secondvoice::testing::TempDir(), flags);
  ASSERT_FALSE(daemon->WaitForAddress(absl::Seconds(30)).empty());
  ASSERT_TRUE(Eventually([&] {
    return leads.Count(absl::StrCat("SELECT count(*) FROM handovers WHERE id = ",
                                    recorded.handover_id(), " AND state = 'delivered'")) == 1;
  }));
  const pb::ListReceivedResponse received = crm->crm().ListReceived();
  ASSERT_THAT(received.handovers(), SizeIs(1));  // once at the CRM
  EXPECT_EQ(received.handovers(0).deliveries(), 2);
  EXPECT_EQ(received.duplicates(), 1);
}

}  // namespace
}  // namespace secondvoice
