// The telephony port: what the dialer asks of a carrier or PBX (place a call, put an answered
// call through to an agent, play the identifying message and hang up) and the events it gets
// back. A real carrier adapter implements this interface; the pacer never sees which one runs.
#ifndef SECONDVOICE_LIBS_TELEPHONY_TELEPHONY_H_
#define SECONDVOICE_LIBS_TELEPHONY_TELEPHONY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace secondvoice::telephony {

// Calls ring at least this long before the dialer gives up (FTC Telemarketing Sales Rule).
inline constexpr absl::Duration kMinRingTimeout = absl::Seconds(15);

// What the lead is, as far as a carrier model cares (a real carrier ignores it).
enum class LeadKind { kPassive, kFollowUp };

struct OriginateRequest {
  // Chosen by the dialer, unique among its calls; every event names it.
  std::string call_id;
  std::string to;         // E.164
  std::string caller_id;  // shown to the customer; required
  absl::Duration ring_timeout = absl::Seconds(25);
  // Hints for simulated carriers.
  LeadKind kind = LeadKind::kPassive;
  int attempt = 1;      // 1 for the lead's first call
  int local_hour = 12;  // the hour of day where the customer is
};

enum class EventKind {
  kRinging,
  kAnsweredPerson,   // a person said hello: put through to an agent within 2 s or abandon
  kAnsweredMachine,  // answering machine detected
  kBusy,
  kNoAnswer,  // rang out for the whole ring timeout
  kFailed,    // the network could not place it (bad number, congestion)
  kHangUp,    // the call ended (the customer hung up, or our HangUp took effect)
};

struct CallEvent {
  std::string call_id;
  EventKind kind = EventKind::kRinging;
  absl::Time at;
};

absl::string_view EventKindName(EventKind kind);

// Each call ends with exactly one of kBusy, kNoAnswer, kFailed or kHangUp; nothing follows it.
class Telephony {
 public:
  using EventSink = std::function<void(const CallEvent&)>;

  virtual ~Telephony() = default;

  // Where events go. Set once before the first call; it may be called from the carrier's thread.
  virtual void SetEventSink(EventSink sink) = 0;

  // Places a call. INVALID_ARGUMENT for a missing caller ID, a ring timeout under 15 s, or a
  // call id in use.
  [[nodiscard]] virtual absl::Status Originate(const OriginateRequest& request) = 0;

  // Puts an answered call through to the agent's line; the conversation starts.
  [[nodiscard]] virtual absl::Status Bridge(absl::string_view call_id,
                                            absl::string_view agent_id) = 0;

  // Plays `message` (the identifying message of an abandoned call, or a voicemail) and hangs up.
  [[nodiscard]] virtual absl::Status PlayAndHangUp(absl::string_view call_id,
                                                   absl::string_view message) = 0;

  // Ends the call from our side (cancel a ringing call, or the agent ends the conversation).
  [[nodiscard]] virtual absl::Status HangUp(absl::string_view call_id) = 0;
};

}  // namespace secondvoice::telephony

#endif  // SECONDVOICE_LIBS_TELEPHONY_TELEPHONY_H_
