// Campaigns and the dealers they work for, in PostgreSQL.
#ifndef SECONDVOICE_LIBS_STORE_CAMPAIGNS_H_
#define SECONDVOICE_LIBS_STORE_CAMPAIGNS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/domain/types.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Assigns id and times. NOT_FOUND naming the dealer or queue that does not exist.
[[nodiscard]] absl::Status InsertCampaign(PgConn& conn, domain::Campaign& campaign);
absl::StatusOr<domain::Campaign> GetCampaign(PgConn& conn, int64_t id);
// Campaigns with id > after_id in id order; only those including `dealer_id` when not empty.
absl::StatusOr<std::vector<domain::Campaign>> ListCampaigns(PgConn& conn,
                                                            absl::string_view dealer_id,
                                                            int64_t after_id, int limit);
// Replaces every settable field except the state.
[[nodiscard]] absl::Status UpdateCampaign(PgConn& conn, domain::Campaign& campaign);
absl::StatusOr<domain::Campaign> SetCampaignState(PgConn& conn, int64_t id,
                                                  domain::CampaignState state);
// The active campaigns a queue works, in id order.
absl::StatusOr<std::vector<domain::Campaign>> ListActiveCampaigns(PgConn& conn,
                                                                  absl::string_view queue_id);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_CAMPAIGNS_H_
