// CRM follow-ups: one lead per (dealer, CRM lead id, reason), whoever submits it how often.
#ifndef SECONDVOICE_LIBS_STORE_FOLLOW_UPS_H_
#define SECONDVOICE_LIBS_STORE_FOLLOW_UPS_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Serialises submissions of the same follow-up until the transaction ends, then returns the
// lead an earlier submission created, if any.
absl::StatusOr<std::optional<int64_t>> LockFollowUp(PgConn& conn, absl::string_view dealer_id,
                                                    absl::string_view crm_lead_id,
                                                    absl::string_view reason);
[[nodiscard]] absl::Status RecordFollowUp(PgConn& conn, absl::string_view dealer_id,
                                          absl::string_view crm_lead_id, absl::string_view reason,
                                          int64_t lead_id);

// The campaign a follow-up goes to: `campaign_id` when given (it must be a second-voice campaign
// of the dealer), else the dealer's active second-voice campaign, else 0 (the lead waits for one).
absl::StatusOr<int64_t> SecondVoiceCampaignFor(PgConn& conn, absl::string_view dealer_id,
                                               int64_t campaign_id);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_FOLLOW_UPS_H_
