// The simulated carrier behind the telephony port: seeded, with answer probabilities by lead
// kind, hour of day and attempt number, ring-time and talk-time distributions, answering
// machines, busy lines and network failures. It runs on an EventLoop, so in virtual time a whole
// shift takes seconds and in real time it drives the demo.
//
// Each call's fate is drawn from the seed, the number called and the attempt number, not from
// the order calls are placed in: two pacers dialing the same leads meet the same customers
// (common random numbers), so their comparison is not noise.
#ifndef SECONDVOICE_LIBS_TELEPHONY_SIM_CARRIER_H_
#define SECONDVOICE_LIBS_TELEPHONY_SIM_CARRIER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/telephony/event_loop.h"
#include "libs/telephony/random.h"
#include "libs/telephony/telephony.h"

namespace secondvoice::telephony {

struct CarrierProfile {
  // The probability that a person answers the first call of a passive lead at a neutral hour.
  double answer_rate = 0.25;
  // Follow-up leads know the dealer: they pick up more often.
  double follow_up_factor = 1.3;
  // By the customer's local hour (people pick up more after work).
  std::array<double, 24> hour_factor = DefaultHourFactors();
  // Each earlier attempt makes an answer less likely, down to the floor.
  double attempt_decay = 0.9;
  double attempt_floor = 0.5;
  // A factor on the answer rate at a given instant (a day that drifts); empty: 1.
  std::function<double(absl::Time)> drift;

  // Of the calls no person answers: answering machines, busy lines, network failures; the rest
  // ring out.
  double machine_share = 0.25;
  double busy_share = 0.08;
  double failed_share = 0.03;

  LogNormal person_ring{absl::Seconds(7), 0.5};     // ringing until a person says hello
  LogNormal machine_ring{absl::Seconds(16), 0.25};  // machines pick up after 4-5 rings
  LogNormal talk{absl::Seconds(150), 0.6};
  // How long a customer who said hello waits in silence before hanging up.
  LogNormal patience{absl::Seconds(6), 0.5};
  // Wrap-up after a conversation: not the carrier's, but part of the same world; simulated
  // agents draw from it.
  LogNormal wrap{absl::Seconds(25), 0.35};

  absl::Duration setup = absl::Milliseconds(600);  // until kRinging
  absl::Duration busy_after = absl::Seconds(3);
  absl::Duration failed_after = absl::Seconds(1);
  absl::Duration machine_detection = absl::Milliseconds(2500);
  absl::Duration machine_greeting = absl::Seconds(30);

  static std::array<double, 24> DefaultHourFactors();
  // Every hour the same (benchmarks that set the answer rate exactly).
  static std::array<double, 24> FlatHours();
};

// What will happen to one call, drawn before it rings.
struct CallFate {
  enum class Kind { kPerson, kMachine, kBusy, kFailed, kNoAnswer };
  Kind kind = Kind::kNoAnswer;
  absl::Duration ring;      // until the answer (person or machine)
  absl::Duration talk;      // how long the customer talks once put through
  absl::Duration patience;  // how long they wait for an agent after hello
};

// The person-answer probability of this call at `now`, before ring-timeout losses.
double AnswerProbability(const CarrierProfile& profile, const OriginateRequest& request,
                         absl::Time now);
CallFate DrawFate(const CarrierProfile& profile, uint64_t seed, const OriginateRequest& request,
                  absl::Time now);

class SimulatedCarrier final : public Telephony {
 public:
  // `loop` must outlive the carrier.
  SimulatedCarrier(EventLoop* loop, CarrierProfile profile, uint64_t seed);

  void SetEventSink(EventSink sink) override;
  absl::Status Originate(const OriginateRequest& request) override;
  absl::Status Bridge(absl::string_view call_id, absl::string_view agent_id) override;
  absl::Status PlayAndHangUp(absl::string_view call_id, absl::string_view message) override;
  absl::Status HangUp(absl::string_view call_id) override;

  const CarrierProfile& profile() const { return profile_; }
  // Calls placed and not yet ended.
  int CallsInProgress();

 private:
  enum class State { kRinging, kAnswered, kMachine, kTalking, kClosing };
  struct Call {
    CallFate fate;
    State state = State::kRinging;
    // Bumped whenever the call changes state: a timer armed earlier sees it and does nothing.
    uint64_t epoch = 0;
  };

  // After `delay`, if the call is still in `epoch`: runs `on_fire` (under the lock), ends the
  // call if `kind` is terminal, and sends the event.
  void Schedule(const std::string& call_id, uint64_t epoch, absl::Duration delay, EventKind kind,
                std::function<void(Call&)> on_fire = nullptr);

  EventLoop* const loop_;
  const CarrierProfile profile_;
  const uint64_t seed_;
  absl::Mutex mu_;
  EventSink sink_;
  absl::flat_hash_map<std::string, Call> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace secondvoice::telephony

#endif  // SECONDVOICE_LIBS_TELEPHONY_SIM_CARRIER_H_
