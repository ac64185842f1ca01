// Personal data kept out of log lines: phone numbers and e-mail addresses are masked wherever
// they turn up, also inside messages that other code or PostgreSQL wrote.
#ifndef SECONDVOICE_LIBS_COMMON_REDACT_H_
#define SECONDVOICE_LIBS_COMMON_REDACT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace secondvoice {

// `text` with every phone number masked but for its last two digits ("+31612345678" ->
// "+*********78") and the local part of every e-mail address masked but for its first character
// ("jan.jansen@example.nl" -> "j***@example.nl"). A phone number is a run of at least 9 digits
// that starts with '+' or '0' (digits may be split by spaces, '-', '/', '(' or ')'); that spares
// ids, counts and timestamps.
std::string Redact(absl::string_view text);

}  // namespace secondvoice

#endif  // SECONDVOICE_LIBS_COMMON_REDACT_H_
