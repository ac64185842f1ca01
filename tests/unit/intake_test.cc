// Tests for libs/intake: header recognition (columns.h), row normalisation, lawful basis and date
// parsing (row.h), and the identity index (identity_index.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/domain/types.h"
#include "libs/intake/columns.h"
#include "libs/intake/identity_index.h"
#include "libs/intake/row.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::intake {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::UnorderedElementsAre;

using domain::Channel;
using domain::ConsentBasis;
using domain::MarketingPolicy;
using domain::PhoneType;

using Fields = std::vector<std::optional<Field>>;

absl::TimeZone Amsterdam() {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Amsterdam", &tz)) << "no tzdata for Europe/Amsterdam";
  return tz;
}

absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), Amsterdam());
}

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// ---------------------------------------------------------------------------------------------
// MapColumns, FieldName, FieldFromName

const Field kAllFields[] = {
    Field::kDealerId,       Field::kCustomerId,
    Field::kFirstName,      Field::kLastName,
    Field::kFullName,       Field::kLanguage,
    Field::kPhone,          Field::kMobile,
    Field::kEmail,          Field::kPreferredChannel,
    Field::kVehicleMake,    Field::kVehicleModel,
    Field::kVehicleYear,    Field::kVehicleVin,
    Field::kVehicleUsed,    Field::kPurchaseDate,
    Field::kConsentBasis,   Field::kConsentSource,
    Field::kConsentGivenAt, Field::kRelationshipLastAt,
    Field::kNotes,
};

TEST(FieldName, DocumentedNames) {
  EXPECT_EQ(FieldName(Field::kPhone), "phone");
  EXPECT_EQ(FieldName(Field::kConsentGivenAt), "consent_given_at");
}

TEST(FieldName, EveryFieldHasADistinctNameThatParsesBack) {
  std::vector<std::string> seen;
  for (Field f : kAllFields) {
    const std::string name(FieldName(f));
    EXPECT_NE(name, "unknown");
    EXPECT_THAT(seen, Not(Contains(name)));
    seen.push_back(name);
    EXPECT_THAT(FieldFromName(name), Optional(f)) << name;
  }
}

TEST(FieldFromName, UnknownNames) {
  EXPECT_EQ(FieldFromName("telephone"), std::nullopt);
  EXPECT_EQ(FieldFromName(""), std::nullopt);
  EXPECT_EQ(FieldFromName("Phone"), std::nullopt);  // field names are exact, lower_snake
}

TEST(MapColumns, DutchHeaders) {
  const std::vector<std::string> header = {"Voornaam",
                                           "Achternaam",
                                           "Telefoon",
                                           "Mobiel",
                                           "E-mail",
                                           "Klantnummer",
                                           "Merk",
                                           "Model",
                                           "Bouwjaar",
                                           "Aankoopdatum",
                                           "Toestemming",
                                           "Datum toestemming",
                                           "Laatste onderhoud",
                                           "Vestiging",
                                           "Opmerkingen"};
  SV_ASSERT_OK_AND_ASSIGN(const ColumnMap map, MapColumns(header, {}));
  EXPECT_EQ(map.headers, header);
  EXPECT_THAT(map.fields,
              ElementsAre(Field::kFirstName, Field::kLastName, Field::kPhone, Field::kMobile,
                          Field::kEmail, Field::kCustomerId, Field::kVehicleMake,
                          Field::kVehicleModel, Field::kVehicleYear, Field::kPurchaseDate,
                          Field::kConsentBasis, Field::kConsentGivenAt, Field::kRelationshipLastAt,
                          Field::kDealerId, Field::kNotes));
}

TEST(MapColumns, EnglishHeaders) {
  const std::vector<std::string> header = {
      "First name",   "Last name",  "Phone",  "Mobile", "Email",         "Customer ID",
      "Make",         "Model",      "Year",   "VIN",    "Purchase date", "Consent",
      "Consent date", "Last visit", "Dealer", "Notes",  "Language"};
  SV_ASSERT_OK_AND_ASSIGN(const ColumnMap map, MapColumns(header, {}));
  EXPECT_THAT(
      map.fields,
      ElementsAre(Field::kFirstName, Field::kLastName, Field::kPhone, Field::kMobile, Field::kEmail,
                  Field::kCustomerId, Field::kVehicleMake, Field::kVehicleModel,
                  Field::kVehicleYear, Field::kVehicleVin, Field::kPurchaseDate,
                  Field::kConsentBasis, Field::kConsentGivenAt, Field::kRelationshipLastAt,
                  Field::kDealerId, Field::kNotes, Field::kLanguage));
}

TEST(MapColumns, CaseSpacesDotsDashesAndUnderscoresDoNotMatter) {
  // "E-mail adres", "e_mail" and "EMAIL" are one name (columns.cc).
  const std::vector<std::string> header = {
      "  VOORNAAM ", "achter_naam", "E-mail adres",  "e_mail",      "EMAIL",           "Klant-nr.",
      "Tel.",        "first.name",  "MOBIEL NUMMER", "Customer-Id", "Telefoon\tnummer"};
  SV_ASSERT_OK_AND_ASSIGN(const ColumnMap map, MapColumns(header, {}));
  EXPECT_THAT(map.fields,
              ElementsAre(Field::kFirstName, Field::kLastName, Field::kEmail, Field::kEmail,
                          Field::kEmail, Field::kCustomerId, Field::kPhone, Field::kFirstName,
                          Field::kMobile, Field::kCustomerId, Field::kPhone));
  // The header is kept as written, for notes and messages.
  EXPECT_EQ(map.headers, header);
}

TEST(MapColumns, FieldNamesThemselvesAreRecognised) {
  for (Field f : kAllFields) {
    const std::string name(FieldName(f));
    SV_ASSERT_OK_AND_ASSIGN(const ColumnMap map, MapColumns({name}, {}));
    EXPECT_THAT(map.fields, ElementsAre(f)) << name;
  }
}

TEST(MapColumns, UnknownColumnsAreNullopt) {
  SV_ASSERT_OK_AND_ASSIGN(const ColumnMap map,
                          MapColumns({"Kleur", "Voornaam", "Favoriete band", ""}, {}));
  EXPECT_THAT(map.fields, ElementsAre(std::nullopt, Field::kFirstName, std::nullopt, std::nullopt));
  EXPECT_THAT(map.headers, ElementsAre("Kleur", "Voornaam", "Favoriete band", ""));
}

TEST(MapColumns, ExplicitMappingWinsOverRecognition) {
  const std::map<std::string, std::string> mapping = {
      {"Telefoon", "mobile"},  // recognised as phone, mapped to mobile
      {"Nummer", "phone"},     // not recognised at all
      {"Opmerking", ""},       // recognised as notes, mapped to nothing
  };
  SV_ASSERT_OK_AND_ASSIGN(
      const ColumnMap map,
      MapColumns({"Voornaam", "Telefoon", "Nummer", "Opmerking", "Kleur"}, mapping));
  EXPECT_THAT(map.fields, ElementsAre(Field::kFirstName, Field::kMobile, Field::kPhone,
                                      std::nullopt, std::nullopt));
}

TEST(MapColumns, ExplicitMappingOfAnUnknownColumnIsAnError) {
  EXPECT_THAT(MapColumns({"Voornaam", "Telefoon"}, {{"Telefon", "phone"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Telefon")));
}

TEST(MapColumns, ExplicitMappingToAnUnknownFieldIsAnError) {
  EXPECT_THAT(MapColumns({"Voornaam", "Telefoon"}, {{"Telefoon", "telephone_number"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("telephone_number")));
}

TEST(MapColumns, NoRecognisedColumnIsAnError) {
  EXPECT_THAT(MapColumns({"Kleur", "Favoriete band"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A data line where the header should be.
  EXPECT_THAT(MapColumns({"Jan", "de Vries", "06 12345678", "jan@example.nl"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MapColumns({}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  // Mapping the only recognised column to nothing leaves none.
  EXPECT_THAT(MapColumns({"Voornaam", "Kleur"}, {{"Voornaam", ""}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// NormalizeRow

RowContext Context() {
  RowContext ctx;
  ctx.campaign_id = 42;
  ctx.dealer_countries = {{"d-ams", "NL"}, {"d-ant", "BE"}};
  ctx.default_dealer = "d-ams";
  ctx.time_zone = Amsterdam();
  ctx.now = Local(2026, 6, 15, 10, 0);
  ctx.policy = MarketingPolicy::kOptInOnly;
  ctx.existing_customer_months = 36;
  ctx.source = "winteractie-2026.csv";
  return ctx;
}

absl::StatusOr<Row> Normalize(const std::vector<std::string>& header,
                              const std::vector<std::string>& fields,
                              const RowContext& ctx = Context(), int64_t line = 2) {
  absl::StatusOr<ColumnMap> map = MapColumns(header, {});
  if (!map.ok()) return map.status();
  return NormalizeRow(line, fields, *map, ctx);
}

std::vector<domain::ContactRoute> RoutesOf(const Row& row, Channel channel) {
  std::vector<domain::ContactRoute> out;
  for (const domain::ContactRoute& r : row.lead.contact_routes) {
    if (r.channel == channel) out.push_back(r);
  }
  return out;
}

TEST(NormalizeRow, DutchMobileBecomesE164) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Voornaam", "Achternaam", "Mobiel"},
                                    {"Eva", "de Vries", "06 12345678"}, Context(), 7));
  EXPECT_EQ(row.line, 7);
  EXPECT_EQ(row.lead.first_name, "Eva");
  EXPECT_EQ(row.lead.last_name, "de Vries");
  EXPECT_EQ(row.lead.dealer_id, "d-ams");
  EXPECT_EQ(row.lead.campaign_id, 42);
  EXPECT_EQ(row.lead.source, "winteractie-2026.csv");
  EXPECT_EQ(row.lead.kind, domain::LeadKind::kPassive);
  EXPECT_EQ(row.lead.origin, domain::LeadOrigin::kListImport);
  ASSERT_EQ(row.lead.contact_routes.size(), 1u);
  const domain::ContactRoute& r = row.lead.contact_routes[0];
  EXPECT_EQ(r.channel, Channel::kPhone);
  EXPECT_EQ(r.raw_value, "06 12345678");
  EXPECT_EQ(r.normalized_value, "+31612345678");
  EXPECT_EQ(r.phone_type, PhoneType::kMobile);
  EXPECT_TRUE(r.usable);
  EXPECT_TRUE(row.has_usable_route);
  EXPECT_THAT(row.keys, ElementsAre("p:+31612345678"));
}

TEST(NormalizeRow, DutchFixedLine) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Voornaam", "Telefoon"}, {"Jan", "020 1234567"}));
  ASSERT_EQ(row.lead.contact_routes.size(), 1u);
  const domain::ContactRoute& r = row.lead.contact_routes[0];
  EXPECT_EQ(r.raw_value, "020 1234567");
  EXPECT_EQ(r.normalized_value, "+31201234567");
  EXPECT_EQ(r.phone_type, PhoneType::kFixedLine);
  EXPECT_TRUE(r.usable);
  EXPECT_THAT(row.keys, ElementsAre("p:+31201234567"));
}

TEST(NormalizeRow, SpellingsOfOneNumberGiveOneKey) {
  for (const char* raw : {"06-12345678", "+31 6 1234 5678", "0031612345678", "(06) 123 456 78"}) {
    SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Voornaam", "Mobiel"}, {"Eva", raw}));
    EXPECT_THAT(row.keys, ElementsAre("p:+31612345678")) << raw;
    ASSERT_EQ(row.lead.contact_routes.size(), 1u);
    EXPECT_EQ(row.lead.contact_routes[0].raw_value, raw);
  }
}

TEST(NormalizeRow, BelgianDealerReadsNationalNumbersAsBelgian) {
  RowContext ctx = Context();
  ctx.default_dealer = "d-ant";
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Voornaam", "GSM", "Telefoon"},
                                    {"Lotte", "0470 12 34 56", "+31 20 123 4567"}, ctx));
  EXPECT_EQ(row.lead.dealer_id, "d-ant");
  ASSERT_EQ(row.lead.contact_routes.size(), 2u);
  EXPECT_EQ(row.lead.contact_routes[0].normalized_value, "+32470123456");
  EXPECT_EQ(row.lead.contact_routes[0].phone_type, PhoneType::kMobile);
  // A number with its country code stays in that country.
  EXPECT_EQ(row.lead.contact_routes[1].normalized_value, "+31201234567");
  EXPECT_THAT(row.keys, UnorderedElementsAre("p:+32470123456", "p:+31201234567"));

  // The Dutch mobile spelling means something else (or nothing) in Belgium.
  SV_ASSERT_OK_AND_ASSIGN(const Row dutch, Normalize({"Mobiel"}, {"06 12345678"}, ctx));
  ASSERT_EQ(dutch.lead.contact_routes.size(), 1u);
  EXPECT_NE(dutch.lead.contact_routes[0].normalized_value, "+31612345678");
  EXPECT_THAT(dutch.keys, Not(Contains("p:+31612345678")));
}

TEST(NormalizeRow, PlaceholderNumbersAreKeptRawAndUnusable) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Voornaam", "Telefoon", "Mobiel"},
                                                   {"Piet", "0000000000", "123456789"}));
  const std::vector<domain::ContactRoute> phones = RoutesOf(row, Channel::kPhone);
  ASSERT_EQ(phones.size(), 2u);
  EXPECT_EQ(phones[0].raw_value, "0000000000");
  EXPECT_EQ(phones[1].raw_value, "123456789");
  for (const domain::ContactRoute& r : phones) {
    EXPECT_FALSE(r.usable) << r.raw_value;
    EXPECT_EQ(r.normalized_value, "") << r.raw_value;
    EXPECT_FALSE(r.preferred) << r.raw_value;
  }
  // From a mobile column, but not readable: nothing is known about its type.
  EXPECT_EQ(phones[1].phone_type, PhoneType::kUnknown);
  EXPECT_FALSE(row.has_usable_route);
  // Two rows with "0000000000" are not the same person: placeholders give no key.
  EXPECT_THAT(row.keys, IsEmpty());
  EXPECT_EQ(row.lead.first_name, "Piet");
}

TEST(NormalizeRow, OddEmailIsKeptButUnusable) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Voornaam", "Mobiel", "E-mail"},
                                                   {"Dora", "06 12345678", "dora@@example"}));
  const std::vector<domain::ContactRoute> mails = RoutesOf(row, Channel::kEmail);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].raw_value, "dora@@example");
  EXPECT_FALSE(mails[0].usable);
  EXPECT_EQ(mails[0].normalized_value, "");
  EXPECT_TRUE(row.has_usable_route);  // the phone is
  EXPECT_THAT(row.keys, ElementsAre("p:+31612345678"));
}

TEST(NormalizeRow, EmailIsLowerCasedForTheKey) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Row row, Normalize({"Voornaam", "E-mailadres"}, {"Eva", "Eva.De.Vries@Example.NL"}));
  const std::vector<domain::ContactRoute> mails = RoutesOf(row, Channel::kEmail);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].raw_value, "Eva.De.Vries@Example.NL");
  EXPECT_EQ(mails[0].normalized_value, "eva.de.vries@example.nl");
  EXPECT_TRUE(mails[0].usable);
  EXPECT_TRUE(row.has_usable_route);
  EXPECT_THAT(row.keys, ElementsAre("e:eva.de.vries@example.nl"));
}

TEST(NormalizeEmail, TrimsLowerCasesAndRejectsWhatMailCannotReach) {
  EXPECT_EQ(NormalizeEmail("  Jan@Example.NL "), "jan@example.nl");
  EXPECT_EQ(NormalizeEmail("j.de.vries+auto@garage-west.co.uk"),
            "j.de.vries+auto@garage-west.co.uk");
  for (const char* bad :
       {"", "jan", "dora@@example", "@example.nl", "jan@", "jan@example", "jan@.nl", "jan@example.",
        "jan de vries@example.nl", "a@example.nl; b@example.nl", "a@b.nl@c.nl"}) {
    EXPECT_EQ(NormalizeEmail(bad), "") << bad;
  }
}

TEST(NormalizeRow, KeysForPhoneEmailAndCustomerId) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Klantnummer", "Voornaam", "Mobiel", "Email"},
                                    {"K-1001", "Eva", "06 12345678", "EVA@example.nl"}));
  EXPECT_EQ(row.lead.customer_id, "K-1001");
  EXPECT_THAT(row.keys, UnorderedElementsAre("p:+31612345678", "e:eva@example.nl", "c:K-1001"));
}

TEST(NormalizeRow, RowWithoutUsableRouteIsStillReturned) {
  SV_ASSERT_OK_AND_ASSIGN(const Row no_routes,
                          Normalize({"Klantnummer", "Voornaam"}, {"K-7", "Karel"}));
  EXPECT_THAT(no_routes.lead.contact_routes, IsEmpty());
  EXPECT_FALSE(no_routes.has_usable_route);
  EXPECT_THAT(no_routes.keys, ElementsAre("c:K-7"));

  SV_ASSERT_OK_AND_ASSIGN(const Row unusable,
                          Normalize({"Voornaam", "Telefoon", "Email"}, {"Karel", "n/a", "geen"}));
  EXPECT_EQ(unusable.lead.contact_routes.size(), 2u);
  EXPECT_FALSE(unusable.has_usable_route);
  EXPECT_THAT(unusable.keys, IsEmpty());
}

TEST(NormalizeRow, DealerColumnPicksTheDealerAndItsCountry) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Dealer", "Voornaam", "Mobiel"},
                                                   {"d-ant", "Lotte", "0470 12 34 56"}));
  EXPECT_EQ(row.lead.dealer_id, "d-ant");
  ASSERT_EQ(row.lead.contact_routes.size(), 1u);
  EXPECT_EQ(row.lead.contact_routes[0].normalized_value, "+32470123456");

  // An empty dealer cell falls back to the default dealer.
  SV_ASSERT_OK_AND_ASSIGN(const Row fallback,
                          Normalize({"Dealer", "Voornaam", "Mobiel"}, {"", "Eva", "06 12345678"}));
  EXPECT_EQ(fallback.lead.dealer_id, "d-ams");
}

TEST(NormalizeRow, DealerOutsideTheCampaignIsRejected) {
  EXPECT_THAT(Normalize({"Dealer", "Voornaam", "Mobiel"}, {"d-rtm", "Eva", "06 12345678"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("d-rtm")));
}

TEST(NormalizeRow, NoDealerWithoutDefaultIsRejected) {
  RowContext ctx = Context();
  ctx.default_dealer = "";
  EXPECT_THAT(Normalize({"Voornaam", "Mobiel"}, {"Eva", "06 12345678"}, ctx),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Normalize({"Dealer", "Voornaam", "Mobiel"}, {" ", "Eva", "06 12345678"}, ctx),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Naming the dealer is then enough.
  EXPECT_THAT(Normalize({"Dealer", "Voornaam", "Mobiel"}, {"d-ams", "Eva", "06 12345678"}, ctx),
              IsOk());
}

TEST(NormalizeRow, MoreFieldsThanTheHeader) {
  // A real value beyond the header is a structurally broken row.
  EXPECT_THAT(Normalize({"Voornaam", "Mobiel"}, {"Eva", "06 12345678", "de Vries"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Empty trailing fields (a stray separator at the end) are harmless.
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Voornaam", "Mobiel"}, {"Eva", "06 12345678", "", "  "}));
  EXPECT_EQ(row.lead.first_name, "Eva");
  EXPECT_THAT(row.keys, ElementsAre("p:+31612345678"));
  // Fewer fields than the header: the missing ones are empty.
  SV_ASSERT_OK_AND_ASSIGN(const Row short_row,
                          Normalize({"Voornaam", "Achternaam", "Mobiel"}, {"Eva"}));
  EXPECT_EQ(short_row.lead.first_name, "Eva");
  EXPECT_THAT(short_row.lead.contact_routes, IsEmpty());
}

TEST(NormalizeRow, Vehicle) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Voornaam", "Merk", "Model", "Bouwjaar", "Chassisnummer"},
                                    {"Eva", "Volkswagen", "Golf", "2019", "WVWZZZ1KZ9W123456"}));
  ASSERT_EQ(row.lead.vehicles.size(), 1u);
  const domain::Vehicle& v = row.lead.vehicles[0];
  EXPECT_EQ(v.make, "Volkswagen");
  EXPECT_EQ(v.model, "Golf");
  EXPECT_EQ(v.year, 2019);
  EXPECT_EQ(v.vin, "WVWZZZ1KZ9W123456");

  SV_ASSERT_OK_AND_ASSIGN(const Row none, Normalize({"Voornaam", "Mobiel"}, {"Eva", "0612345678"}));
  EXPECT_THAT(none.lead.vehicles, IsEmpty());
}

TEST(NormalizeRow, UnreadableYearIsKeptInTheNotes) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Merk", "Bouwjaar"}, {"Opel", "onbekend"}));
  ASSERT_EQ(row.lead.vehicles.size(), 1u);
  EXPECT_EQ(row.lead.vehicles[0].make, "Opel");
  EXPECT_EQ(row.lead.vehicles[0].year, 0);
  EXPECT_THAT(row.lead.notes, HasSubstr("onbekend"));
}

TEST(NormalizeRow, UnknownColumnsGoToTheNotes) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Voornaam", "Kleur", "Opmerking"},
                                                   {"Eva", "rood", "Belt liever 's avonds"}));
  EXPECT_THAT(row.lead.notes, HasSubstr("Kleur: rood"));
  EXPECT_THAT(row.lead.notes, HasSubstr("Belt liever 's avonds"));
}

TEST(NormalizeRow, FullNameIsSplitAtTheFirstSpace) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Naam", "Mobiel"}, {"Jan de Vries", "0612345678"}));
  EXPECT_EQ(row.lead.first_name, "Jan");
  EXPECT_EQ(row.lead.last_name, "de Vries");
}

TEST(NormalizeRow, PreferredSmsMarksTheMobile) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Telefoon", "Mobiel", "Voorkeur"},
                                                   {"020 1234567", "06 12345678", "sms"}));
  EXPECT_THAT(row.lead.preferred_channel, Optional(Channel::kSms));
  ASSERT_EQ(row.lead.contact_routes.size(), 2u);
  EXPECT_FALSE(row.lead.contact_routes[0].preferred);
  EXPECT_TRUE(row.lead.contact_routes[1].preferred);
}

// Lawful basis, with now = 2026-06-15 10:00 in Amsterdam.

TEST(NormalizeRowLawfulBasis, OptInWithADate) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Mobiel", "Toestemming", "Bron", "Datum toestemming"},
                                    {"06 12345678", "ja", "website", "01-02-2024"}));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kOptIn);
  EXPECT_EQ(row.lead.consent.source, "website");
  EXPECT_THAT(row.lead.consent.given_at, Optional(Local(2024, 2, 1)));
  EXPECT_TRUE(row.lawful_basis);

  RowContext both = Context();
  both.policy = MarketingPolicy::kOptInOrExistingCustomer;
  SV_ASSERT_OK_AND_ASSIGN(const Row row2, Normalize({"Mobiel", "Opt-in", "Opt-in datum"},
                                                    {"06 12345678", "opt-in", "2024-02-01"}, both));
  EXPECT_EQ(row2.lead.consent.basis, ConsentBasis::kOptIn);
  EXPECT_TRUE(row2.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, OptInWithoutADateIsNotEnough) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Mobiel", "Toestemming"}, {"06 12345678", "ja"}));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kOptIn);
  EXPECT_EQ(row.lead.consent.given_at, std::nullopt);
  EXPECT_FALSE(row.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, OptInDatedInTheFutureIsNotEnough) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Mobiel", "Toestemming", "Datum toestemming"},
                                                   {"06 12345678", "ja", "01-01-2027"}));
  EXPECT_FALSE(row.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, PurchaseDateMakesAnExistingCustomer) {
  const std::vector<std::string> header = {"Mobiel", "Aankoopdatum"};
  // Under opt-in only, being a customer is not enough.
  SV_ASSERT_OK_AND_ASSIGN(const Row opt_in_only, Normalize(header, {"06 12345678", "15-03-2024"}));
  EXPECT_EQ(opt_in_only.lead.consent.basis, ConsentBasis::kExistingCustomer);
  EXPECT_THAT(opt_in_only.lead.consent.relationship_last_at, Optional(Local(2024, 3, 15)));
  EXPECT_FALSE(opt_in_only.lawful_basis);
  // A purchase date alone gives the lead a (current) vehicle.
  ASSERT_EQ(opt_in_only.lead.vehicles.size(), 1u);
  EXPECT_THAT(opt_in_only.lead.vehicles[0].comments, HasSubstr("2024-03-15"));

  RowContext ctx = Context();
  ctx.policy = MarketingPolicy::kOptInOrExistingCustomer;
  // Within 36 months of 2026-06-15.
  SV_ASSERT_OK_AND_ASSIGN(const Row recent, Normalize(header, {"06 12345678", "15-03-2024"}, ctx));
  EXPECT_TRUE(recent.lawful_basis);
  SV_ASSERT_OK_AND_ASSIGN(const Row last_month_in,
                          Normalize(header, {"06 12345678", "20-06-2023"}, ctx));
  EXPECT_TRUE(last_month_in.lawful_basis);
  // Outside 36 months.
  SV_ASSERT_OK_AND_ASSIGN(const Row old, Normalize(header, {"06 12345678", "15-03-2020"}, ctx));
  EXPECT_EQ(old.lead.consent.basis, ConsentBasis::kExistingCustomer);
  EXPECT_FALSE(old.lawful_basis);
  SV_ASSERT_OK_AND_ASSIGN(const Row just_out,
                          Normalize(header, {"06 12345678", "10-06-2023"}, ctx));
  EXPECT_FALSE(just_out.lawful_basis);
  // A longer window lets the old purchase in.
  ctx.existing_customer_months = 120;
  SV_ASSERT_OK_AND_ASSIGN(const Row old_long,
                          Normalize(header, {"06 12345678", "15-03-2020"}, ctx));
  EXPECT_TRUE(old_long.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, TheLaterOfPurchaseAndLastContactCounts) {
  RowContext ctx = Context();
  ctx.policy = MarketingPolicy::kOptInOrExistingCustomer;
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Mobiel", "Aankoopdatum", "Laatste onderhoud"},
                                    {"06 12345678", "15-03-2019", "01-05-2025"}, ctx));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kExistingCustomer);
  EXPECT_THAT(row.lead.consent.relationship_last_at, Optional(Local(2025, 5, 1)));
  EXPECT_TRUE(row.lawful_basis);

  SV_ASSERT_OK_AND_ASSIGN(const Row reversed,
                          Normalize({"Mobiel", "Aankoopdatum", "Laatste onderhoud"},
                                    {"06 12345678", "01-05-2025", "15-03-2019"}, ctx));
  EXPECT_THAT(reversed.lead.consent.relationship_last_at, Optional(Local(2025, 5, 1)));
  EXPECT_TRUE(reversed.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, AnExplicitNoIsNotOverriddenByARelationship) {
  RowContext ctx = Context();
  ctx.policy = MarketingPolicy::kOptInOrExistingCustomer;
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Mobiel", "Toestemming", "Aankoopdatum"},
                                                   {"06 12345678", "nee", "15-03-2025"}, ctx));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kNone);
  EXPECT_FALSE(row.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, UnreadableBasisIsNoneAndNoted) {
  RowContext ctx = Context();
  ctx.policy = MarketingPolicy::kOptInOrExistingCustomer;
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Mobiel", "Toestemming", "Aankoopdatum"},
                                    {"06 12345678", "misschien", "15-03-2025"}, ctx));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kNone);
  EXPECT_FALSE(row.lawful_basis);
  EXPECT_THAT(row.lead.notes, HasSubstr("misschien"));
}

TEST(NormalizeRowLawfulBasis, RequestedContactNeedsNoDate) {
  SV_ASSERT_OK_AND_ASSIGN(const Row row,
                          Normalize({"Mobiel", "Grondslag"}, {"06 12345678", "terugbelverzoek"}));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kRequestedContact);
  EXPECT_TRUE(row.lawful_basis);
}

TEST(NormalizeRowLawfulBasis, NoBasisAtAll) {
  RowContext ctx = Context();
  ctx.policy = MarketingPolicy::kOptInOrExistingCustomer;
  SV_ASSERT_OK_AND_ASSIGN(const Row row, Normalize({"Mobiel"}, {"06 12345678"}, ctx));
  EXPECT_EQ(row.lead.consent.basis, ConsentBasis::kNone);
  EXPECT_FALSE(row.lawful_basis);
}

TEST(NormalizeRow, UnreadableDateIsKeptInTheNotes) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Row row, Normalize({"Mobiel", "Datum toestemming"}, {"06 12345678", "vorig jaar"}));
  EXPECT_EQ(row.lead.consent.given_at, std::nullopt);
  EXPECT_THAT(row.lead.notes, HasSubstr("vorig jaar"));
}

TEST(NormalizeRow, SerialDatesOnlyWhenTheContextSaysSo) {
  RowContext ctx = Context();
  ctx.serial_dates = true;
  SV_ASSERT_OK_AND_ASSIGN(const Row xlsx,
                          Normalize({"Mobiel", "Aankoopdatum"}, {"06 12345678", "45000"}, ctx));
  EXPECT_THAT(xlsx.lead.consent.relationship_last_at, Optional(Local(2023, 3, 15)));
  SV_ASSERT_OK_AND_ASSIGN(const Row csv,
                          Normalize({"Mobiel", "Aankoopdatum"}, {"06 12345678", "45000"}));
  EXPECT_EQ(csv.lead.consent.relationship_last_at, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// MarketingAllowed, with now = 2026-06-15 12:00 UTC.

constexpr MarketingPolicy kPolicies[] = {MarketingPolicy::kOptInOnly,
                                         MarketingPolicy::kOptInOrExistingCustomer};

domain::Consent ConsentOf(ConsentBasis basis, std::optional<absl::Time> given_at = std::nullopt,
                          std::optional<absl::Time> relationship_last_at = std::nullopt) {
  domain::Consent c;
  c.basis = basis;
  c.source = "test";
  c.given_at = given_at;
  c.relationship_last_at = relationship_last_at;
  return c;
}

TEST(MarketingAllowed, NoBasisNeverAllows) {
  const absl::Time now = Utc(2026, 6, 15, 12);
  for (MarketingPolicy p : kPolicies) {
    EXPECT_FALSE(MarketingAllowed(ConsentOf(ConsentBasis::kNone), p, 36, now, absl::UTCTimeZone()));
    EXPECT_FALSE(MarketingAllowed(
        ConsentOf(ConsentBasis::kNone, now - absl::Hours(24), now - absl::Hours(24)), p, 36, now,
        absl::UTCTimeZone()));
  }
}

TEST(MarketingAllowed, OptInNeedsADateNotAfterNowUnderEitherPolicy) {
  const absl::Time now = Utc(2026, 6, 15, 12);
  for (MarketingPolicy p : kPolicies) {
    EXPECT_TRUE(MarketingAllowed(ConsentOf(ConsentBasis::kOptIn, Utc(2015, 1, 1)), p, 36, now,
                                 absl::UTCTimeZone()));
    EXPECT_TRUE(
        MarketingAllowed(ConsentOf(ConsentBasis::kOptIn, now), p, 36, now, absl::UTCTimeZone()));
    EXPECT_FALSE(MarketingAllowed(ConsentOf(ConsentBasis::kOptIn, now + absl::Seconds(1)), p, 36,
                                  now, absl::UTCTimeZone()));
    EXPECT_FALSE(
        MarketingAllowed(ConsentOf(ConsentBasis::kOptIn), p, 36, now, absl::UTCTimeZone()));
  }
}

TEST(MarketingAllowed, RequestedContactAlwaysAllows) {
  const absl::Time now = Utc(2026, 6, 15, 12);
  for (MarketingPolicy p : kPolicies) {
    EXPECT_TRUE(MarketingAllowed(ConsentOf(ConsentBasis::kRequestedContact), p, 36, now,
                                 absl::UTCTimeZone()));
  }
}

TEST(MarketingAllowed, ExistingCustomerOnlyUnderTheExistingCustomerPolicy) {
  const absl::Time now = Utc(2026, 6, 15, 12);
  EXPECT_FALSE(MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, now),
                                MarketingPolicy::kOptInOnly, 36, now, absl::UTCTimeZone()));
  EXPECT_TRUE(MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, now),
                               MarketingPolicy::kOptInOrExistingCustomer, 36, now,
                               absl::UTCTimeZone()));
  // Without a relationship date there is nothing to measure the window from.
  EXPECT_FALSE(MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer),
                                MarketingPolicy::kOptInOrExistingCustomer, 36, now,
                                absl::UTCTimeZone()));
}

TEST(MarketingAllowed, ExistingCustomerWindowBoundaries) {
  const absl::Time now = Utc(2026, 6, 15, 12);
  const auto allowed = [&](absl::Time last, int months) {
    return MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, last),
                            MarketingPolicy::kOptInOrExistingCustomer, months, now,
                            absl::UTCTimeZone());
  };
  // 36 months back from 2026-06-15 is 2023-06-15.
  EXPECT_TRUE(allowed(Utc(2023, 6, 16), 36));
  EXPECT_TRUE(allowed(Utc(2023, 6, 15, 12), 36));
  EXPECT_FALSE(allowed(Utc(2023, 6, 14), 36));
  EXPECT_FALSE(allowed(Utc(2020, 1, 1), 36));
  // 12 months back is 2025-06-15.
  EXPECT_TRUE(allowed(Utc(2025, 6, 16), 12));
  EXPECT_FALSE(allowed(Utc(2025, 6, 14), 12));
  EXPECT_TRUE(allowed(Utc(2023, 6, 16), 37));
  EXPECT_TRUE(allowed(Utc(2023, 5, 16), 37));
  EXPECT_FALSE(allowed(Utc(2023, 5, 14), 37));
}

// At a month's end the window starts on the same day of the month, not on the 28th: a
// relationship three days too old does not count.
TEST(MarketingAllowed, ExistingCustomerWindowAtTheEndOfAMonth) {
  const absl::Time now = Utc(2026, 3, 31, 12);
  const auto allowed = [&](absl::Time last) {
    return MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, last),
                            MarketingPolicy::kOptInOrExistingCustomer, 36, now,
                            absl::UTCTimeZone());
  };
  EXPECT_TRUE(allowed(Utc(2023, 3, 31, 12)));
  // 2023-03-29 + 36 months = 2026-03-29, before 2026-03-31: outside the window.
  EXPECT_FALSE(allowed(Utc(2023, 3, 29, 12)));
}

// ---------------------------------------------------------------------------------------------
// ParseDate, in Europe/Amsterdam.

TEST(ParseDate, TheWrittenForms) {
  const absl::TimeZone ams = Amsterdam();
  const absl::Time expected = absl::FromCivil(absl::CivilDay(2023, 3, 15), ams);
  for (const char* text : {"2023-03-15", "15-03-2023", "15/3/2023", "15.03.2023", "15-3-2023",
                           "2023/03/15", "  15-03-2023 "}) {
    EXPECT_THAT(ParseDate(text, ams, false), Optional(expected)) << text;
    EXPECT_THAT(ParseDate(text, ams, true), Optional(expected)) << text;
  }
  // Local midnight: in March Amsterdam is on CET, UTC+1.
  EXPECT_EQ(expected, Utc(2023, 3, 14, 23));
}

TEST(ParseDate, DayComesBeforeMonth) {
  const absl::TimeZone ams = Amsterdam();
  EXPECT_THAT(ParseDate("03-12-2023", ams, false), Optional(Local(2023, 12, 3)));
  EXPECT_THAT(ParseDate("12/03/2023", ams, false), Optional(Local(2023, 3, 12)));
  // US order does not fit.
  EXPECT_EQ(ParseDate("03/15/2023", ams, false), std::nullopt);
}

TEST(ParseDate, WithATime) {
  const absl::TimeZone ams = Amsterdam();
  const absl::Time expected = absl::FromCivil(absl::CivilSecond(2023, 3, 15, 14, 30, 0), ams);
  EXPECT_THAT(ParseDate("15-03-2023 14:30", ams, false), Optional(expected));
  EXPECT_EQ(expected, Utc(2023, 3, 15, 13, 30));  // CET
  EXPECT_THAT(ParseDate("2023-03-15T14:30:00", ams, false), Optional(expected));
  EXPECT_THAT(ParseDate("2023-03-15 14:30:45", ams, false), Optional(expected + absl::Seconds(45)));
  // In summer Amsterdam is on CEST, UTC+2.
  EXPECT_THAT(ParseDate("01-07-2023 09:00", ams, false), Optional(Utc(2023, 7, 1, 7, 0)));
  // The zone matters.
  EXPECT_THAT(ParseDate("15-03-2023 14:30", absl::UTCTimeZone(), false),
              Optional(Utc(2023, 3, 15, 14, 30)));
}

TEST(ParseDate, InvalidDates) {
  const absl::TimeZone ams = Amsterdam();
  for (const char* text :
       {"31-02-2023", "29-02-2023", "31-04-2023", "32-01-2023", "15-13-2023", "00-03-2023",
        "15-00-2023", "garbage", "", "   ", "15-03", "15-03-2023-01", "2023", "15 maart 2023",
        "vijftien-03-2023", "15-03-2023 25:00", "15-03-2023 14:60", "15-03-2023 14",
        "15-03-2023 half drie"}) {
    EXPECT_EQ(ParseDate(text, ams, false), std::nullopt) << text;
  }
  // 2024 is a leap year.
  EXPECT_THAT(ParseDate("29-02-2024", ams, false), Optional(Local(2024, 2, 29)));
}

TEST(ParseDate, SerialNumbersOnlyWhenAsked) {
  const absl::TimeZone ams = Amsterdam();
  EXPECT_EQ(ParseDate("45000", ams, false), std::nullopt);
  // Excel's serial 45000 is 2023-03-15; serial 44927 is 2023-01-01.
  EXPECT_THAT(ParseDate("45000", ams, true), Optional(Local(2023, 3, 15)));
  EXPECT_THAT(ParseDate("44927", ams, true), Optional(Local(2023, 1, 1)));
  // A fraction is the time of day.
  EXPECT_THAT(ParseDate("45000.5", ams, true), Optional(Local(2023, 3, 15, 12, 0)));
  EXPECT_THAT(ParseDate("45000.75", ams, true), Optional(Local(2023, 3, 15, 18, 0)));
  // Serial 61 is 1900-03-01, the first day after Excel's fictitious 1900-02-29.
  EXPECT_THAT(ParseDate("61", ams, true), Optional(Local(1900, 3, 1)));
  // Not a serial number.
  EXPECT_EQ(ParseDate("45000 dagen", ams, true), std::nullopt);
}

// Before Excel's fictitious 1900-02-29 (serial 60) days count from 1899-12-31, after it from
// 1899-12-30.
TEST(ParseDate, SerialOneIsTheFirstOfJanuary1900) {
  const absl::TimeZone ams = Amsterdam();
  EXPECT_THAT(ParseDate("1", ams, true), Optional(Local(1900, 1, 1)));
  EXPECT_THAT(ParseDate("59", ams, true), Optional(Local(1900, 2, 28)));
}

// A text that is only separators has no date part (this once read past an empty vector).
TEST(ParseDate, OnlySeparators) {
  const absl::TimeZone ams = Amsterdam();
  EXPECT_EQ(ParseDate("T", ams, false), std::nullopt);
  EXPECT_EQ(ParseDate(" T ", ams, false), std::nullopt);
}

TEST(ParseDate, SerialsOfA1904Workbook) {
  const absl::TimeZone ams = Amsterdam();
  EXPECT_THAT(ParseDate("0", ams, true, true), Optional(Local(1904, 1, 1)));
  // The same date is 1462 days lower in a 1904 workbook than in a 1900 one.
  EXPECT_EQ(ParseDate("43538", ams, true, true), ParseDate("45000", ams, true));
  EXPECT_THAT(ParseDate("43538", ams, true, true), Optional(Local(2023, 3, 15)));
  // Only serial columns count from 1904; written dates are dates.
  EXPECT_THAT(ParseDate("15-03-2023", ams, false, true), Optional(Local(2023, 3, 15)));
}

TEST(ParseDate, LooseNumbersAreNotDates) {
  const absl::TimeZone ams = Amsterdam();
  for (const char* text :
       {"1.2.3", "123-03-2023", "15-03-23456", "2023-3-15-1", "15-03-2023 14:30 x"}) {
    EXPECT_EQ(ParseDate(text, ams, false), std::nullopt) << text;
  }
  EXPECT_THAT(ParseDate("15-03-23", ams, false), Optional(Local(2023, 3, 15)));
}

// Dates in a list are the dealer's calendar days: the existing-customer window is counted in
// the dealer's zone, so a relationship dated on the window's first day counts whichever
// way the instant falls in UTC.
TEST(MarketingAllowed, WindowCountsTheDealersDays) {
  const absl::TimeZone ams = Amsterdam();
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 6, 15, 10, 0, 0), ams);
  const std::optional<absl::Time> first_day = ParseDate("15-06-2023", ams, false);
  ASSERT_TRUE(first_day.has_value());
  EXPECT_TRUE(MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, *first_day),
                               MarketingPolicy::kOptInOrExistingCustomer, 36, now, ams));
  const std::optional<absl::Time> day_before = ParseDate("14-06-2023", ams, false);
  EXPECT_FALSE(
      MarketingAllowed(ConsentOf(ConsentBasis::kExistingCustomer, std::nullopt, *day_before),
                       MarketingPolicy::kOptInOrExistingCustomer, 36, now, ams));
}

// ---------------------------------------------------------------------------------------------
// IdentityIndex

TEST(IdentityIndex, EmptyKnowsNobody) {
  const IdentityIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.Contains("d-ams", "p:+31612345678"));
  EXPECT_EQ(index.Find("d-ams", {"p:+31612345678", "e:eva@example.nl"}), std::nullopt);
  EXPECT_EQ(index.Find("d-ams", {}), std::nullopt);
}

TEST(IdentityIndex, AddFindContains) {
  IdentityIndex index;
  index.Add("d-ams", "p:+31612345678", 11);
  index.Add("d-ams", "e:eva@example.nl", 11);
  index.Add("d-ams", "c:K-2002", 22);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_TRUE(index.Contains("d-ams", "p:+31612345678"));
  EXPECT_TRUE(index.Contains("d-ams", "c:K-2002"));
  EXPECT_FALSE(index.Contains("d-ams", "p:+31612345679"));
  EXPECT_FALSE(index.Contains("d-ams", "c:K-2003"));
  EXPECT_THAT(index.Find("d-ams", {"e:eva@example.nl"}), Optional(int64_t{11}));
  EXPECT_THAT(index.Find("d-ams", {"c:K-2002"}), Optional(int64_t{22}));
  EXPECT_EQ(index.Find("d-ams", {"e:someone@example.nl"}), std::nullopt);
}

TEST(IdentityIndex, TheFirstLeadUnderAKeyKeepsIt) {
  IdentityIndex index;
  index.Add("d-ams", "p:+31612345678", 1);
  index.Add("d-ams", "p:+31612345678", 2);
  EXPECT_EQ(index.size(), 1u);
  EXPECT_THAT(index.Find("d-ams", {"p:+31612345678"}), Optional(int64_t{1}));
}

TEST(IdentityIndex, DealersAreSeparate) {
  IdentityIndex index;
  index.Add("d-ams", "p:+31612345678", 1);
  index.Add("d-ant", "p:+31612345678", 2);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_THAT(index.Find("d-ams", {"p:+31612345678"}), Optional(int64_t{1}));
  EXPECT_THAT(index.Find("d-ant", {"p:+31612345678"}), Optional(int64_t{2}));
  EXPECT_FALSE(index.Contains("d-rtm", "p:+31612345678"));
  EXPECT_EQ(index.Find("d-rtm", {"p:+31612345678"}), std::nullopt);
  // The dealer and the key are not just glued together.
  index.Add("d-a", "ms:x", 3);
  EXPECT_FALSE(index.Contains("d-am", "sms:x"));
  EXPECT_FALSE(index.Contains("d-ams", ":x"));
  EXPECT_FALSE(index.Contains("", "d-ams:x"));
}

TEST(IdentityIndex, FindReturnsTheLeadOfTheFirstKnownKey) {
  IdentityIndex index;
  index.Add("d-ams", "e:eva@example.nl", 7);
  index.Add("d-ams", "p:+31612345678", 8);
  EXPECT_THAT(index.Find("d-ams", {"e:eva@example.nl", "p:+31612345678"}), Optional(int64_t{7}));
  EXPECT_THAT(index.Find("d-ams", {"p:+31612345678", "e:eva@example.nl"}), Optional(int64_t{8}));
  EXPECT_THAT(index.Find("d-ams", {"c:K-1", "e:x@example.nl", "p:+31612345678"}),
              Optional(int64_t{8}));
}

TEST(IdentityIndex, ManyKeys) {
  constexpr int kCount = 100'000;
  IdentityIndex index;
  const auto key = [](int i) { return absl::StrCat("p:+316", 10000000 + i); };
  for (int i = 0; i < kCount; ++i) index.Add("d-ams", key(i), i + 1);
  EXPECT_EQ(index.size(), static_cast<size_t>(kCount));
  int wrong = 0;
  for (int i = 0; i < kCount; ++i) {
    const std::optional<int64_t> found = index.Find("d-ams", {key(i)});
    if (found != i + 1) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_FALSE(index.Contains("d-ams", key(kCount)));
  EXPECT_FALSE(index.Contains("d-ant", key(0)));
  // Adding them again, and at a second dealer.
  for (int i = 0; i < kCount; ++i) index.Add("d-ams", key(i), -1);
  EXPECT_EQ(index.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) index.Add("d-ant", key(i), i + 1);
  EXPECT_EQ(index.size(), static_cast<size_t>(2 * kCount));
  EXPECT_THAT(index.Find("d-ams", {key(123)}), Optional(int64_t{124}));
}

// Rows and the index together: two spellings of one number at one dealer are one person.
TEST(IdentityIndex, RowKeysMergeDuplicates) {
  IdentityIndex index;
  SV_ASSERT_OK_AND_ASSIGN(const Row first,
                          Normalize({"Voornaam", "Mobiel"}, {"Eva", "06 12345678"}));
  for (const std::string& k : first.keys) index.Add(first.lead.dealer_id, k, 1);
  SV_ASSERT_OK_AND_ASSIGN(const Row second, Normalize({"Voornaam", "Mobiel", "Email"},
                                                      {"E.", "+31 6 1234 5678", "eva@example.nl"}));
  EXPECT_THAT(index.Find(second.lead.dealer_id, second.keys), Optional(int64_t{1}));
  SV_ASSERT_OK_AND_ASSIGN(const Row placeholder,
                          Normalize({"Voornaam", "Mobiel"}, {"Piet", "0000000000"}));
  EXPECT_EQ(index.Find(placeholder.lead.dealer_id, placeholder.keys), std::nullopt);
}

}  // namespace
}  // namespace secondvoice::intake
