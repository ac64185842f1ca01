// Queries of the dialer.
#include "libs/store/dialing.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"

namespace secondvoice::store {
namespace {

// Outcomes of calls a person answered: every conversation, and the abandoned ones.
constexpr Query kAnswerHistory = {
    "dialing_answer_history",
    "SELECT campaign_id, date_trunc('minute', started_at),"
    " count(*) FILTER (WHERE outcome IN ('wrong_number', 'dialogue_no_appointment',"
    " 'callback_requested', 'appointment_set', 'not_interested', 'objection', 'abandoned')),"
    " count(*) FILTER (WHERE outcome = 'abandoned')"
    " FROM attempts WHERE campaign_id = ANY($1::bigint[]) AND started_at >= $2"
    " AND channel = 'phone' GROUP BY 1, 2 ORDER BY 2"};
constexpr Query kCountDue = {
    "dialing_count_due",
    "SELECT count(*) FROM (SELECT 1 FROM lead_schedule WHERE campaign_id = ANY($1::bigint[])"
    " AND due_at <= $2 AND blocked = '' LIMIT $3) d"};

std::string IdArray(const std::vector<int64_t>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

}  // namespace

absl::StatusOr<std::vector<AnswerMinute>> AnswerHistory(PgConn& conn,
                                                        const std::vector<int64_t>& campaign_ids,
                                                        absl::Time since) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kAnswerHistory, {IdArray(campaign_ids), since}));
  std::vector<AnswerMinute> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(AnswerMinute{.campaign_id = r.GetInt64(i, 0),
                               .minute = r.GetTime(i, 1),
                               .answered = r.GetInt64(i, 2),
                               .abandoned = r.GetInt64(i, 3)});
  }
  return out;
}

absl::StatusOr<int64_t> CountDue(PgConn& conn, const std::vector<int64_t>& campaign_ids,
                                 absl::Time now, int64_t limit) {
  ASSIGN_OR_RETURN(PgResult r, conn.Exec(kCountDue, {IdArray(campaign_ids), now, limit}));
  return r.GetInt64(0, 0);
}

}  // namespace secondvoice::store
