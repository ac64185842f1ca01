// Writes log lines to stderr with UTC time, level and source location.
#include "libs/common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/common/redact.h"

namespace secondvoice::log {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

char LevelChar(Level level) {
  switch (level) {
    case Level::kInfo:
      return 'I';
    case Level::kWarning:
      return 'W';
    case Level::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

void SetMinLevel(Level level) { min_level.store(static_cast<int>(level)); }

bool Enabled(Level level) { return static_cast<int>(level) >= min_level.load(); }

Line::Line(Level level, absl::string_view file, int line) : header_(0) {
  auto slash = file.rfind('/');
  if (slash != absl::string_view::npos) file.remove_prefix(slash + 1);
  stream_ << LevelChar(level)
          << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ ", absl::Now(), absl::UTCTimeZone()) << file
          << ':' << line << "] ";
  header_ = stream_.tellp();
}

Line::~Line() {
  const std::string all = stream_.str();
  // Whatever the message carries (a status from PostgreSQL, a request's field), no phone number
  // or e-mail address reaches the log.
  const std::string text =
      absl::StrCat(absl::string_view(all).substr(0, static_cast<size_t>(header_)),
                   Redact(absl::string_view(all).substr(static_cast<size_t>(header_))), "\n");
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace secondvoice::log
