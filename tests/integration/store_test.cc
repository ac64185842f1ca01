// libs/store against a real PostgreSQL: migrations, transactions, dealers, campaigns, leads and
// the append-only journey.
#include <atomic>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/store/campaigns.h"
#include "libs/store/dealers.h"
#include "libs/store/leads.h"
#include "libs/store/migrations.h"
#include "libs/store/pool.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice::store {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    pool_ = std::make_unique<Pool>(Pool::Options{.url = url_, .size = 4});
    auto lease = pool_->Acquire();
    ASSERT_THAT(lease, IsOk());
    ASSERT_THAT(Migrate(**lease), IsOk());
  }

  domain::Dealer VanDijk() {
    return {.id = "vandijk",
            .name = "Autobedrijf Van Dijk",
            .country = "NL",
            .time_zone = "Europe/Amsterdam",
            .opening_hours = "Mon-Fri 09:00-21:00",
            .crm_endpoint = "",
            .created_at = {},
            .updated_at = {}};
  }

  absl::Status Tx(absl::FunctionRef<absl::Status(PgConn&)> fn) { return InTransaction(*pool_, fn); }

  std::string url_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(StoreTest, MigratingTwiceIsANoOp) {
  auto lease = pool_->Acquire();
  ASSERT_THAT(lease, IsOk());
  auto again = Migrate(**lease);
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(*again, IsEmpty());
  auto applied = AppliedVersions(**lease);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(applied->size(), Migrations().size());
  EXPECT_EQ(applied->back(), Migrations().back().version);
}

TEST(StoreMigrations, ConcurrentMigratorsApplyEachMigrationOnce) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  std::atomic<int> applied_total{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto conn = PgConn::Connect(url, absl::Seconds(10));
      if (!conn.ok()) {
        ++failures;
        return;
      }
      auto applied = Migrate(**conn);
      if (!applied.ok()) {
        ++failures;
        return;
      }
      applied_total += static_cast<int>(applied->size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied_total.load(), static_cast<int>(Migrations().size()));
}

TEST_F(StoreTest, DealerRoundTripAndDuplicate) {
  domain::Dealer d = VanDijk();
  ASSERT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, d); }), IsOk());
  EXPECT_GT(d.created_at, absl::Now() - absl::Minutes(1));
  domain::Dealer again = VanDijk();
  EXPECT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, again); }),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("vandijk")));
  absl::StatusOr<domain::Dealer> got;
  ASSERT_THAT(Tx([&](PgConn& c) {
                got = GetDealer(c, "vandijk");
                return got.status();
              }),
              IsOk());
  EXPECT_EQ(got->name, "Autobedrijf Van Dijk");
  EXPECT_EQ(got->time_zone, "Europe/Amsterdam");
  EXPECT_THAT(Tx([&](PgConn& c) { return GetDealer(c, "nobody").status(); }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, FailedTransactionLeavesNothingBehind) {
  domain::Dealer d = VanDijk();
  EXPECT_THAT(Tx([&](PgConn& c) -> absl::Status {
                if (absl::Status s = InsertDealer(c, d); !s.ok()) return s;
                return absl::InternalError("something later failed");
              }),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Tx([&](PgConn& c) { return GetDealer(c, "vandijk").status(); }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, CheckConstraintsMapToInvalidArgument) {
  domain::Dealer d = VanDijk();
  d.id = "Not A Slug";  // the domain validates first; the schema holds the line as well
  EXPECT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, d); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, ListDealersPagesAndFilters) {
  for (const char* id : {"aa", "bb", "cc"}) {
    domain::Dealer d = VanDijk();
    d.id = id;
    ASSERT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, d); }), IsOk());
  }
  std::vector<std::string> ids;
  ASSERT_THAT(Tx([&](PgConn& c) -> absl::Status {
                auto page = ListDealers(c, "aa", 10);
                if (!page.ok()) return page.status();
                for (const auto& d : *page) ids.push_back(d.id);
                auto only = ListDealers(c, "", 10, std::vector<std::string>{"cc"});
                if (!only.ok()) return only.status();
                for (const auto& d : *only) ids.push_back("only:" + d.id);
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_THAT(ids, ElementsAre("bb", "cc", "only:cc"));
}

class LeadStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    domain::Dealer d = VanDijk();
    ASSERT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, d); }), IsOk());
  }

  // A passive lead whose phone is a placeholder: kept, raw, unusable; e-mail is its route.
  domain::Lead PlaceholderLead() {
    domain::Lead l;
    l.dealer_id = "vandijk";
    l.kind = domain::LeadKind::kPassive;
    l.origin = domain::LeadOrigin::kListImport;
    l.first_name = "Eva";
    l.last_name = "de Boer";
    l.customer_id = "K-1001";
    l.accessibility_notes = "deaf - use text";
    l.preferred_channel = domain::Channel::kEmail;
    l.contact_routes = {{.channel = domain::Channel::kPhone,
                         .raw_value = "0000000000",
                         .normalized_value = "",
                         .phone_type = domain::PhoneType::kUnknown,
                         .usable = false,
                         .preferred = false,
                         .preferred_times = ""},
                        {.channel = domain::Channel::kEmail,
                         .raw_value = "Eva@Example.NL",
                         .normalized_value = "eva@example.nl",
                         .phone_type = domain::PhoneType::kUnknown,
                         .usable = true,
                         .preferred = true,
                         .preferred_times = "evenings"}};
    l.vehicles = {{.role = domain::VehicleRole::kCurrent,
                   .used = true,
                   .year = 2021,
                   .make = "Volkswagen",
                   .model = "Golf",
                   .trim = "",
                   .vin = "",
                   .odometer_km = 61000,
                   .price_cents = 0,
                   .comments = ""}};
    l.consent = {.basis = domain::ConsentBasis::kExistingCustomer,
                 .source = "service visit",
                 .given_at = std::nullopt,
                 .relationship_last_at = absl::FromUnixSeconds(1'750'000'000)};
    return l;
  }
};

TEST_F(LeadStoreTest, LeadRoundTripKeepsEverything) {
  domain::Lead lead = PlaceholderLead();
  ASSERT_THAT(Tx([&](PgConn& c) { return InsertLead(c, lead, "test"); }), IsOk());
  ASSERT_GT(lead.id, 0);
  absl::StatusOr<domain::Lead> got;
  absl::StatusOr<std::vector<domain::LeadEvent>> events;
  ASSERT_THAT(Tx([&](PgConn& c) {
                got = GetLead(c, lead.id);
                events = ListEvents(c, lead.id);
                return got.ok() ? events.status() : got.status();
              }),
              IsOk());
  ASSERT_THAT(got->contact_routes, SizeIs(2));
  EXPECT_EQ(got->contact_routes[0].raw_value, "0000000000");
  EXPECT_FALSE(got->contact_routes[0].usable);
  EXPECT_EQ(got->contact_routes[1].normalized_value, "eva@example.nl");
  EXPECT_TRUE(got->contact_routes[1].preferred);
  EXPECT_EQ(got->contact_routes[1].preferred_times, "evenings");
  EXPECT_EQ(got->accessibility_notes, "deaf - use text");
  EXPECT_EQ(got->preferred_channel, domain::Channel::kEmail);
  ASSERT_THAT(got->vehicles, SizeIs(1));
  EXPECT_EQ(got->vehicles[0].model, "Golf");
  EXPECT_EQ(got->vehicles[0].odometer_km, 61000);
  EXPECT_EQ(got->consent.basis, domain::ConsentBasis::kExistingCustomer);
  EXPECT_EQ(got->consent.relationship_last_at, absl::FromUnixSeconds(1'750'000'000));
  EXPECT_EQ(got->status, domain::LeadStatus::kNew);
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].type, "lead.created");
  EXPECT_EQ((*events)[0].actor, "test");
}

TEST_F(LeadStoreTest, JourneyIsAppendOnly) {
  domain::Lead lead = PlaceholderLead();
  ASSERT_THAT(Tx([&](PgConn& c) { return InsertLead(c, lead, "test"); }), IsOk());
  constexpr Query kRewrite = {"test_rewrite_event", "UPDATE lead_events SET summary = 'forged'"};
  constexpr Query kErase = {"test_erase_event", "DELETE FROM lead_events"};
  EXPECT_THAT(Tx([&](PgConn& c) { return c.Exec(kRewrite).status(); }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("append-only")));
  EXPECT_THAT(Tx([&](PgConn& c) { return c.Exec(kErase).status(); }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("append-only")));
}

TEST_F(LeadStoreTest, SearchByPhoneRawOrNormalisedEmailAndIds) {
  domain::Lead placeholder = PlaceholderLead();
  domain::Lead mobile = PlaceholderLead();
  mobile.customer_id = "K-2002";
  mobile.crm_lead_id = "CRM-77";
  mobile.contact_routes = {{.channel = domain::Channel::kPhone,
                            .raw_value = "06-12345678",
                            .normalized_value = "+31612345678",
                            .phone_type = domain::PhoneType::kMobile,
                            .usable = true,
                            .preferred = false,
                            .preferred_times = ""}};
  ASSERT_THAT(Tx([&](PgConn& c) -> absl::Status {
                if (auto s = InsertLead(c, placeholder, "test"); !s.ok()) return s;
                return InsertLead(c, mobile, "test");
              }),
              IsOk());
  auto ids = [&](LeadSearch search) {
    search.dealer_id = "vandijk";
    std::vector<int64_t> out;
    EXPECT_THAT(Tx([&](PgConn& c) -> absl::Status {
                  auto leads = SearchLeads(c, search);
                  if (!leads.ok()) return leads.status();
                  for (const auto& l : *leads) out.push_back(l.id);
                  return absl::OkStatus();
                }),
                IsOk());
    return out;
  };
  EXPECT_THAT(ids({.phone = "+31612345678"}), ElementsAre(mobile.id));
  EXPECT_THAT(ids({.phone = "0000000000"}), ElementsAre(placeholder.id));
  EXPECT_THAT(ids({.email = "eva@example.nl"}), ElementsAre(placeholder.id));
  EXPECT_THAT(ids({.crm_lead_id = "CRM-77"}), ElementsAre(mobile.id));
  EXPECT_THAT(ids({.customer_id = "K-1001"}), ElementsAre(placeholder.id));
  EXPECT_THAT(ids({}), ElementsAre(placeholder.id, mobile.id));
  EXPECT_THAT(ids({.after_id = placeholder.id}), ElementsAre(mobile.id));
  EXPECT_THAT(ids({.limit = 1}), ElementsAre(placeholder.id));
  EXPECT_THAT(ids({.phone = "+31699999999"}), IsEmpty());
}

TEST_F(StoreTest, CampaignNeedsExistingDealersAndQueue) {
  domain::Dealer d = VanDijk();
  domain::Queue q{.id = "bdc-nl",
                  .name = "BDC",
                  .dialing_mode = domain::DialingMode::kPredictive,
                  .created_at = {}};
  ASSERT_THAT(Tx([&](PgConn& c) -> absl::Status {
                if (auto s = InsertDealer(c, d); !s.ok()) return s;
                return InsertQueue(c, q);
              }),
              IsOk());
  domain::Campaign campaign;
  campaign.name = "Same car for 4 years";
  campaign.dealer_ids = {"vandijk", "ghost"};
  campaign.queue_id = "bdc-nl";
  campaign.caller_id = "+31201234567";
  campaign.cadence.max_call_attempts = 16;
  EXPECT_THAT(Tx([&](PgConn& c) { return InsertCampaign(c, campaign); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'ghost'")));
  campaign.dealer_ids = {"vandijk"};
  campaign.queue_id = "nope";
  EXPECT_THAT(Tx([&](PgConn& c) { return InsertCampaign(c, campaign); }),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'nope'")));
  campaign.queue_id = "bdc-nl";
  ASSERT_THAT(Tx([&](PgConn& c) { return InsertCampaign(c, campaign); }), IsOk());
  absl::StatusOr<domain::Campaign> got;
  ASSERT_THAT(Tx([&](PgConn& c) {
                got = GetCampaign(c, campaign.id);
                return got.status();
              }),
              IsOk());
  EXPECT_THAT(got->dealer_ids, ElementsAre("vandijk"));
  EXPECT_EQ(got->cadence.max_call_attempts, 16);
  EXPECT_EQ(got->state, domain::CampaignState::kDraft);
  absl::StatusOr<std::vector<domain::Campaign>> for_dealer;
  absl::StatusOr<std::vector<domain::Campaign>> for_other;
  ASSERT_THAT(Tx([&](PgConn& c) {
                for_dealer = ListCampaigns(c, "vandijk", 0, 10);
                for_other = ListCampaigns(c, "other", 0, 10);
                return for_dealer.ok() ? for_other.status() : for_dealer.status();
              }),
              IsOk());
  EXPECT_THAT(*for_dealer, SizeIs(1));
  EXPECT_THAT(*for_other, IsEmpty());
}

TEST_F(StoreTest, PoolSurvivesABrokenConnection) {
  // Terminate every other backend of this database: the pooled connection dies under us.
  {
    auto lease = pool_->Acquire();
    ASSERT_THAT(lease, IsOk());
  }
  auto killer = PgConn::Connect(url_, absl::Seconds(5));
  ASSERT_THAT(killer, IsOk());
  ASSERT_THAT(
      (*killer)->ExecScript("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
      IsOk());
  domain::Dealer d = VanDijk();
  EXPECT_THAT(Tx([&](PgConn& c) { return InsertDealer(c, d); }), IsOk());
}

}  // namespace
}  // namespace secondvoice::store
