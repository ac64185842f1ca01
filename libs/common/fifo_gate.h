// A gate that lets at most `limit` threads through at once, in the order they came. Work that
// shares a few cores with its database (32 claimers on two cores) runs faster and far more
// evenly when only a few are at it at a time and the rest wait their turn in line, than when
// all of them compete and the operating system picks who goes next.
#ifndef SECONDVOICE_LIBS_COMMON_FIFO_GATE_H_
#define SECONDVOICE_LIBS_COMMON_FIFO_GATE_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace secondvoice {

class FifoGate {
 public:
  // `limit` of at least 1.
  explicit FifoGate(int limit);
  FifoGate(const FifoGate&) = delete;
  FifoGate& operator=(const FifoGate&) = delete;

  // Held while inside; leaves when destroyed or on Leave().
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Pass& operator=(Pass&&) = delete;
    ~Pass() { Leave(); }
    void Leave();

   private:
    friend class FifoGate;
    explicit Pass(FifoGate* gate) : gate_(gate) {}
    FifoGate* gate_;
  };

  // Waits for its turn.
  Pass Enter();

  int limit() const { return limit_; }
  // Threads inside now, and in line (for tests).
  int Inside();
  int Waiting();

 private:
  // One per thread in line, on its own stack: a turn handed over wakes that thread alone.
  struct Waiter {
    absl::CondVar turn;
    bool admitted = false;
    Waiter* next = nullptr;
  };

  const int limit_;
  absl::Mutex mu_;
  int inside_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  Waiter* first_ ABSL_GUARDED_BY(mu_) = nullptr;  // the line, oldest first
  Waiter* last_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace secondvoice

#endif  // SECONDVOICE_LIBS_COMMON_FIFO_GATE_H_
