// What the dialer reads at start-up: each campaign's answered and abandoned calls by minute, so
// the rolling abandon figures survive a restart; and how many leads of a queue are due now.
#ifndef SECONDVOICE_LIBS_STORE_DIALING_H_
#define SECONDVOICE_LIBS_STORE_DIALING_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

struct AnswerMinute {
  int64_t campaign_id = 0;
  absl::Time minute;
  int64_t answered = 0;  // a person answered (abandoned calls included)
  int64_t abandoned = 0;
};

absl::StatusOr<std::vector<AnswerMinute>> AnswerHistory(PgConn& conn,
                                                        const std::vector<int64_t>& campaign_ids,
                                                        absl::Time since);

// Leads of the campaigns due at `now`, counted up to `limit`.
absl::StatusOr<int64_t> CountDue(PgConn& conn, const std::vector<int64_t>& campaign_ids,
                                 absl::Time now, int64_t limit);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_DIALING_H_
