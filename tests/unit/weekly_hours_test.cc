// Tests for libs/calendar/weekly_hours.h: parsing, canonical formatting and IsOpenAt across DST.
#include "libs/calendar/weekly_hours.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::calendar {

// Readable failure messages: print hours in their canonical text (found by ADL).
void PrintTo(const WeeklyHours& hours, std::ostream* os) {
  *os << "\"" << FormatWeeklyHours(hours) << "\"";
}

namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int H(int hour, int minute = 0) { return hour * 60 + minute; }

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << "no tzdata for " << name;
  return tz;
}

absl::Time Local(absl::TimeZone tz, int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz);
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return Local(absl::UTCTimeZone(), y, mo, d, h, mi);
}

TEST(WeeklyHours, ParsesWeekdaysAndSaturday) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours,
                          ParseWeeklyHours("Mon-Fri 09:00-21:00; Sat 10:00-16:00"));
  for (int d = 0; d < 5; ++d) {
    EXPECT_THAT(hours.days[d], ElementsAre(TimeRange{H(9), H(21)})) << "day " << d;
  }
  EXPECT_THAT(hours.days[5], ElementsAre(TimeRange{H(10), H(16)}));
  EXPECT_THAT(hours.days[6], IsEmpty());
}

TEST(WeeklyHours, ParsesDutchDayNamesAndSingleDigitHours) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours("ma-vr 9:00-17:00"));
  for (int d = 0; d < 5; ++d) {
    EXPECT_THAT(hours.days[d], ElementsAre(TimeRange{H(9), H(17)})) << "day " << d;
  }
  EXPECT_THAT(hours.days[5], IsEmpty());
  EXPECT_THAT(hours.days[6], IsEmpty());
}

TEST(WeeklyHours, DayNamesIgnoreCase) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours upper,
                          ParseWeeklyHours("MON-fri 09:00-17:00; ZA 10:00-12:00"));
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours lower,
                          ParseWeeklyHours("mon-fri 09:00-17:00; sat 10:00-12:00"));
  EXPECT_EQ(upper, lower);
}

TEST(WeeklyHours, ParsesSeveralRangesADaySorted) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours("Mon 13:00-17:00,09:00-12:00"));
  EXPECT_THAT(hours.days[0], ElementsAre(TimeRange{H(9), H(12)}, TimeRange{H(13), H(17)}));
  for (int d = 1; d < 7; ++d) EXPECT_THAT(hours.days[d], IsEmpty()) << "day " << d;
  EXPECT_EQ(FormatWeeklyHours(hours), "Mon 09:00-12:00,13:00-17:00");
}

TEST(WeeklyHours, RangesMayTouch) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours("Tue 09:00-12:00,12:00-13:00"));
  EXPECT_THAT(hours.days[1], ElementsAre(TimeRange{H(9), H(12)}, TimeRange{H(12), H(13)}));
}

TEST(WeeklyHours, ParsesDayLists) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours("Mon,Wed 09:00-12:00"));
  EXPECT_THAT(hours.days[0], ElementsAre(TimeRange{H(9), H(12)}));
  EXPECT_THAT(hours.days[1], IsEmpty());
  EXPECT_THAT(hours.days[2], ElementsAre(TimeRange{H(9), H(12)}));
  for (int d = 3; d < 7; ++d) EXPECT_THAT(hours.days[d], IsEmpty()) << "day " << d;
  // Only consecutive days are joined in the canonical form.
  EXPECT_EQ(FormatWeeklyHours(hours), "Mon 09:00-12:00; Wed 09:00-12:00");
}

TEST(WeeklyHours, MidnightIsAllowedAsClose) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours("Sat 10:00-24:00"));
  EXPECT_THAT(hours.days[5], ElementsAre(TimeRange{H(10), 1440}));
  EXPECT_EQ(FormatWeeklyHours(hours), "Sat 10:00-24:00");

  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  EXPECT_TRUE(IsOpenAt(hours, Local(ams, 2026, 1, 10, 23, 59), ams));  // Saturday
  EXPECT_FALSE(IsOpenAt(hours, Local(ams, 2026, 1, 11, 0, 0), ams));   // Sunday
}

TEST(WeeklyHours, DefaultCallingWindowFormatsCanonically) {
  const WeeklyHours window = DefaultCallingWindow();
  EXPECT_EQ(FormatWeeklyHours(window), "Mon-Fri 09:00-21:00; Sat 10:00-16:00");
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours parsed,
                          ParseWeeklyHours("Mon-Fri 09:00-21:00; Sat 10:00-16:00"));
  EXPECT_EQ(parsed, window);
}

TEST(WeeklyHours, FormatsCanonicalText) {
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours,
                          ParseWeeklyHours("  ma 9:00-12:00 ; di-vr 9:00-12:00;zo 11:00-15:00 "));
  EXPECT_EQ(FormatWeeklyHours(hours), "Mon-Fri 09:00-12:00; Sun 11:00-15:00");
  EXPECT_EQ(FormatWeeklyHours(WeeklyHours{}), "");
}

TEST(WeeklyHours, FormatThenParseRoundTrips) {
  const std::vector<std::string> texts = {
      "Mon-Fri 09:00-21:00; Sat 10:00-16:00",
      "ma-vr 9:00-17:00",
      "Mon 09:00-12:00,13:00-17:00; Tue-Thu 08:30-18:00; Sun 00:00-24:00",
      "Mon,Wed,Fri 09:00-12:00; Sat 10:00-16:00",
      "Thu 07:05-07:06",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    SV_ASSERT_OK_AND_ASSIGN(WeeklyHours hours, ParseWeeklyHours(text));
    const std::string formatted = FormatWeeklyHours(hours);
    SV_ASSERT_OK_AND_ASSIGN(WeeklyHours again, ParseWeeklyHours(formatted));
    EXPECT_EQ(again, hours) << formatted;
    EXPECT_EQ(FormatWeeklyHours(again), formatted);
  }
  const WeeklyHours window = DefaultCallingWindow();
  SV_ASSERT_OK_AND_ASSIGN(WeeklyHours again, ParseWeeklyHours(FormatWeeklyHours(window)));
  EXPECT_EQ(again, window);
}

TEST(WeeklyHours, RejectsMalformedTextWithAHelpfulMessage) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Xyz 09:00-17:00", "unknown day"},
      {"Mon-Fri 09:00-25:00", "bad time range '09:00-25:00'"},
      {"Mon 09:60-10:00", "bad time range"},
      {"Mon 9-17", "bad time range"},
      {"Mon 17:00-09:00", "closes before it opens"},
      {"Mon 09:00-09:00", "closes before it opens"},
      {"Mon 09:00-12:00,11:00-13:00", "Mon has overlapping ranges"},
      {"Mon 09:00-12:00; Mon 13:00-17:00", "Mon is given twice"},
      {"Mon-Fri 09:00-17:00; Fri 10:00-12:00", "Fri is given twice"},
      {"Mon-Fri", "is not of the form"},
      {"09:00-17:00", "is not of the form"},
      {"Mon 09:00", "bad time range '09:00'"},
      {"Fri-Mon 09:00-17:00", "runs backwards"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseWeeklyHours(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.text;
  }
}

TEST(WeeklyHours, SaturdayClosesAtFourInAmsterdam) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const WeeklyHours window = DefaultCallingWindow();
  // 2026-01-10 is a Saturday.
  EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 1, 10, 9, 59), ams));
  EXPECT_TRUE(IsOpenAt(window, Local(ams, 2026, 1, 10, 10, 0), ams));
  EXPECT_TRUE(IsOpenAt(window, Local(ams, 2026, 1, 10, 15, 59), ams));
  EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 1, 10, 16, 0), ams));
}

TEST(WeeklyHours, SundayIsClosed) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const WeeklyHours window = DefaultCallingWindow();
  for (int hour = 0; hour < 24; ++hour) {
    EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 1, 11, hour, 30), ams)) << hour << ":30";
  }
}

TEST(WeeklyHours, FridayClosesAtNineInAmsterdam) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const WeeklyHours window = DefaultCallingWindow();
  // 2026-01-09 is a Friday.
  EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 1, 9, 8, 59), ams));
  EXPECT_TRUE(IsOpenAt(window, Local(ams, 2026, 1, 9, 9, 0), ams));
  EXPECT_TRUE(IsOpenAt(window, Local(ams, 2026, 1, 9, 20, 59), ams));
  EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 1, 9, 21, 0), ams));
}

TEST(WeeklyHours, FollowsSummerTimeInAmsterdam) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const WeeklyHours window = DefaultCallingWindow();
  // Summer time starts on Sunday 2026-03-29; that Sunday is closed all day.
  EXPECT_FALSE(IsOpenAt(window, Local(ams, 2026, 3, 29, 12, 0), ams));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 3, 29, 10, 0), ams));
  // Monday 2026-03-30 09:00 CEST is 07:00 UTC.
  EXPECT_EQ(Local(ams, 2026, 3, 30, 9, 0), Utc(2026, 3, 30, 7, 0));
  EXPECT_TRUE(IsOpenAt(window, Utc(2026, 3, 30, 7, 0), ams));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 3, 30, 6, 59), ams));
  // 21:00 CEST is 19:00 UTC.
  EXPECT_TRUE(IsOpenAt(window, Utc(2026, 3, 30, 18, 59), ams));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 3, 30, 19, 0), ams));
}

TEST(WeeklyHours, FollowsWinterTimeInAmsterdam) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const WeeklyHours window = DefaultCallingWindow();
  // Monday 2026-01-05 09:00 CET is 08:00 UTC: 07:00 UTC, open in summer, is still closed.
  EXPECT_EQ(Local(ams, 2026, 1, 5, 9, 0), Utc(2026, 1, 5, 8, 0));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 1, 5, 7, 0), ams));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 1, 5, 7, 59), ams));
  EXPECT_TRUE(IsOpenAt(window, Utc(2026, 1, 5, 8, 0), ams));
  EXPECT_TRUE(IsOpenAt(window, Utc(2026, 1, 5, 19, 59), ams));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 1, 5, 20, 0), ams));
}

TEST(WeeklyHours, TheTimeZoneDecidesForTheSameInstant) {
  const absl::TimeZone ams = Zone("Europe/Amsterdam");
  const absl::TimeZone nyc = Zone("America/New_York");
  const WeeklyHours window = DefaultCallingWindow();
  // Monday 2026-01-05 20:30 UTC: 21:30 in Amsterdam (closed), 15:30 in New York (open).
  const absl::Time evening = Utc(2026, 1, 5, 20, 30);
  EXPECT_FALSE(IsOpenAt(window, evening, ams));
  EXPECT_TRUE(IsOpenAt(window, evening, nyc));
  // Monday 2026-01-05 08:30 UTC: 09:30 in Amsterdam (open), 03:30 in New York (closed).
  const absl::Time morning = Utc(2026, 1, 5, 8, 30);
  EXPECT_TRUE(IsOpenAt(window, morning, ams));
  EXPECT_FALSE(IsOpenAt(window, morning, nyc));
  // Saturday 2026-01-10 01:59 UTC is still Friday 20:59 in New York (open) but Saturday 02:59
  // in Amsterdam (closed); a minute later New York closes too.
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 1, 10, 1, 59), ams));
  EXPECT_TRUE(IsOpenAt(window, Utc(2026, 1, 10, 1, 59), nyc));
  EXPECT_FALSE(IsOpenAt(window, Utc(2026, 1, 10, 2, 0), nyc));
}

}  // namespace
}  // namespace secondvoice::calendar
