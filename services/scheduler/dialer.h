// The dialer: agents' sessions on their queues, calls placed through the telephony port at the
// pace of each queue's mode (preview, progressive, predictive), outcomes recorded into the
// lead's cadence. All of its state lives on one event loop (the carrier's events arrive there
// too), so it needs no locks; database work runs on the worker pool and posts its result back.
// Leads are held under the scheduler's leases: a crashed daemon's leads return by themselves.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_DIALER_H_
#define SECONDVOICE_SERVICES_SCHEDULER_DIALER_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/common/worker_pool.h"
#include "libs/domain/types.h"
#include "libs/pacing/abandon_ledger.h"
#include "libs/pacing/estimates.h"
#include "libs/pacing/pacer.h"
#include "libs/scheduling/scheduler.h"
#include "libs/store/pool.h"
#include "libs/telephony/event_loop.h"
#include "libs/telephony/telephony.h"
#include "secondvoice/v1/agent_service.pb.h"

namespace secondvoice::scheduler {

struct DialerOptions {
  // Shown to every customer called (a caller ID is required).
  std::string caller_id = "+31201234567";
  absl::Duration ring_timeout = absl::Seconds(25);
  absl::Duration lease = absl::Minutes(15);
  // A preview offer not dialed by then goes back to the queue and the agent is paused.
  absl::Duration offer_timeout = absl::Seconds(90);
  // A dropped session waits this long for its agent to come back before what it held is
  // recorded as agent-lost.
  absl::Duration resume_window = absl::Minutes(2);
  absl::Duration tick = absl::Seconds(1);
  // Lease owner of this replica.
  std::string owner = "dialer";
  // Played to a customer no agent could take within 2 s.
  std::string abandon_message =
      "Goedendag, u werd gebeld door de BDC van uw dealer. We bellen u later terug.";
};

class Dialer {
 public:
  using Sink = std::function<void(const v1::AgentEvent&)>;

  // `loop` runs every callback of `phone`'s events; all must outlive the dialer.
  Dialer(store::Pool* pool, scheduling::Scheduler* scheduler, WorkerPool* workers,
         telephony::EventLoop* loop, telephony::Telephony* phone, DialerOptions options);
  ~Dialer();
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  // Starts pacing; Stop hangs up, gives back what this replica holds, and stops.
  void Start();
  void Stop();

  // From an agent's stream (any thread; never blocks on the database). Login's reply
  // (SessionStarted or Error) goes to `sink`, like everything after it; `on_session` learns the
  // session id (empty when the login was refused).
  void Login(const v1::AgentMessage::Login& login, Sink sink,
             std::function<void(std::string)> on_session);
  void OnMessage(const std::string& session_id, const v1::AgentMessage& message);
  // The stream ended: the session keeps its wrap-up for the resume window.
  void Disconnected(const std::string& session_id);

  absl::StatusOr<v1::QueueStatus> Status(const std::string& queue_id);

 private:
  struct Story {
    // Set by the worker that loaded it, after `offer` is filled.
    std::atomic<bool> ready{false};
    v1::AgentEvent::LeadOffered offer;  // lead, history, journey, statements
  };
  struct Call;
  struct Session {
    std::string id;
    std::string agent;
    std::vector<std::string> queues;
    Sink sink;  // empty while disconnected
    absl::Time disconnected_at = absl::InfinitePast();
    v1::AgentState state = v1::AGENT_STATE_PAUSED;
    absl::Time since;
    // For the funnel's talk share.
    absl::Time logged_in_at;
    absl::Duration talk;
    bool fetching = false;  // a claim for this agent is on its way
    absl::Time next_fetch = absl::InfinitePast();
    // The lead in hand (offered, being called, talked to or wrapped up).
    std::optional<scheduling::Claim> claim;
    std::shared_ptr<Story> story;
    std::string offer_id;
    absl::Time offer_deadline;
    std::string call_id;
    int64_t attempt_id = 0;
    absl::Time call_started;
    absl::Time talk_started;
    absl::Time call_ended;
    bool connected = false;
    bool outcome_pending = false;
    // A message sent from an offer is on its way to the database.
    bool recording = false;
    bool Works(const std::string& queue) const {
      return std::find(queues.begin(), queues.end(), queue) != queues.end();
    }
  };
  struct Call {
    std::string id;
    std::string queue;
    scheduling::Claim claim;
    std::shared_ptr<Story> story;
    absl::Time placed_at;
    std::string session;  // the agent, reserved (preview, progressive) or put through
    enum State { kRinging, kWaiting, kTalking, kClosing } state = kRinging;
    bool person = false;
    bool connected_sent = false;
  };
  struct Queue {
    std::string id;
    domain::DialingMode mode = domain::DialingMode::kProgressive;
    std::unique_ptr<pacing::Pacer> pacer;
    pacing::Estimates estimates;
    std::map<int64_t, pacing::AbandonLedger> ledgers;  // per campaign
    std::map<int64_t, double> caps;                    // per campaign, 0..1
    pacing::Decision last;
    int claiming = 0;  // predictive claims on their way
    bool loaded = false;
    bool loading = false;
  };

  // On the loop.
  void At(absl::Time at, std::function<void()> fn);
  void Post(std::function<void()> fn);
  void Tick();
  void DoLogin(v1::AgentMessage::Login login, Sink sink, std::function<void(std::string)> cb);
  void Handle(Session& s, const v1::AgentMessage& m);
  void Send(Session& s, v1::AgentEvent e);
  void Error(Session& s, int code, const std::string& message);
  void SetState(Session& s, v1::AgentState state, const std::string& reason = "");
  Queue* QueueOf(const std::string& id);
  void LoadQueue(const std::string& id);
  // The queue as the pacer sees it: connected agents by state, calls ringing and waiting.
  pacing::QueueView ViewOf(const std::string& queue, absl::Time now) const;
  // Calls off ringing predictive calls that no agent will be there to take.
  void CallOff(Queue& q);
  void Fetch(Session& s);
  void Offer(Session& s, scheduling::Claim claim, std::shared_ptr<Story> story);
  void DialFor(Session& s, const std::string& route);
  void PlacePredictive(Queue& q, int n);
  void Originate(Call call);
  void OnCallEvent(const telephony::CallEvent& e);
  void Connect(Session& s, Call& call);
  void SendConnected(Session& s, Call& call, bool with_story);
  // Hands the session's logged-in and talk time to the database (it is ending at `end`).
  void RecordShift(const Session& s, absl::Time end);
  void EndTalk(Session& s);
  Session* LongestAvailable(const std::string& queue);
  void Available(Session& s, const std::string& reason = "");
  void Abandon(const std::string& call_id);
  // Records an attempt without an agent's outcome (no answer, busy, machine, abandoned, agent
  // lost) and lets the lead go.
  void AutoRecord(const scheduling::Claim& claim, domain::AttemptOutcome outcome,
                  absl::Time started, const std::string& by, const std::string& notes);
  void RecordOutcome(Session& s, const v1::AgentMessage::Outcome& o);
  void RecordMessage(Session& s, const v1::AgentMessage::MessageSent& m);
  // Records the session's attempt (an outcome in wrap-up, or a message sent) and reports it.
  void Submit(Session& s, scheduling::AttemptInput a);
  // After a recording that failed: the agent may send it again.
  void Retry(Session& s, bool message);
  void Release(const scheduling::Claim& claim, const std::string& reason, const std::string& actor);
  void LoadStory(const std::shared_ptr<Story>& story, int64_t lead_id, std::function<void()> then);
  void Lose(Session& s);
  Session* FindSession(const std::string& id);

  store::Pool* const pool_;
  scheduling::Scheduler* const scheduler_;
  WorkerPool* const workers_;
  telephony::EventLoop* const loop_;
  telephony::Telephony* const phone_;
  const DialerOptions options_;

  std::atomic<bool> stopped_{false};
  // Loop-only state.
  bool running_ = false;
  int64_t next_id_ = 1;
  std::string instance_;  // makes ids unique across restarts
  absl::flat_hash_map<std::string, std::unique_ptr<Session>> sessions_;
  absl::flat_hash_map<std::string, std::unique_ptr<Queue>> queues_;
  absl::flat_hash_map<std::string, Call> calls_;
  std::deque<std::string> waiting_;  // answered calls no agent has taken yet, oldest first
  // False once stopped: callbacks still queued on the loop do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // Work handed to the pool and not back yet; Stop waits for it.
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_DIALER_H_
