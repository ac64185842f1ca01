// scripts/bench pacing: simulated BDC shifts from fixed seeds (5, 20 and 100 agents; answer rates
// 12%, 25% and 40%; a day whose answer rate drifts), each run by our predictive pacer,
// progressive 1:1, a VICIdial-style adaptive dial level and a clairvoyant oracle, next to the
// physical limit T/(T+W). Every pacer meets the same customers (same seed): the figures differ
// only by pacing. `pacing_bench DAYS SCENARIO-SUBSTRING oracles` also runs pacers that know part
// of the future, to show where the gap to the oracle comes from (slow: a minute or more per
// simulated day with 20 agents).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/pacing/pacer.h"
#include "libs/pacing/shift_sim.h"
#include "libs/telephony/random.h"

namespace secondvoice::pacing {
namespace {

// Plays the answers out as the simulator will: each goes to the agent free longest, or waits
// for the next one to come free, and is abandoned at its deadline. Returns the abandons.
int Abandoned(const std::vector<absl::Time>& free_at,
              const std::vector<Foresight::Answer>& answers) {
  std::priority_queue<absl::Time, std::vector<absl::Time>, std::greater<>> free(free_at.begin(),
                                                                                free_at.end());
  int abandoned = 0;
  for (const Foresight::Answer& a : answers) {
    if (free.empty() || free.top() >= a.deadline) {
      ++abandoned;
      continue;
    }
    const absl::Time start = std::max(a.at, free.top());
    free.pop();
    free.push(start + a.handle);
  }
  return abandoned;
}

// Keeps the answers in time order.
std::vector<Foresight::Answer>::iterator Insert(std::vector<Foresight::Answer>& answers,
                                                const Foresight::Answer& a) {
  const auto at =
      std::upper_bound(answers.begin(), answers.end(), a.at,
                       [](absl::Time t, const Foresight::Answer& x) { return t < x.at; });
  return answers.insert(at, a);
}

Decision OnePerReadyAgent(const QueueView& queue) {
  Decision d;
  d.mode = Mode::kProgressive;
  d.calls = std::max(0, queue.ready - static_cast<int>(queue.ringing.size()) - queue.waiting);
  return d;
}

// Knows every call's fate and every conversation's length in advance, and calls each lead as
// soon as its answer would find an agent: the agent it lands on is free within the 2 s a person
// may wait, or comes free while that person waits. It abandons nobody. Its talk share bounds
// what pacing can do on this carrier (from below: the best clairvoyant schedule may beat this
// greedy one), and its gap to the limit is what ringing, one-second ticks and calling the leads
// in order cost even with perfect knowledge. Benchmarks only: the product never knows the
// future.
class Clairvoyant final : public OraclePacer {
 public:
  absl::string_view name() const override { return "oracle"; }

  void Foresee(const Foresight& future) override { future_ = &future; }

  Decision Decide(const QueueView& queue, const Estimates&, const AbandonLedger&) override {
    Decision d;
    d.mode = Mode::kPredictive;
    if (future_ == nullptr) return d;
    const Foresight& f = *future_;
    future_ = nullptr;
    std::vector<Foresight::Answer> answers = f.answers;
    const int before = Abandoned(f.free_at, answers);
    // The leads are called in order, so the first whose answer would be abandoned holds back
    // those after it; calls no person answers cost nothing and go at once.
    for (int i = 0; i < kMostPerDecision; ++i) {
      const std::optional<Foresight::Answer> a = f.next(i);
      if (a.has_value()) {
        const auto it = Insert(answers, *a);
        if (Abandoned(f.free_at, answers) > before) {
          answers.erase(it);
          break;
        }
        d.expected_answers += 1;
      }
      ++d.calls;
    }
    d.dial_level =
        static_cast<double>(d.calls + queue.ringing.size()) / std::max(1, queue.LoggedIn());
    d.why = absl::StrFormat("oracle: %d calls, %.0f answers", d.calls, d.expected_answers);
    return d;
  }

 private:
  static constexpr int kMostPerDecision = 5000;

  const Foresight* future_ = nullptr;
};

// The pacers below know part of the future. They dial ahead only where our predictive pacer may
// (enough data, enough answers in the last 24 h, room under the guard's share of abandons), so
// that their figures differ from it by what they know.
bool MayDialAhead(const QueueView& queue, const Estimates& estimates, const AbandonLedger& ledger) {
  const PredictivePacer::Options o;
  const int agents = queue.LoggedIn();
  return agents >= o.min_agents && estimates.calls() >= o.min_calls &&
         estimates.conversations() >= o.min_conversations &&
         ledger.Last24h(queue.now).answered >=
             std::max(o.min_answered, o.min_answered_per_agent * agents) &&
         ledger.Headroom(queue.now, 0, o.guard_cap) >= o.reserve;
}

// Our predictive pacer told exactly when each agent will be free (the end of every conversation
// and wrap-up in progress), but not who will answer: what perfect estimates of the agents would
// buy, the answers staying as uncertain as they are.
class KnowsAgents final : public OraclePacer {
 public:
  absl::string_view name() const override { return "knows-agents"; }

  void Foresee(const Foresight& future) override { future_ = &future; }

  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) override {
    if (future_ == nullptr) return inner_.Decide(queue, estimates, ledger);
    Supply supply;
    const int slots = inner_.Slots();
    supply.mean.assign(slots, 0.0);
    supply.var.assign(slots, 0.0);
    for (absl::Time t : future_->free_at) {
      const int64_t k = absl::ToInt64Seconds(absl::Ceil(t - queue.now, absl::Seconds(1)));
      for (int64_t j = std::max<int64_t>(0, k); j < slots; ++j) supply.mean[j] += 1;
    }
    future_ = nullptr;
    return inner_.DecideWith(supply, queue, estimates, ledger);
  }

 private:
  PredictivePacer inner_;
  const Foresight* future_ = nullptr;
};

// A partial oracle that dials ahead by a plan of its own: one call per ready agent while it may
// not (or sees no future), never fewer.
class PlansAhead : public OraclePacer {
 public:
  void Foresee(const Foresight& future) final { future_ = &future; }

  Decision Decide(const QueueView& queue, const Estimates& estimates,
                  const AbandonLedger& ledger) final {
    const Foresight* f = future_;
    future_ = nullptr;
    Decision d = OnePerReadyAgent(queue);
    if (f == nullptr || !MayDialAhead(queue, estimates, ledger)) return d;
    d = Decision();
    d.mode = Mode::kPredictive;
    Plan(*f, queue, estimates, d);
    d.calls = std::max(d.calls, OnePerReadyAgent(queue).calls);
    return d;
  }

 protected:
  explicit PlansAhead(double risk) : risk_(risk) {}
  // Sets d.calls and d.expected_abandons.
  virtual void Plan(const Foresight& f, const QueueView& queue, const Estimates& estimates,
                    Decision& d) = 0;

  const double risk_;

 private:
  const Foresight* future_ = nullptr;
};

// Knows when each agent will be free, and for who of the calls in progress will answer and when
// it draws 256 futures from the estimates (given how long each call has rung), as it does for
// the new calls: the abandons one more call adds are counted in those futures played out as the
// simulator will, rather than from our pacer's normal approximation. Places calls while one
// more, answered, adds at most `risk` abandons. About as much as a real pacer could know of the
// agents and compute of the calls.
class KnowsAgentsSampled final : public PlansAhead {
 public:
  explicit KnowsAgentsSampled(double risk) : PlansAhead(risk) {}
  absl::string_view name() const override { return "knows-agents-mc"; }

 private:
  void Plan(const Foresight& future, const QueueView& queue, const Estimates& estimates,
            Decision& d) override {
    const Foresight* f = &future;
    constexpr int kFutures = 256, kHorizon = 40, kTimes = 20;
    const absl::Duration handle = estimates.MeanTalk() + estimates.MeanWrap();
    auto answer_at = [&](double s) {
      const absl::Time at = queue.now + absl::Seconds(s);
      return Foresight::Answer{at, at + kAbandonAfter, handle};
    };
    // The chance of an answer in each of the next seconds, having rung this long.
    auto answer_slots = [&](absl::Duration elapsed) {
      std::vector<double> in(kHorizon + 1, 0.0);
      double last = 0;
      for (int k = 1; k <= kHorizon; ++k) {
        const double c = estimates.AnswerWithin(elapsed, absl::Seconds(k));
        in[k] = std::max(0.0, c - last);
        last = std::max(last, c);
      }
      return in;
    };
    // The second an answer comes in (0: none), for a uniform draw.
    auto draw = [](const std::vector<double>& in, double u) -> int {
      for (int k = 1; k < static_cast<int>(in.size()); ++k) {
        if (u < in[k]) return k;
        u -= in[k];
      }
      return 0;
    };
    std::vector<double> fresh = answer_slots(absl::ZeroDuration());
    double p = 0;
    for (double x : fresh) p += x;
    if (p <= 0) return;
    for (double& x : fresh) x /= p;  // given an answer
    // People already waiting are known; the calls ringing are drawn.
    std::vector<Foresight::Answer> waiting;
    for (const Foresight::Answer& a : f->answers) {
      if (a.at <= queue.now) waiting.push_back(a);
    }
    telephony::Random rng(static_cast<uint64_t>(absl::ToUnixNanos(queue.now)));
    std::vector<std::vector<Foresight::Answer>> futures(kFutures, waiting);
    absl::flat_hash_map<int64_t, std::vector<double>> by_elapsed;
    for (absl::Duration e : queue.ringing) {
      const int64_t s = absl::ToInt64Seconds(e);
      auto it = by_elapsed.find(s);
      if (it == by_elapsed.end()) it = by_elapsed.emplace(s, answer_slots(absl::Seconds(s))).first;
      for (auto& future : futures) {
        const int k = draw(it->second, rng.Uniform());
        if (k > 0) Insert(future, answer_at(k - rng.Uniform()));
      }
    }
    const int most = 12 * std::max(1, queue.LoggedIn());
    for (int n = 0; n < most; ++n) {
      // One more call, answered, tried at equally likely seconds in every future.
      double added = 0;
      for (const auto& future : futures) {
        const int base = Abandoned(f->free_at, future);
        for (int q = 0; q < kTimes; ++q) {
          std::vector<Foresight::Answer> with = future;
          Insert(with, answer_at(draw(fresh, (q + 0.5) / kTimes) - 0.5));
          added += std::clamp(Abandoned(f->free_at, with) - base, 0, 1);
        }
      }
      const double risk = added / (kTimes * kFutures);
      if (risk > risk_) break;
      ++d.calls;
      d.expected_abandons += p * risk;
      // The call placed: answered or not in each future.
      for (auto& future : futures) {
        if (rng.Uniform() < p)
          Insert(future, answer_at(draw(fresh, rng.Uniform()) - rng.Uniform()));
      }
    }
  }
};

// Knows the present exactly (when each agent will be free, who of the calls already placed will
// answer and when) but not the fates of calls not placed yet, which it takes from the estimates:
// more than any real pacer can know. Places calls while one more, should it be answered, adds at
// most `risk` abandons: its answer is tried at every second it may come, beside 0 to 5 other new
// calls answered (their times drawn from the same distribution).
class KnowsPresent final : public PlansAhead {
 public:
  explicit KnowsPresent(double risk) : PlansAhead(risk) {}
  absl::string_view name() const override { return "knows-present"; }

 private:
  void Plan(const Foresight& future, const QueueView& queue, const Estimates& estimates,
            Decision& d) override {
    const Foresight* f = &future;
    constexpr int kHorizon = 40, kOthers = 5;
    std::vector<double> in_slot(kHorizon + 1, 0.0);
    double p = 0;
    for (int k = 1; k <= kHorizon; ++k) {
      in_slot[k] =
          std::max(0.0, estimates.AnswerWithin(absl::ZeroDuration(), absl::Seconds(k)) -
                            estimates.AnswerWithin(absl::ZeroDuration(), absl::Seconds(k - 1)));
      p += in_slot[k];
    }
    if (p <= 0) return;
    const absl::Duration handle = estimates.MeanTalk() + estimates.MeanWrap();
    auto answer_in = [&](int k) {
      const absl::Time at = queue.now + absl::Seconds(k - 0.5);
      return Foresight::Answer{at, at + kAbandonAfter, handle};
    };
    // Seconds at the middle of eight equally likely parts of the answer time.
    std::vector<int> typical;
    for (int q = 0; q < 8; ++q) {
      const double want = (q + 0.5) / 8 * p;
      double sum = 0;
      int k = 1;
      for (; k < kHorizon && sum + in_slot[k] < want; ++k) sum += in_slot[k];
      typical.push_back(k);
    }
    // added[m]: abandons added by one new call answered, with m other new calls answered.
    std::vector<double> added(kOthers + 1, 0.0);
    telephony::Random rng(static_cast<uint64_t>(absl::ToUnixSeconds(queue.now)));
    for (int m = 0; m <= kOthers; ++m) {
      const int configs = m == 0 ? 1 : 8;
      for (int c = 0; c < configs; ++c) {
        std::vector<Foresight::Answer> answers = f->answers;
        for (int i = 0; i < m; ++i) {
          const int k = i == 0 ? typical[c] : typical[rng.Next() % typical.size()];
          Insert(answers, answer_in(k));
        }
        const int base = Abandoned(f->free_at, answers);
        double sum = 0;
        for (int k = 1; k <= kHorizon; ++k) {
          if (in_slot[k] <= 0) continue;
          std::vector<Foresight::Answer> with = answers;
          Insert(with, answer_in(k));
          sum += in_slot[k] / p * std::clamp(Abandoned(f->free_at, with) - base, 0, 1);
        }
        added[m] += sum / configs;
      }
      // More answers never make room: a sampling accident must not say so.
      if (m > 0) added[m] = std::max(added[m], added[m - 1]);
    }
    const int most = 12 * std::max(1, queue.LoggedIn());
    for (int n = 0; n < most; ++n) {
      // Over the chance of m of the n calls before this one being answered.
      double risk = 0;
      for (int m = 0; m <= n; ++m) {
        risk += std::exp(std::lgamma(n + 1) - std::lgamma(m + 1) - std::lgamma(n - m + 1) +
                         m * std::log(p) + (n - m) * std::log1p(-p)) *
                (m <= kOthers ? added[m] : 1.0);
      }
      if (risk > risk_) break;
      ++d.calls;
      d.expected_abandons += p * risk;
    }
  }
};

std::vector<ShiftScenario> Scenarios(int days) {
  std::vector<ShiftScenario> out;
  uint64_t seed = 20261123;
  for (int agents : {5, 20, 100}) {
    for (double rate : {0.12, 0.25, 0.40}) {
      ShiftScenario s;
      s.name = absl::StrFormat("%d agents, %.0f%%", agents, 100 * rate);
      s.agents = agents;
      s.carrier.answer_rate = rate;
      s.carrier.hour_factor = telephony::CarrierProfile::FlatHours();
      s.days = days;
      s.seed = ++seed;
      out.push_back(s);
    }
  }
  // The answer rate drifts through the shift (12:00-20:00 UTC): 40% at noon, down to 12% in the
  // afternoon, back up to 30% in the evening.
  ShiftScenario drift;
  drift.name = "20 agents, drifting 40%-12%-30%";
  drift.agents = 20;
  drift.carrier.answer_rate = 1.0;
  drift.carrier.hour_factor = telephony::CarrierProfile::FlatHours();
  drift.carrier.drift = [](absl::Time t) {
    const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
    const double h = c.hour() + c.minute() / 60.0;
    if (h < 15) return 0.40 + (0.12 - 0.40) * (h - 12) / 3;
    return 0.12 + (0.30 - 0.12) * std::min(1.0, (h - 15) / 5);
  };
  drift.days = days;
  drift.seed = ++seed;
  out.push_back(drift);
  return out;
}

std::string Json(const ShiftResult& r) {
  return absl::StrFormat(
      "{\"talk_share\":%.4f,\"ratio_to_limit\":%.4f,\"abandon_rate\":%.4f,"
      "\"worst_24h_abandon\":%.4f,\"mean_wait_s\":%.2f}",
      r.talk_share, r.ratio_to_limit, r.abandon_rate, r.worst_24h_abandon, r.mean_wait_s);
}

void Row(const std::string& scenario, const ShiftResult& r) {
  std::cout << absl::StrFormat("%-32s %-15s %8d %7d %5d %6.3f %6.3f %6.3f %6.2f%% %6.2f%% %7.1f\n",
                               scenario, r.pacer, r.calls, r.answered, r.abandoned, r.limit,
                               r.talk_share, r.ratio_to_limit, 100 * r.abandon_rate,
                               100 * r.worst_24h_abandon, r.mean_wait_s);
}

}  // namespace
}  // namespace secondvoice::pacing

int main(int argc, char** argv) {
  using namespace secondvoice::pacing;
  const int days = argc > 1 ? std::atoi(argv[1]) : 3;
  // Optional: only the scenarios whose name contains this (a quick look while tuning).
  const std::string only = argc > 2 ? argv[2] : "";
  // Optional "oracles": also the pacers that know part of the future (slow).
  const bool partial = argc > 3 && std::string(argv[3]) == "oracles";
  std::cout << "simulated BDC shifts: 8 h a day for " << days
            << " days per scenario; talk share = talk / logged-in time; limit = T/(T+W)\n";
  std::cout << absl::StrFormat("%-32s %-15s %8s %7s %5s %6s %6s %6s %7s %7s %7s\n", "scenario",
                               "pacer", "calls", "answer", "aband", "limit", "talk", "ratio",
                               "aband%", "worst24", "wait_s");
  std::vector<std::string> json;
  for (const ShiftScenario& s : Scenarios(days)) {
    if (!absl::StrContains(s.name, only)) continue;
    PredictivePacer predictive;
    ProgressivePacer progressive;
    VicidialPacer vicidial;
    Clairvoyant oracle;
    const ShiftResult p = SimulateShift(s, predictive);
    const ShiftResult g = SimulateShift(s, progressive);
    const ShiftResult v = SimulateShift(s, vicidial);
    const ShiftResult o = SimulateShift(s, oracle);
    for (const ShiftResult* r : {&p, &g, &v, &o}) Row(s.name, *r);
    if (partial) {
      KnowsAgents knows_agents;
      KnowsAgentsSampled knows_agents_mc(0.02);
      KnowsPresent knows_present(0.02);
      for (Pacer* pacer : std::vector<Pacer*>{&knows_agents, &knows_agents_mc, &knows_present}) {
        Row(s.name, SimulateShift(s, *pacer));
        std::cout << std::flush;
      }
    }
    std::cout << std::flush;
    json.push_back(absl::StrFormat(
        "{\"name\":\"%s\",\"agents\":%d,\"answer_rate\":%.2f,\"limit\":%.4f,\"predictive\":%s,"
        "\"progressive\":%s,\"vicidial\":%s,\"oracle\":%s}",
        s.name, s.agents,
        s.carrier.drift ? static_cast<double>(g.answered) / std::max<int64_t>(1, g.calls)
                        : s.carrier.answer_rate,
        p.limit, Json(p), Json(g), Json(v), Json(o)));
  }
  std::cout << "{\"bench\":\"pacing\",\"scenarios\":[" << absl::StrJoin(json, ",") << "]}"
            << std::endl;
  return 0;
}
