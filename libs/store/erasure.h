// Erasure of a person's data (GDPR art. 17) and the retention sweep. An erased lead keeps what
// the funnel counts (its row, status, origin, kind, category, times, attempts' outcomes, its
// funnel row) and loses everything that says who it was; a person erased at their request
// leaves SHA-256 digests of their identities, so a later list or CRM follow-up cannot bring
// them back.
#ifndef SECONDVOICE_LIBS_STORE_ERASURE_H_
#define SECONDVOICE_LIBS_STORE_ERASURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Why an import row or a CRM follow-up is refused: the person's identities are on the erased
// list of the dealer.
inline constexpr char kErasedReason[] = "erased at the person's request";

struct ErasureRequest {
  std::string dealer_id;
  // Exactly one of: a phone number in E.164 (every lead of the dealer with it on a phone or
  // SMS route), a normalised e-mail address (on an e-mail route), or one lead of the dealer.
  std::string phone;
  std::string email;
  int64_t lead_id = 0;
  // For the audit log: who asked, through which method.
  std::string principal;
  std::string method;
};

// Erases the person in the caller's transaction and returns the ids of the leads erased (none
// when the dealer holds nothing under the value: the value is still put on the erased list).
// Blanks names, contact routes, notes of attempts, events and feedback, statements, VINs,
// appointment places and texts, the customer number; takes the leads off the schedule; stops
// their undelivered handovers; replaces the dealer's suppressions of the values with digests;
// scrubs import rejects that quote them; writes one audit entry (never the value). NOT_FOUND
// for a lead id that is not one of the dealer's. Waits for imports and follow-ups of the
// dealer that are under way (see HoldErasures).
absl::StatusOr<std::vector<int64_t>> ErasePerson(PgConn& conn, const ErasureRequest& request);

// Erases up to `limit` leads closed (neither new nor in progress, off the schedule) that last
// changed before `closed_before`, oldest first, skipping leads other transactions hold; no
// digests are kept (the person did not ask: they may come back), suppressions stay. Also drops
// the rejected-row reports of imports started before `closed_before`. One audit entry per
// dealer, principal "retention". Returns how many leads it erased.
absl::StatusOr<int64_t> EraseExpiredLeads(PgConn& conn, absl::Time closed_before, int limit);

// Keeps erasures at `dealer_id` waiting until the caller's transaction ends. An import or a
// follow-up takes it before it checks ErasedAmong, so that no erasure it did not see can
// commit before it does (and miss the leads it is adding).
[[nodiscard]] absl::Status HoldErasures(PgConn& conn, absl::string_view dealer_id);

// Which of `values` (normalised phone numbers, e-mail addresses, chat handles, customer
// numbers) belong to people erased at `dealer_id` at their request.
absl::StatusOr<absl::flat_hash_set<std::string>> ErasedAmong(
    PgConn& conn, absl::string_view dealer_id, const std::vector<std::string>& values);
// Those of `dealer_ids` with anyone on their erased list (the others need no lookups).
absl::StatusOr<std::vector<std::string>> DealersWithErasures(
    PgConn& conn, const std::vector<std::string>& dealer_ids);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_ERASURE_H_
