// The dialer's sessions, pacing and calls, all on one event loop.
#include "services/scheduler/dialer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/store/campaigns.h"
#include "libs/store/dealers.h"
#include "libs/store/dialing.h"
#include "libs/store/leads.h"
#include "services/scheduler/convert.h"

namespace secondvoice::scheduler {
namespace {

using domain::AttemptOutcome;
using telephony::EventKind;

bool InCall(v1::AgentState s) {
  return s == v1::AGENT_STATE_DIALING || s == v1::AGENT_STATE_TALKING;
}

v1::CallState CallStateOf(EventKind kind) {
  switch (kind) {
    case EventKind::kRinging:
      return v1::CALL_STATE_RINGING;
    case EventKind::kAnsweredPerson:
      return v1::CALL_STATE_ANSWERED_HUMAN;
    case EventKind::kAnsweredMachine:
      return v1::CALL_STATE_ANSWERED_MACHINE;
    case EventKind::kBusy:
      return v1::CALL_STATE_BUSY;
    case EventKind::kNoAnswer:
      return v1::CALL_STATE_NO_ANSWER;
    case EventKind::kFailed:
      return v1::CALL_STATE_FAILED;
    case EventKind::kHangUp:
      return v1::CALL_STATE_HUNG_UP;
  }
  return v1::CALL_STATE_UNSPECIFIED;
}

telephony::LeadKind CarrierKind(const store::ScheduledLead& lead) {
  return lead.kind == domain::LeadKind::kPassive ? telephony::LeadKind::kPassive
                                                 : telephony::LeadKind::kFollowUp;
}

}  // namespace

Dialer::Dialer(store::Pool* pool, scheduling::Scheduler* scheduler, WorkerPool* workers,
               telephony::EventLoop* loop, telephony::Telephony* phone, DialerOptions options)
    : pool_(pool),
      scheduler_(scheduler),
      workers_(workers),
      loop_(loop),
      phone_(phone),
      options_(std::move(options)),
      instance_(absl::StrFormat("%x", absl::ToUnixMicros(absl::Now()) & 0xffffffffff)) {}

Dialer::~Dialer() { Stop(); }

void Dialer::At(absl::Time at, std::function<void()> fn) {
  // After Stop, whatever is still queued on the loop finds the dialer gone and does nothing.
  loop_->At(at, [alive = alive_, fn = std::move(fn)] {
    if (*alive) fn();
  });
}

void Dialer::Post(std::function<void()> fn) { At(loop_->Now(), std::move(fn)); }

void Dialer::Start() {
  phone_->SetEventSink([this, alive = alive_](const telephony::CallEvent& e) {
    if (*alive) OnCallEvent(e);
  });
  absl::Notification started;
  Post([this, &started] {
    running_ = true;
    started.Notify();
    Tick();
  });
  started.WaitForNotification();
}

void Dialer::Stop() {
  if (stopped_.exchange(true)) return;
  absl::Notification stopped;
  Post([this, &stopped] {
    running_ = false;
    // Calls in progress end now; what this replica holds goes back to the queue at once
    // (a crash would give it back when the leases end).
    for (auto& [id, call] : calls_) {
      (void)phone_->HangUp(id);
      if (call.session.empty()) Release(call.claim, "dialer stopped", options_.owner);
    }
    for (auto& [id, s] : sessions_) {
      if (s->recording) {
        // A message sent: its record is on its way, and Stop waits for it below.
      } else if (s->state == v1::AGENT_STATE_OFFERED && s->claim) {
        Release(*s->claim, "dialer stopped", s->agent);
      } else if (s->claim) {
        Lose(*s);
      }
      s->claim.reset();
      RecordShift(*s, s->sink == nullptr ? s->disconnected_at : loop_->Now());
      s->sink = nullptr;
    }
    calls_.clear();
    waiting_.clear();
    stopped.Notify();
  });
  stopped.WaitForNotification();
  // Releases and records handed to the pool finish first; what they post back is dropped.
  while (in_flight_->load() > 0) absl::SleepFor(absl::Milliseconds(5));
  absl::Notification dead;
  Post([this, &dead] {
    *alive_ = false;
    dead.Notify();
  });
  dead.WaitForNotification();
}

// ---- Sessions ----

void Dialer::Login(const v1::AgentMessage::Login& login, Sink sink,
                   std::function<void(std::string)> on_session) {
  Post([this, login, sink = std::move(sink), cb = std::move(on_session)]() mutable {
    DoLogin(std::move(login), std::move(sink), std::move(cb));
  });
}

void Dialer::DoLogin(v1::AgentMessage::Login login, Sink sink,
                     std::function<void(std::string)> cb) {
  auto refuse = [&](int code, std::string message) {
    v1::AgentEvent e;
    e.mutable_error()->set_code(code);
    e.mutable_error()->set_message(std::move(message));
    sink(e);
    cb("");
  };
  if (!running_) return refuse(14, "the dialer is stopping; reconnect");
  if (login.agent_login().empty()) return refuse(3, "login.agent_login: required");
  if (!login.resume_session_id().empty()) {
    Session* s = FindSession(login.resume_session_id());
    if (s != nullptr && s->agent == login.agent_login()) {
      s->sink = std::move(sink);
      s->disconnected_at = absl::InfinitePast();
      v1::AgentEvent e;
      e.mutable_session_started()->set_session_id(s->id);
      e.mutable_session_started()->set_resumed(true);
      e.mutable_session_started()->set_state(s->state);
      Send(*s, e);
      cb(s->id);
      return;
    }
    // An expired or unknown session: a new one.
  }
  if (login.queue_ids().empty()) return refuse(3, "login.queue_ids: at least one queue");
  auto s = std::make_unique<Session>();
  s->id = absl::StrCat("s-", instance_, "-", next_id_++);
  s->agent = login.agent_login();
  s->queues.assign(login.queue_ids().begin(), login.queue_ids().end());
  s->sink = std::move(sink);
  s->state = v1::AGENT_STATE_PAUSED;
  s->since = loop_->Now();
  s->logged_in_at = s->since;
  Session& session = *s;
  sessions_[s->id] = std::move(s);
  for (const std::string& q : session.queues) LoadQueue(q);
  v1::AgentEvent e;
  e.mutable_session_started()->set_session_id(session.id);
  e.mutable_session_started()->set_state(session.state);
  Send(session, e);
  cb(session.id);
}

void Dialer::OnMessage(const std::string& session_id, const v1::AgentMessage& message) {
  Post([this, session_id, message] {
    Session* s = FindSession(session_id);
    if (s != nullptr) Handle(*s, message);
  });
}

void Dialer::Disconnected(const std::string& session_id) {
  Post([this, session_id] {
    Session* s = FindSession(session_id);
    if (s == nullptr || s->sink == nullptr) return;
    s->sink = nullptr;
    s->disconnected_at = loop_->Now();
    // An offered lead goes back at once; a call in progress is ended and recorded as agent-lost.
    // A wrap-up waits for the agent to come back (Tick ends it after the resume window), and a
    // message the agent said was sent is recorded all the same.
    if (s->state == v1::AGENT_STATE_OFFERED && s->claim && !s->recording) {
      Release(*s->claim, "agent disconnected", s->agent);
      s->claim.reset();
    } else if (InCall(s->state)) {
      Lose(*s);
    }
    if (s->state != v1::AGENT_STATE_WRAP_UP) s->state = v1::AGENT_STATE_PAUSED;
    for (const std::string& q : s->queues) {
      if (Queue* queue = QueueOf(q)) CallOff(*queue);
    }
  });
}

Dialer::Session* Dialer::FindSession(const std::string& id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Dialer::Send(Session& s, v1::AgentEvent e) {
  if (s.sink) s.sink(e);
}

void Dialer::Error(Session& s, int code, const std::string& message) {
  v1::AgentEvent e;
  e.mutable_error()->set_code(code);
  e.mutable_error()->set_message(message);
  Send(s, e);
}

void Dialer::SetState(Session& s, v1::AgentState state, const std::string& reason) {
  s.state = state;
  s.since = loop_->Now();
  v1::AgentEvent e;
  e.mutable_state_changed()->set_state(state);
  e.mutable_state_changed()->set_reason(reason);
  Send(s, e);
}

void Dialer::Handle(Session& s, const v1::AgentMessage& m) {
  switch (m.command_case()) {
    case v1::AgentMessage::kLogin:
      return Error(s, 9, "login: already logged in");
    case v1::AgentMessage::kSetAvailable:
      if (s.state != v1::AGENT_STATE_PAUSED && s.state != v1::AGENT_STATE_AVAILABLE) {
        return Error(s, 9, "set_available: only from PAUSED (finish the lead in hand first)");
      }
      return Available(s);
    case v1::AgentMessage::kPause:
      if (s.recording) return Error(s, 9, "pause: the message is being recorded");
      if (s.state == v1::AGENT_STATE_OFFERED && s.claim) {
        Release(*s.claim, "agent paused", s.agent);
        s.claim.reset();
      } else if (s.state != v1::AGENT_STATE_AVAILABLE && s.state != v1::AGENT_STATE_PAUSED) {
        return Error(s, 9, "pause: not during a call or wrap-up");
      }
      SetState(s, v1::AGENT_STATE_PAUSED, m.pause().reason());
      for (const std::string& q : s.queues) {
        if (Queue* queue = QueueOf(q)) CallOff(*queue);
      }
      return;
    case v1::AgentMessage::kDial:
      if (s.state != v1::AGENT_STATE_OFFERED || m.dial().offer_id() != s.offer_id) {
        return Error(s, 9, "dial: no such offer (it may have expired)");
      }
      if (s.claim->action == cadence::Action::kMessage) {
        return Error(s, 9,
                     "dial: the lead is due a message, not a call: send it and answer "
                     "message_sent (or skip)");
      }
      return DialFor(s, m.dial().route());
    case v1::AgentMessage::kMessageSent:
      if (s.state != v1::AGENT_STATE_OFFERED || m.message_sent().offer_id() != s.offer_id ||
          s.recording) {
        return Error(s, 9, "message_sent: no such offer (it may have expired)");
      }
      if (s.claim->action != cadence::Action::kMessage) {
        return Error(s, 9, "message_sent: the offered lead is due a call, not a message");
      }
      return RecordMessage(s, m.message_sent());
    case v1::AgentMessage::kSkip:
      if (s.state != v1::AGENT_STATE_OFFERED || m.skip().offer_id() != s.offer_id) {
        return Error(s, 9, "skip: no such offer (it may have expired)");
      }
      if (m.skip().reason().empty()) return Error(s, 3, "skip.reason: required");
      if (s.recording) return Error(s, 9, "skip: the message is being recorded");
      Release(*s.claim, absl::StrCat("skipped: ", m.skip().reason()), s.agent);
      s.claim.reset();
      return Available(s, "skipped");
    case v1::AgentMessage::kHangup:
      if (s.state != v1::AGENT_STATE_TALKING && s.state != v1::AGENT_STATE_DIALING) {
        return Error(s, 9, "hangup: no call in progress");
      }
      if (m.hangup().attempt_id() != s.attempt_id) return Error(s, 5, "hangup: no such attempt");
      (void)phone_->HangUp(s.call_id);
      return;
    case v1::AgentMessage::kOutcome:
      if (s.state != v1::AGENT_STATE_WRAP_UP || !s.outcome_pending) {
        return Error(s, 9, "outcome: no call waiting for its outcome");
      }
      if (m.outcome().attempt_id() != s.attempt_id) {
        return Error(s, 5,
                     absl::StrCat("outcome.attempt_id: ", m.outcome().attempt_id(),
                                  " is not the attempt in wrap-up (", s.attempt_id, ")"));
      }
      return RecordOutcome(s, m.outcome());
    case v1::AgentMessage::kLogout: {
      if (s.state == v1::AGENT_STATE_TALKING || s.state == v1::AGENT_STATE_WRAP_UP || s.recording) {
        return Error(s, 9, "logout: not during a conversation or wrap-up");
      }
      if (s.state == v1::AGENT_STATE_DIALING && calls_.count(s.call_id) > 0) {
        // Still ringing: the call is called off and the lead goes back unharmed.
        (void)phone_->HangUp(s.call_id);
        calls_.erase(s.call_id);
      }
      if (s.claim) Release(*s.claim, "agent logged out", s.agent);
      RecordShift(s, loop_->Now());
      const std::vector<std::string> queues = s.queues;
      sessions_.erase(std::string(s.id));  // `s` is gone now
      for (const std::string& q : queues) {
        if (Queue* queue = QueueOf(q)) CallOff(*queue);
      }
      return;
    }
    case v1::AgentMessage::COMMAND_NOT_SET:
      return Error(s, 3, "command: required");
  }
}

// ---- Queues and pacing ----

Dialer::Queue* Dialer::QueueOf(const std::string& id) {
  auto it = queues_.find(id);
  return it == queues_.end() || !it->second->loaded ? nullptr : it->second.get();
}

void Dialer::LoadQueue(const std::string& id) {
  auto& slot = queues_[id];
  if (slot == nullptr) {
    slot = std::make_unique<Queue>();
    slot->id = id;
  }
  if (slot->loaded || slot->loading) return;
  slot->loading = true;
  ++*in_flight_;
  const bool queued = workers_->TrySubmit([this, id, n = in_flight_] {
    struct Loaded {
      domain::Queue queue;
      std::vector<domain::Campaign> campaigns;
      std::vector<store::AnswerMinute> history;
    };
    Loaded l;
    absl::Status st = store::InTransaction(
        *pool_,
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(l.queue, store::GetQueue(conn, id));
          ASSIGN_OR_RETURN(l.campaigns, store::ListActiveCampaigns(conn, id));
          std::vector<int64_t> ids;
          for (const auto& c : l.campaigns) ids.push_back(c.id);
          ASSIGN_OR_RETURN(l.history,
                           store::AnswerHistory(conn, ids, absl::Now() - absl::Hours(24 * 30)));
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
    Post([this, id, st, l = std::move(l)] {
      Queue& q = *queues_[id];
      q.loading = false;
      if (!st.ok()) {
        SV_LOG(Warning) << "queue " << id << ": " << st;
        for (auto& [sid, s] : sessions_) {
          if (s->Works(id)) {
            Error(*s, static_cast<int>(st.code()), absl::StrCat("queue ", id, ": ", st.message()));
          }
        }
        return;
      }
      q.mode = l.queue.dialing_mode;
      q.pacer = q.mode == domain::DialingMode::kPredictive
                    ? std::unique_ptr<pacing::Pacer>(std::make_unique<pacing::PredictivePacer>())
                    : std::make_unique<pacing::ProgressivePacer>();
      for (const auto& c : l.campaigns) {
        q.caps[c.id] = c.abandon_cap_percent / 100.0;
        q.ledgers[c.id];
      }
      for (const auto& m : l.history)
        q.ledgers[m.campaign_id].Add(m.minute, m.answered, m.abandoned);
      q.loaded = true;
    });
    --*n;
  });
  if (!queued) {
    --*in_flight_;
    slot->loading = false;
  }
}

void Dialer::Tick() {
  if (!running_) return;
  const absl::Time now = loop_->Now();
  // Sessions: expired offers, lost wrap-ups, agents waiting for a lead.
  std::vector<std::string> gone;
  for (auto& [id, sp] : sessions_) {
    Session& s = *sp;
    if (s.sink == nullptr) {
      if (now - s.disconnected_at >= options_.resume_window) {
        if (s.state == v1::AGENT_STATE_WRAP_UP && s.outcome_pending) Lose(s);
        RecordShift(s, s.disconnected_at);
        gone.push_back(id);
      }
      continue;
    }
    if (s.state == v1::AGENT_STATE_OFFERED && now >= s.offer_deadline && s.claim && !s.recording) {
      Release(*s.claim, "offer expired", s.agent);
      s.claim.reset();
      SetState(s, v1::AGENT_STATE_PAUSED, "offer expired");
    }
    if (s.state == v1::AGENT_STATE_AVAILABLE && !s.fetching && now >= s.next_fetch) Fetch(s);
  }
  for (const std::string& id : gone) sessions_.erase(id);
  // Predictive queues.
  for (auto& [id, qp] : queues_) {
    Queue& q = *qp;
    if (!q.loaded) {
      LoadQueue(id);
      continue;
    }
    if (q.mode != domain::DialingMode::kPredictive) continue;
    pacing::QueueView view = ViewOf(id, now);
    for (int i = 0; i < q.claiming; ++i) view.ringing.push_back(absl::ZeroDuration());
    if (view.LoggedIn() == 0) {
      CallOff(q);
      continue;
    }
    // The campaign with the least room under its cap speaks for the queue.
    const pacing::AbandonLedger* tightest = nullptr;
    double least = 1e18;
    for (const auto& [cid, ledger] : q.ledgers) {
      const double room = ledger.Headroom(now, 0, q.caps[cid]);
      if (room < least) {
        least = room;
        tightest = &ledger;
      }
    }
    static const pacing::AbandonLedger kEmpty;
    q.last = q.pacer->Decide(view, q.estimates, tightest != nullptr ? *tightest : kEmpty);
    if (q.last.calls > 0) PlacePredictive(q, q.last.calls);
  }
  At(loop_->Now() + options_.tick, [this] { Tick(); });
}

pacing::QueueView Dialer::ViewOf(const std::string& queue, absl::Time now) const {
  pacing::QueueView view;
  view.now = now;
  for (const auto& [sid, sp] : sessions_) {
    const Session& s = *sp;
    if (s.sink == nullptr || !s.Works(queue)) continue;
    if (s.state == v1::AGENT_STATE_AVAILABLE) ++view.ready;
    if (s.state == v1::AGENT_STATE_TALKING) view.talking.push_back(now - s.talk_started);
    if (s.state == v1::AGENT_STATE_WRAP_UP) view.wrapping.push_back(now - s.call_ended);
  }
  for (const auto& [cid, c] : calls_) {
    if (c.queue != queue) continue;
    if (c.state == Call::kRinging) view.ringing.push_back(now - c.placed_at);
    if (c.state == Call::kWaiting) ++view.waiting;
  }
  return view;
}

void Dialer::CallOff(Queue& q) {
  if (q.mode != domain::DialingMode::kPredictive) return;
  const pacing::QueueView view = ViewOf(q.id, loop_->Now());
  const int ready = view.ready;
  const int agents = view.LoggedIn();
  // While the model paces, its abandon budget covers agents leaving; when it fell back to one
  // call per ready agent, or nobody is left, calls beyond the ready agents are called off (the
  // youngest first) and their leads go back unharmed rather than reach a customer nobody can
  // talk to.
  if (agents > 0 && q.last.mode == pacing::Mode::kPredictive) return;
  std::vector<std::pair<absl::Time, std::string>> ringing;
  for (const auto& [cid, c] : calls_) {
    if (c.queue == q.id && c.state == Call::kRinging && c.session.empty()) {
      ringing.emplace_back(c.placed_at, cid);
    }
  }
  std::sort(ringing.begin(), ringing.end(), std::greater<>());
  for (size_t i = 0; i + ready < ringing.size(); ++i) {
    const std::string& cid = ringing[i].second;
    (void)phone_->HangUp(cid);
    Release(calls_[cid].claim, "called off while ringing: no agent to take it", options_.owner);
    calls_.erase(cid);
  }
}

void Dialer::Fetch(Session& s) {
  // Predictive queues put calls through to whoever is free; the others claim one lead per agent,
  // due a call or a message. An agent of a predictive queue takes a message in a lull only:
  // when more agents are free than calls are on their way, so that no answered call misses them.
  std::vector<std::pair<std::string, scheduling::ClaimFilter>> claims;
  for (const std::string& q : s.queues) {
    Queue* queue = QueueOf(q);
    if (queue != nullptr && queue->mode != domain::DialingMode::kPredictive) {
      claims.emplace_back(q, scheduling::ClaimFilter::kAny);
    }
  }
  for (const std::string& q : s.queues) {
    Queue* queue = QueueOf(q);
    if (queue == nullptr || queue->mode != domain::DialingMode::kPredictive) continue;
    const pacing::QueueView view = ViewOf(q, loop_->Now());
    const size_t in_flight = view.ringing.size() + view.waiting + queue->claiming;
    if (in_flight < static_cast<size_t>(view.ready)) {
      claims.emplace_back(q, scheduling::ClaimFilter::kMessages);
    }
  }
  if (claims.empty()) {
    s.next_fetch = loop_->Now() + absl::Seconds(2);
    return;
  }
  s.fetching = true;
  ++*in_flight_;
  const bool queued =
      workers_->TrySubmit([this, id = s.id, agent = s.agent, claims, n = in_flight_] {
        std::optional<scheduling::Claim> claim;
        absl::Status st;
        for (const auto& [q, filter] : claims) {
          absl::StatusOr<std::vector<scheduling::Claim>> got =
              scheduler_->ClaimLeads(q, 1, options_.lease, absl::ZeroDuration(),
                                     absl::StrCat(options_.owner, "/", agent), filter);
          if (!got.ok()) {
            st = got.status();
            continue;
          }
          if (!got->empty()) {
            claim = std::move(got->front());
            break;
          }
        }
        auto story = std::make_shared<Story>();
        if (claim) {
          LoadStory(story, claim->lead.lead_id, nullptr);
        }
        Post([this, id, claim = std::move(claim), story, st]() mutable {
          Session* s = FindSession(id);
          if (s != nullptr) {
            s->fetching = false;
            if (!claim) s->next_fetch = loop_->Now() + absl::Seconds(2);
            if (!st.ok() && !claim) SV_LOG(Warning) << "claim for " << s->agent << ": " << st;
          }
          if (!claim) return;
          if (s == nullptr || s->sink == nullptr || s->state != v1::AGENT_STATE_AVAILABLE) {
            Release(*claim, "agent no longer available", options_.owner);
            return;
          }
          Offer(*s, std::move(*claim), story);
        });
        --*n;
      });
  if (!queued) {
    --*in_flight_;
    s.fetching = false;
  }
}

void Dialer::LoadStory(const std::shared_ptr<Story>& story, int64_t lead_id,
                       std::function<void()> then) {
  // Runs on a worker (the caller's), filling `story`.
  absl::Status st = store::InTransaction(
      *pool_,
      [&](store::PgConn& conn) -> absl::Status {
        ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(conn, lead_id));
        ASSIGN_OR_RETURN(std::vector<domain::Attempt> attempts, store::ListAttempts(conn, lead_id));
        ASSIGN_OR_RETURN(std::vector<domain::LeadEvent> events, store::ListEvents(conn, lead_id));
        v1::AgentEvent::LeadOffered& o = story->offer;
        ToProto(lead, o.mutable_lead());
        for (const auto& a : attempts) ToProto(a, o.add_history());
        for (const auto& e : events) ToProto(e, o.add_journey());
        // What the customer said, from every source: the attempts' notes and the lead's own.
        std::string said;
        for (const auto& a : attempts) {
          if (a.notes.empty()) continue;
          absl::StrAppend(&said,
                          absl::FormatTime("%Y-%m-%d %H:%M", a.started_at, absl::UTCTimeZone()),
                          " ", a.by, ": ", a.notes, "\n");
        }
        o.set_customer_said(said);
        return absl::OkStatus();
      },
      store::Access::kReadOnly);
  if (!st.ok()) SV_LOG(Warning) << "story of lead " << lead_id << ": " << st;
  story->ready = true;
  if (then) then();
}

void Dialer::Offer(Session& s, scheduling::Claim claim, std::shared_ptr<Story> story) {
  const bool message = claim.action == cadence::Action::kMessage;
  // A message is written by the agent: it waits for them like a preview offer.
  const bool preview = message || [&] {
    for (const std::string& id : s.queues) {
      Queue* queue = QueueOf(id);
      if (queue != nullptr && queue->mode == domain::DialingMode::kPreview) return true;
    }
    return false;
  }();
  s.claim = std::move(claim);
  s.story = story;
  s.offer_id = absl::StrCat("o-", instance_, "-", next_id_++);
  s.offer_deadline = preview ? loop_->Now() + options_.offer_timeout : loop_->Now();
  s.state = v1::AGENT_STATE_OFFERED;
  s.since = loop_->Now();
  v1::AgentEvent e;
  v1::AgentEvent::LeadOffered* o = e.mutable_lead_offered();
  *o = story->offer;
  o->set_offer_id(s.offer_id);
  o->set_offer_reason(s.claim->reason);
  ToProto(s.offer_deadline, o->mutable_deadline());
  o->set_auto_dial(!preview);
  o->set_action(message ? v1::CONTACT_ACTION_MESSAGE : v1::CONTACT_ACTION_CALL);
  o->set_route(s.claim->route);
  Send(s, e);
  // Progressive: the agent has the story on screen while the call rings.
  if (!preview) DialFor(s, "");
}

void Dialer::DialFor(Session& s, const std::string& route) {
  Call call;
  call.id = absl::StrCat("c-", instance_, "-", next_id_++);
  call.claim = *s.claim;
  if (!route.empty()) call.claim.route = route;
  call.story = s.story;
  call.session = s.id;
  for (const std::string& q : s.queues) {
    if (QueueOf(q) != nullptr) {
      call.queue = q;
      break;
    }
  }
  s.call_id = call.id;
  s.attempt_id = next_id_++;
  s.call_started = loop_->Now();
  s.connected = false;
  s.outcome_pending = false;
  SetState(s, v1::AGENT_STATE_DIALING);
  Originate(std::move(call));
}

void Dialer::PlacePredictive(Queue& q, int n) {
  q.claiming += n;
  ++*in_flight_;
  const bool queued = workers_->TrySubmit([this, id = q.id, n, in = in_flight_] {
    absl::StatusOr<std::vector<scheduling::Claim>> got =
        scheduler_->ClaimLeads(id, n, options_.lease, absl::ZeroDuration(), options_.owner,
                               scheduling::ClaimFilter::kCalls);
    std::vector<std::shared_ptr<Story>> stories;
    if (got.ok()) {
      for (size_t i = 0; i < got->size(); ++i) stories.push_back(std::make_shared<Story>());
    }
    Post([this, id, n, got, stories] {
      Queue* q = QueueOf(id);
      if (q != nullptr) q->claiming -= n;
      if (!got.ok()) {
        SV_LOG(Warning) << "predictive claim on " << id << ": " << got.status();
        return;
      }
      for (size_t i = 0; i < got->size(); ++i) {
        if (!running_) {
          Release((*got)[i], "dialer stopping", options_.owner);
          continue;
        }
        Call call;
        call.id = absl::StrCat("c-", instance_, "-", next_id_++);
        call.queue = id;
        call.claim = (*got)[i];
        call.story = stories[i];
        Originate(std::move(call));
      }
    });
    // The stories load while the calls ring; a connect before that waits for them.
    if (got.ok()) {
      for (size_t i = 0; i < got->size(); ++i) {
        const std::shared_ptr<Story> story = stories[i];
        LoadStory(story, (*got)[i].lead.lead_id, [this, story] {
          Post([this, story] {
            for (auto& [cid, c] : calls_) {
              if (c.story == story && c.state == Call::kTalking && !c.connected_sent) {
                Session* s = FindSession(c.session);
                if (s != nullptr) SendConnected(*s, c, /*with_story=*/true);
              }
            }
          });
        });
      }
    }
    --*in;
  });
  if (!queued) {
    --*in_flight_;
    q.claiming -= n;
  }
}

void Dialer::Originate(Call call) {
  telephony::OriginateRequest r;
  r.call_id = call.id;
  r.to = call.claim.route;
  r.caller_id = options_.caller_id;
  r.ring_timeout = options_.ring_timeout;
  r.kind = CarrierKind(call.claim.lead);
  r.attempt = call.claim.lead.progress.calls.attempts + 1;
  r.local_hour = absl::ToCivilHour(loop_->Now(), absl::LocalTimeZone()).hour();
  call.placed_at = loop_->Now();
  const std::string id = call.id;
  const std::string session = call.session;
  calls_[id] = std::move(call);
  if (absl::Status st = phone_->Originate(r); !st.ok()) {
    Call c = std::move(calls_[id]);
    calls_.erase(id);
    AutoRecord(c.claim, AttemptOutcome::kFailed, c.placed_at, options_.owner,
               absl::StrCat("could not place the call: ", st.message()));
    if (Session* s = FindSession(session)) {
      s->claim.reset();
      Available(*s, "call failed");
    }
  }
}

// ---- Calls ----

void Dialer::OnCallEvent(const telephony::CallEvent& e) {
  auto it = calls_.find(e.call_id);
  if (it == calls_.end()) return;
  Call& call = it->second;
  Queue* q = QueueOf(call.queue);
  Session* s = call.session.empty() ? nullptr : FindSession(call.session);
  if (s != nullptr && e.kind != EventKind::kHangUp) {
    v1::AgentEvent ev;
    ev.mutable_call_progress()->set_attempt_id(s->attempt_id);
    ev.mutable_call_progress()->set_state(CallStateOf(e.kind));
    ToProto(e.at, ev.mutable_call_progress()->mutable_at());
    Send(*s, ev);
  }
  const bool ringing = call.state == Call::kRinging;
  switch (e.kind) {
    case EventKind::kRinging:
      return;
    case EventKind::kAnsweredPerson: {
      call.state = Call::kWaiting;
      call.person = true;
      if (q != nullptr) {
        q->estimates.OnCallResolved(e.at - call.placed_at, true);
        q->ledgers[call.claim.lead.campaign_id].OnAnswered(e.at);
      }
      if (s == nullptr) s = LongestAvailable(call.queue);
      if (s != nullptr) return Connect(*s, call);
      // Nobody free: the customer waits up to 2 s, then hears the identifying message.
      waiting_.push_back(call.id);
      At(loop_->Now() + pacing::kAbandonAfter, [this, id = call.id] { Abandon(id); });
      return;
    }
    case EventKind::kAnsweredMachine:
    case EventKind::kBusy:
    case EventKind::kNoAnswer:
    case EventKind::kFailed: {
      if (q != nullptr && ringing) q->estimates.OnCallResolved(e.at - call.placed_at, false);
      const AttemptOutcome outcome = e.kind == EventKind::kAnsweredMachine
                                         ? AttemptOutcome::kVoicemail
                                     : e.kind == EventKind::kBusy     ? AttemptOutcome::kBusy
                                     : e.kind == EventKind::kNoAnswer ? AttemptOutcome::kNoAnswer
                                                                      : AttemptOutcome::kFailed;
      if (e.kind == EventKind::kAnsweredMachine) (void)phone_->HangUp(call.id);
      AutoRecord(call.claim, outcome, call.placed_at, s != nullptr ? s->agent : options_.owner, "");
      calls_.erase(it);
      if (s != nullptr) {
        s->claim.reset();
        s->call_id.clear();
        Available(*s, std::string(telephony::EventKindName(e.kind)));
      }
      return;
    }
    case EventKind::kHangUp: {
      if (call.state == Call::kTalking && s != nullptr && s->call_id == call.id) {
        calls_.erase(it);
        return EndTalk(*s);
      }
      if (call.state == Call::kWaiting) {
        // Hung up before an agent came: abandoned.
        return Abandon(call.id);
      }
      if (call.state == Call::kRinging) {
        // We hung up a ringing call (agent lost, stop): recorded where that was decided.
      }
      calls_.erase(it);
      return;
    }
  }
}

Dialer::Session* Dialer::LongestAvailable(const std::string& queue) {
  Session* best = nullptr;
  for (auto& [id, sp] : sessions_) {
    Session& s = *sp;
    if (s.sink == nullptr || s.state != v1::AGENT_STATE_AVAILABLE) continue;
    if (!s.Works(queue)) continue;
    if (best == nullptr || s.since < best->since) best = &s;
  }
  return best;
}

void Dialer::Connect(Session& s, Call& call) {
  if (absl::Status st = phone_->Bridge(call.id, s.agent); !st.ok()) {
    SV_LOG(Warning) << "bridge " << call.id << ": " << st;
    return;
  }
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), call.id), waiting_.end());
  const bool offered = call.session == s.id;  // preview/progressive: the story went first
  call.session = s.id;
  call.state = Call::kTalking;
  if (!offered) {
    s.claim = call.claim;
    s.story = call.story;
    s.call_id = call.id;
    s.attempt_id = next_id_++;
    s.call_started = call.placed_at;
  }
  s.connected = true;
  s.talk_started = loop_->Now();
  SetState(s, v1::AGENT_STATE_TALKING);
  if (offered || call.story->ready.load()) SendConnected(s, call, !offered);
  // The conversation may run long: the lease must outlast it and the wrap-up.
  const scheduling::Claim claim = call.claim;
  ++*in_flight_;
  if (!workers_->TrySubmit([this, claim, n = in_flight_] {
        (void)scheduler_->ExtendLease(claim.lead.lead_id, claim.lease_token, options_.lease);
        --*n;
      })) {
    --*in_flight_;
  }
}

void Dialer::SendConnected(Session& s, Call& call, bool with_story) {
  if (call.connected_sent) return;
  call.connected_sent = true;
  v1::AgentEvent e;
  v1::AgentEvent::CallConnected* c = e.mutable_call_connected();
  c->set_attempt_id(s.attempt_id);
  *c->mutable_lead() = call.story->offer.lead();
  if (with_story) {
    *c->mutable_history() = call.story->offer.history();
    *c->mutable_journey() = call.story->offer.journey();
    c->set_customer_said(call.story->offer.customer_said());
    *c->mutable_statements() = call.story->offer.statements();
  }
  Send(s, e);
}

void Dialer::RecordShift(const Session& s, absl::Time end) {
  ++*in_flight_;
  if (!workers_->TrySubmit(
          [this, agent = s.agent, from = s.logged_in_at, end, talk = s.talk, n = in_flight_] {
            if (absl::Status st = scheduler_->RecordAgentShift(agent, from, end, talk); !st.ok()) {
              SV_LOG(Warning) << "agent " << agent << ": session time not recorded: " << st;
            }
            --*n;
          })) {
    --*in_flight_;
  }
}

void Dialer::EndTalk(Session& s) {
  const absl::Time now = loop_->Now();
  s.talk += now - s.talk_started;
  for (const std::string& qid : s.queues) {
    if (Queue* q = QueueOf(qid)) q->estimates.OnTalkEnded(now - s.talk_started);
  }
  s.call_ended = now;
  s.outcome_pending = true;
  SetState(s, v1::AGENT_STATE_WRAP_UP, "call ended");
}

void Dialer::Abandon(const std::string& call_id) {
  auto w = std::find(waiting_.begin(), waiting_.end(), call_id);
  if (w == waiting_.end()) return;  // taken by an agent meanwhile
  waiting_.erase(w);
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  Call call = std::move(it->second);
  calls_.erase(it);
  if (Queue* q = QueueOf(call.queue)) {
    q->ledgers[call.claim.lead.campaign_id].OnAbandoned(loop_->Now());
  }
  (void)phone_->PlayAndHangUp(call_id, options_.abandon_message);
  // The cadence locks the lead out for 72 h after an abandoned call.
  AutoRecord(call.claim, AttemptOutcome::kAbandoned, call.placed_at, options_.owner,
             "no agent free within 2 s; identifying message played");
}

void Dialer::Available(Session& s, const std::string& reason) {
  s.claim.reset();
  s.recording = false;
  s.story.reset();
  s.call_id.clear();
  s.outcome_pending = false;
  s.connected = false;
  SetState(s, v1::AGENT_STATE_AVAILABLE, reason);
  if (s.sink == nullptr) return;  // gone meanwhile: nothing for it until it comes back
  // A customer already waiting goes to the first agent who comes free.
  for (const std::string& id : waiting_) {
    auto it = calls_.find(id);
    if (it == calls_.end()) continue;
    if (s.Works(it->second.queue)) {
      Connect(s, it->second);
      return;
    }
  }
  s.next_fetch = loop_->Now();
  if (!s.fetching) Fetch(s);
}

void Dialer::Lose(Session& s) {
  // The desktop is gone: the call ends, the attempt is recorded as agent-lost and the lead is
  // rescheduled by the cadence.
  if (!s.call_id.empty() && calls_.count(s.call_id) > 0) {
    (void)phone_->HangUp(s.call_id);
    calls_.erase(s.call_id);
  }
  if (s.claim) {
    AutoRecord(*s.claim, AttemptOutcome::kAgentLost, s.call_started, s.agent,
               "the agent's session was lost before the outcome was recorded");
  }
  s.claim.reset();
  s.story.reset();
  s.call_id.clear();
  s.outcome_pending = false;
  s.state = v1::AGENT_STATE_PAUSED;
}

// ---- Recording ----

void Dialer::AutoRecord(const scheduling::Claim& claim, AttemptOutcome outcome, absl::Time started,
                        const std::string& by, const std::string& notes) {
  scheduling::AttemptInput a;
  a.lead_id = claim.lead.lead_id;
  a.lease_token = claim.lease_token;
  a.channel = domain::Channel::kPhone;
  a.route = claim.route;
  a.outcome = outcome;
  a.started_at = started;
  a.ended_at = loop_->Now();
  a.notes = notes;
  a.by = by;
  ++*in_flight_;
  if (!workers_->TrySubmit([this, a, n = in_flight_] {
        absl::StatusOr<scheduling::AttemptResult> r = scheduler_->RecordAttempt(a);
        if (!r.ok()) SV_LOG(Warning) << "attempt on lead " << a.lead_id << ": " << r.status();
        --*n;
      })) {
    --*in_flight_;
    SV_LOG(Warning) << "attempt on lead " << a.lead_id << " not recorded: server busy";
  }
}

void Dialer::RecordOutcome(Session& s, const v1::AgentMessage::Outcome& o) {
  const std::optional<AttemptOutcome> known = Dom(o.outcome(), AttemptOutcome::kFailed);
  if (!known) return Error(s, 3, "outcome.outcome: required");
  const AttemptOutcome outcome = *known;
  if (outcome == AttemptOutcome::kAbandoned || outcome == AttemptOutcome::kAgentLost ||
      outcome == AttemptOutcome::kEmailSent || outcome == AttemptOutcome::kSmsSent) {
    return Error(s, 3, "outcome.outcome: not an outcome an agent reports for a call");
  }
  if (outcome == AttemptOutcome::kCallbackRequested && !o.has_callback_at()) {
    return Error(s, 3, "outcome.callback_at: required for a callback");
  }
  if (outcome == AttemptOutcome::kNotInterested && o.not_interested_reason().empty()) {
    return Error(s, 3, "outcome.not_interested_reason: required");
  }
  if (outcome == AttemptOutcome::kDialogueNoAppointment && o.dialogue_reason().empty()) {
    return Error(s, 3, "outcome.dialogue_reason: required");
  }
  if (outcome == AttemptOutcome::kAppointmentSet && !o.has_appointment()) {
    return Error(s, 3, "outcome.appointment: required when an appointment was set");
  }
  scheduling::AttemptInput a;
  a.lead_id = s.claim->lead.lead_id;
  a.lease_token = s.claim->lease_token;
  a.route = s.claim->route;
  a.outcome = outcome;
  a.started_at = s.call_started;
  a.ended_at = s.call_ended;
  a.by = s.agent;
  a.notes = o.notes();
  for (const std::string* extra : {&o.not_interested_reason(), &o.dialogue_reason()}) {
    if (!extra->empty()) a.notes = a.notes.empty() ? *extra : absl::StrCat(*extra, "; ", a.notes);
  }
  if (o.has_callback_at()) a.callback_at = FromProto(o.callback_at());
  if (o.has_appointment()) {
    absl::StatusOr<handover::Appointment> appointment =
        FromProto(o.appointment(), "outcome.appointment");
    if (!appointment.ok()) return Error(s, 3, std::string(appointment.status().message()));
    a.appointment = *std::move(appointment);
  }
  a.statements = FromProto(o.statements(), &a.vehicles);
  const absl::Duration wrap = loop_->Now() - s.call_ended;
  for (const std::string& qid : s.queues) {
    if (Queue* q = QueueOf(qid)) q->estimates.OnWrapEnded(wrap);
  }
  s.outcome_pending = false;
  Submit(s, std::move(a));
}

void Dialer::RecordMessage(Session& s, const v1::AgentMessage::MessageSent& m) {
  const scheduling::Claim& claim = *s.claim;
  scheduling::AttemptInput a;
  a.lead_id = claim.lead.lead_id;
  a.lease_token = claim.lease_token;
  a.route = claim.route;
  // The offered route says which kind of message it was: e-mail, or SMS to a mobile number
  // (chat counts as a text message too).
  a.channel = domain::Channel::kSms;
  for (const store::RouteFact& r : claim.lead.routes) {
    if (r.value != claim.route) continue;
    if (r.channel == domain::Channel::kEmail || r.channel == domain::Channel::kChat) {
      a.channel = r.channel;
    }
    break;
  }
  a.outcome =
      a.channel == domain::Channel::kEmail ? AttemptOutcome::kEmailSent : AttemptOutcome::kSmsSent;
  a.started_at = s.since;
  a.ended_at = loop_->Now();
  a.by = s.agent;
  a.notes = m.notes();
  s.attempt_id = next_id_++;
  s.recording = true;
  Submit(s, std::move(a));
}

void Dialer::Submit(Session& s, scheduling::AttemptInput a) {
  const int64_t attempt = s.attempt_id;
  const bool message = s.recording;
  ++*in_flight_;
  const bool queued = workers_->TrySubmit([this, a, attempt, message, id = s.id, n = in_flight_] {
    absl::StatusOr<scheduling::AttemptResult> r = scheduler_->RecordAttempt(a);
    Post([this, r, attempt, message, id] {
      Session* s = FindSession(id);
      if (s == nullptr) return;
      if (!r.ok()) {
        // Nothing is lost: the agent may send the outcome (or message_sent) again.
        Retry(*s, message);
        return Error(*s, static_cast<int>(r.status().code()),
                     absl::StrCat(message ? "message_sent: " : "outcome: ", r.status().message()));
      }
      s->recording = false;
      v1::AgentEvent e;
      v1::AgentEvent::OutcomeRecorded* rec = e.mutable_outcome_recorded();
      rec->set_attempt_id(attempt);
      rec->set_lead_status(Pb<v1::LeadStatus>(r->status));
      rec->set_handover_id(r->handover_id);
      if (r->next_contact_at) ToProto(*r->next_contact_at, rec->mutable_next_contact_at());
      Send(*s, e);
      Available(*s);
    });
    --*n;
  });
  if (!queued) {
    --*in_flight_;
    Retry(s, message);
    Error(s, 8, absl::StrCat(message ? "message_sent" : "outcome", ": server busy, send it again"));
  }
}

void Dialer::Retry(Session& s, bool message) {
  if (message) {
    s.recording = false;
    s.offer_deadline = loop_->Now() + options_.offer_timeout;
  } else {
    s.outcome_pending = true;
  }
}

void Dialer::Release(const scheduling::Claim& claim, const std::string& reason,
                     const std::string& actor) {
  ++*in_flight_;
  if (!workers_->TrySubmit([this, claim, reason, actor, n = in_flight_] {
        absl::Status st = scheduler_->Release(claim.lead.lead_id, claim.lease_token, reason, actor);
        if (!st.ok()) SV_LOG(Warning) << "release lead " << claim.lead.lead_id << ": " << st;
        --*n;
      })) {
    --*in_flight_;  // the lease ends by itself
  }
}

// ---- Status ----

absl::StatusOr<v1::QueueStatus> Dialer::Status(const std::string& queue_id) {
  // The queue's configuration and counts come from the database; the live figures from the loop.
  std::vector<domain::Campaign> campaigns;
  domain::Queue queue;
  int64_t ready = 0;
  RETURN_IF_ERROR(store::InTransaction(
      *pool_,
      [&](store::PgConn& conn) -> absl::Status {
        ASSIGN_OR_RETURN(queue, store::GetQueue(conn, queue_id));
        ASSIGN_OR_RETURN(campaigns, store::ListActiveCampaigns(conn, queue_id));
        std::vector<int64_t> ids;
        for (const auto& c : campaigns) ids.push_back(c.id);
        ASSIGN_OR_RETURN(ready, store::CountDue(conn, ids, absl::Now(), 1000000));
        return absl::OkStatus();
      },
      store::Access::kReadOnly));
  v1::QueueStatus out;
  absl::Notification done;
  Post([&] {
    const absl::Time now = loop_->Now();
    out.set_queue_id(queue_id);
    out.set_configured_mode(Pb<v1::DialingMode>(queue.dialing_mode));
    out.set_dialing_mode(Pb<v1::DialingMode>(queue.dialing_mode));
    out.set_leads_ready(ready);
    ToProto(now, out.mutable_computed_at());
    v1::PacingEstimates* est = out.mutable_estimates();
    const pacing::QueueView view = ViewOf(queue_id, now);
    est->set_agents_available(view.ready);
    est->set_agents_talking(static_cast<int>(view.talking.size()));
    est->set_agents_wrap_up(static_cast<int>(view.wrapping.size()));
    int in_flight = 0;
    for (const auto& [cid, c] : calls_) in_flight += c.queue == queue_id;
    out.set_calls_in_flight(in_flight);
    double cap = 1.0;
    pacing::AbandonFigures day, month;
    auto it = queues_.find(queue_id);
    const Queue* q = it == queues_.end() || !it->second->loaded ? nullptr : it->second.get();
    for (const auto& c : campaigns) {
      v1::CampaignAbandonRate* r = out.add_campaigns();
      r->set_campaign_id(c.id);
      r->set_abandon_cap_percent(c.abandon_cap_percent);
      cap = std::min(cap, c.abandon_cap_percent / 100);
      if (q == nullptr) continue;
      auto l = q->ledgers.find(c.id);
      if (l == q->ledgers.end()) continue;
      const pacing::AbandonFigures d = l->second.Last24h(now), m = l->second.Last30d(now);
      r->set_abandon_rate_24h_percent(100 * d.Rate());
      r->set_abandon_rate_30d_percent(100 * m.Rate());
      day.answered += d.answered;
      day.abandoned += d.abandoned;
      month.answered += m.answered;
      month.abandoned += m.abandoned;
    }
    out.set_abandon_cap_percent(100 * cap);
    out.set_abandon_rate_24h_percent(100 * day.Rate());
    out.set_abandon_rate_30d_percent(100 * month.Rate());
    out.set_dial_level(1.0);
    if (q != nullptr) {
      est->set_answer_probability(q->estimates.AnswerRate());
      est->set_mean_ring_seconds(absl::ToDoubleSeconds(q->estimates.MeanAnswerRing()));
      est->set_mean_handle_seconds(
          absl::ToDoubleSeconds(q->estimates.MeanTalk() + q->estimates.MeanWrap()));
      est->set_sample_calls(q->estimates.calls());
      if (q->mode == domain::DialingMode::kPredictive) {
        out.set_dial_level(q->last.dial_level);
        if (q->last.mode != pacing::Mode::kPredictive) {
          out.set_dialing_mode(v1::DIALING_MODE_PROGRESSIVE);
        }
        if (q->last.mode != pacing::Mode::kPredictive) out.set_fallback_reason(q->last.why);
        out.set_decision(q->last.why);
      }
    }
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

}  // namespace secondvoice::scheduler
