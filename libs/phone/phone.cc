// libphonenumber wrapper: parse, validate, format E.164 and classify.
#include "libs/phone/phone.h"

#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace secondvoice::phone {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

NumberType TypeOf(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::MOBILE:
      return NumberType::kMobile;
    case PhoneNumberUtil::FIXED_LINE:
      return NumberType::kFixedLine;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return NumberType::kFixedLineOrMobile;
    case PhoneNumberUtil::UNKNOWN:
      return NumberType::kUnknown;
    default:
      return NumberType::kOther;
  }
}

}  // namespace

Normalized Normalize(absl::string_view raw, absl::string_view default_region) {
  Normalized out;
  out.raw = std::string(raw);
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(raw), std::string(default_region), &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return out;
  }
  if (!util.IsValidNumber(number)) return out;
  util.Format(number, PhoneNumberUtil::E164, &out.e164);
  out.type = TypeOf(util.GetNumberType(number));
  return out;
}

bool IsKnownRegion(absl::string_view region) {
  return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(std::string(region)) != 0;
}

std::string Mask(absl::string_view number) {
  std::string digits;
  for (char c : number) {
    if ((c >= '0' && c <= '9') || (c == '+' && digits.empty())) digits.push_back(c);
  }
  const size_t keep_front = !digits.empty() && digits[0] == '+' ? 4 : 3;
  // Too short to hide a middle: nothing shown (a 7-digit number would otherwise be whole).
  if (digits.size() <= keep_front + 4) return std::string(digits.size(), '*');
  std::string masked = digits.substr(0, keep_front);
  masked.append(digits.size() - keep_front - 4, '*');
  masked.append(digits.substr(digits.size() - 4));
  return masked;
}

}  // namespace secondvoice::phone
