// SQL for handovers: what the customer told us and the appointment (written with the outcome),
// the outbox of handovers to dealer CRMs with its delivery leases, and the packet's assembly.
#ifndef SECONDVOICE_LIBS_STORE_HANDOVERS_H_
#define SECONDVOICE_LIBS_STORE_HANDOVERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/domain/types.h"
#include "libs/handover/packet.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// NOTIFY channel: a handover was queued (payload: its dealer).
inline constexpr char kHandoverChannel[] = "sv_handover";

// Merges what the customer said into what was known: a non-empty value replaces the old one.
[[nodiscard]] absl::Status MergeStatements(PgConn& conn, int64_t lead_id,
                                           const handover::Statements& statements);
// A vehicle the customer told us about (of interest, or to trade in), after the lead's others.
[[nodiscard]] absl::Status AddVehicle(PgConn& conn, int64_t lead_id,
                                      const domain::Vehicle& vehicle);
absl::StatusOr<int64_t> InsertAppointment(PgConn& conn, int64_t lead_id, int64_t attempt_id,
                                          const handover::Appointment& appointment);

struct NewHandover {
  int64_t lead_id = 0;
  std::string dealer_id;
  int64_t attempt_id = 0;
  std::optional<int64_t> appointment_id;
  std::string bdc_agent;
};
// Queues the handover for delivery (and wakes the dispatchers); returns its id.
absl::StatusOr<int64_t> CreateHandover(PgConn& conn, const NewHandover& handover);

enum class DeliveryState {
  kPending,
  kDelivering,
  kDelivered,
  kFailedRetrying,
  kFlaggedUndelivered
};
absl::string_view Name(DeliveryState state);
std::optional<DeliveryState> ParseDeliveryState(absl::string_view name);

struct HandoverRow {
  int64_t id = 0;
  int64_t lead_id = 0;
  std::string dealer_id;
  std::string idempotency_key;
  DeliveryState state = DeliveryState::kPending;
  std::string rejection;  // refused for good by the CRM
  int attempts = 0;
  std::string last_error;
  absl::Time next_attempt_at;
  std::optional<absl::Time> delivered_at;
  std::optional<absl::Time> flagged_at;
  std::string crm_reference;
  absl::Time created_at;
  std::string crm_endpoint;  // the dealer's, now
  // How to reach it (filled by ClaimDueHandovers only).
  bool crm_tls = false;
  std::string crm_tls_root_certs;
  std::string crm_token;
};

// What a dispatcher takes: up to `limit` handovers that are due (queued, waiting for a retry,
// or held by a dispatcher whose lease ran out), oldest due first, at most `per_dealer` of one
// dealer and at most `room` of the dealers named there (deliveries already under way; 0: none
// now, e.g. its CRM is down). Each is held for `owner` until `lease_until` and counts as a
// delivery attempt.
struct HandoverClaim {
  absl::Time now;
  absl::Time lease_until;
  std::string owner;
  int limit = 64;
  int per_dealer = 4;
  absl::flat_hash_map<std::string, int> room;
};
absl::StatusOr<std::vector<HandoverRow>> ClaimDueHandovers(PgConn& conn,
                                                           const HandoverClaim& claim);
struct Delivered {
  int64_t id = 0;
  std::string crm_reference;
  bool duplicate = false;  // the CRM had it already
};
// Records deliveries the CRMs acknowledged, each with its event in the lead's journey, in one
// statement; those `owner` no longer holds are left alone (another dispatcher took them over
// and the CRM deduplicates). Returns how many were recorded.
absl::StatusOr<int64_t> MarkDelivered(PgConn& conn, absl::string_view owner, absl::Time at,
                                      const std::vector<Delivered>& delivered);
// `flag`: it has waited too long; it stays flagged until delivered, and delivery goes on.
absl::StatusOr<bool> MarkRetry(PgConn& conn, int64_t id, absl::string_view owner,
                               absl::string_view error, absl::Time next_attempt_at, bool flag,
                               absl::Time now);
absl::StatusOr<bool> MarkRefused(PgConn& conn, int64_t id, absl::string_view owner,
                                 absl::string_view reason, absl::Time now);
// The dealer's CRM answers again: its handovers waiting for a retry are due now (instead of at
// the end of back-offs grown during the outage). Returns how many.
absl::StatusOr<int64_t> RetryDealerNow(PgConn& conn, absl::string_view dealer_id, absl::Time now);
// Flags the undelivered handovers queued at or before `created_before` that are not flagged yet
// (a dealer's CRM may be down, so no attempt flags them); returns how many of each dealer.
absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> FlagOverdueHandovers(
    PgConn& conn, absl::Time created_before, absl::Time now);
// The earliest time a handover falls due (for the dispatcher's sleep); nullopt when none.
absl::StatusOr<std::optional<absl::Time>> NextHandoverDue(PgConn& conn);

absl::StatusOr<HandoverRow> GetHandover(PgConn& conn, int64_t id);
struct HandoverSearch {
  std::vector<std::string> dealers;  // empty: all
  std::optional<DeliveryState> state;
  int64_t before_id = 0;  // 0: from the newest
  int limit = 100;
};
// Newest first.
absl::StatusOr<std::vector<HandoverRow>> ListHandovers(PgConn& conn, const HandoverSearch& search);

// ---- Feedback from the dealer's CRM ----

// The lead a CRM reports on, locked until the transaction ends: by id (it must be the
// dealer's), or by the CRM's own lead id or the reference it gave a handover. NOT_FOUND naming
// the field otherwise.
absl::StatusOr<int64_t> LockFeedbackLead(PgConn& conn, absl::string_view dealer_id, int64_t lead_id,
                                         absl::string_view crm_lead_id);

struct LeadHandover {
  int64_t id = 0;
  std::optional<int64_t> appointment_id;
};
// The lead's handover `handover_id`, or its latest when 0; nullopt when there is none.
absl::StatusOr<std::optional<LeadHandover>> HandoverOfLead(PgConn& conn, int64_t lead_id,
                                                           int64_t handover_id);
[[nodiscard]] absl::Status MoveAppointment(PgConn& conn, int64_t appointment_id, absl::Time at);

struct FeedbackRecord {
  std::string dealer_id;
  std::string idempotency_key;
  int64_t lead_id = 0;
  std::optional<int64_t> handover_id;
  domain::FeedbackKind kind = domain::FeedbackKind::kShowed;
  absl::Time at;
  std::optional<absl::Time> new_appointment_at;
  std::string lost_reason;
  int64_t sale_amount_cents = 0;
  std::string notes;
  std::string reported_by;
};
// Its id; nullopt when the dealer's CRM sent this key before (nothing is written).
absl::StatusOr<std::optional<int64_t>> InsertFeedback(PgConn& conn, const FeedbackRecord& f);

// Everything the salesperson gets, as the database has it now: the lead, its routes, vehicles
// and consent, where it came from, the contacts up to the handover, what the customer said, the
// appointment and the agent.
absl::StatusOr<handover::Packet> LoadPacket(PgConn& conn, int64_t handover_id);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_HANDOVERS_H_
