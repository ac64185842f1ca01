// Tests for libs/pacing: duration bins and the estimates built on them, the abandon ledger, the
// progressive / predictive / VICIdial-style pacers, the worst-window abandon rate and short
// virtual-time shifts. Pure: every instant is given (UTC), nothing reads a clock.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/pacing/abandon_ledger.h"
#include "libs/pacing/estimates.h"
#include "libs/pacing/pacer.h"
#include "libs/pacing/shift_sim.h"
#include "libs/telephony/random.h"

namespace secondvoice::pacing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Monday 2026-11-02 10:00 UTC.
const absl::Time kT0 =
    absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 0, 0), absl::UTCTimeZone());

absl::Duration S(double seconds) { return absl::Seconds(seconds); }

std::vector<absl::Duration> Times(int n, absl::Duration each) {
  return std::vector<absl::Duration>(n, each);
}

// ---- DurationBins ----

TEST(DurationBins, MeanAndCountUpTo) {
  DurationBins b(S(60));
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.Mean(), absl::ZeroDuration());
  EXPECT_EQ(b.CountUpTo(S(10)), 0);
  for (double s : {1, 2, 3, 3, 10}) b.Add(S(s));
  EXPECT_EQ(b.size(), 5);
  EXPECT_EQ(b.Mean(), absl::Milliseconds(3800));  // 19 s / 5
  EXPECT_EQ(b.CountUpTo(S(-1)), 0);
  EXPECT_EQ(b.CountUpTo(S(0)), 0);
  EXPECT_EQ(b.CountUpTo(S(1)), 1);
  EXPECT_EQ(b.CountUpTo(S(2)), 2);
  EXPECT_EQ(b.CountUpTo(S(3)), 4);
  EXPECT_EQ(b.CountUpTo(S(9)), 4);
  EXPECT_EQ(b.CountUpTo(S(10)), 5);
  EXPECT_EQ(b.CountUpTo(absl::Hours(1)), 5);
  // Whole-second bins: 2.5 s is in (2 s, 3 s], counted from 3 s on.
  b.Add(S(2.5));
  EXPECT_EQ(b.CountUpTo(S(2)), 2);
  EXPECT_EQ(b.CountUpTo(S(3)), 5);
}

TEST(DurationBins, TheLastBinTakesEverythingLonger) {
  DurationBins b(S(10));
  b.Add(S(100));
  b.Add(S(2));
  EXPECT_EQ(b.CountUpTo(S(9)), 1);
  EXPECT_EQ(b.CountUpTo(S(10)), 2);
  EXPECT_EQ(b.Mean(), S(51)) << "the mean keeps the real durations";
}

TEST(DurationBins, PopOldestForgetsTheOldestSample) {
  DurationBins b(S(60));
  b.Add(S(1));
  b.Add(S(5));
  EXPECT_EQ(b.CountUpTo(S(1)), 1);  // the counts are cached here...
  b.PopOldest();
  EXPECT_EQ(b.size(), 1);
  EXPECT_EQ(b.CountUpTo(S(1)), 0);  // ...and rebuilt after the change
  EXPECT_EQ(b.CountUpTo(S(5)), 1);
  EXPECT_EQ(b.Mean(), S(5));
  b.PopOldest();
  b.PopOldest();  // empty: nothing to do
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.CountUpTo(S(60)), 0);
}

TEST(DurationBins, EndsWithinIsConditionalOnHavingLastedSoFar) {
  DurationBins b(S(60));
  for (double s : {1, 2, 3, 4, 10}) b.Add(S(s));
  // P(X <= 4 | X > 2): of {3, 4, 10}, two.
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(2), S(2)), 2.0 / 3);
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(0), S(1)), 1.0 / 5);
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(4), S(1)), 0.0);  // only 10 s is left
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(4), S(100)), 1.0);
  // Nothing ever lasted this long: a memoryless tail with the mean (4 s).
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(10), S(1)), 1.0 - std::exp(-1.0 / 4));
  EXPECT_DOUBLE_EQ(b.EndsWithin(S(30), absl::ZeroDuration()), 0.0);
  EXPECT_LT(b.EndsWithin(S(10), S(1)), b.EndsWithin(S(10), S(8)));
  // No samples: nothing is known to end.
  EXPECT_DOUBLE_EQ(DurationBins(S(60)).EndsWithin(S(0), S(5)), 0.0);
}

TEST(DurationBins, QuantileIsTheSmallestWholeSecondHoldingThatShare) {
  DurationBins b(S(60));
  EXPECT_EQ(b.Quantile(0.5), absl::ZeroDuration());  // nothing measured
  for (double s : {1, 2, 3, 4, 10}) b.Add(S(s));
  EXPECT_EQ(b.Quantile(0.5), S(3));   // three of five are at most 3 s
  EXPECT_EQ(b.Quantile(0.9), S(10));  // 4.5 of five: all five
  EXPECT_EQ(b.Quantile(0.0), S(1));
}

// ---- Estimates ----

TEST(Estimates, AnswerRateStartsAtThePriorAndMovesWithTheData) {
  Estimates::Options o;
  o.prior_answer_rate = 0.2;
  o.prior_weight = 20;
  Estimates e(o);
  EXPECT_DOUBLE_EQ(e.AnswerRate(), 0.2);
  for (int i = 0; i < 10; ++i) e.OnCallResolved(S(5), i % 2 == 0);
  EXPECT_EQ(e.calls(), 10);
  // (5 answered + 0.2 x 20) / (10 calls + 20)
  EXPECT_DOUBLE_EQ(e.AnswerRate(), 9.0 / 30);
  for (int i = 0; i < 400; ++i) e.OnCallResolved(S(5), true);
  EXPECT_DOUBLE_EQ(e.AnswerRate(), (405 + 4.0) / (410 + 20));
}

TEST(Estimates, AnswerWithinOnAHandMadeSample) {
  Estimates e;
  e.OnCallResolved(S(3), false);  // busy
  e.OnCallResolved(S(5), true);
  e.OnCallResolved(S(8), true);
  e.OnCallResolved(S(18), false);  // machine
  e.OnCallResolved(S(25), false);  // rang out
  e.OnCallResolved(S(25), false);
  EXPECT_EQ(e.calls(), 6);
  EXPECT_EQ(e.MeanAnswerRing(), S(6.5));
  // A new call: two of six were answered within 10 s.
  EXPECT_DOUBLE_EQ(e.AnswerWithin(S(0), S(10)), 2.0 / 6);
  // Ringing 4 s already: five calls lasted that long, one was answered in the next 3 s.
  EXPECT_DOUBLE_EQ(e.AnswerWithin(S(4), S(3)), 1.0 / 5);
  // Ringing 10 s: nobody answered that late.
  EXPECT_DOUBLE_EQ(e.AnswerWithin(S(10), S(30)), 0.0);
  // Longer than any call in the window: it will not be answered.
  EXPECT_DOUBLE_EQ(e.AnswerWithin(S(30), S(5)), 0.0);
}

TEST(Estimates, TheCallWindowForgetsAnswersInStep) {
  Estimates::Options o;
  o.call_window = 50;
  o.prior_weight = 0;  // the raw share
  Estimates e(o);
  for (int i = 0; i < 50; ++i) e.OnCallResolved(S(5), true);
  EXPECT_DOUBLE_EQ(e.AnswerRate(), 1.0);
  for (int i = 0; i < 25; ++i) e.OnCallResolved(S(20), false);
  EXPECT_EQ(e.calls(), 50);
  EXPECT_DOUBLE_EQ(e.AnswerRate(), 0.5);
  for (int i = 0; i < 25; ++i) e.OnCallResolved(S(20), false);
  EXPECT_EQ(e.calls(), 50);
  EXPECT_DOUBLE_EQ(e.AnswerRate(), 0.0);
  EXPECT_DOUBLE_EQ(e.AnswerWithin(S(0), S(60)), 0.0);
  EXPECT_EQ(e.MeanAnswerRing(), absl::ZeroDuration());
}

TEST(Estimates, TalkAndWrapWindows) {
  Estimates::Options o;
  o.handle_window = 3;
  Estimates e(o);
  for (double s : {10, 20, 30, 40}) e.OnTalkEnded(S(s));
  EXPECT_EQ(e.conversations(), 3);
  EXPECT_EQ(e.MeanTalk(), S(30));
  for (double s : {100, 5, 10, 15}) e.OnWrapEnded(S(s));
  EXPECT_EQ(e.MeanWrap(), S(10));
  // Wrap-ups of 5, 10 and 15 s: in wrap-up for 6 s, done within 4 more s for one of two.
  EXPECT_DOUBLE_EQ(e.WrapEndsWithin(S(6), S(4)), 1.0 / 2);
}

TEST(Estimates, FreeWithinAllowsForTheWrapUp) {
  Estimates e;
  for (int i = 0; i < 5; ++i) e.OnWrapEnded(S(20));
  e.OnTalkEnded(S(60));
  e.OnTalkEnded(S(120));
  // Talking for 30 s, free within 50 s if the talk ends within 30 s: one of the two.
  EXPECT_DOUBLE_EQ(e.FreeWithin(S(30), S(50)), 1.0 / 2);
  // Not even the wrap-up fits.
  EXPECT_DOUBLE_EQ(e.FreeWithin(S(30), S(20)), 0.0);
  // Talking longer than anyone ever did: a memoryless tail with the mean talk (90 s), over the
  // 1 s left after the wrap-up.
  EXPECT_DOUBLE_EQ(e.FreeWithin(S(130), S(21)), 1.0 - std::exp(-1.0 / 90));
}

// ---- Survival ----

DurationBins Ended(std::initializer_list<double> seconds) {
  DurationBins b(absl::Minutes(10));
  for (double s : seconds) b.Add(S(s));
  return b;
}

TEST(Survival, WithNothingRunningItIsTheEndedOnes) {
  const Survival s(Ended({60, 70, 80, 90, 100}), {});
  EXPECT_DOUBLE_EQ(s.Beyond(S(50)), 1.0);
  EXPECT_DOUBLE_EQ(s.Beyond(S(75)), 3.0 / 5);
  EXPECT_DOUBLE_EQ(s.EndsWithin(S(50), S(40)), 4.0 / 5);
  EXPECT_DOUBLE_EQ(s.EndsWithin(S(70), S(20)), 2.0 / 3);
  // Past the last one that ended: a memoryless tail with their mean (80 s).
  EXPECT_DOUBLE_EQ(s.EndsWithin(S(150), S(40)), 1.0 - std::exp(-40.0 / 80));
  // Nothing ended yet: nothing is known to end.
  EXPECT_DOUBLE_EQ(Survival(Ended({}), {S(30)}).EndsWithin(S(10), S(60)), 0.0);
}

TEST(Survival, RunningDurationsLastAtLeastAsLongAsTheyHave) {
  // Five still running at 300 s: of the ten, each ended one leaves fewer at risk.
  const Survival s(Ended({60, 70, 80, 90, 100}), Times(5, S(300)));
  EXPECT_DOUBLE_EQ(s.Beyond(S(60)), 9.0 / 10);
  EXPECT_DOUBLE_EQ(s.Beyond(S(100)), 5.0 / 10);
  EXPECT_DOUBLE_EQ(s.EndsWithin(S(50), S(40)), 4.0 / 10);
  // One running at 65 s leaves the risk set after it.
  const Survival t(Ended({60, 70, 80, 90, 100}), {S(65)});
  EXPECT_DOUBLE_EQ(t.Beyond(S(60)), 5.0 / 6);
  EXPECT_DOUBLE_EQ(t.Beyond(S(70)), 5.0 / 6 * 3 / 4);
}

TEST(Estimates, FreeWithinFromASurvivalAllowsForTheWrapUp) {
  Estimates e;
  for (int i = 0; i < 5; ++i) e.OnWrapEnded(S(20));
  for (double t : {60, 70, 80, 90, 100}) e.OnTalkEnded(S(t));
  const Survival none = e.TalkSurvival({});
  const Survival running = e.TalkSurvival(Times(5, S(300)));
  // Talking for 50 s, free within 60 s if the talk ends within 40 s.
  EXPECT_DOUBLE_EQ(e.FreeWithin(none, S(50), S(60)), 4.0 / 5);
  EXPECT_DOUBLE_EQ(e.FreeWithin(none, S(50), S(60)), e.FreeWithin(S(50), S(60)));
  EXPECT_DOUBLE_EQ(e.FreeWithin(running, S(50), S(60)), 4.0 / 10);
  EXPECT_DOUBLE_EQ(e.FreeWithin(running, S(50), S(20)), 0.0);
}

// ---- AbandonLedger ----

TEST(AbandonLedger, TheDayWindowExcludesOlderMinutes) {
  AbandonLedger l;
  l.OnAnswered(kT0);
  l.OnAnswered(kT0 + S(20));
  l.OnAbandoned(kT0 + S(20));
  AbandonFigures f = l.Last24h(kT0 + S(30));
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 1);
  EXPECT_DOUBLE_EQ(f.Rate(), 0.5);
  f = l.Last24h(kT0 + absl::Hours(23) + absl::Minutes(58));
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 1);
  f = l.Last24h(kT0 + absl::Hours(24) + absl::Minutes(2));
  EXPECT_EQ(f.answered, 0);
  EXPECT_EQ(f.abandoned, 0);
  EXPECT_DOUBLE_EQ(f.Rate(), 0.0);
  // What happens after `now` is not in its window.
  EXPECT_EQ(l.Last24h(kT0 - absl::Minutes(2)).answered, 0);
  EXPECT_EQ(l.Last(kT0 + absl::Minutes(10), absl::Minutes(5)).answered, 0);
}

TEST(AbandonLedger, ThirtyDayFigures) {
  const absl::Duration day = absl::Hours(24);
  AbandonLedger l;
  l.OnAnswered(kT0);
  l.OnAnswered(kT0 + 10 * day);
  l.OnAbandoned(kT0 + 10 * day);
  l.OnAnswered(kT0 + 29 * day);
  AbandonFigures f = l.Last30d(kT0 + 29 * day);
  EXPECT_EQ(f.answered, 3);
  EXPECT_EQ(f.abandoned, 1);
  f = l.Last24h(kT0 + 29 * day);
  EXPECT_EQ(f.answered, 1);
  EXPECT_EQ(f.abandoned, 0);
  f = l.Last30d(kT0 + 31 * day);
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 1);
  // Counts older than 30 days are dropped as time moves on, whatever window is asked for later.
  l.OnAnswered(kT0 + 45 * day);
  f = l.Last(kT0 + 45 * day, 100 * day);
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 0);
}

TEST(AbandonLedger, Headroom) {
  AbandonLedger l;
  for (int i = 0; i < 100; ++i) l.OnAnswered(kT0 + S(i));
  l.OnAbandoned(kT0 + S(10));
  l.OnAbandoned(kT0 + S(70));
  const absl::Time now = kT0 + absl::Hours(1);
  // cap x (answered + more) - abandoned
  EXPECT_NEAR(l.Headroom(now, 0), 0.03 * 100 - 2, 1e-9);
  EXPECT_NEAR(l.Headroom(now, 50), 0.03 * 150 - 2, 1e-9);
  EXPECT_NEAR(l.Headroom(now, 0, 0.05), 0.05 * 100 - 2, 1e-9);
  for (int i = 0; i < 3; ++i) l.OnAbandoned(now);
  EXPECT_NEAR(l.Headroom(now, 0), 3.0 - 5, 1e-9) << "over the cap";
  // A day later none of it counts.
  EXPECT_NEAR(l.Headroom(now + absl::Hours(25), 10), 0.3, 1e-9);
}

TEST(AbandonLedger, LateEventsLandInTheirOwnMinute) {
  AbandonLedger l;
  l.OnAnswered(kT0 + absl::Minutes(10));
  l.OnAnswered(kT0 + absl::Minutes(2));  // late
  l.OnAnswered(kT0 + absl::Minutes(5));  // late, between two minutes
  l.OnAbandoned(kT0 + absl::Minutes(10) + S(30));
  l.OnAnswered(kT0 - absl::Hours(1));  // older than everything
  const absl::Time now = kT0 + absl::Minutes(10) + S(40);
  AbandonFigures f = l.Last(now, absl::Minutes(6));  // minutes 5 to 10
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 1);
  f = l.Last(now, absl::Minutes(9));  // minutes 2 to 10
  EXPECT_EQ(f.answered, 3);
  f = l.Last24h(now);
  EXPECT_EQ(f.answered, 4);
  EXPECT_EQ(f.abandoned, 1);
  f = l.Last(kT0 + absl::Minutes(5), absl::Minutes(4));  // minutes 2 to 5
  EXPECT_EQ(f.answered, 2);
  EXPECT_EQ(f.abandoned, 0);
}

// ---- Pacers ----

// A queue's recent history: every third of 400 calls answered by a person after 5-10 s, the rest
// resolved after 20-25 s; conversations of 100-150 s; wrap-ups of 20-30 s.
Estimates Ample() {
  Estimates e;
  for (int i = 0; i < 400; ++i) {
    if (i % 3 == 0) {
      e.OnCallResolved(S(5 + i % 6), true);
    } else {
      e.OnCallResolved(S(20 + i % 6), false);
    }
  }
  for (int i = 0; i < 100; ++i) {
    e.OnTalkEnded(S(100 + i % 51));
    e.OnWrapEnded(S(20 + i % 11));
  }
  return e;
}

// 200 answers two hours ago and no abandons: room for six abandoned calls.
AbandonLedger Roomy() {
  AbandonLedger l;
  for (int i = 0; i < 200; ++i) l.OnAnswered(kT0 - absl::Hours(2));
  return l;
}

// Ten agents, all in wrap-up for 25 s (of 20-30 s): free within seconds, none ready now.
QueueView AllAboutToFinish() {
  QueueView q;
  q.now = kT0;
  q.wrapping = Times(10, S(25));
  return q;
}

TEST(ProgressivePacer, OneCallPerReadyAgentWithNoneOnTheWay) {
  ProgressivePacer p;
  QueueView q;
  q.now = kT0;
  q.ready = 5;
  q.talking = Times(3, S(60));
  q.wrapping = Times(2, S(10));
  q.ringing = Times(2, S(4));
  q.waiting = 1;
  Decision d = p.Decide(q, Ample(), Roomy());
  EXPECT_EQ(d.calls, 5 - 2 - 1);
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_DOUBLE_EQ(d.dial_level, 1.0);
  EXPECT_FALSE(d.why.empty());

  q.ready = 1;
  q.ringing = Times(3, S(4));
  d = p.Decide(q, Ample(), Roomy());
  EXPECT_EQ(d.calls, 0) << "never negative";
}

TEST(PredictivePacer, TooFewAgentsFallsBackToProgressive) {
  PredictivePacer p;
  QueueView q;
  q.now = kT0;
  q.ready = 1;  // the only one logged in
  const Decision d = p.Decide(q, Ample(), Roomy());
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_EQ(d.calls, 1);
  EXPECT_THAT(d.why, StartsWith("progressive"));
  EXPECT_THAT(d.why, HasSubstr("agent"));
}

TEST(PredictivePacer, TooLittleDataFallsBackToProgressive) {
  PredictivePacer p;
  QueueView q;
  q.now = kT0;
  q.ready = 5;
  q.ringing = Times(1, S(3));
  Decision d = p.Decide(q, Estimates(), Roomy());
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_EQ(d.calls, 4);
  EXPECT_THAT(d.why, HasSubstr("too little data"));

  // Plenty of calls but hardly any conversations yet.
  Estimates few_talks;
  for (int i = 0; i < 400; ++i) few_talks.OnCallResolved(S(8), i % 3 == 0);
  for (int i = 0; i < 5; ++i) {
    few_talks.OnTalkEnded(S(120));
    few_talks.OnWrapEnded(S(25));
  }
  d = p.Decide(q, few_talks, Roomy());
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_THAT(d.why, HasSubstr("too little data"));
}

TEST(PredictivePacer, NoHeadroomInTheLedgerFallsBackToProgressive) {
  PredictivePacer p;
  QueueView q = AllAboutToFinish();
  q.ready = 2;
  // 4 abandoned of 100 answered today: over the 3% cap.
  AbandonLedger full;
  for (int i = 0; i < 100; ++i) full.OnAnswered(kT0 - absl::Hours(3));
  for (int i = 0; i < 4; ++i) full.OnAbandoned(kT0 - absl::Hours(3));
  Decision d = p.Decide(q, Ample(), full);
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_EQ(d.calls, 2);
  EXPECT_THAT(d.why, HasSubstr("no room"));

  // A new campaign has no answers to measure abandons against yet.
  d = p.Decide(q, Ample(), AbandonLedger());
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_THAT(d.why, HasSubstr("live answers"));
}

// A risk loose enough for the hand-made queues below to show the model at work, taken as it is
// (the default is calibrated online by the abandons that actually happen).
PredictivePacer::Options Loose(double risk = 0.02) {
  PredictivePacer::Options o;
  o.risk = risk;
  o.calibration_range = {1.0, 1.0};
  return o;
}

TEST(PredictivePacer, CallsAheadForAgentsAboutToComeFree) {
  const QueueView q = AllAboutToFinish();
  const Decision progressive = ProgressivePacer().Decide(q, Ample(), Roomy());
  EXPECT_EQ(progressive.calls, 0);
  PredictivePacer p(Loose());
  const Decision d = p.Decide(q, Ample(), Roomy());
  EXPECT_EQ(d.mode, Mode::kPredictive);
  EXPECT_THAT(d.why, StartsWith("predictive"));
  EXPECT_GT(d.calls, progressive.calls);
  EXPECT_GT(d.expected_answers, 0);
  // Each new call within the risk it may carry, and the next one would have been over it.
  EXPECT_LE(d.expected_abandons, Loose().risk * d.expected_answers);
  EXPECT_THAT(d.why, HasSubstr("held by the risk per call"));
  EXPECT_DOUBLE_EQ(d.dial_level, static_cast<double>(d.calls) / 10);
}

TEST(PredictivePacer, ALowerRiskPlacesFewerCalls) {
  const QueueView q = AllAboutToFinish();
  const PredictivePacer::Options strict = Loose(0.002);
  const Decision loose = PredictivePacer(Loose(0.05)).Decide(q, Ample(), Roomy());
  const Decision tight = PredictivePacer(strict).Decide(q, Ample(), Roomy());
  EXPECT_EQ(tight.mode, Mode::kPredictive);
  EXPECT_LT(tight.calls, loose.calls);
  EXPECT_LE(tight.expected_abandons, loose.expected_abandons);
  EXPECT_THAT(loose.why, HasSubstr("the risk per call"));
  EXPECT_THAT(tight.why, HasSubstr("the risk per call"));
}

// Early in a shift only the short conversations have ended: the ones still running say how
// long the others last, so agents in conversation are expected free later than the ended ones
// alone would say.
TEST(PredictivePacer, ConversationsStillRunningCountAsLastingLonger) {
  Estimates e;
  for (int i = 0; i < 400; ++i) e.OnCallResolved(S(i % 3 == 0 ? 7 : 22), i % 3 == 0);
  for (double t : {60, 70, 80, 90, 100}) e.OnTalkEnded(S(t));
  for (int i = 0; i < 30; ++i) e.OnWrapEnded(S(20));
  QueueView short_only;
  short_only.now = kT0;
  short_only.talking = Times(5, S(50));
  QueueView with_long = short_only;
  for (int i = 0; i < 15; ++i) with_long.talking.push_back(S(300));
  const PredictivePacer p;
  const Supply a = p.ExpectedSupply(short_only, e);
  const Supply b = p.ExpectedSupply(with_long, e);
  ASSERT_EQ(static_cast<int>(a.mean.size()), p.Slots());
  const int last = p.Slots() - 1;
  // The fifteen past every ended conversation get a memoryless tail with the mean talk (80 s)
  // after the mean wrap-up (20 s); what is left is the five at 50 s, now less likely free.
  const double long_ones = 15 * (1 - std::exp(-(last - 20) / 80.0));
  EXPECT_GT(a.mean[last], 0.5);
  EXPECT_LT(b.mean[last] - long_ones, a.mean[last] - 0.5);
  // Nobody is free before the wrap-up after a conversation could be over.
  EXPECT_DOUBLE_EQ(b.mean[10], 0.0);
}

TEST(PredictivePacer, CallsAlreadyRingingCountAsDemand) {
  QueueView q = AllAboutToFinish();
  const Decision none_ringing = PredictivePacer(Loose()).Decide(q, Ample(), Roomy());
  q.ringing = Times(10, S(2));
  const Decision ten_ringing = PredictivePacer(Loose()).Decide(q, Ample(), Roomy());
  EXPECT_LT(ten_ringing.calls, none_ringing.calls);
}

TEST(PredictivePacer, TheLevelCapAndThe24hCapHoldItBack) {
  const QueueView q = AllAboutToFinish();
  PredictivePacer::Options capped = Loose();
  capped.max_level = 0.5;  // five calls in progress for ten agents
  Decision d = PredictivePacer(capped).Decide(q, Ample(), Roomy());
  EXPECT_EQ(d.mode, Mode::kPredictive);
  EXPECT_EQ(d.calls, 5);
  EXPECT_THAT(d.why, HasSubstr("the level cap"));

  // A risk that never binds: only the ledger's room does.
  const PredictivePacer::Options lax = Loose(1.0);
  AbandonLedger lots;
  for (int i = 0; i < 10000; ++i) lots.OnAnswered(kT0 - absl::Hours(2));
  // 0.026 x 110 - 1 = 1.9: just above the reserve of 1.
  AbandonLedger little;
  for (int i = 0; i < 110; ++i) little.OnAnswered(kT0 - absl::Hours(2));
  little.OnAbandoned(kT0 - absl::Hours(2));
  const Decision roomy = PredictivePacer(lax).Decide(q, Ample(), lots);
  const Decision tight = PredictivePacer(lax).Decide(q, Ample(), little);
  EXPECT_EQ(tight.mode, Mode::kPredictive);
  EXPECT_LT(tight.calls, roomy.calls);
  EXPECT_THAT(tight.why, HasSubstr("the 24 h abandon cap"));
  EXPECT_LE(roomy.calls, static_cast<int>(PredictivePacer::Options().max_level * 10));
}

// The same answer rate measured from more calls is trusted more: an error in it would be shared
// by every call placed, so a queue that places many calls on a rate measured from few answers
// keeps more margin.
TEST(PredictivePacer, ARateMeasuredFromFewAnswersIsTrustedLess) {
  QueueView q;
  q.now = kT0;
  q.wrapping = Times(60, S(25));
  Estimates::Options wide, narrow;
  wide.call_window = 4000;
  narrow.call_window = 500;
  Estimates more(wide);
  Estimates fewer(narrow);
  for (Estimates* e : {&more, &fewer}) {
    for (int i = 0; i < 4000; ++i)
      e->OnCallResolved(S(i % 3 == 0 ? 5 + i % 6 : 20 + i % 6), i % 3 == 0);
    for (int i = 0; i < 100; ++i) {
      e->OnTalkEnded(S(100 + i % 51));
      e->OnWrapEnded(S(20 + i % 11));
    }
  }
  ASSERT_GT(more.answers(), 4 * fewer.answers());
  ASSERT_NEAR(more.AnswerRate(), fewer.AnswerRate(), 0.01);
  AbandonLedger lots;
  for (int i = 0; i < 10000; ++i) lots.OnAnswered(kT0 - absl::Hours(2));
  const Decision sure = PredictivePacer(Loose()).Decide(q, more, lots);
  const Decision unsure = PredictivePacer(Loose()).Decide(q, fewer, lots);
  EXPECT_EQ(sure.mode, Mode::kPredictive);
  EXPECT_LT(unsure.calls, sure.calls);
}

// The factor the why of a predictive decision gives for the model's bias.
double Bias(const Decision& d) {
  const std::string::size_type at = d.why.find("bias x");
  if (at == std::string::npos) return -1;
  return std::stod(d.why.substr(at + 6));
}

// The last of two hours of decisions every ten seconds on the same queue and ledger.
Decision AfterTwoHours(PredictivePacer& pacer, const QueueView& q, const AbandonLedger& ledger) {
  Decision d;
  for (int t = 0; t <= 720; ++t) {
    QueueView later = q;
    later.now = kT0 + absl::Seconds(10 * t);
    d = pacer.Decide(later, Ample(), ledger);
  }
  return d;
}

// Once a minute the risk a call may carry is corrected by the abandons the model expected of the
// calls it placed against those that happened: more calls when fewer happened, fewer when more
// did.
TEST(PredictivePacer, TheRiskIsCorrectedByWhatTheModelExpectedAgainstWhatHappened) {
  const QueueView q = AllAboutToFinish();
  // Many clean answers earlier in the 24 h, so that the cap has room either way, and 1,000 in
  // the last hour with none or 28 abandoned.
  auto ledger = [](int abandoned) {
    AbandonLedger l;
    for (int i = 0; i < 5000; ++i) l.OnAnswered(kT0 - absl::Hours(10));
    for (int i = 0; i < 1000; ++i) l.OnAnswered(kT0 - absl::Hours(1));
    for (int i = 0; i < abandoned; ++i) l.OnAbandoned(kT0 - absl::Hours(1));
    return l;
  };
  const AbandonLedger calm = ledger(0), rough = ledger(28);
  PredictivePacer::Options o;
  PredictivePacer after_calm(o), after_rough(o);
  // What the uncorrected risk places.
  const int first = PredictivePacer(Loose(o.risk)).Decide(q, Ample(), calm).calls;
  ASSERT_EQ(first, PredictivePacer(Loose(o.risk)).Decide(q, Ample(), rough).calls);
  // Two hours of decisions every ten seconds, each expecting a little of an abandon.
  const Decision c = AfterTwoHours(after_calm, q, calm);
  const Decision r = AfterTwoHours(after_rough, q, rough);
  ASSERT_GT(c.expected_abandons, 0.005);
  EXPECT_GT(c.calls, first);
  EXPECT_LT(r.calls, first);
  EXPECT_GT(Bias(c), 2.0) << c.why;
  EXPECT_LT(Bias(r), 1.0) << r.why;
  EXPECT_THAT(r.why, HasSubstr("the risk per call"));
  // Once a minute, not on every decision: within the minute the same queue gets the same call.
  QueueView again = q;
  again.now = kT0 + absl::Hours(2) + absl::Seconds(20);
  EXPECT_EQ(after_rough.Decide(again, Ample(), rough).calls, r.calls);
  EXPECT_EQ(after_rough.Decide(again, Ample(), rough).calls, r.calls);
}

// The ledger may be that of one of several campaigns a queue calls for: the calibration compares
// rates, so a ledger with half the answers and half the abandons says about the same.
TEST(PredictivePacer, TheCorrectionComparesRatesNotCounts) {
  const QueueView q = AllAboutToFinish();
  auto ledger = [](int answered, int abandoned) {
    AbandonLedger l;
    for (int i = 0; i < answered; ++i) l.OnAnswered(kT0 - absl::Hours(1));
    for (int i = 0; i < abandoned; ++i) l.OnAbandoned(kT0 - absl::Hours(1));
    return l;
  };
  const AbandonLedger all = ledger(6000, 60), half = ledger(3000, 30);
  PredictivePacer a, b;
  const Decision da = AfterTwoHours(a, q, all);
  const Decision db = AfterTwoHours(b, q, half);
  EXPECT_NEAR(Bias(da), Bias(db), 0.1 * Bias(da)) << da.why << "\n" << db.why;
}

// As the last 24 h near the guard's share of abandons, each call may carry less risk, before the
// guard stops predictive dialing altogether.
TEST(PredictivePacer, TheRiskEasesOffAsThe24hRateNearsTheGuard) {
  const QueueView q = AllAboutToFinish();
  auto ledger = [](int abandoned) {
    AbandonLedger l;
    for (int i = 0; i < 10000; ++i) l.OnAnswered(kT0 - absl::Hours(10));
    for (int i = 0; i < abandoned; ++i) l.OnAbandoned(kT0 - absl::Hours(10));
    return l;
  };
  const Decision calm = PredictivePacer(Loose()).Decide(q, Ample(), ledger(100));  // 1%
  const Decision near = PredictivePacer(Loose()).Decide(q, Ample(), ledger(245));  // 2.45%
  EXPECT_EQ(near.mode, Mode::kPredictive);
  EXPECT_LT(near.calls, calm.calls);
  EXPECT_THAT(near.why, HasSubstr("eased"));
  EXPECT_THAT(calm.why, Not(HasSubstr("eased")));
}

// A large queue can lose many calls at once: it needs more answers in the last 24 h to measure
// its abandons against before it dials ahead.
TEST(PredictivePacer, ALargeQueueWaitsForMoreAnswers) {
  QueueView q;
  q.now = kT0;
  q.ready = 10;
  q.wrapping = Times(90, S(25));
  AbandonLedger some;
  for (int i = 0; i < 300; ++i) some.OnAnswered(kT0 - absl::Hours(1));
  Decision d = PredictivePacer(Loose()).Decide(q, Ample(), some);
  EXPECT_EQ(d.mode, Mode::kProgressive);
  EXPECT_THAT(d.why, HasSubstr("needs 500"));
  // Ten agents need the 100 of any queue.
  d = PredictivePacer(Loose()).Decide(AllAboutToFinish(), Ample(), some);
  EXPECT_EQ(d.mode, Mode::kPredictive);
}

// The same model with the agents' coming free given: agents certainly free within seconds take
// more calls than agents who will not be free within the horizon.
TEST(PredictivePacer, DecidesWithTheSupplyGiven) {
  const QueueView q = AllAboutToFinish();
  PredictivePacer p(Loose());
  Supply soon, never;
  for (int k = 0; k < p.Slots(); ++k) {
    soon.mean.push_back(k >= 3 ? 10 : 0);
    never.mean.push_back(0);
  }
  soon.var.assign(p.Slots(), 0.0);
  never.var.assign(p.Slots(), 0.0);
  const Decision a = p.DecideWith(soon, q, Ample(), Roomy());
  const Decision b = p.DecideWith(never, q, Ample(), Roomy());
  EXPECT_EQ(a.mode, Mode::kPredictive);
  EXPECT_GT(a.calls, 5);
  EXPECT_EQ(b.calls, 0);
  // A shorter supply stays at its last count: ten free from now on.
  Supply ten_now;
  ten_now.mean = {10};
  const Decision c = p.DecideWith(ten_now, q, Ample(), Roomy());
  EXPECT_EQ(c.mode, Mode::kPredictive);
  EXPECT_GE(c.calls, a.calls);
  // The gates hold as they do for Decide.
  EXPECT_EQ(p.DecideWith(soon, q, Ample(), AbandonLedger()).mode, Mode::kProgressive);
}

QueueView Active(absl::Time now, int ready, int talking, int waiting = 0, int ringing = 0) {
  QueueView q;
  q.now = now;
  q.ready = ready;
  q.talking = Times(talking, S(60));
  q.waiting = waiting;
  q.ringing = Times(ringing, S(3));
  return q;
}

TEST(VicidialPacer, StartsAtOneAndKeepsLevelTimesActiveAgentsInProgress) {
  VicidialPacer v;
  // Nobody ready, nobody waiting: nothing to adapt to.
  Decision d = v.Decide(Active(kT0, 0, 4), Estimates(), AbandonLedger());
  EXPECT_DOUBLE_EQ(d.dial_level, 1.0);
  EXPECT_EQ(d.calls, 0) << "four conversations for four agents";
  EXPECT_FALSE(d.why.empty());
  // Wrap-up counts as paused: those agents do not raise the target.
  QueueView q = Active(kT0 + S(1), 0, 4);
  q.wrapping = Times(3, S(5));
  d = v.Decide(q, Estimates(), AbandonLedger());
  EXPECT_EQ(d.calls, 0);
}

TEST(VicidialPacer, RisesWhileAgentsWaitAndStaysWithinOneToThree) {
  VicidialPacer v;
  double last = 1.0;
  for (int i = 0; i < 10; ++i) {
    const QueueView q = Active(kT0 + absl::Seconds(15) * i, 4, 0);
    const Decision d = v.Decide(q, Estimates(), AbandonLedger());
    EXPECT_GE(d.dial_level, last) << i;
    EXPECT_GE(d.dial_level, 1.0);
    EXPECT_LE(d.dial_level, 3.0);
    if (i == 0) {
      EXPECT_GT(d.dial_level, 1.0) << "four agents ready, no calls waiting";
    }
    EXPECT_EQ(d.calls, static_cast<int>(std::floor(d.dial_level * 4)));
    last = d.dial_level;
  }
  EXPECT_DOUBLE_EQ(last, 3.0);
  // With calls in progress it places only the difference.
  const Decision d = v.Decide(Active(kT0 + S(150), 2, 2, 1, 3), Estimates(), AbandonLedger());
  EXPECT_EQ(d.calls, static_cast<int>(std::floor(d.dial_level * 4)) - (2 + 1 + 3));

  // Calls waiting for agents bring it down again, never under 1.
  for (int i = 0; i < 10; ++i) {
    const QueueView q = Active(kT0 + S(165) + absl::Seconds(15) * i, 0, 4, 3);
    const Decision d = v.Decide(q, Estimates(), AbandonLedger());
    EXPECT_LE(d.dial_level, last) << i;
    EXPECT_GE(d.dial_level, 1.0);
    last = d.dial_level;
  }
  EXPECT_DOUBLE_EQ(last, 1.0);
}

TEST(VicidialPacer, AdaptsOnlyEveryFifteenSeconds) {
  VicidialPacer v;
  const double first = v.Decide(Active(kT0, 4, 0), Estimates(), AbandonLedger()).dial_level;
  ASSERT_GT(first, 1.0);
  for (int s = 1; s < 15; ++s) {
    EXPECT_DOUBLE_EQ(v.Decide(Active(kT0 + S(s), 4, 0), Estimates(), AbandonLedger()).dial_level,
                     first)
        << s << " s later";
  }
  EXPECT_GT(v.Decide(Active(kT0 + S(15), 4, 0), Estimates(), AbandonLedger()).dial_level, first);
}

// Raises the level to its top with ready agents and an empty ledger.
void RaiseToTop(VicidialPacer& v, absl::Time from) {
  for (int i = 0; i < 5; ++i) {
    (void)v.Decide(Active(from + absl::Seconds(15) * i, 4, 0), Estimates(), AbandonLedger());
  }
}

// `answered` live answers and `abandoned` drops at `at`.
AbandonLedger Drops(absl::Time at, int answered, int abandoned) {
  AbandonLedger l;
  for (int i = 0; i < answered; ++i) l.OnAnswered(at);
  for (int i = 0; i < abandoned; ++i) l.OnAbandoned(at);
  return l;
}

TEST(VicidialPacer, DropsToOneOnceTodaysDropRateIsOverTheCap) {
  VicidialPacer v;
  RaiseToTop(v, kT0);
  const absl::Time now = kT0 + absl::Minutes(5);
  const AbandonLedger over = Drops(kT0 - absl::Hours(2), 100, 4);  // 4% today
  Decision d = v.Decide(Active(now, 4, 0), Estimates(), over);
  EXPECT_DOUBLE_EQ(d.dial_level, 1.0) << "even with every agent ready";
  EXPECT_EQ(d.calls, 4);
  // And held there while it stays over.
  d = v.Decide(Active(now + S(15), 4, 0), Estimates(), over);
  EXPECT_DOUBLE_EQ(d.dial_level, 1.0);

  // At exactly 3% it is not over: the level moves as usual.
  VicidialPacer at_cap;
  RaiseToTop(at_cap, kT0);
  d = at_cap.Decide(Active(now, 4, 0), Estimates(), Drops(kT0 - absl::Hours(2), 100, 3));
  EXPECT_DOUBLE_EQ(d.dial_level, 3.0);
}

TEST(VicidialPacer, YesterdaysDropsDoNotCount) {
  VicidialPacer v;
  RaiseToTop(v, kT0);
  AbandonLedger l = Drops(kT0 - absl::Hours(12), 100, 10);  // 22:00 yesterday
  for (int i = 0; i < 100; ++i) l.OnAnswered(kT0 - absl::Hours(2));
  const Decision d = v.Decide(Active(kT0 + absl::Minutes(5), 4, 0), Estimates(), l);
  EXPECT_DOUBLE_EQ(d.dial_level, 3.0);
}

// "Today" starts at midnight: drops in its first minute count.
TEST(VicidialPacer, DropsInTheFirstMinuteOfTheDayCount) {
  VicidialPacer v;
  RaiseToTop(v, kT0);
  const absl::Time just_after_midnight =
      absl::FromCivil(absl::CivilSecond(2026, 11, 2, 0, 0, 30), absl::UTCTimeZone());
  const Decision d = v.Decide(Active(kT0 + absl::Minutes(5), 4, 0), Estimates(),
                              Drops(just_after_midnight, 100, 4));
  EXPECT_DOUBLE_EQ(d.dial_level, 1.0);
}

// ---- WorstWindowRate ----

std::vector<absl::Time> Minutes(std::initializer_list<double> minutes) {
  std::vector<absl::Time> out;
  for (double m : minutes) out.push_back(kT0 + absl::Seconds(60 * m));
  return out;
}

TEST(WorstWindowRate, NoAbandonsNoRate) {
  EXPECT_DOUBLE_EQ(WorstWindowRate({}, {}, absl::Hours(24)), 0.0);
  EXPECT_DOUBLE_EQ(WorstWindowRate(Minutes({0, 1, 2}), {}, absl::Hours(24)), 0.0);
}

TEST(WorstWindowRate, AnAbandonEarlyInAWindowIsTheWorst) {
  std::vector<absl::Time> answered;
  for (int m = 0; m < 60; ++m) answered.push_back(kT0 + absl::Minutes(m));
  // Abandoned calls are answered calls too. At 2 min only three answers are in the 10-minute
  // window; the one at 40 min always has ten beside it.
  const std::vector<absl::Time> abandoned = Minutes({2, 40});
  EXPECT_DOUBLE_EQ(WorstWindowRate(answered, abandoned, absl::Minutes(10)), 1.0 / 3);
  // Without the early one, every window around the late one holds ten answers.
  EXPECT_DOUBLE_EQ(WorstWindowRate(answered, Minutes({40}), absl::Minutes(10)), 1.0 / 10);
}

TEST(WorstWindowRate, AnswersLeavingTheWindowRaiseIt) {
  // Answers each minute, the one at 3 min abandoned; windows of 2.5 min hold three answers or
  // two. At the abandon it is 1 of 3, but from 3.5 min (the answer at 1 min gone) 1 of 2.
  const std::vector<absl::Time> answered = Minutes({0, 1, 2, 3, 4, 5});
  const std::vector<absl::Time> abandoned = Minutes({3});
  EXPECT_DOUBLE_EQ(WorstWindowRate(answered, abandoned, absl::Seconds(150)), 1.0 / 2);
}

TEST(WorstWindowRate, AgreesWithEveryWindowOnAWholeSecondGrid) {
  // With instants and the window in whole seconds, the counts in (end - w, end] only change at
  // whole-second ends, so trying every such end finds the true worst.
  telephony::Random rng(99);
  for (int round = 0; round < 20; ++round) {
    std::vector<int> answered_s;
    for (int i = 0; i < 60; ++i) answered_s.push_back(static_cast<int>(rng.Uniform() * 3600));
    std::sort(answered_s.begin(), answered_s.end());
    std::vector<int> abandoned_s;
    for (int a : answered_s) {
      if (rng.Uniform() < 0.1) abandoned_s.push_back(a);
    }
    const int window = 120 + static_cast<int>(rng.Uniform() * 900);
    double want = 0;
    for (int end = 0; end <= 3600 + window; ++end) {
      auto in = [&](const std::vector<int>& v) {
        return std::count_if(v.begin(), v.end(),
                             [&](int t) { return t > end - window && t <= end; });
      };
      const auto n = in(answered_s);
      if (n > 0) want = std::max(want, static_cast<double>(in(abandoned_s)) / n);
    }
    std::vector<absl::Time> answered, abandoned;
    for (int s : answered_s) answered.push_back(kT0 + S(s));
    for (int s : abandoned_s) abandoned.push_back(kT0 + S(s));
    EXPECT_DOUBLE_EQ(WorstWindowRate(answered, abandoned, S(window)), want) << "round " << round;
  }
}

// ---- SimulateShift ----

ShiftScenario Short() {
  ShiftScenario s;
  s.name = "short";
  s.agents = 5;
  s.days = 1;
  s.shift = absl::Hours(1);
  s.seed = 7;
  return s;
}

TEST(SimulateShift, ProgressiveNeverAbandons) {
  ProgressivePacer p;
  const ShiftResult r = SimulateShift(Short(), p);
  EXPECT_EQ(r.pacer, "progressive");
  EXPECT_GT(r.calls, 0);
  EXPECT_GT(r.conversations, 0);
  EXPECT_LE(r.answered, r.calls);
  EXPECT_EQ(r.abandoned, 0);
  EXPECT_DOUBLE_EQ(r.abandon_rate, 0.0);
  EXPECT_DOUBLE_EQ(r.worst_24h_abandon, 0.0);
  // Every person who answered got an agent.
  EXPECT_EQ(r.answered, r.conversations);
  // Agents talk at most T / (T + W) of their time: every conversation is followed by wrap-up.
  EXPECT_GT(r.talk_share, 0.0);
  EXPECT_LE(r.talk_share, r.limit);
  EXPECT_LE(r.ratio_to_limit, 1.0);
  EXPECT_GE(r.mean_wait_s, 0.0);
}

void ExpectSameResult(const ShiftResult& a, const ShiftResult& b) {
  EXPECT_EQ(a.pacer, b.pacer);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.answered, b.answered);
  EXPECT_EQ(a.abandoned, b.abandoned);
  EXPECT_EQ(a.conversations, b.conversations);
  EXPECT_EQ(a.talk_s, b.talk_s);
  EXPECT_EQ(a.logged_in_s, b.logged_in_s);
  EXPECT_EQ(a.mean_talk_s, b.mean_talk_s);
  EXPECT_EQ(a.mean_wrap_s, b.mean_wrap_s);
  EXPECT_EQ(a.talk_share, b.talk_share);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.ratio_to_limit, b.ratio_to_limit);
  EXPECT_EQ(a.abandon_rate, b.abandon_rate);
  EXPECT_EQ(a.worst_24h_abandon, b.worst_24h_abandon);
  EXPECT_EQ(a.mean_wait_s, b.mean_wait_s);
}

TEST(SimulateShift, TheSameSeedGivesTheSameResult) {
  for (Mode mode : {Mode::kProgressive, Mode::kPredictive}) {
    SCOPED_TRACE(ModeName(mode));
    const ShiftResult a = SimulateShift(Short(), *MakePacer(mode));
    const ShiftResult b = SimulateShift(Short(), *MakePacer(mode));
    ExpectSameResult(a, b);
  }
  VicidialPacer v1, v2;
  ExpectSameResult(SimulateShift(Short(), v1), SimulateShift(Short(), v2));

  ShiftScenario other = Short();
  other.seed = 8;
  ProgressivePacer p1, p2;
  const ShiftResult a = SimulateShift(Short(), p1);
  const ShiftResult b = SimulateShift(other, p2);
  EXPECT_TRUE(a.answered != b.answered || a.talk_s != b.talk_s) << "the seed matters";
}

TEST(SimulateShift, EveryAnsweredCallIsTalkedToOrAbandoned) {
  VicidialPacer vicidial;
  PredictivePacer predictive;
  ProgressivePacer progressive;
  for (Pacer* p : std::vector<Pacer*>{&vicidial, &predictive, &progressive}) {
    SCOPED_TRACE(p->name());
    const ShiftResult r = SimulateShift(Short(), *p);
    EXPECT_EQ(r.answered, r.conversations + r.abandoned);
    EXPECT_LE(r.talk_share, r.limit);
    // One day fits in one 24 h window, which holds every abandon.
    EXPECT_GE(r.worst_24h_abandon, r.abandon_rate);
  }
}

// Progressive pacing by an oracle: it checks what it is shown against the queue, and counts the
// people the foresight says its calls will reach.
class Foreseeing final : public OraclePacer {
 public:
  absl::string_view name() const override { return "foreseeing"; }
  void Foresee(const Foresight& future) override { future_ = &future; }
  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) override {
    Decision d = progressive_.Decide(queue, estimates, ledger);
    EXPECT_NE(future_, nullptr) << "shown before every decision";
    if (future_ == nullptr) return d;
    const Foresight& f = *future_;
    future_ = nullptr;
    EXPECT_EQ(f.now, queue.now);
    EXPECT_EQ(static_cast<int>(f.free_at.size()), queue.LoggedIn());
    EXPECT_GE(std::count(f.free_at.begin(), f.free_at.end(), queue.now), queue.ready);
    for (absl::Time t : f.free_at) EXPECT_GE(t, queue.now);
    for (const Foresight::Answer& a : f.answers) {
      EXPECT_LT(a.at, a.deadline);
      EXPECT_GE(a.handle, S(5)) << "talk is at least 5 s";
    }
    for (int i = 0; i < d.calls; ++i) foreseen_ += f.next(i).has_value();
    return d;
  }
  int foreseen() const { return foreseen_; }

 private:
  ProgressivePacer progressive_;
  const Foresight* future_ = nullptr;
  int foreseen_ = 0;
};

TEST(SimulateShift, AnOracleIsShownTheFutureThatHappens) {
  Foreseeing oracle;
  const ShiftResult r = SimulateShift(Short(), oracle);
  EXPECT_EQ(r.pacer, "foreseeing");
  EXPECT_GT(r.answered, 10);
  EXPECT_EQ(oracle.foreseen(), r.answered) << "every call's fate is known before it rings";
  EXPECT_EQ(r.abandoned, 0);
  // Progressive pacing with foresight is still progressive pacing: the same shift.
  ProgressivePacer plain;
  const ShiftResult p = SimulateShift(Short(), plain);
  EXPECT_EQ(r.calls, p.calls);
  EXPECT_EQ(r.talk_s, p.talk_s);
}

// Agents still waiting for a call when the shift ends log out at its end.
TEST(SimulateShift, IdleAgentsAreLoggedInForTheShiftOnly) {
  ShiftScenario s = Short();
  s.carrier.answer_rate = 0;  // nobody to talk to: every agent is ready all shift
  ProgressivePacer p;
  const ShiftResult r = SimulateShift(s, p);
  EXPECT_EQ(r.conversations, 0);
  EXPECT_DOUBLE_EQ(r.logged_in_s, 5 * 3600.0);
}

}  // namespace
}  // namespace secondvoice::pacing
