// NormalizeRow and its helpers.
#include "libs/intake/row.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/phone/phone.h"

namespace secondvoice::intake {
namespace {

std::string Lower(absl::string_view s) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
}

bool OneOf(absl::string_view value, std::initializer_list<absl::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

// Reads the basis column; unrecognised text yields nullopt (the caller keeps it as evidence).
std::optional<domain::ConsentBasis> ParseBasis(absl::string_view text) {
  const std::string v = Lower(text);
  if (OneOf(v, {"opt-in", "optin", "opt in", "opt_in", "ja", "j", "yes", "y", "true", "1",
                "toestemming", "akkoord"})) {
    return domain::ConsentBasis::kOptIn;
  }
  if (OneOf(v, {"klant", "bestaande klant", "bestaandeklant", "customer", "existing customer",
                "existing_customer", "existing-customer", "relatie"})) {
    return domain::ConsentBasis::kExistingCustomer;
  }
  if (OneOf(v, {"callback", "terugbelverzoek", "requested", "requested_contact", "gevraagd",
                "gevraagde oproep"})) {
    return domain::ConsentBasis::kRequestedContact;
  }
  if (OneOf(v, {"", "nee", "n", "no", "false", "0", "geen", "none", "opt-out", "optout"})) {
    return domain::ConsentBasis::kNone;
  }
  return std::nullopt;
}

std::optional<domain::Channel> ParseChannel(absl::string_view text) {
  const std::string v = Lower(text);
  if (OneOf(v, {"phone", "telefoon", "bellen", "tel", "call", "mobiel", "mobile"})) {
    return domain::Channel::kPhone;
  }
  if (OneOf(v, {"email", "e-mail", "mail"})) return domain::Channel::kEmail;
  if (OneOf(v, {"sms", "text", "tekst", "sms/tekst"})) return domain::Channel::kSms;
  if (OneOf(v, {"chat", "whatsapp", "app"})) return domain::Channel::kChat;
  return std::nullopt;
}

// Looks like an address mail can be sent to: one '@', a local part, a dotted domain, no spaces.
// Odd addresses are still kept; this only decides whether the route is usable as it stands.
bool UsableEmail(absl::string_view email) {
  const size_t at = email.find('@');
  if (at == 0 || at == absl::string_view::npos ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  const absl::string_view domain = email.substr(at + 1);
  const size_t dot = domain.rfind('.');
  return dot != absl::string_view::npos && dot > 0 && dot + 2 <= domain.size() &&
         email.find_first_of(" \t,;") == absl::string_view::npos;
}

}  // namespace

domain::PhoneType PhoneTypeOf(phone::NumberType t) {
  switch (t) {
    case phone::NumberType::kMobile:
      return domain::PhoneType::kMobile;
    case phone::NumberType::kFixedLine:
      return domain::PhoneType::kFixedLine;
    case phone::NumberType::kFixedLineOrMobile:
      return domain::PhoneType::kFixedLineOrMobile;
    case phone::NumberType::kOther:
      return domain::PhoneType::kOther;
    case phone::NumberType::kUnknown:
      break;
  }
  return domain::PhoneType::kUnknown;
}

std::optional<absl::Time> ParseDate(absl::string_view text, absl::TimeZone tz, bool serial,
                                    bool from_1904) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return std::nullopt;
  double days = 0;
  if (serial && from_1904 && absl::SimpleAtod(text, &days) && days >= 0 && days < 200000) {
    const absl::CivilSecond epoch(1904, 1, 1, 0, 0, 0);
    return absl::FromCivil(epoch + static_cast<int64_t>(days * 86400 + 0.5), tz);
  }
  if (serial) {
    if (absl::SimpleAtod(text, &days) && days >= 1 && days < 200000) {
      // Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was (day 60,
      // read here as the 28th): from day 61 on, days count from 1899-12-30. In local time.
      const absl::CivilSecond epoch(1899, 12, days < 60 ? 31 : 30, 0, 0, 0);
      return absl::FromCivil(epoch + static_cast<int64_t>(days * 86400 + 0.5), tz);
    }
  }
  // Split "date[ time]"; the date may use - / or . between its parts.
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar(" T"), absl::SkipEmpty());
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  std::vector<absl::string_view> d = absl::StrSplit(parts[0], absl::ByAnyChar("-/."));
  if (d.size() != 3) return std::nullopt;
  // A four-digit year first (ISO) or last (day-month-year, or a two-digit year); day and
  // month of one or two digits. "1.2.3" is not a date.
  const bool iso = d[0].size() == 4;
  const absl::string_view year_text = iso ? d[0] : d[2];
  const absl::string_view day_text = iso ? d[2] : d[0];
  if ((year_text.size() != 4 && (iso || year_text.size() != 2)) || d[1].empty() ||
      d[1].size() > 2 || day_text.empty() || day_text.size() > 2) {
    return std::nullopt;
  }
  int a = 0, b = 0, c = 0;
  if (!absl::SimpleAtoi(d[0], &a) || !absl::SimpleAtoi(d[1], &b) || !absl::SimpleAtoi(d[2], &c)) {
    return std::nullopt;
  }
  // ISO year first, else the Dutch day-month-year order.
  int year = iso ? a : c, month = b, day = iso ? c : a;
  if (year < 100) year += year < 70 ? 2000 : 1900;
  int hour = 0, minute = 0, second = 0;
  if (parts.size() > 1) {
    std::vector<absl::string_view> t = absl::StrSplit(parts[1], ':');
    if (t.size() < 2 || !absl::SimpleAtoi(t[0], &hour) || !absl::SimpleAtoi(t[1], &minute) ||
        (t.size() > 2 && !absl::SimpleAtoi(t[2].substr(0, 2), &second))) {
      return std::nullopt;
    }
  }
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises out-of-range values (31-02 -> 03-03); such text is not a date.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || year < 1900 || year > 2200) {
    return std::nullopt;
  }
  return absl::FromCivil(civil, tz);
}

bool MarketingAllowed(const domain::Consent& consent, domain::MarketingPolicy policy,
                      int existing_customer_months, absl::Time now, absl::TimeZone tz) {
  switch (consent.basis) {
    case domain::ConsentBasis::kOptIn:
      // Consent must be provable per person: source and time.
      return consent.given_at.has_value() && *consent.given_at <= now;
    case domain::ConsentBasis::kRequestedContact:
      return true;  // a call the customer asked for is not telemarketing
    case domain::ConsentBasis::kExistingCustomer: {
      if (policy != domain::MarketingPolicy::kOptInOrExistingCustomer ||
          !consent.relationship_last_at) {
        return false;
      }
      // The same day `existing_customer_months` back, or that month's last day (31 March
      // minus one month is 28 or 29 February).
      const absl::CivilDay today = absl::ToCivilDay(now, tz);
      const absl::CivilMonth limit = absl::CivilMonth(today) - existing_customer_months;
      const int last_day = (absl::CivilDay(limit + 1) - 1).day();
      return absl::ToCivilDay(*consent.relationship_last_at, tz) >=
             absl::CivilDay(limit.year(), limit.month(), std::min(today.day(), last_day));
    }
    case domain::ConsentBasis::kNone:
      break;
  }
  return false;
}

absl::StatusOr<Row> NormalizeRow(int64_t line, const std::vector<std::string>& fields,
                                 const ColumnMap& columns, const RowContext& ctx) {
  if (fields.size() > columns.fields.size()) {
    // Trailing empty fields (a stray separator at the end) are harmless; real values are not.
    for (size_t i = columns.fields.size(); i < fields.size(); ++i) {
      if (!absl::StripAsciiWhitespace(fields[i]).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(fields.size(), " fields where the header has ", columns.fields.size(),
                         " (a separator inside an unquoted value?)"));
      }
    }
  }
  Row row;
  row.line = line;
  domain::Lead& lead = row.lead;
  lead.kind = domain::LeadKind::kPassive;
  lead.origin = domain::LeadOrigin::kListImport;
  lead.campaign_id = ctx.campaign_id;
  lead.source = ctx.source;
  lead.dealer_id = ctx.default_dealer;

  std::string full_name, basis_text, purchase_text;
  std::optional<absl::Time> purchase;
  domain::Vehicle vehicle{.role = domain::VehicleRole::kCurrent};
  bool has_vehicle = false;
  std::vector<std::string> notes;
  std::vector<std::pair<std::string, bool>> phones;  // raw, from a mobile column
  std::vector<std::string> emails;

  for (size_t i = 0; i < fields.size() && i < columns.fields.size(); ++i) {
    const std::string value(absl::StripAsciiWhitespace(fields[i]));
    if (value.empty()) continue;
    if (!columns.fields[i]) {
      notes.push_back(absl::StrCat(columns.headers[i], ": ", value));
      continue;
    }
    auto date_or_note = [&](std::optional<absl::Time>& out) {
      out = ParseDate(value, ctx.time_zone, ctx.serial_dates, ctx.dates_from_1904);
      // An unreadable date is kept as text rather than dropped.
      if (!out) notes.push_back(absl::StrCat(columns.headers[i], ": ", value, " (not a date)"));
    };
    switch (*columns.fields[i]) {
      case Field::kDealerId:
        lead.dealer_id = Lower(value);
        break;
      case Field::kCustomerId:
        lead.customer_id = value;
        break;
      case Field::kFirstName:
        lead.first_name = value;
        break;
      case Field::kLastName:
        lead.last_name = value;
        break;
      case Field::kFullName:
        full_name = value;
        break;
      case Field::kLanguage:
        lead.language = Lower(value);
        break;
      case Field::kPhone:
      case Field::kMobile:
        phones.emplace_back(value, *columns.fields[i] == Field::kMobile);
        break;
      case Field::kEmail:
        emails.push_back(value);
        break;
      case Field::kPreferredChannel:
        lead.preferred_channel = ParseChannel(value);
        if (!lead.preferred_channel) notes.push_back(absl::StrCat(columns.headers[i], ": ", value));
        break;
      case Field::kVehicleMake:
        vehicle.make = value;
        has_vehicle = true;
        break;
      case Field::kVehicleModel:
        vehicle.model = value;
        has_vehicle = true;
        break;
      case Field::kVehicleYear:
        if (!absl::SimpleAtoi(value, &vehicle.year)) {
          notes.push_back(absl::StrCat(columns.headers[i], ": ", value));
        }
        has_vehicle = true;
        break;
      case Field::kVehicleVin:
        vehicle.vin = absl::AsciiStrToUpper(value);
        has_vehicle = true;
        break;
      case Field::kVehicleUsed:
        vehicle.used = OneOf(Lower(value),
                             {"ja", "j", "yes", "y", "1", "true", "used", "occasion", "gebruikt"});
        break;
      case Field::kPurchaseDate:
        date_or_note(purchase);
        purchase_text = value;
        break;
      case Field::kConsentBasis:
        basis_text = value;
        break;
      case Field::kConsentSource:
        lead.consent.source = value;
        break;
      case Field::kConsentGivenAt:
        date_or_note(lead.consent.given_at);
        break;
      case Field::kRelationshipLastAt:
        date_or_note(lead.consent.relationship_last_at);
        break;
      case Field::kNotes:
        notes.push_back(value);
        break;
    }
  }

  if (lead.dealer_id.empty()) return absl::InvalidArgumentError("no dealer: the row names none");
  auto country = ctx.dealer_countries.find(lead.dealer_id);
  if (country == ctx.dealer_countries.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dealer '", lead.dealer_id, "' is not part of this campaign"));
  }

  if (lead.first_name.empty() && lead.last_name.empty() && !full_name.empty()) {
    // "Jan de Vries": the first word is the first name, "de Vries" stays the last name.
    const size_t space = full_name.find(' ');
    lead.first_name = full_name.substr(0, space);
    if (space != std::string::npos) lead.last_name = full_name.substr(space + 1);
  }

  for (const auto& [raw, from_mobile_column] : phones) {
    const phone::Normalized n = phone::Normalize(raw, country->second);
    domain::ContactRoute route{.channel = domain::Channel::kPhone,
                               .raw_value = raw,
                               .normalized_value = n.e164,
                               .phone_type = PhoneTypeOf(n.type),
                               .usable = n.valid()};
    if (n.valid()) {
      // Two rows with "0000000000" are not the same person: only real numbers identify.
      row.keys.push_back(absl::StrCat("p:", n.e164));
    } else if (from_mobile_column) {
      route.phone_type = domain::PhoneType::kUnknown;
    }
    lead.contact_routes.push_back(std::move(route));
  }
  for (const std::string& raw : emails) {
    const std::string normalized = NormalizeEmail(raw);
    const bool usable = !normalized.empty();
    lead.contact_routes.push_back({.channel = domain::Channel::kEmail,
                                   .raw_value = raw,
                                   .normalized_value = normalized,
                                   .usable = usable});
    if (usable) row.keys.push_back(absl::StrCat("e:", normalized));
  }
  if (!lead.customer_id.empty()) row.keys.push_back(absl::StrCat("c:", lead.customer_id));
  if (lead.preferred_channel) {
    for (domain::ContactRoute& r : lead.contact_routes) {
      const bool matches = r.channel == *lead.preferred_channel ||
                           (*lead.preferred_channel == domain::Channel::kSms &&
                            r.phone_type == domain::PhoneType::kMobile);
      if (matches && r.usable) {
        r.preferred = true;
        break;
      }
    }
  }
  row.has_usable_route = std::any_of(lead.contact_routes.begin(), lead.contact_routes.end(),
                                     [](const domain::ContactRoute& r) { return r.usable; });

  if (has_vehicle || purchase) {
    if (purchase) {
      vehicle.comments =
          absl::StrCat("bought ", absl::FormatTime("%Y-%m-%d", *purchase, ctx.time_zone));
    }
    lead.vehicles.push_back(std::move(vehicle));
  }

  // Lawful basis: as the list states it; a relationship date alone means an existing customer.
  const std::optional<domain::ConsentBasis> basis = ParseBasis(basis_text);
  if (purchase &&
      (!lead.consent.relationship_last_at || *purchase > *lead.consent.relationship_last_at)) {
    lead.consent.relationship_last_at = purchase;
  }
  if (!basis) {
    lead.consent.basis = domain::ConsentBasis::kNone;
    notes.push_back(absl::StrCat("consent: '", basis_text, "' not understood, treated as none"));
  } else if (*basis == domain::ConsentBasis::kNone && basis_text.empty() &&
             lead.consent.relationship_last_at) {
    lead.consent.basis = domain::ConsentBasis::kExistingCustomer;
  } else {
    lead.consent.basis = *basis;
  }
  row.lawful_basis = MarketingAllowed(lead.consent, ctx.policy, ctx.existing_customer_months,
                                      ctx.now, ctx.time_zone);
  lead.notes = absl::StrJoin(notes, "; ");
  return row;
}

std::string NormalizeEmail(absl::string_view raw) {
  std::string email = Lower(raw);
  return UsableEmail(email) ? email : std::string();
}

}  // namespace secondvoice::intake
