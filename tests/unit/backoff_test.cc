// The handover dispatcher's back-off: doubling from the first wait up to the longest, each
// drawn from the upper half of its step so that retries of many handovers spread out.
#include <algorithm>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/scheduler/handover_dispatcher.h"

namespace secondvoice::scheduler {
namespace {

TEST(Backoff, DoublesFromTheFirstWaitUpToTheLongest) {
  const absl::Duration first = absl::Seconds(1), max = absl::Minutes(2);
  EXPECT_EQ(Backoff(1, first, max, 1.0), absl::Seconds(1));
  EXPECT_EQ(Backoff(1, first, max, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(Backoff(2, first, max, 0.0), absl::Seconds(1));
  EXPECT_EQ(Backoff(3, first, max, 0.0), absl::Seconds(2));
  EXPECT_EQ(Backoff(7, first, max, 0.0), absl::Seconds(32));
  EXPECT_EQ(Backoff(8, first, max, 0.0), absl::Minutes(1));  // half of the longest
  EXPECT_EQ(Backoff(1000, first, max, 0.0), absl::Minutes(1));
}

TEST(Backoff, IsDrawnFromTheUpperHalfOfItsStep) {
  const absl::Duration first = absl::Milliseconds(200), max = absl::Seconds(30);
  for (int attempts = 0; attempts < 40; ++attempts) {
    const absl::Duration step =
        std::min(max, first * (1 << std::min(attempts > 0 ? attempts - 1 : 0, 20)));
    EXPECT_EQ(Backoff(attempts, first, max, 0.0), step / 2) << attempts;
    EXPECT_EQ(Backoff(attempts, first, max, 1.0), step) << attempts;
    const absl::Duration mid = Backoff(attempts, first, max, 0.5);
    EXPECT_GT(mid, step / 2);
    EXPECT_LT(mid, step);
  }
}

TEST(Backoff, OutOfRangeDrawsAreClamped) {
  EXPECT_EQ(Backoff(1, absl::Seconds(4), absl::Minutes(1), -3), absl::Seconds(2));
  EXPECT_EQ(Backoff(1, absl::Seconds(4), absl::Minutes(1), 7), absl::Seconds(4));
}

}  // namespace
}  // namespace secondvoice::scheduler
