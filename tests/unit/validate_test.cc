// Tests for libs/domain/validate.h: slugs, dealer and campaign normalisation, campaign states.
#include "libs/domain/validate.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/domain/types.h"
#include "libs/phone/phone.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::domain {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// ---- ValidateSlug ----

TEST(ValidateSlug, AcceptsLowerCaseLettersDigitsAndDashes) {
  EXPECT_THAT(ValidateSlug("dealer.id", "vandijk"), IsOk());
  EXPECT_THAT(ValidateSlug("dealer.id", "bdc-nl-2"), IsOk());
  EXPECT_THAT(ValidateSlug("dealer.id", "2b"), IsOk());
  EXPECT_THAT(ValidateSlug("dealer.id", std::string(63, 'a')), IsOk());
}

TEST(ValidateSlug, RejectsOthersNamingTheField) {
  const std::vector<std::string> bad = {"",   "A",        "a",   "Van Dijk",          "vanDijk",
                                        "-x", "van_dijk", "x.y", std::string(64, 'a')};
  for (const std::string& value : bad) {
    EXPECT_THAT(ValidateSlug("dealer.id", value), StatusIs(kInvalid, StartsWith("dealer.id: ")))
        << "'" << value << "'";
  }
  EXPECT_THAT(ValidateSlug("queue.id", ""), StatusIs(kInvalid, HasSubstr("queue.id: is required")));
}

// ---- NormalizeDealer ----

Dealer ValidDealer() {
  Dealer d;
  d.id = "vandijk";
  d.name = "Autobedrijf Van Dijk";
  d.country = "NL";
  d.time_zone = "Europe/Amsterdam";
  return d;
}

TEST(NormalizeDealer, CanonicalisesCountryAndFillsDefaultHours) {
  Dealer d = ValidDealer();
  d.country = "nl";
  d.opening_hours = "";
  ASSERT_THAT(NormalizeDealer(d), IsOk());
  EXPECT_EQ(d.country, "NL");
  EXPECT_EQ(d.opening_hours, "Mon-Fri 09:00-21:00; Sat 10:00-16:00");
  EXPECT_EQ(d.id, "vandijk");
  EXPECT_EQ(d.time_zone, "Europe/Amsterdam");
}

TEST(NormalizeDealer, CanonicalisesOpeningHours) {
  Dealer d = ValidDealer();
  d.opening_hours = "ma-vr 9:00-17:00";
  ASSERT_THAT(NormalizeDealer(d), IsOk());
  EXPECT_EQ(d.opening_hours, "Mon-Fri 09:00-17:00");
}

TEST(NormalizeDealer, RejectsBadOpeningHours) {
  Dealer d = ValidDealer();
  d.opening_hours = "ma-vr 9:00-25:00";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.opening_hours: ")));
}

TEST(NormalizeDealer, RejectsUnknownCountry) {
  // Neither is a region libphonenumber knows.
  ASSERT_FALSE(phone::IsKnownRegion("XX"));
  ASSERT_FALSE(phone::IsKnownRegion("ZZ"));
  for (const char* country : {"XX", "ZZ", "", "NLD", "N"}) {
    Dealer d = ValidDealer();
    d.country = country;
    EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.country: ")))
        << "'" << country << "'";
  }
}

TEST(NormalizeDealer, RejectsBadTimeZone) {
  Dealer d = ValidDealer();
  d.time_zone = "Europe/Amsterdm";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, AllOf(StartsWith("dealer.time_zone:"),
                                                           HasSubstr("Europe/Amsterdm"))));
  d.time_zone = "";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.time_zone:")));
  // Abseil loads these too: the server's own zone, and files by path.
  for (const char* zone : {"localtime", "/usr/share/zoneinfo/Europe/Amsterdam",
                           "Europe/../Europe/Amsterdam", "Europe/Amsterdam\n"}) {
    d.time_zone = zone;
    EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.time_zone:"))) << zone;
  }
}

TEST(NormalizeDealer, RejectsBadIdAndMissingName) {
  Dealer d = ValidDealer();
  d.id = "Van Dijk";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.id: ")));
  d = ValidDealer();
  d.name = "   ";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, StartsWith("dealer.name: ")));
}

TEST(NormalizeDealer, ChecksCrmEndpoint) {
  Dealer d = ValidDealer();
  d.crm_endpoint = "nohost";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, HasSubstr("dealer.crm_endpoint")));
  d.crm_endpoint = "crm.example.nl:99999";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, HasSubstr("dealer.crm_endpoint")));
  d.crm_endpoint = ":443";
  EXPECT_THAT(NormalizeDealer(d), StatusIs(kInvalid, HasSubstr("dealer.crm_endpoint")));
  d.crm_endpoint = "crm.example.nl:443";
  EXPECT_THAT(NormalizeDealer(d), IsOk());
  EXPECT_EQ(d.crm_endpoint, "crm.example.nl:443");
}

// ---- NormalizeCampaign ----

// A campaign with every defaultable value at zero, so NormalizeCampaign must fill them in.
Campaign ValidCampaign(CampaignKind kind) {
  Campaign c;
  c.name = "Spring 2026 passive list";
  c.kind = kind;
  c.dealer_ids = {"vandijk", "bdc-nl-2"};
  c.queue_id = "bdc-nl";
  c.caller_id = "+31 20 123 4567";
  c.existing_customer_months = 0;
  c.cadence = Cadence{.min_call_attempts = 0,
                      .min_spread_days = 0,
                      .max_spread_days = 0,
                      .max_call_attempts = 0,
                      .min_gap_minutes = 0,
                      .max_attempts_per_day = 0};
  c.abandon_cap_percent = 0;
  return c;
}

TEST(NormalizeCampaign, FillsDefaultsForAPassiveCampaign) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.cadence.min_call_attempts, 4);
  EXPECT_EQ(c.cadence.min_spread_days, 3);
  EXPECT_EQ(c.cadence.max_spread_days, 5);
  EXPECT_EQ(c.cadence.max_call_attempts, 16);  // four times the minimum for passive leads
  EXPECT_EQ(c.cadence.min_gap_minutes, 120);
  EXPECT_EQ(c.cadence.max_attempts_per_day, 2);
  EXPECT_DOUBLE_EQ(c.abandon_cap_percent, 3.0);
  EXPECT_EQ(c.existing_customer_months, 36);
  EXPECT_EQ(c.caller_id, "+31201234567");
  EXPECT_EQ(c.calling_hours, "");  // empty stays empty: the dealers' hours apply
}

TEST(NormalizeCampaign, FillsDefaultsForASecondVoiceCampaign) {
  Campaign c = ValidCampaign(CampaignKind::kSecondVoice);
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.cadence.min_call_attempts, 4);
  EXPECT_EQ(c.cadence.max_call_attempts, 6);
}

TEST(NormalizeCampaign, PassiveBudgetFollowsAHigherMinimum) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_call_attempts = 5;
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.cadence.max_call_attempts, 20);
}

TEST(NormalizeCampaign, KeepsGivenValues) {
  Campaign c = ValidCampaign(CampaignKind::kSecondVoice);
  c.cadence = Cadence{.min_call_attempts = 5,
                      .min_spread_days = 4,
                      .max_spread_days = 7,
                      .max_call_attempts = 9,
                      .min_gap_minutes = 60,
                      .max_attempts_per_day = 3};
  c.abandon_cap_percent = 2.5;
  c.existing_customer_months = 24;
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.cadence.min_call_attempts, 5);
  EXPECT_EQ(c.cadence.min_spread_days, 4);
  EXPECT_EQ(c.cadence.max_spread_days, 7);
  EXPECT_EQ(c.cadence.max_call_attempts, 9);
  EXPECT_EQ(c.cadence.min_gap_minutes, 60);
  EXPECT_EQ(c.cadence.max_attempts_per_day, 3);
  EXPECT_DOUBLE_EQ(c.abandon_cap_percent, 2.5);
  EXPECT_EQ(c.existing_customer_months, 24);
}

TEST(NormalizeCampaign, CanonicalisesCallingHours) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.calling_hours = "ma-vr 9:00-17:00";
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.calling_hours, "Mon-Fri 09:00-17:00");
}

TEST(NormalizeCampaign, RejectsMissingOrRepeatedDealers) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.dealer_ids.clear();
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.dealer_ids: ")));
  c.dealer_ids = {"vandijk", "bdc-nl-2", "vandijk"};
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, AllOf(StartsWith("campaign.dealer_ids: "), HasSubstr("vandijk"))));
  c.dealer_ids = {"Van Dijk"};
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.dealer_ids: ")));
}

TEST(NormalizeCampaign, RejectsMissingNameAndQueue) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.name = "";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.name: ")));
  c = ValidCampaign(CampaignKind::kPassiveList);
  c.queue_id = "";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.queue_id: ")));
}

TEST(NormalizeCampaign, RequiresAValidCallerId) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.caller_id = "";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.caller_id: ")));
  // Without a country code there is no region to read it in.
  c.caller_id = "020 123 4567";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.caller_id: ")));
  c.caller_id = "+31 6 123";  // too short
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.caller_id: ")));
  c.caller_id = "not a number";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.caller_id: ")));
}

TEST(NormalizeCampaign, KeepsTheAntiCheckboxFloors) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_call_attempts = 3;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.min_call_attempts: ")));

  c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_spread_days = 2;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.min_spread_days: ")));
}

TEST(NormalizeCampaign, RejectsInconsistentCadence) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_spread_days = 4;
  c.cadence.max_spread_days = 3;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.max_spread_days: ")));

  c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_call_attempts = 6;
  c.cadence.max_call_attempts = 5;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.max_call_attempts: ")));

  c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.max_call_attempts = 101;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.max_call_attempts: ")));

  c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_gap_minutes = -5;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.cadence.min_gap_minutes: ")));
}

TEST(NormalizeCampaign, MinimumSpreadRaisesTheDefaultMaximum) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.cadence.min_spread_days = 7;
  ASSERT_THAT(NormalizeCampaign(c), IsOk());
  EXPECT_EQ(c.cadence.max_spread_days, 7);
}

TEST(NormalizeCampaign, CapsTheAbandonRateAtThreePercent) {
  for (double cap : {3.5, -1.0, 100.0}) {
    Campaign c = ValidCampaign(CampaignKind::kPassiveList);
    c.abandon_cap_percent = cap;
    EXPECT_THAT(NormalizeCampaign(c),
                StatusIs(kInvalid, StartsWith("campaign.abandon_cap_percent: ")))
        << cap;
  }
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.abandon_cap_percent = 3.0;
  EXPECT_THAT(NormalizeCampaign(c), IsOk());
}

TEST(NormalizeCampaign, RejectsExistingCustomerMonthsOutOfRange) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.existing_customer_months = 121;
  EXPECT_THAT(NormalizeCampaign(c),
              StatusIs(kInvalid, StartsWith("campaign.existing_customer_months: ")));
}

TEST(NormalizeCampaign, RequiresEndAfterStart) {
  const absl::Time start = absl::FromUnixSeconds(1'780'000'000);
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.starts_at = start;
  c.ends_at = start - absl::Hours(24);
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.ends_at: ")));
  c = ValidCampaign(CampaignKind::kPassiveList);
  c.starts_at = start;
  c.ends_at = start;
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.ends_at: ")));
  c = ValidCampaign(CampaignKind::kPassiveList);
  c.starts_at = start;
  c.ends_at = start + absl::Hours(24 * 30);
  EXPECT_THAT(NormalizeCampaign(c), IsOk());
}

TEST(NormalizeCampaign, RejectsBadCallingHours) {
  Campaign c = ValidCampaign(CampaignKind::kPassiveList);
  c.calling_hours = "Mon-Fri 21:00-09:00";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.calling_hours: ")));
  c.calling_hours = "someday 09:00-17:00";
  EXPECT_THAT(NormalizeCampaign(c), StatusIs(kInvalid, StartsWith("campaign.calling_hours: ")));
}

// ---- CheckCampaignTransition ----

TEST(CheckCampaignTransition, FollowsTheLifecycle) {
  using S = CampaignState;
  struct Case {
    S from;
    S to;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {S::kDraft, S::kActive, true},  {S::kActive, S::kPaused, true},
      {S::kPaused, S::kActive, true}, {S::kDraft, S::kEnded, true},
      {S::kActive, S::kEnded, true},  {S::kPaused, S::kEnded, true},
      {S::kDraft, S::kDraft, true},   {S::kActive, S::kActive, true},
      {S::kPaused, S::kPaused, true}, {S::kEnded, S::kEnded, true},
      {S::kEnded, S::kActive, false}, {S::kEnded, S::kDraft, false},
      {S::kEnded, S::kPaused, false}, {S::kActive, S::kDraft, false},
      {S::kPaused, S::kDraft, false}, {S::kDraft, S::kPaused, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(Name(c.from)) + " -> " + std::string(Name(c.to)));
    if (c.allowed) {
      EXPECT_THAT(CheckCampaignTransition(c.from, c.to), IsOk());
    } else {
      EXPECT_THAT(CheckCampaignTransition(c.from, c.to),
                  StatusIs(absl::StatusCode::kFailedPrecondition,
                           AllOf(HasSubstr(std::string(Name(c.from))),
                                 HasSubstr(std::string(Name(c.to))))));
    }
  }
}

}  // namespace
}  // namespace secondvoice::domain
