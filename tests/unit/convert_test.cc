// Tests for services/scheduler/convert.h: enum mirroring, timestamps, statuses and campaigns.
#include "services/scheduler/convert.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "libs/domain/types.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::scheduler {
namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// How many values a domain enum has: they count up from 0 and each round-trips its name.
template <typename Enum>
int DomainCount(std::optional<Enum> (*parse)(absl::string_view)) {
  int n = 0;
  for (; n < 1000; ++n) {
    const Enum value = static_cast<Enum>(n);
    const std::optional<Enum> back = parse(domain::Name(value));
    if (!back.has_value() || *back != value) break;
  }
  return n;
}

// convert.cc converts most enums by offset (domain value i <-> API value i + 1); this checks that
// the API enum really lists the domain's values in order, by name, and nothing more.
template <typename Enum>
void ExpectApiMirrorsDomain(absl::string_view what, const google::protobuf::EnumDescriptor* api,
                            std::optional<Enum> (*parse)(absl::string_view)) {
  SCOPED_TRACE(what);
  ASSERT_NE(api, nullptr);
  const int count = DomainCount(parse);
  ASSERT_GT(count, 0);

  const google::protobuf::EnumValueDescriptor* zero = api->FindValueByNumber(0);
  ASSERT_NE(zero, nullptr);
  const std::string& zero_name = zero->name();
  ASSERT_TRUE(absl::EndsWith(zero_name, "_UNSPECIFIED")) << zero_name;
  const std::string prefix =
      zero_name.substr(0, zero_name.size() - std::string("UNSPECIFIED").size());

  EXPECT_EQ(api->value_count(), count + 1) << api->full_name();
  for (int i = 0; i < count; ++i) {
    const std::string upper = absl::AsciiStrToUpper(domain::Name(static_cast<Enum>(i)));
    const google::protobuf::EnumValueDescriptor* value = api->FindValueByNumber(i + 1);
    ASSERT_NE(value, nullptr) << api->full_name() << " has no value " << i + 1 << " for " << upper;
    EXPECT_TRUE(absl::EndsWith(value->name(), upper)) << value->name() << " vs " << upper;
    EXPECT_EQ(value->name(), prefix + upper);
  }
}

TEST(Convert, ApiEnumsListTheDomainValuesInOrder) {
  ExpectApiMirrorsDomain("DialingMode", pb::DialingMode_descriptor(), &domain::ParseDialingMode);
  ExpectApiMirrorsDomain("CampaignKind", pb::CampaignKind_descriptor(), &domain::ParseCampaignKind);
  ExpectApiMirrorsDomain("CampaignState", pb::CampaignState_descriptor(),
                         &domain::ParseCampaignState);
  ExpectApiMirrorsDomain("MarketingPolicy", pb::MarketingPolicy_descriptor(),
                         &domain::ParseMarketingPolicy);
  ExpectApiMirrorsDomain("LeadKind", pb::LeadKind_descriptor(), &domain::ParseLeadKind);
  ExpectApiMirrorsDomain("LeadOrigin", pb::LeadOrigin_descriptor(), &domain::ParseLeadOrigin);
  ExpectApiMirrorsDomain("Channel", pb::Channel_descriptor(), &domain::ParseChannel);
  ExpectApiMirrorsDomain("VehicleRole", pb::VehicleRole_descriptor(), &domain::ParseVehicleRole);
  ExpectApiMirrorsDomain("ConsentBasis", pb::ConsentBasis_descriptor(), &domain::ParseConsentBasis);
  ExpectApiMirrorsDomain("LeadStatus", pb::LeadStatus_descriptor(), &domain::ParseLeadStatus);
  ExpectApiMirrorsDomain("AttemptOutcome", pb::AttemptOutcome_descriptor(),
                         &domain::ParseAttemptOutcome);
}

TEST(Convert, GeneratedNamesMatchTheDomainNames) {
  EXPECT_EQ(
      pb::CampaignKind_Name(pb::CAMPAIGN_KIND_PASSIVE_LIST),
      "CAMPAIGN_KIND_" + absl::AsciiStrToUpper(domain::Name(domain::CampaignKind::kPassiveList)));
  EXPECT_EQ(
      pb::LeadStatus_Name(pb::LEAD_STATUS_CLOSED_NOT_REACHED),
      "LEAD_STATUS_" + absl::AsciiStrToUpper(domain::Name(domain::LeadStatus::kClosedNotReached)));
}

// PhoneType is the exception: the API puts UNKNOWN last, the domain first. It must still map by
// meaning, which the API names show.
TEST(Convert, PhoneTypesKeepTheirMeaning) {
  const int count = DomainCount(&domain::ParsePhoneType);
  ASSERT_EQ(count, 5);
  for (int i = 0; i < count; ++i) {
    const auto type = static_cast<domain::PhoneType>(i);
    domain::Lead lead;
    lead.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                   .raw_value = "06 12345678",
                                   .normalized_value = "+31612345678",
                                   .phone_type = type,
                                   .usable = true,
                                   .preferred = false,
                                   .preferred_times = ""});
    pb::Lead out;
    ToProto(lead, &out);
    ASSERT_EQ(out.contact_routes_size(), 1);
    EXPECT_EQ(pb::PhoneType_Name(out.contact_routes(0).phone_type()),
              "PHONE_TYPE_" + absl::AsciiStrToUpper(domain::Name(type)));
  }
}

// ---- Timestamps ----

absl::Time RoundTrip(absl::Time t, google::protobuf::Timestamp* proto) {
  ToProto(t, proto);
  const std::optional<absl::Time> back = FromProto(*proto);
  EXPECT_TRUE(back.has_value());
  return back.value_or(absl::InfinitePast());
}

TEST(Convert, TimestampsRoundTripWithSubSecondPrecision) {
  google::protobuf::Timestamp proto;
  const absl::Time t = absl::FromUnixNanos(1'767'225'600'123'456'789);
  EXPECT_EQ(RoundTrip(t, &proto), t);
  EXPECT_EQ(proto.seconds(), 1'767'225'600);
  EXPECT_EQ(proto.nanos(), 123'456'789);
}

TEST(Convert, TimestampsBefore1970KeepNanosPositive) {
  google::protobuf::Timestamp proto;
  const absl::Time t = absl::FromUnixMillis(-1500);  // 1969-12-31 23:59:58.5 UTC
  EXPECT_EQ(RoundTrip(t, &proto), t);
  EXPECT_EQ(proto.seconds(), -2);
  EXPECT_EQ(proto.nanos(), 500'000'000);

  const absl::Time moon =
      absl::FromCivil(absl::CivilSecond(1969, 7, 20, 20, 17, 40), absl::UTCTimeZone()) +
      absl::Milliseconds(250);
  EXPECT_EQ(RoundTrip(moon, &proto), moon);
  EXPECT_LT(proto.seconds(), 0);
  EXPECT_EQ(proto.nanos(), 250'000'000);
}

TEST(Convert, UnsetTimestampIsNullopt) {
  EXPECT_FALSE(FromProto(google::protobuf::Timestamp()).has_value());
}

// ---- Status ----

TEST(Convert, ToGrpcKeepsCodeAndMessage) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());

  const grpc::Status not_found = ToGrpc(absl::NotFoundError("no campaign 7"));
  EXPECT_EQ(not_found.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(not_found.error_message(), "no campaign 7");

  const grpc::Status invalid = ToGrpc(absl::InvalidArgumentError("campaign.kind: is required"));
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(invalid.error_message(), "campaign.kind: is required");

  for (absl::StatusCode code :
       {absl::StatusCode::kAlreadyExists, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kAborted, absl::StatusCode::kUnavailable,
        absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kResourceExhausted,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnauthenticated,
        absl::StatusCode::kInternal}) {
    const grpc::Status s = ToGrpc(absl::Status(code, "m"));
    EXPECT_EQ(static_cast<int>(s.error_code()), static_cast<int>(code));
    EXPECT_EQ(s.error_message(), "m");
  }
}

// ---- Campaigns ----

TEST(Convert, CampaignWithoutKindIsInvalid) {
  pb::Campaign p;
  p.set_name("Spring");
  p.add_dealer_ids("vandijk");
  EXPECT_THAT(FromProto(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("campaign.kind")));
  p.set_kind(static_cast<pb::CampaignKind>(99));  // a value this build does not know
  EXPECT_THAT(FromProto(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("campaign.kind")));
}

TEST(Convert, CampaignFromProtoReadsFieldsAndDefaultsThePolicy) {
  pb::Campaign p;
  p.set_name("Second voice NL");
  p.set_kind(pb::CAMPAIGN_KIND_SECOND_VOICE);
  p.add_dealer_ids("vandijk");
  p.add_dealer_ids("bdc-nl-2");
  p.set_queue_id("bdc-nl");
  p.set_caller_id("+31201234567");
  p.mutable_cadence()->set_min_call_attempts(5);
  p.mutable_cadence()->set_max_attempts_per_day(3);
  SV_ASSERT_OK_AND_ASSIGN(domain::Campaign c, FromProto(p));
  EXPECT_EQ(c.name, "Second voice NL");
  EXPECT_EQ(c.kind, domain::CampaignKind::kSecondVoice);
  EXPECT_THAT(c.dealer_ids, ElementsAre("vandijk", "bdc-nl-2"));
  EXPECT_EQ(c.queue_id, "bdc-nl");
  EXPECT_EQ(c.caller_id, "+31201234567");
  EXPECT_EQ(c.marketing_policy, domain::MarketingPolicy::kOptInOnly);
  EXPECT_EQ(c.cadence.min_call_attempts, 5);
  EXPECT_EQ(c.cadence.max_attempts_per_day, 3);
  EXPECT_EQ(c.cadence.min_spread_days, 0);  // left for NormalizeCampaign to default
  EXPECT_FALSE(c.starts_at.has_value());
  EXPECT_FALSE(c.ends_at.has_value());
}

TEST(Convert, CampaignRoundTrips) {
  domain::Campaign c;
  c.id = 42;
  c.name = "Passive 2026";
  c.kind = domain::CampaignKind::kPassiveList;
  c.state = domain::CampaignState::kPaused;
  c.dealer_ids = {"vandijk"};
  c.queue_id = "bdc-nl";
  c.marketing_policy = domain::MarketingPolicy::kOptInOrExistingCustomer;
  c.existing_customer_months = 24;
  c.cadence = {.min_call_attempts = 4,
               .min_spread_days = 3,
               .max_spread_days = 6,
               .max_call_attempts = 16,
               .min_gap_minutes = 90,
               .max_attempts_per_day = 2};
  c.abandon_cap_percent = 2.5;
  c.caller_id = "+31201234567";
  c.calling_hours = "Mon-Fri 09:00-17:00";
  c.starts_at = absl::FromUnixSeconds(1'780'000'000);
  c.ends_at = absl::FromUnixSeconds(1'790'000'000) + absl::Milliseconds(5);

  pb::Campaign p;
  ToProto(c, &p);
  EXPECT_EQ(p.kind(), pb::CAMPAIGN_KIND_PASSIVE_LIST);
  EXPECT_EQ(p.state(), pb::CAMPAIGN_STATE_PAUSED);
  EXPECT_EQ(p.marketing_policy(), pb::MARKETING_POLICY_OPT_IN_OR_EXISTING_CUSTOMER);

  SV_ASSERT_OK_AND_ASSIGN(domain::Campaign back, FromProto(p));
  EXPECT_EQ(back.id, 42);
  EXPECT_EQ(back.name, c.name);
  EXPECT_EQ(back.kind, c.kind);
  EXPECT_EQ(back.dealer_ids, c.dealer_ids);
  EXPECT_EQ(back.queue_id, c.queue_id);
  EXPECT_EQ(back.marketing_policy, c.marketing_policy);
  EXPECT_EQ(back.existing_customer_months, 24);
  EXPECT_EQ(back.cadence.max_spread_days, 6);
  EXPECT_EQ(back.cadence.max_call_attempts, 16);
  EXPECT_EQ(back.cadence.min_gap_minutes, 90);
  EXPECT_DOUBLE_EQ(back.abandon_cap_percent, 2.5);
  EXPECT_EQ(back.caller_id, c.caller_id);
  EXPECT_EQ(back.calling_hours, c.calling_hours);
  EXPECT_EQ(back.starts_at, c.starts_at);
  EXPECT_EQ(back.ends_at, c.ends_at);
}

TEST(Convert, CampaignStateFromProto) {
  EXPECT_FALSE(FromProto(pb::CAMPAIGN_STATE_UNSPECIFIED).has_value());
  EXPECT_EQ(FromProto(pb::CAMPAIGN_STATE_DRAFT), domain::CampaignState::kDraft);
  EXPECT_EQ(FromProto(pb::CAMPAIGN_STATE_ACTIVE), domain::CampaignState::kActive);
  EXPECT_EQ(FromProto(pb::CAMPAIGN_STATE_PAUSED), domain::CampaignState::kPaused);
  EXPECT_EQ(FromProto(pb::CAMPAIGN_STATE_ENDED), domain::CampaignState::kEnded);
  EXPECT_FALSE(FromProto(static_cast<pb::CampaignState>(5)).has_value());
}

TEST(Convert, QueueDialingModeDefaultsToProgressive) {
  pb::Queue p;
  p.set_id("bdc-nl");
  EXPECT_EQ(FromProto(p).dialing_mode, domain::DialingMode::kProgressive);
  p.set_dialing_mode(pb::DIALING_MODE_PREDICTIVE);
  EXPECT_EQ(FromProto(p).dialing_mode, domain::DialingMode::kPredictive);
  p.set_dialing_mode(pb::DIALING_MODE_PREVIEW);
  EXPECT_EQ(FromProto(p).dialing_mode, domain::DialingMode::kPreview);
}

}  // namespace
}  // namespace secondvoice::scheduler
