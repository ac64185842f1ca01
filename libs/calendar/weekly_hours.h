// Weekly opening hours / calling windows ("Mon-Fri 09:00-21:00; Sat 10:00-16:00"): parsing,
// canonical formatting and the question "is it open at this instant in this time zone".
#ifndef SECONDVOICE_LIBS_CALENDAR_WEEKLY_HOURS_H_
#define SECONDVOICE_LIBS_CALENDAR_WEEKLY_HOURS_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace secondvoice::calendar {

// [open, close) in minutes since local midnight; close may be 1440 ("24:00").
struct TimeRange {
  int open_minute = 0;
  int close_minute = 0;
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// Index 0 is Monday, 6 is Sunday. A day without ranges is closed.
struct WeeklyHours {
  std::array<std::vector<TimeRange>, 7> days;
  friend bool operator==(const WeeklyHours&, const WeeklyHours&) = default;
};

// Accepts "Mon-Fri 09:00-21:00; Sat 10:00-16:00", day lists "Mon,Wed 9:00-12:00", several
// ranges a day "Mon 09:00-12:00,13:00-17:00", English or Dutch day names (ma, di, wo, do, vr,
// za, zo), any case. Errors say which part could not be read.
absl::StatusOr<WeeklyHours> ParseWeeklyHours(absl::string_view text);

// Canonical text: consecutive days with equal hours are joined ("Mon-Fri 09:00-21:00; Sat
// 10:00-16:00"). ParseWeeklyHours(FormatWeeklyHours(h)) == h.
std::string FormatWeeklyHours(const WeeklyHours& hours);

// The Dutch telemarketing window: Mon-Fri 09:00-21:00, Sat 10:00-16:00.
WeeklyHours DefaultCallingWindow();

// True when `t`, seen in `tz`, falls inside one of the day's ranges.
bool IsOpenAt(const WeeklyHours& hours, absl::Time t, absl::TimeZone tz);

}  // namespace secondvoice::calendar

#endif  // SECONDVOICE_LIBS_CALENDAR_WEEKLY_HOURS_H_
