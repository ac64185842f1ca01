// List imports in PostgreSQL: the import record and its rejects, identity keys and suppressions
// of existing leads for de-duplication, and bulk loading of new leads through COPY.
#ifndef SECONDVOICE_LIBS_STORE_IMPORTS_H_
#define SECONDVOICE_LIBS_STORE_IMPORTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/domain/types.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

struct ImportSummary {
  int64_t id = 0;
  int64_t campaign_id = 0;
  std::string file_name;
  std::string status;  // running, completed, failed
  int64_t rows_read = 0;
  int64_t imported = 0;
  int64_t merged_into_existing = 0;
  int64_t rejected = 0;
  int64_t no_usable_contact_route = 0;
  int64_t without_lawful_basis = 0;
  int64_t suppressed = 0;
  std::string error;
  absl::Time started_at;
  std::optional<absl::Time> finished_at;
};

struct RejectedRow {
  int64_t line = 0;
  std::string reason;
};

absl::StatusOr<int64_t> InsertImport(PgConn& conn, int64_t campaign_id, absl::string_view file_name,
                                     absl::string_view created_by, absl::string_view status);
[[nodiscard]] absl::Status FinishImport(PgConn& conn, const ImportSummary& summary);
absl::StatusOr<ImportSummary> GetImport(PgConn& conn, int64_t id);
// The first `limit` rejects in line order.
absl::StatusOr<std::vector<RejectedRow>> ListRejects(PgConn& conn, int64_t import_id, int limit);
[[nodiscard]] absl::Status InsertRejects(PgConn& conn, int64_t import_id,
                                         const std::vector<RejectedRow>& rejects);

// Calls `fn(dealer_id, lead_id, key)` for every identity of the dealers' leads, with keys in
// intake's form ("p:+316...", "e:...", "c:..."). Streams through a cursor: bounded memory.
[[nodiscard]] absl::Status ForEachIdentity(
    PgConn& conn, const std::vector<std::string>& dealer_ids,
    const std::function<void(absl::string_view dealer, int64_t lead_id, absl::string_view key)>&
        fn);

struct Suppression {
  std::string dealer_id;  // empty: every dealer
  domain::Channel channel = domain::Channel::kPhone;
  bool all_channels = false;
  std::string value;  // normalised
  std::string reason;
  std::string source;
};
absl::StatusOr<std::vector<Suppression>> ListSuppressions(
    PgConn& conn, const std::vector<std::string>& dealer_ids);
// Adding the same suppression twice is a no-op.
[[nodiscard]] absl::Status AddSuppression(PgConn& conn, const Suppression& suppression);

// `n` new lead ids from the leads sequence.
absl::StatusOr<std::vector<int64_t>> ReserveLeadIds(PgConn& conn, int n);

// Accumulates rows in COPY text form and writes them with one COPY per table.
class LeadCopy {
 public:
  // A new lead with a reserved id (routes and vehicles included).
  void AddLead(const domain::Lead& lead, int64_t import_id, int64_t source_line);
  // Routes found for an existing lead (a duplicate row), appended after its own.
  void AddRoute(int64_t lead_id, int position, const domain::ContactRoute& route);
  void AddEvent(int64_t lead_id, absl::string_view type, absl::string_view actor,
                absl::string_view summary, absl::string_view details_json);
  [[nodiscard]] absl::Status Flush(PgConn& conn);
  size_t bytes() const {
    return leads_.size() + routes_.size() + vehicles_.size() + events_.size() + schedule_.size();
  }

 private:
  void RouteLine(int64_t lead_id, int position, const domain::ContactRoute& route);

  std::string leads_, routes_, vehicles_, events_, schedule_;
  std::vector<int64_t> merged_;  // leads that got routes from a later row
};

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_IMPORTS_H_
