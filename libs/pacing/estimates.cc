// Online estimates from whole-second duration bins.
#include "libs/pacing/estimates.h"

#include <algorithm>
#include <cmath>

namespace secondvoice::pacing {

DurationBins::DurationBins(absl::Duration max)
    : bins_(static_cast<int>(absl::ToInt64Seconds(max)) + 1), count_(bins_, 0) {}

int DurationBins::Bin(absl::Duration d) const {
  // Bin b holds (b - 1, b] seconds, so "at most x" counts whole bins up to ceil(x).
  const int64_t b = static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d)));
  return static_cast<int>(std::clamp<int64_t>(b, 0, bins_ - 1));
}

void DurationBins::Add(absl::Duration d) {
  const int b = Bin(d);
  const int64_t ms = absl::ToInt64Milliseconds(d);
  order_.emplace_back(b, ms);
  ++count_[b];
  sum_ms_ += ms;
  dirty_ = true;
}

void DurationBins::PopOldest() {
  if (order_.empty()) return;
  --count_[order_.front().first];
  sum_ms_ -= order_.front().second;
  order_.pop_front();
  dirty_ = true;
}

absl::Duration DurationBins::Mean() const {
  if (order_.empty()) return absl::ZeroDuration();
  return absl::Milliseconds(sum_ms_ / static_cast<int64_t>(order_.size()));
}

int DurationBins::CountUpTo(absl::Duration x) const {
  if (x < absl::ZeroDuration()) return 0;
  if (dirty_) {
    cumulative_.resize(bins_);
    int total = 0;
    for (int b = 0; b < bins_; ++b) cumulative_[b] = total += count_[b];
    dirty_ = false;
  }
  // Whole seconds: a sample in bin b is at most b seconds.
  const int64_t b = absl::ToInt64Seconds(absl::Floor(x, absl::Seconds(1)));
  return cumulative_[static_cast<int>(std::min<int64_t>(b, bins_ - 1))];
}

absl::Duration DurationBins::Quantile(double q) const {
  if (size() == 0) return absl::ZeroDuration();
  const int want = std::max(1, static_cast<int>(std::ceil(q * size())));
  CountUpTo(absl::ZeroDuration());  // rebuilds the cumulative counts
  for (int b = 0; b < bins_; ++b) {
    if (cumulative_[b] >= want) return absl::Seconds(b);
  }
  return absl::Seconds(bins_ - 1);
}

double DurationBins::EndsWithin(absl::Duration elapsed, absl::Duration horizon) const {
  if (size() == 0) return 0.0;
  const int later = size() - CountUpTo(elapsed);
  if (later <= 0) {
    // Past every sample the window says nothing: the tail is taken as memoryless with the
    // window's mean, rather than "overdue, any moment now" (which would dial for agents who may
    // talk for minutes yet).
    return 1.0 -
           std::exp(-absl::ToDoubleSeconds(horizon) / std::max(1.0, absl::ToDoubleSeconds(Mean())));
  }
  return static_cast<double>(CountUpTo(elapsed + horizon) - CountUpTo(elapsed)) / later;
}

Survival::Survival(const DurationBins& ended, const std::vector<absl::Duration>& running) {
  const std::vector<int>& events = ended.counts();
  const int bins = static_cast<int>(events.size());
  // Running durations leave the risk set after the last whole second they are known to have
  // lasted.
  std::vector<int> censored(bins, 0);
  for (absl::Duration r : running) {
    const int64_t b = absl::ToInt64Seconds(absl::Floor(r, absl::Seconds(1)));
    ++censored[static_cast<int>(std::clamp<int64_t>(b, 0, bins - 1))];
  }
  int at_risk = ended.size() + static_cast<int>(running.size());
  beyond_.assign(bins, 1.0);
  double s = 1.0;
  for (int b = 0; b < bins; ++b) {
    if (events[b] > 0 && at_risk > 0) {
      s *= 1.0 - static_cast<double>(events[b]) / at_risk;
      last_event_ = b;
    }
    beyond_[b] = s;
    at_risk -= events[b] + censored[b];
  }
  tail_mean_s_ = absl::ToDoubleSeconds(ended.Mean());
}

int Survival::Bin(absl::Duration x) const {
  const int64_t b = absl::ToInt64Seconds(absl::Floor(x, absl::Seconds(1)));
  return static_cast<int>(std::clamp<int64_t>(b, 0, static_cast<int64_t>(beyond_.size()) - 1));
}

double Survival::Beyond(absl::Duration x) const {
  if (x < absl::ZeroDuration()) return 1.0;
  return beyond_[Bin(x)];
}

double Survival::EndsWithin(absl::Duration elapsed, absl::Duration horizon) const {
  if (last_event_ < 0) return 0.0;
  const double now = Beyond(elapsed);
  if (Bin(elapsed) >= last_event_ || now <= 0) {
    // Longer than anything that ended: the data say nothing, so a memoryless tail.
    return 1.0 - std::exp(-absl::ToDoubleSeconds(horizon) / std::max(1.0, tail_mean_s_));
  }
  return (now - Beyond(elapsed + horizon)) / now;
}

Estimates::Estimates(Options options)
    : options_(options),
      calls_(absl::Seconds(120)),
      answered_(absl::Seconds(120)),
      talk_(absl::Hours(1)),
      wrap_(absl::Minutes(10)) {}

void Estimates::OnCallResolved(absl::Duration after, bool person) {
  calls_.Add(after);
  person_.push_back(person);
  if (person) answered_.Add(after);
  if (calls_.size() > options_.call_window) {
    if (person_.front()) answered_.PopOldest();
    person_.pop_front();
    calls_.PopOldest();
  }
}

void Estimates::OnTalkEnded(absl::Duration talk) {
  talk_.Add(talk);
  if (talk_.size() > options_.handle_window) talk_.PopOldest();
}

void Estimates::OnWrapEnded(absl::Duration wrap) {
  wrap_.Add(wrap);
  if (wrap_.size() > options_.handle_window) wrap_.PopOldest();
}

double Estimates::AnswerRate() const {
  return (answered_.size() + options_.prior_answer_rate * options_.prior_weight) /
         (calls_.size() + options_.prior_weight);
}

double Estimates::AnswerWithin(absl::Duration elapsed, absl::Duration horizon) const {
  const int later = calls_.size() - calls_.CountUpTo(elapsed);
  if (later <= 0) return 0.0;  // nothing in the window rang this long: it will not be answered
  return static_cast<double>(answered_.CountUpTo(elapsed + horizon) -
                             answered_.CountUpTo(elapsed)) /
         later;
}

double Estimates::WrapEndsWithin(absl::Duration elapsed, absl::Duration horizon) const {
  return wrap_.EndsWithin(elapsed, horizon);
}

double Estimates::FreeWithin(absl::Duration talking_for, absl::Duration horizon) const {
  // The wrap-up after the conversation is about its mean: free once talk ends that much earlier.
  const absl::Duration wrap = MeanWrap();
  if (horizon <= wrap) return 0.0;
  return talk_.EndsWithin(talking_for, horizon - wrap);
}

double Estimates::FreeWithin(const Survival& talk, absl::Duration talking_for,
                             absl::Duration horizon) const {
  const absl::Duration wrap = MeanWrap();
  if (horizon <= wrap) return 0.0;
  return talk.EndsWithin(talking_for, horizon - wrap);
}

absl::Duration Estimates::MeanTalk() const { return talk_.Mean(); }
absl::Duration Estimates::MeanWrap() const { return wrap_.Mean(); }

}  // namespace secondvoice::pacing
