// Per-minute abandon counts over the last 30 days.
#include "libs/pacing/abandon_ledger.h"

#include <cmath>

namespace secondvoice::pacing {
namespace {

int64_t MinuteOf(absl::Time t) {
  return static_cast<int64_t>(std::floor(absl::ToDoubleMinutes(t - absl::UnixEpoch())));
}

}  // namespace

AbandonLedger::Minute& AbandonLedger::At(absl::Time at) {
  const int64_t m = MinuteOf(at);
  while (!minutes_.empty() && minutes_.front().minute <= m - 30 * 24 * 60) minutes_.pop_front();
  if (minutes_.empty() || minutes_.back().minute < m) {
    minutes_.push_back(Minute{m});
    return minutes_.back();
  }
  // Late events (rare) land in their own minute.
  for (auto it = minutes_.rbegin(); it != minutes_.rend(); ++it) {
    if (it->minute == m) return *it;
    if (it->minute < m) return *minutes_.insert(it.base(), Minute{m});
  }
  return *minutes_.insert(minutes_.begin(), Minute{m});
}

void AbandonLedger::OnAnswered(absl::Time at) { ++At(at).answered; }
void AbandonLedger::OnAbandoned(absl::Time at) { ++At(at).abandoned; }

void AbandonLedger::Add(absl::Time at, int64_t answered, int64_t abandoned) {
  Minute& m = At(at);
  m.answered += answered;
  m.abandoned += abandoned;
}

AbandonFigures AbandonLedger::Last(absl::Time now, absl::Duration window) const {
  // Whole minutes: the window reaches back to the start of the minute `window` ago (a little
  // more than `window`, never less: a cap is checked against at least the whole window).
  const int64_t from = MinuteOf(now - window);
  const int64_t to = MinuteOf(now);
  AbandonFigures f;
  for (auto it = minutes_.rbegin(); it != minutes_.rend() && it->minute >= from; ++it) {
    if (it->minute > to) continue;
    f.answered += it->answered;
    f.abandoned += it->abandoned;
  }
  return f;
}

double AbandonLedger::Headroom(absl::Time now, double more_answers, double cap) const {
  const AbandonFigures f = Last24h(now);
  return cap * (static_cast<double>(f.answered) + more_answers) - static_cast<double>(f.abandoned);
}

}  // namespace secondvoice::pacing
