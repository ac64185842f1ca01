// The abandon ledger of one campaign: live-answered and abandoned calls by minute, so the pacer
// can keep abandoned calls at most 3% of live-answered calls over any rolling 24 h (Ofcom) and
// report the 30-day figure (FTC). Pure: instants come in as arguments.
#ifndef SECONDVOICE_LIBS_PACING_ABANDON_LEDGER_H_
#define SECONDVOICE_LIBS_PACING_ABANDON_LEDGER_H_

#include <cstdint>
#include <deque>

#include "absl/time/time.h"

namespace secondvoice::pacing {

inline constexpr double kAbandonCap = 0.03;
// A person who said hello and got no agent within this long is an abandoned call.
inline constexpr absl::Duration kAbandonAfter = absl::Seconds(2);

struct AbandonFigures {
  int64_t answered = 0;  // live (person) answers, abandoned ones included
  int64_t abandoned = 0;
  double Rate() const { return answered == 0 ? 0.0 : static_cast<double>(abandoned) / answered; }
};

class AbandonLedger {
 public:
  // Counts older than 30 days are dropped as time moves on.
  void OnAnswered(absl::Time at);
  void OnAbandoned(absl::Time at);
  // Counts read back from storage (a restart keeps the rolling figures).
  void Add(absl::Time at, int64_t answered, int64_t abandoned);

  AbandonFigures Last(absl::Time now, absl::Duration window) const;
  AbandonFigures Last24h(absl::Time now) const { return Last(now, absl::Hours(24)); }
  AbandonFigures Last30d(absl::Time now) const { return Last(now, absl::Hours(24 * 30)); }

  // How many more abandoned calls the rolling 24 h can take now and stay within `cap`, given
  // `more_answers` expected on top of those counted (may be negative: over the cap).
  double Headroom(absl::Time now, double more_answers, double cap = kAbandonCap) const;

 private:
  struct Minute {
    int64_t minute;  // since the epoch
    int64_t answered = 0;
    int64_t abandoned = 0;
  };
  Minute& At(absl::Time at);

  std::deque<Minute> minutes_;  // in time order
};

}  // namespace secondvoice::pacing

#endif  // SECONDVOICE_LIBS_PACING_ABANDON_LEDGER_H_
