// SQL for the funnel reports and targets.
#include "libs/store/reports.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"

namespace secondvoice::store {
namespace {

// The cohort's rows with their group key, narrowed by the filters.
#define SV_FUNNEL_COHORT                                                                         \
  "WITH f AS NOT MATERIALIZED (SELECT f.*, CASE $9"                                              \
  "   WHEN 'dealer' THEN f.dealer_id"                                                            \
  "   WHEN 'campaign' THEN coalesce(f.campaign_id::text, '')"                                    \
  "   WHEN 'agent' THEN f.dialogue_by"                                                           \
  "   WHEN 'origin' THEN f.origin"                                                               \
  "   WHEN 'category' THEN f.category"                                                           \
  "   WHEN 'day' THEN to_char(date_trunc('day', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"   \
  "   WHEN 'week' THEN to_char(date_trunc('week', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')" \
  "   WHEN 'month' THEN"                                                                         \
  "     to_char(date_trunc('month', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"               \
  "   ELSE '' END AS key"                                                                        \
  "  FROM lead_funnel f"                                                                         \
  " WHERE f.arrived_at >= $1 AND f.arrived_at < $2"                                              \
  "   AND (cardinality($3::text[]) = 0 OR f.dealer_id = ANY($3::text[]))"                        \
  "   AND (cardinality($4::bigint[]) = 0 OR f.campaign_id = ANY($4::bigint[]))"                  \
  "   AND (cardinality($5::text[]) = 0 OR f.dialogue_by = ANY($5::text[]))"                      \
  "   AND (cardinality($6::text[]) = 0 OR f.origin = ANY($6::text[]))"                           \
  "   AND ($7 = '' OR f.kind = $7)"                                                              \
  "   AND (cardinality($8::text[]) = 0 OR f.category = ANY($8::text[]))),"

// Per lead: its counts, grouped as finely as the targets need (key, dealer, category) so that
// the aggregation hashes a few thousand groups and the targets are joined on those, not on every
// lead.
#define SV_FUNNEL_COUNTS                                                                        \
  " c AS (SELECT f.key, f.dealer_id, f.category, count(*) AS leads,"                            \
  "   count(f.dialogue_at) AS dialogues, count(f.appointment_at) AS appointments,"              \
  "   count(f.showed_at) AS shows, count(f.sold_at) AS sales,"                                  \
  "   count(f.calls_to_dialogue) AS contacted, coalesce(sum(f.calls_to_dialogue), 0) AS calls," \
  "   count(*) FILTER (WHERE f.closed_not_reached) AS closed,"                                  \
  "   count(*) FILTER (WHERE f.closed_not_reached AND f.cadence_complete) AS complete,"         \
  "   count(*) FILTER (WHERE f.messages_before_call > 0) AS messaged,"                          \
  "   coalesce(sum(f.answered), 0) AS answered, coalesce(sum(f.abandoned), 0) AS abandoned,"    \
  "   count(f.handover_delivered_at) AS delivered,"                                             \
  "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.showed_at IS NOT NULL)"  \
  "     AS delivered_showed,"                                                                   \
  "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.sold_at IS NOT NULL)"    \
  "     AS delivered_sold"                                                                      \
  "  FROM f GROUP BY f.key, f.dealer_id, f.category),"

// Summed per group: the counts, and what the targets ask for (each lead with its dealer's
// targets for its category, else the defaults: a row that mixes them gets the lead-weighted mix).
// An empty cohort's totals are NULLs, which read as 0.
#define SV_FUNNEL_SUMS                                                                 \
  " sum(c.leads)::bigint AS leads, sum(c.dialogues)::bigint AS dialogues,"             \
  " sum(c.appointments)::bigint AS appointments, sum(c.shows)::bigint AS shows,"       \
  " sum(c.sales)::bigint AS sales,"                                                    \
  " sum(c.leads * coalesce(td.dialogue_percent, t0.dialogue_percent, 0)) / 100 AS e1," \
  " sum(c.leads * coalesce(td.appointment_percent, t0.appointment_percent, 0)) / 100"  \
  "   AS e2,"                                                                          \
  " sum(c.leads * coalesce(td.show_percent, t0.show_percent, 0)) / 100 AS e3,"         \
  " sum(c.leads * coalesce(td.sale_percent, t0.sale_percent, 0)) / 100 AS e4,"         \
  " sum(c.contacted)::bigint AS contacted, sum(c.calls)::bigint AS calls,"             \
  " sum(c.closed)::bigint AS closed, sum(c.complete)::bigint AS complete,"             \
  " sum(c.messaged)::bigint AS messaged, sum(c.answered)::bigint AS answered,"         \
  " sum(c.abandoned)::bigint AS abandoned, sum(c.delivered)::bigint AS delivered,"     \
  " sum(c.delivered_showed)::bigint AS delivered_showed,"                              \
  " sum(c.delivered_sold)::bigint AS delivered_sold"                                   \
  " FROM c"                                                                            \
  " LEFT JOIN funnel_targets t0 ON t0.dealer_id = '' AND t0.category = c.category"     \
  " LEFT JOIN funnel_targets td ON td.dealer_id = c.dealer_id AND td.category = c.category"

// The figures in the order Funnel() reads them, with the dealer's or campaign's name; groups in
// key order, the totals last.
#define SV_FUNNEL_SELECT                                                                \
  " SELECT r.totals, r.key, r.leads, r.dialogues, r.appointments, r.shows, r.sales,"    \
  "  r.e1, r.e2, r.e3, r.e4, p.speed[1], p.speed[2], r.contacted, r.calls, r.closed,"   \
  "  r.complete, r.messaged, r.answered, r.abandoned, r.delivered, r.delivered_showed," \
  "  r.delivered_sold,"                                                                 \
  "  coalesce(CASE $9 WHEN 'dealer' THEN d.name WHEN 'campaign' THEN cm.name END, '')"  \
  " FROM r JOIN p ON p.totals = r.totals AND p.key = r.key"                             \
  " LEFT JOIN dealers d ON $9 = 'dealer' AND d.id = r.key"                              \
  " LEFT JOIN campaigns cm ON $9 = 'campaign' AND cm.id::text = r.key"                  \
  " ORDER BY r.totals, r.key"

// Each group and the totals (GROUPING SETS); speed to lead's p50 and p90 from one sort.
constexpr Query kFunnel = {
    "report_funnel", SV_FUNNEL_COHORT SV_FUNNEL_COUNTS
    " r AS (SELECT grouping(c.key) AS totals, coalesce(c.key, '') AS key," SV_FUNNEL_SUMS
    " GROUP BY GROUPING SETS ((c.key), ())),"
    " p AS (SELECT grouping(f.key) AS totals, coalesce(f.key, '') AS key,"
    "  percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.speed_s) AS speed"
    "  FROM f GROUP BY GROUPING SETS ((f.key), ()))" SV_FUNNEL_SELECT};
// Without a grouping: the totals alone.
constexpr Query kFunnelTotals = {"report_funnel_totals", SV_FUNNEL_COHORT SV_FUNNEL_COUNTS
                                 " r AS (SELECT 1 AS totals, '' AS key," SV_FUNNEL_SUMS
                                 "),"
                                 " p AS (SELECT 1 AS totals, '' AS key,"
                                 "  percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY "
                                 "f.speed_s) AS speed FROM f)" SV_FUNNEL_SELECT};
constexpr Query kAgentTimes = {
    "report_agent_times",
    "SELECT grouping(agent_login), coalesce(agent_login, ''), coalesce(sum(talk_s), 0),"
    " coalesce(sum(extract(epoch FROM ended_at - started_at)), 0)"
    " FROM agent_shifts WHERE started_at >= $1 AND started_at < $2"
    " AND (cardinality($3::text[]) = 0 OR agent_login = ANY($3::text[]))"
    " GROUP BY GROUPING SETS ((agent_login), ()) ORDER BY 1, 2"};
constexpr Query kRecordShift = {
    "report_record_shift",
    "INSERT INTO agent_shifts (agent_login, started_at, ended_at, talk_s) VALUES ($1, $2, $3, $4)"};
constexpr Query kSetSpeed = {
    "report_set_speed",
    "UPDATE lead_funnel SET speed_s = $3 WHERE lead_id = $1 AND first_call_at = $2"};
constexpr Query kGetTargets = {
    "targets_get",
    "SELECT DISTINCT ON (category) category, dialogue_percent, appointment_percent, show_percent,"
    " sale_percent, dealer_id <> '' FROM funnel_targets WHERE dealer_id IN ('', $1)"
    " ORDER BY category, dealer_id DESC"};
constexpr Query kSetTarget = {
    "targets_set",
    "INSERT INTO funnel_targets (dealer_id, category, dialogue_percent, appointment_percent,"
    " show_percent, sale_percent) VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (dealer_id, category) DO UPDATE SET dialogue_percent = EXCLUDED.dialogue_percent,"
    " appointment_percent = EXCLUDED.appointment_percent, show_percent = EXCLUDED.show_percent,"
    " sale_percent = EXCLUDED.sale_percent"};

std::string IdArray(const std::vector<int64_t>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

}  // namespace

absl::StatusOr<std::vector<FunnelFigures>> Funnel(PgConn& conn, const FunnelQuery& q) {
  // The filters are "empty or matches" on parameters: a plan made for these values (which folds
  // the empty ones away and sees the period) beats a generic one; planning costs a millisecond.
  RETURN_IF_ERROR(conn.ExecScript("SET LOCAL plan_cache_mode = force_custom_plan"));
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(q.group.empty() ? kFunnelTotals : kFunnel,
                             {q.from, q.to, ArrayLiteral(q.dealers), IdArray(q.campaigns),
                              ArrayLiteral(q.agents), ArrayLiteral(q.origins), q.kind,
                              ArrayLiteral(q.categories), q.group, q.time_zone}));
  std::vector<FunnelFigures> out;
  for (int i = 0; i < r.rows(); ++i) {
    FunnelFigures f;
    f.totals = r.GetInt(i, 0) == 1;
    f.key = r.GetString(i, 1);
    f.counts.leads = r.GetInt64(i, 2);
    for (int s = 0; s < 4; ++s) {
      f.counts.reached[s] = r.GetInt64(i, 3 + s);
      f.counts.expected[s] = r.GetDouble(i, 7 + s);
    }
    if (!r.IsNull(i, 11)) f.speed_p50_s = r.GetDouble(i, 11);
    if (!r.IsNull(i, 12)) f.speed_p90_s = r.GetDouble(i, 12);
    f.contacted = r.GetInt64(i, 13);
    f.calls_to_contact = r.GetInt64(i, 14);
    f.closed_not_reached = r.GetInt64(i, 15);
    f.closed_not_reached_cadence_complete = r.GetInt64(i, 16);
    f.messaged_before_call = r.GetInt64(i, 17);
    f.answered = r.GetInt64(i, 18);
    f.abandoned = r.GetInt64(i, 19);
    f.handovers_delivered = r.GetInt64(i, 20);
    f.handovers_showed = r.GetInt64(i, 21);
    f.handovers_sold = r.GetInt64(i, 22);
    f.label = r.GetString(i, 23);
    out.push_back(std::move(f));
  }
  // Without a grouping the one group is the totals.
  if (q.group.empty()) std::erase_if(out, [](const FunnelFigures& f) { return !f.totals; });
  // No leads at all: the grand total of an empty set is still a row.
  if (out.empty() || !out.back().totals) out.push_back(FunnelFigures{.totals = true});
  return out;
}

absl::StatusOr<std::vector<AgentTime>> AgentTimes(PgConn& conn, absl::Time from, absl::Time to,
                                                  const std::vector<std::string>& agents) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAgentTimes, {from, to, ArrayLiteral(agents)}));
  std::vector<AgentTime> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(AgentTime{.agent = r.GetInt(i, 0) == 1 ? "" : r.GetString(i, 1),
                            .talk_s = r.GetDouble(i, 2),
                            .logged_in_s = r.GetDouble(i, 3)});
  }
  return out;
}

absl::Status RecordAgentShift(PgConn& conn, absl::string_view agent, absl::Time started,
                              absl::Time ended, double talk_s) {
  return conn.Exec(kRecordShift, {agent, started, ended, talk_s}).status();
}

absl::Status SetSpeedToLead(PgConn& conn, int64_t lead_id, absl::Time first_call_at,
                            absl::Duration speed) {
  return conn.Exec(kSetSpeed, {lead_id, first_call_at, absl::ToDoubleSeconds(speed)}).status();
}

absl::StatusOr<TargetSet> GetTargets(PgConn& conn, absl::string_view dealer_id) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kGetTargets, {dealer_id}));
  TargetSet out;
  for (int i = 0; i < r.rows(); ++i) {
    const std::optional<funnel::Category> c = funnel::ParseCategory(r.Get(i, 0));
    if (!c) continue;
    funnel::Targets t;
    for (int s = 0; s < 4; ++s) t.percent[s] = r.GetDouble(i, 1 + s);
    out.targets.emplace_back(*c, t);
    if (r.GetBool(i, 5)) out.inherited = false;
  }
  return out;
}

absl::Status SetTargets(PgConn& conn, absl::string_view dealer_id,
                        const std::vector<std::pair<funnel::Category, funnel::Targets>>& targets) {
  for (const auto& [category, t] : targets) {
    RETURN_IF_ERROR(conn.Exec(kSetTarget, {dealer_id, funnel::Name(category), t.percent[0],
                                           t.percent[1], t.percent[2], t.percent[3]})
                        .status());
  }
  return absl::OkStatus();
}

}  // namespace secondvoice::store
