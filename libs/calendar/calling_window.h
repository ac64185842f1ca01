// Calling windows with public holidays, in a time zone: when a lead may be called, when the
// window opens next, and the daypart of an instant. Correct across daylight-saving changes.
#ifndef SECONDVOICE_LIBS_CALENDAR_CALLING_WINDOW_H_
#define SECONDVOICE_LIBS_CALENDAR_CALLING_WINDOW_H_

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/calendar/weekly_hours.h"

namespace secondvoice::calendar {

// Easter Sunday of the Gregorian calendar.
absl::CivilDay EasterSunday(int year);

// The Dutch public holidays on which nobody is called: New Year's Day, Easter Sunday and Monday,
// King's Day (26 April when the 27th is a Sunday), Liberation Day in lustrum years (the years
// it is a day off under most collective agreements), Ascension Day, Whit Sunday and Monday, and
// Christmas Day and Boxing Day. Returns the name, or nullopt on other days.
std::optional<absl::string_view> DutchHoliday(absl::CivilDay day);

// A holiday calendar: the Dutch rules and/or explicit dates. Its text form is a list separated by
// ';' or ',': "NL" for the Dutch public holidays, dates "2026-12-24", or "none".
class HolidayCalendar {
 public:
  // An empty calendar (no holidays).
  HolidayCalendar() = default;
  static HolidayCalendar Dutch();
  // Errors name the part that could not be read.
  static absl::StatusOr<HolidayCalendar> Parse(absl::string_view text);

  // The holiday's name ("Koningsdag", "holiday" for an explicit date), or nullopt.
  std::optional<std::string> HolidayOn(absl::CivilDay day) const;
  bool IsHoliday(absl::CivilDay day) const { return HolidayOn(day).has_value(); }
  // Canonical text: "NL; 2026-12-24", or "none".
  std::string ToString() const;

 private:
  bool dutch_ = false;
  std::set<absl::CivilDay> dates_;
};

// When calls may be placed: weekly hours in a time zone, closed on holidays.
struct CallingWindow {
  WeeklyHours hours = DefaultCallingWindow();
  HolidayCalendar holidays = HolidayCalendar::Dutch();
  absl::TimeZone tz;
};

// The instant a local wall-clock time happens in `tz`. A time skipped by a daylight-saving jump
// maps to the moment of the jump; a repeated one to its first occurrence.
absl::Time LocalTime(absl::CivilSecond local, absl::TimeZone tz);

bool IsOpen(const CallingWindow& window, absl::Time t);
// The first instant at or after `t` at which the window is open; InfiniteFuture when it does not
// open within a year and a half (a window with no hours).
absl::Time NextOpen(const CallingWindow& window, absl::Time t);
// When the open period holding `t` closes; `t` itself when the window is closed at `t`.
absl::Time CloseAfter(const CallingWindow& window, absl::Time t);
// How much of [from, to) the window is open: speed to lead counts opening hours only. Looks as
// far ahead as NextOpen does.
absl::Duration OpenBetween(const CallingWindow& window, absl::Time from, absl::Time to);
// The start of the local day after `t`'s local day.
absl::Time StartOfNextDay(absl::Time t, absl::TimeZone tz);

// Parts of a day used to spread attempts: before 12:00, 12:00-17:00, from 17:00 (local).
enum class Daypart { kMorning = 0, kAfternoon = 1, kEvening = 2 };
Daypart DaypartAt(absl::Time t, absl::TimeZone tz);
absl::string_view DaypartName(Daypart part);
// The first instant after `t` at which a later daypart of the same local day starts
// (12:00 or 17:00), or the start of the next day from the evening.
absl::Time NextDaypartStart(absl::Time t, absl::TimeZone tz);

}  // namespace secondvoice::calendar

#endif  // SECONDVOICE_LIBS_CALENDAR_CALLING_WINDOW_H_
