// A BDC shift in virtual time: agents, a pacer and the simulated carrier behind the telephony
// port, for benchmarks and tests. Days of shifts run in seconds; the same scenario and seed meet
// the same customers whatever the pacer, so pacers are compared on equal terms.
#ifndef SECONDVOICE_LIBS_PACING_SHIFT_SIM_H_
#define SECONDVOICE_LIBS_PACING_SHIFT_SIM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/pacing/pacer.h"
#include "libs/telephony/sim_carrier.h"

namespace secondvoice::pacing {

struct ShiftScenario {
  std::string name;
  int agents = 20;
  telephony::CarrierProfile carrier;
  // The first shift starts here (UTC is the customers' zone); one shift a day.
  absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 12, 0, 0), absl::UTCTimeZone());
  absl::Duration shift = absl::Hours(8);
  int days = 3;
  absl::Duration ring_timeout = absl::Seconds(25);
  absl::Duration tick = absl::Seconds(1);
  uint64_t seed = 1;
};

struct ShiftResult {
  std::string pacer;
  int64_t calls = 0;
  int64_t answered = 0;   // by a person
  int64_t abandoned = 0;  // no agent within 2 s
  int64_t conversations = 0;
  double talk_s = 0;
  double logged_in_s = 0;
  double mean_talk_s = 0;
  double mean_wrap_s = 0;
  double talk_share = 0;  // talk time / logged-in time
  double limit = 0;       // T / (T + W) with this run's mean talk and wrap-up
  double ratio_to_limit = 0;
  double abandon_rate = 0;       // over the whole run
  double worst_24h_abandon = 0;  // the worst rolling 24 h window
  double mean_wait_s = 0;        // an agent's wait from ready to a connected customer
};

// What the simulator knows of the future: every call's fate is drawn before it rings and every
// wrap-up from the call it follows. Only an oracle pacer in a benchmark sees it, to measure how
// much talk any pacing could get from the carrier; a real dialer never has it.
struct Foresight {
  struct Answer {
    absl::Time at;          // the person says hello
    absl::Time deadline;    // they are abandoned unless an agent takes them before this
    absl::Duration handle;  // talk and the wrap-up after it: the agent is busy this long
  };
  absl::Time now;
  // Per logged-in agent: when it is free if it gets no other call first (now when ready; the
  // end of its conversation and wrap-up otherwise).
  std::vector<absl::Time> free_at;
  // The people who answered and wait for an agent, and those who will answer calls already
  // placed, in time order.
  std::vector<Answer> answers;
  // The i-th lead after those already called (from 0), were it called now: its answer, if a
  // person will say hello.
  std::function<std::optional<Answer>(int i)> next;
};

// A pacer that is shown the future before each decision (benchmarks only).
class OraclePacer : public Pacer {
 public:
  virtual void Foresee(const Foresight& future) = 0;
};

// Wrap-ups are drawn from the seed and the lead, like the carrier's fates: each pacer meets the
// same customers with the same conversations and the same wrap-ups after them.
ShiftResult SimulateShift(const ShiftScenario& scenario, Pacer& pacer);

// The worst abandoned/answered ratio over any window of `window` that ends by `until` (times in
// order; each abandoned call counted at its answer, so it is among `answered` too).
double WorstWindowRate(const std::vector<absl::Time>& answered,
                       const std::vector<absl::Time>& abandoned, absl::Duration window,
                       absl::Time until = absl::InfiniteFuture());

}  // namespace secondvoice::pacing

#endif  // SECONDVOICE_LIBS_PACING_SHIFT_SIM_H_
