// Calling windows and holidays; see calling_window.h.
#include "libs/calendar/calling_window.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace secondvoice::calendar {
namespace {

// Monday is 0.
int DayIndex(absl::CivilDay day) {
  return (static_cast<int>(absl::GetWeekday(day)) + 7 - static_cast<int>(absl::Weekday::monday)) %
         7;
}

// How far NextOpen looks ahead before it gives up.
constexpr int kSearchDays = 550;

}  // namespace

absl::CivilDay EasterSunday(int year) {
  // The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

std::optional<absl::string_view> DutchHoliday(absl::CivilDay day) {
  const int year = static_cast<int>(day.year());
  const int month = day.month();
  const int dom = day.day();
  if (month == 1 && dom == 1) return "Nieuwjaarsdag";
  if (month == 12 && dom == 25) return "Eerste Kerstdag";
  if (month == 12 && dom == 26) return "Tweede Kerstdag";
  if (month == 5 && dom == 5 && year % 5 == 0) return "Bevrijdingsdag";
  if (month == 4) {
    const absl::CivilDay kings(year, 4, 27);
    const bool sunday = absl::GetWeekday(kings) == absl::Weekday::sunday;
    if (dom == (sunday ? 26 : 27)) return "Koningsdag";
  }
  const absl::CivilDay easter = EasterSunday(year);
  const auto offset = day - easter;
  if (offset == 0) return "Eerste Paasdag";
  if (offset == 1) return "Tweede Paasdag";
  if (offset == 39) return "Hemelvaartsdag";
  if (offset == 49) return "Eerste Pinksterdag";
  if (offset == 50) return "Tweede Pinksterdag";
  return std::nullopt;
}

HolidayCalendar HolidayCalendar::Dutch() {
  HolidayCalendar calendar;
  calendar.dutch_ = true;
  return calendar;
}

absl::StatusOr<HolidayCalendar> HolidayCalendar::Parse(absl::string_view text) {
  HolidayCalendar calendar;
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar(";,"))) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    const std::string lower = absl::AsciiStrToLower(part);
    if (lower == "nl") {
      calendar.dutch_ = true;
      continue;
    }
    if (lower == "none") continue;
    absl::CivilDay day;
    if (!absl::ParseCivilTime(part, &day) || part.size() != 10) {
      return absl::InvalidArgumentError(
          absl::StrCat("holidays: cannot read '", part, "' (NL, none, or a date YYYY-MM-DD)"));
    }
    calendar.dates_.insert(day);
  }
  return calendar;
}

std::optional<std::string> HolidayCalendar::HolidayOn(absl::CivilDay day) const {
  if (dutch_) {
    if (std::optional<absl::string_view> name = DutchHoliday(day)) return std::string(*name);
  }
  if (dates_.count(day) > 0) return std::string("holiday");
  return std::nullopt;
}

std::string HolidayCalendar::ToString() const {
  std::vector<std::string> parts;
  if (dutch_) parts.push_back("NL");
  for (const absl::CivilDay& day : dates_) parts.push_back(absl::FormatCivilTime(day));
  if (parts.empty()) return "none";
  return absl::StrJoin(parts, "; ");
}

absl::Time LocalTime(absl::CivilSecond local, absl::TimeZone tz) {
  const absl::TimeZone::TimeInfo info = tz.At(local);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
    case absl::TimeZone::TimeInfo::REPEATED:
    case absl::TimeZone::TimeInfo::UNIQUE:
      return info.pre;
  }
  return info.pre;
}

bool IsOpen(const CallingWindow& window, absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, window.tz);
  if (window.holidays.IsHoliday(day)) return false;
  // The day's open periods as NextOpen and CloseAfter see them: bounds through LocalTime. (The
  // wall clock alone would disagree with them in an hour that a clock change repeats.)
  for (const TimeRange& range : window.hours.days[DayIndex(day)]) {
    if (LocalTime(absl::CivilSecond(day) + range.open_minute * 60, window.tz) <= t &&
        t < LocalTime(absl::CivilSecond(day) + range.close_minute * 60, window.tz)) {
      return true;
    }
  }
  return false;
}

namespace {

// Calls `fn(open, close)` for the window's open periods from `t`'s local day on, in order, until
// it returns true or the search horizon is reached.
template <typename Fn>
void ForEachPeriod(const CallingWindow& window, absl::Time t, Fn fn) {
  const absl::CivilDay first = absl::ToCivilDay(t, window.tz);
  for (int i = 0; i < kSearchDays; ++i) {
    const absl::CivilDay day = first + i;
    if (window.holidays.IsHoliday(day)) continue;
    for (const TimeRange& range : window.hours.days[DayIndex(day)]) {
      const absl::Time open = LocalTime(absl::CivilSecond(day) + range.open_minute * 60, window.tz);
      const absl::Time close =
          LocalTime(absl::CivilSecond(day) + range.close_minute * 60, window.tz);
      if (close <= open) continue;  // a range that a clock change swallowed
      if (fn(open, close)) return;
    }
  }
}

}  // namespace

absl::Time NextOpen(const CallingWindow& window, absl::Time t) {
  absl::Time result = absl::InfiniteFuture();
  ForEachPeriod(window, t, [&](absl::Time open, absl::Time close) {
    if (t >= close) return false;
    result = std::max(t, open);
    return true;
  });
  return result;
}

absl::Time CloseAfter(const CallingWindow& window, absl::Time t) {
  absl::Time result = t;
  ForEachPeriod(window, t, [&](absl::Time open, absl::Time close) {
    if (t >= close) return false;
    if (t >= open) result = close;
    return true;
  });
  return result;
}

absl::Duration OpenBetween(const CallingWindow& window, absl::Time from, absl::Time to) {
  absl::Duration open_time = absl::ZeroDuration();
  if (to <= from) return open_time;
  ForEachPeriod(window, from, [&](absl::Time open, absl::Time close) {
    if (open >= to) return true;
    if (close > from) open_time += std::min(close, to) - std::max(open, from);
    return false;
  });
  return open_time;
}

absl::Time StartOfNextDay(absl::Time t, absl::TimeZone tz) {
  return LocalTime(absl::CivilSecond(absl::ToCivilDay(t, tz) + 1), tz);
}

Daypart DaypartAt(absl::Time t, absl::TimeZone tz) {
  const int hour = absl::ToCivilHour(t, tz).hour();
  if (hour < 12) return Daypart::kMorning;
  if (hour < 17) return Daypart::kAfternoon;
  return Daypart::kEvening;
}

absl::string_view DaypartName(Daypart part) {
  switch (part) {
    case Daypart::kMorning:
      return "morning";
    case Daypart::kAfternoon:
      return "afternoon";
    case Daypart::kEvening:
      return "evening";
  }
  return "morning";
}

absl::Time NextDaypartStart(absl::Time t, absl::TimeZone tz) {
  const absl::CivilDay day = absl::ToCivilDay(t, tz);
  switch (DaypartAt(t, tz)) {
    case Daypart::kMorning:
      return LocalTime(absl::CivilSecond(absl::CivilHour(day) + 12), tz);
    case Daypart::kAfternoon:
      return LocalTime(absl::CivilSecond(absl::CivilHour(day) + 17), tz);
    case Daypart::kEvening:
      break;
  }
  return StartOfNextDay(t, tz);
}

}  // namespace secondvoice::calendar
