// Progressive, predictive and VICIdial-style pacing.
#include "libs/pacing/pacer.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"

namespace secondvoice::pacing {
namespace {

// E[max(0, X)] for X ~ N(mean, var).
double ExpectedExcess(double mean, double var) {
  if (var <= 1e-12) return std::max(mean, 0.0);
  const double sd = std::sqrt(var);
  const double z = mean / sd;
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return sd * pdf + mean * cdf;
}

// Whole seconds -> how many share that elapsed time (the model treats them alike).
absl::flat_hash_map<int64_t, int> BySecond(const std::vector<absl::Duration>& elapsed) {
  absl::flat_hash_map<int64_t, int> out;
  for (absl::Duration e : elapsed) ++out[absl::ToInt64Seconds(e)];
  return out;
}

Decision Progressive(const QueueView& queue, std::string why) {
  Decision d;
  d.mode = Mode::kProgressive;
  d.calls = std::max(0, queue.ready - static_cast<int>(queue.ringing.size()) - queue.waiting);
  d.dial_level = 1.0;
  d.why = std::move(why);
  return d;
}

}  // namespace

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kPreview:
      return "preview";
    case Mode::kProgressive:
      return "progressive";
    case Mode::kPredictive:
      return "predictive";
  }
  return "unknown";
}

Decision ProgressivePacer::Decide(const QueueView& queue, const Estimates&, const AbandonLedger&) {
  return Progressive(queue, "one call per ready agent");
}

Decision PredictivePacer::Decide(const QueueView& queue, const Estimates& estimates,
                                 const AbandonLedger& ledger) {
  const int agents = queue.LoggedIn();
  if (agents < options_.min_agents) {
    return Progressive(queue, absl::StrFormat("progressive: %d agent(s) logged in, predictive "
                                              "needs %d",
                                              agents, options_.min_agents));
  }
  if (estimates.calls() < options_.min_calls ||
      estimates.conversations() < options_.min_conversations) {
    return Progressive(
        queue, absl::StrFormat("progressive: too little data (%d calls, %d conversations; "
                               "predictive needs %d and %d)",
                               estimates.calls(), estimates.conversations(), options_.min_calls,
                               options_.min_conversations));
  }
  // The conversations measured so far must be the queue's, not just its short ones: early in a
  // shift only short conversations have ended, and a model that believes them dials for agents
  // who will talk for minutes yet. While too many agents have talked longer than nine in ten of
  // the measured conversations, it waits.
  if (!queue.talking.empty()) {
    const absl::Duration p90 = estimates.TalkQuantile(0.9);
    int longer = 0;
    for (absl::Duration t : queue.talking) longer += t > p90;
    if (longer > options_.max_longer_talks * static_cast<double>(queue.talking.size())) {
      return Progressive(
          queue, absl::StrFormat("progressive: talk times still being learned (%d of %d agents "
                                 "in conversation longer than 90%% of the %d measured, %.0f s)",
                                 longer, queue.talking.size(), estimates.conversations(),
                                 absl::ToDoubleSeconds(p90)));
    }
  }
  const AbandonFigures day = ledger.Last24h(queue.now);
  if (day.answered < options_.min_answered) {
    return Progressive(queue, absl::StrFormat("progressive: %d live answers in the last 24 h; "
                                              "predictive needs %d to measure abandons against",
                                              day.answered, options_.min_answered));
  }
  if (ledger.Headroom(queue.now, 0) < 0) {
    const AbandonFigures& f = day;
    return Progressive(queue,
                       absl::StrFormat("progressive: the last 24 h have %d abandoned of %d "
                                       "answered (%.2f%%), no room under the %.0f%% cap",
                                       f.abandoned, f.answered, 100 * f.Rate(), 100 * kAbandonCap));
  }

  // Slots of one second up to the horizon, plus the 2 s an answered call may wait for an agent.
  const int horizon = static_cast<int>(absl::ToInt64Seconds(options_.horizon));
  const int grace = static_cast<int>(absl::ToInt64Seconds(kAbandonAfter));
  const int slots = horizon + grace + 1;
  // Agents free by slot k (cumulative), with the variance of that count.
  std::vector<double> supply(slots, queue.ready), supply_var(slots, 0.0);
  for (const auto& [e, n] : BySecond(queue.wrapping)) {
    for (int k = 0; k < slots; ++k) {
      const double p = estimates.WrapEndsWithin(absl::Seconds(e), absl::Seconds(k));
      supply[k] += n * p;
      supply_var[k] += n * p * (1 - p);
    }
  }
  for (const auto& [e, n] : BySecond(queue.talking)) {
    for (int k = 0; k < slots; ++k) {
      const double p = estimates.FreeWithin(absl::Seconds(e), absl::Seconds(k));
      supply[k] += n * p;
      supply_var[k] += n * p * (1 - p);
    }
  }
  // People answering by slot k from the calls already ringing (and those already waiting).
  std::vector<double> demand(horizon + 1, queue.waiting), demand_var(horizon + 1, 0.0);
  for (const auto& [e, n] : BySecond(queue.ringing)) {
    for (int k = 0; k <= horizon; ++k) {
      const double q = estimates.AnswerWithin(absl::Seconds(e), absl::Seconds(k));
      demand[k] += n * q;
      demand_var[k] += n * q * (1 - q);
    }
  }
  // ...and per new call.
  std::vector<double> fresh(horizon + 1);
  for (int k = 0; k <= horizon; ++k) {
    fresh[k] = estimates.AnswerWithin(absl::ZeroDuration(), absl::Seconds(k));
  }
  // Expected abandons with n new calls: the worst expected shortfall of agents (free within
  // 2 s of the answer) against people answering, over the horizon.
  auto abandons = [&](int n) {
    double worst = 0;
    for (int k = 0; k <= horizon; ++k) {
      const double mean = demand[k] + n * fresh[k] - supply[k + grace];
      const double var = demand_var[k] + n * fresh[k] * (1 - fresh[k]) + supply_var[k + grace];
      worst = std::max(worst, ExpectedExcess(mean, var));
    }
    return worst;
  };
  auto answers = [&](int n) { return demand[horizon] + n * fresh[horizon]; };

  const int in_progress = static_cast<int>(queue.ringing.size()) + queue.waiting;
  const int most = std::max(0, static_cast<int>(std::floor(options_.max_level * agents)) -
                                   in_progress - static_cast<int>(queue.talking.size()));
  // The model's abandon estimate is calibrated by what happened: the target it aims at moves
  // (slowly, once a minute) so that the last hour's abandon rate settles at `aim`.
  if (queue.now >= next_calibration_) {
    next_calibration_ = queue.now + absl::Minutes(1);
    const AbandonFigures hour = ledger.Last(queue.now, absl::Hours(1));
    if (hour.answered >= 30) {
      const double r = std::max(hour.Rate(), 0.1 * options_.aim);
      calibration_ *= std::clamp(std::pow(options_.aim / r, 0.25), 0.8, 1.25);
      calibration_ = std::clamp(calibration_, 0.1, 20.0);
    }
  }
  const double target = options_.target * calibration_;
  // Room under the 24 h cap grows by the cap's share of every answer expected.
  const double headroom = ledger.Headroom(queue.now, 0) - options_.reserve;
  int n = 0;
  const char* limit = "the level cap";
  for (; n < most; ++n) {
    const double a = abandons(n + 1);
    const double x = answers(n + 1);
    if (a > target * x) {
      limit = "the abandon target";
      break;
    }
    // What the model expects, scaled by what its expectations turned out to be worth.
    if (a * options_.aim / target > headroom + kAbandonCap * x) {
      limit = "the 24 h abandon cap";
      break;
    }
  }
  // Never fewer than one call per ready agent with none on the way: those cannot abandon.
  const int progressive = Progressive(queue, "").calls;
  if (n < progressive) {
    n = progressive;
    limit = "one call per ready agent at least";
  }
  Decision d;
  d.mode = Mode::kPredictive;
  d.calls = n;
  d.expected_answers = answers(n);
  d.expected_abandons = abandons(n);
  d.dial_level = static_cast<double>(in_progress + n + queue.talking.size()) / agents;
  d.why = absl::StrFormat(
      "predictive: %d ready, %d talking, %d in wrap-up, %d ringing, %d waiting; answer rate "
      "%.1f%%, talk %.0f s, wrap-up %.0f s; %.1f agents free within %d s; placing %d (held by "
      "%s): %.2f answers and %.3f abandons expected",
      queue.ready, queue.talking.size(), queue.wrapping.size(), queue.ringing.size(), queue.waiting,
      100 * estimates.AnswerRate(), absl::ToDoubleSeconds(estimates.MeanTalk()),
      absl::ToDoubleSeconds(estimates.MeanWrap()), supply[slots - 1], horizon, n, limit,
      d.expected_answers, d.expected_abandons);
  return d;
}

Decision VicidialPacer::Decide(const QueueView& queue, const Estimates&,
                               const AbandonLedger& ledger) {
  // Agents in wrap-up are in their disposition screen, which VICIdial counts as paused.
  const int active = queue.ready + static_cast<int>(queue.talking.size());
  std::string why;
  if (queue.now >= next_adapt_) {
    next_adapt_ = queue.now + options_.adapt_every;
    const absl::Time midnight =
        absl::FromCivil(absl::ToCivilDay(queue.now, absl::UTCTimeZone()), absl::UTCTimeZone());
    const AbandonFigures today = ledger.Last(queue.now, queue.now - midnight);
    if (today.answered > 0 && today.Rate() > options_.drop_cap) {
      level_ = options_.min_level;
    } else {
      const int diff = queue.ready - queue.waiting;
      level_ += static_cast<double>(diff) / std::max(1, active);
      level_ = std::clamp(level_, options_.min_level, options_.max_level);
    }
  }
  const int in_progress =
      static_cast<int>(queue.ringing.size() + queue.talking.size()) + queue.waiting;
  Decision d;
  d.mode = Mode::kPredictive;
  d.dial_level = level_;
  d.calls = std::max(0, static_cast<int>(std::floor(level_ * active)) - in_progress);
  d.why = absl::StrFormat("vicidial: level %.2f x %d active agents, %d calls in progress", level_,
                          active, in_progress);
  return d;
}

std::unique_ptr<Pacer> MakePacer(Mode mode) {
  switch (mode) {
    case Mode::kPredictive:
      return std::make_unique<PredictivePacer>();
    case Mode::kPreview:
    case Mode::kProgressive:
      return std::make_unique<ProgressivePacer>();
  }
  return std::make_unique<ProgressivePacer>();
}

}  // namespace secondvoice::pacing
