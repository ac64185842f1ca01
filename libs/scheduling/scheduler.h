// The scheduling engine: claims the next eligible leads of a BDC queue under a lease (priority
// classes first, then list leads shared fairly between the queue's dealers), with every
// claim-time rule checked (window, cadence, consent, suppression); records attempts into the
// cadence; refuses early closing; explains why a lead is not eligible; lists the day's calls.
// State lives in PostgreSQL; what this keeps in memory (campaign and dealer settings, and
// "nothing due before T" hints per bucket) is a cache that NOTIFY keeps honest across replicas.
#ifndef SECONDVOICE_LIBS_SCHEDULING_SCHEDULER_H_
#define SECONDVOICE_LIBS_SCHEDULING_SCHEDULER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/cadence/cadence.h"
#include "libs/common/fifo_gate.h"
#include "libs/domain/types.h"
#include "libs/handover/packet.h"
#include "libs/store/pool.h"
#include "libs/store/schedule.h"

namespace secondvoice::scheduling {

// Which leads a claim takes: a dialer places calls only; an agent between calls, or a tool
// that sends e-mail and SMS, may take the messages only.
enum class ClaimFilter { kAny, kCalls, kMessages };

struct Claim {
  store::ScheduledLead lead;
  cadence::Action action = cadence::Action::kCall;
  // The number or address to use.
  std::string route;
  // Why this lead now: "callback requested for ...", "first call", "call 3 of 4, evening".
  std::string reason;
  int64_t lease_token = 0;
  absl::Time lease_until;
};

struct AttemptInput {
  int64_t lead_id = 0;
  int64_t lease_token = 0;
  domain::Channel channel = domain::Channel::kPhone;
  std::string route;  // empty: the lead's route for the channel
  domain::AttemptOutcome outcome = domain::AttemptOutcome::kNoAnswer;
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  std::string notes;
  std::optional<absl::Time> callback_at;  // for kCallbackRequested
  std::string by;                         // agent login
  // Required for kAppointmentSet: the lead is then handed over to the dealer's salesperson.
  std::optional<handover::Appointment> appointment;
  // What the customer said in this contact, merged into what was known.
  handover::Statements statements;
  std::vector<domain::Vehicle> vehicles;  // of interest or to trade in, told in this contact
  // The client's key: a retry with the same key gets the first try's result (`replayed`) instead
  // of a refusal, whatever happened to the lease since. Empty: no key.
  std::string idempotency_key;
};

struct AttemptResult {
  int64_t attempt_id = 0;
  domain::LeadStatus status = domain::LeadStatus::kInProgress;
  std::optional<absl::Time> next_contact_at;
  std::string next_reason;
  int64_t handover_id = 0;  // queued by this outcome; 0 when none
  // The attempt was recorded by an earlier try with the same key; the lead's status and next
  // contact are as they stand now.
  bool replayed = false;
};

// What a dealer CRM reports after a handover (Feedback.ReportOutcome).
struct FeedbackInput {
  std::string dealer_id;
  std::string idempotency_key;
  int64_t lead_id = 0;      // or:
  std::string crm_lead_id;  // the CRM's lead id, or the reference it gave the handover
  int64_t handover_id = 0;  // 0: the lead's latest
  domain::FeedbackKind kind = domain::FeedbackKind::kShowed;
  absl::Time at;
  std::optional<absl::Time> new_appointment_at;  // for kAppointmentMoved
  std::string lost_reason;                       // for kLost
  int64_t sale_amount_cents = 0;
  std::string notes;
  std::string reported_by;
};

struct FeedbackResult {
  int64_t lead_id = 0;
  bool duplicate = false;  // the key was seen before: nothing changed
  domain::LeadStatus status = domain::LeadStatus::kHandedOver;
  std::optional<absl::Time> next_contact_at;  // when it is back on the schedule
};

struct Explanation {
  int64_t lead_id = 0;
  domain::LeadStatus status = domain::LeadStatus::kNew;
  bool scheduled = false;
  cadence::Verdict verdict;
  cadence::Progress progress;
  bool cadence_complete = false;
  std::string cadence_missing;
  std::optional<absl::Time> due_at;
  std::string time_zone;
};

struct CallListEntry {
  store::ScheduledLead lead;
  absl::Time at;  // when it is due (not before now)
  cadence::Verdict verdict;
  std::string time_zone;  // the dealer's
};

struct CallListRequest {
  int64_t campaign_id = 0;
  std::string dealer_id;
  std::optional<absl::Time> until;  // default: the end of today in the (first) dealer's zone
  std::string page_token;
  int page_size = 100;
};

struct CallListPage {
  std::vector<CallListEntry> entries;
  std::string next_page_token;
  absl::Time until;
};

class Scheduler {
 public:
  struct Options {
    std::function<absl::Time()> now = [] { return absl::Now(); };
    // Campaign and dealer settings are re-read at least this often (and on NOTIFY "config").
    absl::Duration config_ttl = absl::Seconds(30);
    // A waiting claim looks again at least this often even without a NOTIFY.
    absl::Duration max_idle_wait = absl::Seconds(15);
    // Claims at work at once (statements and rules; not those waiting for a lead to come due);
    // the others wait their turn in order of arrival.
    int claim_concurrency = 4;
    // An unsold lead reported by the dealer's CRM enters the dealer's second-voice campaign
    // this long after the visit.
    absl::Duration second_voice_delay = absl::Hours(24 * 14);
  };

  Scheduler(store::Pool* pool, Options options);
  explicit Scheduler(store::Pool* pool) : Scheduler(pool, Options()) {}
  // Puts back the leads it still holds for rescheduling, then stops.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Up to `max` eligible leads of the queue, each held by `owner` until the lease ends (an
  // expired lease returns the lead by itself). Waits up to `wait` for a lead to become due.
  absl::StatusOr<std::vector<Claim>> ClaimLeads(absl::string_view queue_id, int max,
                                                absl::Duration lease, absl::Duration wait,
                                                absl::string_view owner,
                                                ClaimFilter filter = ClaimFilter::kAny);
  // Gives a claimed lead back without an attempt (e.g. an agent skipped it): due again now.
  [[nodiscard]] absl::Status Release(int64_t lead_id, int64_t lease_token, absl::string_view reason,
                                     absl::string_view actor);
  // An agent's session: logged in from `started` to `ended`, `talk` of it in conversation (the
  // funnel's talk share).
  [[nodiscard]] absl::Status RecordAgentShift(const std::string& agent, absl::Time started,
                                              absl::Time ended, absl::Duration talk);
  absl::StatusOr<absl::Time> ExtendLease(int64_t lead_id, int64_t lease_token,
                                         absl::Duration lease);
  // Records a finished attempt of the lease holder and plans the next contact.
  absl::StatusOr<AttemptResult> RecordAttempt(const AttemptInput& attempt);
  // A callback the customer asked for, at the time they chose (outside the window too).
  [[nodiscard]] absl::Status ScheduleCallback(int64_t lead_id, absl::Time at,
                                              absl::string_view note, absl::string_view actor);
  // Closes the lead as not reached / not interested / lost, or FAILED_PRECONDITION saying what
  // the cadence still misses.
  absl::StatusOr<domain::LeadStatus> Close(int64_t lead_id, domain::LeadStatus status,
                                           absl::string_view reason, absl::string_view actor);
  absl::StatusOr<Explanation> Explain(int64_t lead_id);
  // Records the CRM's report once per key: a moved appointment, a show, a sale or a loss on
  // the lead; a no-show goes back to the BDC at once (its campaign, as a follow-up) and an
  // unsold lead into the dealer's second-voice campaign after Options::second_voice_delay.
  absl::StatusOr<FeedbackResult> ReportFeedback(const FeedbackInput& in);
  absl::StatusOr<CallListPage> CallList(const CallListRequest& request);

  // From the LISTEN connection: a campaign id, "config", or "" (anything may have changed).
  void OnNotify(absl::string_view payload);
  // Waiting claims return at once, and no claim waits from now on (shutdown).
  void Stop();

 private:
  struct Bucket {
    int64_t campaign_id = 0;
    std::string dealer_id;
    cadence::CampaignRules rules;
    // Nothing due in this class before this instant (InfinitePast: unknown, probe).
    std::array<absl::Time, cadence::kRanks> hint;
    absl::Time open_until = absl::InfinitePast();
    absl::Time closed_until = absl::InfinitePast();
  };
  struct QueueState {
    absl::Time loaded_at;
    std::vector<int64_t> campaigns;
    std::vector<Bucket> buckets;
    // Per campaign: hints of the priority classes (ranks 0-2) across its dealers.
    absl::flat_hash_map<int64_t, std::array<absl::Time, 3>> priority_hint;
    absl::flat_hash_map<std::pair<int64_t, std::string>, size_t> index;
    // Bucket indexes per dealer: list leads are shared in turn between dealers.
    std::vector<std::vector<size_t>> by_dealer;
    std::atomic<uint64_t> cursor{0};
    bool stale = false;
    // One claimer re-reads the settings; the others go on with these meanwhile.
    bool reloading = false;
  };
  enum class Took { kClaimed, kEmpty };

  absl::StatusOr<std::shared_ptr<QueueState>> Queue(absl::string_view queue_id, absl::Time now);
  absl::StatusOr<std::shared_ptr<QueueState>> LoadQueue(absl::string_view queue_id, absl::Time now);
  absl::StatusOr<cadence::CampaignRules> RulesFor(store::PgConn& conn, int64_t campaign_id,
                                                  absl::string_view dealer_id);
  bool OpenNow(Bucket& bucket, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Claims from one probe until an eligible lead is found or the probe is empty; lets go of
  // ineligible leads with their reasons.
  absl::StatusOr<Took> TakeOne(QueueState& q, const store::ClaimProbe& probe,
                               std::vector<Claim>& out, ClaimFilter filter);
  absl::StatusOr<std::optional<absl::Time>> HintAfterEmpty(const store::ClaimProbe& probe);

  // Ineligible leads found by claims are put back with their reasons by one background thread,
  // off the claimers' path. Until then they stay under the claim's lease, so a crash loses
  // nothing: the lease ends and the next claim looks at them again.
  void LetGo(store::ScheduledLead lead);
  void RunLetGo();

  store::Pool* const pool_;
  const Options options_;
  absl::Mutex let_go_mu_;
  std::vector<store::ScheduledLead> let_go_ ABSL_GUARDED_BY(let_go_mu_);
  bool let_go_stop_ ABSL_GUARDED_BY(let_go_mu_) = false;
  std::thread let_go_thread_;
  FifoGate claim_gate_;
  absl::Mutex mu_;
  absl::CondVar wake_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<QueueState>> queues_ ABSL_GUARDED_BY(mu_);
};

// "Mon 2026-11-23 09:00 CET" in the zone.
std::string LocalText(absl::Time t, absl::TimeZone tz);

}  // namespace secondvoice::scheduling

#endif  // SECONDVOICE_LIBS_SCHEDULING_SCHEDULER_H_
