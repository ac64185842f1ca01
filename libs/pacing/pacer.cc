// Progressive, predictive and VICIdial-style pacing.
#include "libs/pacing/pacer.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"

namespace secondvoice::pacing {
namespace {

// P(X > 0) for X ~ N(mean, var), var > 0.
double ChancePositive(double mean, double var) {
  return 0.5 * std::erfc(-mean / std::sqrt(2.0 * var));
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

int PredictivePacer::Slots() const {
  return static_cast<int>(std::max<int64_t>(1, absl::ToInt64Seconds(options_.horizon)) +
                          absl::ToInt64Seconds(kAbandonAfter) + 1);
}

Supply PredictivePacer::ExpectedSupply(const QueueView& queue, const Estimates& estimates) const {
  const int slots = Slots();
  Supply out;
  out.mean.assign(slots, queue.ready);
  out.var.assign(slots, 0.0);
  for (const auto& [e, n] : BySecond(queue.wrapping)) {
    for (int k = 0; k < slots; ++k) {
      const double p = estimates.WrapEndsWithin(absl::Seconds(e), absl::Seconds(k));
      out.mean[k] += n * p;
      out.var[k] += n * p * (1 - p);
    }
  }
  // The conversations still running count as lasting at least as long as they have: early in
  // a shift only the short ones have ended, and a model that believed them would dial for
  // agents who will talk for minutes yet.
  const Survival talk = estimates.TalkSurvival(queue.talking);
  for (const auto& [e, n] : BySecond(queue.talking)) {
    for (int k = 0; k < slots; ++k) {
      const double p = estimates.FreeWithin(talk, absl::Seconds(e), absl::Seconds(k));
      out.mean[k] += n * p;
      out.var[k] += n * p * (1 - p);
    }
  }
  return out;
}

std::optional<Decision> PredictivePacer::Gate(const QueueView& queue, const Estimates& estimates,
                                              const AbandonLedger& ledger) const {
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
  const AbandonFigures day = ledger.Last24h(queue.now);
  const int64_t min_answered =
      std::max<int64_t>(options_.min_answered, int64_t{options_.min_answered_per_agent} * agents);
  if (day.answered < min_answered) {
    return Progressive(queue, absl::StrFormat("progressive: %d live answers in the last 24 h; "
                                              "predictive needs %d to measure abandons against",
                                              day.answered, min_answered));
  }
  if (ledger.Headroom(queue.now, 0) < 0) {
    const AbandonFigures& f = day;
    return Progressive(queue,
                       absl::StrFormat("progressive: the last 24 h have %d abandoned of %d "
                                       "answered (%.2f%%), no room under the %.0f%% cap",
                                       f.abandoned, f.answered, 100 * f.Rate(), 100 * kAbandonCap));
  }
  return std::nullopt;
}

Decision PredictivePacer::Decide(const QueueView& queue, const Estimates& estimates,
                                 const AbandonLedger& ledger) {
  if (std::optional<Decision> d = Gate(queue, estimates, ledger)) return *std::move(d);
  return Model(ExpectedSupply(queue, estimates), queue, estimates, ledger);
}

Decision PredictivePacer::DecideWith(const Supply& supply, const QueueView& queue,
                                     const Estimates& estimates, const AbandonLedger& ledger) {
  if (std::optional<Decision> d = Gate(queue, estimates, ledger)) return *std::move(d);
  Supply padded = supply;
  const size_t slots = static_cast<size_t>(Slots());
  padded.mean.resize(slots, padded.mean.empty() ? 0.0 : padded.mean.back());
  padded.var.resize(slots, padded.var.empty() ? 0.0 : padded.var.back());
  return Model(padded, queue, estimates, ledger);
}

Decision PredictivePacer::Model(const Supply& expected, const QueueView& queue,
                                const Estimates& estimates, const AbandonLedger& ledger) {
  const int agents = queue.LoggedIn();
  // Slots of one second up to the horizon, plus the 2 s an answered call may wait for an agent.
  const int horizon = std::max<int>(1, absl::ToInt64Seconds(options_.horizon));
  const int grace = static_cast<int>(absl::ToInt64Seconds(kAbandonAfter));
  const int slots = Slots();
  // Agents free by slot k (cumulative), with the variance of that count.
  const std::vector<double>& supply = expected.mean;
  const std::vector<double>& supply_var = expected.var;
  // People answering by slot k from the calls already ringing (and those already waiting).
  std::vector<double> demand(horizon + 1, queue.waiting), demand_var(horizon + 1, 0.0);
  for (const auto& [e, n] : BySecond(queue.ringing)) {
    for (int k = 0; k <= horizon; ++k) {
      const double q = estimates.AnswerWithin(absl::Seconds(e), absl::Seconds(k));
      demand[k] += n * q;
      demand_var[k] += n * q * (1 - q);
    }
  }
  // ...and per new call: answered by slot k (cumulative) and in slot k.
  std::vector<double> fresh(horizon + 1), fresh_in(horizon + 1, 0.0);
  for (int k = 0; k <= horizon; ++k) {
    fresh[k] = estimates.AnswerWithin(absl::ZeroDuration(), absl::Seconds(k));
    if (k > 0) fresh_in[k] = std::max(0.0, fresh[k] - fresh[k - 1]);
  }
  // The answer probabilities are estimated from a window of calls, and an error in them is
  // shared by every call: the relative error of a rate measured from m answers is about
  // 1/sqrt(m), and it grows with the square of the answers expected. Large queues at low answer
  // rates, which place hundreds of calls, feel it most.
  const double shared = 1.0 / std::max(1, estimates.answers());
  auto demand_var_with = [&](int j, int n) {
    const double mean = demand[j] - queue.waiting + n * fresh[j];
    return demand_var[j] + n * fresh[j] * (1 - fresh[j]) + shared * mean * mean;
  };
  // What one more call, placed after n new ones, adds to the abandons expected. Answered in
  // slot k it takes an agent, and costs an abandon if at any slot j >= k fewer agents are free
  // by j + 2 s than people answered by j (itself included): the person abandoned may be one
  // who answers later, but for a call placed earlier. Taken as the likeliest such slot.
  // People answered by slot j, less agents free by j + 2 s, with n new calls: mean and variance.
  struct Shortfall {
    double mean, var;
  };
  auto shortfall = [&](int j, int n) {
    return Shortfall{demand[j] + n * fresh[j] - supply[j + grace],
                     demand_var_with(j, n) + supply_var[j + grace]};
  };
  std::vector<double> short_from(horizon + 2);
  auto risk_of_next = [&](int n) {
    short_from[horizon + 1] = 0;
    for (int j = horizon; j >= 1; --j) {
      const Shortfall s = shortfall(j, n);
      // Counts are whole: a quarter added to the variance smooths the normal's steps.
      short_from[j] = std::max(short_from[j + 1], ChancePositive(0.5 + s.mean, s.var + 0.25));
    }
    double p = 0;
    for (int k = 1; k <= horizon; ++k) p += fresh_in[k] * short_from[k];
    return p;
  };
  // The answers expected from every call in progress once n new ones are placed.
  auto answers = [&](int n) { return demand[horizon] + n * fresh[horizon]; };
  // The shortfall of agents at a high quantile: what a bad draw of the calls in progress costs.
  auto bad_case = [&](int n) {
    double worst = 0;
    for (int k = 0; k <= horizon; ++k) {
      const Shortfall s = shortfall(k, n);
      worst = std::max(worst, s.mean + options_.guard_z * std::sqrt(s.var));
    }
    return worst;
  };

  const int in_progress = static_cast<int>(queue.ringing.size()) + queue.waiting;
  const int most = std::max(0, static_cast<int>(std::floor(options_.max_level * agents)) -
                                   in_progress - static_cast<int>(queue.talking.size()));
  // The risk a call may carry: corrected by what the model expected against what happened,
  // and eased off as the last 24 h near the guard's share of abandons.
  Calibrate(queue.now, ledger);
  const double rate_24h = ledger.Last24h(queue.now).Rate();
  const double ease =
      options_.guard_cap > options_.ease_from
          ? std::clamp((options_.guard_cap - rate_24h) / (options_.guard_cap - options_.ease_from),
                       0.1, 1.0)
          : 1.0;
  const double risk = options_.risk * calibration_ * ease;
  const double answered = std::max(1e-9, fresh[horizon]);
  // Room under the guard's share of the 24 h answers, growing by that share of every answer
  // expected.
  const double headroom = ledger.Headroom(queue.now, 0, options_.guard_cap) - options_.reserve;
  int n = 0;
  double expected_abandons = 0;
  const char* limit = "the level cap";
  for (; n < most; ++n) {
    const double p = risk_of_next(n);
    if (p > risk * answered) {
      limit = "the risk per call";
      break;
    }
    if (bad_case(n + 1) > headroom + options_.guard_cap * answers(n + 1)) {
      limit = "the 24 h abandon cap";
      break;
    }
    expected_abandons += p;
  }
  // Never fewer than one call per ready agent with none on the way: those cannot abandon.
  const int progressive = Progressive(queue, "").calls;
  if (n < progressive) {
    // What the calls beyond the model's choice add is counted all the same.
    for (int m = n; m < progressive; ++m) expected_abandons += risk_of_next(m);
    n = progressive;
    limit = "one call per ready agent at least";
  }
  // Kept per minute for the calibration.
  if (n > 0) {
    const absl::Time minute = absl::FromUnixSeconds(absl::ToUnixSeconds(queue.now) / 60 * 60);
    if (expected_.empty() || expected_.back().minute != minute) {
      expected_.push_back(Expected{minute});
    }
    expected_.back().abandons += expected_abandons;
    expected_.back().answers += n * fresh[horizon];
  }
  Decision d;
  d.mode = Mode::kPredictive;
  d.calls = n;
  d.expected_answers = answers(n);
  d.expected_abandons = expected_abandons;
  d.dial_level = static_cast<double>(in_progress + n + queue.talking.size()) / agents;
  const std::string eased =
      ease < 1.0
          ? absl::StrFormat(", eased x%.2f at %.2f%% abandoned in 24 h", ease, 100 * rate_24h)
          : "";
  d.why = absl::StrFormat(
      "predictive: %d ready, %d talking, %d in wrap-up, %d ringing, %d waiting; answer rate "
      "%.1f%%, talk %.0f s, wrap-up %.0f s; %.1f agents free within %d s; placing %d (held by "
      "%s, %.1f%% per call: the model's bias x%.2f%s): %.2f answers expected, %.3f abandons "
      "from the new calls",
      queue.ready, queue.talking.size(), queue.wrapping.size(), queue.ringing.size(), queue.waiting,
      100 * estimates.AnswerRate(), absl::ToDoubleSeconds(estimates.MeanTalk()),
      absl::ToDoubleSeconds(estimates.MeanWrap()), supply[slots - 1], horizon, n, limit, 100 * risk,
      calibration_, eased, d.expected_answers, d.expected_abandons);
  return d;
}

void PredictivePacer::Calibrate(absl::Time now, const AbandonLedger& ledger) {
  if (now < next_calibration_) return;
  next_calibration_ = now + absl::Minutes(1);
  const absl::Time from = now - options_.calibration_window;
  while (!expected_.empty() && expected_.front().minute < from) expected_.pop_front();
  double abandons = 0, answers = 0;
  for (const Expected& e : expected_) {
    abandons += e.abandons;
    answers += e.answers;
  }
  // Rates rather than counts: the ledger may be that of one of several campaigns the queue
  // calls for (the one with the least room), and the rates are what the cap is about.
  const AbandonFigures seen = ledger.Last(now, options_.calibration_window);
  const double prior = std::max(1.0, options_.calibration_prior);
  constexpr double kPriorRate = 0.02;
  const double model = (abandons + kPriorRate * prior) / (answers + prior);
  const double world = (static_cast<double>(seen.abandoned) + kPriorRate * prior) /
                       (static_cast<double>(seen.answered) + prior);
  calibration_ = std::clamp(model / world, options_.calibration_range.first,
                            options_.calibration_range.second);
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
