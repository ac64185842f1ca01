// The follow-up cadence and the claim-time rules, pure: what the attempts so far add up to,
// when and on which channel a lead may be contacted next, whether it may be closed as not
// reached, and whether it is eligible right now (and if not, every reason why). Time comes in
// as an argument; the lead's time zone is its dealer's.
#ifndef SECONDVOICE_LIBS_CADENCE_CADENCE_H_
#define SECONDVOICE_LIBS_CADENCE_CADENCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/calendar/calling_window.h"
#include "libs/domain/types.h"

namespace secondvoice::cadence {

// After an abandoned call the lead is not called again for this long (FTC/Ofcom practice).
inline constexpr absl::Duration kAbandonLockout = absl::Hours(72);
// E-mails and SMS: at most one a day.
inline constexpr absl::Duration kMessageGap = absl::Hours(20);
// Leads blocked for a reason that may go away (consent, campaign paused) are looked at again
// after this long; a change that lifts the block makes them due at once.
inline constexpr absl::Duration kRecheck = absl::Hours(24);

// Attempts of one kind (calls, or messages) as the cadence counts them.
struct Tally {
  int attempts = 0;
  int days = 0;      // distinct local days with an attempt
  int dayparts = 0;  // bit (1 << Daypart) per daypart with an attempt
  absl::CivilDay last_day;
  int on_last_day = 0;
  std::optional<absl::Time> first_at;
  std::optional<absl::Time> last_at;
  friend bool operator==(const Tally&, const Tally&) = default;
};

// Everything the rules need to know about a lead's attempts. Kept beside the lead's schedule and
// recomputable from its attempts with Fold.
struct Progress {
  Tally calls;     // call attempts that count toward "not reached"
  Tally messages;  // e-mail, SMS and chat messages sent
  // The last call that may have rung (every call but a failed one): the minimum gap counts
  // from here.
  std::optional<absl::Time> last_call_at;
  // No calls before this (72 h after an abandoned call).
  std::optional<absl::Time> lockout_until;
  // A two-sided conversation took place: the customer was reached.
  bool dialogue = false;
  friend bool operator==(const Progress&, const Progress&) = default;
};

struct AttemptFact {
  domain::Channel channel = domain::Channel::kPhone;
  domain::AttemptOutcome outcome = domain::AttemptOutcome::kNoAnswer;
  absl::Time at;
};

// Whether a call outcome means the customer spoke with us.
bool IsDialogue(domain::AttemptOutcome outcome);

// `progress` with one more finished attempt (attempts arrive in time order).
Progress Record(Progress progress, const AttemptFact& attempt, absl::TimeZone tz);
Progress Fold(const std::vector<AttemptFact>& attempts, absl::TimeZone tz);

// How a lead can be reached once suppressions and unusable values are taken out.
struct Reach {
  bool callable = false;     // a usable phone number, not suppressed for calls
  bool messageable = false;  // a usable e-mail address or mobile number for SMS, not suppressed
};

// The call budget: the campaign's maximum attempts. Passive campaigns default to 4x the minimum
// (passive leads need up to four times as many calls before a connection).
int CallBudget(const domain::Cadence& cadence);

// Whether the attempts so far satisfy the cadence for closing as not reached: at least
// min_call_attempts calls (messages, for a lead that has no callable number) on at least
// min_spread_days days and in at least two dayparts.
bool CadenceComplete(const Progress& progress, const domain::Cadence& cadence, const Reach& reach);
// What is still missing, e.g. "2 more call attempts (2 of 4 made); calls on 1 more day (2 of 3)".
// Empty when complete.
std::string MissingForCadence(const Progress& progress, const domain::Cadence& cadence,
                              const Reach& reach);

// OK when the lead may be given the closing `status`; FAILED_PRECONDITION saying what is still
// missing otherwise. NOT_REACHED needs a complete cadence and no conversation; NOT_INTERESTED
// and LOST need a two-sided conversation on record (the customer said so). Other statuses are
// set by outcomes, not by closing: INVALID_ARGUMENT.
absl::Status CheckClose(domain::LeadStatus status, const Progress& progress,
                        const domain::Cadence& cadence, const Reach& reach);

enum class Action { kCall, kMessage, kNone };

struct NextContact {
  Action action = Action::kNone;
  // Earliest allowed instant: inside the calling window, after the gaps and lockouts.
  absl::Time at = absl::InfiniteFuture();
  // Why then, for agents and the call list: "first call", "call 3 of 4, evening wanted".
  std::string reason;
};

// When and how the lead should be contacted next, from `now` on. A customer's callback request
// is honoured at the time they chose, outside the calling window too (a requested contact is
// not telemarketing). Calls come first; a message comes after the first call, or first when
// there is no callable number. Calls are spread: a minimum gap, a daily maximum, over at least
// min_spread_days days and at least two dayparts.
NextContact PlanNext(const Progress& progress, const domain::Cadence& cadence, const Reach& reach,
                     const calendar::CallingWindow& window, std::optional<absl::Time> callback_at,
                     absl::Time now);

// Claim classes, most urgent first. Within a class: leads never contacted before those in
// their cadence (speed to lead), then the longest due first (age). Leads whose next contact is a
// message wait in a class of their own, so that a dialer claims calls only and an agent can take
// the messages in between.
enum class Rank : int {
  kCallback = 0,
  kFollowUpNew = 1,
  kFollowUpInCadence = 2,
  kListNew = 3,
  kListInCadence = 4,
  kMessage = 5,
};
inline constexpr int kRanks = 6;
// The class of a lead whose next contact is a call.
Rank RankOf(domain::LeadOrigin origin, bool callback_pending, bool contacted_before);
// The class of a lead whose next contact is `action`.
Rank RankOf(domain::LeadOrigin origin, bool callback_pending, bool contacted_before, Action action);

// Why a lead may not be contacted now.
enum class Block {
  kClosed,            // the lead's status ended its schedule
  kCampaignInactive,  // the campaign is not active or outside its dates
  kLeased,            // another claimer holds it
  kOutsideWindow,     // outside the calling window (or a holiday)
  kCadenceGap,        // too soon after the last attempt
  kDailyMaximum,      // the day's attempts are used up
  kLockout,           // 72 h after an abandoned call
  kNoConsent,         // no lawful basis for a marketing contact
  kSuppressed,        // every route the lead could be reached on is suppressed
  kNoRoute,           // no usable contact route at all
  kNotDue,            // its next contact is planned later (spread, callback time)
  kCadenceDone,       // nothing more to do: close it
};
absl::string_view BlockName(Block block);

// What the claim-time check knows about a lead.
struct LeadState {
  domain::LeadStatus status = domain::LeadStatus::kNew;
  domain::LeadOrigin origin = domain::LeadOrigin::kListImport;
  domain::Consent consent;
  Reach reach;
  // Routes that exist and are usable but suppressed (for the explanation).
  int suppressed_routes = 0;
  bool has_usable_route = false;
  Progress progress;
  std::optional<absl::Time> callback_at;
  std::optional<absl::Time> lease_until;  // an unexpired lease by someone else
  std::string lease_owner;
};

struct CampaignRules {
  domain::CampaignState state = domain::CampaignState::kActive;
  std::optional<absl::Time> starts_at;
  std::optional<absl::Time> ends_at;
  domain::MarketingPolicy policy = domain::MarketingPolicy::kOptInOnly;
  int existing_customer_months = 36;
  domain::Cadence cadence;
  calendar::CallingWindow window;
};

struct Verdict {
  bool eligible = false;
  // When eligible: how to contact and why now.
  Action action = Action::kNone;
  std::string reason;
  // When not: every reason, each with its detail ("outside calling window: opens Mon 09:00").
  std::vector<Block> blocks;
  std::vector<std::string> explanations;
  // When the lead is due next (InfiniteFuture when never without a change).
  absl::Time next_at = absl::InfiniteFuture();
};

// The claim-time decision: every rule at once, with every reason the lead is not eligible.
Verdict Evaluate(const LeadState& lead, const CampaignRules& campaign, absl::Time now);

}  // namespace secondvoice::cadence

#endif  // SECONDVOICE_LIBS_CADENCE_CADENCE_H_
