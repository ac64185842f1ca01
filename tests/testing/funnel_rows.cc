// Hand-made funnel rows.
#include "tests/testing/funnel_rows.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace secondvoice::testing {

v1::FunnelRow FunnelRowOf(absl::string_view key, absl::string_view label, int64_t leads,
                          std::array<int64_t, 4> counts) {
  constexpr v1::FunnelStep kSteps[] = {v1::FUNNEL_STEP_DIALOGUE, v1::FUNNEL_STEP_APPOINTMENT,
                                       v1::FUNNEL_STEP_SHOW, v1::FUNNEL_STEP_SALE};
  v1::FunnelRow row;
  row.set_group_key(std::string(key));
  row.set_group_label(std::string(label));
  row.set_leads(leads);
  row.set_dialogues(counts[0]);
  row.set_appointments(counts[1]);
  row.set_shows(counts[2]);
  row.set_sales(counts[3]);
  int64_t previous = leads;
  for (int i = 0; i < 4; ++i) {
    v1::FunnelStepResult* s = row.add_steps();
    s->set_step(kSteps[i]);
    s->set_count(counts[i]);
    s->set_percent_of_leads(leads > 0 ? 100.0 * counts[i] / leads : 0);
    s->set_conversion_percent(previous > 0 ? 100.0 * counts[i] / previous : 0);
    s->set_target_percent(kFunnelTargets[i]);
    s->set_target_count(std::llround(kFunnelTargets[i] * leads / 100));
    s->set_shortfall(std::max<int64_t>(0, s->target_count() - counts[i]));
    previous = counts[i];
  }
  row.mutable_speed_to_lead_p50()->set_seconds(60 * 3 + leads % 120);
  row.mutable_speed_to_lead_p90()->set_seconds(60 * 11 + leads % 300);
  row.set_attempts_per_lead_before_contact(1.5 + (leads % 10) / 10.0);
  row.set_closed_not_reached(leads / 9);
  row.set_closed_not_reached_cadence_complete(leads / 12);
  row.set_emails_before_first_call(leads / 40);
  row.set_abandon_rate_percent(1.8 + (leads % 7) / 10.0);
  row.set_handovers_delivered(counts[1]);
  row.set_handovers_showed(counts[2]);
  row.set_handovers_sold(counts[3]);
  return row;
}

void AddShortfall(v1::FunnelReport* report, absl::string_view key, v1::FunnelStep step,
                  int64_t target, int64_t actual, double conversion, double target_conversion) {
  v1::StepShortfall* s = report->add_shortfalls();
  s->set_group_key(std::string(key));
  s->set_totals(key.empty());
  s->set_step(step);
  s->set_target_count(target);
  s->set_actual_count(actual);
  s->set_shortfall(target - actual);
  s->set_conversion_percent(conversion);
  s->set_target_conversion_percent(target_conversion);
}

}  // namespace secondvoice::testing
