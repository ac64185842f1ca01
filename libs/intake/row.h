// One list row -> one passive lead: contact routes normalised (phone numbers through
// libphonenumber with the dealer's country, e-mail lower-cased), vehicle, lawful basis and the
// keys that find the same person again. No pre-qualification: an odd or placeholder value is
// kept raw and only marked unusable; a row is refused only when it is structurally broken.
#ifndef SECONDVOICE_LIBS_INTAKE_ROW_H_
#define SECONDVOICE_LIBS_INTAKE_ROW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/domain/types.h"
#include "libs/intake/columns.h"
#include "libs/phone/phone.h"

namespace secondvoice::intake {

struct RowContext {
  int64_t campaign_id = 0;
  // Dealer id -> its country (ISO alpha-2), for the campaign's dealers.
  absl::flat_hash_map<std::string, std::string> dealer_countries;
  // Rows without a dealer column go to this dealer (a single-dealer campaign or the import's
  // default); empty when every row must name its dealer.
  std::string default_dealer;
  // For dates without a zone and for the lawful-basis age check.
  absl::TimeZone time_zone;
  absl::Time now;
  domain::MarketingPolicy policy = domain::MarketingPolicy::kOptInOnly;
  int existing_customer_months = 36;
  // The list's name, kept on every lead as its source.
  std::string source;
  // Excel serial numbers are dates in date columns (xlsx input), counted from 1904 in
  // workbooks that say so (old Mac Excel).
  bool serial_dates = false;
  bool dates_from_1904 = false;
};

struct Row {
  int64_t line = 0;
  domain::Lead lead;
  // Identities that make two rows the same person at one dealer: "p:+31612345678",
  // "e:eva@example.nl", "c:K-1001" (customer id).
  std::vector<std::string> keys;
  bool has_usable_route = false;
  // The campaign's marketing policy allows a call on this lead's basis.
  bool lawful_basis = false;
};

// INVALID_ARGUMENT with the reason when the row must be rejected (the caller adds the line).
absl::StatusOr<Row> NormalizeRow(int64_t line, const std::vector<std::string>& fields,
                                 const ColumnMap& columns, const RowContext& context);

// Whether `consent` allows a marketing call under `policy` at `now`. An existing customer's
// window counts calendar months in `tz` (the dealer's), where list dates are read.
bool MarketingAllowed(const domain::Consent& consent, domain::MarketingPolicy policy,
                      int existing_customer_months, absl::Time now, absl::TimeZone tz);

// An e-mail address trimmed and lower-cased, or "" when it does not look like one mail can be
// sent to as it stands (one '@', a local part, a dotted domain, no spaces).
std::string NormalizeEmail(absl::string_view raw);

// The lead's phone type for libphonenumber's.
domain::PhoneType PhoneTypeOf(phone::NumberType type);

// Dates as lists write them: 2023-03-15, 15-03-2023, 15/3/2023, 15.03.2023, optionally with a
// time ("15-03-2023 14:30"), and Excel serial numbers when `serial` is set (day 0 is
// 1904-01-01 with `from_1904`). Local to `tz`.
std::optional<absl::Time> ParseDate(absl::string_view text, absl::TimeZone tz, bool serial,
                                    bool from_1904 = false);

}  // namespace secondvoice::intake

#endif  // SECONDVOICE_LIBS_INTAKE_ROW_H_
