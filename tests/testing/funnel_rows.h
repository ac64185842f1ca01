// Funnel report rows made by hand, as the server fills them, for the tests of what renders them
// (the HTML page, the browser test): no database needed.
#ifndef SECONDVOICE_TESTS_TESTING_FUNNEL_ROWS_H_
#define SECONDVOICE_TESTS_TESTING_FUNNEL_ROWS_H_

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "secondvoice/v1/reports.pb.h"

namespace secondvoice::testing {

// The new-car online defaults, 60/36/22/13, per 100 leads.
inline constexpr std::array<double, 4> kFunnelTargets = {60, 36, 22, 13};

// A row with `counts` of dialogues, appointments, shows and sales among `leads`: the steps'
// rates, conversions, targets (kFunnelTargets) and shortfalls, and plausible signals beside
// them (speed, calls before contact, closings, e-mails first, abandons, handovers).
v1::FunnelRow FunnelRowOf(absl::string_view key, absl::string_view label, int64_t leads,
                          std::array<int64_t, 4> counts);

// A shortfall of `target - actual` at `step` of the row `key` ("" for the totals).
void AddShortfall(v1::FunnelReport* report, absl::string_view key, v1::FunnelStep step,
                  int64_t target, int64_t actual, double conversion, double target_conversion);

}  // namespace secondvoice::testing

#endif  // SECONDVOICE_TESTS_TESTING_FUNNEL_ROWS_H_
