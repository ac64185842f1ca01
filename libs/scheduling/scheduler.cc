// The scheduling engine; see scheduler.h.
#include "libs/scheduling/scheduler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/calendar/weekly_hours.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/store/campaigns.h"
#include "libs/store/dealers.h"
#include "libs/store/follow_ups.h"
#include "libs/store/handovers.h"
#include "libs/store/imports.h"
#include "libs/store/leads.h"
#include "libs/store/reports.h"

namespace secondvoice::scheduling {
namespace {

using cadence::Action;

// An empty probe whose bucket still has due rows (locked by another claimer, or at a dealer
// whose window is closed) is looked at again after this long.
constexpr absl::Duration kBusyRetry = absl::Milliseconds(200);
// Ineligible leads one claim lets go of before it gives the probe up for now.
constexpr int kMaxRejections = 32;

absl::string_view ActionName(Action action) {
  switch (action) {
    case Action::kCall:
      return "call";
    case Action::kMessage:
      return "message";
    case Action::kNone:
      break;
  }
  return "none";
}

absl::StatusOr<cadence::CampaignRules> BuildRules(const domain::Campaign& c,
                                                  const domain::Dealer& d) {
  cadence::CampaignRules rules;
  rules.state = c.state;
  rules.starts_at = c.starts_at;
  rules.ends_at = c.ends_at;
  rules.policy = c.marketing_policy;
  rules.existing_customer_months = c.existing_customer_months;
  rules.cadence = c.cadence;
  const std::string& hours = c.calling_hours.empty() ? d.opening_hours : c.calling_hours;
  ASSIGN_OR_RETURN(rules.window.hours, calendar::ParseWeeklyHours(hours));
  ASSIGN_OR_RETURN(rules.window.holidays, calendar::HolidayCalendar::Parse(d.holidays));
  if (!absl::LoadTimeZone(d.time_zone, &rules.window.tz)) {
    return absl::InternalError(absl::StrCat("dealer ", d.id, ": unknown time zone ", d.time_zone));
  }
  return rules;
}

cadence::LeadState StateOf(const store::ScheduledLead& s, absl::Time now, bool with_lease) {
  cadence::LeadState st;
  st.status = s.status;
  st.origin = s.origin;
  st.consent = s.consent;
  st.reach = store::ReachOf(s, &st.suppressed_routes, &st.has_usable_route);
  st.progress = s.progress;
  st.callback_at = s.callback_at;
  if (with_lease && !s.lease_owner.empty() && s.lease_until && *s.lease_until > now) {
    st.lease_until = s.lease_until;
    st.lease_owner = s.lease_owner;
  }
  return st;
}

// The lead's claim class when its next contact is `action`.
int RankFor(const store::ScheduledLead& s, Action action) {
  const bool contacted = s.progress.calls.attempts + s.progress.messages.attempts > 0;
  return static_cast<int>(cadence::RankOf(s.origin, s.callback_at.has_value(), contacted, action));
}

// The schedule row after a verdict that did not allow a contact now.
void ApplyVerdict(const cadence::Verdict& v, absl::Time now, store::ScheduledLead& s) {
  s.due_at = v.next_at > now ? v.next_at : now + absl::Minutes(1);
  s.rank = RankFor(s, v.action);
  s.action = std::string(ActionName(v.action));
  s.blocked = v.blocks.empty() ? "" : std::string(cadence::BlockName(v.blocks.front()));
  s.reason = v.blocks.empty() ? v.reason : absl::StrJoin(v.explanations, "; ");
}

// The schedule row planned from the lead's progress (after an attempt or a callback).
void ApplyPlan(const cadence::CampaignRules& rules, absl::Time now, store::ScheduledLead& s) {
  const cadence::Reach reach = store::ReachOf(s);
  const cadence::NextContact next =
      cadence::PlanNext(s.progress, rules.cadence, reach, rules.window, s.callback_at, now);
  s.rank = RankFor(s, next.action);
  s.action = std::string(ActionName(next.action));
  s.reason = next.reason;
  s.blocked = next.action == Action::kNone ? "cadence_done" : "";
  s.due_at = next.at;
}

domain::LeadEvent Event(int64_t lead_id, absl::Time at, absl::string_view type,
                        absl::string_view actor, std::string summary) {
  return domain::LeadEvent{.id = 0,
                           .lead_id = lead_id,
                           .at = at,
                           .type = std::string(type),
                           .actor = std::string(actor),
                           .summary = std::move(summary),
                           .details_json = "{}"};
}

std::string PageToken(const store::ScheduledLead& s) {
  return absl::StrCat(s.dealer_id, "|", s.rank, "|", absl::ToUnixMicros(s.due_at), "|", s.lead_id);
}

}  // namespace

std::string LocalText(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M %Z", t, tz);
}

Scheduler::Scheduler(store::Pool* pool, Options options)
    : pool_(pool),
      options_(std::move(options)),
      let_go_thread_([this] { RunLetGo(); }),
      claim_gate_(options_.claim_concurrency) {}

Scheduler::~Scheduler() {
  {
    absl::MutexLock lock(&let_go_mu_);
    let_go_stop_ = true;
  }
  let_go_thread_.join();
}

void Scheduler::LetGo(store::ScheduledLead lead) {
  absl::MutexLock lock(&let_go_mu_);
  let_go_.push_back(std::move(lead));
}

void Scheduler::RunLetGo() {
  for (;;) {
    std::vector<store::ScheduledLead> batch;
    {
      absl::MutexLock lock(&let_go_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(let_go_mu_) {
        return let_go_stop_ || !let_go_.empty();
      };
      let_go_mu_.Await(absl::Condition(&ready));
      if (let_go_.empty()) return;  // stopping, and nothing left
      batch.swap(let_go_);
    }
    absl::StatusOr<store::Pool::Lease> conn = pool_->Acquire();
    for (const store::ScheduledLead& lead : batch) {
      absl::Status status =
          conn.ok() ? store::Reschedule(**conn, lead, lead.lease_token) : conn.status();
      // Someone else holds it by now (FAILED_PRECONDITION), or the database is away: either
      // way the lease ends by itself and a later claim looks at the lead again.
      if (!status.ok() && !absl::IsFailedPrecondition(status)) {
        SV_LOG(Warning) << "lead " << lead.lead_id
                        << " stays leased until its lease ends: " << status;
      }
    }
  }
}

void Scheduler::OnNotify(absl::string_view payload) {
  absl::MutexLock lock(&mu_);
  int64_t campaign = 0;
  const bool one = absl::SimpleAtoi(payload, &campaign);
  for (auto& [id, q] : queues_) {
    if (!one) {
      q->stale = true;
      continue;
    }
    for (Bucket& b : q->buckets) {
      if (b.campaign_id == campaign) b.hint.fill(absl::InfinitePast());
    }
    if (auto it = q->priority_hint.find(campaign); it != q->priority_hint.end()) {
      it->second.fill(absl::InfinitePast());
    }
  }
  ++generation_;
  wake_.SignalAll();
}

void Scheduler::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  ++generation_;
  wake_.SignalAll();
}

absl::StatusOr<cadence::CampaignRules> Scheduler::RulesFor(store::PgConn& conn, int64_t campaign_id,
                                                           absl::string_view dealer_id) {
  ASSIGN_OR_RETURN(domain::Campaign campaign, store::GetCampaign(conn, campaign_id));
  ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, dealer_id));
  return BuildRules(campaign, dealer);
}

absl::StatusOr<std::shared_ptr<Scheduler::QueueState>> Scheduler::LoadQueue(
    absl::string_view queue_id, absl::Time now) {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  RETURN_IF_ERROR(store::GetQueue(*conn, queue_id).status());
  ASSIGN_OR_RETURN(std::vector<domain::Campaign> campaigns,
                   store::ListActiveCampaigns(*conn, queue_id));
  std::vector<std::string> dealer_ids;
  for (const domain::Campaign& c : campaigns) {
    dealer_ids.insert(dealer_ids.end(), c.dealer_ids.begin(), c.dealer_ids.end());
  }
  std::sort(dealer_ids.begin(), dealer_ids.end());
  dealer_ids.erase(std::unique(dealer_ids.begin(), dealer_ids.end()), dealer_ids.end());
  absl::flat_hash_map<std::string, domain::Dealer> dealers;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<domain::Dealer> page,
                     store::ListDealers(*conn, after, 1000, dealer_ids));
    for (domain::Dealer& d : page) {
      after = d.id;
      dealers.emplace(d.id, std::move(d));
    }
    if (page.size() < 1000) break;
  }
  auto q = std::make_shared<QueueState>();
  q->loaded_at = now;
  for (const domain::Campaign& c : campaigns) {
    q->campaigns.push_back(c.id);
    std::array<absl::Time, 3> hints;
    hints.fill(absl::InfinitePast());
    q->priority_hint[c.id] = hints;
    for (const std::string& dealer_id : c.dealer_ids) {
      auto it = dealers.find(dealer_id);
      if (it == dealers.end()) continue;
      ASSIGN_OR_RETURN(cadence::CampaignRules rules, BuildRules(c, it->second));
      Bucket b;
      b.campaign_id = c.id;
      b.dealer_id = dealer_id;
      b.rules = std::move(rules);
      b.hint.fill(absl::InfinitePast());
      q->index[{c.id, dealer_id}] = q->buckets.size();
      q->buckets.push_back(std::move(b));
    }
  }
  absl::flat_hash_map<std::string, size_t> dealer_slot;
  for (size_t i = 0; i < q->buckets.size(); ++i) {
    auto [it, added] = dealer_slot.emplace(q->buckets[i].dealer_id, q->by_dealer.size());
    if (added) q->by_dealer.emplace_back();
    q->by_dealer[it->second].push_back(i);
  }
  return q;
}

absl::StatusOr<std::shared_ptr<Scheduler::QueueState>> Scheduler::Queue(absl::string_view queue_id,
                                                                        absl::Time now) {
  std::shared_ptr<QueueState> current;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = queues_.find(queue_id);
    if (it != queues_.end()) {
      current = it->second;
      if (!current->stale && now - current->loaded_at < options_.config_ttl) return current;
    }
  }
  if (current != nullptr) {
    absl::MutexLock lock(&mu_);
    if (current->reloading) return current;
    current->reloading = true;
  }
  absl::StatusOr<std::shared_ptr<QueueState>> q = LoadQueue(queue_id, now);
  absl::MutexLock lock(&mu_);
  if (!q.ok()) {
    if (current != nullptr) current->reloading = false;
    return q.status();
  }
  if (current != nullptr && !current->stale) {
    // A reload because the settings aged: what the hints say about due times still holds (a
    // change to the schedule sends a NOTIFY that resets them), so the claimers do not probe
    // every empty bucket again at once.
    for (Bucket& b : (*q)->buckets) {
      auto it = current->index.find(std::make_pair(b.campaign_id, b.dealer_id));
      if (it != current->index.end()) b.hint = current->buckets[it->second].hint;
    }
    for (auto& [campaign, hints] : (*q)->priority_hint) {
      auto it = current->priority_hint.find(campaign);
      if (it != current->priority_hint.end()) hints = it->second;
    }
  }
  queues_[std::string(queue_id)] = *q;
  return *q;
}

bool Scheduler::OpenNow(Bucket& b, absl::Time now) {
  if (now < b.closed_until) return false;
  if (now < b.open_until) return true;
  if (calendar::IsOpen(b.rules.window, now)) {
    b.open_until = calendar::CloseAfter(b.rules.window, now);
    return true;
  }
  b.closed_until = calendar::NextOpen(b.rules.window, now);
  return false;
}

absl::StatusOr<Scheduler::Took> Scheduler::TakeOne(QueueState& q, const store::ClaimProbe& probe,
                                                   std::vector<Claim>& out, ClaimFilter filter) {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  for (int rejected = 0; rejected < kMaxRejections; ++rejected) {
    ASSIGN_OR_RETURN(std::optional<store::ScheduledLead> lead, store::ClaimOne(*conn, probe));
    if (!lead) return Took::kEmpty;
    auto it = q.index.find(std::make_pair(lead->campaign_id, lead->dealer_id));
    if (it == q.index.end()) {
      // The dealer left the campaign since this replica read it: look again later.
      lead->due_at = probe.now + cadence::kRecheck;
      lead->blocked = "campaign_inactive";
      lead->reason = "the dealer is not (or no longer) in the campaign";
      LetGo(*std::move(lead));
      continue;
    }
    // The bucket's campaign is active: only active campaigns are probed.
    const cadence::CampaignRules& rules = q.buckets[it->second].rules;
    const cadence::Verdict verdict =
        cadence::Evaluate(StateOf(*lead, probe.now, false), rules, probe.now);
    const bool wanted = filter == ClaimFilter::kAny ||
                        (filter == ClaimFilter::kCalls) == (verdict.action == Action::kCall);
    if (verdict.eligible && !wanted) {
      // Due, but for the other kind of claimer (the row's class was set before the lead's
      // routes or progress said otherwise): into the class it belongs to, due now.
      lead->due_at = probe.now;
      lead->rank = RankFor(*lead, verdict.action);
      lead->action = std::string(ActionName(verdict.action));
      lead->blocked.clear();
      lead->reason = verdict.reason;
      LetGo(*std::move(lead));
      continue;
    }
    if (verdict.eligible) {
      Claim claim;
      claim.action = verdict.action;
      claim.route = store::RouteFor(*lead, verdict.action);
      claim.reason = verdict.reason;
      claim.lease_token = lead->lease_token;
      claim.lease_until = probe.lease_until;
      claim.lead = std::move(*lead);
      out.push_back(std::move(claim));
      return Took::kClaimed;
    }
    ApplyVerdict(verdict, probe.now, *lead);
    LetGo(*std::move(lead));
  }
  return Took::kClaimed;  // not empty: more ineligible leads may follow; look again next time
}

absl::StatusOr<std::optional<absl::Time>> Scheduler::HintAfterEmpty(
    const store::ClaimProbe& probe) {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  store::ClaimProbe all = probe;
  all.dealers.clear();  // the earliest of every dealer: one may open before the hint
  ASSIGN_OR_RETURN(std::optional<absl::Time> next, store::NextDue(*conn, all));
  if (!next) return absl::InfiniteFuture();
  return *next > probe.now ? *next : probe.now + kBusyRetry;
}

absl::StatusOr<std::vector<Claim>> Scheduler::ClaimLeads(absl::string_view queue_id, int max,
                                                         absl::Duration lease, absl::Duration wait,
                                                         absl::string_view owner,
                                                         ClaimFilter filter) {
  const absl::Time deadline = options_.now() + wait;
  for (;;) {
    // A few claims at work at once, the rest in line: on shared cores that keeps the latency of
    // each claim close to the statement's own, where 32 claimers all at work queue up unevenly.
    FifoGate::Pass turn = claim_gate_.Enter();
    uint64_t generation;
    {
      absl::ReaderMutexLock lock(&mu_);
      generation = generation_;
    }
    const absl::Time now = options_.now();
    ASSIGN_OR_RETURN(std::shared_ptr<QueueState> q, Queue(queue_id, now));
    std::vector<Claim> out;
    store::ClaimProbe probe;
    probe.now = now;
    probe.lease_until = now + lease;
    probe.owner = std::string(owner);
    const size_t want = static_cast<size_t>(std::max(max, 1));

    // Callbacks, then CRM follow-ups, across each campaign's dealers, by due time. Hints say
    // which classes have nothing due (usually all of them), looked at under one lock.
    std::vector<store::ClaimProbe> priority;
    bool any_priority = false;
    {
      absl::ReaderMutexLock lock(&mu_);
      for (const auto& [campaign, hints] : q->priority_hint) {
        for (absl::Time hint : hints) any_priority |= hint <= now;
      }
    }
    if (any_priority && filter != ClaimFilter::kMessages) {
      absl::MutexLock lock(&mu_);
      for (int rank = 0; rank < 3; ++rank) {
        for (int64_t campaign : q->campaigns) {
          if (q->priority_hint[campaign][rank] > now) continue;
          store::ClaimProbe p = probe;
          p.campaign_id = campaign;
          p.rank = rank;
          if (rank > 0) {  // callbacks keep the customer's time; the rest keep the window
            for (Bucket& b : q->buckets) {
              if (b.campaign_id == campaign && OpenNow(b, now)) p.dealers.push_back(b.dealer_id);
            }
            if (p.dealers.empty()) continue;
          }
          priority.push_back(std::move(p));
        }
      }
    }
    for (const store::ClaimProbe& p : priority) {
      while (out.size() < want) {
        ASSIGN_OR_RETURN(Took took, TakeOne(*q, p, out, filter));
        if (took == Took::kClaimed) continue;
        ASSIGN_OR_RETURN(std::optional<absl::Time> hint, HintAfterEmpty(p));
        absl::MutexLock lock(&mu_);
        q->priority_hint[p.campaign_id][p.rank] = *hint;
        break;
      }
    }
    // List leads, then leads due a message: one lead per dealer in turn, from a start that
    // rotates with every claim, so that dealers sharing the queue get their fair share.
    const size_t n = q->by_dealer.size();
    const int first_rank = filter == ClaimFilter::kMessages
                               ? static_cast<int>(cadence::Rank::kMessage)
                               : static_cast<int>(cadence::Rank::kListNew);
    const int end_rank =
        filter == ClaimFilter::kCalls ? static_cast<int>(cadence::Rank::kMessage) : cadence::kRanks;
    for (int rank = first_rank; rank < end_rank && out.size() < want && n > 0; ++rank) {
      const uint64_t start = q->cursor.fetch_add(1, std::memory_order_relaxed);
      bool took_any = true;
      while (took_any && out.size() < want) {
        took_any = false;
        for (size_t i = 0; i < n && out.size() < want; ++i) {
          for (size_t index : q->by_dealer[(start + i) % n]) {
            Bucket& b = q->buckets[index];
            int open = -1;  // unknown: the cached window edge has passed
            {
              absl::ReaderMutexLock lock(&mu_);
              if (b.hint[rank] > now) continue;
              if (now < b.open_until) open = 1;
              if (now < b.closed_until) open = 0;
            }
            if (open < 0) {
              absl::MutexLock lock(&mu_);
              open = OpenNow(b, now) ? 1 : 0;
            }
            if (open == 0) continue;
            probe.campaign_id = b.campaign_id;
            probe.dealer_id = b.dealer_id;
            probe.dealers.clear();
            probe.rank = rank;
            ASSIGN_OR_RETURN(Took took, TakeOne(*q, probe, out, filter));
            if (took == Took::kClaimed) {
              took_any = true;
              break;  // the next dealer's turn
            }
            ASSIGN_OR_RETURN(std::optional<absl::Time> hint, HintAfterEmpty(probe));
            absl::MutexLock lock(&mu_);
            b.hint[rank] = *hint;
          }
        }
      }
    }
    if (!out.empty() || now >= deadline) return out;

    // Nothing due: sleep until a NOTIFY, the earliest hint, a window opening, or the deadline,
    // out of the line.
    turn.Leave();
    absl::MutexLock lock(&mu_);
    absl::Time wake_at = std::min(deadline, now + options_.max_idle_wait);
    for (const Bucket& b : q->buckets) {
      for (absl::Time h : b.hint) {
        if (h > now) wake_at = std::min(wake_at, h);
      }
      if (b.closed_until > now) wake_at = std::min(wake_at, b.closed_until);
    }
    for (const auto& [c, hints] : q->priority_hint) {
      for (absl::Time h : hints) {
        if (h > now) wake_at = std::min(wake_at, h);
      }
    }
    if (stopped_) return out;
    while (generation_ == generation && absl::Now() < wake_at) {
      wake_.WaitWithDeadline(&mu_, wake_at);
    }
  }
}

absl::Status Scheduler::Release(int64_t lead_id, int64_t lease_token, absl::string_view reason,
                                absl::string_view actor) {
  const absl::Time now = options_.now();
  return store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    ASSIGN_OR_RETURN(store::ScheduledLead s, store::LoadScheduled(conn, lead_id, true));
    if (s.lease_token != lease_token || s.lease_owner.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("lead ", lead_id, ": the lease has passed to another claimer"));
    }
    s.due_at = now;
    s.blocked.clear();
    RETURN_IF_ERROR(store::Reschedule(conn, s, lease_token));
    RETURN_IF_ERROR(store::AppendEvent(conn, Event(lead_id, now, "lead.released", actor,
                                                   absl::StrCat("given back: ", reason)))
                        .status());
    return store::NotifySchedule(conn, absl::StrCat(s.campaign_id));
  });
}

absl::Status Scheduler::RecordAgentShift(const std::string& agent, absl::Time started,
                                         absl::Time ended, absl::Duration talk) {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  return store::RecordAgentShift(*conn, agent, started, std::max(started, ended),
                                 absl::ToDoubleSeconds(talk));
}

absl::StatusOr<absl::Time> Scheduler::ExtendLease(int64_t lead_id, int64_t lease_token,
                                                  absl::Duration lease) {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  return store::ExtendLease(*conn, lead_id, lease_token, options_.now() + lease);
}

absl::StatusOr<AttemptResult> Scheduler::RecordAttempt(const AttemptInput& a) {
  using domain::AttemptOutcome;
  using domain::Channel;
  const bool message_outcome =
      a.outcome == AttemptOutcome::kEmailSent || a.outcome == AttemptOutcome::kSmsSent;
  if ((a.channel == Channel::kPhone) == message_outcome) {
    return absl::InvalidArgumentError(absl::StrCat("outcome: ", domain::Name(a.outcome),
                                                   " does not go with channel ",
                                                   domain::Name(a.channel)));
  }
  if (a.outcome == AttemptOutcome::kCallbackRequested && !a.callback_at) {
    return absl::InvalidArgumentError("callback_at: required for a requested callback");
  }
  if (a.outcome == AttemptOutcome::kAppointmentSet && !a.appointment) {
    return absl::InvalidArgumentError("appointment: required when an appointment was set");
  }
  const absl::Time now = options_.now();
  AttemptResult result;
  // A retry of a stored attempt: the first try's answer, as the lead stands now.
  auto replay = [&](store::PgConn& conn) -> absl::StatusOr<bool> {
    if (a.idempotency_key.empty()) return false;
    ASSIGN_OR_RETURN(std::optional<store::RecordedAttempt> earlier,
                     store::FindAttemptByKey(conn, a.lead_id, a.idempotency_key));
    if (!earlier) return false;
    result = AttemptResult{.attempt_id = earlier->attempt_id,
                           .status = earlier->lead_status,
                           .next_contact_at = earlier->due_at,
                           .next_reason = earlier->reason,
                           .handover_id = earlier->handover_id,
                           .replayed = true};
    if (result.next_contact_at == absl::InfiniteFuture()) result.next_contact_at.reset();
    return true;
  };
  RETURN_IF_ERROR(store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    ASSIGN_OR_RETURN(bool replayed, replay(conn));
    if (replayed) return absl::OkStatus();
    absl::StatusOr<store::ScheduledLead> loaded = store::LoadScheduled(conn, a.lead_id, true);
    const bool leased =
        loaded.ok() && loaded->lease_token == a.lease_token && !loaded->lease_owner.empty();
    if (!leased) {
      // The same key may have been stored by a try that ran while this one waited for the row.
      ASSIGN_OR_RETURN(replayed, replay(conn));
      if (replayed) return absl::OkStatus();
      RETURN_IF_ERROR(loaded.status());
      return absl::FailedPreconditionError(
          absl::StrCat("lead ", a.lead_id, ": the lease has passed to another claimer"));
    }
    store::ScheduledLead& s = *loaded;
    ASSIGN_OR_RETURN(cadence::CampaignRules rules, RulesFor(conn, s.campaign_id, s.dealer_id));
    store::AttemptRecord record{.lead_id = a.lead_id,
                                .campaign_id = s.campaign_id,
                                .channel = a.channel,
                                .route = a.route,
                                .by = a.by,
                                .started_at = a.started_at,
                                .ended_at = a.ended_at,
                                .outcome = a.outcome,
                                .notes = a.notes,
                                .idempotency_key = a.idempotency_key};
    if (record.route.empty()) {
      record.route =
          store::RouteFor(s, a.channel == Channel::kPhone ? Action::kCall : Action::kMessage);
    }
    ASSIGN_OR_RETURN(result.attempt_id, store::InsertAttempt(conn, record));
    if (a.channel == Channel::kPhone && s.progress.calls.attempts == 0) {
      // Speed to lead counts opening hours only: the funnel row gets it from who knows them.
      RETURN_IF_ERROR(
          store::SetSpeedToLead(conn, a.lead_id, a.started_at,
                                calendar::OpenBetween(rules.window, s.claimable_at, a.started_at)));
    }
    RETURN_IF_ERROR(store::MergeStatements(conn, a.lead_id, a.statements));
    for (const domain::Vehicle& v : a.vehicles) {
      RETURN_IF_ERROR(store::AddVehicle(conn, a.lead_id, v));
    }
    s.progress = cadence::Record(s.progress, {a.channel, a.outcome, a.started_at}, rules.window.tz);
    domain::LeadStatus status = domain::LeadStatus::kInProgress;
    switch (a.outcome) {
      case AttemptOutcome::kObjection:
        // Honoured at once, on every channel.
        for (const store::RouteFact& route : s.routes) {
          if (route.value.empty()) continue;
          RETURN_IF_ERROR(store::AddSuppression(
              conn, store::Suppression{.dealer_id = s.dealer_id,
                                       .all_channels = true,
                                       .value = route.value,
                                       .reason = "objection during a call",
                                       .source = absl::StrCat("attempt:", result.attempt_id)}));
        }
        status = domain::LeadStatus::kClosedObjected;
        break;
      case AttemptOutcome::kNotInterested:
        status = domain::LeadStatus::kClosedNotInterested;
        break;
      case AttemptOutcome::kAppointmentSet: {
        // The handover is queued in the outcome's own transaction: it exists exactly when the
        // appointment does, and a dispatcher on any replica delivers it.
        status = domain::LeadStatus::kHandedOver;
        ASSIGN_OR_RETURN(
            const int64_t appointment,
            store::InsertAppointment(conn, a.lead_id, result.attempt_id, *a.appointment));
        ASSIGN_OR_RETURN(
            result.handover_id,
            store::CreateHandover(conn, store::NewHandover{.lead_id = a.lead_id,
                                                           .dealer_id = s.dealer_id,
                                                           .attempt_id = result.attempt_id,
                                                           .appointment_id = appointment,
                                                           .bdc_agent = a.by}));
        break;
      }
      case AttemptOutcome::kWrongNumber:
        if (!record.route.empty()) {
          RETURN_IF_ERROR(store::MarkRouteUnusable(conn, a.lead_id, record.route));
          for (store::RouteFact& route : s.routes) {
            if (route.value == record.route) route.usable = false;
          }
        }
        break;
      default:
        break;
    }
    RETURN_IF_ERROR(store::SetLeadStatus(conn, a.lead_id, status));
    result.status = status;
    RETURN_IF_ERROR(
        store::AppendEvent(conn,
                           Event(a.lead_id, now, "attempt.recorded",
                                 a.by.empty() ? "agent" : absl::StrCat("agent:", a.by),
                                 absl::StrCat(domain::Name(a.channel), " ", domain::Name(a.outcome),
                                              a.notes.empty() ? "" : ": ", a.notes)))
            .status());
    if (status != domain::LeadStatus::kInProgress) return store::Unschedule(conn, a.lead_id);
    // A callback replaces the plan; any other attempt answers the callback that was due.
    s.callback_at = a.outcome == AttemptOutcome::kCallbackRequested ? a.callback_at
                                                                    : std::optional<absl::Time>();
    ApplyPlan(rules, now, s);
    RETURN_IF_ERROR(store::Reschedule(conn, s, std::nullopt));
    if (s.due_at != absl::InfiniteFuture()) result.next_contact_at = s.due_at;
    result.next_reason = s.reason;
    return store::NotifySchedule(conn, absl::StrCat(s.campaign_id));
  }));
  return result;
}

absl::Status Scheduler::ScheduleCallback(int64_t lead_id, absl::Time at, absl::string_view note,
                                         absl::string_view actor) {
  const absl::Time now = options_.now();
  if (at < now - absl::Minutes(1)) {
    return absl::InvalidArgumentError("at: a callback is scheduled in the future");
  }
  return store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    ASSIGN_OR_RETURN(store::ScheduledLead s, store::LoadScheduled(conn, lead_id, true));
    ASSIGN_OR_RETURN(cadence::CampaignRules rules, RulesFor(conn, s.campaign_id, s.dealer_id));
    s.callback_at = at;
    ApplyPlan(rules, now, s);
    RETURN_IF_ERROR(store::Reschedule(conn, s, std::nullopt));
    RETURN_IF_ERROR(
        store::AppendEvent(conn, Event(lead_id, now, "callback.scheduled", actor,
                                       absl::StrCat("callback at ", LocalText(at, rules.window.tz),
                                                    note.empty() ? "" : ": ", note)))
            .status());
    return store::NotifySchedule(conn, absl::StrCat(s.campaign_id));
  });
}

absl::StatusOr<domain::LeadStatus> Scheduler::Close(int64_t lead_id, domain::LeadStatus status,
                                                    absl::string_view reason,
                                                    absl::string_view actor) {
  const absl::Time now = options_.now();
  RETURN_IF_ERROR(store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    absl::StatusOr<store::ScheduledLead> s = store::LoadScheduled(conn, lead_id, true);
    if (absl::IsNotFound(s.status())) {
      ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(conn, lead_id));
      return absl::FailedPreconditionError(
          absl::StrCat("lead ", lead_id, " is ", domain::Name(lead.status),
                       lead.campaign_id == 0 ? " and not in a campaign" : "",
                       "; only a lead in its cadence is closed"));
    }
    RETURN_IF_ERROR(s.status());
    ASSIGN_OR_RETURN(cadence::CampaignRules rules, RulesFor(conn, s->campaign_id, s->dealer_id));
    // The attempts themselves decide, not the counts kept beside the schedule.
    ASSIGN_OR_RETURN(std::vector<cadence::AttemptFact> facts, store::AttemptFacts(conn, lead_id));
    const cadence::Progress progress = cadence::Fold(facts, rules.window.tz);
    RETURN_IF_ERROR(cadence::CheckClose(status, progress, rules.cadence, store::ReachOf(*s)));
    RETURN_IF_ERROR(store::SetLeadStatus(conn, lead_id, status));
    RETURN_IF_ERROR(store::Unschedule(conn, lead_id));
    return store::AppendEvent(
               conn, Event(lead_id, now, "lead.closed", actor,
                           absl::StrCat(domain::Name(status), reason.empty() ? "" : ": ", reason)))
        .status();
  }));
  return status;
}

absl::StatusOr<Explanation> Scheduler::Explain(int64_t lead_id) {
  const absl::Time now = options_.now();
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  Explanation e;
  e.lead_id = lead_id;
  absl::StatusOr<store::ScheduledLead> s = store::LoadScheduled(*conn, lead_id, false);
  if (absl::IsNotFound(s.status())) {
    ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(*conn, lead_id));
    e.status = lead.status;
    e.verdict.blocks.push_back(cadence::Block::kClosed);
    e.verdict.explanations.push_back(lead.campaign_id == 0
                                         ? "the lead is in no campaign (it waits for an active one)"
                                         : absl::StrCat("the lead is ", domain::Name(lead.status)));
    return e;
  }
  RETURN_IF_ERROR(s.status());
  ASSIGN_OR_RETURN(cadence::CampaignRules rules, RulesFor(*conn, s->campaign_id, s->dealer_id));
  rules.state = s->campaign_state;
  e.status = s->status;
  e.scheduled = true;
  e.due_at = s->due_at;
  e.time_zone = rules.window.tz.name();
  e.progress = s->progress;
  e.verdict = cadence::Evaluate(StateOf(*s, now, true), rules, now);
  const cadence::Reach reach = store::ReachOf(*s);
  e.cadence_complete = cadence::CadenceComplete(s->progress, rules.cadence, reach);
  e.cadence_missing = cadence::MissingForCadence(s->progress, rules.cadence, reach);
  return e;
}

absl::StatusOr<CallListPage> Scheduler::CallList(const CallListRequest& r) {
  const absl::Time now = options_.now();
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  ASSIGN_OR_RETURN(domain::Campaign campaign, store::GetCampaign(*conn, r.campaign_id));
  if (!r.dealer_id.empty() && std::find(campaign.dealer_ids.begin(), campaign.dealer_ids.end(),
                                        r.dealer_id) == campaign.dealer_ids.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dealer_id: '", r.dealer_id, "' is not in campaign ", r.campaign_id));
  }
  if (campaign.dealer_ids.empty()) return CallListPage{};
  absl::flat_hash_map<std::string, cadence::CampaignRules> rules;
  auto rules_for = [&](const std::string& dealer) -> absl::StatusOr<cadence::CampaignRules*> {
    auto it = rules.find(dealer);
    if (it == rules.end()) {
      ASSIGN_OR_RETURN(domain::Dealer d, store::GetDealer(*conn, dealer));
      ASSIGN_OR_RETURN(cadence::CampaignRules built, BuildRules(campaign, d));
      it = rules.emplace(dealer, std::move(built)).first;
    }
    return &it->second;
  };
  store::CallListQuery q;
  q.campaign_id = r.campaign_id;
  q.dealer_id = r.dealer_id;
  q.limit = r.page_size + 1;
  if (r.until) {
    q.until = *r.until;
  } else {
    ASSIGN_OR_RETURN(cadence::CampaignRules * first,
                     rules_for(r.dealer_id.empty() ? campaign.dealer_ids.front() : r.dealer_id));
    q.until = calendar::StartOfNextDay(now, first->window.tz);
  }
  if (!r.page_token.empty()) {
    std::vector<std::string> parts = absl::StrSplit(r.page_token, '|');
    int64_t micros = 0;
    if (parts.size() != 4 || !absl::SimpleAtoi(parts[1], &q.after_rank) ||
        !absl::SimpleAtoi(parts[2], &micros) || !absl::SimpleAtoi(parts[3], &q.after_lead)) {
      return absl::InvalidArgumentError("page.page_token: not a token this call returned");
    }
    q.after_dealer = parts[0];
    q.after_due = absl::FromUnixMicros(micros);
  }
  ASSIGN_OR_RETURN(std::vector<store::ScheduledLead> rows, store::ListDue(*conn, q));
  CallListPage page;
  page.until = q.until;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(r.page_size); ++i) {
    ASSIGN_OR_RETURN(cadence::CampaignRules * base, rules_for(rows[i].dealer_id));
    cadence::CampaignRules lead_rules = *base;
    lead_rules.state = rows[i].campaign_state;
    CallListEntry entry;
    entry.at = std::max(now, rows[i].due_at);
    entry.verdict = cadence::Evaluate(StateOf(rows[i], entry.at, true), lead_rules, entry.at);
    entry.time_zone = lead_rules.window.tz.name();
    entry.lead = std::move(rows[i]);
    page.entries.push_back(std::move(entry));
  }
  if (rows.size() > static_cast<size_t>(r.page_size)) {
    page.next_page_token = PageToken(page.entries.back().lead);
  }
  return page;
}

absl::StatusOr<FeedbackResult> Scheduler::ReportFeedback(const FeedbackInput& in) {
  using domain::FeedbackKind;
  if (in.kind == FeedbackKind::kAppointmentMoved && !in.new_appointment_at) {
    return absl::InvalidArgumentError("new_appointment_at: required when the appointment moved");
  }
  if (in.kind == FeedbackKind::kLost && in.lost_reason.empty()) {
    return absl::InvalidArgumentError("lost_reason: required when the customer was lost");
  }
  const absl::Time now = options_.now();
  FeedbackResult result;
  RETURN_IF_ERROR(store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    ASSIGN_OR_RETURN(result.lead_id,
                     store::LockFeedbackLead(conn, in.dealer_id, in.lead_id, in.crm_lead_id));
    ASSIGN_OR_RETURN(std::optional<store::LeadHandover> handover,
                     store::HandoverOfLead(conn, result.lead_id, in.handover_id));
    if (in.handover_id != 0 && !handover) {
      return absl::NotFoundError(absl::StrCat("handover_id: handover ", in.handover_id,
                                              " is not one of lead ", result.lead_id));
    }
    ASSIGN_OR_RETURN(
        std::optional<int64_t> recorded,
        store::InsertFeedback(
            conn, store::FeedbackRecord{
                      .dealer_id = in.dealer_id,
                      .idempotency_key = in.idempotency_key,
                      .lead_id = result.lead_id,
                      .handover_id = handover ? std::optional(handover->id) : std::nullopt,
                      .kind = in.kind,
                      .at = in.at,
                      .new_appointment_at = in.new_appointment_at,
                      .lost_reason = in.lost_reason,
                      .sale_amount_cents = in.sale_amount_cents,
                      .notes = in.notes,
                      .reported_by = in.reported_by}));
    ASSIGN_OR_RETURN(domain::Lead lead, store::GetLead(conn, result.lead_id));
    result.status = lead.status;
    if (!recorded) {
      result.duplicate = true;
      return absl::OkStatus();
    }
    std::string summary;
    std::optional<int64_t> campaign;  // where the lead goes back on the schedule
    absl::Time due = now;
    switch (in.kind) {
      case FeedbackKind::kAppointmentMoved:
        if (!handover || !handover->appointment_id) {
          return absl::FailedPreconditionError(
              absl::StrCat("lead ", result.lead_id, " has no handed-over appointment to move"));
        }
        RETURN_IF_ERROR(
            store::MoveAppointment(conn, *handover->appointment_id, *in.new_appointment_at));
        summary = absl::StrCat("appointment moved to ", absl::FormatTime(*in.new_appointment_at));
        break;
      case FeedbackKind::kShowed:
        summary = "the customer came to the appointment";
        break;
      case FeedbackKind::kNoShow:
        // Back to the BDC to re-engage, ahead of list leads.
        summary = "the customer did not come: back to the BDC to re-engage";
        if (lead.campaign_id > 0) campaign = lead.campaign_id;
        break;
      case FeedbackKind::kSold:
        result.status = domain::LeadStatus::kClosedSold;
        summary = in.sale_amount_cents > 0
                      ? absl::StrFormat("sold for EUR %.2f", in.sale_amount_cents / 100.0)
                      : "sold";
        break;
      case FeedbackKind::kLost:
        result.status = domain::LeadStatus::kClosedLost;
        summary = absl::StrCat("lost: ", in.lost_reason);
        break;
      case FeedbackKind::kUnsold: {
        ASSIGN_OR_RETURN(const int64_t second_voice,
                         store::SecondVoiceCampaignFor(conn, in.dealer_id, 0));
        summary = "came, did not buy";
        if (second_voice > 0) {
          campaign = second_voice;
          due = std::max(now, in.at + options_.second_voice_delay);
          absl::StrAppend(&summary, ": a second voice from ", absl::FormatTime(due));
        } else {
          absl::StrAppend(&summary, "; the dealer has no active second-voice campaign to take it");
        }
        break;
      }
    }
    if (campaign) {
      RETURN_IF_ERROR(store::ScheduleAgain(
          conn, result.lead_id, *campaign, static_cast<int>(cadence::Rank::kFollowUpNew), due,
          in.kind == FeedbackKind::kNoShow ? "re-engage after a no-show" : "second voice"));
      result.status = domain::LeadStatus::kInProgress;
      result.next_contact_at = due;
      RETURN_IF_ERROR(store::NotifySchedule(conn, absl::StrCat(*campaign)));
    }
    if (result.status != lead.status) {
      RETURN_IF_ERROR(store::SetLeadStatus(conn, result.lead_id, result.status));
    }
    if (!in.notes.empty()) absl::StrAppend(&summary, " (", in.notes, ")");
    return store::AppendEvent(
               conn, Event(result.lead_id, now, absl::StrCat("feedback.", domain::Name(in.kind)),
                           absl::StrCat("crm:", in.dealer_id, in.reported_by.empty() ? "" : ":",
                                        in.reported_by),
                           std::move(summary)))
        .status();
  }));
  return result;
}

}  // namespace secondvoice::scheduling
