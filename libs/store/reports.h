// SQL for the funnel: a cohort's figures from the daily figures (funnel_daily, migration 0009)
// for its whole days and from the per-lead rows (lead_funnel, 0008) for the rest, both kept by
// triggers; agents' talk time; the targets per dealer and category.
#ifndef SECONDVOICE_LIBS_STORE_REPORTS_H_
#define SECONDVOICE_LIBS_STORE_REPORTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/funnel/funnel.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

// The leads that arrived in [from, to), narrowed by the filters (empty: all), in groups.
struct FunnelQuery {
  absl::Time from;
  absl::Time to;
  std::vector<std::string> dealers;
  std::vector<int64_t> campaigns;
  std::vector<std::string> agents;      // who had the lead's first dialogue
  std::vector<std::string> origins;     // "list_import", "crm_unsold"...
  std::string kind;                     // "active", "passive" or "" for both
  std::vector<std::string> categories;  // funnel::Name(Category)
  // "" (totals only), "dealer", "campaign", "agent", "origin", "category", "day", "week" or
  // "month" (bucket starts in `time_zone`, as YYYY-MM-DD).
  std::string group;
  std::string time_zone = "UTC";
};

struct FunnelFigures {
  bool totals = false;
  std::string key;
  std::string label;  // the dealer's or campaign's name; "" otherwise
  funnel::Counts counts;
  std::optional<double> speed_p50_s, speed_p90_s;  // nullopt: nobody called yet
  int64_t contacted = 0;                           // leads with a dialogue...
  int64_t calls_to_contact = 0;                    // ...and their calls up to it, summed
  int64_t closed_not_reached = 0;
  int64_t closed_not_reached_cadence_complete = 0;
  int64_t messaged_before_call = 0;
  int64_t answered = 0;
  int64_t abandoned = 0;
  int64_t handovers_delivered = 0;
  int64_t handovers_showed = 0;
  int64_t handovers_sold = 0;
};
// The groups in key order, then the totals (always present, zero when nothing matched). Inside a
// transaction.
absl::StatusOr<std::vector<FunnelFigures>> Funnel(PgConn& conn, const FunnelQuery& q);

// Folds the funnel's changes written so far into its daily figures (migration 0009); the number
// folded, 0 when another connection is at it. Reports are exact either way.
absl::StatusOr<int64_t> CompactFunnel(PgConn& conn);

struct AgentTime {
  std::string agent;  // "" for everyone
  double talk_s = 0;
  double logged_in_s = 0;
};
// Sessions that started in [from, to), per agent (of `agents`, or all), then everyone's.
absl::StatusOr<std::vector<AgentTime>> AgentTimes(PgConn& conn, absl::Time from, absl::Time to,
                                                  const std::vector<std::string>& agents);
[[nodiscard]] absl::Status RecordAgentShift(PgConn& conn, absl::string_view agent,
                                            absl::Time started, absl::Time ended, double talk_s);

// The speed to lead of a lead's first call (placed at `first_call_at`) in opening hours, where
// the writer knows them; a later call of a lead back in the schedule changes nothing.
[[nodiscard]] absl::Status SetSpeedToLead(PgConn& conn, int64_t lead_id, absl::Time first_call_at,
                                          absl::Duration speed);

// Per category: the dealer's own targets where it has them, else the defaults ("" dealer).
struct TargetSet {
  std::vector<std::pair<funnel::Category, funnel::Targets>> targets;
  bool inherited = true;  // none of the dealer's own
};
absl::StatusOr<TargetSet> GetTargets(PgConn& conn, absl::string_view dealer_id);
[[nodiscard]] absl::Status SetTargets(
    PgConn& conn, absl::string_view dealer_id,
    const std::vector<std::pair<funnel::Category, funnel::Targets>>& targets);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_REPORTS_H_
