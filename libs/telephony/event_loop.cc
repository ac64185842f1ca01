// Virtual-time and real-time event loops.
#include "libs/telephony/event_loop.h"

#include <utility>

namespace secondvoice::telephony {

void TimerQueue::Push(absl::Time at, std::function<void()> fn) {
  heap_.push(Entry{at, seq_++, std::move(fn)});
}

std::function<void()> TimerQueue::Pop() {
  // priority_queue::top is const; the entry is dropped right after, so moving out is safe.
  auto fn = std::move(const_cast<Entry&>(heap_.top()).fn);
  heap_.pop();
  return fn;
}

void VirtualLoop::At(absl::Time at, std::function<void()> fn) {
  queue_.Push(std::max(at, now_), std::move(fn));
}

void VirtualLoop::RunUntil(absl::Time until) {
  while (!queue_.Empty() && queue_.NextAt() <= until) {
    now_ = queue_.NextAt();
    queue_.Pop()();
  }
  if (until > now_) now_ = until;
}

RealLoop::RealLoop() : thread_([this] { Run(); }) {}

RealLoop::~RealLoop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void RealLoop::At(absl::Time at, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  queue_.Push(at, std::move(fn));
}

void RealLoop::Run() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    if (queue_.Empty()) {
      mu_.Await(absl::Condition(
          +[](RealLoop* self)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stop_ || !self->queue_.Empty(); },
          this));
      continue;
    }
    const absl::Time next = queue_.NextAt();
    if (absl::Now() < next) {
      // Wakes early when a sooner callback is added or the loop stops.
      std::pair<RealLoop*, absl::Time> arg(this, next);
      mu_.AwaitWithDeadline(
          absl::Condition(
              +[](std::pair<RealLoop*, absl::Time>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return a->first->stop_ || a->first->queue_.NextAt() < a->second;
              },
              &arg),
          next);
      continue;
    }
    std::function<void()> fn = queue_.Pop();
    mu_.Unlock();
    fn();
    mu_.Lock();
  }
}

}  // namespace secondvoice::telephony
