// Dealers and BDC queues in PostgreSQL.
#ifndef SECONDVOICE_LIBS_STORE_DEALERS_H_
#define SECONDVOICE_LIBS_STORE_DEALERS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/domain/types.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Fills created_at/updated_at. ALREADY_EXISTS when the id is taken.
[[nodiscard]] absl::Status InsertDealer(PgConn& conn, domain::Dealer& dealer);
// NOT_FOUND when there is no such dealer.
absl::StatusOr<domain::Dealer> GetDealer(PgConn& conn, absl::string_view id);
// Dealers with id > after_id in id order; only `only_ids` when given.
absl::StatusOr<std::vector<domain::Dealer>> ListDealers(
    PgConn& conn, absl::string_view after_id, int limit,
    const std::optional<std::vector<std::string>>& only_ids = std::nullopt);
// Replaces every field but id and created_at; NOT_FOUND when there is no such dealer.
// Keeps the stored CRM token when dealer.crm_token is empty, unless `clear_crm_token`.
[[nodiscard]] absl::Status UpdateDealer(PgConn& conn, domain::Dealer& dealer,
                                        bool clear_crm_token = false);

[[nodiscard]] absl::Status InsertQueue(PgConn& conn, domain::Queue& queue);
absl::StatusOr<domain::Queue> GetQueue(PgConn& conn, absl::string_view id);
absl::StatusOr<std::vector<domain::Queue>> ListQueues(PgConn& conn, absl::string_view after_id,
                                                      int limit);

// A PostgreSQL text[] literal for `values`, to pass as one parameter.
std::string ArrayLiteral(const std::vector<std::string>& values);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_DEALERS_H_
