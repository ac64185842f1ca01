// Parser and formatter for weekly hours; see weekly_hours.h for the accepted grammar.
#include "libs/calendar/weekly_hours.h"

#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace secondvoice::calendar {
namespace {

constexpr std::array<absl::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};

std::optional<int> ParseDay(absl::string_view word) {
  static constexpr std::array<std::array<absl::string_view, 4>, 7> kAliases = {{
      {"mon", "monday", "ma", "maandag"},
      {"tue", "tuesday", "di", "dinsdag"},
      {"wed", "wednesday", "wo", "woensdag"},
      {"thu", "thursday", "do", "donderdag"},
      {"fri", "friday", "vr", "vrijdag"},
      {"sat", "saturday", "za", "zaterdag"},
      {"sun", "sunday", "zo", "zondag"},
  }};
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(word));
  for (int d = 0; d < 7; ++d) {
    for (absl::string_view alias : kAliases[d]) {
      if (lower == alias) return d;
    }
  }
  return std::nullopt;
}

// "9:00", "09:00", "24:00" -> minutes since midnight.
std::optional<int> ParseClock(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() != 2 || parts[1].size() != 2 || parts[0].empty() || parts[0].size() > 2) {
    return std::nullopt;
  }
  int h = 0, m = 0;
  if (!absl::SimpleAtoi(parts[0], &h) || !absl::SimpleAtoi(parts[1], &m)) return std::nullopt;
  if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string FormatClock(int minute) {
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

std::string FormatRanges(const std::vector<TimeRange>& ranges) {
  return absl::StrJoin(ranges, ",", [](std::string* out, const TimeRange& r) {
    absl::StrAppend(out, FormatClock(r.open_minute), "-", FormatClock(r.close_minute));
  });
}

// "Mon-Fri", "Sat", "Mon,Wed" -> the days it names.
absl::StatusOr<std::vector<int>> ParseDays(absl::string_view spec) {
  std::vector<int> days;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> ends = absl::StrSplit(item, '-');
    if (ends.size() > 2)
      return absl::InvalidArgumentError(absl::StrCat("bad day range '", item, "'"));
    std::optional<int> first = ParseDay(ends[0]);
    std::optional<int> last = ends.size() == 2 ? ParseDay(ends[1]) : first;
    if (!first || !last) {
      return absl::InvalidArgumentError(absl::StrCat("unknown day in '", item, "'"));
    }
    if (*last < *first) {
      return absl::InvalidArgumentError(absl::StrCat("day range '", item, "' runs backwards"));
    }
    for (int d = *first; d <= *last; ++d) days.push_back(d);
  }
  if (days.empty()) return absl::InvalidArgumentError(absl::StrCat("no day in '", spec, "'"));
  return days;
}

}  // namespace

absl::StatusOr<WeeklyHours> ParseWeeklyHours(absl::string_view text) {
  WeeklyHours hours;
  for (absl::string_view clause : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    clause = absl::StripAsciiWhitespace(clause);
    // The day part ends at the first digit: "Mon-Fri 09:00-17:00".
    const size_t digit = clause.find_first_of("0123456789");
    if (digit == absl::string_view::npos || digit == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", clause, "' is not of the form 'Mon-Fri 09:00-17:00'"));
    }
    auto days = ParseDays(clause.substr(0, digit));
    if (!days.ok()) return days.status();
    std::vector<TimeRange> ranges;
    for (absl::string_view range :
         absl::StrSplit(clause.substr(digit), ',', absl::SkipWhitespace())) {
      std::vector<absl::string_view> ends = absl::StrSplit(range, '-');
      std::optional<int> open = ends.size() == 2 ? ParseClock(ends[0]) : std::nullopt;
      std::optional<int> close = ends.size() == 2 ? ParseClock(ends[1]) : std::nullopt;
      if (!open || !close) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad time range '", absl::StripAsciiWhitespace(range), "' (expected HH:MM-HH:MM)"));
      }
      if (*close <= *open) {
        return absl::InvalidArgumentError(absl::StrCat(
            "time range '", absl::StripAsciiWhitespace(range), "' closes before it opens"));
      }
      ranges.push_back({*open, *close});
    }
    for (int d : *days) {
      if (!hours.days[d].empty()) {
        return absl::InvalidArgumentError(absl::StrCat(kDayNames[d], " is given twice"));
      }
      hours.days[d] = ranges;
      std::sort(
          hours.days[d].begin(), hours.days[d].end(),
          [](const TimeRange& a, const TimeRange& b) { return a.open_minute < b.open_minute; });
      for (size_t i = 1; i < hours.days[d].size(); ++i) {
        if (hours.days[d][i].open_minute < hours.days[d][i - 1].close_minute) {
          return absl::InvalidArgumentError(absl::StrCat(kDayNames[d], " has overlapping ranges"));
        }
      }
    }
  }
  return hours;
}

std::string FormatWeeklyHours(const WeeklyHours& hours) {
  std::vector<std::string> clauses;
  for (int d = 0; d < 7;) {
    int end = d;
    while (end + 1 < 7 && hours.days[end + 1] == hours.days[d]) ++end;
    if (!hours.days[d].empty()) {
      std::string days(kDayNames[d]);
      if (end > d) absl::StrAppend(&days, "-", kDayNames[end]);
      clauses.push_back(absl::StrCat(days, " ", FormatRanges(hours.days[d])));
    }
    d = end + 1;
  }
  return absl::StrJoin(clauses, "; ");
}

WeeklyHours DefaultCallingWindow() {
  WeeklyHours hours;
  for (int d = 0; d < 5; ++d) hours.days[d] = {{9 * 60, 21 * 60}};
  hours.days[5] = {{10 * 60, 16 * 60}};
  return hours;
}

bool IsOpenAt(const WeeklyHours& hours, absl::Time t, absl::TimeZone tz) {
  const absl::CivilSecond local = absl::ToCivilSecond(t, tz);
  const int day =
      (static_cast<int>(absl::GetWeekday(local)) + 7 - static_cast<int>(absl::Weekday::monday)) % 7;
  const int minute = local.hour() * 60 + local.minute();
  for (const TimeRange& r : hours.days[day]) {
    if (minute >= r.open_minute && minute < r.close_minute) return true;
  }
  return false;
}

}  // namespace secondvoice::calendar
