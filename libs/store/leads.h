// Leads with their contact routes, vehicles and consent; their attempts and journey events.
#ifndef SECONDVOICE_LIBS_STORE_LEADS_H_
#define SECONDVOICE_LIBS_STORE_LEADS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/domain/types.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// Inserts the lead with its routes and vehicles, and its first journey event "lead.created"
// by `actor`. Assigns id and times.
[[nodiscard]] absl::Status InsertLead(PgConn& conn, domain::Lead& lead, absl::string_view actor);

absl::StatusOr<domain::Lead> GetLead(PgConn& conn, int64_t id);

struct LeadSearch {
  std::string dealer_id;  // required
  // Matched against normalised and raw phone values.
  std::string phone;
  // Matched against normalised (lower-case) e-mail values.
  std::string email;
  std::string customer_id;
  std::string crm_lead_id;
  int64_t campaign_id = 0;
  int64_t after_id = 0;
  int limit = 100;
};
absl::StatusOr<std::vector<domain::Lead>> SearchLeads(PgConn& conn, const LeadSearch& search);

// Appends to the lead's journey; returns the event's id.
absl::StatusOr<int64_t> AppendEvent(PgConn& conn, const domain::LeadEvent& event);
// The journey, oldest first.
absl::StatusOr<std::vector<domain::LeadEvent>> ListEvents(PgConn& conn, int64_t lead_id);
absl::StatusOr<std::vector<domain::Attempt>> ListAttempts(PgConn& conn, int64_t lead_id);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_LEADS_H_
