// scripts/bench pacing: simulated BDC shifts from fixed seeds (5, 20 and 100 agents; answer rates
// 12%, 25% and 40%; a day whose answer rate drifts), each run by our predictive pacer,
// progressive 1:1 and a VICIdial-style adaptive dial level, next to the physical limit T/(T+W).
// Every pacer meets the same customers (same seed): the figures differ only by pacing.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/pacing/pacer.h"
#include "libs/pacing/shift_sim.h"

namespace secondvoice::pacing {
namespace {

std::vector<ShiftScenario> Scenarios(int days) {
  std::vector<ShiftScenario> out;
  uint64_t seed = 20261123;
  for (int agents : {5, 20, 100}) {
    for (double rate : {0.12, 0.25, 0.40}) {
      ShiftScenario s;
      s.name = absl::StrFormat("%d agents, %.0f%%", agents, 100 * rate);
      s.agents = agents;
      s.carrier.answer_rate = rate;
      s.carrier.hour_factor = telephony::CarrierProfile::FlatHours();
      s.days = days;
      s.seed = ++seed;
      out.push_back(s);
    }
  }
  // The answer rate drifts through the shift (12:00-20:00 UTC): 40% at noon, down to 12% in the
  // afternoon, back up to 30% in the evening.
  ShiftScenario drift;
  drift.name = "20 agents, drifting 40%-12%-30%";
  drift.agents = 20;
  drift.carrier.answer_rate = 1.0;
  drift.carrier.hour_factor = telephony::CarrierProfile::FlatHours();
  drift.carrier.drift = [](absl::Time t) {
    const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
    const double h = c.hour() + c.minute() / 60.0;
    if (h < 15) return 0.40 + (0.12 - 0.40) * (h - 12) / 3;
    return 0.12 + (0.30 - 0.12) * std::min(1.0, (h - 15) / 5);
  };
  drift.days = days;
  drift.seed = ++seed;
  out.push_back(drift);
  return out;
}

std::string Json(const ShiftResult& r) {
  return absl::StrFormat(
      "{\"talk_share\":%.4f,\"ratio_to_limit\":%.4f,\"abandon_rate\":%.4f,"
      "\"worst_24h_abandon\":%.4f,\"mean_wait_s\":%.2f}",
      r.talk_share, r.ratio_to_limit, r.abandon_rate, r.worst_24h_abandon, r.mean_wait_s);
}

void Row(const std::string& scenario, const ShiftResult& r) {
  std::cout << absl::StrFormat("%-32s %-12s %8d %7d %5d %6.3f %6.3f %6.3f %6.2f%% %6.2f%% %7.1f\n",
                               scenario, r.pacer, r.calls, r.answered, r.abandoned, r.limit,
                               r.talk_share, r.ratio_to_limit, 100 * r.abandon_rate,
                               100 * r.worst_24h_abandon, r.mean_wait_s);
}

}  // namespace
}  // namespace secondvoice::pacing

int main(int argc, char** argv) {
  using namespace secondvoice::pacing;
  const int days = argc > 1 ? std::atoi(argv[1]) : 3;
  // Optional: only the scenarios whose name contains this (a quick look while tuning).
  const std::string only = argc > 2 ? argv[2] : "";
  std::cout << "simulated BDC shifts: 8 h a day for " << days
            << " days per scenario; talk share = talk / logged-in time; limit = T/(T+W)\n";
  std::cout << absl::StrFormat("%-32s %-12s %8s %7s %5s %6s %6s %6s %7s %7s %7s\n", "scenario",
                               "pacer", "calls", "answer", "aband", "limit", "talk", "ratio",
                               "aband%", "worst24", "wait_s");
  std::vector<std::string> json;
  for (const ShiftScenario& s : Scenarios(days)) {
    if (!absl::StrContains(s.name, only)) continue;
    PredictivePacer predictive;
    ProgressivePacer progressive;
    VicidialPacer vicidial;
    const ShiftResult p = SimulateShift(s, predictive);
    const ShiftResult g = SimulateShift(s, progressive);
    const ShiftResult v = SimulateShift(s, vicidial);
    for (const ShiftResult* r : {&p, &g, &v}) Row(s.name, *r);
    std::cout << std::flush;
    json.push_back(absl::StrFormat(
        "{\"name\":\"%s\",\"agents\":%d,\"answer_rate\":%.2f,\"limit\":%.4f,\"predictive\":%s,"
        "\"progressive\":%s,\"vicidial\":%s}",
        s.name, s.agents,
        s.carrier.drift ? static_cast<double>(g.answered) / std::max<int64_t>(1, g.calls)
                        : s.carrier.answer_rate,
        p.limit, Json(p), Json(g), Json(v)));
  }
  std::cout << "{\"bench\":\"pacing\",\"scenarios\":[" << absl::StrJoin(json, ",") << "]}"
            << std::endl;
  return 0;
}
