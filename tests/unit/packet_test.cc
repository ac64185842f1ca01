// Tests for libs/handover/packet.h: the summary a salesperson reads (every part, in the dealer's
// local time, odd data kept, empty parts left out) and the ADF document read back by adf::Parse.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/adf/adf.h"
#include "libs/domain/types.h"
#include "libs/handover/packet.h"

namespace secondvoice::handover {
namespace {

using domain::AttemptOutcome;
using domain::Channel;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

absl::TimeZone Amsterdam() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &zone));
  return zone;
}

// A UTC instant written out, so that the expected local times below are worked by hand.
absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

std::vector<std::string> Lines(const std::string& text) { return absl::StrSplit(text, '\n'); }

// The line that starts with `prefix`, or "" when there is none.
std::string LineStarting(const std::string& text, absl::string_view prefix) {
  for (const std::string& line : Lines(text)) {
    if (absl::StartsWith(line, prefix)) return line;
  }
  return "";
}

Contact Call(absl::Time at, std::optional<AttemptOutcome> outcome, std::string notes = "") {
  return Contact{.at = at,
                 .channel = Channel::kPhone,
                 .by = "anna",
                 .outcome = outcome,
                 .notes = std::move(notes)};
}

// Jan de Vries, from the "same car for 4 years" list of Van Dijk Utrecht, with an appointment
// for Saturday 28 November 2026 (CET, UTC+1).
Packet JanDeVries() {
  Packet p;
  p.handover_id = 41;
  p.idempotency_key = "handover-41";
  p.dealer_id = "vandijk-utrecht";
  p.dealer_name = "Van Dijk Utrecht";
  p.dealer_time_zone = Amsterdam();
  domain::Lead& l = p.lead;
  l.id = 7;
  l.dealer_id = p.dealer_id;
  l.campaign_id = 3;
  l.origin = domain::LeadOrigin::kListImport;
  l.source = "same-car-4-years.csv";
  l.first_name = "Jan";
  l.last_name = "de Vries";
  l.language = "nl";
  l.accessibility_notes = "deaf: use text";
  l.contact_routes = {
      {.channel = Channel::kEmail,
       .raw_value = "jan@example.nl",
       .normalized_value = "jan@example.nl",
       .usable = true},
      {.channel = Channel::kSms,
       .raw_value = "06 1234 5678",
       .normalized_value = "+31612345678",
       .phone_type = domain::PhoneType::kMobile,
       .usable = true,
       .preferred = true,
       .preferred_times = "evenings only"},
      // Odd data: shown and sent all the same.
      {.channel = Channel::kPhone,
       .raw_value = "0000000000",
       .phone_type = domain::PhoneType::kUnknown,
       .usable = false},
  };
  l.vehicles = {
      {.role = domain::VehicleRole::kInterest,
       .year = 2024,
       .make = "Kia",
       .model = "Niro EV",
       .price_cents = 3899500},
      {.role = domain::VehicleRole::kTradeIn,
       .used = true,
       .year = 2016,
       .make = "VW",
       .model = "Golf",
       .vin = "WVWZZZAUZGW000001",
       .odometer_km = 120000},
  };
  p.list_name = "same-car-4-years.csv";
  p.reason = "has driven the same car for 4 years";
  p.history = {
      Call(Utc(2026, 11, 23, 9, 2), AttemptOutcome::kNoAnswer),
      Call(Utc(2026, 11, 24, 13, 30), AttemptOutcome::kAppointmentSet, "texted, then called"),
  };
  p.statements = {.needs = "a quiet electric car for commuting",
                  .financing = "private lease, about 450 a month",
                  .timeframe = "before the summer",
                  .other = "wife decides on the colour"};
  p.appointment = {.at = Utc(2026, 11, 28, 9, 30),
                   .location = "Van Dijk Utrecht",
                   .with_whom = "Piet Bakker",
                   .expectations = {Expectation::kTestDrive, Expectation::kTradeInAppraisal},
                   .expectations_text = "wants the price in writing"};
  p.bdc_agent = "anna";
  p.bdc_agent_name = "Anna Jansen";
  p.created_at = Utc(2026, 11, 24, 13, 35);  // 14:35 in Utrecht
  return p;
}

TEST(ExpectationTest, NamesRoundTrip) {
  for (Expectation e : {Expectation::kTestDrive, Expectation::kProposal,
                        Expectation::kTradeInAppraisal, Expectation::kOther}) {
    EXPECT_EQ(ParseExpectation(Name(e)), e) << Name(e);
  }
  EXPECT_EQ(Name(Expectation::kTestDrive), "test_drive");
  EXPECT_EQ(Name(Expectation::kTradeInAppraisal), "trade_in_appraisal");
  EXPECT_EQ(ParseExpectation("test drive"), std::nullopt);
  EXPECT_EQ(ParseExpectation(""), std::nullopt);
}

TEST(OutcomeTextTest, HumanWords) {
  const absl::Time t = Utc(2026, 11, 23, 9, 0);
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kNoAnswer)), "no answer");
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kDialogueNoAppointment)), "talked, no appointment");
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kAppointmentSet, "notes aside")),
            "appointment set");
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kObjection)), "objected (do not contact)");
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kAbandoned)), "abandoned (no agent in 2 s)");
  EXPECT_EQ(OutcomeText(Call(t, AttemptOutcome::kEmailSent)), "e-mail sent");
  EXPECT_EQ(OutcomeText(Call(t, std::nullopt, "visited the showroom")), "visited the showroom");
  EXPECT_EQ(OutcomeText(Call(t, std::nullopt)), "contact");
}

TEST(OutcomeTextTest, EveryOutcomeHasItsOwnWordsNoEnumNames) {
  std::vector<std::string> seen;
  for (int i = 0; i <= static_cast<int>(AttemptOutcome::kFailed); ++i) {
    const auto outcome = static_cast<AttemptOutcome>(i);
    const std::string text = OutcomeText(Call(absl::UnixEpoch(), outcome));
    EXPECT_THAT(text, Not(IsEmpty()));
    EXPECT_THAT(text, Not(HasSubstr("_"))) << domain::Name(outcome);
    EXPECT_NE(text, "contact") << domain::Name(outcome);
    EXPECT_THAT(seen, Not(Contains(text)));
    seen.push_back(text);
  }
}

TEST(SummaryTest, WholePacketLineByLine) {
  const std::string summary = Summary(JanDeVries());
  EXPECT_THAT(
      Lines(summary),
      ElementsAre(
          "Jan de Vries (nl) - deaf: use text",
          "Reach: SMS +31612345678 (preferred, evenings only); e-mail jan@example.nl; "
          "phone 0000000000 (cannot be dialled as written)",
          "Appointment: Sat 28 Nov 2026 10:30 at Van Dijk Utrecht with Piet Bakker - test drive, "
          "trade-in appraisal: \"wants the price in writing\"",
          "Wants: needs a quiet electric car for commuting; vehicle of interest 2024 Kia Niro EV, "
          "price 38,995; trade-in 2016 VW Golf 120,000 km; financing private lease, about 450 a "
          "month; timeframe before the summer; also said: wife decides on the colour",
          "Came from: list \"same-car-4-years.csv\" (campaign 3): has driven the same car for 4 "
          "years",
          "Contacts (2):", "  23 Nov 10:02 phone by anna: no answer",
          "  24 Nov 14:30 phone by anna: appointment set - texted, then called",
          "BDC agent: Anna Jansen (anna)"));
  EXPECT_THAT(summary, Not(HasSubstr("unknown")));
}

TEST(SummaryTest, PreferredRouteComesFirstWhateverItsPlace) {
  Packet p = JanDeVries();
  p.lead.contact_routes[1].preferred = false;
  p.lead.contact_routes[0].preferred = true;
  p.lead.contact_routes[0].preferred_times = "any time";
  EXPECT_EQ(LineStarting(Summary(p), "Reach:"),
            "Reach: e-mail jan@example.nl (preferred, any time); SMS +31612345678 (evenings "
            "only); phone 0000000000 (cannot be dialled as written)");
}

TEST(SummaryTest, LeadPreferredChannelStandsInWhenNoRouteIsFlagged) {
  Packet p = JanDeVries();
  p.lead.contact_routes[1].preferred = false;
  p.lead.preferred_channel = Channel::kEmail;
  EXPECT_THAT(LineStarting(Summary(p), "Reach:"),
              StartsWith("Reach: e-mail jan@example.nl (preferred); SMS +31612345678"));
}

TEST(SummaryTest, UnusableRouteIsShownAsWrittenNotDropped) {
  Packet p = JanDeVries();
  p.lead.contact_routes = {{.channel = Channel::kPhone, .raw_value = "0000000000"},
                           {.channel = Channel::kEmail, .raw_value = "jan at home"}};
  EXPECT_EQ(LineStarting(Summary(p), "Reach:"),
            "Reach: phone 0000000000 (cannot be dialled as written); e-mail jan at home (cannot "
            "be used as written)");
}

TEST(SummaryTest, MobileNumberSaysMobile) {
  Packet p = JanDeVries();
  p.lead.contact_routes = {{.channel = Channel::kPhone,
                            .raw_value = "0612345678",
                            .normalized_value = "+31612345678",
                            .phone_type = domain::PhoneType::kMobile,
                            .usable = true}};
  EXPECT_EQ(LineStarting(Summary(p), "Reach:"), "Reach: mobile +31612345678");
}

TEST(SummaryTest, AppointmentInDealerTimeAcrossDstChange) {
  // Summer time starts in Amsterdam on Sunday 29 March 2026: Friday before at UTC+1, Monday
  // after at UTC+2. A fixed offset taken from either day would get the other one wrong.
  Packet p = JanDeVries();
  p.created_at = Utc(2026, 3, 27, 15, 0);
  p.appointment.at = Utc(2026, 3, 30, 8, 30);
  EXPECT_THAT(LineStarting(Summary(p), "Appointment:"),
              StartsWith("Appointment: Mon 30 Mar 2026 10:30 at Van Dijk Utrecht"));
  p.appointment.at = Utc(2026, 3, 27, 9, 30);
  EXPECT_THAT(LineStarting(Summary(p), "Appointment:"),
              StartsWith("Appointment: Fri 27 Mar 2026 10:30 at"));
  // And back to winter time on Sunday 25 October 2026.
  p.appointment.at = Utc(2026, 10, 26, 9, 30);
  EXPECT_THAT(LineStarting(Summary(p), "Appointment:"),
              StartsWith("Appointment: Mon 26 Oct 2026 10:30 at"));
}

TEST(SummaryTest, EveryExpectationInWords) {
  Packet p = JanDeVries();
  p.appointment.expectations = {Expectation::kTestDrive, Expectation::kProposal,
                                Expectation::kTradeInAppraisal, Expectation::kOther};
  p.appointment.expectations_text = "";
  EXPECT_EQ(LineStarting(Summary(p), "Appointment:"),
            "Appointment: Sat 28 Nov 2026 10:30 at Van Dijk Utrecht with Piet Bakker - test drive, "
            "proposal, trade-in appraisal, other");
}

TEST(SummaryTest, AppointmentWithoutTimeKeepsWhatIsKnown) {
  Packet p = JanDeVries();
  p.appointment = {.expectations = {Expectation::kProposal}, .expectations_text = "by e-mail"};
  EXPECT_EQ(LineStarting(Summary(p), "Appointment:"), "Appointment: proposal: \"by e-mail\"");
}

TEST(SummaryTest, CrmOriginWithLeadSalespersonAndReason) {
  Packet p = JanDeVries();
  p.lead.origin = domain::LeadOrigin::kCrmUnsold;
  p.lead.campaign_id = 0;
  p.lead.crm_lead_id = "CRM-881";
  p.lead.salesperson = "Piet Bakker";
  p.lead.originated_at = Utc(2026, 9, 30, 23, 30);  // already 1 October in Utrecht
  p.list_name = "";
  p.reason = "unsold: monthly payment too high";
  EXPECT_EQ(LineStarting(Summary(p), "Came from:"),
            "Came from: CRM follow-up unsold (CRM lead CRM-881, salesperson Piet Bakker, dated 1 "
            "Oct 2026): unsold: monthly payment too high");
}

TEST(SummaryTest, CurrentCarIsTold) {
  Packet p = JanDeVries();
  p.lead.vehicles.push_back({.role = domain::VehicleRole::kCurrent,
                             .year = 2019,
                             .make = "Kia",
                             .model = "e-Niro",
                             .odometer_km = 64000});
  EXPECT_THAT(LineStarting(Summary(p), "Wants:"),
              HasSubstr("; drives now 2019 Kia e-Niro 64,000 km; financing"));
}

TEST(SummaryTest, ManyContactsShowTheLastSixAndCountTheRest) {
  Packet p = JanDeVries();
  p.history.clear();
  for (int i = 0; i < 9; ++i) {
    p.history.push_back(Call(Utc(2026, 11, 10 + i, 9, i), AttemptOutcome::kNoAnswer));
  }
  p.history.back() = Call(Utc(2026, 11, 19, 15, 45), std::nullopt, "came by the showroom");
  p.history.back().by = "";
  const std::vector<std::string> lines = Lines(Summary(p));
  const auto header = std::find(lines.begin(), lines.end(), "Contacts (9):");
  ASSERT_NE(header, lines.end()) << Summary(p);
  EXPECT_THAT(
      std::vector<std::string>(header + 1, header + 8),
      ElementsAre(
          "  3 earlier contacts not shown", "  13 Nov 10:03 phone by anna: no answer",
          "  14 Nov 10:04 phone by anna: no answer", "  15 Nov 10:05 phone by anna: no answer",
          "  16 Nov 10:06 phone by anna: no answer", "  17 Nov 10:07 phone by anna: no answer",
          "  19 Nov 16:45 phone: came by the showroom"));
  EXPECT_THAT(Summary(p), Not(HasSubstr("12 Nov")));
}

TEST(SummaryTest, SixContactsAreAllShown) {
  Packet p = JanDeVries();
  p.history.clear();
  for (int i = 0; i < 6; ++i) {
    p.history.push_back(Call(Utc(2026, 11, 10 + i, 9, 0), AttemptOutcome::kBusy));
  }
  const std::string summary = Summary(p);
  EXPECT_THAT(summary, HasSubstr("Contacts (6):\n  10 Nov 10:00 phone by anna: busy\n"));
  EXPECT_THAT(summary, Not(HasSubstr("earlier")));
}

TEST(SummaryTest, ContactFromAnotherYearSaysTheYear) {
  Packet p = JanDeVries();
  p.history.insert(p.history.begin(), Call(Utc(2025, 12, 30, 10, 0), std::nullopt, "bought tyres"));
  EXPECT_THAT(Summary(p), HasSubstr("\n  30 Dec 2025 11:00 phone by anna: bought tyres\n"));
}

TEST(SummaryTest, EmptySectionsAreLeftOut) {
  Packet p;
  p.dealer_time_zone = Amsterdam();
  p.lead.first_name = "Jan";
  p.lead.origin = domain::LeadOrigin::kCrmUnreached;
  const std::string summary = Summary(p);
  EXPECT_THAT(Lines(summary), ElementsAre("Jan", "Came from: CRM follow-up not reached"));
  EXPECT_THAT(summary, Not(HasSubstr("unknown")));
}

TEST(SummaryTest, FreeTextStaysOnItsLine) {
  Packet p = JanDeVries();
  p.statements = {.needs = "room for\ntwo dogs"};
  p.history = {Call(Utc(2026, 11, 23, 9, 2), AttemptOutcome::kCallbackRequested, "after\r\n6pm")};
  const std::string summary = Summary(p);
  EXPECT_THAT(summary, HasSubstr("Wants: needs room for two dogs; vehicle"));
  EXPECT_THAT(summary, HasSubstr("  23 Nov 10:02 phone by anna: callback requested - after 6pm\n"));
}

adf::Prospect ParseBack(const Packet& p) {
  const std::string xml = Adf(p);
  absl::StatusOr<adf::Prospect> parsed = adf::Parse(xml);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << xml;
  return parsed.ok() ? *std::move(parsed) : adf::Prospect{};
}

TEST(AdfTest, CarriesThePacket) {
  Packet p = JanDeVries();
  p.lead.crm_lead_id = "CRM-881";
  p.lead.vehicles.push_back({.role = domain::VehicleRole::kCurrent, .make = "Kia"});
  const adf::Prospect got = ParseBack(p);
  EXPECT_EQ(got.status, "new");
  EXPECT_THAT(got.ids, ElementsAre(Pair("secondvoice", "handover-41"), Pair("crm", "CRM-881")));
  ASSERT_TRUE(got.request_date.has_value());
  EXPECT_EQ(got.request_date->local, absl::CivilSecond(2026, 11, 24, 14, 35, 0));
  EXPECT_EQ(got.request_date->utc_offset_minutes, 60);
  EXPECT_EQ(got.customer.first_name, "Jan");
  EXPECT_EQ(got.customer.last_name, "de Vries");
  EXPECT_THAT(got.customer.emails, ElementsAre("jan@example.nl"));
  EXPECT_THAT(
      got.customer.phones,
      ElementsAre(adf::Phone{.number = "+31612345678", .type = "cellphone", .preferred = true},
                  adf::Phone{.number = "0000000000", .type = "voice"}));
  EXPECT_EQ(got.customer.preferred_contact, "phone");
  // The current car is in the comments, not a <vehicle>: see ToAdf in packet.cc.
  ASSERT_EQ(got.vehicles.size(), 2u);
  EXPECT_EQ(got.vehicles[0].interest, "buy");
  EXPECT_EQ(got.vehicles[0].status, "new");
  EXPECT_EQ(got.vehicles[0].year, 2024);
  EXPECT_EQ(got.vehicles[0].make, "Kia");
  EXPECT_EQ(got.vehicles[0].model, "Niro EV");
  EXPECT_EQ(got.vehicles[0].price_cents, 3899500);
  EXPECT_EQ(got.vehicles[1].interest, "trade-in");
  EXPECT_EQ(got.vehicles[1].status, "used");
  EXPECT_EQ(got.vehicles[1].vin, "WVWZZZAUZGW000001");
  EXPECT_EQ(got.vehicles[1].odometer, 120000);
  EXPECT_EQ(got.vehicles[1].odometer_units, "km");
  EXPECT_EQ(got.timeframe_description, "before the summer");
  EXPECT_EQ(got.customer_comments, Summary(p));
  EXPECT_EQ(got.vendor_name, "Van Dijk Utrecht");
  EXPECT_EQ(got.provider_name, "secondvoice");
}

TEST(AdfTest, WithoutCrmLeadOnlyOurId) {
  EXPECT_THAT(ParseBack(JanDeVries()).ids, ElementsAre(Pair("secondvoice", "handover-41")));
}

TEST(AdfTest, RequestDateOffsetFollowsSummerTime) {
  Packet p = JanDeVries();
  p.created_at = Utc(2026, 3, 30, 7, 15);
  const adf::Prospect got = ParseBack(p);
  ASSERT_TRUE(got.request_date.has_value());
  EXPECT_EQ(got.request_date->local, absl::CivilSecond(2026, 3, 30, 9, 15, 0));
  EXPECT_EQ(got.request_date->utc_offset_minutes, 120);
  EXPECT_THAT(Adf(p), HasSubstr("<requestdate>2026-03-30T09:15:00+02:00</requestdate>"));
}

TEST(AdfTest, PreferredEmailIsFlaggedFirst) {
  Packet p = JanDeVries();
  p.lead.contact_routes[1].preferred = false;
  p.lead.contact_routes.push_back({.channel = Channel::kEmail,
                                   .raw_value = "werk@example.nl",
                                   .normalized_value = "werk@example.nl",
                                   .usable = true,
                                   .preferred = true});
  const adf::Prospect got = ParseBack(p);
  EXPECT_THAT(got.customer.emails, ElementsAre("werk@example.nl", "jan@example.nl"));
  EXPECT_EQ(got.customer.preferred_contact, "email");
  for (const adf::Phone& phone : got.customer.phones) EXPECT_FALSE(phone.preferred);
}

TEST(AdfTest, OneNumberForCallsAndSmsIsOnePhone) {
  Packet p = JanDeVries();
  p.lead.contact_routes = {
      {.channel = Channel::kPhone,
       .raw_value = "0612345678",
       .normalized_value = "+31612345678",
       .phone_type = domain::PhoneType::kFixedLineOrMobile,
       .usable = true},
      {.channel = Channel::kSms,
       .raw_value = "0612345678",
       .normalized_value = "+31612345678",
       .usable = true,
       .preferred = true},
      {.channel = Channel::kChat, .raw_value = "whatsapp:jan", .usable = true}};
  EXPECT_THAT(
      ParseBack(p).customer.phones,
      ElementsAre(adf::Phone{.number = "+31612345678", .type = "cellphone", .preferred = true}));
}

TEST(AdfTest, SpecialCharactersSurvive) {
  Packet p = JanDeVries();
  p.lead.first_name = "J\xC3\xBCrgen";                            // Jürgen
  p.lead.last_name = "M\xC3\xBCller & <S\xC3\xB6hne> \"Q\" 'x'";  // Müller & <Söhne> "Q" 'x'
  p.dealer_name = "Van Dijk & Zn <Utrecht> \"Centrum\"";
  p.statements.timeframe = "<3 maanden & \"snel\"";
  p.lead.vehicles[0].comments = "kleur: wei\xC3\x9F & ]]> <!-- -->";
  const adf::Prospect got = ParseBack(p);
  EXPECT_EQ(got.customer.first_name, p.lead.first_name);
  EXPECT_EQ(got.customer.last_name, p.lead.last_name);
  EXPECT_EQ(got.vendor_name, p.dealer_name);
  EXPECT_EQ(got.timeframe_description, p.statements.timeframe);
  ASSERT_FALSE(got.vehicles.empty());
  EXPECT_EQ(got.vehicles[0].comments, p.lead.vehicles[0].comments);
  EXPECT_EQ(got.customer_comments, Summary(p));
  EXPECT_THAT(got.customer_comments,
              StartsWith("J\xC3\xBCrgen M\xC3\xBCller & <S\xC3\xB6hne> \"Q\" 'x' (nl)"));
}

TEST(AdfTest, UnusableNumberIsStillSent) {
  Packet p = JanDeVries();
  p.lead.contact_routes = {{.channel = Channel::kPhone, .raw_value = "0000000000"}};
  const adf::Prospect got = ParseBack(p);
  EXPECT_THAT(got.customer.phones, ElementsAre(Field(&adf::Phone::number, "0000000000")));
  EXPECT_THAT(got.customer_comments, HasSubstr("phone 0000000000 (cannot be dialled as written)"));
}

}  // namespace
}  // namespace secondvoice::handover
