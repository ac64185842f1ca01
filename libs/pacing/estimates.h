// Online estimates a predictive pacer needs, from the queue's recent calls: how likely a placed
// call is to reach a person and after how long (the whole ring-time distribution, so a call that
// has rung 20 s is judged as such), how long conversations and wrap-ups take. Pure: samples come
// in as durations; nothing here reads a clock.
#ifndef SECONDVOICE_LIBS_PACING_ESTIMATES_H_
#define SECONDVOICE_LIBS_PACING_ESTIMATES_H_

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace secondvoice::pacing {

// Durations in whole-second bins (the last bin takes everything longer), oldest first, with
// counts kept so that conditional probabilities cost O(1) after a lazy rebuild.
class DurationBins {
 public:
  explicit DurationBins(absl::Duration max);
  void Add(absl::Duration d);
  void PopOldest();
  int size() const { return static_cast<int>(order_.size()); }
  absl::Duration Mean() const;
  // How many samples are at most `x`.
  int CountUpTo(absl::Duration x) const;
  // The smallest whole second at or above the q-quantile (0 when empty).
  absl::Duration Quantile(double q) const;
  // P(X <= e + h | X > e); past every sample, a memoryless tail with the window's mean (0 when
  // there are no samples at all).
  double EndsWithin(absl::Duration elapsed, absl::Duration horizon) const;
  // Samples per whole-second bin (bin b holds (b - 1, b] seconds; the last, everything longer).
  const std::vector<int>& counts() const { return count_; }

 private:
  int Bin(absl::Duration d) const;

  const int bins_;
  std::deque<std::pair<int, int64_t>> order_;  // (bin, milliseconds)
  std::vector<int> count_;                     // samples per bin
  int64_t sum_ms_ = 0;
  mutable std::vector<int> cumulative_;  // samples up to and including each bin
  mutable bool dirty_ = true;
};

// How long something lasts, from durations that ended and durations still running, which are
// known only to last longer than they have so far (Kaplan-Meier, over whole-second bins). Early
// in a shift only the short conversations have ended: the long ones still running say so.
class Survival {
 public:
  Survival(const DurationBins& ended, const std::vector<absl::Duration>& running);
  // P(X > x).
  double Beyond(absl::Duration x) const;
  // P(X <= e + h | X > e); past the last duration that ended, a memoryless tail with the mean of
  // those that ended (0 when none has).
  double EndsWithin(absl::Duration elapsed, absl::Duration horizon) const;

 private:
  int Bin(absl::Duration x) const;

  std::vector<double> beyond_;  // P(X > b) per whole second b
  int last_event_ = -1;         // the last bin in which something ended
  double tail_mean_s_ = 0;
};

class Estimates {
 public:
  struct Options {
    int call_window = 2000;   // placed calls remembered
    int handle_window = 200;  // conversations and wrap-ups remembered
    // The answer rate starts from this prior, worth `prior_weight` calls.
    double prior_answer_rate = 0.2;
    double prior_weight = 20;
  };
  Estimates() : Estimates(Options()) {}
  explicit Estimates(Options options);

  // A placed call ended its ringing after `after` (from origination): answered by a person, or
  // not (machine, busy, no answer, failure).
  void OnCallResolved(absl::Duration after, bool person);
  void OnTalkEnded(absl::Duration talk);
  void OnWrapEnded(absl::Duration wrap);

  int calls() const { return calls_.size(); }
  int conversations() const { return talk_.size(); }
  // Person answers among the calls in the window.
  int answers() const { return answered_.size(); }
  // The share of placed calls a person answers, smoothed with the prior.
  double AnswerRate() const;
  // P(a person answers within (e, e + h] of origination | nothing happened by e).
  double AnswerWithin(absl::Duration elapsed, absl::Duration horizon) const;
  // P(an agent in wrap-up since e is free by e + h).
  double WrapEndsWithin(absl::Duration elapsed, absl::Duration horizon) const;
  // P(an agent talking since e is through talk and wrap-up by e + h).
  double FreeWithin(absl::Duration talking_for, absl::Duration horizon) const;
  // The same with the talk times of conversations still running taken into account.
  Survival TalkSurvival(const std::vector<absl::Duration>& running) const {
    return Survival(talk_, running);
  }
  double FreeWithin(const Survival& talk, absl::Duration talking_for, absl::Duration horizon) const;
  absl::Duration MeanTalk() const;
  absl::Duration TalkQuantile(double q) const { return talk_.Quantile(q); }
  absl::Duration MeanWrap() const;
  absl::Duration MeanAnswerRing() const { return answered_.Mean(); }

 private:
  const Options options_;
  DurationBins calls_;       // resolution times of all placed calls in the window
  DurationBins answered_;    // ...of those a person answered
  std::deque<bool> person_;  // per call in the window, to forget answered ones in step
  DurationBins talk_;
  DurationBins wrap_;
};

}  // namespace secondvoice::pacing

#endif  // SECONDVOICE_LIBS_PACING_ESTIMATES_H_
