// Time for the simulated carrier and the dialer: a loop that runs callbacks at given instants,
// either in virtual time (a whole shift in seconds, single-threaded, deterministic) or in real
// time (one thread, for the daemon and the demo).
#ifndef SECONDVOICE_LIBS_TELEPHONY_EVENT_LOOP_H_
#define SECONDVOICE_LIBS_TELEPHONY_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace secondvoice::telephony {

class EventLoop {
 public:
  virtual ~EventLoop() = default;
  virtual absl::Time Now() = 0;
  // Runs `fn` at `at` (at once if it has passed), after everything already due at that instant.
  virtual void At(absl::Time at, std::function<void()> fn) = 0;
  void After(absl::Duration delay, std::function<void()> fn) { At(Now() + delay, std::move(fn)); }
};

// Callbacks due at the same instant run in the order they were added.
class TimerQueue {
 public:
  void Push(absl::Time at, std::function<void()> fn);
  bool Empty() const { return heap_.empty(); }
  absl::Time NextAt() const { return heap_.top().at; }
  std::function<void()> Pop();

 private:
  struct Entry {
    absl::Time at;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Entry& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  uint64_t seq_ = 0;
};

// Virtual time: nothing happens until the owner runs the loop. Not thread-safe.
class VirtualLoop final : public EventLoop {
 public:
  explicit VirtualLoop(absl::Time start) : now_(start) {}
  absl::Time Now() override { return now_; }
  void At(absl::Time at, std::function<void()> fn) override;
  // Runs everything due up to `until` in time order, then sets the clock to `until`.
  void RunUntil(absl::Time until);

 private:
  absl::Time now_;
  TimerQueue queue_;
};

// Real time on its own thread; At may be called from any thread, callbacks run on the loop's.
class RealLoop final : public EventLoop {
 public:
  RealLoop();
  // Drops what has not run yet.
  ~RealLoop() override;
  RealLoop(const RealLoop&) = delete;
  RealLoop& operator=(const RealLoop&) = delete;

  absl::Time Now() override { return absl::Now(); }
  void At(absl::Time at, std::function<void()> fn) override;

 private:
  void Run();

  absl::Mutex mu_;
  TimerQueue queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace secondvoice::telephony

#endif  // SECONDVOICE_LIBS_TELEPHONY_EVENT_LOOP_H_
