// Field-by-field checks for dealers, queues and campaigns.
#include "libs/domain/validate.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/calendar/calling_window.h"
#include "libs/calendar/weekly_hours.h"
#include "libs/common/status_macros.h"
#include "libs/phone/phone.h"

namespace secondvoice::domain {
namespace {

// An IANA zone name such as "Europe/Amsterdam" or "UTC". Abseil would also load "localtime"
// (the server's own zone, wrong for a dealer elsewhere) and any file under the zone directory,
// so only names made of the characters zone names use, without a path of their own, pass.
bool IsZoneName(absl::string_view name) {
  if (name.empty() || name == "localtime" || name.front() == '/' || absl::StrContains(name, "..")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

constexpr size_t kMaxNameLength = 200;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status ValidateName(absl::string_view field, std::string& name) {
  name = std::string(absl::StripAsciiWhitespace(name));
  if (name.empty()) return Invalid(field, "is required");
  if (name.size() > kMaxNameLength) {
    return Invalid(field, absl::StrCat("is longer than ", kMaxNameLength, " bytes"));
  }
  return absl::OkStatus();
}

// Weekly hours in canonical text; empty input gives `fallback`.
absl::Status NormalizeHours(absl::string_view field, std::string& text,
                            absl::string_view fallback) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    text = std::string(fallback);
    return absl::OkStatus();
  }
  auto hours = calendar::ParseWeeklyHours(text);
  if (!hours.ok()) return Invalid(field, hours.status().message());
  text = calendar::FormatWeeklyHours(*hours);
  if (text.empty()) return Invalid(field, "names no open day");
  return absl::OkStatus();
}

// "host:port" with a numeric port; the host may be a name, IPv4 or [IPv6].
absl::Status ValidateEndpoint(absl::string_view field, absl::string_view endpoint) {
  const size_t colon = endpoint.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(endpoint.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return Invalid(field, absl::StrCat("'", endpoint, "' is not of the form host:port"));
  }
  return absl::OkStatus();
}

absl::Status AtLeast(absl::string_view field, int value, int floor, absl::string_view why = "") {
  if (value >= floor) return absl::OkStatus();
  return Invalid(field, absl::StrCat("must be at least ", floor, " (got ", value, ")", why));
}

}  // namespace

absl::Status ValidateSlug(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "is required");
  bool ok = value.size() >= 2 && value.size() <= 63 && value.front() != '-';
  for (char c : value) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("'", value,
                                       "' must be 2-63 lower-case letters, digits or '-', "
                                       "not starting with '-'"));
  }
  return absl::OkStatus();
}

absl::Status NormalizeDealer(Dealer& dealer) {
  RETURN_IF_ERROR(ValidateSlug("dealer.id", dealer.id));
  RETURN_IF_ERROR(ValidateName("dealer.name", dealer.name));
  dealer.country = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(dealer.country));
  if (dealer.country.size() != 2 || !phone::IsKnownRegion(dealer.country)) {
    return Invalid("dealer.country", absl::StrCat("'", dealer.country,
                                                  "' is not an ISO 3166-1 alpha-2 country code"));
  }
  absl::TimeZone tz;
  if (!IsZoneName(dealer.time_zone) || !absl::LoadTimeZone(dealer.time_zone, &tz)) {
    return Invalid(
        "dealer.time_zone",
        absl::StrCat("'", dealer.time_zone, "' is not an IANA time zone such as Europe/Amsterdam"));
  }
  RETURN_IF_ERROR(NormalizeHours("dealer.opening_hours", dealer.opening_hours,
                                 calendar::FormatWeeklyHours(calendar::DefaultCallingWindow())));
  if (dealer.holidays.empty()) dealer.holidays = "NL";
  absl::StatusOr<calendar::HolidayCalendar> holidays =
      calendar::HolidayCalendar::Parse(dealer.holidays);
  if (!holidays.ok()) return Invalid("dealer.holidays", holidays.status().message());
  dealer.holidays = holidays->ToString();
  if (!dealer.crm_endpoint.empty()) {
    RETURN_IF_ERROR(ValidateEndpoint("dealer.crm_endpoint", dealer.crm_endpoint));
  }
  if (!dealer.crm_tls_root_certs.empty()) {
    if (!dealer.crm_tls) return Invalid("dealer.crm_tls_root_certs", "only with crm_tls");
    if (!absl::StrContains(dealer.crm_tls_root_certs, "-----BEGIN CERTIFICATE-----")) {
      return Invalid("dealer.crm_tls_root_certs",
                     "not PEM certificates (-----BEGIN CERTIFICATE-----)");
    }
  }
  if (!dealer.crm_token.empty() && !dealer.crm_tls) {
    return Invalid("dealer.crm_token", "only with crm_tls: a token must not travel in plain text");
  }
  if (dealer.crm_token.size() > 4096)
    return Invalid("dealer.crm_token", "longer than 4096 characters");
  for (char c : dealer.crm_token) {
    // It travels in an HTTP/2 header: visible ASCII only.
    if (c < 0x21 || c > 0x7e) {
      return Invalid("dealer.crm_token", "only visible ASCII characters, no spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status NormalizeQueue(Queue& queue) {
  RETURN_IF_ERROR(ValidateSlug("queue.id", queue.id));
  return ValidateName("queue.name", queue.name);
}

absl::Status NormalizeCampaign(Campaign& c) {
  RETURN_IF_ERROR(ValidateName("campaign.name", c.name));
  if (c.dealer_ids.empty()) return Invalid("campaign.dealer_ids", "name at least one dealer");
  std::set<std::string> seen;
  for (const std::string& id : c.dealer_ids) {
    RETURN_IF_ERROR(ValidateSlug("campaign.dealer_ids", id));
    if (!seen.insert(id).second) {
      return Invalid("campaign.dealer_ids", absl::StrCat("'", id, "' is named twice"));
    }
  }
  RETURN_IF_ERROR(ValidateSlug("campaign.queue_id", c.queue_id));

  if (c.caller_id.empty()) {
    return Invalid("campaign.caller_id", "is required: the called person must see who calls");
  }
  const phone::Normalized caller = phone::Normalize(c.caller_id, "ZZ");
  if (!caller.valid()) {
    return Invalid(
        "campaign.caller_id",
        absl::StrCat("'", c.caller_id, "' is not a valid E.164 number like +31201234567"));
  }
  c.caller_id = caller.e164;

  if (c.existing_customer_months == 0) c.existing_customer_months = 36;
  if (c.existing_customer_months < 1 || c.existing_customer_months > 120) {
    return Invalid("campaign.existing_customer_months", "must be between 1 and 120");
  }

  Cadence& k = c.cadence;
  const Cadence defaults;
  if (k.min_call_attempts == 0) k.min_call_attempts = defaults.min_call_attempts;
  if (k.min_spread_days == 0) k.min_spread_days = defaults.min_spread_days;
  if (k.max_spread_days == 0)
    k.max_spread_days = std::max(defaults.max_spread_days, k.min_spread_days);
  if (k.max_call_attempts == 0) {
    // Passive leads need up to four times the attempts before a connection.
    k.max_call_attempts = c.kind == CampaignKind::kPassiveList
                              ? 4 * k.min_call_attempts
                              : std::max(defaults.max_call_attempts, k.min_call_attempts);
  }
  if (k.min_gap_minutes == 0) k.min_gap_minutes = defaults.min_gap_minutes;
  if (k.max_attempts_per_day == 0) k.max_attempts_per_day = defaults.max_attempts_per_day;
  RETURN_IF_ERROR(AtLeast("campaign.cadence.min_call_attempts", k.min_call_attempts, 4,
                          "; a lead may be closed not-reached only after 4 call attempts"));
  RETURN_IF_ERROR(AtLeast("campaign.cadence.min_spread_days", k.min_spread_days, 3,
                          "; the attempts must spread over at least 3 days"));
  RETURN_IF_ERROR(AtLeast("campaign.cadence.max_spread_days", k.max_spread_days, k.min_spread_days,
                          ", the value of min_spread_days"));
  RETURN_IF_ERROR(AtLeast("campaign.cadence.max_call_attempts", k.max_call_attempts,
                          k.min_call_attempts, ", the value of min_call_attempts"));
  RETURN_IF_ERROR(AtLeast("campaign.cadence.min_gap_minutes", k.min_gap_minutes, 1));
  RETURN_IF_ERROR(AtLeast("campaign.cadence.max_attempts_per_day", k.max_attempts_per_day, 1));
  if (k.max_call_attempts > 100) {
    return Invalid("campaign.cadence.max_call_attempts", "must be at most 100");
  }

  if (c.abandon_cap_percent == 0) c.abandon_cap_percent = 3.0;
  if (!(c.abandon_cap_percent > 0 && c.abandon_cap_percent <= 3.0)) {
    return Invalid("campaign.abandon_cap_percent",
                   "must be above 0 and at most 3 (percent of live-answered calls)");
  }
  RETURN_IF_ERROR(NormalizeHours("campaign.calling_hours", c.calling_hours, ""));
  if (c.starts_at && c.ends_at && *c.ends_at <= *c.starts_at) {
    return Invalid("campaign.ends_at", "must be after starts_at");
  }
  return absl::OkStatus();
}

absl::Status CheckCampaignTransition(CampaignState from, CampaignState to) {
  using S = CampaignState;
  const bool ok = from == to || (from != S::kEnded && to == S::kEnded) ||
                  (to == S::kActive && (from == S::kDraft || from == S::kPaused)) ||
                  (from == S::kActive && to == S::kPaused);
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("a campaign cannot go from ", Name(from), " to ", Name(to)));
}

}  // namespace secondvoice::domain
