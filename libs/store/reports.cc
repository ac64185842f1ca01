// SQL for the funnel reports and targets.
#include "libs/store/reports.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "libs/common/status_macros.h"
#include "libs/store/dealers.h"

namespace secondvoice::store {
namespace {

// A row's group key: the same expression over per-lead rows (lead_funnel), days (funnel_daily)
// and changes not folded yet (funnel_changes); the agent and time groups only ever see leads.
#define SV_FUNNEL_KEY                                                                            \
  " CASE $9"                                                                                     \
  "   WHEN 'dealer' THEN x.dealer_id"                                                            \
  "   WHEN 'campaign' THEN coalesce(nullif(x.campaign_id, 0)::text, '')"                         \
  "   WHEN 'agent' THEN x.dialogue_by"                                                           \
  "   WHEN 'origin' THEN x.origin"                                                               \
  "   WHEN 'category' THEN x.category"                                                           \
  "   WHEN 'day' THEN to_char(date_trunc('day', x.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"   \
  "   WHEN 'week' THEN to_char(date_trunc('week', x.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')" \
  "   WHEN 'month' THEN"                                                                         \
  "     to_char(date_trunc('month', x.arrived_at AT TIME ZONE $10), 'YYYY-MM-DD')"               \
  "   ELSE '' END AS key"
#define SV_FUNNEL_DAY_KEY                                                \
  " CASE $9"                                                             \
  "   WHEN 'dealer' THEN x.dealer_id"                                    \
  "   WHEN 'campaign' THEN coalesce(nullif(x.campaign_id, 0)::text, '')" \
  "   WHEN 'origin' THEN x.origin"                                       \
  "   WHEN 'category' THEN x.category"                                   \
  "   ELSE '' END AS key"
#define SV_FUNNEL_FILTERS                                                       \
  "   AND (cardinality($3::text[]) = 0 OR x.dealer_id = ANY($3::text[]))"       \
  "   AND (cardinality($4::bigint[]) = 0 OR x.campaign_id = ANY($4::bigint[]))" \
  "   AND (cardinality($6::text[]) = 0 OR x.origin = ANY($6::text[]))"          \
  "   AND ($7 = '' OR x.kind = $7)"                                             \
  "   AND (cardinality($8::text[]) = 0 OR x.category = ANY($8::text[]))"
#define SV_FUNNEL_LEADS_WHERE \
  SV_FUNNEL_FILTERS "   AND (cardinality($5::text[]) = 0 OR x.dialogue_by = ANY($5::text[]))"
#define SV_FUNNEL_DAY_FIGURES                                                         \
  " x.dealer_id, x.category, x.leads, x.dialogues, x.appointments, x.shows, x.sales," \
  " x.contacted, x.calls, x.closed, x.complete, x.messaged, x.answered, x.abandoned," \
  " x.delivered, x.delivered_showed, x.delivered_sold"
// f: the leads of the period's ragged ends, [$1, $2) and [$11, $12), one row each (all of the
// period when it cannot be read by days); d: the whole UTC days [$13, $14), stored and changed.
#define SV_FUNNEL_ROWS                                                        \
  "WITH f AS NOT MATERIALIZED ("                                              \
  "  SELECT x.*," SV_FUNNEL_KEY                                               \
  " FROM lead_funnel x"                                                       \
  "   WHERE x.arrived_at >= $1 AND x.arrived_at < $2" SV_FUNNEL_LEADS_WHERE   \
  "  UNION ALL SELECT x.*," SV_FUNNEL_KEY                                     \
  " FROM lead_funnel x"                                                       \
  "   WHERE x.arrived_at >= $11 AND x.arrived_at < $12" SV_FUNNEL_LEADS_WHERE \
  "),"                                                                        \
  " d AS NOT MATERIALIZED ("                                                  \
  "  SELECT" SV_FUNNEL_DAY_FIGURES                                            \
  ", x.speeds AS plus, '{}'::double precision[] AS minus," SV_FUNNEL_DAY_KEY  \
  " FROM funnel_daily x"                                                      \
  "   WHERE x.day >= $13 AND x.day < $14" SV_FUNNEL_FILTERS                   \
  "  UNION ALL SELECT" SV_FUNNEL_DAY_FIGURES                                  \
  ", x.speeds_added, x.speeds_removed," SV_FUNNEL_DAY_KEY                     \
  " FROM funnel_changes x"                                                    \
  "   WHERE x.day >= $13 AND x.day < $14" SV_FUNNEL_FILTERS "),"

// Counted as finely as the targets need (key, dealer, category), so that the aggregation hashes
// a few thousand groups and the targets are joined on those, not on every lead or day.
#define SV_FUNNEL_COUNTS                                                                          \
  " u AS (SELECT f.key, f.dealer_id, f.category, count(*) AS leads,"                              \
  "   count(f.dialogue_at) AS dialogues, count(f.appointment_at) AS appointments,"                \
  "   count(f.showed_at) AS shows, count(f.sold_at) AS sales,"                                    \
  "   count(f.calls_to_dialogue) AS contacted, coalesce(sum(f.calls_to_dialogue), 0) AS calls,"   \
  "   count(*) FILTER (WHERE f.closed_not_reached) AS closed,"                                    \
  "   count(*) FILTER (WHERE f.closed_not_reached AND f.cadence_complete) AS complete,"           \
  "   count(*) FILTER (WHERE f.messages_before_call > 0) AS messaged,"                            \
  "   coalesce(sum(f.answered), 0) AS answered, coalesce(sum(f.abandoned), 0) AS abandoned,"      \
  "   count(f.handover_delivered_at) AS delivered,"                                               \
  "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.showed_at IS NOT NULL)"    \
  "     AS delivered_showed,"                                                                     \
  "   count(*) FILTER (WHERE f.handover_delivered_at IS NOT NULL AND f.sold_at IS NOT NULL)"      \
  "     AS delivered_sold"                                                                        \
  "  FROM f GROUP BY f.key, f.dealer_id, f.category"                                              \
  "  UNION ALL SELECT d.key, d.dealer_id, d.category, d.leads, d.dialogues, d.appointments,"      \
  "   d.shows, d.sales, d.contacted, d.calls, d.closed, d.complete, d.messaged, d.answered,"      \
  "   d.abandoned, d.delivered, d.delivered_showed, d.delivered_sold FROM d),"                    \
  " c AS (SELECT u.key, u.dealer_id, u.category, sum(u.leads) AS leads,"                          \
  "   sum(u.dialogues) AS dialogues, sum(u.appointments) AS appointments, sum(u.shows) AS shows," \
  "   sum(u.sales) AS sales, sum(u.contacted) AS contacted, sum(u.calls) AS calls,"               \
  "   sum(u.closed) AS closed, sum(u.complete) AS complete, sum(u.messaged) AS messaged,"         \
  "   sum(u.answered) AS answered, sum(u.abandoned) AS abandoned,"                                \
  "   sum(u.delivered) AS delivered, sum(u.delivered_showed) AS delivered_showed,"                \
  "   sum(u.delivered_sold) AS delivered_sold"                                                    \
  "  FROM u GROUP BY u.key, u.dealer_id, u.category),"

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

// Each group and the totals (GROUPING SETS), in key order, the totals last, with the dealer's
// or campaign's name.
constexpr Query kFunnel = {
    "report_funnel", SV_FUNNEL_ROWS SV_FUNNEL_COUNTS
    " r AS (SELECT grouping(c.key) AS totals, coalesce(c.key, '') AS key," SV_FUNNEL_SUMS
    " GROUP BY GROUPING SETS ((c.key), ())"
    // A group whose leads all moved away (a lead put in a campaign later) is no group.
    " HAVING sum(c.leads) <> 0 OR grouping(c.key) = 1)"
    " SELECT r.totals, r.key, r.leads, r.dialogues, r.appointments, r.shows, r.sales,"
    "  r.e1, r.e2, r.e3, r.e4, r.contacted, r.calls, r.closed, r.complete, r.messaged,"
    "  r.answered, r.abandoned, r.delivered, r.delivered_showed, r.delivered_sold,"
    "  coalesce(CASE $9 WHEN 'dealer' THEN d.name WHEN 'campaign' THEN cm.name END, '')"
    " FROM r"
    " LEFT JOIN dealers d ON $9 = 'dealer' AND d.id = r.key"
    " LEFT JOIN campaigns cm ON $9 = 'campaign' AND cm.id::text = r.key"
    " ORDER BY r.totals, r.key"};
// The speeds to lead of each group's leads, as arrays: one per lead group of the ragged ends,
// one per stored day, added and taken away by each change.
constexpr Query kFunnelSpeeds = {
    "report_funnel_speeds", SV_FUNNEL_ROWS
    " s AS (SELECT f.key, array_agg(f.speed_s) AS plus, '{}'::double precision[] AS minus"
    "  FROM f WHERE f.speed_s IS NOT NULL GROUP BY f.key"
    "  UNION ALL SELECT d.key, d.plus, d.minus FROM d WHERE d.plus <> '{}' OR d.minus <> '{}')"
    " SELECT s.key, s.plus, s.minus FROM s"};
constexpr Query kCompact = {"funnel_compact", "SELECT funnel_compact()"};
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

// Where a period is read from: the whole UTC days in it from the daily figures, the ragged ends
// (or all of it, when the filters or the grouping need what only a lead's row says: who had the
// dialogue, the day in a time zone) from the leads' rows.
struct Split {
  absl::Time ends[4];   // [ends[0], ends[1]) and [ends[2], ends[3]) by lead
  std::string days[2];  // [days[0], days[1]) by day
};

Split SplitPeriod(const FunnelQuery& q) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const bool by_day = q.agents.empty() && q.group != "agent" && q.group != "day" &&
                      q.group != "week" && q.group != "month";
  absl::CivilDay first = absl::ToCivilDay(q.from, utc);
  if (absl::FromCivil(first, utc) < q.from) ++first;
  absl::CivilDay last = absl::ToCivilDay(q.to, utc);  // exclusive
  Split s;
  if (by_day && first < last) {
    s.ends[0] = q.from;
    s.ends[1] = absl::FromCivil(first, utc);
    s.ends[2] = absl::FromCivil(last, utc);
    s.ends[3] = q.to;
  } else {
    s.ends[0] = q.from;
    s.ends[1] = q.to;
    s.ends[2] = s.ends[3] = q.to;
    first = last = absl::CivilDay(1970, 1, 1);
  }
  s.days[0] = absl::FormatCivilTime(first);
  s.days[1] = absl::FormatCivilTime(last);
  return s;
}

// "{1.5,20,3e+06}" into `out`.
absl::Status AppendDoubles(absl::string_view array, std::vector<double>& out) {
  array = absl::StripPrefix(absl::StripSuffix(array, "}"), "{");
  if (array.empty()) return absl::OkStatus();
  for (absl::string_view v : absl::StrSplit(array, ',')) {
    double d = 0;
    if (!absl::SimpleAtod(v, &d)) return absl::InternalError(absl::StrCat("speed ", v));
    out.push_back(d);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<FunnelFigures>> Funnel(PgConn& conn, const FunnelQuery& q) {
  // The filters are "empty or matches" on parameters: a plan made for these values (which folds
  // the empty ones away and sees the period) beats a generic one; planning costs a millisecond.
  RETURN_IF_ERROR(conn.ExecScript("SET LOCAL plan_cache_mode = force_custom_plan"));
  const Split split = SplitPeriod(q);
  const std::vector<Param> params = {split.ends[0],
                                     split.ends[1],
                                     ArrayLiteral(q.dealers),
                                     IdArray(q.campaigns),
                                     ArrayLiteral(q.agents),
                                     ArrayLiteral(q.origins),
                                     q.kind,
                                     ArrayLiteral(q.categories),
                                     q.group,
                                     q.time_zone,
                                     split.ends[2],
                                     split.ends[3],
                                     split.days[0],
                                     split.days[1]};
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kFunnel, params));
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
    f.contacted = r.GetInt64(i, 11);
    f.calls_to_contact = r.GetInt64(i, 12);
    f.closed_not_reached = r.GetInt64(i, 13);
    f.closed_not_reached_cadence_complete = r.GetInt64(i, 14);
    f.messaged_before_call = r.GetInt64(i, 15);
    f.answered = r.GetInt64(i, 16);
    f.abandoned = r.GetInt64(i, 17);
    f.handovers_delivered = r.GetInt64(i, 18);
    f.handovers_showed = r.GetInt64(i, 19);
    f.handovers_sold = r.GetInt64(i, 20);
    f.label = r.GetString(i, 21);
    out.push_back(std::move(f));
  }
  // Without a grouping the one group is the totals.
  if (q.group.empty()) std::erase_if(out, [](const FunnelFigures& f) { return !f.totals; });
  // No leads at all: the grand total of an empty set is still a row.
  if (out.empty() || !out.back().totals) out.push_back(FunnelFigures{.totals = true});

  // Speed to lead: exact percentiles of each group's leads, and of all of them.
  ASSIGN_OR_RETURN(PgResult speeds, conn.Exec(kFunnelSpeeds, params));
  absl::flat_hash_map<std::string, funnel::SpeedSample> by_key;
  funnel::SpeedSample all;
  for (int i = 0; i < speeds.rows(); ++i) {
    funnel::SpeedSample& group = by_key[speeds.Get(i, 0)];
    RETURN_IF_ERROR(AppendDoubles(speeds.Get(i, 1), group.plus));
    RETURN_IF_ERROR(AppendDoubles(speeds.Get(i, 2), group.minus));
  }
  auto fill = [](FunnelFigures& f, funnel::SpeedSample sample) {
    const std::vector<double> sorted = funnel::Net(std::move(sample));
    f.speed_p50_s = funnel::PercentileDisc(sorted, 0.5);
    f.speed_p90_s = funnel::PercentileDisc(sorted, 0.9);
  };
  for (const auto& [key, sample] : by_key) {
    all.plus.insert(all.plus.end(), sample.plus.begin(), sample.plus.end());
    all.minus.insert(all.minus.end(), sample.minus.begin(), sample.minus.end());
  }
  for (FunnelFigures& f : out) {
    auto it = by_key.find(f.key);
    if (!f.totals && it != by_key.end()) fill(f, std::move(it->second));
  }
  fill(out.back(), std::move(all));
  return out;
}

absl::StatusOr<int64_t> CompactFunnel(PgConn& conn) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kCompact));
  return r.GetInt64(0, 0);
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
