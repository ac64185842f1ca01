// The FIFO gate: never more than its limit inside, and turns in order of arrival.
#include "libs/common/fifo_gate.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace secondvoice {
namespace {

// Waits (briefly, by polling) until `done` holds.
template <typename F>
bool Eventually(F done) {
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return done();
}

TEST(FifoGate, NeverMoreThanTheLimitInside) {
  FifoGate gate(3);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        FifoGate::Pass pass = gate.Enter();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(gate.Inside(), 0);
  EXPECT_EQ(gate.Waiting(), 0);
}

TEST(FifoGate, TurnsGoInOrderOfArrival) {
  FifoGate gate(1);
  FifoGate::Pass first = gate.Enter();
  EXPECT_EQ(gate.Inside(), 1);
  absl::Mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      FifoGate::Pass pass = gate.Enter();
      absl::MutexLock lock(&mu);
      order.push_back(t);
    });
    // The next thread starts only once this one stands in line.
    ASSERT_TRUE(Eventually([&] { return gate.Waiting() == t + 1; })) << t;
  }
  first.Leave();
  for (auto& t : threads) t.join();
  EXPECT_THAT(order, testing::ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

TEST(FifoGate, APassLeavesOnceAndAMovedOneNotAtAll) {
  FifoGate gate(2);
  {
    FifoGate::Pass a = gate.Enter();
    FifoGate::Pass b = std::move(a);
    EXPECT_EQ(gate.Inside(), 1);
    b.Leave();
    b.Leave();
    EXPECT_EQ(gate.Inside(), 0);
  }
  // Two may enter again: the double Leave did not admit a third.
  FifoGate::Pass x = gate.Enter();
  FifoGate::Pass y = gate.Enter();
  EXPECT_EQ(gate.Inside(), 2);
  std::atomic<bool> entered{false};
  std::thread late([&] {
    FifoGate::Pass z = gate.Enter();
    entered = true;
  });
  ASSERT_TRUE(Eventually([&] { return gate.Waiting() == 1; }));
  EXPECT_FALSE(entered.load());
  x.Leave();
  late.join();
  EXPECT_TRUE(entered.load());
}

TEST(FifoGate, ALimitBelowOneIsOne) { EXPECT_EQ(FifoGate(0).limit(), 1); }

}  // namespace
}  // namespace secondvoice
