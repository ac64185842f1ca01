// The virtual-time shift: agents take what the pacer places through the simulated carrier.
#include "libs/pacing/shift_sim.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "libs/telephony/event_loop.h"
#include "libs/telephony/random.h"

namespace secondvoice::pacing {
namespace {

using telephony::CallEvent;
using telephony::EventKind;

class Shift {
 public:
  Shift(const ShiftScenario& scenario, Pacer& pacer)
      : scenario_(scenario),
        pacer_(pacer),
        loop_(scenario.start),
        carrier_(&loop_, scenario.carrier, scenario.seed),
        agents_(scenario.agents),
        oracle_(dynamic_cast<OraclePacer*>(&pacer)) {
    carrier_.SetEventSink([this](const CallEvent& e) { OnEvent(e); });
  }

  ShiftResult Run() {
    for (int day = 0; day < scenario_.days; ++day) {
      const absl::Time begin = scenario_.start + absl::Hours(24) * day;
      end_ = begin + scenario_.shift;
      loop_.RunUntil(begin);
      for (Agent& a : agents_) {
        a.state = Agent::kReady;
        a.since = begin;
        a.logged_in_at = begin;
      }
      for (absl::Time t = begin; t < end_; t += scenario_.tick) {
        loop_.At(t, [this] { Pace(); });
      }
      // Let the last conversations and wrap-ups finish: agents log out once done; those
      // waiting for a call when the shift ended log out at its end.
      loop_.RunUntil(end_ + absl::Hours(2));
      for (Agent& a : agents_) {
        if (a.state != Agent::kOff) LogOut(a, end_);
      }
    }
    return Result();
  }

 private:
  struct Agent {
    enum State { kOff, kReady, kTalking, kWrap } state = kOff;
    absl::Time since;  // in this state
    absl::Time logged_in_at;
    std::string call;
    absl::Duration wrap;  // after the conversation in progress
    absl::Time free_at;   // once through talk and wrap-up (known to the oracle only)
  };

  // A placed call, from origination until it ends or is put through.
  struct Placed {
    int64_t lead;
    telephony::CallFate fate;
  };

  bool On() { return loop_.Now() < end_; }

  void Pace() {
    QueueView view;
    view.now = loop_.Now();
    for (const Agent& a : agents_) {
      switch (a.state) {
        case Agent::kReady:
          ++view.ready;
          break;
        case Agent::kTalking:
          view.talking.push_back(view.now - a.since);
          break;
        case Agent::kWrap:
          view.wrapping.push_back(view.now - a.since);
          break;
        case Agent::kOff:
          break;
      }
    }
    for (const auto& [id, at] : ringing_) view.ringing.push_back(view.now - at);
    view.waiting = static_cast<int>(waiting_.size());
    // Kept until the decision is made: the oracle reads it then.
    std::optional<Foresight> future;
    if (oracle_ != nullptr) oracle_->Foresee(future.emplace(Future()));
    const Decision d = pacer_.Decide(view, estimates_, ledger_);
    for (int i = 0; i < d.calls; ++i) Place();
  }

  telephony::OriginateRequest Request(int64_t lead) {
    telephony::OriginateRequest r;
    r.call_id = absl::StrFormat("c%d", lead);
    r.to = absl::StrFormat("+316%08d", lead);
    r.caller_id = "+31201234567";
    r.ring_timeout = scenario_.ring_timeout;
    r.kind = telephony::LeadKind::kPassive;
    r.local_hour = absl::ToCivilHour(loop_.Now(), absl::UTCTimeZone()).hour();
    return r;
  }

  // The carrier's own draw, repeated: the same seed, request and instant give the same fate.
  telephony::CallFate Fate(int64_t lead) {
    return telephony::DrawFate(scenario_.carrier, scenario_.seed, Request(lead), loop_.Now());
  }

  absl::Duration WrapOf(int64_t lead) const {
    telephony::Random rng(telephony::Mix64(scenario_.seed ^ 0x5157 ^ telephony::Mix64(lead)));
    return rng.Sample(scenario_.carrier.wrap);
  }

  void Place() {
    const int64_t lead = next_lead_++;
    const telephony::OriginateRequest r = Request(lead);
    if (carrier_.Originate(r).ok()) {
      ringing_[r.call_id] = loop_.Now();
      // The fate is the carrier's to know; only an oracle is told it.
      placed_[r.call_id] = Placed{lead, oracle_ != nullptr ? Fate(lead) : telephony::CallFate{}};
      ++calls_;
    }
  }

  Foresight::Answer AnswerOf(const telephony::CallFate& fate, absl::Time at, int64_t lead) const {
    return Foresight::Answer{at, at + std::min(kAbandonAfter, fate.patience),
                             fate.talk + WrapOf(lead)};
  }

  Foresight Future() {
    Foresight f;
    f.now = loop_.Now();
    for (const Agent& a : agents_) {
      switch (a.state) {
        case Agent::kReady:
          f.free_at.push_back(f.now);
          break;
        case Agent::kTalking:
        case Agent::kWrap:
          f.free_at.push_back(a.free_at);
          break;
        case Agent::kOff:
          break;
      }
    }
    for (const std::string& id : waiting_) {
      const Placed& p = placed_.at(id);
      f.answers.push_back(AnswerOf(p.fate, answered_when_.at(id), p.lead));
    }
    for (const auto& [id, at] : ringing_) {
      const Placed& p = placed_.at(id);
      if (p.fate.kind != telephony::CallFate::Kind::kPerson) continue;
      f.answers.push_back(AnswerOf(p.fate, at + scenario_.carrier.setup + p.fate.ring, p.lead));
    }
    std::sort(f.answers.begin(), f.answers.end(),
              [](const Foresight::Answer& a, const Foresight::Answer& b) { return a.at < b.at; });
    f.next = [this, now = f.now](int i) -> std::optional<Foresight::Answer> {
      const int64_t lead = next_lead_ + i;
      const telephony::CallFate fate = Fate(lead);
      if (fate.kind != telephony::CallFate::Kind::kPerson) return std::nullopt;
      return AnswerOf(fate, now + scenario_.carrier.setup + fate.ring, lead);
    };
    return f;
  }

  void Resolved(const std::string& id, bool person) {
    auto it = ringing_.find(id);
    if (it == ringing_.end()) return;
    estimates_.OnCallResolved(loop_.Now() - it->second, person);
    ringing_.erase(it);
    if (!person) placed_.erase(id);
  }

  Agent* LongestReady() {
    Agent* best = nullptr;
    for (Agent& a : agents_) {
      if (a.state == Agent::kReady && (best == nullptr || a.since < best->since)) best = &a;
    }
    return best;
  }

  void Connect(Agent& agent, const std::string& call) {
    if (!carrier_.Bridge(call, "agent").ok()) return;
    wait_s_ += absl::ToDoubleSeconds(loop_.Now() - agent.since);
    ++connects_;
    agent.state = Agent::kTalking;
    agent.since = loop_.Now();
    agent.call = call;
    if (auto it = placed_.find(call); it != placed_.end()) {
      agent.wrap = WrapOf(it->second.lead);
      agent.free_at = agent.since + it->second.fate.talk + agent.wrap;
      placed_.erase(it);
    }
    talking_[call] = &agent;
  }

  void OnEvent(const CallEvent& e) {
    const absl::Time now = loop_.Now();
    switch (e.kind) {
      case EventKind::kRinging:
        return;
      case EventKind::kAnsweredPerson: {
        Resolved(e.call_id, true);
        ++answered_;
        ledger_.OnAnswered(now);
        answered_at_.push_back(now);
        if (Agent* a = LongestReady()) {
          Connect(*a, e.call_id);
          return;
        }
        waiting_.push_back(e.call_id);
        answered_when_[e.call_id] = now;
        loop_.After(kAbandonAfter, [this, id = e.call_id] {
          auto it = std::find(waiting_.begin(), waiting_.end(), id);
          if (it == waiting_.end()) return;
          waiting_.erase(it);
          Abandon(id);
          (void)carrier_.PlayAndHangUp(id, "This was a call from the dealer; we will call back.");
        });
        return;
      }
      case EventKind::kAnsweredMachine:
        Resolved(e.call_id, false);
        (void)carrier_.HangUp(e.call_id);
        return;
      case EventKind::kBusy:
      case EventKind::kNoAnswer:
      case EventKind::kFailed:
        Resolved(e.call_id, false);
        return;
      case EventKind::kHangUp: {
        if (auto it = talking_.find(e.call_id); it != talking_.end()) {
          EndConversation(*it->second);
          talking_.erase(it);
          return;
        }
        // A customer who hung up before an agent came is abandoned too.
        if (auto it = std::find(waiting_.begin(), waiting_.end(), e.call_id);
            it != waiting_.end()) {
          waiting_.erase(it);
          Abandon(e.call_id);
        }
        return;
      }
    }
  }

  // Counted at the instant the customer answered, as the answer itself was, so that a window
  // never holds an abandon without its answer.
  void Abandon(const std::string& call) {
    placed_.erase(call);
    ++abandoned_;
    const absl::Time at = answered_when_[call];
    answered_when_.erase(call);
    ledger_.OnAbandoned(at);
    abandoned_at_.insert(std::upper_bound(abandoned_at_.begin(), abandoned_at_.end(), at), at);
  }

  void EndConversation(Agent& agent) {
    const absl::Time now = loop_.Now();
    const absl::Duration talk = now - agent.since;
    talk_s_ += absl::ToDoubleSeconds(talk);
    ++conversations_;
    estimates_.OnTalkEnded(talk);
    const absl::Duration wrap = agent.wrap;
    wrap_s_ += absl::ToDoubleSeconds(wrap);
    agent.state = Agent::kWrap;
    agent.since = now;
    agent.call.clear();
    loop_.After(wrap, [this, &agent, wrap] {
      estimates_.OnWrapEnded(wrap);
      if (!On()) {
        LogOut(agent, loop_.Now());
        return;
      }
      agent.state = Agent::kReady;
      agent.since = loop_.Now();
      if (!waiting_.empty()) {
        const std::string call = waiting_.front();
        waiting_.pop_front();
        Connect(agent, call);
      }
      Pace();
    });
  }

  void LogOut(Agent& agent, absl::Time at) {
    logged_in_s_ += absl::ToDoubleSeconds(std::max(at, end_) - agent.logged_in_at);
    agent.state = Agent::kOff;
  }

  ShiftResult Result() const {
    ShiftResult r;
    r.pacer = std::string(pacer_.name());
    r.calls = calls_;
    r.answered = answered_;
    r.abandoned = abandoned_;
    r.conversations = conversations_;
    r.talk_s = talk_s_;
    r.logged_in_s = logged_in_s_;
    if (conversations_ > 0) {
      r.mean_talk_s = talk_s_ / conversations_;
      r.mean_wrap_s = wrap_s_ / conversations_;
      r.limit = r.mean_talk_s / (r.mean_talk_s + r.mean_wrap_s);
    }
    if (logged_in_s_ > 0) r.talk_share = talk_s_ / logged_in_s_;
    if (r.limit > 0) r.ratio_to_limit = r.talk_share / r.limit;
    if (answered_ > 0) r.abandon_rate = static_cast<double>(abandoned_) / answered_;
    r.worst_24h_abandon =
        WorstWindowRate(answered_at_, abandoned_at_, absl::Hours(24), end_ + absl::Hours(2));
    if (connects_ > 0) r.mean_wait_s = wait_s_ / connects_;
    return r;
  }

  const ShiftScenario& scenario_;
  Pacer& pacer_;
  telephony::VirtualLoop loop_;
  telephony::SimulatedCarrier carrier_;
  std::vector<Agent> agents_;
  OraclePacer* const oracle_;  // when the pacer is shown the future
  Estimates estimates_;
  AbandonLedger ledger_;
  absl::Time end_;
  int64_t next_lead_ = 1;
  absl::flat_hash_map<std::string, absl::Time> ringing_;
  std::deque<std::string> waiting_;
  absl::flat_hash_map<std::string, Agent*> talking_;
  // Calls not yet put through or ended: their leads, and for an oracle their fates.
  absl::flat_hash_map<std::string, Placed> placed_;
  absl::flat_hash_map<std::string, absl::Time> answered_when_;  // of calls waiting for an agent
  std::vector<absl::Time> answered_at_, abandoned_at_;
  int64_t calls_ = 0, answered_ = 0, abandoned_ = 0, conversations_ = 0, connects_ = 0;
  double talk_s_ = 0, wrap_s_ = 0, wait_s_ = 0, logged_in_s_ = 0;
};

}  // namespace

double WorstWindowRate(const std::vector<absl::Time>& answered,
                       const std::vector<absl::Time>& abandoned, absl::Duration window,
                       absl::Time until) {
  // The ratio only rises when an abandon enters the window or an answer leaves it, so the
  // windows ending at each abandon and right after each answer leaves are the candidates
  // (those that end by `until`: later ones would judge days that were never dialed).
  std::vector<absl::Time> ends = abandoned;
  for (absl::Time a : answered) {
    if (a + window <= until) ends.push_back(a + window);
  }
  double worst = 0;
  auto count = [](const std::vector<absl::Time>& v, absl::Time from, absl::Time to) {
    // In (from, to].
    return std::upper_bound(v.begin(), v.end(), to) - std::upper_bound(v.begin(), v.end(), from);
  };
  for (absl::Time end : ends) {
    const auto n = count(answered, end - window, end);
    const auto k = count(abandoned, end - window, end);
    if (n > 0) worst = std::max(worst, static_cast<double>(k) / n);
  }
  return worst;
}

ShiftResult SimulateShift(const ShiftScenario& scenario, Pacer& pacer) {
  return Shift(scenario, pacer).Run();
}

}  // namespace secondvoice::pacing
