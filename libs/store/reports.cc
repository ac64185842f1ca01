// SQL for the funnel reports and targets.
#include "libs/store/reports.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"

namespace secondvoice::store {
namespace {

// One pass over the cohort's rows: each group and the totals (GROUPING SETS). The targets each
// lead asks for are its dealer's for its category, else the defaults; summed they give the
// row's expected counts, so a row that mixes categories gets the lead-weighted mix.
constexpr Query kFunnel = {
    "report_funnel",
    "WITH f AS (SELECT f.*, CASE $9"
    "   WHEN 'dealer' THEN f.dealer_id"
    "   WHEN 'campaign' THEN coalesce(f.campaign_id::text, '')"
    "   WHEN 'agent' THEN f.dialogue_by"
    "   WHEN 'origin' THEN f.origin"
    "   WHEN 'category' THEN f.category"
    "   WHEN 'day' THEN to_char(date_trunc('day', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"
    "   WHEN 'week' THEN to_char(date_trunc('week', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"
    "   WHEN 'month' THEN"
    "     to_char(date_trunc('month', f.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"
    "   ELSE '' END AS key"
    "  FROM lead_funnel f"
    " WHERE f.arrived_at >= $1 AND f.arrived_at < $2"
    "   AND (cardinality($3::text[]) = 0 OR f.dealer_id = ANY($3::text[]))"
    "   AND (cardinality($4::bigint[]) = 0 OR f.campaign_id = ANY($4::bigint[]))"
    "   AND (cardinality($5::text[]) = 0 OR f.dialogue_by = ANY($5::text[]))"
    "   AND (cardinality($6::text[]) = 0 OR f.origin = ANY($6::text[]))"
    "   AND ($7 = '' OR f.kind = $7)"
    "   AND (cardinality($8::text[]) = 0 OR f.category = ANY($8::text[]))),"
    " r AS (SELECT grouping(f.key) AS totals, coalesce(f.key, '') AS key, count(*) AS leads,"
    "   count(f.dialogue_at), count(f.appointment_at), count(f.showed_at), count(f.sold_at),"
    "   coalesce(sum(coalesce(td.dialogue_percent, t0.dialogue_percent, 0)), 0) / 100,"
    "   coalesce(sum(coalesce(td.appointment_percent, t0.appointment_percent, 0)), 0) / 100,"
    "   coalesce(sum(coalesce(td.show_percent, t0.show_percent, 0)), 0) / 100,"
    "   coalesce(sum(coalesce(td.sale_percent, t0.sale_percent, 0)), 0) / 100,"
    "   percentile_disc(0.5) WITHIN GROUP (ORDER BY f.speed_s),"
    "   percentile_disc(0.9) WITHIN GROUP (ORDER BY f.speed_s),"
    "   count(f.calls_to_dialogue), coalesce(sum(f.calls_to_dialogue), 0),"
    "   count(*) FILTER (WHERE f.closed_not_reached),"
    "   count(*) FILTER (WHERE f.closed_not_reached AND f.cadence_complete),"
    "   count(*) FILTER (WHERE f.messages_before_call > 0),"
    "   coalesce(sum(f.answered), 0), coalesce(sum(f.abandoned), 0),"
    "   count(f.handover_delivered_at),"
    "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.showed_at IS NOT NULL),"
    "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.sold_at IS NOT NULL)"
    "  FROM f"
    "  LEFT JOIN funnel_targets t0 ON t0.dealer_id = '' AND t0.category = f.category"
    "  LEFT JOIN funnel_targets td ON td.dealer_id = f.dealer_id AND td.category = f.category"
    " GROUP BY GROUPING SETS ((f.key), ()))"
    " SELECT r.*, coalesce(CASE $9 WHEN 'dealer' THEN d.name WHEN 'campaign' THEN c.name END, '')"
    "  FROM r"
    "  LEFT JOIN dealers d ON $9 = 'dealer' AND d.id = r.key"
    "  LEFT JOIN campaigns c ON $9 = 'campaign' AND c.id::text = r.key"
    " ORDER BY r.totals, r.key"};
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
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Exec(kFunnel, {q.from, q.to, ArrayLiteral(q.dealers), IdArray(q.campaigns),
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
