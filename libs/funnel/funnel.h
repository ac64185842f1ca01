// The funnel maths: lead -> dialogue -> appointment -> show -> sale, each step as a share of the
// leads and as conversion from the step before, against targets per 100 leads; where it leaks
// and by how much. Pure: counts in, figures out.
#ifndef SECONDVOICE_LIBS_FUNNEL_FUNNEL_H_
#define SECONDVOICE_LIBS_FUNNEL_FUNNEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace secondvoice::funnel {

// What a lead is measured against: an online new-car lead converts differently from a phone lead
// or a name on a passive list.
enum class Category { kNewCarOnline, kUsedCarOnline, kPhone, kShowroom, kPassiveList };
inline constexpr std::array<Category, 5> kCategories = {
    Category::kNewCarOnline, Category::kUsedCarOnline, Category::kPhone, Category::kShowroom,
    Category::kPassiveList};
absl::string_view Name(Category c);  // "new_car_online"...
std::optional<Category> ParseCategory(absl::string_view name);

// How a lead reached the dealer, as a CRM tells it.
enum class SourceChannel { kUnknown, kOnline, kPhone, kShowroom, kOther };
// A passive lead is on a list; an active one by how the customer first came, an online one
// new-car unless the vehicle of interest is used.
Category CategoryOf(bool passive, SourceChannel source, bool used_vehicle_of_interest);

enum class Step { kDialogue = 0, kAppointment = 1, kShow = 2, kSale = 3 };
inline constexpr std::array<Step, 4> kSteps = {Step::kDialogue, Step::kAppointment, Step::kShow,
                                               Step::kSale};
absl::string_view Name(Step s);  // "dialogue"...

// Per 100 leads, per step; 0 means no target.
struct Targets {
  std::array<double, 4> percent = {0, 0, 0, 0};
  double operator[](Step s) const { return percent[static_cast<int>(s)]; }
};
// The field's figures (design.md section 2): 60/36/22/13 for new-car online leads, sales 20 for
// used-car online and 22 for phone leads; showroom and passive lists start from the new-car ones.
Targets DefaultTargets(Category c);

// A row's counts; `expected` is what its targets ask for, summed over its leads (each lead
// weighs with its own dealer's and category's targets, so a row that mixes them gets the
// lead-weighted mix).
struct Counts {
  int64_t leads = 0;
  std::array<int64_t, 4> reached = {0, 0, 0, 0};  // leads that got to each step
  std::array<double, 4> expected = {0, 0, 0, 0};  // per step, in leads
  int64_t operator[](Step s) const { return reached[static_cast<int>(s)]; }
};

struct StepResult {
  Step step = Step::kDialogue;
  int64_t count = 0;
  double percent_of_leads = 0;    // 0 when there are no leads
  double conversion_percent = 0;  // of the step before (leads for the dialogue); 0 when it is 0
  double target_percent = 0;      // per 100 leads; 0: no target
  int64_t target_count = 0;       // rounded
  int64_t shortfall = 0;          // target_count - count, never below 0
  // What the targets imply for the conversion from the step before.
  double target_conversion_percent = 0;
};
std::array<StepResult, 4> Evaluate(const Counts& counts);

// One step of one row below its target.
struct Leak {
  size_t row = 0;  // index into the rows given
  StepResult step;
};
// Every step with a shortfall, largest first (ties: the earlier step, then the earlier row), at
// most `limit`.
std::vector<Leak> Leaks(const std::vector<Counts>& rows, size_t limit);

// Speeds to lead of a group, gathered from stored days (`plus`) and changes not folded into them
// yet (`minus`: values a change took away, each one also in `plus`).
struct SpeedSample {
  std::vector<double> plus;
  std::vector<double> minus;
};
// The multiset plus - minus, ascending.
std::vector<double> Net(SpeedSample sample);
// PostgreSQL's percentile_disc over ascending `sorted`: the first value whose position reaches
// `fraction` of them; nullopt when empty.
std::optional<double> PercentileDisc(const std::vector<double>& sorted, double fraction);

}  // namespace secondvoice::funnel

#endif  // SECONDVOICE_LIBS_FUNNEL_FUNNEL_H_
