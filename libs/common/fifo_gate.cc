// A line of waiters in order of arrival; each one leaving hands its place to the first in line
// and wakes that thread only.
#include "libs/common/fifo_gate.h"

#include <algorithm>

namespace secondvoice {

FifoGate::FifoGate(int limit) : limit_(std::max(1, limit)) {}

FifoGate::Pass FifoGate::Enter() {
  absl::MutexLock lock(&mu_);
  if (first_ == nullptr && inside_ < limit_) {
    ++inside_;
    return Pass(this);
  }
  Waiter me;
  (last_ == nullptr ? first_ : last_->next) = &me;
  last_ = &me;
  ++waiting_;
  while (!me.admitted) me.turn.Wait(&mu_);
  return Pass(this);  // the place of the one who left, so inside_ is unchanged
}

void FifoGate::Pass::Leave() {
  if (gate_ == nullptr) return;
  FifoGate& g = *gate_;
  gate_ = nullptr;
  absl::MutexLock lock(&g.mu_);
  Waiter* next = g.first_;
  if (next == nullptr) {
    --g.inside_;
    return;
  }
  g.first_ = next->next;
  if (g.first_ == nullptr) g.last_ = nullptr;
  --g.waiting_;
  next->admitted = true;
  next->turn.Signal();
}

int FifoGate::Inside() {
  absl::MutexLock lock(&mu_);
  return inside_;
}

int FifoGate::Waiting() {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace secondvoice
