// A small seeded generator (SplitMix64) with the distributions the simulator needs. Its output
// is the same with every compiler and standard library, so seeded runs repeat exactly.
#ifndef SECONDVOICE_LIBS_TELEPHONY_RANDOM_H_
#define SECONDVOICE_LIBS_TELEPHONY_RANDOM_H_

#include <cmath>
#include <cstdint>

#include "absl/time/time.h"

namespace secondvoice::telephony {

inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A duration whose logarithm is normal: the usual shape of ring, talk and wrap-up times.
struct LogNormal {
  absl::Duration median;
  double sigma = 0.5;
  // The mean, exp(mu + sigma^2 / 2).
  absl::Duration Mean() const { return median * std::exp(sigma * sigma / 2); }
};

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_++ * 0x2545f4914f6cdd1dULL); }
  // In [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {
    // Box-Muller; 1 - Uniform() is in (0, 1], so the logarithm is finite.
    const double r = std::sqrt(-2.0 * std::log(1.0 - Uniform()));
    return r * std::cos(6.283185307179586 * Uniform());
  }
  absl::Duration Sample(const LogNormal& d) { return d.median * std::exp(d.sigma * Normal()); }

 private:
  uint64_t state_;
};

}  // namespace secondvoice::telephony

#endif  // SECONDVOICE_LIBS_TELEPHONY_RANDOM_H_
