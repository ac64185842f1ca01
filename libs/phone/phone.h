// Phone numbers through Google's libphonenumber: E.164 with the number type, the raw value
// always kept beside it. A number that cannot be read is reported, never thrown away.
#ifndef SECONDVOICE_LIBS_PHONE_PHONE_H_
#define SECONDVOICE_LIBS_PHONE_PHONE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace secondvoice::phone {

enum class NumberType { kUnknown, kMobile, kFixedLine, kFixedLineOrMobile, kOther };

struct Normalized {
  std::string raw;
  // "+31612345678"; empty when the raw value is not a valid number.
  std::string e164;
  NumberType type = NumberType::kUnknown;
  bool valid() const { return !e164.empty(); }
};

// `default_region` is an ISO 3166-1 alpha-2 code (the dealer's country) used for numbers
// written without a country code.
Normalized Normalize(absl::string_view raw, absl::string_view default_region);

// True when libphonenumber knows `region` (upper-case ISO 3166-1 alpha-2).
bool IsKnownRegion(absl::string_view region);

// "+31 6 1234 5678" as "+316****5678": for logs and messages that must not show the number.
std::string Mask(absl::string_view number);

}  // namespace secondvoice::phone

#endif  // SECONDVOICE_LIBS_PHONE_PHONE_H_
