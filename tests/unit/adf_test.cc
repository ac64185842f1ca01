// Tests for libs/adf/adf.h: a standard ADF 1.0 lead, the ways real documents deviate from the
// spec, errors with line numbers, and Write's strict output read back by Parse.
#include "libs/adf/adf.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::adf {

// Readable failure messages: show a prospect as the document Write makes of it (found by ADL).
void PrintTo(const Prospect& p, std::ostream* os) { *os << "\n" << Write(p); }
void PrintTo(const Phone& p, std::ostream* os) {
  *os << "{" << p.number << ", " << p.type << ", " << p.time << ", " << p.preferred << "}";
}

namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

// A complete lead as a dealer website would send it to Autobedrijf Van Dijk.
constexpr absl::string_view kStandard = R"(<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="vandijk.nl">WEB-2026-0417</id>
    <requestdate>2026-11-23T09:05:00+01:00</requestdate>
    <vehicle interest="buy" status="new">
      <year>2026</year>
      <make>Volkswagen</make>
      <model>Golf</model>
      <vin>WVWZZZCDZTW012345</vin>
      <stock>VD-1187</stock>
      <trim>1.5 eTSI Life</trim>
      <transmission>automaat</transmission>
      <odometer status="original" units="km">15</odometer>
      <colorcombination>
        <interiorcolor>zwart</interiorcolor>
        <exteriorcolor>Moonstone Grey</exteriorcolor>
        <preference>1</preference>
      </colorcombination>
      <price type="quote" currency="EUR">34995</price>
      <comments>Graag met trekhaak.</comments>
    </vehicle>
    <vehicle interest="trade-in" status="used">
      <year>2017</year>
      <make>Opel</make>
      <model>Astra</model>
      <odometer units="km">61000</odometer>
      <price type="appraisal" currency="EUR">8.750,00</price>
    </vehicle>
    <customer>
      <contact>
        <name part="first">Jan</name>
        <name part="middle">Pieter</name>
        <name part="last">de Vries</name>
        <email preferredcontact="1">jan.devries@example.nl</email>
        <phone type="cellphone" time="evening" preferredcontact="0">+31 6 12345678</phone>
        <phone type="voice" time="day">0341 123456</phone>
        <address type="home">
          <street line="1">Dorpsstraat 12</street>
          <city>Harderwijk</city>
          <regioncode>NL-GE</regioncode>
          <postalcode>3841 AB</postalcode>
          <country>NL</country>
        </address>
      </contact>
      <timeframe>
        <description>binnen 3 maanden</description>
        <earliestdate>2026-12-01</earliestdate>
        <latestdate>2027-02-28</latestdate>
      </timeframe>
      <comments>Wil graag een proefrit op zaterdag.</comments>
    </customer>
    <vendor>
      <id source="dealer">VD01</id>
      <vendorname>Autobedrijf Van Dijk</vendorname>
      <contact>
        <name part="full">Sanne Bakker</name>
        <email>verkoop@autobedrijfvandijk.nl</email>
        <phone type="voice">+31 341 555 000</phone>
      </contact>
    </vendor>
    <provider>
      <name part="full">AutoTrack</name>
      <service>Offerteaanvraag</service>
    </provider>
  </prospect>
</adf>
)";

// A prospect around `body` (the elements inside <prospect>).
std::string Doc(absl::string_view body) {
  return absl::StrCat(
      "<?xml version=\"1.0\"?>\n<?adf version=\"1.0\"?>\n<adf><prospect status=\"new\">", body,
      "</prospect></adf>");
}

std::string Customer(absl::string_view contact) {
  return Doc(absl::StrCat("<customer><contact>", contact, "</contact></customer>"));
}

TEST(AdfParseTest, StandardDocumentAllFields) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(kStandard));
  EXPECT_EQ(p.status, "new");
  EXPECT_THAT(p.ids, ElementsAre(Pair("vandijk.nl", "WEB-2026-0417")));
  ASSERT_TRUE(p.request_date.has_value());
  EXPECT_EQ(p.request_date->local, absl::CivilSecond(2026, 11, 23, 9, 5, 0));
  EXPECT_EQ(p.request_date->utc_offset_minutes, 60);

  ASSERT_EQ(p.vehicles.size(), 2u);
  const Vehicle& golf = p.vehicles[0];
  EXPECT_EQ(golf.interest, "buy");
  EXPECT_EQ(golf.status, "new");
  EXPECT_EQ(golf.year, 2026);
  EXPECT_EQ(golf.make, "Volkswagen");
  EXPECT_EQ(golf.model, "Golf");
  EXPECT_EQ(golf.vin, "WVWZZZCDZTW012345");
  EXPECT_EQ(golf.stock, "VD-1187");
  EXPECT_EQ(golf.trim, "1.5 eTSI Life");
  EXPECT_EQ(golf.transmission, "automaat");
  EXPECT_EQ(golf.color, "Moonstone Grey");
  EXPECT_EQ(golf.odometer, 15);
  EXPECT_EQ(golf.odometer_units, "km");
  EXPECT_EQ(golf.price_text, "34995");
  EXPECT_EQ(golf.price_cents, 3499500);
  EXPECT_EQ(golf.price_currency, "EUR");
  EXPECT_EQ(golf.comments, "Graag met trekhaak.");
  const Vehicle& astra = p.vehicles[1];
  EXPECT_EQ(astra.interest, "trade-in");
  EXPECT_EQ(astra.status, "used");
  EXPECT_EQ(astra.year, 2017);
  EXPECT_EQ(astra.make, "Opel");
  EXPECT_EQ(astra.model, "Astra");
  EXPECT_EQ(astra.odometer, 61000);
  EXPECT_EQ(astra.price_text, "8.750,00");
  EXPECT_EQ(astra.price_cents, 875000);

  const Contact& c = p.customer;
  EXPECT_EQ(c.first_name, "Jan");
  EXPECT_EQ(c.middle_name, "Pieter");
  EXPECT_EQ(c.last_name, "de Vries");
  EXPECT_EQ(c.full_name, "");
  EXPECT_THAT(c.emails, ElementsAre("jan.devries@example.nl"));
  EXPECT_THAT(c.phones, ElementsAre(Phone{"+31 6 12345678", "cellphone", "evening", false},
                                    Phone{"0341 123456", "voice", "day", false}));
  EXPECT_EQ(c.preferred_contact, "email");
  EXPECT_EQ(c.address.street, "Dorpsstraat 12");
  EXPECT_EQ(c.address.city, "Harderwijk");
  EXPECT_EQ(c.address.region_code, "NL-GE");
  EXPECT_EQ(c.address.postal_code, "3841 AB");
  EXPECT_EQ(c.address.country, "NL");
  EXPECT_EQ(p.timeframe_description, "binnen 3 maanden");
  EXPECT_EQ(p.timeframe_earliest, absl::CivilDay(2026, 12, 1));
  EXPECT_EQ(p.timeframe_latest, absl::CivilDay(2027, 2, 28));
  EXPECT_EQ(p.customer_comments, "Wil graag een proefrit op zaterdag.");

  EXPECT_EQ(p.vendor_name, "Autobedrijf Van Dijk");
  EXPECT_EQ(p.vendor_contact.full_name, "Sanne Bakker");
  EXPECT_EQ(p.vendor_contact.first_name, "Sanne");
  EXPECT_EQ(p.vendor_contact.last_name, "Bakker");
  EXPECT_THAT(p.vendor_contact.emails, ElementsAre("verkoop@autobedrijfvandijk.nl"));
  ASSERT_EQ(p.vendor_contact.phones.size(), 1u);
  EXPECT_EQ(p.vendor_contact.phones[0].number, "+31 341 555 000");
  EXPECT_EQ(p.provider_name, "AutoTrack");
}

TEST(AdfParseTest, UpperCaseAndAttributeLessProcessingInstructions) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("<?XML VERSION=\"1.0\"?>\n<?ADF VERSION \"1.0\"?>\n<adf><prospect><customer><contact>"
            "<name part=\"full\">Jan de Vries</name></contact></customer></prospect></adf>"));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
}

TEST(AdfParseTest, LeadingWhitespaceAndCommentsBeforeTheDeclaration) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("\r\n  <!-- export 23-11 -->\n<?xml version='1.0' encoding='utf-8' ?>"
            "<adf><prospect><vehicle><make>Volkswagen</make></vehicle></prospect></adf>"));
  ASSERT_EQ(p.vehicles.size(), 1u);
  EXPECT_EQ(p.vehicles[0].make, "Volkswagen");
}

TEST(AdfParseTest, ElementAndAttributeNamesInAnyCase) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(R"(<?xml version="1.0"?>
<ADF><Prospect STATUS="RESEND">
  <VEHICLE Interest="Test-Drive" Status="Used"><MAKE>Volkswagen</MAKE><Model>Golf</model></VEHICLE>
  <Customer><Contact><Name Part="First">Jan</Name><Name PART="LAST">de Vries</Name>
    <Phone TYPE="Mobile" Time="Evening">+31 6 12345678</Phone></Contact></Customer>
</Prospect></ADF>)"));
  EXPECT_EQ(p.status, "resend");
  ASSERT_EQ(p.vehicles.size(), 1u);
  EXPECT_EQ(p.vehicles[0].interest, "test-drive");
  EXPECT_EQ(p.vehicles[0].status, "used");
  EXPECT_EQ(p.vehicles[0].make, "Volkswagen");
  EXPECT_EQ(p.vehicles[0].model, "Golf");  // <Model>...</model> is accepted too
  EXPECT_EQ(p.customer.first_name, "Jan");
  EXPECT_EQ(p.customer.last_name, "de Vries");
  EXPECT_THAT(p.customer.phones, ElementsAre(Phone{"+31 6 12345678", "mobile", "evening"}));
}

TEST(AdfParseTest, Utf8ByteOrderMark) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(absl::StrCat("\xEF\xBB\xBF", Customer("<name part=\"full\">Daniëlle Jansen</name>"))));
  EXPECT_EQ(p.customer.first_name, "Daniëlle");
  EXPECT_EQ(p.customer.last_name, "Jansen");
}

TEST(AdfParseTest, Utf16WithByteOrderMark) {
  const std::string utf8 = Customer("<name part=\"full\">Daniëlle Jansen</name>");
  std::string utf16 = "\xFF\xFE";  // little endian
  for (size_t i = 0; i < utf8.size(); ++i) {
    unsigned c = static_cast<unsigned char>(utf8[i]);
    if (c == 0xC3) c = 0xC0 | (static_cast<unsigned char>(utf8[++i]) & 0x3F);  // ë only
    utf16 += static_cast<char>(c);
    utf16 += '\0';
  }
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(utf16));
  EXPECT_EQ(p.customer.full_name, "Daniëlle Jansen");
}

TEST(AdfParseTest, Iso88591Declared) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><adf><prospect><customer><contact>"
            "<name part=\"full\">Dani\xEBlle M\xFCller</name></contact></customer></prospect>"
            "</adf>"));
  EXPECT_EQ(p.customer.full_name, "Daniëlle Müller");
}

TEST(AdfParseTest, Windows1252Declared) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("<?xml version=\"1.0\" encoding=\"windows-1252\"?><adf><prospect><vehicle>"
            "<price>\x80 24.995,-</price><comments>\x93Zo snel mogelijk\x94 \x96 Ren\xE9"
            "</comments></vehicle></prospect></adf>"));
  ASSERT_EQ(p.vehicles.size(), 1u);
  EXPECT_EQ(p.vehicles[0].price_text, "€ 24.995,-");
  EXPECT_EQ(p.vehicles[0].price_cents, 2499500);
  EXPECT_EQ(p.vehicles[0].price_currency, "EUR");
  EXPECT_EQ(p.vehicles[0].comments, "“Zo snel mogelijk” – René");
}

TEST(AdfParseTest, Utf8DeclaredAsLatin1IsReadAsUtf8) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><adf><prospect><customer><contact>"
            "<name part=\"full\">Daniëlle Jansen</name></contact></customer></prospect></adf>"));
  EXPECT_EQ(p.customer.full_name, "Daniëlle Jansen");
}

TEST(AdfParseTest, FullNameIsSplitWhenNoFirstOrLast) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                          Parse(Customer("<name part=\"full\">  Jan   de Vries </name>")));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
  EXPECT_EQ(p.customer.first_name, "Jan");
  EXPECT_EQ(p.customer.last_name, "de Vries");
}

TEST(AdfParseTest, FullNameKeptBesideFirstAndLast) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                          Parse(Customer("<name part=\"full\">J.P. de Vries</name>"
                                         "<name part=\"first\">Jan</name>"
                                         "<name part=\"last\">de Vries</name>")));
  EXPECT_EQ(p.customer.full_name, "J.P. de Vries");
  EXPECT_EQ(p.customer.first_name, "Jan");
  EXPECT_EQ(p.customer.last_name, "de Vries");
}

TEST(AdfParseTest, FirstNameOnly) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Customer("<name part=\"first\">Jan</name>")));
  EXPECT_EQ(p.customer.first_name, "Jan");
  EXPECT_EQ(p.customer.last_name, "");
  EXPECT_EQ(p.customer.full_name, "");
}

TEST(AdfParseTest, NameWithoutPartIsTheFullName) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Customer("<name>Fatima el Amrani</name>")));
  EXPECT_EQ(p.customer.full_name, "Fatima el Amrani");
  EXPECT_EQ(p.customer.first_name, "Fatima");
  EXPECT_EQ(p.customer.last_name, "el Amrani");
}

TEST(AdfParseTest, PhoneTypesAndTimes) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Customer("<phone type=\"home\" time=\"morning\">0341 123456</phone>"
                     "<phone type=\"work\" time=\"afternoon\">0341 654321</phone>"
                     "<phone type=\"mobile\" preferredcontact=\"1\">+31 6 12345678</phone>"
                     "<phone type=\"cellphone\" time=\"nopreference\">06-87654321</phone>"
                     "<phone type=\"voice\" time=\"day\">+31 341 555 000</phone>"
                     "<phone>0612345678</phone>")));
  EXPECT_THAT(p.customer.phones,
              ElementsAre(Phone{"0341 123456", "home", "morning"},
                          Phone{"0341 654321", "work", "afternoon"},
                          Phone{"+31 6 12345678", "mobile", "", true},
                          Phone{"06-87654321", "cellphone", "nopreference"},
                          Phone{"+31 341 555 000", "voice", "day"}, Phone{"0612345678", "", ""}));
  EXPECT_EQ(p.customer.preferred_contact, "phone");
}

TEST(AdfParseTest, PreferredContactNamedOnTheContact) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Doc("<customer><contact primarycontact=\"1\" preferredcontact=\"WhatsApp\">"
                "<phone preferredcontact=\"1\">+31 6 12345678</phone></contact></customer>")));
  EXPECT_EQ(p.customer.preferred_contact, "whatsapp");
  ASSERT_EQ(p.customer.phones.size(), 1u);
  EXPECT_TRUE(p.customer.phones[0].preferred);
}

TEST(AdfParseTest, SeveralVehiclesWithTradeInAndSell) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Doc(R"(
    <vehicle interest="buy" status="used"><make>Volkswagen</make><model>Golf</model></vehicle>
    <vehicle interest="trade-in" status="used"><make>Opel</make><model>Astra</model>
      <odometer units="km">61000</odometer></vehicle>
    <vehicle interest="Trade In"><make>Opel</make><model>Corsa</model></vehicle>
    <vehicle interest="sell"><make>Renault</make><model>Clio</model></vehicle>)")));
  ASSERT_EQ(p.vehicles.size(), 4u);
  EXPECT_EQ(p.vehicles[0].interest, "buy");
  EXPECT_EQ(p.vehicles[1].interest, "trade-in");
  EXPECT_EQ(p.vehicles[1].model, "Astra");
  EXPECT_EQ(p.vehicles[1].odometer, 61000);
  EXPECT_EQ(p.vehicles[2].interest, "trade-in");
  EXPECT_EQ(p.vehicles[3].interest, "sell");
  EXPECT_EQ(p.vehicles[3].make, "Renault");
}

struct PriceCase {
  const char* xml;
  int64_t cents;
  const char* currency;
};

TEST(AdfParseTest, PriceForms) {
  const PriceCase cases[] = {
      {R"(<price type="quote" currency="EUR">24.995,00</price>)", 2499500, "EUR"},
      {R"(<price type="quote" currency="eur">24995</price>)", 2499500, "EUR"},
      {R"(<price currency="USD">24,995.00</price>)", 2499500, "USD"},
      {R"(<price>€ 24.995,-</price>)", 2499500, "EUR"},
      {R"(<price>EUR 24995</price>)", 2499500, "EUR"},
      {R"(<price>24.995</price>)", 2499500, ""},
      {R"(<price>1.234.567</price>)", 123456700, ""},
      {R"(<price>24995.5</price>)", 2499550, ""},
      {R"(<price>24 995,95</price>)", 2499595, ""},
      {R"(<price>op aanvraag</price>)", 0, ""},
      {R"(<price>1.2345</price>)", 0, ""},
      {R"(<price>24,995,00</price>)", 0, ""},
      {R"(<price>2.4995,00</price>)", 0, ""},
      {R"(<price></price><price>19950</price>)", 1995000, ""},
  };
  for (const PriceCase& c : cases) {
    SCOPED_TRACE(c.xml);
    SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                            Parse(Doc(absl::StrCat("<vehicle>", c.xml, "</vehicle>"))));
    ASSERT_EQ(p.vehicles.size(), 1u);
    EXPECT_EQ(p.vehicles[0].price_cents, c.cents);
    EXPECT_EQ(p.vehicles[0].price_currency, c.currency);
    EXPECT_FALSE(p.vehicles[0].price_text.empty());  // kept always
  }
}

TEST(AdfParseTest, Odometer) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Doc(R"(
    <vehicle><odometer units="km">61000</odometer></vehicle>
    <vehicle><odometer>61.000 km</odometer></vehicle>
    <vehicle><odometer units="Miles">38,000</odometer></vehicle>
    <vehicle><odometer units="km">onbekend</odometer></vehicle>)")));
  ASSERT_EQ(p.vehicles.size(), 4u);
  EXPECT_EQ(p.vehicles[0].odometer, 61000);
  EXPECT_EQ(p.vehicles[0].odometer_units, "km");
  EXPECT_EQ(p.vehicles[1].odometer, 61000);
  EXPECT_EQ(p.vehicles[1].odometer_units, "km");
  EXPECT_EQ(p.vehicles[2].odometer, 38000);
  EXPECT_EQ(p.vehicles[2].odometer_units, "mi");
  EXPECT_EQ(p.vehicles[3].odometer, 0);
}

struct DateCase {
  const char* text;
  absl::CivilSecond local;
  std::optional<int> offset;
};

TEST(AdfParseTest, RequestDateForms) {
  const absl::CivilSecond nine_oh_five(2026, 11, 23, 9, 5, 0);
  const DateCase cases[] = {
      {"2026-11-23T09:05:00+01:00", nine_oh_five, 60},
      {"2026-11-23T09:05:00Z", nine_oh_five, 0},
      {"2026-11-23T9:05:00", nine_oh_five, std::nullopt},
      {"2026-11-23 09:05", nine_oh_five, std::nullopt},
      {"2026-11-23T09:05:00-0500", nine_oh_five, -300},
      {"2026-11-23T09:05:00.250+05:30", nine_oh_five, 330},
      {"2026-11-23T09:05:00 +01", nine_oh_five, 60},
      {" 2026-11-23T09:05:00 ", nine_oh_five, std::nullopt},
      {"11/23/2026 9:05 AM", nine_oh_five, std::nullopt},
      {"11/23/2026 9:05 PM", absl::CivilSecond(2026, 11, 23, 21, 5, 0), std::nullopt},
      {"12/01/2026 12:30 AM", absl::CivilSecond(2026, 12, 1, 0, 30, 0), std::nullopt},
      {"23-11-2026 09:05", nine_oh_five, std::nullopt},
      {"03-04-2026 09:05", absl::CivilSecond(2026, 4, 3, 9, 5, 0), std::nullopt},
      {"2026-11-23", absl::CivilSecond(2026, 11, 23, 0, 0, 0), std::nullopt},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.text);
    SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                            Parse(Doc(absl::StrCat("<requestdate>", c.text, "</requestdate>"))));
    ASSERT_TRUE(p.request_date.has_value());
    EXPECT_EQ(p.request_date->local, c.local);
    EXPECT_EQ(p.request_date->utc_offset_minutes, c.offset);
  }
}

// A lead must never be lost over a date: an unreadable one is left empty, the rest is read.
TEST(AdfParseTest, UnreadableRequestDateIsLeftEmpty) {
  for (const char* text : {"gisteren", "2026-02-30T10:00:00", "2026-11-23T25:00:00",
                           "03/04/2026 10:00", "2026-11-23T09:05:00+25:00", ""}) {
    SCOPED_TRACE(text);
    SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                            Parse(Doc(absl::StrCat("<requestdate>", text, "</requestdate>",
                                                   "<vehicle><make>Volkswagen</make></vehicle>"))));
    EXPECT_FALSE(p.request_date.has_value());
    ASSERT_EQ(p.vehicles.size(), 1u);
    EXPECT_EQ(p.vehicles[0].make, "Volkswagen");
  }
}

TEST(AdfParseTest, TimeframeDatesLenient) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Doc("<customer><contact/><timeframe><description>z.s.m.</description>"
                "<earliestdate>2026-12-01T00:00:00</earliestdate>"
                "<latestdate>ergens volgend jaar</latestdate></timeframe></customer>")));
  EXPECT_EQ(p.timeframe_description, "z.s.m.");
  EXPECT_EQ(p.timeframe_earliest, absl::CivilDay(2026, 12, 1));
  EXPECT_EQ(p.timeframe_latest, std::nullopt);
}

TEST(AdfParseTest, UnknownElementsIgnored) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Doc(R"(
    <leadtype>offerte</leadtype>
    <vehicle><make>Volkswagen</make><bodystyle>hatchback</bodystyle>
      <option><optionname>Trekhaak</optionname></option><model>Golf</model></vehicle>
    <customer><contact><name part="first">Jan</name><x-utm campaign="winter"/></contact>
      <gdpr consent="1"/></customer>)")));
  ASSERT_EQ(p.vehicles.size(), 1u);
  EXPECT_EQ(p.vehicles[0].model, "Golf");
  EXPECT_EQ(p.customer.first_name, "Jan");
}

TEST(AdfParseTest, WhitespaceTrimmed) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Doc(R"(
    <vehicle interest=" buy "><make>
        Volkswagen
      </make><year> 2024 </year><comments>
        Eerste regel.
        Tweede regel.
      </comments></vehicle>
    <customer><contact><email>  jan.devries@example.nl
      </email></contact></customer>)")));
  ASSERT_EQ(p.vehicles.size(), 1u);
  EXPECT_EQ(p.vehicles[0].interest, "buy");
  EXPECT_EQ(p.vehicles[0].make, "Volkswagen");
  EXPECT_EQ(p.vehicles[0].year, 2024);
  EXPECT_EQ(p.vehicles[0].comments, "Eerste regel.\n        Tweede regel.");
  EXPECT_THAT(p.customer.emails, ElementsAre("jan.devries@example.nl"));
}

TEST(AdfParseTest, EntitiesAndCdata) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Doc("<vendor><vendorname>Van Dijk &amp; Zn &#8211; Harderwijk</vendorname></vendor>"
                "<customer><contact/><comments><![CDATA[Prijs <b>& inruil</b> bespreken]]>"
                "</comments></customer>")));
  EXPECT_EQ(p.vendor_name, "Van Dijk & Zn – Harderwijk");
  EXPECT_EQ(p.customer_comments, "Prijs <b>& inruil</b> bespreken");
}

TEST(AdfParseTest, BareAmpersandsAndHtmlEntities) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Doc("<vendor><vendorname>Van Dijk & Zn</vendorname></vendor>"
                "<customer><contact><name part=\"full\">Dani&euml;lle&nbsp;Jansen</name>"
                "</contact><comments>Zie https://vandijk.nl/?a=1&b=2 &unknown; &#0;</comments>"
                "</customer>")));
  EXPECT_EQ(p.vendor_name, "Van Dijk & Zn");
  EXPECT_EQ(p.customer.first_name, "Daniëlle");
  EXPECT_EQ(p.customer.last_name, "Jansen");
  EXPECT_EQ(p.customer_comments, "Zie https://vandijk.nl/?a=1&b=2 &unknown; \uFFFD");
}

TEST(AdfParseTest, ControlCharactersBecomeSpaces) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Customer(std::string("<name part=\"full\">Jan\x01"
                                                                       "de\x0BVries</name>"))));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
}

TEST(AdfParseTest, EmptyEmailsAndPhonesSkipped) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                          Parse(Customer("<email></email><email> </email><email/>"
                                         "<email>jan.devries@example.nl</email>"
                                         "<phone type=\"voice\"></phone><phone>  </phone>"
                                         "<phone>+31 6 12345678</phone>")));
  EXPECT_THAT(p.customer.emails, ElementsAre("jan.devries@example.nl"));
  ASSERT_EQ(p.customer.phones.size(), 1u);
  EXPECT_EQ(p.customer.phones[0].number, "+31 6 12345678");
}

TEST(AdfParseTest, ContactFieldsDirectlyUnderCustomer) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(Doc("<customer><name>Jan de Vries</name>"
                                                      "<phone>+31 6 12345678</phone></customer>")));
  EXPECT_EQ(p.customer.last_name, "de Vries");
  EXPECT_EQ(p.customer.phones.size(), 1u);
}

TEST(AdfParseTest, SeveralStreetLinesAndAliases) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse(Customer("<address><street line=\"1\">Dorpsstraat 12</street>"
                     "<street line=\"2\">t.a.v. J. de Vries</street><city>Harderwijk</city>"
                     "<zip>3841 AB</zip><state>GE</state></address>")));
  EXPECT_EQ(p.customer.address.street, "Dorpsstraat 12, t.a.v. J. de Vries");
  EXPECT_EQ(p.customer.address.postal_code, "3841 AB");
  EXPECT_EQ(p.customer.address.region_code, "GE");
}

TEST(AdfParseTest, SeveralProspectsFirstIsTaken) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p, Parse(R"(<?xml version="1.0"?><adf>
    <prospect><customer><contact><name>Jan de Vries</name></contact></customer></prospect>
    <prospect><customer><contact><name>Sanne Bakker</name></contact></customer></prospect>
  </adf>)"));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
}

TEST(AdfParseTest, ProspectAsRootAndDoctype) {
  SV_ASSERT_OK_AND_ASSIGN(
      const Prospect p,
      Parse("<?xml version=\"1.0\"?>\n<!DOCTYPE adf SYSTEM \"adf.dtd\">\n<prospect>"
            "<customer><contact><name>Jan&nbsp;de Vries</name></contact></customer></prospect>"));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
}

TEST(AdfParseTest, JunkAfterTheRootElementIsIgnored) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect p,
                          Parse(absl::StrCat(Customer("<name>Jan de Vries</name>"),
                                             std::string("\0\0", 2), "<?xml version=\"1.0\"?>")));
  EXPECT_EQ(p.customer.full_name, "Jan de Vries");
}

TEST(AdfParseErrorTest, MismatchedTagWithLineNumber) {
  EXPECT_THAT(Parse("<?xml version=\"1.0\"?>\n<?adf version=\"1.0\"?>\n<adf>\n<prospect>\n"
                    "<customer>\n<contact>\n<name>Jan</nmae>\n</contact>\n</customer>\n"
                    "</prospect>\n</adf>\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 7: mismatched tag"));
}

TEST(AdfParseErrorTest, LineNumbersCountTheCutProlog) {
  EXPECT_THAT(Parse("\xEF\xBB\xBF<?XML VERSION=\"1.0\"?>\r\n<?ADF\nVERSION \"1.0\"?>\r\n<adf>\n"
                    "<prospect>\n</adf>"),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 6: mismatched tag"));
}

TEST(AdfParseErrorTest, NotXml) {
  EXPECT_THAT(Parse("Naam: Jan de Vries\nTelefoon: 06 12345678\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("line 1: ")));
  EXPECT_THAT(Parse(""), StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("line 1: ")));
  EXPECT_THAT(Parse("{\"name\": \"Jan\"}"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("line 1: ")));
}

TEST(AdfParseErrorTest, TruncatedDocument) {
  EXPECT_THAT(Parse("<?xml version=\"1.0\"?>\n<adf>\n<prospect>\n<customer>\n<contact>"),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 5: no element found"));
}

TEST(AdfParseErrorTest, NoProspect) {
  EXPECT_THAT(Parse("<?xml version=\"1.0\"?><adf><lead><name>Jan</name></lead></adf>"),
              StatusIs(absl::StatusCode::kInvalidArgument, "no <prospect> element"));
}

TEST(AdfParseErrorTest, OverOneMebibyte) {
  std::string big = Doc(absl::StrCat("<customer><comments>", std::string(kMaxDocumentBytes, 'x'),
                                     "</comments></customer>"));
  EXPECT_THAT(Parse(big), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 MiB")));
}

// A prospect that uses every field with values ADF 1.0 can say.
Prospect FullProspect() {
  Prospect p;
  p.status = "resend";
  p.ids = {{"vandijk.nl", "WEB-2026-0417"}, {"autotrack", "AT 99812"}};
  p.request_date = RequestDate{absl::CivilSecond(2026, 11, 23, 9, 5, 0), -90};
  Vehicle golf;
  golf.interest = "buy";
  golf.status = "new";
  golf.year = 2026;
  golf.make = "Volkswagen";
  golf.model = "Golf";
  golf.vin = "WVWZZZCDZTW012345";
  golf.stock = "VD-1187";
  golf.trim = "1.5 eTSI Life";
  golf.transmission = "automaat";
  golf.color = "Moonstone Grey";
  golf.odometer = 15;
  golf.odometer_units = "km";
  golf.price_text = "34995.50";
  golf.price_cents = 3499550;
  golf.price_currency = "EUR";
  golf.comments = "Graag met trekhaak.\nLevering in januari.";
  Vehicle astra;
  astra.interest = "trade-in";
  astra.status = "used";
  astra.year = 2017;
  astra.make = "Opel";
  astra.model = "Astra";
  astra.odometer = 61000;
  astra.odometer_units = "mi";
  astra.price_text = "op aanvraag";
  astra.price_currency = "EUR";
  p.vehicles = {golf, astra, Vehicle{.interest = "test-drive"}};
  p.customer.first_name = "Jan";
  p.customer.middle_name = "Pieter";
  p.customer.last_name = "de Vries";
  p.customer.full_name = "Jan Pieter de Vries";
  p.customer.emails = {"jan.devries@example.nl", "j.devries@werk.example.nl"};
  p.customer.phones = {{"+31 6 12345678", "cellphone", "evening", true},
                       {"0341 123456", "voice", "morning", false},
                       {"0341 999999", "fax", "", false},
                       {"06 00000000", "pager", "nopreference", false}};
  p.customer.preferred_contact = "phone";
  p.customer.address = {.street = "Dorpsstraat 12",
                        .city = "Harderwijk",
                        .region_code = "NL-GE",
                        .postal_code = "3841 AB",
                        .country = "NL"};
  p.timeframe_description = "binnen 3 maanden";
  p.timeframe_earliest = absl::CivilDay(2026, 12, 1);
  p.timeframe_latest = absl::CivilDay(2027, 2, 28);
  p.customer_comments = "Bel na 17:00.\nHeeft een Opel Astra om in te ruilen.";
  p.vendor_name = "Autobedrijf Van Dijk";
  p.vendor_contact.first_name = "Sanne";
  p.vendor_contact.last_name = "Bakker";
  p.vendor_contact.emails = {"verkoop@autobedrijfvandijk.nl"};
  p.vendor_contact.preferred_contact = "email";
  p.vendor_contact.phones = {{"+31 341 555 000", "voice", "day", false}};
  p.provider_name = "AutoTrack";
  return p;
}

TEST(AdfWriteTest, RoundTripsEveryField) {
  const Prospect p = FullProspect();
  const std::string xml = Write(p);
  SV_ASSERT_OK_AND_ASSIGN(const Prospect back, Parse(xml));
  EXPECT_EQ(back, p) << xml;
}

TEST(AdfWriteTest, StandardDocumentRoundTrips) {
  SV_ASSERT_OK_AND_ASSIGN(Prospect p, Parse(kStandard));
  SV_ASSERT_OK_AND_ASSIGN(const Prospect back, Parse(Write(p)));
  p.vehicles[1].price_text = "8750";  // a known price is written as a plain number
  EXPECT_EQ(back, p);
}

TEST(AdfWriteTest, StrictPrologAndShape) {
  const std::string xml = Write(FullProspect());
  EXPECT_THAT(xml, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<?adf version=\"1.0\"?>\n<adf>\n  <prospect status=\"resend\">\n"
                              "    <id sequence=\"1\" source=\"vandijk.nl\">WEB-2026-0417</id>\n"
                              "    <id sequence=\"2\" source=\"autotrack\">AT 99812</id>\n"
                              "    <requestdate>2026-11-23T09:05:00-01:30</requestdate>\n"
                              "    <vehicle interest=\"buy\" status=\"new\">\n"
                              "      <year>2026</year>\n"));
  EXPECT_THAT(xml, HasSubstr("<price type=\"quote\" currency=\"EUR\">34995.50</price>"));
  EXPECT_THAT(xml, HasSubstr("<odometer units=\"km\">15</odometer>"));
  EXPECT_THAT(xml, HasSubstr("<colorcombination>\n        <exteriorcolor>Moonstone Grey"));
  EXPECT_THAT(xml, HasSubstr("<phone type=\"cellphone\" time=\"evening\" preferredcontact=\"1\">"
                             "+31 6 12345678</phone>"));
  EXPECT_THAT(xml, HasSubstr("<email preferredcontact=\"1\">verkoop@autobedrijfvandijk.nl"));
  EXPECT_THAT(xml, HasSubstr("<street line=\"1\">Dorpsstraat 12</street>"));
  EXPECT_THAT(xml, HasSubstr("<provider>\n      <name part=\"full\">AutoTrack</name>"));
}

TEST(AdfWriteTest, NonSpecValuesAreMappedOrLeftOut) {
  Prospect p;
  p.status = "hot";
  Vehicle v;
  v.interest = "inruil";
  v.status = "demo";
  v.odometer = 61000;
  v.odometer_units = "uren";
  v.price_text = "24.995,00";
  v.price_cents = 2499500;
  p.vehicles = {v};
  p.customer.phones = {{"0341 123456", "home", "lunch"},
                       {"0341 654321", "work", ""},
                       {"+31 6 12345678", "mobile", ""},
                       {"+31 6 87654321", "satellite", ""}};
  const std::string xml = Write(p);
  EXPECT_THAT(xml, HasSubstr("<prospect>\n"));
  EXPECT_THAT(xml, HasSubstr("<vehicle>\n"));
  EXPECT_THAT(xml, HasSubstr("<odometer>61000</odometer>"));
  EXPECT_THAT(xml, HasSubstr("<price type=\"quote\">24995</price>"));
  EXPECT_THAT(xml, HasSubstr("<phone type=\"voice\">0341 123456</phone>"));
  EXPECT_THAT(xml, HasSubstr("<phone type=\"voice\">0341 654321</phone>"));
  EXPECT_THAT(xml, HasSubstr("<phone type=\"cellphone\">+31 6 12345678</phone>"));
  EXPECT_THAT(xml, HasSubstr("<phone>+31 6 87654321</phone>"));
  EXPECT_THAT(xml, HasSubstr("<vendor>\n      <vendorname></vendorname>\n    </vendor>"));
  EXPECT_THAT(Parse(xml), testing::IsOk());
}

TEST(AdfWriteTest, RequestDateWithoutOffset) {
  Prospect p;
  p.request_date = RequestDate{absl::CivilSecond(2026, 11, 23, 9, 5, 0), std::nullopt};
  EXPECT_THAT(Write(p), HasSubstr("<requestdate>2026-11-23T09:05:00</requestdate>"));
  p.request_date->utc_offset_minutes = 0;
  EXPECT_THAT(Write(p), HasSubstr("<requestdate>2026-11-23T09:05:00+00:00</requestdate>"));
}

TEST(AdfWriteTest, EscapesMarkupCharacters) {
  Prospect p;
  p.vendor_name = "Van Dijk & Zn <Harderwijk> \"de beste\"";
  p.ids = {{"a\"b&c<d>", "1 < 2 & 3 > 2"}};
  p.customer.full_name = "Jan \"Jantje\" de Vries";
  p.customer_comments = "Prijs < 25.000 & inruil > 5.000]]> graag\r\nbellen";
  const std::string xml = Write(p);
  EXPECT_THAT(xml, HasSubstr("<vendorname>Van Dijk &amp; Zn &lt;Harderwijk&gt; "
                             "&quot;de beste&quot;</vendorname>"));
  EXPECT_THAT(xml, HasSubstr("source=\"a&quot;b&amp;c&lt;d&gt;\">1 &lt; 2 &amp; 3 &gt; 2</id>"));
  SV_ASSERT_OK_AND_ASSIGN(const Prospect back, Parse(xml));
  EXPECT_EQ(back.vendor_name, p.vendor_name);
  EXPECT_EQ(back.ids, p.ids);
  EXPECT_EQ(back.customer.full_name, p.customer.full_name);
  EXPECT_EQ(back.customer_comments, p.customer_comments);
}

TEST(AdfWriteTest, InvalidUtf8AndControlCharactersAreCleaned) {
  Prospect p;
  p.vendor_name = std::string("Van\x01 Dijk \xFF\xFE", 13);
  const std::string xml = Write(p);
  SV_ASSERT_OK_AND_ASSIGN(const Prospect back, Parse(xml));
  EXPECT_EQ(back.vendor_name, "Van Dijk \uFFFD\uFFFD");
}

TEST(AdfWriteTest, ProspectWithoutVehiclesGetsNone) {
  SV_ASSERT_OK_AND_ASSIGN(const Prospect back, Parse(Write(Prospect{})));
  EXPECT_THAT(back.vehicles, IsEmpty());
  EXPECT_EQ(back, Prospect{});
}

}  // namespace
}  // namespace secondvoice::adf
