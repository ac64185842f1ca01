// libFuzzer target for libs/phone/phone.h: the first byte picks the dealer's region ('0' NL,
// '1' BE, '2' DE, ... '6' an unknown one, '7' none), the rest is the raw number. Normalize must
// not crash, keeps the raw value, gives a type only with an E.164 value ('+', then digits, no
// leading zero), and that value normalises to itself, with the same type, in every region. Mask
// must not throw, keeps the length of the digits (and a leading '+'), and hides at least one.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/phone/phone.h"

namespace {

namespace phone = ::secondvoice::phone;

struct Region {
  absl::string_view code;
  bool known;
};

// Eight, so that '0'..'7' select them in order; "ZZ" and "" are what libphonenumber does not know.
constexpr Region kRegions[] = {{"NL", true}, {"BE", true}, {"DE", true},  {"FR", true},
                               {"GB", true}, {"US", true}, {"ZZ", false}, {"", false}};

bool IsType(phone::NumberType type) {
  switch (type) {
    case phone::NumberType::kUnknown:
    case phone::NumberType::kMobile:
    case phone::NumberType::kFixedLine:
    case phone::NumberType::kFixedLineOrMobile:
    case phone::NumberType::kOther:
      return true;
  }
  return false;
}

// E.164 as libphonenumber writes it: a country code never starts with 0, and the national part
// may be longer than the ITU's 15 digits in all (German numbers can be), so no upper bound here
// beyond libphonenumber's own (3 digits of country code, 17 of national number).
bool IsE164(absl::string_view s) {
  if (s.size() < 3 || s.size() > 1 + 3 + 17 || s[0] != '+' || s[1] == '0') return false;
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Region& region = kRegions[data[0] % 8];
  const absl::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);

  if (phone::IsKnownRegion(region.code) != region.known) __builtin_trap();

  size_t digits = 0;
  for (char c : raw) digits += (c >= '0' && c <= '9') || (c == '+' && digits == 0);
  const std::string masked = phone::Mask(raw);
  if (masked.size() != digits) __builtin_trap();
  if (digits > 0 && masked.find('*') == std::string::npos) __builtin_trap();

  const phone::Normalized n = phone::Normalize(raw, region.code);
  if (n.raw != raw) __builtin_trap();
  if (!IsType(n.type)) __builtin_trap();
  if (!n.valid()) {
    if (n.type != phone::NumberType::kUnknown) __builtin_trap();
    return 0;
  }
  if (!IsE164(n.e164)) __builtin_trap();
  // A number with its country code does not depend on the default region, whatever it is.
  for (const Region& other : kRegions) {
    const phone::Normalized again = phone::Normalize(n.e164, other.code);
    if (again.e164 != n.e164 || again.type != n.type || again.raw != n.e164) __builtin_trap();
  }
  return 0;
}
