// The lead schedule in PostgreSQL: claiming the next due lead of a (campaign, dealer, class) under
// a lease with FOR UPDATE SKIP LOCKED, releasing and rescheduling it, recording attempts with
// their cadence counts, and the call list. Rows change only through here.
#ifndef SECONDVOICE_LIBS_STORE_SCHEDULE_H_
#define SECONDVOICE_LIBS_STORE_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/cadence/cadence.h"
#include "libs/domain/types.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// The NOTIFY channel that wakes claimers: payload "<campaign_id>" when leads of the campaign may
// have become due earlier than claimers think, "config" when campaigns or dealers changed.
inline constexpr char kScheduleChannel[] = "sv_schedule";

struct RouteFact {
  domain::Channel channel = domain::Channel::kPhone;
  std::string value;  // normalised; empty when unreadable
  domain::PhoneType phone_type = domain::PhoneType::kUnknown;
  bool usable = false;
  bool preferred = false;
};

// A lead's schedule row with what the claim-time rules need from the lead, its campaign and
// its suppressions.
struct ScheduledLead {
  int64_t lead_id = 0;
  int64_t campaign_id = 0;
  std::string dealer_id;
  int rank = 0;
  absl::Time due_at;
  absl::Time claimable_at;
  std::string action;
  std::string reason;
  std::string blocked;
  std::optional<absl::Time> callback_at;
  std::string lease_owner;
  int64_t lease_token = 0;
  std::optional<absl::Time> lease_until;
  cadence::Progress progress;
  // From the lead.
  domain::LeadStatus status = domain::LeadStatus::kNew;
  domain::LeadKind kind = domain::LeadKind::kPassive;
  domain::LeadOrigin origin = domain::LeadOrigin::kListImport;
  domain::Consent consent;
  std::string first_name;
  std::string last_name;
  domain::CampaignState campaign_state = domain::CampaignState::kActive;
  std::vector<RouteFact> routes;
  // Suppression entries matching the lead's route values: (channel or "all", value).
  std::vector<std::pair<std::string, std::string>> suppressions;
};

// Which reach the lead has once unusable and suppressed routes are taken out; counts the usable
// routes that are suppressed.
cadence::Reach ReachOf(const ScheduledLead& lead, int* suppressed_routes = nullptr,
                       bool* has_usable_route = nullptr);
// The route to use for an action: the customer's preferred usable, unsuppressed one first.
std::string RouteFor(const ScheduledLead& lead, cadence::Action action);

struct ClaimProbe {
  int64_t campaign_id = 0;
  // One dealer's bucket; for the priority classes (rank <= 2) `dealers` instead: any of them
  // (empty: any dealer, used for callbacks).
  std::string dealer_id;
  std::vector<std::string> dealers;
  int rank = 0;
  absl::Time now;
  absl::Time lease_until;
  std::string owner;
};

// Takes the first due lead of the probe under a lease (its due_at becomes the lease's end, its
// lease_token grows by one); nullopt when none is due or all due ones are locked by others.
// The row's campaign_state says active: claimers know their campaigns' states (a campaign
// that is not active is not probed).
absl::StatusOr<std::optional<ScheduledLead>> ClaimOne(PgConn& conn, const ClaimProbe& probe);
// The earliest due_at of a bucket (priority probe: of the campaign's class), or nullopt when it
// is empty.
absl::StatusOr<std::optional<absl::Time>> NextDue(PgConn& conn, const ClaimProbe& probe);

// Loads one lead's schedule row (FOR UPDATE with `lock`); NOT_FOUND when the lead has none (it
// is closed, handed over or not in a campaign).
absl::StatusOr<ScheduledLead> LoadScheduled(PgConn& conn, int64_t lead_id, bool lock);

// Puts the lead back on the schedule as `lead` says (due_at, rank, action, reason, blocked,
// callback_at, progress), ending the lease. With `token`, only if the lease token still matches:
// FAILED_PRECONDITION when someone else claimed the lead since.
[[nodiscard]] absl::Status Reschedule(PgConn& conn, const ScheduledLead& lead,
                                      std::optional<int64_t> token);
// Extends the holder's lease; FAILED_PRECONDITION when the token no longer matches.
absl::StatusOr<absl::Time> ExtendLease(PgConn& conn, int64_t lead_id, int64_t token,
                                       absl::Time until);
// Removes the lead from the schedule (closed, handed over, objected).
[[nodiscard]] absl::Status Unschedule(PgConn& conn, int64_t lead_id);

// Sends a NOTIFY on kScheduleChannel (delivered when the transaction commits).
// Puts a lead back on the schedule of `campaign_id` (a no-show to re-engage, an unsold lead for a
// second voice) with a fresh cadence, due at `due_at`, with the copy of its claim-time facts;
// its campaign becomes `campaign_id`.
[[nodiscard]] absl::Status ScheduleAgain(PgConn& conn, int64_t lead_id, int64_t campaign_id,
                                         int rank, absl::Time due_at, absl::string_view reason);
[[nodiscard]] absl::Status NotifySchedule(PgConn& conn, absl::string_view payload);

struct AttemptRecord {
  int64_t lead_id = 0;
  int64_t campaign_id = 0;
  domain::Channel channel = domain::Channel::kPhone;
  std::string route;
  std::string by;
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  domain::AttemptOutcome outcome = domain::AttemptOutcome::kNoAnswer;
  std::string notes;
  // The client's key for this attempt, unique per lead; empty: none.
  std::string idempotency_key;
};
absl::StatusOr<int64_t> InsertAttempt(PgConn& conn, const AttemptRecord& attempt);
// An attempt recorded earlier under a client's key, and how its lead stands now.
struct RecordedAttempt {
  int64_t attempt_id = 0;
  domain::LeadStatus lead_status = domain::LeadStatus::kNew;
  int64_t handover_id = 0;           // the handover it queued; 0 when none
  std::optional<absl::Time> due_at;  // the lead's next contact, when it is on the schedule
  std::string reason;
};
absl::StatusOr<std::optional<RecordedAttempt>> FindAttemptByKey(PgConn& conn, int64_t lead_id,
                                                                absl::string_view key);
// The lead's finished attempts, oldest first, as the cadence counts them.
absl::StatusOr<std::vector<cadence::AttemptFact>> AttemptFacts(PgConn& conn, int64_t lead_id);
[[nodiscard]] absl::Status SetLeadStatus(PgConn& conn, int64_t lead_id, domain::LeadStatus status);
// Marks the lead's routes with this value unusable (a wrong number); the raw value is kept.
[[nodiscard]] absl::Status MarkRouteUnusable(PgConn& conn, int64_t lead_id,
                                             absl::string_view value);
// Copies the leads' current contact routes into their schedule rows (after routes were added).
[[nodiscard]] absl::Status RefreshScheduledRoutes(PgConn& conn,
                                                  const std::vector<int64_t>& lead_ids);
// The schedule row's copy of the routes, as the SQL in schedule.cc builds it from
// contact_routes, and the array literal of their normalised values.
std::string EncodeRoutes(const std::vector<domain::ContactRoute>& routes);
std::string RouteValuesLiteral(const std::vector<domain::ContactRoute>& routes);
// The claim class of a new lead from its routes alone (suppressions are checked at claim time):
// a lead with no usable number but an address starts among the leads due a message.
int FirstRank(domain::LeadOrigin origin, const std::vector<domain::ContactRoute>& routes);
// "call", or "message" for a lead that starts among the leads due a message.
absl::string_view FirstAction(int rank);

struct CallListQuery {
  int64_t campaign_id = 0;
  std::string dealer_id;  // empty: every dealer of the campaign
  absl::Time until;       // due before this
  // Keyset of the previous page's last row: (dealer, rank, due_at, lead id).
  std::string after_dealer;
  int after_rank = -1;
  absl::Time after_due = absl::InfinitePast();
  int64_t after_lead = 0;
  int limit = 100;
};
// Leads due before `until`, by dealer, class and due time.
absl::StatusOr<std::vector<ScheduledLead>> ListDue(PgConn& conn, const CallListQuery& query);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_SCHEDULE_H_
