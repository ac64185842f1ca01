// The simulated carrier: draws each call's fate, then plays it out on the event loop.
#include "libs/telephony/sim_carrier.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace secondvoice::telephony {
namespace {

// Terminal events: nothing follows them.
bool Ends(EventKind kind) {
  return kind == EventKind::kBusy || kind == EventKind::kNoAnswer || kind == EventKind::kFailed ||
         kind == EventKind::kHangUp;
}

// Every call gets an epoch no other call had, so a timer never acts on a later call that
// reused its id.
uint64_t NextEpoch() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(uint64_t{1} << 16);
}

// FNV-1a of the number, mixed with the attempt: the same in every process (absl::Hash is
// seeded per process), so seeded runs repeat across runs, not only within one.
uint64_t StableHash(absl::string_view to, int attempt) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : to) h = (h ^ c) * 0x100000001b3ULL;
  return Mix64(h ^ static_cast<uint64_t>(attempt));
}

}  // namespace

absl::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kRinging:
      return "ringing";
    case EventKind::kAnsweredPerson:
      return "answered_person";
    case EventKind::kAnsweredMachine:
      return "answered_machine";
    case EventKind::kBusy:
      return "busy";
    case EventKind::kNoAnswer:
      return "no_answer";
    case EventKind::kFailed:
      return "failed";
    case EventKind::kHangUp:
      return "hang_up";
  }
  return "unknown";
}

std::array<double, 24> CarrierProfile::DefaultHourFactors() {
  std::array<double, 24> f;
  f.fill(1.0);
  // Mornings people are at work; early evening is the best time to reach consumers.
  for (int h = 9; h < 12; ++h) f[h] = 0.85;
  for (int h = 12; h < 14; ++h) f[h] = 1.0;
  for (int h = 14; h < 17; ++h) f[h] = 0.9;
  for (int h = 17; h < 21; ++h) f[h] = 1.25;
  return f;
}

std::array<double, 24> CarrierProfile::FlatHours() {
  std::array<double, 24> f;
  f.fill(1.0);
  return f;
}

double AnswerProbability(const CarrierProfile& profile, const OriginateRequest& request,
                         absl::Time now) {
  double p = profile.answer_rate;
  if (request.kind == LeadKind::kFollowUp) p *= profile.follow_up_factor;
  p *= profile.hour_factor[std::clamp(request.local_hour, 0, 23)];
  double attempt = 1.0;
  for (int i = 1; i < request.attempt; ++i) attempt *= profile.attempt_decay;
  p *= std::max(attempt, profile.attempt_floor);
  if (profile.drift) p *= profile.drift(now);
  return std::clamp(p, 0.0, 0.95);
}

CallFate DrawFate(const CarrierProfile& profile, uint64_t seed, const OriginateRequest& request,
                  absl::Time now) {
  Random rng(Mix64(seed ^ StableHash(request.to, request.attempt)));
  CallFate fate;
  const double u = rng.Uniform();
  const double p = AnswerProbability(profile, request, now);
  // The other draws are made whatever the kind, so a changed probability changes only the kind.
  const absl::Duration person_ring = rng.Sample(profile.person_ring);
  const absl::Duration machine_ring = rng.Sample(profile.machine_ring);
  fate.talk = std::max(rng.Sample(profile.talk), absl::Seconds(5));
  fate.patience = rng.Sample(profile.patience);
  if (u < p) {
    fate.kind = CallFate::Kind::kPerson;
    fate.ring = person_ring;
  } else {
    // The rest of [p, 1) splits into machines, busy lines, failures and no answer.
    const double v = (u - p) / (1.0 - p);
    if (v < profile.machine_share) {
      fate.kind = CallFate::Kind::kMachine;
      fate.ring = machine_ring;
    } else if (v < profile.machine_share + profile.busy_share) {
      fate.kind = CallFate::Kind::kBusy;
    } else if (v < profile.machine_share + profile.busy_share + profile.failed_share) {
      fate.kind = CallFate::Kind::kFailed;
    } else {
      fate.kind = CallFate::Kind::kNoAnswer;
    }
  }
  // A phone still ringing when the dialer gives up was not answered.
  if ((fate.kind == CallFate::Kind::kPerson || fate.kind == CallFate::Kind::kMachine) &&
      profile.setup + fate.ring >= request.ring_timeout) {
    fate.kind = CallFate::Kind::kNoAnswer;
  }
  return fate;
}

SimulatedCarrier::SimulatedCarrier(EventLoop* loop, CarrierProfile profile, uint64_t seed)
    : loop_(loop), profile_(std::move(profile)), seed_(seed) {}

void SimulatedCarrier::SetEventSink(EventSink sink) {
  absl::MutexLock lock(&mu_);
  sink_ = std::move(sink);
}

int SimulatedCarrier::CallsInProgress() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(calls_.size());
}

void SimulatedCarrier::Schedule(const std::string& call_id, uint64_t epoch, absl::Duration delay,
                                EventKind kind, std::function<void(Call&)> on_fire) {
  loop_->After(delay, [this, call_id, epoch, kind, on_fire = std::move(on_fire)] {
    EventSink sink;
    {
      absl::MutexLock lock(&mu_);
      auto it = calls_.find(call_id);
      if (it == calls_.end() || it->second.epoch != epoch) return;  // moved on since
      if (on_fire) on_fire(it->second);
      if (Ends(kind)) calls_.erase(it);
      sink = sink_;
    }
    if (sink) sink(CallEvent{call_id, kind, loop_->Now()});
  });
}

absl::Status SimulatedCarrier::Originate(const OriginateRequest& request) {
  if (request.call_id.empty()) return absl::InvalidArgumentError("call_id: required");
  if (request.caller_id.empty()) {
    return absl::InvalidArgumentError("caller_id: required (caller ID must be shown)");
  }
  if (request.ring_timeout < kMinRingTimeout) {
    return absl::InvalidArgumentError(
        absl::StrCat("ring_timeout: at least ", absl::FormatDuration(kMinRingTimeout)));
  }
  const CallFate fate = DrawFate(profile_, seed_, request, loop_->Now());
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = calls_.try_emplace(request.call_id);
  if (!inserted) {
    return absl::InvalidArgumentError(absl::StrCat("call_id: ", request.call_id, " is in use"));
  }
  Call& call = it->second;
  call.fate = fate;
  call.epoch = NextEpoch();
  const std::string& id = request.call_id;
  const CarrierProfile& p = profile_;
  const uint64_t epoch = call.epoch;
  if (fate.kind != CallFate::Kind::kFailed) Schedule(id, epoch, p.setup, EventKind::kRinging);
  switch (fate.kind) {
    case CallFate::Kind::kFailed:
      Schedule(id, epoch, p.failed_after, EventKind::kFailed);
      break;
    case CallFate::Kind::kBusy:
      Schedule(id, epoch, p.busy_after, EventKind::kBusy);
      break;
    case CallFate::Kind::kNoAnswer:
      Schedule(id, epoch, request.ring_timeout, EventKind::kNoAnswer);
      break;
    case CallFate::Kind::kPerson:
      Schedule(id, epoch, p.setup + fate.ring, EventKind::kAnsweredPerson,
               [this, id](Call& c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                 c.state = State::kAnswered;
                 ++c.epoch;
                 // Nobody on the line: the customer hangs up after a while.
                 Schedule(id, c.epoch, c.fate.patience, EventKind::kHangUp);
               });
      break;
    case CallFate::Kind::kMachine:
      Schedule(id, epoch, p.setup + fate.ring + p.machine_detection, EventKind::kAnsweredMachine,
               [this, id](Call& c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                 c.state = State::kMachine;
                 ++c.epoch;
                 Schedule(id, c.epoch, profile_.machine_greeting, EventKind::kHangUp);
               });
      break;
  }
  return absl::OkStatus();
}

absl::Status SimulatedCarrier::Bridge(absl::string_view call_id, absl::string_view agent_id) {
  if (agent_id.empty()) return absl::InvalidArgumentError("agent_id: required");
  const std::string id(call_id);
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return absl::NotFoundError(absl::StrCat("call ", id, " has ended"));
  Call& call = it->second;
  if (call.state != State::kAnswered) {
    return absl::FailedPreconditionError(
        absl::StrCat("call ", id, " has no person waiting to be put through"));
  }
  call.state = State::kTalking;
  ++call.epoch;
  // The customer ends the conversation after their talk time, unless the agent does first.
  Schedule(id, call.epoch, call.fate.talk, EventKind::kHangUp);
  return absl::OkStatus();
}

absl::Status SimulatedCarrier::PlayAndHangUp(absl::string_view call_id, absl::string_view message) {
  const std::string id(call_id);
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return absl::NotFoundError(absl::StrCat("call ", id, " has ended"));
  Call& call = it->second;
  if (call.state == State::kRinging || call.state == State::kClosing) {
    return absl::FailedPreconditionError(absl::StrCat("call ", id, " is not answered"));
  }
  call.state = State::kClosing;
  ++call.epoch;
  // About 15 characters a second of speech, and at least a second.
  const absl::Duration length =
      std::max(absl::Seconds(1), absl::Seconds(static_cast<double>(message.size()) / 15.0));
  Schedule(id, call.epoch, length, EventKind::kHangUp);
  return absl::OkStatus();
}

absl::Status SimulatedCarrier::HangUp(absl::string_view call_id) {
  const std::string id(call_id);
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(id);
  if (it == calls_.end()) return absl::NotFoundError(absl::StrCat("call ", id, " has ended"));
  Call& call = it->second;
  if (call.state == State::kClosing) return absl::OkStatus();  // already on its way out
  call.state = State::kClosing;
  ++call.epoch;
  Schedule(id, call.epoch, absl::ZeroDuration(), EventKind::kHangUp);
  return absl::OkStatus();
}

}  // namespace secondvoice::telephony
