// Tests for libs/telephony: the timer queue, the virtual and real event loops, the seeded
// generator and the simulated carrier (its validation, the life of a call, determinism and answer
// rates). Virtual time throughout, except RealLoop's own tests (under 100 ms of real time).
#include "libs/telephony/telephony.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/telephony/event_loop.h"
#include "libs/telephony/random.h"
#include "libs/telephony/sim_carrier.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::telephony {
namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Monday 2026-03-02 12:00 UTC; the carrier only reads the hour from the request.
const absl::Time kT0 =
    absl::FromCivil(absl::CivilSecond(2026, 3, 2, 12, 0, 0), absl::UTCTimeZone());

// ---- TimerQueue and VirtualLoop ----

TEST(TimerQueue, PopsInTimeOrder) {
  TimerQueue q;
  std::vector<int> order;
  q.Push(kT0 + absl::Seconds(3), [&] { order.push_back(3); });
  q.Push(kT0 + absl::Seconds(1), [&] { order.push_back(1); });
  q.Push(kT0 + absl::Seconds(2), [&] { order.push_back(2); });
  ASSERT_FALSE(q.Empty());
  EXPECT_EQ(q.NextAt(), kT0 + absl::Seconds(1));
  while (!q.Empty()) q.Pop()();
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
}

TEST(TimerQueue, SameInstantRunsInTheOrderAdded) {
  TimerQueue q;
  std::vector<int> order;
  // Interleaved with a later one, so the heap has to reorder.
  for (int i = 0; i < 20; ++i) {
    q.Push(kT0, [&order, i] { order.push_back(i); });
    q.Push(kT0 + absl::Seconds(1), [&order, i] { order.push_back(100 + i); });
  }
  while (!q.Empty()) q.Pop()();
  std::vector<int> want;
  for (int i = 0; i < 20; ++i) want.push_back(i);
  for (int i = 0; i < 20; ++i) want.push_back(100 + i);
  EXPECT_EQ(order, want);
}

TEST(VirtualLoop, RunUntilRunsWhatIsDueAndSetsTheClock) {
  VirtualLoop loop(kT0);
  EXPECT_EQ(loop.Now(), kT0);
  std::vector<absl::Time> seen;
  loop.At(kT0 + absl::Seconds(20), [&] { seen.push_back(loop.Now()); });
  loop.At(kT0 + absl::Seconds(5), [&] { seen.push_back(loop.Now()); });
  EXPECT_THAT(seen, IsEmpty()) << "nothing runs until the owner runs the loop";

  loop.RunUntil(kT0 + absl::Seconds(10));
  EXPECT_THAT(seen, ElementsAre(kT0 + absl::Seconds(5)));
  EXPECT_EQ(loop.Now(), kT0 + absl::Seconds(10));

  loop.RunUntil(kT0 + absl::Seconds(30));
  EXPECT_THAT(seen, ElementsAre(kT0 + absl::Seconds(5), kT0 + absl::Seconds(20)));
  EXPECT_EQ(loop.Now(), kT0 + absl::Seconds(30));
}

TEST(VirtualLoop, AnInstantThatHasPassedRunsAtTheCurrentTime) {
  VirtualLoop loop(kT0);
  loop.RunUntil(kT0 + absl::Seconds(10));
  std::optional<absl::Time> ran_at;
  loop.At(kT0 + absl::Seconds(1), [&] { ran_at = loop.Now(); });
  loop.RunUntil(kT0 + absl::Seconds(10));
  EXPECT_EQ(ran_at, kT0 + absl::Seconds(10));
  // Virtual time never runs backwards.
  loop.RunUntil(kT0 + absl::Seconds(5));
  EXPECT_EQ(loop.Now(), kT0 + absl::Seconds(10));
}

TEST(VirtualLoop, CallbacksScheduleCallbacks) {
  VirtualLoop loop(kT0);
  std::vector<std::pair<std::string, absl::Time>> log;
  auto note = [&](const std::string& what) { log.emplace_back(what, loop.Now()); };
  loop.At(kT0 + absl::Seconds(1), [&] {
    note("a");
    loop.After(absl::Seconds(2), [&] { note("c"); });
    // Due now, but after what was already due at this instant.
    loop.At(loop.Now(), [&] { note("b2"); });
  });
  loop.At(kT0 + absl::Seconds(1), [&] { note("b"); });
  // Added at the last instant of a run: still runs in that run.
  loop.At(kT0 + absl::Seconds(5), [&] { loop.After(absl::ZeroDuration(), [&] { note("d"); }); });
  loop.RunUntil(kT0 + absl::Seconds(5));
  using Entry = std::pair<std::string, absl::Time>;
  EXPECT_THAT(log,
              ElementsAre(Entry("a", kT0 + absl::Seconds(1)), Entry("b", kT0 + absl::Seconds(1)),
                          Entry("b2", kT0 + absl::Seconds(1)), Entry("c", kT0 + absl::Seconds(3)),
                          Entry("d", kT0 + absl::Seconds(5))));
}

// ---- RealLoop (real time, kept short) ----

TEST(RealLoop, RunsACallbackLaterOnItsOwnThread) {
  RealLoop loop;
  absl::Notification done;
  absl::Time ran_at;
  std::thread::id ran_on;
  const absl::Time start = absl::Now();
  loop.At(start + absl::Milliseconds(50), [&] {
    ran_at = absl::Now();
    ran_on = std::this_thread::get_id();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(2)));
  EXPECT_GE(ran_at - start, absl::Milliseconds(50));
  // Generous: a loaded machine may be slow to wake the thread.
  EXPECT_LT(ran_at - start, absl::Milliseconds(1000));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(RealLoop, ALaterCallbackAddedFirstDoesNotHoldUpASoonerOne) {
  absl::Notification late_ran;
  absl::Notification soon_ran;
  {
    RealLoop loop;
    // The loop is asleep waiting for this one when the sooner one arrives.
    loop.At(absl::Now() + absl::Seconds(30), [&] { late_ran.Notify(); });
    absl::SleepFor(absl::Milliseconds(10));
    const absl::Time start = absl::Now();
    loop.At(start + absl::Milliseconds(30), [&] { soon_ran.Notify(); });
    ASSERT_TRUE(soon_ran.WaitForNotificationWithTimeout(absl::Seconds(2)));
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    EXPECT_FALSE(late_ran.HasBeenNotified());
  }  // the destructor drops the 30 s callback without waiting for it
  EXPECT_FALSE(late_ran.HasBeenNotified());
}

// ---- Random ----

TEST(Random, SameSeedSameSequenceAndUniformInRange) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
  double sum = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double u = a.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // The mean of n uniforms has sd 1/sqrt(12 n) ~ 0.0009; 5 sd.
  EXPECT_NEAR(sum / kN, 0.5, 0.0046);
}

TEST(Random, LogNormalHasTheGivenMedianAndMean) {
  const LogNormal d{absl::Seconds(10), 0.5};
  EXPECT_NEAR(absl::ToDoubleSeconds(d.Mean()), 10 * std::exp(0.125), 1e-6);
  Random rng(7);
  constexpr int kN = 20001;
  std::vector<double> s;
  double sum = 0;
  for (int i = 0; i < kN; ++i) {
    s.push_back(absl::ToDoubleSeconds(rng.Sample(d)));
    sum += s.back();
  }
  std::nth_element(s.begin(), s.begin() + kN / 2, s.end());
  // The sample median's sd is about 1.25 * sigma * median / sqrt(n) ~ 0.044 s; the mean's is
  // about sd(X) / sqrt(n) ~ 0.038 s. 5 sd each.
  EXPECT_NEAR(s[kN / 2], 10.0, 0.22);
  EXPECT_NEAR(sum / kN, absl::ToDoubleSeconds(d.Mean()), 0.19);
}

// ---- SimulatedCarrier ----

OriginateRequest Request(const std::string& call_id, const std::string& to) {
  OriginateRequest r;
  r.call_id = call_id;
  r.to = to;
  r.caller_id = "+31201234567";
  return r;
}

std::string Number(int i) { return absl::StrFormat("+3161%07d", i); }

// Collects events; the carrier sends them from the loop, which these tests run on one thread.
struct Recorder {
  std::vector<CallEvent> events;
  Telephony::EventSink Sink() {
    return [this](const CallEvent& e) { events.push_back(e); };
  }
};

std::vector<EventKind> Kinds(const std::vector<CallEvent>& events) {
  std::vector<EventKind> out;
  for (const CallEvent& e : events) out.push_back(e.kind);
  return out;
}

bool IsTerminal(EventKind kind) {
  return kind == EventKind::kBusy || kind == EventKind::kNoAnswer || kind == EventKind::kFailed ||
         kind == EventKind::kHangUp;
}

// A request (call id "c") to the first number whose drawn fate has `kind`, and that fate.
std::pair<OriginateRequest, CallFate> FindCall(const CarrierProfile& profile, uint64_t seed,
                                               absl::Time now, CallFate::Kind kind) {
  for (int i = 0; i < 100000; ++i) {
    OriginateRequest r = Request("c", Number(i));
    const CallFate fate = DrawFate(profile, seed, r, now);
    if (fate.kind == kind) return {r, fate};
  }
  ADD_FAILURE() << "no number with the wanted fate";
  return {Request("c", Number(0)), CallFate{}};
}

MATCHER_P2(EventIs, kind, at, "") { return arg.kind == kind && arg.at == at; }

TEST(SimulatedCarrier, OriginateRejectsInvalidRequests) {
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, CarrierProfile(), 1);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());

  OriginateRequest no_caller_id = Request("a", Number(1));
  no_caller_id.caller_id.clear();
  EXPECT_THAT(carrier.Originate(no_caller_id), StatusIs(absl::StatusCode::kInvalidArgument));

  OriginateRequest short_ring = Request("a", Number(1));
  short_ring.ring_timeout = absl::Seconds(15) - absl::Milliseconds(1);
  EXPECT_THAT(carrier.Originate(short_ring), StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_THAT(carrier.Originate(Request("", Number(1))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(carrier.CallsInProgress(), 0) << "a refused call is not placed";

  OriginateRequest fifteen = Request("a", Number(1));
  fifteen.ring_timeout = absl::Seconds(15);  // the legal minimum is allowed
  EXPECT_THAT(carrier.Originate(fifteen), IsOk());
  EXPECT_THAT(carrier.Originate(Request("a", Number(2))),
              StatusIs(absl::StatusCode::kInvalidArgument))
      << "call id in use";
  EXPECT_EQ(carrier.CallsInProgress(), 1);

  // Every fate ends well within an hour; then the id is free again.
  loop.RunUntil(kT0 + absl::Hours(1));
  EXPECT_EQ(carrier.CallsInProgress(), 0);
  EXPECT_THAT(carrier.Originate(Request("a", Number(2))), IsOk());
}

// Many calls, with the dialer reacting in every way it can, sometimes at the same instant as the
// carrier's own timers.
TEST(SimulatedCarrier, EveryCallEndsWithExactlyOneTerminalEvent) {
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, CarrierProfile(), 3);
  Recorder rec;
  std::map<std::string, int> index;
  carrier.SetEventSink([&](const CallEvent& e) {
    rec.events.push_back(e);
    const int i = index.at(e.call_id);
    switch (e.kind) {
      case EventKind::kRinging:
        if (i % 7 == 0) {
          EXPECT_THAT(carrier.HangUp(e.call_id), IsOk());
        }
        break;
      case EventKind::kAnsweredPerson:
        if (i % 3 == 0) {
          EXPECT_THAT(carrier.Bridge(e.call_id, "agent"), IsOk());
        }
        if (i % 3 == 1) {
          EXPECT_THAT(carrier.PlayAndHangUp(e.call_id, "sorry, call back"), IsOk());
        }
        break;  // i % 3 == 2: nobody comes
      case EventKind::kAnsweredMachine:
        if (i % 2 == 0) {
          EXPECT_THAT(carrier.PlayAndHangUp(e.call_id, "voicemail"), IsOk());
        }
        break;
      default:
        break;
    }
  });
  constexpr int kCalls = 3000;
  std::map<std::string, absl::Time> placed;
  for (int i = 0; i < kCalls; ++i) {
    const std::string id = absl::StrCat("call", i);
    index[id] = i;
    const absl::Time at = kT0 + absl::Milliseconds(100) * i;
    loop.At(at, [&, id, i, at] {
      OriginateRequest r = Request(id, Number(i));
      r.kind = i % 2 ? LeadKind::kFollowUp : LeadKind::kPassive;
      r.attempt = 1 + i % 5;
      r.local_hour = i % 24;
      ASSERT_THAT(carrier.Originate(r), IsOk());
      placed[id] = at;
      // The agent ends some conversations early; the call may have ended by then.
      if (i % 5 == 0) {
        loop.After(absl::Seconds(40), [&, id] {
          const absl::Status s = carrier.HangUp(id);
          EXPECT_TRUE(s.ok() || absl::IsNotFound(s)) << s;
        });
      }
    });
  }
  loop.RunUntil(kT0 + absl::Hours(3));

  ASSERT_EQ(placed.size(), static_cast<size_t>(kCalls));
  std::map<std::string, std::vector<CallEvent>> by_call;
  for (const CallEvent& e : rec.events) by_call[e.call_id].push_back(e);
  EXPECT_EQ(by_call.size(), static_cast<size_t>(kCalls)) << "every call sends events";
  std::map<EventKind, int> terminal_kinds;
  for (const auto& [id, events] : by_call) {
    ASSERT_FALSE(events.empty());
    int terminal = 0;
    for (const CallEvent& e : events) terminal += IsTerminal(e.kind);
    EXPECT_EQ(terminal, 1) << id;
    EXPECT_TRUE(IsTerminal(events.back().kind)) << id << ": something after the end";
    ++terminal_kinds[events.back().kind];
    for (size_t j = 0; j < events.size(); ++j) {
      EXPECT_GE(events[j].at, placed[id]) << id;
      if (j > 0) {
        EXPECT_GE(events[j].at, events[j - 1].at) << id;
      }
    }
  }
  EXPECT_EQ(carrier.CallsInProgress(), 0);
  // The run really exercised each way a call ends.
  for (EventKind k :
       {EventKind::kBusy, EventKind::kNoAnswer, EventKind::kFailed, EventKind::kHangUp}) {
    EXPECT_GT(terminal_kinds[k], 0) << EventKindName(k);
  }
}

TEST(SimulatedCarrier, ANoAnswerCallEndsAtTheRingTimeout) {
  // No person, no machine, no busy line, no failure: every call rings out.
  CarrierProfile profile;
  profile.answer_rate = 0;
  profile.machine_share = 0;
  profile.busy_share = 0;
  profile.failed_share = 0;
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 1);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  OriginateRequest r = Request("c", Number(1));
  r.ring_timeout = absl::Seconds(20);
  ASSERT_THAT(carrier.Originate(r), IsOk());
  loop.RunUntil(kT0 + absl::Hours(1));
  EXPECT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kNoAnswer, kT0 + absl::Seconds(20))));
}

TEST(SimulatedCarrier, APhoneStillRingingAtTheTimeoutIsNotAnswered) {
  // People would answer, but only after a minute: past any 25 s ring timeout.
  CarrierProfile profile;
  profile.answer_rate = 0.9;
  profile.machine_share = 0;
  profile.person_ring = LogNormal{absl::Seconds(60), 0.01};
  for (int i = 0; i < 200; ++i) {
    const CallFate fate = DrawFate(profile, 1, Request("c", Number(i)), kT0);
    EXPECT_NE(fate.kind, CallFate::Kind::kPerson) << Number(i);
  }
}

TEST(SimulatedCarrier, BridgeOnlyAfterAPersonAnswered) {
  const CarrierProfile profile;
  const auto [request, fate] = FindCall(profile, 5, kT0, CallFate::Kind::kPerson);
  // The patience timer must not end a conversation that has started.
  ASSERT_LT(fate.patience, fate.talk);
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 5);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  ASSERT_THAT(carrier.Originate(request), IsOk());
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kFailedPrecondition));

  loop.RunUntil(kT0 + profile.setup);
  ASSERT_THAT(Kinds(rec.events), ElementsAre(EventKind::kRinging));
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "still ringing";

  const absl::Time answered_at = kT0 + profile.setup + fate.ring;
  loop.RunUntil(answered_at);
  ASSERT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kAnsweredPerson, answered_at)));
  EXPECT_THAT(carrier.Bridge("c", ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(carrier.Bridge("nope", "agent"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(carrier.Bridge("c", "agent"), IsOk());
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "already in a conversation";

  // The customer talks for the drawn talk time, from the bridge.
  loop.RunUntil(answered_at + fate.talk - absl::Milliseconds(1));
  EXPECT_EQ(rec.events.size(), 2u) << "ended before the talk time";
  loop.RunUntil(answered_at + fate.talk + absl::Hours(1));
  EXPECT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kAnsweredPerson, answered_at),
                                      EventIs(EventKind::kHangUp, answered_at + fate.talk)));
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(carrier.HangUp("c"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(SimulatedCarrier, APersonNobodyTalksToHangsUpAfterTheirPatience) {
  const CarrierProfile profile;
  const auto [request, fate] = FindCall(profile, 6, kT0, CallFate::Kind::kPerson);
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 6);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  ASSERT_THAT(carrier.Originate(request), IsOk());
  loop.RunUntil(kT0 + absl::Hours(1));
  const absl::Time answered_at = kT0 + profile.setup + fate.ring;
  EXPECT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kAnsweredPerson, answered_at),
                                      EventIs(EventKind::kHangUp, answered_at + fate.patience)));
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(SimulatedCarrier, AMachineCannotBeBridgedAndHangsUpAfterItsGreeting) {
  const CarrierProfile profile;
  const auto [request, fate] = FindCall(profile, 8, kT0, CallFate::Kind::kMachine);
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 8);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  ASSERT_THAT(carrier.Originate(request), IsOk());
  const absl::Time detected_at = kT0 + profile.setup + fate.ring + profile.machine_detection;
  loop.RunUntil(detected_at);
  ASSERT_THAT(Kinds(rec.events), ElementsAre(EventKind::kRinging, EventKind::kAnsweredMachine));
  EXPECT_EQ(rec.events.back().at, detected_at);
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kFailedPrecondition));
  loop.RunUntil(kT0 + absl::Hours(1));
  ASSERT_EQ(rec.events.size(), 3u);
  EXPECT_THAT(rec.events.back(),
              EventIs(EventKind::kHangUp, detected_at + profile.machine_greeting));
}

TEST(SimulatedCarrier, PlayAndHangUpEndsTheCall) {
  const CarrierProfile profile;
  const auto [request, fate] = FindCall(profile, 9, kT0, CallFate::Kind::kPerson);
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 9);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  ASSERT_THAT(carrier.Originate(request), IsOk());
  EXPECT_THAT(carrier.PlayAndHangUp("c", "hello"), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "nobody has answered yet";
  const absl::Time answered_at = kT0 + profile.setup + fate.ring;
  loop.RunUntil(answered_at);
  ASSERT_EQ(rec.events.size(), 2u);
  // 30 characters: about 2 s of speech at 15 characters a second.
  const std::string message(30, 'x');
  ASSERT_THAT(carrier.PlayAndHangUp("c", message), IsOk());
  EXPECT_THAT(carrier.Bridge("c", "agent"), StatusIs(absl::StatusCode::kFailedPrecondition))
      << "the call is on its way out";
  loop.RunUntil(kT0 + absl::Hours(1));
  // One hang-up only: the customer's own patience no longer counts.
  EXPECT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kAnsweredPerson, answered_at),
                                      EventIs(EventKind::kHangUp, answered_at + absl::Seconds(2))));
  EXPECT_THAT(carrier.PlayAndHangUp("c", message), StatusIs(absl::StatusCode::kNotFound));
}

TEST(SimulatedCarrier, HangUpCancelsARingingCall) {
  const CarrierProfile profile;
  const auto [request, fate] = FindCall(profile, 10, kT0, CallFate::Kind::kPerson);
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, profile, 10);
  Recorder rec;
  carrier.SetEventSink(rec.Sink());
  ASSERT_THAT(carrier.Originate(request), IsOk());
  loop.RunUntil(kT0 + profile.setup);
  ASSERT_THAT(carrier.HangUp("c"), IsOk());
  loop.RunUntil(kT0 + absl::Hours(1));
  EXPECT_THAT(rec.events, ElementsAre(EventIs(EventKind::kRinging, kT0 + profile.setup),
                                      EventIs(EventKind::kHangUp, kT0 + profile.setup)));
  EXPECT_EQ(carrier.CallsInProgress(), 0);
}

using EventTuple = std::tuple<std::string, EventKind, absl::Time>;

// Places `n` calls a second apart (in reverse order of numbers when asked), bridges every person
// who answers, and returns the events.
std::vector<EventTuple> RunCalls(uint64_t seed, int n, bool reverse = false) {
  VirtualLoop loop(kT0);
  SimulatedCarrier carrier(&loop, CarrierProfile(), seed);
  std::vector<EventTuple> out;
  carrier.SetEventSink([&](const CallEvent& e) {
    out.emplace_back(e.call_id, e.kind, e.at);
    if (e.kind == EventKind::kAnsweredPerson) {
      EXPECT_THAT(carrier.Bridge(e.call_id, "a"), IsOk());
    }
  });
  for (int k = 0; k < n; ++k) {
    const int i = reverse ? n - 1 - k : k;
    loop.RunUntil(kT0 + absl::Seconds(k));
    EXPECT_THAT(carrier.Originate(Request(absl::StrCat("c", i), Number(i))), IsOk());
  }
  loop.RunUntil(kT0 + absl::Hours(3));
  return out;
}

TEST(SimulatedCarrier, SameSeedAndNumbersGiveTheSameEvents) {
  const std::vector<EventTuple> a = RunCalls(11, 500);
  const std::vector<EventTuple> b = RunCalls(11, 500);
  ASSERT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, RunCalls(12, 500)) << "the seed matters";
}

// Common random numbers: a call's fate depends on the number, not on when it is placed.
TEST(SimulatedCarrier, AFateDoesNotDependOnTheOrderCallsArePlacedIn) {
  constexpr int kN = 300;
  const std::vector<EventTuple> forward = RunCalls(13, kN);
  const std::vector<EventTuple> backward = RunCalls(13, kN, /*reverse=*/true);
  // Per call: the kinds and the times since it was placed.
  auto by_call = [](const std::vector<EventTuple>& events, bool reverse) {
    std::map<std::string, std::vector<std::pair<EventKind, absl::Duration>>> out;
    for (const auto& [id, kind, at] : events) {
      const int i = std::stoi(id.substr(1));
      const absl::Time placed = kT0 + absl::Seconds(reverse ? kN - 1 - i : i);
      out[id].emplace_back(kind, at - placed);
    }
    return out;
  };
  EXPECT_EQ(by_call(forward, false), by_call(backward, true));
}

// The expected person-answer share of many calls with person-answer probability `p`: those whose
// ring outlasts the timeout are lost (log-normal ring time).
double ExpectedShare(const CarrierProfile& profile, double p, absl::Duration ring_timeout) {
  const double x = std::log(absl::ToDoubleSeconds(ring_timeout - profile.setup) /
                            absl::ToDoubleSeconds(profile.person_ring.median)) /
                   profile.person_ring.sigma;
  const double in_time = 0.5 * std::erfc(-x / std::sqrt(2.0));
  return p * in_time;
}

// Four standard errors of a share near `q` from `n` calls: a correct carrier fails this about
// once in 16,000 runs.
double Tolerance(double q, int n) { return 4 * std::sqrt(q * (1 - q) / n); }

constexpr int kManyCalls = 20000;

// The share of `n` calls (to distinct numbers, placed at `at`) that a person answers.
double PersonShare(const CarrierProfile& profile, uint64_t seed, LeadKind kind, int attempt,
                   absl::Time at, int n = kManyCalls) {
  VirtualLoop loop(at);
  SimulatedCarrier carrier(&loop, profile, seed);
  int persons = 0;
  carrier.SetEventSink(
      [&](const CallEvent& e) { persons += e.kind == EventKind::kAnsweredPerson; });
  for (int i = 0; i < n; ++i) {
    OriginateRequest r = Request(absl::StrCat("c", i), Number(i));
    r.kind = kind;
    r.attempt = attempt;
    EXPECT_THAT(carrier.Originate(r), IsOk());
  }
  loop.RunUntil(at + absl::Hours(2));
  EXPECT_EQ(carrier.CallsInProgress(), 0);
  return static_cast<double>(persons) / n;
}

CarrierProfile Flat() {
  CarrierProfile p;
  p.hour_factor = CarrierProfile::FlatHours();
  return p;
}

TEST(SimulatedCarrier, PersonAnswerShareIsCloseToTheAnswerRate) {
  const CarrierProfile profile = Flat();
  ASSERT_DOUBLE_EQ(profile.answer_rate, 0.25);
  // With a 25 s timeout a person's ring (median 7 s) outlasts it in about 0.6% of calls.
  const double want = ExpectedShare(profile, profile.answer_rate, absl::Seconds(25));
  ASSERT_GT(want, 0.99 * profile.answer_rate);
  const double share = PersonShare(profile, 21, LeadKind::kPassive, 1, kT0);
  EXPECT_NEAR(share, want, Tolerance(want, kManyCalls));
}

TEST(SimulatedCarrier, FollowUpLeadsAnswerMoreOftenThanPassiveOnes) {
  const CarrierProfile profile = Flat();
  const double passive = PersonShare(profile, 22, LeadKind::kPassive, 1, kT0);
  const double follow_up = PersonShare(profile, 22, LeadKind::kFollowUp, 1, kT0);
  EXPECT_GT(follow_up, passive);
  const double want =
      ExpectedShare(profile, profile.answer_rate * profile.follow_up_factor, absl::Seconds(25));
  EXPECT_NEAR(follow_up, want, Tolerance(want, kManyCalls));

  // Same numbers, same draws: a passive lead who answers would have answered as a follow-up.
  for (int i = 0; i < 2000; ++i) {
    OriginateRequest r = Request("c", Number(i));
    const CallFate p = DrawFate(profile, 22, r, kT0);
    r.kind = LeadKind::kFollowUp;
    const CallFate f = DrawFate(profile, 22, r, kT0);
    if (p.kind == CallFate::Kind::kPerson) {
      EXPECT_EQ(f.kind, CallFate::Kind::kPerson) << i;
    }
    EXPECT_EQ(p.talk, f.talk);
    EXPECT_EQ(p.patience, f.patience);
  }
}

TEST(SimulatedCarrier, LaterAttemptsAnswerLessDownToTheFloor) {
  const CarrierProfile profile = Flat();
  OriginateRequest r = Request("c", Number(1));
  std::vector<double> p;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    r.attempt = attempt;
    p.push_back(AnswerProbability(profile, r, kT0));
  }
  EXPECT_DOUBLE_EQ(p[0], profile.answer_rate);
  EXPECT_DOUBLE_EQ(p[1], profile.answer_rate * profile.attempt_decay);
  EXPECT_DOUBLE_EQ(p[2], profile.answer_rate * profile.attempt_decay * profile.attempt_decay);
  for (size_t i = 1; i < p.size(); ++i) EXPECT_LE(p[i], p[i - 1]);
  // 0.9^11 is far below the floor of 0.5.
  EXPECT_DOUBLE_EQ(p.back(), profile.answer_rate * profile.attempt_floor);

  const double first = PersonShare(profile, 23, LeadKind::kPassive, 1, kT0);
  const double third = PersonShare(profile, 23, LeadKind::kPassive, 3, kT0);
  EXPECT_LT(third, first);
  const double want = ExpectedShare(profile, p[2], absl::Seconds(25));
  EXPECT_NEAR(third, want, Tolerance(want, kManyCalls));
}

TEST(SimulatedCarrier, HourFactorsAndTheCeilingApply) {
  const CarrierProfile profile;  // default hours
  OriginateRequest r = Request("c", Number(1));
  r.local_hour = 10;
  const double morning = AnswerProbability(profile, r, kT0);
  r.local_hour = 18;
  const double evening = AnswerProbability(profile, r, kT0);
  EXPECT_DOUBLE_EQ(morning, profile.answer_rate * profile.hour_factor[10]);
  EXPECT_DOUBLE_EQ(evening, profile.answer_rate * profile.hour_factor[18]);
  EXPECT_GT(evening, morning) << "people pick up more after work";

  CarrierProfile eager;
  eager.answer_rate = 0.9;
  r.kind = LeadKind::kFollowUp;
  const double p = AnswerProbability(eager, r, kT0);
  EXPECT_LT(p, 1.0) << "someone never answers";
  EXPECT_GT(p, 0.9);
}

TEST(SimulatedCarrier, DriftIsApplied) {
  CarrierProfile profile = Flat();
  // The afternoon is half as good as the morning.
  profile.drift = [](absl::Time t) { return t < kT0 + absl::Hours(1) ? 1.0 : 0.5; };
  OriginateRequest r = Request("c", Number(1));
  EXPECT_DOUBLE_EQ(AnswerProbability(profile, r, kT0), profile.answer_rate);
  EXPECT_DOUBLE_EQ(AnswerProbability(profile, r, kT0 + absl::Hours(2)), profile.answer_rate / 2);

  const double before = PersonShare(profile, 24, LeadKind::kPassive, 1, kT0);
  const double after = PersonShare(profile, 24, LeadKind::kPassive, 1, kT0 + absl::Hours(2));
  EXPECT_LT(after, before);
  const double want = ExpectedShare(profile, profile.answer_rate / 2, absl::Seconds(25));
  EXPECT_NEAR(after, want, Tolerance(want, kManyCalls));
}

TEST(SimulatedCarrier, ShorterRingTimeoutsLoseMorePeople) {
  const CarrierProfile profile = Flat();
  int at15 = 0, at25 = 0;
  for (int i = 0; i < kManyCalls; ++i) {
    OriginateRequest r = Request("c", Number(i));
    r.ring_timeout = absl::Seconds(25);
    at25 += DrawFate(profile, 25, r, kT0).kind == CallFate::Kind::kPerson;
    r.ring_timeout = absl::Seconds(15);
    at15 += DrawFate(profile, 25, r, kT0).kind == CallFate::Kind::kPerson;
  }
  EXPECT_LT(at15, at25);
  const double want = ExpectedShare(profile, profile.answer_rate, absl::Seconds(15));
  EXPECT_NEAR(static_cast<double>(at15) / kManyCalls, want, Tolerance(want, kManyCalls));
}

}  // namespace
}  // namespace secondvoice::telephony
