// Tests for libs/calendar/calling_window.h: Easter and the Dutch holidays, holiday calendars, and
// the calling window (IsOpen, NextOpen, CloseAfter, dayparts) in several zones and across DST.
#include "libs/calendar/calling_window.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/calendar/weekly_hours.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::calendar {
namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << "no tzdata for " << name;
  return tz;
}

absl::TimeZone Amsterdam() { return Zone("Europe/Amsterdam"); }

absl::Time Local(absl::TimeZone tz, int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), tz);
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return Local(absl::UTCTimeZone(), y, mo, d, h, mi);
}

// The default window (Mon-Fri 09:00-21:00, Sat 10:00-16:00, Dutch holidays) in `tz`.
CallingWindow DefaultWindow(absl::TimeZone tz) {
  CallingWindow window;
  window.tz = tz;
  return window;
}

// A window with the given hours, no holidays.
CallingWindow WindowOf(const std::string& hours, absl::TimeZone tz) {
  CallingWindow window;
  absl::StatusOr<WeeklyHours> parsed = ParseWeeklyHours(hours);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (parsed.ok()) window.hours = *parsed;
  window.holidays = HolidayCalendar();
  window.tz = tz;
  return window;
}

std::string Show(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M:%S %Z", t, tz);
}

// ---------------------------------------------------------------------------------------------
// Easter and the Dutch holidays.

TEST(EasterSunday, KnownYears) {
  EXPECT_EQ(EasterSunday(2024), absl::CivilDay(2024, 3, 31));
  EXPECT_EQ(EasterSunday(2025), absl::CivilDay(2025, 4, 20));
  EXPECT_EQ(EasterSunday(2026), absl::CivilDay(2026, 4, 5));
  EXPECT_EQ(EasterSunday(2027), absl::CivilDay(2027, 3, 28));
  EXPECT_EQ(EasterSunday(2038), absl::CivilDay(2038, 4, 25));
  EXPECT_EQ(EasterSunday(2000), absl::CivilDay(2000, 4, 23));
  EXPECT_EQ(EasterSunday(2008), absl::CivilDay(2008, 3, 23));
  EXPECT_EQ(EasterSunday(2011), absl::CivilDay(2011, 4, 24));
  EXPECT_EQ(EasterSunday(2019), absl::CivilDay(2019, 4, 21));
}

TEST(EasterSunday, IsAlwaysASundayBetween22MarchAnd25April) {
  for (int year = 1900; year <= 2200; ++year) {
    const absl::CivilDay easter = EasterSunday(year);
    EXPECT_EQ(absl::GetWeekday(easter), absl::Weekday::sunday) << year;
    EXPECT_GE(easter, absl::CivilDay(year, 3, 22)) << year;
    EXPECT_LE(easter, absl::CivilDay(year, 4, 25)) << year;
  }
}

TEST(DutchHoliday, FixedDays) {
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 1, 1)),
              Optional(absl::string_view("Nieuwjaarsdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 12, 25)),
              Optional(absl::string_view("Eerste Kerstdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 12, 26)),
              Optional(absl::string_view("Tweede Kerstdag")));
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 12, 24)), std::nullopt);
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 12, 31)), std::nullopt);
}

TEST(DutchHoliday, KingsDayMovesToSaturdayWhenThe27thIsASunday) {
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 4, 27)), Optional(absl::string_view("Koningsdag")));
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 4, 26)), std::nullopt);
  // 27 April 2025 is a Sunday: King's Day is Saturday the 26th.
  ASSERT_EQ(absl::GetWeekday(absl::CivilDay(2025, 4, 27)), absl::Weekday::sunday);
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2025, 4, 26)), Optional(absl::string_view("Koningsdag")));
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2025, 4, 27)), std::nullopt);
}

TEST(DutchHoliday, EasterBasedDays) {
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 4, 5)),
              Optional(absl::string_view("Eerste Paasdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 4, 6)),
              Optional(absl::string_view("Tweede Paasdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 5, 14)),
              Optional(absl::string_view("Hemelvaartsdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 5, 24)),
              Optional(absl::string_view("Eerste Pinksterdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2026, 5, 25)),
              Optional(absl::string_view("Tweede Pinksterdag")));
  // Good Friday is not a day off.
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 4, 3)), std::nullopt);
  // Another year: Easter 2025 is 20 April.
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2025, 4, 21)),
              Optional(absl::string_view("Tweede Paasdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2025, 5, 29)),
              Optional(absl::string_view("Hemelvaartsdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2025, 6, 9)),
              Optional(absl::string_view("Tweede Pinksterdag")));
}

TEST(DutchHoliday, LiberationDayOnlyInLustrumYears) {
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2025, 5, 5)),
              Optional(absl::string_view("Bevrijdingsdag")));
  EXPECT_THAT(DutchHoliday(absl::CivilDay(2030, 5, 5)),
              Optional(absl::string_view("Bevrijdingsdag")));
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 5, 5)), std::nullopt);
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2027, 5, 5)), std::nullopt);
}

TEST(DutchHoliday, OrdinaryDaysAreNotHolidays) {
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 3, 3)), std::nullopt);
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 7, 15)), std::nullopt);
  EXPECT_EQ(DutchHoliday(absl::CivilDay(2026, 4, 7)), std::nullopt);
  // A year holds exactly nine of them in a non-lustrum year where none coincide.
  int count = 0;
  for (absl::CivilDay d(2026, 1, 1); d < absl::CivilDay(2027, 1, 1); ++d) {
    if (DutchHoliday(d)) ++count;
  }
  EXPECT_EQ(count, 9);
}

// ---------------------------------------------------------------------------------------------
// HolidayCalendar.

TEST(HolidayCalendar, EmptyByDefault) {
  HolidayCalendar calendar;
  EXPECT_FALSE(calendar.IsHoliday(absl::CivilDay(2026, 12, 25)));
  EXPECT_EQ(calendar.ToString(), "none");
}

TEST(HolidayCalendar, DutchNamesTheHoliday) {
  const HolidayCalendar calendar = HolidayCalendar::Dutch();
  EXPECT_THAT(calendar.HolidayOn(absl::CivilDay(2026, 4, 27)), Optional(std::string("Koningsdag")));
  EXPECT_FALSE(calendar.IsHoliday(absl::CivilDay(2026, 12, 24)));
  EXPECT_EQ(calendar.ToString(), "NL");
}

TEST(HolidayCalendar, ParsesDutchAndExplicitDates) {
  SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar calendar, HolidayCalendar::Parse("NL; 2026-12-24"));
  EXPECT_THAT(calendar.HolidayOn(absl::CivilDay(2026, 12, 24)), Optional(std::string("holiday")));
  EXPECT_THAT(calendar.HolidayOn(absl::CivilDay(2026, 12, 25)),
              Optional(std::string("Eerste Kerstdag")));
  EXPECT_FALSE(calendar.IsHoliday(absl::CivilDay(2026, 12, 23)));
  EXPECT_EQ(calendar.ToString(), "NL; 2026-12-24");
}

TEST(HolidayCalendar, ExplicitDatesOnly) {
  SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar calendar,
                          HolidayCalendar::Parse("2026-12-31,2026-12-24"));
  EXPECT_TRUE(calendar.IsHoliday(absl::CivilDay(2026, 12, 24)));
  EXPECT_TRUE(calendar.IsHoliday(absl::CivilDay(2026, 12, 31)));
  EXPECT_FALSE(calendar.IsHoliday(absl::CivilDay(2026, 12, 25)));  // no NL
  EXPECT_EQ(calendar.ToString(), "2026-12-24; 2026-12-31");
}

TEST(HolidayCalendar, NoneAndEmptyAreEmpty) {
  for (const char* text : {"none", "NONE", "", "  ", " ; , "}) {
    SCOPED_TRACE(text);
    SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar calendar, HolidayCalendar::Parse(text));
    EXPECT_FALSE(calendar.IsHoliday(absl::CivilDay(2026, 12, 25)));
    EXPECT_EQ(calendar.ToString(), "none");
  }
}

TEST(HolidayCalendar, CaseAndSpacingAreForgiven) {
  SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar calendar,
                          HolidayCalendar::Parse("  2026-12-24 ,nl;2026-12-24  "));
  EXPECT_EQ(calendar.ToString(), "NL; 2026-12-24");
}

TEST(HolidayCalendar, BadInputNamesThePart) {
  EXPECT_THAT(HolidayCalendar::Parse("NL; christmas"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'christmas'")));
  EXPECT_THAT(HolidayCalendar::Parse("NL; 2026-13-01"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'2026-13-01'")));
  EXPECT_THAT(HolidayCalendar::Parse("2026-02-30"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'2026-02-30'")));
  EXPECT_THAT(HolidayCalendar::Parse("2026-1-5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'2026-1-5'")));
  EXPECT_THAT(HolidayCalendar::Parse("24-12-2026"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'24-12-2026'")));
  EXPECT_THAT(HolidayCalendar::Parse("BE"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'BE'")));
}

TEST(HolidayCalendar, ToStringRoundTrips) {
  for (const char* text :
       {"NL", "none", "NL; 2026-12-24", "2026-12-24; 2027-01-02", "NL; 2026-05-05; 2026-12-31"}) {
    SCOPED_TRACE(text);
    SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar calendar, HolidayCalendar::Parse(text));
    EXPECT_EQ(calendar.ToString(), text);
    SV_ASSERT_OK_AND_ASSIGN(HolidayCalendar again, HolidayCalendar::Parse(calendar.ToString()));
    EXPECT_EQ(again.ToString(), calendar.ToString());
  }
}

// ---------------------------------------------------------------------------------------------
// LocalTime.

TEST(LocalTime, UniqueTimesAreTheUsualInstant) {
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 1, 15, 9, 0, 0), tz), Utc(2026, 1, 15, 8, 0));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 7, 15, 9, 0, 0), tz), Utc(2026, 7, 15, 7, 0));
}

TEST(LocalTime, SkippedTimeMapsToTheJump) {
  // 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z): 02:00-03:00 does not exist.
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 3, 29, 2, 0, 0), tz), Utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 3, 29, 2, 30, 0), tz), Utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 3, 29, 2, 59, 59), tz), Utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 3, 29, 1, 59, 0), tz), Utc(2026, 3, 29, 0, 59));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 3, 29, 3, 0, 0), tz), Utc(2026, 3, 29, 1, 0));
}

TEST(LocalTime, RepeatedTimeMapsToTheFirstOccurrence) {
  // 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z): 02:00-03:00 happens twice.
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 10, 25, 2, 0, 0), tz), Utc(2026, 10, 25, 0, 0));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 10, 25, 2, 30, 0), tz), Utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(LocalTime(absl::CivilSecond(2026, 10, 25, 3, 0, 0), tz), Utc(2026, 10, 25, 2, 0));
}

// ---------------------------------------------------------------------------------------------
// The default window in Europe/Amsterdam.

TEST(CallingWindow, DefaultIsWeekdaysAndSaturdayWithDutchHolidays) {
  const CallingWindow window;
  EXPECT_EQ(window.hours, DefaultCallingWindow());
  EXPECT_EQ(window.holidays.ToString(), "NL");
}

TEST(CallingWindow, WeekdayBoundaries) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  // Tuesday 2026-03-03.
  EXPECT_FALSE(IsOpen(window, Local(tz, 2026, 3, 3, 8, 59, 59)));
  EXPECT_TRUE(IsOpen(window, Local(tz, 2026, 3, 3, 9, 0)));
  EXPECT_TRUE(IsOpen(window, Local(tz, 2026, 3, 3, 20, 59, 59)));
  EXPECT_FALSE(IsOpen(window, Local(tz, 2026, 3, 3, 21, 0)));
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 3, 3, 7, 0)), Local(tz, 2026, 3, 3, 9, 0));
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 3, 3, 12, 34)), Local(tz, 2026, 3, 3, 12, 34));
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 3, 3, 22, 0)), Local(tz, 2026, 3, 4, 9, 0));
  EXPECT_EQ(CloseAfter(window, Local(tz, 2026, 3, 3, 9, 0)), Local(tz, 2026, 3, 3, 21, 0));
  EXPECT_EQ(CloseAfter(window, Local(tz, 2026, 3, 3, 12, 34)), Local(tz, 2026, 3, 3, 21, 0));
}

TEST(CallingWindow, FridayAt21IsClosedAndSaturdayOpensAt10) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  const absl::Time friday_21 = Local(tz, 2026, 3, 6, 21, 0);
  ASSERT_EQ(absl::GetWeekday(absl::ToCivilDay(friday_21, tz)), absl::Weekday::friday);
  EXPECT_FALSE(IsOpen(window, friday_21));
  EXPECT_TRUE(IsOpen(window, friday_21 - absl::Seconds(1)));
  EXPECT_EQ(NextOpen(window, friday_21), Local(tz, 2026, 3, 7, 10, 0));
  EXPECT_EQ(CloseAfter(window, friday_21), friday_21);
  EXPECT_EQ(CloseAfter(window, Local(tz, 2026, 3, 6, 20, 0)), friday_21);
}

TEST(CallingWindow, SaturdayClosesAt16) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  EXPECT_FALSE(IsOpen(window, Local(tz, 2026, 3, 7, 9, 59)));
  EXPECT_TRUE(IsOpen(window, Local(tz, 2026, 3, 7, 10, 0)));
  EXPECT_TRUE(IsOpen(window, Local(tz, 2026, 3, 7, 15, 59)));
  EXPECT_FALSE(IsOpen(window, Local(tz, 2026, 3, 7, 16, 0)));
  EXPECT_EQ(CloseAfter(window, Local(tz, 2026, 3, 7, 15, 59)), Local(tz, 2026, 3, 7, 16, 0));
  // Saturday 16:00 -> Sunday closed -> Monday 09:00.
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 3, 7, 16, 0)), Local(tz, 2026, 3, 9, 9, 0));
}

TEST(CallingWindow, SundayIsClosedUntilMonday) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  for (int hour = 0; hour < 24; ++hour) {
    const absl::Time t = Local(tz, 2026, 3, 8, hour, 30);
    EXPECT_FALSE(IsOpen(window, t)) << Show(t, tz);
    EXPECT_EQ(NextOpen(window, t), Local(tz, 2026, 3, 9, 9, 0)) << Show(t, tz);
    EXPECT_EQ(CloseAfter(window, t), t) << Show(t, tz);
  }
}

TEST(CallingWindow, HolidayMondayIsSkipped) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  // Easter Monday 2026-04-06.
  EXPECT_FALSE(IsOpen(window, Local(tz, 2026, 4, 6, 10, 0)));
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 4, 4, 16, 0)), Local(tz, 2026, 4, 7, 9, 0));
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 4, 6, 10, 0)), Local(tz, 2026, 4, 7, 9, 0));
  EXPECT_EQ(CloseAfter(window, Local(tz, 2026, 4, 6, 10, 0)), Local(tz, 2026, 4, 6, 10, 0));
  // Without holidays the Monday is an ordinary day.
  CallingWindow no_holidays = window;
  no_holidays.holidays = HolidayCalendar();
  EXPECT_TRUE(IsOpen(no_holidays, Local(tz, 2026, 4, 6, 10, 0)));
  EXPECT_EQ(NextOpen(no_holidays, Local(tz, 2026, 4, 4, 16, 0)), Local(tz, 2026, 4, 6, 9, 0));
}

TEST(CallingWindow, ChristmasAndAnExplicitHoliday) {
  const absl::TimeZone tz = Amsterdam();
  CallingWindow window = DefaultWindow(tz);
  SV_ASSERT_OK_AND_ASSIGN(window.holidays, HolidayCalendar::Parse("NL; 2026-12-24"));
  // Thursday 24 (explicit), Friday 25 and Saturday 26 (Christmas), Sunday: Monday 28.
  EXPECT_EQ(NextOpen(window, Local(tz, 2026, 12, 23, 21, 0)), Local(tz, 2026, 12, 28, 9, 0));
}

TEST(CallingWindow, KingsDayOnSaturdayIsSkipped) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  // Saturday 2025-04-26 is King's Day: Friday evening -> Monday 28 April.
  EXPECT_FALSE(IsOpen(window, Local(tz, 2025, 4, 26, 11, 0)));
  EXPECT_EQ(NextOpen(window, Local(tz, 2025, 4, 25, 21, 0)), Local(tz, 2025, 4, 28, 9, 0));
}

// ---------------------------------------------------------------------------------------------
// Daylight saving time in Europe/Amsterdam.

TEST(CallingWindowDst, MondayAfterSpringForwardOpensAt0700Utc) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  // Saturday 2026-03-28 closes at 16:00 CET (15:00Z); Monday opens at 09:00 CEST (07:00Z).
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 28, 12, 0)), Utc(2026, 3, 28, 15, 0));
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 28, 15, 0)), Utc(2026, 3, 30, 7, 0));
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 30, 6, 59)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 30, 7, 0)));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 30, 7, 0)), Utc(2026, 3, 30, 19, 0));
}

TEST(CallingWindowDst, MondayAfterFallBackOpensAt0800Utc) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = DefaultWindow(tz);
  // Saturday 2026-10-24 closes at 16:00 CEST (14:00Z); Monday opens at 09:00 CET (08:00Z).
  EXPECT_EQ(CloseAfter(window, Utc(2026, 10, 24, 12, 0)), Utc(2026, 10, 24, 14, 0));
  EXPECT_EQ(NextOpen(window, Utc(2026, 10, 24, 14, 0)), Utc(2026, 10, 26, 8, 0));
  EXPECT_FALSE(IsOpen(window, Utc(2026, 10, 26, 7, 59)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 10, 26, 8, 0)));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 10, 26, 8, 0)), Utc(2026, 10, 26, 20, 0));
}

TEST(CallingWindowDst, AllDayWindowAcrossSpringForward) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Mon-Sun 00:00-24:00", tz);
  // Sunday 2026-03-29 lasts 23 hours: 00:00 CET (Sat 23:00Z) to 00:00 CEST (Sun 22:00Z).
  for (absl::Time t = Utc(2026, 3, 28, 22, 0); t < Utc(2026, 3, 30, 2, 0); t += absl::Minutes(15)) {
    EXPECT_TRUE(IsOpen(window, t)) << Show(t, tz);
    EXPECT_EQ(NextOpen(window, t), t) << Show(t, tz);
    EXPECT_GT(CloseAfter(window, t), t) << Show(t, tz);
  }
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 29, 0, 30)), Utc(2026, 3, 29, 22, 0));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 29, 1, 0)), Utc(2026, 3, 29, 22, 0));
  EXPECT_EQ(StartOfNextDay(Utc(2026, 3, 28, 23, 30), tz), Utc(2026, 3, 29, 22, 0));
}

TEST(CallingWindowDst, AllDayWindowAcrossFallBack) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Mon-Sun 00:00-24:00", tz);
  // Sunday 2026-10-25 lasts 25 hours: 00:00 CEST (Sat 22:00Z) to 00:00 CET (Sun 23:00Z).
  for (absl::Time t = Utc(2026, 10, 24, 21, 0); t < Utc(2026, 10, 26, 1, 0);
       t += absl::Minutes(15)) {
    EXPECT_TRUE(IsOpen(window, t)) << Show(t, tz);
    EXPECT_EQ(NextOpen(window, t), t) << Show(t, tz);
    EXPECT_GT(CloseAfter(window, t), t) << Show(t, tz);
  }
  // Both 02:30s (00:30Z CEST and 01:30Z CET) are in Sunday's period.
  EXPECT_EQ(CloseAfter(window, Utc(2026, 10, 25, 0, 30)), Utc(2026, 10, 25, 23, 0));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 10, 25, 1, 30)), Utc(2026, 10, 25, 23, 0));
  EXPECT_EQ(StartOfNextDay(Utc(2026, 10, 25, 1, 30), tz), Utc(2026, 10, 25, 23, 0));
}

TEST(CallingWindowDst, NightWindowOnSpringForwardSundayIsTwoHoursLong) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Sun 01:00-04:00", tz);
  // Opens 01:00 CET (00:00Z), the clock jumps 02:00 -> 03:00, closes 04:00 CEST (02:00Z).
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 28, 12, 0)), Utc(2026, 3, 29, 0, 0));
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 28, 23, 59)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 29, 0, 0)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 29, 0, 59)));  // 01:59 CET
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 29, 1, 0)));   // 03:00 CEST
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 29, 1, 59)));  // 03:59 CEST
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 29, 2, 0)));  // 04:00 CEST
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 29, 0, 30)), Utc(2026, 3, 29, 2, 0));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 29, 1, 30)), Utc(2026, 3, 29, 2, 0));
  // After it closes: next Sunday, 01:00 CEST (23:00Z Saturday).
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 29, 2, 0)), Utc(2026, 4, 4, 23, 0));
}

TEST(CallingWindowDst, NightWindowOnFallBackSundayIsFourHoursLong) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Sun 01:00-04:00", tz);
  // Opens 01:00 CEST (Sat 23:00Z), the clock goes back 03:00 -> 02:00, closes 04:00 CET (03:00Z).
  EXPECT_EQ(NextOpen(window, Utc(2026, 10, 24, 12, 0)), Utc(2026, 10, 24, 23, 0));
  for (absl::Time t = Utc(2026, 10, 24, 23, 0); t < Utc(2026, 10, 25, 3, 0);
       t += absl::Minutes(10)) {
    EXPECT_TRUE(IsOpen(window, t)) << Show(t, tz);
    EXPECT_EQ(NextOpen(window, t), t) << Show(t, tz);
    EXPECT_EQ(CloseAfter(window, t), Utc(2026, 10, 25, 3, 0)) << Show(t, tz);
  }
  EXPECT_FALSE(IsOpen(window, Utc(2026, 10, 25, 3, 0)));
  EXPECT_EQ(NextOpen(window, Utc(2026, 10, 25, 3, 0)), Utc(2026, 11, 1, 0, 0));  // 01:00 CET
}

TEST(CallingWindowDst, RangeInsideTheSkippedHourNeverOpens) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Sun 02:00-02:30", tz);
  // 2026-03-29 has no 02:00-02:30: the next opening is a week later, 02:00 CEST (00:00Z).
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 28, 12, 0)), Utc(2026, 4, 5, 0, 0));
  for (absl::Time t = Utc(2026, 3, 28, 23, 0); t < Utc(2026, 3, 29, 3, 0); t += absl::Minutes(5)) {
    EXPECT_FALSE(IsOpen(window, t)) << Show(t, tz);
  }
}

TEST(CallingWindowDst, RangeStartingInTheSkippedHourOpensAtTheJump) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow window = WindowOf("Sun 02:30-05:00", tz);
  // 02:30 does not exist on 2026-03-29: the window opens at the jump, 03:00 CEST (01:00Z).
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 28, 12, 0)), Utc(2026, 3, 29, 1, 0));
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 29, 0, 59)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 29, 1, 0)));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 29, 1, 0)), Utc(2026, 3, 29, 3, 0));
}

// A window whose bounds fall inside the repeated hour: the period is from the first occurrence of
// the opening time to the first occurrence of the closing time, and IsOpen, NextOpen and
// CloseAfter agree on it.
TEST(CallingWindowDst, BoundsInsideTheRepeatedHourAgree) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow opens = WindowOf("Sun 02:30-04:00", tz);
  // Opens at the first 02:30 (CEST, 00:30Z), closes 04:00 CET (03:00Z).
  EXPECT_EQ(NextOpen(opens, Utc(2026, 10, 24, 12, 0)), Utc(2026, 10, 25, 0, 30));
  EXPECT_FALSE(IsOpen(opens, Utc(2026, 10, 25, 0, 29)));
  for (absl::Time t = Utc(2026, 10, 25, 0, 30); t < Utc(2026, 10, 25, 3, 0);
       t += absl::Minutes(5)) {
    EXPECT_TRUE(IsOpen(opens, t)) << Show(t, tz);
    EXPECT_EQ(NextOpen(opens, t), t) << Show(t, tz);
    EXPECT_EQ(CloseAfter(opens, t), Utc(2026, 10, 25, 3, 0)) << Show(t, tz);
  }

  const CallingWindow closes = WindowOf("Sun 01:00-02:30", tz);
  // Opens 01:00 CEST (Sat 23:00Z), closes at the first 02:30 (CEST, 00:30Z).
  EXPECT_TRUE(IsOpen(closes, Utc(2026, 10, 25, 0, 29)));
  EXPECT_EQ(CloseAfter(closes, Utc(2026, 10, 25, 0, 0)), Utc(2026, 10, 25, 0, 30));
  for (absl::Time t = Utc(2026, 10, 25, 0, 30); t < Utc(2026, 10, 25, 3, 0);
       t += absl::Minutes(5)) {
    EXPECT_FALSE(IsOpen(closes, t)) << Show(t, tz);
    EXPECT_EQ(CloseAfter(closes, t), t) << Show(t, tz);
  }
}

// Whatever the window and the instant: NextOpen is open (or never), CloseAfter closes it, and
// the window is open right up to CloseAfter.
TEST(CallingWindowDst, NextOpenAndCloseAfterAgreeWithIsOpen) {
  const absl::TimeZone tz = Amsterdam();
  std::vector<CallingWindow> windows;
  for (const char* hours :
       {"Mon-Fri 09:00-21:00; Sat 10:00-16:00", "Mon-Sun 00:00-24:00", "Sun 01:00-04:00",
        "Sun 02:00-02:30", "Sun 02:30-04:00", "Sun 01:00-02:30", "Sat-Sun 02:15-02:45,03:00-24:00",
        "Mon-Sun 00:00-02:00,02:00-03:00"}) {
    windows.push_back(WindowOf(hours, tz));
  }
  windows.push_back(DefaultWindow(tz));
  for (const CallingWindow& window : windows) {
    SCOPED_TRACE(FormatWeeklyHours(window.hours) + " / " + window.holidays.ToString());
    for (const absl::Time start : {Utc(2026, 3, 27, 20, 0), Utc(2026, 10, 23, 20, 0)}) {
      for (absl::Time t = start; t < start + absl::Hours(60); t += absl::Minutes(5)) {
        const absl::Time next = NextOpen(window, t);
        ASSERT_NE(next, absl::InfiniteFuture()) << Show(t, tz);
        EXPECT_GE(next, t) << Show(t, tz);
        EXPECT_TRUE(IsOpen(window, next)) << Show(t, tz) << " -> " << Show(next, tz);
        const absl::Time close = CloseAfter(window, t);
        if (IsOpen(window, t)) {
          EXPECT_EQ(next, t) << Show(t, tz);
          EXPECT_GT(close, t) << Show(t, tz);
          EXPECT_TRUE(IsOpen(window, close - absl::Seconds(1))) << Show(t, tz);
        } else {
          EXPECT_EQ(close, t) << Show(t, tz);
          EXPECT_FALSE(IsOpen(window, next - absl::Seconds(1))) << Show(t, tz);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Other time zones: the window is in the lead's zone.

TEST(CallingWindowZones, NewYork) {
  const absl::TimeZone tz = Zone("America/New_York");
  const CallingWindow window = DefaultWindow(tz);
  // Monday 2026-03-02, EST (UTC-5): opens 14:00Z, closes 02:00Z Tuesday.
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 2, 13, 59)));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 2, 14, 0)));
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 2, 8, 0)), Utc(2026, 3, 2, 14, 0));
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 2, 20, 0)), Utc(2026, 3, 3, 2, 0));
  // 01:00Z Tuesday is still Monday 20:00 in New York (and closed in Amsterdam).
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 3, 1, 0)));
  EXPECT_FALSE(IsOpen(DefaultWindow(Amsterdam()), Utc(2026, 3, 3, 1, 0)));
  // After the US change (2026-03-08), EDT (UTC-4): Monday 09:00 is 13:00Z.
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 7, 21, 0)), Utc(2026, 3, 9, 13, 0));
}

TEST(CallingWindowZones, Tokyo) {
  const absl::TimeZone tz = Zone("Asia/Tokyo");
  const CallingWindow window = DefaultWindow(tz);
  // JST is UTC+9 all year: Monday 2026-03-02 09:00 is 00:00Z, Friday 21:00 is 12:00Z.
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 1, 12, 0)), Utc(2026, 3, 2, 0, 0));
  EXPECT_TRUE(IsOpen(window, Utc(2026, 3, 6, 11, 59)));
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 6, 12, 0)));
  // Friday 12:00Z is 13:00 in Amsterdam: open there.
  EXPECT_TRUE(IsOpen(DefaultWindow(Amsterdam()), Utc(2026, 3, 6, 12, 0)));
  // Next: Saturday 10:00 JST = 01:00Z.
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 6, 12, 0)), Utc(2026, 3, 7, 1, 0));
}

TEST(CallingWindowZones, HolidayIsTheLocalDay) {
  // Easter Monday 2026-04-06 in Tokyo runs from 15:00Z on Sunday to 15:00Z on Monday.
  const absl::TimeZone tz = Zone("Asia/Tokyo");
  const CallingWindow window = DefaultWindow(tz);
  EXPECT_FALSE(IsOpen(window, Utc(2026, 4, 6, 1, 0)));  // Monday 10:00 JST, holiday
  EXPECT_EQ(NextOpen(window, Utc(2026, 4, 6, 1, 0)), Utc(2026, 4, 7, 0, 0));
}

TEST(CallingWindow, NoHoursNeverOpens) {
  const absl::TimeZone tz = Amsterdam();
  CallingWindow window;
  window.hours = WeeklyHours();
  window.tz = tz;
  EXPECT_FALSE(IsOpen(window, Utc(2026, 3, 3, 12, 0)));
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 3, 12, 0)), absl::InfiniteFuture());
  EXPECT_EQ(CloseAfter(window, Utc(2026, 3, 3, 12, 0)), Utc(2026, 3, 3, 12, 0));
}

TEST(CallingWindow, NarrowWindowOpensOnTheNextMatchingDay) {
  const absl::TimeZone tz = Amsterdam();
  CallingWindow window = WindowOf("Thu 10:00-11:00", tz);
  SV_ASSERT_OK_AND_ASSIGN(window.holidays, HolidayCalendar::Parse("none"));
  EXPECT_EQ(NextOpen(window, Utc(2026, 3, 6, 12, 0)), Local(tz, 2026, 3, 12, 10, 0));
}

TEST(StartOfNextDay, IsLocalMidnight) {
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(StartOfNextDay(Local(tz, 2026, 3, 3, 0, 0), tz), Local(tz, 2026, 3, 4, 0, 0));
  EXPECT_EQ(StartOfNextDay(Local(tz, 2026, 3, 3, 23, 59, 59), tz), Local(tz, 2026, 3, 4, 0, 0));
  EXPECT_EQ(StartOfNextDay(Utc(2026, 3, 3, 23, 30), tz), Local(tz, 2026, 3, 5, 0, 0));
  const absl::TimeZone ny = Zone("America/New_York");
  EXPECT_EQ(StartOfNextDay(Utc(2026, 3, 3, 23, 30), ny), Utc(2026, 3, 4, 5, 0));
}

// ---------------------------------------------------------------------------------------------
// Dayparts.

TEST(Daypart, Boundaries) {
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 0, 0), tz), Daypart::kMorning);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 9, 0), tz), Daypart::kMorning);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 11, 59, 59), tz), Daypart::kMorning);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 12, 0), tz), Daypart::kAfternoon);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 16, 59, 59), tz), Daypart::kAfternoon);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 17, 0), tz), Daypart::kEvening);
  EXPECT_EQ(DaypartAt(Local(tz, 2026, 3, 3, 23, 59, 59), tz), Daypart::kEvening);
}

TEST(Daypart, IsLocal) {
  // 11:30Z is 12:30 in Amsterdam (afternoon), 06:30 in New York (morning), 20:30 in Tokyo.
  const absl::Time t = Utc(2026, 3, 3, 11, 30);
  EXPECT_EQ(DaypartAt(t, Amsterdam()), Daypart::kAfternoon);
  EXPECT_EQ(DaypartAt(t, Zone("America/New_York")), Daypart::kMorning);
  EXPECT_EQ(DaypartAt(t, Zone("Asia/Tokyo")), Daypart::kEvening);
}

TEST(Daypart, Names) {
  EXPECT_EQ(DaypartName(Daypart::kMorning), "morning");
  EXPECT_EQ(DaypartName(Daypart::kAfternoon), "afternoon");
  EXPECT_EQ(DaypartName(Daypart::kEvening), "evening");
}

TEST(Daypart, NextDaypartStart) {
  const absl::TimeZone tz = Amsterdam();
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 0, 0), tz), Local(tz, 2026, 3, 3, 12, 0));
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 11, 59), tz), Local(tz, 2026, 3, 3, 12, 0));
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 12, 0), tz), Local(tz, 2026, 3, 3, 17, 0));
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 16, 59), tz), Local(tz, 2026, 3, 3, 17, 0));
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 17, 0), tz), Local(tz, 2026, 3, 4, 0, 0));
  EXPECT_EQ(NextDaypartStart(Local(tz, 2026, 3, 3, 23, 59), tz), Local(tz, 2026, 3, 4, 0, 0));
  // Always strictly later.
  for (absl::Time t = Local(tz, 2026, 3, 3, 0, 0); t < Local(tz, 2026, 3, 4, 0, 0);
       t += absl::Minutes(7)) {
    const absl::Time next = NextDaypartStart(t, tz);
    EXPECT_GT(next, t) << Show(t, tz);
    EXPECT_NE(DaypartAt(next, tz), DaypartAt(t, tz)) << Show(t, tz);
  }
}

TEST(Daypart, AcrossDstSundays) {
  const absl::TimeZone tz = Amsterdam();
  // Spring forward: Sunday 03:30 CEST is morning; the afternoon starts 10:00Z.
  EXPECT_EQ(DaypartAt(Utc(2026, 3, 29, 1, 30), tz), Daypart::kMorning);
  EXPECT_EQ(NextDaypartStart(Utc(2026, 3, 29, 1, 30), tz), Utc(2026, 3, 29, 10, 0));
  // Fall back: the second 02:30 (CET) is morning; the afternoon starts 11:00Z.
  EXPECT_EQ(NextDaypartStart(Utc(2026, 10, 25, 1, 30), tz), Utc(2026, 10, 25, 11, 0));
  // The evening of the fall-back day ends at midnight CET (23:00Z).
  EXPECT_EQ(NextDaypartStart(Utc(2026, 10, 25, 20, 0), tz), Utc(2026, 10, 25, 23, 0));
}

// Speed to lead counts opening hours only: a lead that arrives at 20:55 on a Friday and is
// called at 10:02 on Saturday waited 5 + 2 minutes, not 13 hours.
TEST(OpenBetween, CountsOpeningHoursOnly) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow w = DefaultWindow(tz);
  // Inside one open period: the wall-clock time.
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 11, 2, 10, 0), Local(tz, 2026, 11, 2, 10, 4)),
            absl::Minutes(4));
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 11, 6, 20, 55), Local(tz, 2026, 11, 7, 10, 2)),
            absl::Minutes(7));
  // Arrived on Sunday night, called on Monday at 09:05.
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 11, 8, 23, 0), Local(tz, 2026, 11, 9, 9, 5)),
            absl::Minutes(5));
  // Christmas Day and Boxing Day (Friday and Saturday in 2026) are closed; Sunday too.
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 12, 24, 20, 50), Local(tz, 2026, 12, 28, 9, 1)),
            absl::Minutes(11));
  // A whole Monday to Friday week: 5 x 12 h, plus Saturday's 6 h.
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 11, 9, 0, 0), Local(tz, 2026, 11, 15, 0, 0)),
            absl::Hours(66));
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 11, 9, 10, 0), Local(tz, 2026, 11, 9, 9, 0)),
            absl::ZeroDuration());
}

// The night the clocks go back (25 October 2026) is closed anyway; the hours around it count
// as the local clock shows them.
TEST(OpenBetween, AcrossTheClockChange) {
  const absl::TimeZone tz = Amsterdam();
  const CallingWindow w = WindowOf("mon-sun 00:00-24:00", tz);
  // 24 October 12:00 to 25 October 12:00 local: 25 real hours.
  EXPECT_EQ(OpenBetween(w, Local(tz, 2026, 10, 24, 12, 0), Local(tz, 2026, 10, 25, 12, 0)),
            absl::Hours(25));
}

}  // namespace
}  // namespace secondvoice::calendar
