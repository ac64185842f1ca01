// Masking phone numbers and e-mail addresses in free text; see redact.h.
#include "libs/common/redact.h"

#include "absl/strings/ascii.h"

namespace secondvoice {
namespace {

constexpr int kMinPhoneDigits = 9;

bool IsSeparator(char c) { return c == ' ' || c == '-' || c == '/' || c == '(' || c == ')'; }

bool IsLocalChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}

bool IsDomainChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The end of the phone number starting at `start` (at '+' or '0'), and its digit count; a
// separator counts only between digits.
size_t PhoneEnd(absl::string_view text, size_t start, int* digits) {
  size_t i = start, end = start;
  *digits = 0;
  if (text[i] == '+') ++i;
  while (i < text.size()) {
    if (IsDigit(text[i])) {
      ++*digits;
      end = ++i;
    } else if (IsSeparator(text[i]) && *digits > 0) {
      ++i;
    } else {
      break;
    }
  }
  return end;
}

}  // namespace

std::string Redact(absl::string_view text) {
  std::string out(text);
  // E-mail addresses: around each '@', a local part and a domain with a dot in it.
  for (size_t at = out.find('@'); at != std::string::npos; at = out.find('@', at + 1)) {
    size_t begin = at;
    while (begin > 0 && IsLocalChar(out[begin - 1])) --begin;
    size_t end = at + 1;
    while (end < out.size() && IsDomainChar(out[end])) ++end;
    const absl::string_view domain(out.data() + at + 1, end - at - 1);
    if (begin == at || domain.find('.') == absl::string_view::npos) continue;
    out.replace(begin + 1, at - begin - 1, "***");
    at = begin + 4;
  }
  // Phone numbers: starting with '+' or '0' where no word or number goes on before them.
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const bool starts = (c == '+' && i + 1 < out.size() && IsDigit(out[i + 1])) || c == '0';
    const bool boundary = i == 0 || !(absl::ascii_isalnum(static_cast<unsigned char>(out[i - 1])) ||
                                      out[i - 1] == '.' || out[i - 1] == ',' || out[i - 1] == ':');
    if (!starts || !boundary) continue;
    int digits = 0;
    const size_t end = PhoneEnd(out, i, &digits);
    if (digits < kMinPhoneDigits) {
      i = end > i ? end - 1 : i;
      continue;
    }
    int seen = 0;
    for (size_t j = i; j < end; ++j) {
      if (IsDigit(out[j]) && ++seen <= digits - 2) out[j] = '*';
    }
    i = end - 1;
  }
  return out;
}

}  // namespace secondvoice
