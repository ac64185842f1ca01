// Tests for libs/common/worker_pool.h: every accepted task runs; a full queue refuses more.
#include "libs/common/worker_pool.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace secondvoice {
namespace {

// Lets a blocked task go when the test ends early (a failed ASSERT), so the pool's destructor
// never waits forever.
class Release {
 public:
  explicit Release(absl::Notification& n) : n_(n) {}
  ~Release() { Now(); }
  void Now() {
    if (!n_.HasBeenNotified()) n_.Notify();
  }

 private:
  absl::Notification& n_;
};

TEST(WorkerPool, RunsEverySubmittedTaskBeforeItIsDestroyed) {
  constexpr int kTasks = 500;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(4, kTasks);
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); })) << "task " << i;
    }
  }  // the destructor runs what is still queued, then joins
  EXPECT_EQ(ran.load(), kTasks);
}

TEST(WorkerPool, RunsTasksInOrderOnOneThread) {
  std::vector<int> order;  // one worker: no data race
  {
    WorkerPool pool(1, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.TrySubmit([&order, i] { order.push_back(i); }));
  }
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPool, RefusesTasksWhenTheQueueIsFull) {
  absl::Notification started;
  absl::Notification release;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1, 2);
    Release release_on_exit(release);  // destroyed before the pool
    ASSERT_TRUE(pool.TrySubmit([&] {
      started.Notify();
      release.WaitForNotification();
      ran.fetch_add(1);
    }));
    started.WaitForNotification();  // the only worker is busy and the queue is empty again

    ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
    ASSERT_TRUE(pool.TrySubmit([&ran] { ran.fetch_add(1); }));
    EXPECT_FALSE(pool.TrySubmit([&ran] { ran.fetch_add(100); })) << "the queue holds only 2";
    EXPECT_EQ(ran.load(), 0);

    release_on_exit.Now();
  }
  // The blocked task and the two queued ones ran; the refused one never did.
  EXPECT_EQ(ran.load(), 3);
}

}  // namespace
}  // namespace secondvoice
