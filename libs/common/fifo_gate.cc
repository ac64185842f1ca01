// Tickets in order of arrival; each one leaving admits the next.
#include "libs/common/fifo_gate.h"

#include <algorithm>

namespace secondvoice {

FifoGate::FifoGate(int limit) : limit_(std::max(1, limit)) {
  absl::MutexLock lock(&mu_);
  admitted_ = static_cast<uint64_t>(limit_);
}

FifoGate::Pass FifoGate::Enter() {
  absl::MutexLock lock(&mu_);
  const uint64_t ticket = tickets_++;
  auto my_turn = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ticket < admitted_; };
  mu_.Await(absl::Condition(&my_turn));
  return Pass(this);
}

void FifoGate::Pass::Leave() {
  if (gate_ == nullptr) return;
  absl::MutexLock lock(&gate_->mu_);
  ++gate_->admitted_;
  ++gate_->left_;
  gate_ = nullptr;
}

int FifoGate::Inside() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(std::min(admitted_, tickets_) - left_);
}

int FifoGate::Waiting() {
  absl::MutexLock lock(&mu_);
  return tickets_ > admitted_ ? static_cast<int>(tickets_ - admitted_) : 0;
}

}  // namespace secondvoice
