// Tests for libs/cadence/cadence.h: folding attempts into progress, the cadence and the closing
// rules, planning the next contact (with a simulation of whole cadences), ranks and the
// claim-time verdict.
#include "libs/cadence/cadence.h"

#include <bit>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/calendar/calling_window.h"
#include "libs/calendar/weekly_hours.h"
#include "libs/domain/types.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::cadence {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;

using domain::AttemptOutcome;
using domain::Channel;
using domain::LeadStatus;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(name, &tz)) << "no tzdata for " << name;
  return tz;
}

absl::TimeZone Ams() { return Zone("Europe/Amsterdam"); }

// Local time in Amsterdam. The week used most: Monday 2026-03-02 to Sunday 2026-03-08 (CET, no
// holidays).
absl::Time At(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Ams());
}
absl::Time Mon(int h, int mi = 0) { return At(2026, 3, 2, h, mi); }
absl::Time Tue(int h, int mi = 0) { return At(2026, 3, 3, h, mi); }
absl::Time Wed(int h, int mi = 0) { return At(2026, 3, 4, h, mi); }
absl::Time Thu(int h, int mi = 0) { return At(2026, 3, 5, h, mi); }
absl::Time Fri(int h, int mi = 0) { return At(2026, 3, 6, h, mi); }
absl::Time Sat(int h, int mi = 0) { return At(2026, 3, 7, h, mi); }
absl::Time Sun(int h, int mi = 0) { return At(2026, 3, 8, h, mi); }
absl::Time NextMon(int h, int mi = 0) { return At(2026, 3, 9, h, mi); }

AttemptFact Call(absl::Time at, AttemptOutcome outcome = AttemptOutcome::kNoAnswer) {
  return AttemptFact{.channel = Channel::kPhone, .outcome = outcome, .at = at};
}
AttemptFact Email(absl::Time at) {
  return AttemptFact{.channel = Channel::kEmail, .outcome = AttemptOutcome::kEmailSent, .at = at};
}

constexpr Reach kBoth{.callable = true, .messageable = true};
constexpr Reach kCallOnly{.callable = true, .messageable = false};
constexpr Reach kMessageOnly{.callable = false, .messageable = true};
constexpr Reach kNowhere{.callable = false, .messageable = false};

int Bit(calendar::Daypart part) { return 1 << static_cast<int>(part); }

calendar::CallingWindow Window(absl::TimeZone tz = Ams()) {
  calendar::CallingWindow window;  // Mon-Fri 09:00-21:00, Sat 10:00-16:00, NL holidays
  window.tz = tz;
  return window;
}

std::string Show(absl::Time t, absl::TimeZone tz = Ams()) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M %Z", t, tz);
}

// Four calls that complete the default cadence: three days, mornings and an afternoon.
std::vector<AttemptFact> CompleteCalls() {
  return {Call(Mon(9)), Call(Mon(12)), Call(Tue(9)), Call(Wed(9))};
}

// ---------------------------------------------------------------------------------------------
// Record and Fold.

TEST(Record, NoAnswerCountsAsACall) {
  const Progress p = Fold({Call(Mon(9, 15))}, Ams());
  EXPECT_EQ(p.calls.attempts, 1);
  EXPECT_EQ(p.calls.days, 1);
  EXPECT_EQ(p.calls.dayparts, Bit(calendar::Daypart::kMorning));
  EXPECT_EQ(p.calls.last_day, absl::CivilDay(2026, 3, 2));
  EXPECT_EQ(p.calls.on_last_day, 1);
  EXPECT_THAT(p.calls.first_at, Optional(Mon(9, 15)));
  EXPECT_THAT(p.calls.last_at, Optional(Mon(9, 15)));
  EXPECT_THAT(p.last_call_at, Optional(Mon(9, 15)));
  EXPECT_EQ(p.messages, Tally());
  EXPECT_EQ(p.lockout_until, std::nullopt);
  EXPECT_FALSE(p.dialogue);
}

TEST(Record, BusyVoicemailAndWrongNumberCount) {
  for (AttemptOutcome outcome :
       {AttemptOutcome::kBusy, AttemptOutcome::kVoicemail, AttemptOutcome::kWrongNumber}) {
    SCOPED_TRACE(domain::Name(outcome));
    const Progress p = Fold({Call(Mon(10), outcome)}, Ams());
    EXPECT_EQ(p.calls.attempts, 1);
    EXPECT_FALSE(p.dialogue);
  }
}

TEST(Record, FailedCallsDoNotCountButWaitTheGap) {
  const Progress p = Fold({Call(Mon(9), AttemptOutcome::kFailed)}, Ams());
  EXPECT_EQ(p.calls.attempts, 0);
  EXPECT_EQ(p.calls.days, 0);
  EXPECT_THAT(p.last_call_at, Optional(Mon(9)));
  EXPECT_EQ(p.lockout_until, std::nullopt);
  // A dead number fails every time: the next try waits the gap like any other call.
  const Progress before = Fold({Call(Mon(9))}, Ams());
  const Progress after = Record(before, Call(Mon(10), AttemptOutcome::kFailed), Ams());
  EXPECT_EQ(after.calls, before.calls);
  EXPECT_THAT(after.last_call_at, Optional(Mon(10)));
}

TEST(Record, AgentLostSetsTheGapButDoesNotCount) {
  const Progress p = Fold({Call(Mon(9), AttemptOutcome::kAgentLost)}, Ams());
  EXPECT_EQ(p.calls.attempts, 0);
  EXPECT_EQ(p.calls.days, 0);
  EXPECT_THAT(p.last_call_at, Optional(Mon(9)));
  EXPECT_FALSE(p.dialogue);
  EXPECT_EQ(p.lockout_until, std::nullopt);
}

TEST(Record, AbandonedSetsA72HourLockout) {
  const Progress p = Fold({Call(Mon(10, 30), AttemptOutcome::kAbandoned)}, Ams());
  EXPECT_THAT(p.lockout_until, Optional(Thu(10, 30)));
  EXPECT_EQ(*p.lockout_until - Mon(10, 30), absl::Hours(72));
  EXPECT_THAT(p.last_call_at, Optional(Mon(10, 30)));
  EXPECT_EQ(p.calls.attempts, 1);
  EXPECT_FALSE(p.dialogue);
}

TEST(Record, DialogueOutcomesSetDialogue) {
  for (AttemptOutcome outcome :
       {AttemptOutcome::kDialogueNoAppointment, AttemptOutcome::kCallbackRequested,
        AttemptOutcome::kAppointmentSet, AttemptOutcome::kNotInterested,
        AttemptOutcome::kObjection}) {
    SCOPED_TRACE(domain::Name(outcome));
    EXPECT_TRUE(IsDialogue(outcome));
    const Progress p = Fold({Call(Mon(9)), Call(Tue(14), outcome)}, Ams());
    EXPECT_TRUE(p.dialogue);
    EXPECT_THAT(p.last_call_at, Optional(Tue(14)));
  }
}

TEST(Record, OtherOutcomesAreNoDialogue) {
  for (AttemptOutcome outcome :
       {AttemptOutcome::kNoAnswer, AttemptOutcome::kBusy, AttemptOutcome::kVoicemail,
        AttemptOutcome::kWrongNumber, AttemptOutcome::kEmailSent, AttemptOutcome::kSmsSent,
        AttemptOutcome::kAbandoned, AttemptOutcome::kAgentLost, AttemptOutcome::kFailed}) {
    SCOPED_TRACE(domain::Name(outcome));
    EXPECT_FALSE(IsDialogue(outcome));
    EXPECT_FALSE(Fold({Call(Mon(9), outcome)}, Ams()).dialogue);
  }
}

TEST(Record, MessagesGoToMessages) {
  const Progress p =
      Fold({Email(Mon(9)),
            {.channel = Channel::kSms, .outcome = AttemptOutcome::kSmsSent, .at = Tue(13)},
            {.channel = Channel::kChat, .outcome = AttemptOutcome::kEmailSent, .at = Tue(18)}},
           Ams());
  EXPECT_EQ(p.calls, Tally());
  EXPECT_EQ(p.last_call_at, std::nullopt);
  EXPECT_EQ(p.messages.attempts, 3);
  EXPECT_EQ(p.messages.days, 2);
  EXPECT_EQ(p.messages.on_last_day, 2);
  EXPECT_EQ(p.messages.dayparts, 7);
  EXPECT_THAT(p.messages.first_at, Optional(Mon(9)));
  EXPECT_THAT(p.messages.last_at, Optional(Tue(18)));
}

TEST(Record, DaysAreLocalDays) {
  // 23:30 and 00:30 in Amsterdam are two days; in UTC (22:30Z, 23:30Z) they are one.
  const std::vector<AttemptFact> calls = {Call(Mon(23, 30)), Call(Tue(0, 30))};
  const Progress local = Fold(calls, Ams());
  EXPECT_EQ(local.calls.days, 2);
  EXPECT_EQ(local.calls.last_day, absl::CivilDay(2026, 3, 3));
  EXPECT_EQ(local.calls.on_last_day, 1);
  EXPECT_EQ(local.calls.dayparts,
            Bit(calendar::Daypart::kMorning) | Bit(calendar::Daypart::kEvening));
  const Progress utc = Fold(calls, absl::UTCTimeZone());
  EXPECT_EQ(utc.calls.days, 1);
  EXPECT_EQ(utc.calls.on_last_day, 2);
  EXPECT_EQ(utc.calls.dayparts, Bit(calendar::Daypart::kEvening));
}

TEST(Record, CountsPerDayAndDayparts) {
  const Progress p =
      Fold({Call(Mon(9)), Call(Mon(13)), Call(Tue(18)), Call(Tue(20, 30)), Call(Wed(11))}, Ams());
  EXPECT_EQ(p.calls.attempts, 5);
  EXPECT_EQ(p.calls.days, 3);
  EXPECT_EQ(p.calls.on_last_day, 1);
  EXPECT_EQ(p.calls.dayparts, 7);
  const Progress two = Fold({Call(Mon(9)), Call(Mon(13))}, Ams());
  EXPECT_EQ(two.calls.on_last_day, 2);
  EXPECT_EQ(two.calls.days, 1);
}

TEST(Record, FoldIsRecordInOrder) {
  const std::vector<AttemptFact> attempts = {
      Call(Mon(9)), Email(Mon(9, 5)), Call(Mon(12), AttemptOutcome::kFailed),
      Call(Mon(13), AttemptOutcome::kAgentLost), Call(Tue(18), AttemptOutcome::kAbandoned)};
  Progress p;
  for (const AttemptFact& a : attempts) p = Record(p, a, Ams());
  EXPECT_EQ(Fold(attempts, Ams()), p);
  EXPECT_EQ(p.calls.attempts, 2);
  EXPECT_EQ(p.messages.attempts, 1);
  EXPECT_THAT(p.last_call_at, Optional(Tue(18)));
  EXPECT_THAT(p.lockout_until, Optional(Fri(18)));
}

// ---------------------------------------------------------------------------------------------
// CallBudget, CadenceComplete and MissingForCadence.

TEST(CallBudget, IsTheMaximumButNeverBelowTheMinimum) {
  EXPECT_EQ(CallBudget(domain::Cadence()), 6);
  domain::Cadence low;
  low.max_call_attempts = 2;
  EXPECT_EQ(CallBudget(low), 4);
}

TEST(CadenceComplete, NothingYet) {
  const domain::Cadence cadence;
  EXPECT_FALSE(CadenceComplete(Progress(), cadence, kBoth));
  EXPECT_EQ(MissingForCadence(Progress(), cadence, kBoth),
            "4 more call attempts (0 of 4 made); calls on 3 more days (0 of 3); a call in another "
            "daypart (so far: none)");
}

TEST(CadenceComplete, TwoMorningCallsOnOneDay) {
  const Progress p = Fold({Call(Mon(9)), Call(Mon(11, 30))}, Ams());
  EXPECT_FALSE(CadenceComplete(p, domain::Cadence(), kBoth));
  EXPECT_EQ(MissingForCadence(p, domain::Cadence(), kBoth),
            "2 more call attempts (2 of 4 made); calls on 2 more days (1 of 3); a call in another "
            "daypart (so far: mornings)");
}

TEST(CadenceComplete, OnlyTheDaypartMissing) {
  const Progress p = Fold({Call(Mon(12)), Call(Tue(13)), Call(Wed(14)), Call(Wed(16))}, Ams());
  EXPECT_FALSE(CadenceComplete(p, domain::Cadence(), kCallOnly));
  EXPECT_EQ(MissingForCadence(p, domain::Cadence(), kCallOnly),
            "a call in another daypart (so far: afternoons)");
}

TEST(CadenceComplete, FourCallsThreeDaysTwoDayparts) {
  const Progress p = Fold(CompleteCalls(), Ams());
  EXPECT_TRUE(CadenceComplete(p, domain::Cadence(), kBoth));
  EXPECT_EQ(MissingForCadence(p, domain::Cadence(), kBoth), "");
  // Still complete when the number has since been suppressed.
  EXPECT_TRUE(CadenceComplete(p, domain::Cadence(), kNowhere));
}

TEST(CadenceComplete, MessagesDoNotCompleteACallableLead) {
  const Progress p =
      Fold({Email(Mon(9)), Email(Tue(9)), Email(Wed(9)), Email(Thu(9)), Call(Thu(10))}, Ams());
  EXPECT_FALSE(CadenceComplete(p, domain::Cadence(), kBoth));
  EXPECT_THAT(MissingForCadence(p, domain::Cadence(), kBoth),
              HasSubstr("3 more call attempts (1 of 4 made)"));
}

TEST(CadenceComplete, MessagesCarryALeadWithoutANumber) {
  const domain::Cadence cadence;
  EXPECT_EQ(MissingForCadence(Progress(), cadence, kMessageOnly),
            "4 more messages (no callable number; 0 of 4 sent); messages on 3 more days (0 of 3)");
  const Progress three = Fold({Email(Mon(9)), Email(Tue(9)), Email(Wed(9))}, Ams());
  EXPECT_FALSE(CadenceComplete(three, cadence, kMessageOnly));
  EXPECT_EQ(MissingForCadence(three, cadence, kMessageOnly),
            "1 more messages (no callable number; 3 of 4 sent)");
  const Progress four = Fold({Email(Mon(9)), Email(Tue(9)), Email(Wed(9)), Email(Wed(18))}, Ams());
  EXPECT_TRUE(CadenceComplete(four, cadence, kMessageOnly));
  EXPECT_EQ(MissingForCadence(four, cadence, kMessageOnly), "");
}

TEST(CadenceComplete, FollowsTheCampaignsNumbers) {
  domain::Cadence cadence;
  cadence.min_call_attempts = 2;
  cadence.min_spread_days = 2;
  const Progress p = Fold({Call(Mon(9)), Call(Tue(14))}, Ams());
  EXPECT_TRUE(CadenceComplete(p, cadence, kCallOnly));
  EXPECT_FALSE(CadenceComplete(p, domain::Cadence(), kCallOnly));
}

// ---------------------------------------------------------------------------------------------
// CheckClose.

TEST(CheckClose, NotReachedRefusedWithThreeCalls) {
  const Progress p = Fold({Call(Mon(9)), Call(Mon(12)), Call(Tue(9))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, p, domain::Cadence(), kBoth),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("not reached refused"),
                             HasSubstr("1 more call attempts (3 of 4 made)"),
                             HasSubstr("calls on 1 more days (2 of 3)"))));
}

TEST(CheckClose, NotReachedRefusedWithFourCallsOnTwoDays) {
  const Progress p = Fold({Call(Mon(9)), Call(Mon(12)), Call(Tue(9)), Call(Tue(14))}, Ams());
  const absl::Status status =
      CheckClose(LeadStatus::kClosedNotReached, p, domain::Cadence(), kBoth);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("calls on 1 more days (2 of 3)"),
                             Not(HasSubstr("more call attempts")), Not(HasSubstr("daypart")))));
}

TEST(CheckClose, NotReachedRefusedWithFourMorningCallsOverThreeDays) {
  const Progress p = Fold({Call(Mon(9)), Call(Tue(9)), Call(Wed(9)), Call(Wed(11))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, p, domain::Cadence(), kBoth),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("a call in another daypart (so far: mornings)"),
                             Not(HasSubstr("more days")))));
}

TEST(CheckClose, NotReachedAcceptedWithFourCallsOverThreeDaysInTwoDayparts) {
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, Fold(CompleteCalls(), Ams()),
                         domain::Cadence(), kBoth),
              IsOk());
  // Evening and morning work as well.
  const Progress p = Fold({Call(Mon(18)), Call(Tue(9)), Call(Tue(11)), Call(Wed(19))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, p, domain::Cadence(), kCallOnly), IsOk());
}

TEST(CheckClose, NotReachedIgnoresFailedAndAgentLostCalls) {
  std::vector<AttemptFact> attempts = {Call(Mon(9)), Call(Mon(12)), Call(Tue(9)),
                                       Call(Wed(9), AttemptOutcome::kFailed),
                                       Call(Wed(9, 5), AttemptOutcome::kAgentLost)};
  EXPECT_THAT(
      CheckClose(LeadStatus::kClosedNotReached, Fold(attempts, Ams()), domain::Cadence(), kBoth),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("3 of 4 made")));
  attempts.push_back(Call(Wed(11, 10)));
  EXPECT_THAT(
      CheckClose(LeadStatus::kClosedNotReached, Fold(attempts, Ams()), domain::Cadence(), kBoth),
      IsOk());
}

TEST(CheckClose, NotReachedRefusedAfterADialogue) {
  std::vector<AttemptFact> attempts = CompleteCalls();
  attempts.push_back(Call(Wed(14), AttemptOutcome::kDialogueNoAppointment));
  EXPECT_THAT(
      CheckClose(LeadStatus::kClosedNotReached, Fold(attempts, Ams()), domain::Cadence(), kBoth),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("the customer was reached")));
}

TEST(CheckClose, NotReachedRefusedForALeadWithoutRouteOrAttempts) {
  EXPECT_THAT(
      CheckClose(LeadStatus::kClosedNotReached, Progress(), domain::Cadence(), kNowhere),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no usable contact route")));
}

TEST(CheckClose, NotReachedForAMessageOnlyLead) {
  const domain::Cadence cadence;
  const Progress three = Fold({Email(Mon(9)), Email(Tue(9)), Email(Wed(9))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, three, cadence, kMessageOnly),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1 more messages")));
  const Progress four_on_two =
      Fold({Email(Mon(9)), Email(Mon(18)), Email(Tue(9)), Email(Tue(18))}, Ams());
  EXPECT_THAT(
      CheckClose(LeadStatus::kClosedNotReached, four_on_two, cadence, kMessageOnly),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("messages on 1 more days")));
  const Progress four = Fold({Email(Mon(9)), Email(Tue(9)), Email(Wed(9)), Email(Wed(18))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, four, cadence, kMessageOnly), IsOk());
  // The same messages do not close a lead that has a callable number.
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, four, cadence, kBoth),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("call attempts")));
}

TEST(CheckClose, AnEmailAndATickAfterOneCallIsRefused) {
  // The checkbox culture: one call, one e-mail, "not reached".
  const Progress p = Fold({Call(Mon(10)), Email(Mon(10, 2))}, Ams());
  EXPECT_THAT(CheckClose(LeadStatus::kClosedNotReached, p, domain::Cadence(), kBoth),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("3 more call attempts (1 of 4 made)"),
                             HasSubstr("calls on 2 more days (1 of 3)"),
                             HasSubstr("a call in another daypart (so far: mornings)"))));
}

TEST(CheckClose, NotInterestedAndLostNeedADialogue) {
  for (LeadStatus status : {LeadStatus::kClosedNotInterested, LeadStatus::kClosedLost}) {
    SCOPED_TRACE(domain::Name(status));
    EXPECT_THAT(
        CheckClose(status, Progress(), domain::Cadence(), kBoth),
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 AllOf(HasSubstr("no two-sided conversation"), HasSubstr("still missing"))));
    // Even a complete cadence of unanswered calls does not say the customer is not interested.
    EXPECT_THAT(CheckClose(status, Fold(CompleteCalls(), Ams()), domain::Cadence(), kBoth),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr("no two-sided conversation"), Not(HasSubstr("missing")))));
    const Progress spoke = Fold({Call(Mon(9), AttemptOutcome::kNotInterested)}, Ams());
    EXPECT_THAT(CheckClose(status, spoke, domain::Cadence(), kBoth), IsOk());
  }
}

TEST(CheckClose, OtherStatusesAreInvalid) {
  const Progress p = Fold(CompleteCalls(), Ams());
  for (LeadStatus status : {LeadStatus::kNew, LeadStatus::kInProgress, LeadStatus::kHandedOver,
                            LeadStatus::kClosedObjected, LeadStatus::kClosedSold}) {
    SCOPED_TRACE(domain::Name(status));
    EXPECT_THAT(
        CheckClose(status, p, domain::Cadence(), kBoth),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(std::string(domain::Name(status)))));
  }
}

// ---------------------------------------------------------------------------------------------
// PlanNext.

NextContact Plan(const std::vector<AttemptFact>& attempts, const Reach& reach, absl::Time now,
                 const domain::Cadence& cadence = domain::Cadence(),
                 std::optional<absl::Time> callback_at = std::nullopt) {
  return PlanNext(Fold(attempts, Ams()), cadence, reach, Window(), callback_at, now);
}

TEST(PlanNext, FirstCallNowWhenTheWindowIsOpen) {
  const NextContact next = Plan({}, kBoth, Tue(10, 17));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Tue(10, 17));
  EXPECT_EQ(next.reason, "first call");
}

TEST(PlanNext, FirstCallWhenTheWindowOpens) {
  EXPECT_EQ(Plan({}, kBoth, Sun(12)).at, NextMon(9));
  EXPECT_EQ(Plan({}, kBoth, Fri(21)).at, Sat(10));
  EXPECT_EQ(Plan({}, kBoth, Tue(7, 30)).at, Tue(9));
  EXPECT_EQ(Plan({}, kBoth, Sun(12)).action, Action::kCall);
}

TEST(PlanNext, RespectsTheMinimumGap) {
  // Two days and two dayparts already: only the gap holds the next call back.
  const std::vector<AttemptFact> calls = {Call(Mon(18)), Call(Tue(9))};
  NextContact next = Plan(calls, kCallOnly, Tue(9, 5));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Tue(11));
  domain::Cadence short_gap;
  short_gap.min_gap_minutes = 45;
  EXPECT_EQ(Plan(calls, kCallOnly, Tue(9, 5), short_gap).at, Tue(9, 45));
  // Once the gap is over, at once.
  EXPECT_EQ(Plan(calls, kCallOnly, Tue(15)).at, Tue(15));
}

TEST(PlanNext, AnAgentLostCallStartsTheGap) {
  const std::vector<AttemptFact> calls = {Call(Mon(18)), Call(Tue(9)),
                                          Call(Tue(10), AttemptOutcome::kAgentLost)};
  EXPECT_EQ(Plan(calls, kCallOnly, Tue(10, 1)).at, Tue(12));
  // So does a failed call (it never rang, but a dead number fails every time).
  const std::vector<AttemptFact> failed = {Call(Mon(18)), Call(Tue(9)),
                                           Call(Tue(11), AttemptOutcome::kFailed)};
  EXPECT_EQ(Plan(failed, kCallOnly, Tue(11, 1)).at, Tue(13));
}

TEST(PlanNext, RespectsTheDailyMaximum) {
  const std::vector<AttemptFact> calls = {Call(Mon(9)), Call(Mon(12))};
  EXPECT_EQ(Plan(calls, kCallOnly, Mon(14)).at, Tue(9));
  // A campaign allowing three a day and wanting six calls: the same day.
  domain::Cadence more;
  more.min_call_attempts = 6;
  more.max_call_attempts = 8;
  more.max_attempts_per_day = 3;
  EXPECT_EQ(Plan(calls, kCallOnly, Mon(14), more).at, Mon(14));
  const std::vector<AttemptFact> three = {Call(Mon(9)), Call(Mon(12)), Call(Mon(14))};
  EXPECT_EQ(Plan(three, kCallOnly, Mon(16), more).at, Tue(9));
}

TEST(PlanNext, SpreadsToANewDayWhenAttemptsNeededDoNotExceedDaysNeeded) {
  // Three calls on two days: the fourth must be on a third day, although today has room.
  const std::vector<AttemptFact> calls = {Call(Mon(9)), Call(Mon(14)), Call(Tue(9))};
  NextContact next = Plan(calls, kCallOnly, Tue(11));
  EXPECT_EQ(next.at, Wed(9));
  EXPECT_EQ(next.reason, "call 4 of 4, morning");
  // With a two-day spread today is fine.
  domain::Cadence two_days;
  two_days.min_spread_days = 2;
  EXPECT_EQ(Plan(calls, kCallOnly, Tue(11), two_days).at, Tue(11));
  // With more attempts needed than days, the second call may be the same day.
  EXPECT_EQ(Plan({Call(Mon(18)), Call(Tue(9))}, kCallOnly, Tue(11)).at, Tue(11));
}

TEST(PlanNext, TheSecondCallIsInAnotherDaypart) {
  NextContact next = Plan({Call(Mon(9))}, kCallOnly, Mon(11));
  EXPECT_EQ(next.at, Mon(12));
  EXPECT_EQ(next.reason, "call 2 of 4, afternoon");
  EXPECT_EQ(Plan({Call(Mon(13))}, kCallOnly, Mon(15)).at, Mon(17));
  // From the evening: the next morning.
  next = Plan({Call(Mon(18))}, kCallOnly, Mon(20));
  EXPECT_EQ(next.at, Tue(9));
  EXPECT_EQ(next.reason, "call 2 of 4, morning");
  // From a Saturday afternoon the next opening is Monday morning: fine.
  EXPECT_EQ(Plan({Call(Sat(13))}, kCallOnly, Sat(15)).at, NextMon(9));
  // A Saturday morning call: the next, in the afternoon (window closes 16:00).
  EXPECT_EQ(Plan({Call(Sat(10))}, kCallOnly, Sat(10, 1)).at, Sat(12));
}

TEST(PlanNext, WaitsOutTheLockoutAfterAnAbandonedCall) {
  // Evening and morning calls already: only the lockout holds the next call back.
  const std::vector<AttemptFact> calls = {Call(Fri(18)),
                                          Call(NextMon(10), AttemptOutcome::kAbandoned)};
  const NextContact next = Plan(calls, kCallOnly, NextMon(12, 5));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, At(2026, 3, 12, 10, 0));  // Thursday, 72 hours later
  // A first call abandoned: after the lockout, and in another daypart.
  const NextContact first = Plan({Call(Mon(10), AttemptOutcome::kAbandoned)}, kCallOnly, Mon(12));
  EXPECT_GE(first.at, Thu(10));
  EXPECT_EQ(first.at, Thu(12));
  // The lockout ends at night: the next opening after it.
  EXPECT_EQ(Plan({Call(Fri(18)), Call(NextMon(20, 30), AttemptOutcome::kAbandoned)}, kCallOnly,
                 NextMon(21))
                .at,
            At(2026, 3, 13, 9, 0));  // Thursday 20:30 + morning wanted -> Friday 09:00
}

TEST(PlanNext, MessageAfterTheFirstCallNotBefore) {
  NextContact next = Plan({}, kBoth, Mon(9));
  EXPECT_EQ(next.action, Action::kCall);
  next = Plan({Call(Mon(9))}, kBoth, Mon(9, 1));
  EXPECT_EQ(next.action, Action::kMessage);
  EXPECT_EQ(next.at, Mon(9, 1));
  EXPECT_EQ(next.reason, "message after the first call");
  // One message only; then calls again.
  next = Plan({Call(Mon(9)), Email(Mon(9, 1))}, kBoth, Mon(9, 2));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Mon(12));
  // A call-only lead gets no message.
  EXPECT_EQ(Plan({Call(Mon(9))}, kCallOnly, Mon(9, 1)).action, Action::kCall);
}

TEST(PlanNext, MessageAfterAnEveningCallWaitsForTheWindow) {
  const NextContact next = Plan({Call(Fri(20, 50))}, kBoth, Fri(21, 5));
  EXPECT_EQ(next.action, Action::kMessage);
  EXPECT_EQ(next.at, Sat(10));
}

TEST(PlanNext, MessageFirstWithoutACallableNumber) {
  NextContact next = Plan({}, kMessageOnly, Mon(10));
  EXPECT_EQ(next.action, Action::kMessage);
  EXPECT_EQ(next.at, Mon(10));
  EXPECT_EQ(next.reason, "first message (no callable number)");
  // At most one a day (20 hours apart), inside the window.
  next = Plan({Email(Mon(10))}, kMessageOnly, Mon(10, 1));
  EXPECT_EQ(next.action, Action::kMessage);
  EXPECT_EQ(next.at, Tue(9));
  EXPECT_EQ(next.reason, "message 2 of 4 (no callable number)");
  EXPECT_EQ(Plan({Email(Mon(20))}, kMessageOnly, Mon(20, 1)).at, Tue(16));
  // Four messages on three days: done.
  next = Plan({Email(Mon(9)), Email(Tue(9)), Email(Wed(9)), Email(Wed(18))}, kMessageOnly, Thu(9));
  EXPECT_EQ(next.action, Action::kNone);
  EXPECT_THAT(next.reason, HasSubstr("cadence complete"));
}

TEST(PlanNext, CallbackAtTheChosenTimeEvenOutsideTheWindow) {
  const NextContact next = Plan({Call(Fri(18), AttemptOutcome::kCallbackRequested)}, kBoth,
                                Fri(18, 5), domain::Cadence(), Sun(11));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Sun(11));
  EXPECT_THAT(next.reason, HasSubstr("callback requested for Sun 2026-03-08 11:00"));
  // Also inside a lockout, and within the minimum gap.
  EXPECT_EQ(Plan({Call(Mon(10), AttemptOutcome::kAbandoned)}, kCallOnly, Mon(10, 5),
                 domain::Cadence(), Mon(10, 30))
                .at,
            Mon(10, 30));
}

TEST(PlanNext, NothingAfterADialogueOrWithoutARoute) {
  NextContact next = Plan({Call(Mon(9), AttemptOutcome::kDialogueNoAppointment)}, kBoth, Mon(10));
  EXPECT_EQ(next.action, Action::kNone);
  EXPECT_EQ(next.at, absl::InfiniteFuture());
  next = Plan({}, kNowhere, Mon(10));
  EXPECT_EQ(next.action, Action::kNone);
  EXPECT_EQ(next.at, absl::InfiniteFuture());
}

TEST(PlanNext, ExtraCallsUntilTheBudgetIsUsed) {
  std::vector<AttemptFact> attempts = {Call(Mon(9)), Email(Mon(9, 1)), Call(Mon(12)), Call(Tue(9)),
                                       Call(Wed(9))};
  // Complete but under the budget: extra calls, without the spread (but within a day's maximum).
  NextContact next = Plan(attempts, kBoth, Wed(11));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Wed(11));
  EXPECT_EQ(next.reason, "extra call 5 of up to 6");
  attempts.push_back(Call(Wed(11)));
  EXPECT_EQ(Plan(attempts, kBoth, Wed(13)).at, Thu(9));
  attempts.push_back(Call(Thu(9)));
  next = Plan(attempts, kBoth, Thu(12));
  EXPECT_EQ(next.action, Action::kNone);
  EXPECT_EQ(next.at, absl::InfiniteFuture());
  EXPECT_THAT(next.reason, HasSubstr("cadence complete: 6 calls over 4 days"));
}

TEST(PlanNext, NoHoursNeverComes) {
  calendar::CallingWindow window = Window();
  window.hours = calendar::WeeklyHours();
  const NextContact next =
      PlanNext(Progress(), domain::Cadence(), kCallOnly, window, std::nullopt, Mon(10));
  EXPECT_EQ(next.at, absl::InfiniteFuture());
}

TEST(PlanNext, NarrowWindowStillPlansInsideIt) {
  // Mornings only: another daypart is impossible, the next call still comes, in the window.
  calendar::CallingWindow window = Window();
  SV_ASSERT_OK_AND_ASSIGN(window.hours, calendar::ParseWeeklyHours("Mon-Fri 09:00-12:00"));
  const NextContact next = PlanNext(Fold({Call(Mon(9))}, Ams()), domain::Cadence(), kCallOnly,
                                    window, std::nullopt, Mon(9, 1));
  EXPECT_EQ(next.action, Action::kCall);
  EXPECT_EQ(next.at, Mon(11));
  EXPECT_TRUE(calendar::IsOpen(window, next.at));
}

// ---------------------------------------------------------------------------------------------
// A simulated cadence: plan, contact at the planned time (nobody answers), until it may close.

struct Simulation {
  std::vector<absl::Time> calls;
  std::vector<absl::Time> messages;
  Progress progress;
  bool closed = false;
};

Simulation Simulate(absl::Time start, const calendar::CallingWindow& window, const Reach& reach,
                    const domain::Cadence& cadence = domain::Cadence()) {
  Simulation sim;
  absl::Time now = start;
  for (int step = 0; step < 40; ++step) {
    if (CheckClose(LeadStatus::kClosedNotReached, sim.progress, cadence, reach).ok()) {
      sim.closed = true;
      break;
    }
    const NextContact next = PlanNext(sim.progress, cadence, reach, window, std::nullopt, now);
    if (next.action == Action::kNone || next.at == absl::InfiniteFuture()) {
      ADD_FAILURE() << "nothing planned after " << sim.calls.size() << " calls: " << next.reason;
      break;
    }
    EXPECT_GE(next.at, now) << next.reason;
    now = next.at;
    if (next.action == Action::kCall) {
      sim.calls.push_back(now);
      sim.progress = Record(sim.progress, Call(now), window.tz);
    } else {
      sim.messages.push_back(now);
      sim.progress = Record(sim.progress, Email(now), window.tz);
    }
  }
  return sim;
}

void ExpectAGoodCadence(const Simulation& sim, const calendar::CallingWindow& window,
                        const domain::Cadence& cadence = domain::Cadence()) {
  const absl::TimeZone tz = window.tz;
  ASSERT_TRUE(sim.closed);
  ASSERT_EQ(static_cast<int>(sim.calls.size()), cadence.min_call_attempts);
  const int span = static_cast<int>(absl::ToCivilDay(sim.calls.back(), tz) -
                                    absl::ToCivilDay(sim.calls.front(), tz)) +
                   1;
  EXPECT_GE(span, cadence.min_spread_days);
  EXPECT_LE(span, cadence.max_spread_days);
  int dayparts = 0;
  std::map<absl::CivilDay, int> per_day;
  for (size_t i = 0; i < sim.calls.size(); ++i) {
    const absl::Time t = sim.calls[i];
    SCOPED_TRACE(Show(t, tz));
    EXPECT_TRUE(calendar::IsOpen(window, t));
    dayparts |= Bit(calendar::DaypartAt(t, tz));
    ++per_day[absl::ToCivilDay(t, tz)];
    if (i > 0) {
      EXPECT_GE(t - sim.calls[i - 1], absl::Minutes(cadence.min_gap_minutes));
    }
  }
  EXPECT_GE(std::popcount(static_cast<unsigned>(dayparts)), 2);
  EXPECT_GE(static_cast<int>(per_day.size()), cadence.min_spread_days);
  for (const auto& [day, count] : per_day) {
    EXPECT_LE(count, cadence.max_attempts_per_day) << day;
  }
  // The one message comes after the first call.
  ASSERT_EQ(sim.messages.size(), 1u);
  EXPECT_GE(sim.messages[0], sim.calls[0]);
  EXPECT_TRUE(calendar::IsOpen(window, sim.messages[0]));
}

TEST(Simulation, FromMondayMorning) {
  const calendar::CallingWindow window = Window();
  const Simulation sim = Simulate(Mon(9), window, kBoth);
  ExpectAGoodCadence(sim, window);
  EXPECT_EQ(sim.calls.front(), Mon(9));
  EXPECT_THAT(sim.calls, ElementsAre(Mon(9), Mon(12), Tue(9), Wed(9)));
  EXPECT_THAT(sim.messages, ElementsAre(Mon(9)));
}

TEST(Simulation, FromFridayEveningOverTheWeekend) {
  const calendar::CallingWindow window = Window();
  const Simulation sim = Simulate(Fri(20), window, kBoth);
  ExpectAGoodCadence(sim, window);
  for (absl::Time t : sim.calls) {
    EXPECT_NE(absl::GetWeekday(absl::ToCivilDay(t, window.tz)), absl::Weekday::sunday) << Show(t);
  }
  EXPECT_THAT(sim.calls, ElementsAre(Fri(20), Sat(10), Sat(12), NextMon(9)));
}

TEST(Simulation, FromEveryHalfHourOfAWeek) {
  const calendar::CallingWindow window = Window();
  for (absl::Time start = Mon(0); start < NextMon(0); start += absl::Minutes(30)) {
    SCOPED_TRACE(absl::StrCat("start ", Show(start)));
    const Simulation sim = Simulate(start, window, kBoth);
    ExpectAGoodCadence(sim, window);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(sim.calls.front(), calendar::NextOpen(window, start));
    for (absl::Time t : sim.calls) {
      EXPECT_NE(absl::GetWeekday(absl::ToCivilDay(t, window.tz)), absl::Weekday::sunday);
    }
  }
}

TEST(Simulation, AcrossTheSpringChangeAndEaster) {
  // Friday 2026-03-27: the clocks change on Sunday the 29th. Then Easter: Saturday 4 April,
  // Easter Sunday and Monday closed.
  const calendar::CallingWindow window = Window();
  for (absl::Time start : {At(2026, 3, 27, 19, 30), At(2026, 4, 3, 17, 0), At(2026, 4, 4, 15, 0)}) {
    SCOPED_TRACE(Show(start));
    const Simulation sim = Simulate(start, window, kBoth);
    ASSERT_TRUE(sim.closed);
    EXPECT_EQ(sim.calls.size(), 4u);
    for (absl::Time t : sim.calls) EXPECT_TRUE(calendar::IsOpen(window, t)) << Show(t);
  }
}

TEST(Simulation, InTheLeadsTimeZone) {
  const calendar::CallingWindow window = Window(Zone("America/New_York"));
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), window.tz);
  const Simulation sim = Simulate(start, window, kBoth);
  ExpectAGoodCadence(sim, window);
  for (absl::Time t : sim.calls) {
    const absl::CivilHour hour = absl::ToCivilHour(t, window.tz);
    EXPECT_GE(hour.hour(), 9) << Show(t, window.tz);
    EXPECT_LT(hour.hour(), 21) << Show(t, window.tz);
  }
}

TEST(Simulation, MessageOnlyLead) {
  const calendar::CallingWindow window = Window();
  const Simulation sim = Simulate(Mon(9), window, kMessageOnly);
  ASSERT_TRUE(sim.closed);
  EXPECT_THAT(sim.calls, IsEmpty());
  EXPECT_THAT(sim.messages, ElementsAre(Mon(9), Tue(9), Wed(9), Thu(9)));
}

// ---------------------------------------------------------------------------------------------
// RankOf.

TEST(RankOf, ALeadDueAMessageWaitsInTheMessageClassUnlessTheCustomerAskedForACall) {
  using domain::LeadOrigin;
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, false, true, Action::kMessage), Rank::kMessage);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmUnsold, false, false, Action::kMessage), Rank::kMessage);
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, true, true, Action::kMessage), Rank::kCallback);
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, false, true, Action::kCall), Rank::kListInCadence);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmUnsold, false, false, Action::kNone), Rank::kFollowUpNew);
}

TEST(RankOf, Order) {
  using domain::LeadOrigin;
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, true, true), Rank::kCallback);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmUnsold, true, false), Rank::kCallback);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmUnsold, false, false), Rank::kFollowUpNew);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmUnreached, false, false), Rank::kFollowUpNew);
  EXPECT_EQ(RankOf(LeadOrigin::kCrmProposalPending, false, true), Rank::kFollowUpInCadence);
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, false, false), Rank::kListNew);
  EXPECT_EQ(RankOf(LeadOrigin::kListImport, false, true), Rank::kListInCadence);
  EXPECT_LT(Rank::kCallback, Rank::kFollowUpNew);
  EXPECT_LT(Rank::kFollowUpNew, Rank::kFollowUpInCadence);
  EXPECT_LT(Rank::kFollowUpInCadence, Rank::kListNew);
  EXPECT_LT(Rank::kListNew, Rank::kListInCadence);
  EXPECT_LT(Rank::kListInCadence, Rank::kMessage);
  EXPECT_EQ(static_cast<int>(Rank::kMessage), kRanks - 1);
}

// ---------------------------------------------------------------------------------------------
// Evaluate.

LeadState Lead() {
  LeadState lead;
  lead.status = LeadStatus::kNew;
  lead.origin = domain::LeadOrigin::kCrmUnsold;
  lead.consent.basis = domain::ConsentBasis::kOptIn;
  lead.consent.source = "web form";
  lead.consent.given_at = At(2026, 1, 10, 12, 0);
  lead.reach = kBoth;
  lead.has_usable_route = true;
  return lead;
}

CampaignRules Rules() {
  CampaignRules rules;
  rules.window = Window();
  return rules;
}

TEST(Evaluate, EligibleLead) {
  const Verdict v = Evaluate(Lead(), Rules(), Tue(10));
  EXPECT_TRUE(v.eligible);
  EXPECT_EQ(v.action, Action::kCall);
  EXPECT_EQ(v.reason, "first call");
  EXPECT_THAT(v.blocks, IsEmpty());
  EXPECT_THAT(v.explanations, IsEmpty());
  EXPECT_EQ(v.next_at, Tue(10));
}

TEST(Evaluate, EligibleForTheMessageAfterTheFirstCall) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Tue(9, 30))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_TRUE(v.eligible);
  EXPECT_EQ(v.action, Action::kMessage);
}

TEST(Evaluate, Closed) {
  for (LeadStatus status : {LeadStatus::kHandedOver, LeadStatus::kClosedNotReached,
                            LeadStatus::kClosedSold, LeadStatus::kClosedObjected}) {
    SCOPED_TRACE(domain::Name(status));
    LeadState lead = Lead();
    lead.status = status;
    const Verdict v = Evaluate(lead, Rules(), Tue(10));
    EXPECT_FALSE(v.eligible);
    EXPECT_THAT(v.blocks, ElementsAre(Block::kClosed));
    EXPECT_THAT(v.explanations, ElementsAre(HasSubstr(std::string(domain::Name(status)))));
    EXPECT_EQ(v.next_at, absl::InfiniteFuture());
  }
  LeadState in_progress = Lead();
  in_progress.status = LeadStatus::kInProgress;
  EXPECT_TRUE(Evaluate(in_progress, Rules(), Tue(10)).eligible);
}

TEST(Evaluate, CampaignPaused) {
  CampaignRules rules = Rules();
  rules.state = domain::CampaignState::kPaused;
  const Verdict v = Evaluate(Lead(), rules, Tue(10));
  EXPECT_FALSE(v.eligible);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCampaignInactive));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("paused")));
  EXPECT_EQ(v.next_at, Tue(10) + kRecheck);
}

TEST(Evaluate, CampaignNotStartedOrEnded) {
  CampaignRules rules = Rules();
  rules.starts_at = Tue(10) + absl::Hours(24 * 7);
  Verdict v = Evaluate(Lead(), rules, Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCampaignInactive));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("the campaign starts Tue 2026-03-10 10:00")));
  EXPECT_EQ(v.next_at, *rules.starts_at);
  // On a Sunday the lead would be due Monday morning, but the campaign has not started then.
  v = Evaluate(Lead(), rules, Sun(12));
  EXPECT_THAT(v.blocks, Contains(Block::kCampaignInactive));
  EXPECT_GE(v.next_at, *rules.starts_at);

  rules = Rules();
  rules.ends_at = Mon(0);
  v = Evaluate(Lead(), rules, Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCampaignInactive));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("the campaign ended Mon 2026-03-02 00:00")));
  // Inside its dates: eligible.
  rules.starts_at = Mon(0) - absl::Hours(24);
  rules.ends_at = Wed(0);
  EXPECT_TRUE(Evaluate(Lead(), rules, Tue(10)).eligible);
}

TEST(Evaluate, Leased) {
  LeadState lead = Lead();
  lead.lease_until = Tue(10, 5);
  lead.lease_owner = "agent-7";
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_FALSE(v.eligible);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kLeased));
  EXPECT_THAT(v.explanations,
              ElementsAre(HasSubstr("claimed by agent-7 until Tue 2026-03-03 10:05")));
  // An expired lease does not block.
  EXPECT_TRUE(Evaluate(lead, Rules(), Tue(10, 5)).eligible);
}

TEST(Evaluate, OutsideTheWindow) {
  const Verdict v = Evaluate(Lead(), Rules(), Sun(12));
  EXPECT_FALSE(v.eligible);
  EXPECT_EQ(v.action, Action::kCall);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kOutsideWindow));
  EXPECT_THAT(v.explanations, ElementsAre(AllOf(HasSubstr("outside the calling window"),
                                                HasSubstr("opens Mon 2026-03-09 09:00"))));
  EXPECT_EQ(v.next_at, NextMon(9));
}

TEST(Evaluate, OnAHolidayNamesIt) {
  const Verdict v = Evaluate(Lead(), Rules(), At(2026, 4, 6, 10, 0));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kOutsideWindow));
  EXPECT_THAT(v.explanations, ElementsAre(AllOf(HasSubstr("a public holiday (Tweede Paasdag)"),
                                                HasSubstr("opens Tue 2026-04-07 09:00"))));
  EXPECT_EQ(v.next_at, At(2026, 4, 7, 9, 0));
}

TEST(Evaluate, TooSoonAfterTheLastCall) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Tue(9)), Email(Tue(9, 1))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCadenceGap));
  EXPECT_THAT(v.explanations, ElementsAre(AllOf(HasSubstr("last call Tue 2026-03-03 09:00"),
                                                HasSubstr("minimum gap 120 min"),
                                                HasSubstr("next Tue 2026-03-03 12:00"))));
  EXPECT_EQ(v.next_at, Tue(12));
}

TEST(Evaluate, DailyMaximum) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Tue(9)), Email(Tue(9, 1)), Call(Tue(12))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Tue(15));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kDailyMaximum));
  EXPECT_THAT(v.explanations, ElementsAre(AllOf(HasSubstr("the day's 2 calls are made"),
                                                HasSubstr("next Wed 2026-03-04 09:00"))));
  EXPECT_EQ(v.next_at, Wed(9));
}

TEST(Evaluate, LockoutAfterAnAbandonedCall) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Tue(10), AttemptOutcome::kAbandoned), Email(Tue(10, 1))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Wed(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kLockout));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("no new call before Fri 2026-03-06 10:00")));
  EXPECT_GE(v.next_at, Fri(10));
  EXPECT_EQ(v.next_at, Fri(12));  // and in another daypart than the first call
}

TEST(Evaluate, NotDueYet) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Tue(9)), Email(Tue(9, 1))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Tue(11, 30));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kNotDue));
  EXPECT_THAT(v.explanations,
              ElementsAre(HasSubstr("call 2 of 4, afternoon planned Tue 2026-03-03 12:00")));
  EXPECT_EQ(v.next_at, Tue(12));
  EXPECT_TRUE(Evaluate(lead, Rules(), Tue(12)).eligible);
}

TEST(Evaluate, NoConsentForAnExistingCustomerUnderOptInOnly) {
  LeadState lead = Lead();
  lead.consent = domain::Consent();
  lead.consent.basis = domain::ConsentBasis::kExistingCustomer;
  lead.consent.relationship_last_at = At(2025, 6, 1, 12, 0);
  CampaignRules rules = Rules();
  rules.policy = domain::MarketingPolicy::kOptInOnly;
  const Verdict v = Evaluate(lead, rules, Tue(10));
  EXPECT_FALSE(v.eligible);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kNoConsent));
  EXPECT_THAT(v.explanations,
              ElementsAre(AllOf(HasSubstr("opt-in only"), HasSubstr("existing_customer"))));
  EXPECT_EQ(v.next_at, Tue(10) + kRecheck);
  // A campaign that allows recent customers: eligible.
  rules.policy = domain::MarketingPolicy::kOptInOrExistingCustomer;
  EXPECT_TRUE(Evaluate(lead, rules, Tue(10)).eligible);
  // But not a customer from long ago.
  lead.consent.relationship_last_at = At(2020, 6, 1, 12, 0);
  const Verdict old = Evaluate(lead, rules, Tue(10));
  EXPECT_THAT(old.blocks, ElementsAre(Block::kNoConsent));
  EXPECT_THAT(old.explanations, ElementsAre(HasSubstr("customers of the last 36 months")));
}

TEST(Evaluate, NoConsentWithoutABasisOrBeforeTheOptIn) {
  LeadState lead = Lead();
  lead.consent = domain::Consent();
  EXPECT_THAT(Evaluate(lead, Rules(), Tue(10)).blocks, ElementsAre(Block::kNoConsent));
  lead.consent.basis = domain::ConsentBasis::kOptIn;
  lead.consent.given_at = Wed(10);
  EXPECT_THAT(Evaluate(lead, Rules(), Tue(10)).blocks, ElementsAre(Block::kNoConsent));
  lead.consent.given_at = std::nullopt;  // an opt-in nobody can prove
  EXPECT_THAT(Evaluate(lead, Rules(), Tue(10)).blocks, ElementsAre(Block::kNoConsent));
}

TEST(Evaluate, RequestedContactNeedsNoOptIn) {
  LeadState lead = Lead();
  lead.consent = domain::Consent();
  lead.consent.basis = domain::ConsentBasis::kRequestedContact;
  EXPECT_TRUE(Evaluate(lead, Rules(), Tue(10)).eligible);
  // Nor does a callback the customer asked for, even on a Sunday.
  lead.consent = domain::Consent();
  lead.callback_at = Sun(11);
  const Verdict v = Evaluate(lead, Rules(), Sun(11));
  EXPECT_TRUE(v.eligible);
  EXPECT_EQ(v.action, Action::kCall);
  EXPECT_THAT(v.reason, HasSubstr("callback requested"));
}

TEST(Evaluate, CallbackNotYetDue) {
  LeadState lead = Lead();
  lead.callback_at = Wed(14, 30);
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kNotDue));
  EXPECT_THAT(v.explanations,
              ElementsAre(HasSubstr("callback requested for Wed 2026-03-04 14:30")));
  EXPECT_EQ(v.next_at, Wed(14, 30));
}

TEST(Evaluate, SuppressedOnEveryRoute) {
  LeadState lead = Lead();
  lead.reach = kNowhere;
  lead.suppressed_routes = 2;
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_FALSE(v.eligible);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kSuppressed));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("(2 suppressed)")));
  EXPECT_EQ(v.action, Action::kNone);
  EXPECT_EQ(v.next_at, Tue(10) + kRecheck);
}

TEST(Evaluate, NoRoute) {
  LeadState lead = Lead();
  lead.reach = kNowhere;
  lead.has_usable_route = false;
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kNoRoute));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("correct the contact data")));
  EXPECT_EQ(v.next_at, Tue(10) + kRecheck);
}

TEST(Evaluate, CadenceDone) {
  LeadState lead = Lead();
  lead.progress = Fold({Call(Mon(9)), Email(Mon(9, 1)), Call(Mon(12)), Call(Tue(9)), Call(Wed(9)),
                        Call(Wed(12)), Call(Thu(9))},
                       Ams());
  const Verdict v = Evaluate(lead, Rules(), Thu(12));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCadenceDone));
  EXPECT_THAT(v.explanations, ElementsAre(HasSubstr("may be closed as not reached")));
  EXPECT_EQ(v.action, Action::kNone);
  EXPECT_EQ(v.next_at, absl::InfiniteFuture());
}

TEST(Evaluate, SeveralBlocksTogether) {
  LeadState lead = Lead();
  lead.consent = domain::Consent();
  lead.lease_until = Sun(12, 30);
  lead.lease_owner = "agent-3";
  CampaignRules rules = Rules();
  rules.state = domain::CampaignState::kPaused;
  const Verdict v = Evaluate(lead, rules, Sun(12));
  EXPECT_FALSE(v.eligible);
  EXPECT_THAT(v.blocks, ElementsAre(Block::kCampaignInactive, Block::kLeased, Block::kNoConsent,
                                    Block::kOutsideWindow));
  ASSERT_EQ(v.explanations.size(), 4u);
  EXPECT_THAT(v.explanations[0], HasSubstr("paused"));
  EXPECT_THAT(v.explanations[1], HasSubstr("agent-3"));
  EXPECT_THAT(v.explanations[2], HasSubstr("no lawful basis"));
  EXPECT_THAT(v.explanations[3], HasSubstr("opens Mon 2026-03-09 09:00"));
  // Paused and without consent: looked at again after kRecheck, not before the window opens.
  EXPECT_GE(v.next_at, NextMon(9));
  EXPECT_EQ(v.next_at, Sun(12) + kRecheck);
}

TEST(Evaluate, NoConsentAndAGapWaitForTheRecheck) {
  LeadState lead = Lead();
  lead.consent = domain::Consent();
  lead.progress = Fold({Call(Tue(9)), Email(Tue(9, 1))}, Ams());
  const Verdict v = Evaluate(lead, Rules(), Tue(10));
  EXPECT_THAT(v.blocks, ElementsAre(Block::kNoConsent, Block::kCadenceGap));
  EXPECT_EQ(v.next_at, Tue(10) + kRecheck);
  // A block that lasts longer than the recheck: the plan decides.
  lead.progress = Fold({Call(Tue(9), AttemptOutcome::kAbandoned), Email(Tue(9, 1))}, Ams());
  const Verdict locked = Evaluate(lead, Rules(), Tue(10));
  EXPECT_THAT(locked.blocks, ElementsAre(Block::kNoConsent, Block::kLockout));
  EXPECT_EQ(locked.next_at, Fri(12));
}

TEST(Evaluate, NextAtIsNeverInThePastWhenBlocked) {
  // Sweep a week for a lead one call into its cadence, under several blocks.
  LeadState lead = Lead();
  lead.progress = Fold({Call(Mon(9)), Email(Mon(9, 1))}, Ams());
  CampaignRules paused = Rules();
  paused.state = domain::CampaignState::kPaused;
  for (absl::Time now = Mon(9, 30); now < NextMon(12); now += absl::Minutes(30)) {
    SCOPED_TRACE(Show(now));
    for (const CampaignRules& rules : {Rules(), paused}) {
      const Verdict v = Evaluate(lead, rules, now);
      if (v.eligible) {
        EXPECT_EQ(v.next_at, now);
        EXPECT_TRUE(calendar::IsOpen(rules.window, now));
        EXPECT_THAT(v.blocks, IsEmpty());
      } else {
        EXPECT_GT(v.next_at, now);
        EXPECT_EQ(v.blocks.size(), v.explanations.size());
      }
    }
  }
}

TEST(BlockName, Names) {
  EXPECT_EQ(BlockName(Block::kClosed), "closed");
  EXPECT_EQ(BlockName(Block::kCampaignInactive), "campaign_inactive");
  EXPECT_EQ(BlockName(Block::kLeased), "leased");
  EXPECT_EQ(BlockName(Block::kOutsideWindow), "outside_window");
  EXPECT_EQ(BlockName(Block::kCadenceGap), "cadence_gap");
  EXPECT_EQ(BlockName(Block::kDailyMaximum), "daily_maximum");
  EXPECT_EQ(BlockName(Block::kLockout), "lockout");
  EXPECT_EQ(BlockName(Block::kNoConsent), "no_consent");
  EXPECT_EQ(BlockName(Block::kSuppressed), "suppressed");
  EXPECT_EQ(BlockName(Block::kNoRoute), "no_route");
  EXPECT_EQ(BlockName(Block::kNotDue), "not_due");
  EXPECT_EQ(BlockName(Block::kCadenceDone), "cadence_done");
}

}  // namespace
}  // namespace secondvoice::cadence
