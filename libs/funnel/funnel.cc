// Funnel maths.
#include "libs/funnel/funnel.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <tuple>

namespace secondvoice::funnel {
namespace {

double Percent(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

}  // namespace

absl::string_view Name(Category c) {
  switch (c) {
    case Category::kNewCarOnline:
      return "new_car_online";
    case Category::kUsedCarOnline:
      return "used_car_online";
    case Category::kPhone:
      return "phone";
    case Category::kShowroom:
      return "showroom";
    case Category::kPassiveList:
      return "passive_list";
  }
  return "passive_list";
}

std::optional<Category> ParseCategory(absl::string_view name) {
  for (Category c : kCategories) {
    if (Name(c) == name) return c;
  }
  return std::nullopt;
}

Category CategoryOf(bool passive, SourceChannel source, bool used_vehicle_of_interest) {
  if (passive) return Category::kPassiveList;
  switch (source) {
    case SourceChannel::kPhone:
      return Category::kPhone;
    case SourceChannel::kShowroom:
      return Category::kShowroom;
    case SourceChannel::kOnline:
    case SourceChannel::kUnknown:
    case SourceChannel::kOther:
      break;
  }
  return used_vehicle_of_interest ? Category::kUsedCarOnline : Category::kNewCarOnline;
}

absl::string_view Name(Step s) {
  switch (s) {
    case Step::kDialogue:
      return "dialogue";
    case Step::kAppointment:
      return "appointment";
    case Step::kShow:
      return "show";
    case Step::kSale:
      return "sale";
  }
  return "dialogue";
}

Targets DefaultTargets(Category c) {
  switch (c) {
    case Category::kUsedCarOnline:
      return Targets{{60, 36, 22, 20}};
    case Category::kPhone:
      return Targets{{60, 36, 22, 22}};
    case Category::kNewCarOnline:
    case Category::kShowroom:
    case Category::kPassiveList:
      break;
  }
  return Targets{{60, 36, 22, 13}};
}

std::array<StepResult, 4> Evaluate(const Counts& counts) {
  std::array<StepResult, 4> out;
  const double leads = static_cast<double>(counts.leads);
  double before = leads, expected_before = leads;
  for (Step s : kSteps) {
    const int i = static_cast<int>(s);
    StepResult& r = out[i];
    r.step = s;
    r.count = counts.reached[i];
    r.percent_of_leads = Percent(static_cast<double>(r.count), leads);
    r.conversion_percent = Percent(static_cast<double>(r.count), before);
    r.target_percent = Percent(counts.expected[i], leads);
    r.target_count = std::llround(counts.expected[i]);
    r.shortfall = std::max<int64_t>(0, r.target_count - r.count);
    r.target_conversion_percent = Percent(counts.expected[i], expected_before);
    before = static_cast<double>(r.count);
    expected_before = counts.expected[i];
  }
  return out;
}

std::vector<Leak> Leaks(const std::vector<Counts>& rows, size_t limit) {
  std::vector<Leak> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (const StepResult& r : Evaluate(rows[i])) {
      if (r.shortfall > 0) out.push_back(Leak{i, r});
    }
  }
  std::sort(out.begin(), out.end(), [](const Leak& a, const Leak& b) {
    return std::make_tuple(-a.step.shortfall, static_cast<int>(a.step.step), a.row) <
           std::make_tuple(-b.step.shortfall, static_cast<int>(b.step.step), b.row);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<double> Net(SpeedSample sample) {
  std::sort(sample.plus.begin(), sample.plus.end());
  if (sample.minus.empty()) return std::move(sample.plus);
  std::sort(sample.minus.begin(), sample.minus.end());
  std::vector<double> out;
  out.reserve(sample.plus.size());
  std::set_difference(sample.plus.begin(), sample.plus.end(), sample.minus.begin(),
                      sample.minus.end(), std::back_inserter(out));
  return out;
}

std::optional<double> PercentileDisc(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return std::nullopt;
  // As PostgreSQL counts: row ceil(fraction * n), 1-based, at least the first.
  const auto row = static_cast<int64_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[static_cast<size_t>(std::clamp<int64_t>(row, 1, std::ssize(sorted)) - 1)];
}

}  // namespace secondvoice::funnel
