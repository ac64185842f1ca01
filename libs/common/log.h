// A one-header logger: timestamped lines on stderr, with phone numbers and e-mail addresses
// masked (redact.h). Debian's Abseil has no absl/log.
#ifndef SECONDVOICE_LIBS_COMMON_LOG_H_
#define SECONDVOICE_LIBS_COMMON_LOG_H_

#include <sstream>

#include "absl/strings/string_view.h"

namespace secondvoice::log {

enum class Level { kInfo, kWarning, kError };

// Collects one line and writes it atomically when destroyed.
class Line {
 public:
  Line(Level level, absl::string_view file, int line);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  template <typename T>
  Line& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
  std::streampos header_;  // where the message starts, after time and place
};

// Lines below this level are dropped (default kInfo).
void SetMinLevel(Level level);
bool Enabled(Level level);

// Turns the streamed expression into void, so SV_LOG is one expression (safe in if/else).
struct Voidify {
  void operator&(const Line&) {}
};

}  // namespace secondvoice::log

#define SV_LOG(severity)                                               \
  !::secondvoice::log::Enabled(::secondvoice::log::Level::k##severity) \
      ? (void)0                                                        \
      : ::secondvoice::log::Voidify() &                                \
            ::secondvoice::log::Line(::secondvoice::log::Level::k##severity, __FILE__, __LINE__)

#endif  // SECONDVOICE_LIBS_COMMON_LOG_H_
