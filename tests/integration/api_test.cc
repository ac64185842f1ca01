// The secondvoice.v1 API over real gRPC on 127.0.0.1 against a real PostgreSQL: dealers,
// queues, campaigns and lead lookup, with validation, NOT_FOUND and the auth seam.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/store/dealers.h"
#include "libs/store/leads.h"
#include "libs/store/pool.h"
#include "secondvoice/v1/admin_service.grpc.pb.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::kAdminToken;
using ::secondvoice::testing::kAgentToken;
using ::secondvoice::testing::kCrmToken;
using ::secondvoice::testing::kManagerToken;
using ::secondvoice::testing::SchedulerHarness;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ = SchedulerHarness::Start(url_);
    dealers_ = pb::DealerService::NewStub(harness_->channel());
    campaigns_ = pb::CampaignService::NewStub(harness_->channel());
    leads_ = pb::LeadService::NewStub(harness_->channel());
    admin_ = pb::AdminService::NewStub(harness_->channel());
  }

  grpc::Status CreateDealer(const std::string& id, const std::string& token = kAdminToken,
                            pb::Dealer* out = nullptr) {
    pb::CreateDealerRequest req;
    req.mutable_dealer()->set_id(id);
    req.mutable_dealer()->set_name("Dealer " + id);
    req.mutable_dealer()->set_country("NL");
    req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
    pb::Dealer local;
    return dealers_->CreateDealer(SchedulerHarness::Context(token).get(), req, out ? out : &local);
  }

  grpc::Status CreateQueue(const std::string& id) {
    pb::CreateQueueRequest req;
    req.mutable_queue()->set_id(id);
    req.mutable_queue()->set_name("Queue " + id);
    req.mutable_queue()->set_dialing_mode(pb::DIALING_MODE_PREDICTIVE);
    pb::Queue out;
    return dealers_->CreateQueue(SchedulerHarness::Context(kAdminToken).get(), req, &out);
  }

  pb::CreateCampaignRequest CampaignRequest() {
    pb::CreateCampaignRequest req;
    pb::Campaign* c = req.mutable_campaign();
    c->set_name("Same car for 4 years");
    c->set_kind(pb::CAMPAIGN_KIND_PASSIVE_LIST);
    c->add_dealer_ids("vandijk");
    c->set_queue_id("bdc-nl");
    c->set_caller_id("+31 20 123 4567");
    return req;
  }

  // Inserts a lead for `dealer` straight through the store (lead intake is a later issue).
  int64_t InsertLead(const std::string& dealer, const std::string& raw_phone,
                     const std::string& normalized) {
    store::Pool pool({.url = url_, .size = 1});
    domain::Lead lead;
    lead.dealer_id = dealer;
    lead.first_name = "Eva";
    lead.contact_routes = {{.channel = domain::Channel::kPhone,
                            .raw_value = raw_phone,
                            .normalized_value = normalized,
                            .phone_type = domain::PhoneType::kMobile,
                            .usable = !normalized.empty(),
                            .preferred = true,
                            .preferred_times = ""}};
    EXPECT_TRUE(store::InTransaction(pool, [&](store::PgConn& c) {
                  return store::InsertLead(c, lead, "test");
                }).ok());
    return lead.id;
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<pb::DealerService::Stub> dealers_;
  std::unique_ptr<pb::CampaignService::Stub> campaigns_;
  std::unique_ptr<pb::LeadService::Stub> leads_;
  std::unique_ptr<pb::AdminService::Stub> admin_;
};

TEST_F(ApiTest, CreateDealerCanonicalisesAndReturnsIt) {
  pb::CreateDealerRequest req;
  req.mutable_dealer()->set_id("vandijk");
  req.mutable_dealer()->set_name("  Autobedrijf Van Dijk ");
  req.mutable_dealer()->set_country("nl");
  req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
  req.mutable_dealer()->set_opening_hours("ma-vr 9:00-21:00; za 10:00-16:00");
  pb::Dealer created;
  grpc::Status s =
      dealers_->CreateDealer(SchedulerHarness::Context(kAdminToken).get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.name(), "Autobedrijf Van Dijk");
  EXPECT_EQ(created.country(), "NL");
  EXPECT_EQ(created.opening_hours(), "Mon-Fri 09:00-21:00; Sat 10:00-16:00");
  EXPECT_GT(created.created_at().seconds(), 0);

  pb::GetDealerRequest get;
  get.set_id("vandijk");
  pb::Dealer fetched;
  ASSERT_TRUE(
      dealers_->GetDealer(SchedulerHarness::Context(kManagerToken).get(), get, &fetched).ok());
  EXPECT_EQ(fetched.opening_hours(), created.opening_hours());

  EXPECT_EQ(CreateDealer("vandijk").error_code(), grpc::ALREADY_EXISTS);
}

TEST_F(ApiTest, InvalidRequestsNameTheField) {
  struct Case {
    std::string field;
    std::function<void(pb::Dealer&)> spoil;
  };
  const Case cases[] = {
      {"dealer.id", [](pb::Dealer& d) { d.set_id("Van Dijk"); }},
      {"dealer.name", [](pb::Dealer& d) { d.set_name(""); }},
      {"dealer.country", [](pb::Dealer& d) { d.set_country("Holland"); }},
      {"dealer.time_zone", [](pb::Dealer& d) { d.set_time_zone("Europe/Amsterdm"); }},
      {"dealer.opening_hours", [](pb::Dealer& d) { d.set_opening_hours("Mon-Fri 9-5"); }},
      {"dealer.crm_endpoint", [](pb::Dealer& d) { d.set_crm_endpoint("crm.example.nl"); }},
  };
  for (const Case& c : cases) {
    pb::CreateDealerRequest req;
    req.mutable_dealer()->set_id("vandijk");
    req.mutable_dealer()->set_name("Van Dijk");
    req.mutable_dealer()->set_country("NL");
    req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
    c.spoil(*req.mutable_dealer());
    pb::Dealer out;
    grpc::Status s =
        dealers_->CreateDealer(SchedulerHarness::Context(kAdminToken).get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), StartsWith(c.field + ":"));
  }
}

TEST_F(ApiTest, UnknownIdsAreNotFound) {
  pb::Dealer dealer;
  pb::GetDealerRequest get;
  get.set_id("nobody");
  EXPECT_EQ(
      dealers_->GetDealer(SchedulerHarness::Context(kAdminToken).get(), get, &dealer).error_code(),
      grpc::NOT_FOUND);
  pb::GetCampaignRequest get_campaign;
  get_campaign.set_id(4242);
  pb::Campaign campaign;
  EXPECT_EQ(
      campaigns_->GetCampaign(SchedulerHarness::Context(kAdminToken).get(), get_campaign, &campaign)
          .error_code(),
      grpc::NOT_FOUND);
  pb::GetLeadRequest get_lead;
  get_lead.set_id(4242);
  pb::LeadDetail lead;
  EXPECT_EQ(
      leads_->GetLead(SchedulerHarness::Context(kAdminToken).get(), get_lead, &lead).error_code(),
      grpc::NOT_FOUND);
  pb::UpdateDealerRequest update;
  *update.mutable_dealer() = pb::Dealer();
  update.mutable_dealer()->set_id("nobody");
  update.mutable_dealer()->set_name("x");
  update.mutable_dealer()->set_country("NL");
  update.mutable_dealer()->set_time_zone("Europe/Amsterdam");
  EXPECT_EQ(dealers_->UpdateDealer(SchedulerHarness::Context(kAdminToken).get(), update, &dealer)
                .error_code(),
            grpc::NOT_FOUND);
}

TEST_F(ApiTest, EveryCallNeedsAValidToken) {
  pb::ListDealersRequest req;
  pb::ListDealersResponse resp;
  for (const std::string token : {"", "not-a-known-token"}) {
    grpc::Status s = dealers_->ListDealers(SchedulerHarness::Context(token).get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::UNAUTHENTICATED) << token;
  }
  pb::GetStatusResponse status;
  EXPECT_EQ(admin_->GetStatus(SchedulerHarness::Context("").get(), {}, &status).error_code(),
            grpc::UNAUTHENTICATED);
  pb::Campaign campaign;
  EXPECT_EQ(
      campaigns_->CreateCampaign(SchedulerHarness::Context("").get(), CampaignRequest(), &campaign)
          .error_code(),
      grpc::UNAUTHENTICATED);
}

TEST_F(ApiTest, RolesAreEnforced) {
  // Only admins create dealers and queues, or migrate.
  EXPECT_EQ(CreateDealer("vandijk", kManagerToken).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(CreateDealer("vandijk", kCrmToken).error_code(), grpc::PERMISSION_DENIED);
  pb::MigrateResponse migrated;
  EXPECT_EQ(
      admin_->Migrate(SchedulerHarness::Context(kManagerToken).get(), {}, &migrated).error_code(),
      grpc::PERMISSION_DENIED);
  ASSERT_TRUE(CreateDealer("vandijk").ok());
  ASSERT_TRUE(CreateQueue("bdc-nl").ok());
  // Agents and CRMs do not define campaigns; managers do.
  pb::Campaign campaign;
  EXPECT_EQ(campaigns_
                ->CreateCampaign(SchedulerHarness::Context(kAgentToken).get(), CampaignRequest(),
                                 &campaign)
                .error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(
      campaigns_
          ->CreateCampaign(SchedulerHarness::Context(kCrmToken).get(), CampaignRequest(), &campaign)
          .error_code(),
      grpc::PERMISSION_DENIED);
  EXPECT_TRUE(campaigns_
                  ->CreateCampaign(SchedulerHarness::Context(kManagerToken).get(),
                                   CampaignRequest(), &campaign)
                  .ok());
  EXPECT_TRUE(admin_->Migrate(SchedulerHarness::Context(kAdminToken).get(), {}, &migrated).ok());
  EXPECT_THAT(migrated.applied(), SizeIs(0));  // the daemon applied them at start
}

TEST_F(ApiTest, CrmSeesOnlyItsOwnDealers) {
  ASSERT_TRUE(CreateDealer("vandijk").ok());
  ASSERT_TRUE(CreateDealer("jansen").ok());
  pb::ListDealersResponse listed;
  ASSERT_TRUE(dealers_->ListDealers(SchedulerHarness::Context(kCrmToken).get(), {}, &listed).ok());
  ASSERT_THAT(listed.dealers(), SizeIs(1));
  EXPECT_EQ(listed.dealers(0).id(), "vandijk");

  pb::GetDealerRequest get;
  get.set_id("jansen");
  pb::Dealer dealer;
  EXPECT_EQ(
      dealers_->GetDealer(SchedulerHarness::Context(kCrmToken).get(), get, &dealer).error_code(),
      grpc::PERMISSION_DENIED);

  const int64_t own = InsertLead("vandijk", "06 12345678", "+31612345678");
  const int64_t other = InsertLead("jansen", "06 87654321", "+31687654321");
  pb::GetLeadRequest req;
  pb::LeadDetail detail;
  req.set_id(own);
  EXPECT_TRUE(leads_->GetLead(SchedulerHarness::Context(kCrmToken).get(), req, &detail).ok());
  req.set_id(other);
  EXPECT_EQ(leads_->GetLead(SchedulerHarness::Context(kCrmToken).get(), req, &detail).error_code(),
            grpc::PERMISSION_DENIED);
  pb::SearchLeadsRequest search;
  search.set_dealer_id("jansen");
  pb::SearchLeadsResponse found;
  EXPECT_EQ(
      leads_->SearchLeads(SchedulerHarness::Context(kCrmToken).get(), search, &found).error_code(),
      grpc::PERMISSION_DENIED);
}

TEST_F(ApiTest, CampaignLifecycle) {
  ASSERT_TRUE(CreateDealer("vandijk").ok());
  ASSERT_TRUE(CreateQueue("bdc-nl").ok());
  pb::Campaign created;
  ASSERT_TRUE(campaigns_
                  ->CreateCampaign(SchedulerHarness::Context(kManagerToken).get(),
                                   CampaignRequest(), &created)
                  .ok());
  EXPECT_GT(created.id(), 0);
  EXPECT_EQ(created.state(), pb::CAMPAIGN_STATE_DRAFT);
  EXPECT_EQ(created.caller_id(), "+31201234567");
  EXPECT_EQ(created.cadence().min_call_attempts(), 4);
  EXPECT_EQ(created.cadence().max_call_attempts(), 16);  // passive: 4x the attempts
  EXPECT_EQ(created.marketing_policy(), pb::MARKETING_POLICY_OPT_IN_ONLY);
  EXPECT_DOUBLE_EQ(created.abandon_cap_percent(), 3.0);

  auto set_state = [&](pb::CampaignState state) {
    pb::SetCampaignStateRequest req;
    req.set_id(created.id());
    req.set_state(state);
    pb::Campaign out;
    return campaigns_->SetCampaignState(SchedulerHarness::Context(kManagerToken).get(), req, &out);
  };
  EXPECT_TRUE(set_state(pb::CAMPAIGN_STATE_ACTIVE).ok());
  EXPECT_TRUE(set_state(pb::CAMPAIGN_STATE_PAUSED).ok());
  EXPECT_EQ(set_state(pb::CAMPAIGN_STATE_DRAFT).error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_TRUE(set_state(pb::CAMPAIGN_STATE_ENDED).ok());
  EXPECT_EQ(set_state(pb::CAMPAIGN_STATE_ACTIVE).error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(set_state(pb::CAMPAIGN_STATE_UNSPECIFIED).error_code(), grpc::INVALID_ARGUMENT);

  pb::UpdateCampaignRequest update;
  *update.mutable_campaign() = created;
  update.mutable_campaign()->set_name("renamed");
  pb::Campaign updated;
  EXPECT_EQ(
      campaigns_->UpdateCampaign(SchedulerHarness::Context(kManagerToken).get(), update, &updated)
          .error_code(),
      grpc::FAILED_PRECONDITION);  // ended campaigns are final
}

TEST_F(ApiTest, CampaignValidationNamesTheField) {
  ASSERT_TRUE(CreateDealer("vandijk").ok());
  ASSERT_TRUE(CreateQueue("bdc-nl").ok());
  auto create = [&](const std::function<void(pb::Campaign&)>& spoil) {
    pb::CreateCampaignRequest req = CampaignRequest();
    spoil(*req.mutable_campaign());
    pb::Campaign out;
    return campaigns_->CreateCampaign(SchedulerHarness::Context(kManagerToken).get(), req, &out);
  };
  grpc::Status s = create([](pb::Campaign& c) { c.mutable_cadence()->set_min_call_attempts(2); });
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("campaign.cadence.min_call_attempts:"));
  s = create([](pb::Campaign& c) { c.set_abandon_cap_percent(5); });
  EXPECT_THAT(s.error_message(), StartsWith("campaign.abandon_cap_percent:"));
  s = create([](pb::Campaign& c) { c.clear_caller_id(); });
  EXPECT_THAT(s.error_message(), StartsWith("campaign.caller_id:"));
  s = create([](pb::Campaign& c) { c.set_kind(pb::CAMPAIGN_KIND_UNSPECIFIED); });
  EXPECT_THAT(s.error_message(), StartsWith("campaign.kind:"));
  s = create([](pb::Campaign& c) { c.add_dealer_ids("ghost"); });
  EXPECT_EQ(s.error_code(), grpc::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("'ghost'"));
}

TEST_F(ApiTest, ListsPageThroughEverything) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(CreateDealer("dealer-" + std::to_string(i)).ok());
  std::vector<std::string> seen;
  pb::ListDealersRequest req;
  req.mutable_page()->set_page_size(3);
  int pages = 0;
  do {
    pb::ListDealersResponse resp;
    ASSERT_TRUE(
        dealers_->ListDealers(SchedulerHarness::Context(kManagerToken).get(), req, &resp).ok());
    for (const auto& d : resp.dealers()) seen.push_back(d.id());
    req.mutable_page()->set_page_token(resp.next_page_token());
    ++pages;
  } while (!req.page().page_token().empty());
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, SizeIs(7));
  EXPECT_EQ(seen.front(), "dealer-0");
  EXPECT_EQ(seen.back(), "dealer-6");

  req.mutable_page()->set_page_token("garbage!");
  pb::ListDealersResponse resp;
  grpc::Status s =
      dealers_->ListDealers(SchedulerHarness::Context(kManagerToken).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("page.page_token:"));
}

TEST_F(ApiTest, LeadLookupByAnyFormOfThePhoneNumber) {
  ASSERT_TRUE(CreateDealer("vandijk").ok());
  const int64_t mobile = InsertLead("vandijk", "06-12345678", "+31612345678");
  const int64_t placeholder = InsertLead("vandijk", "0000000000", "");
  auto search = [&](const std::string& phone) {
    pb::SearchLeadsRequest req;
    req.set_dealer_id("vandijk");
    req.set_phone(phone);
    pb::SearchLeadsResponse resp;
    EXPECT_TRUE(
        leads_->SearchLeads(SchedulerHarness::Context(kManagerToken).get(), req, &resp).ok());
    std::vector<int64_t> ids;
    for (const auto& l : resp.leads()) ids.push_back(l.id());
    return ids;
  };
  EXPECT_THAT(search("06 1234 5678"), ElementsAre(mobile));
  EXPECT_THAT(search("+31 6 12345678"), ElementsAre(mobile));
  EXPECT_THAT(search("0000000000"), ElementsAre(placeholder));

  pb::GetLeadRequest get;
  get.set_id(placeholder);
  pb::LeadDetail detail;
  ASSERT_TRUE(leads_->GetLead(SchedulerHarness::Context(kAgentToken).get(), get, &detail).ok());
  ASSERT_THAT(detail.lead().contact_routes(), SizeIs(1));
  EXPECT_EQ(detail.lead().contact_routes(0).raw_value(), "0000000000");
  EXPECT_FALSE(detail.lead().contact_routes(0).usable());
  ASSERT_THAT(detail.events(), SizeIs(1));
  EXPECT_EQ(detail.events(0).type(), "lead.created");

  pb::SearchLeadsRequest bad;
  bad.set_dealer_id("");
  pb::SearchLeadsResponse resp;
  grpc::Status s = leads_->SearchLeads(SchedulerHarness::Context(kManagerToken).get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("dealer_id:"));
}

TEST_F(ApiTest, StatusReportsTheSchema) {
  pb::GetStatusResponse status;
  ASSERT_TRUE(admin_->GetStatus(SchedulerHarness::Context(kManagerToken).get(), {}, &status).ok());
  EXPECT_TRUE(status.database_reachable());
  EXPECT_GE(status.schema_version(), 1);
  ASSERT_GE(status.migrations_size(), 1);
  for (const auto& m : status.migrations()) EXPECT_TRUE(m.applied()) << m.name();
}

}  // namespace
}  // namespace secondvoice
