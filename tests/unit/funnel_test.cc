// Tests for libs/funnel: step rates and conversions against targets, empty rows, leads still in
// progress, mixed targets, and where the funnel leaks.
#include "libs/funnel/funnel.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace secondvoice::funnel {
namespace {

// `leads` leads of one category with its default targets, and how many reached each step.
Counts Row(int64_t leads, std::array<int64_t, 4> reached, Category c = Category::kNewCarOnline) {
  Counts counts;
  counts.leads = leads;
  counts.reached = reached;
  const Targets t = DefaultTargets(c);
  for (int i = 0; i < 4; ++i) counts.expected[i] = static_cast<double>(leads) * t.percent[i] / 100;
  return counts;
}

TEST(Evaluate, RatesConversionsAndShortfallsPer100Leads) {
  // 200 new-car online leads: 120 dialogues (on target), 50 appointments (72 asked), 40 shows,
  // 30 sales (26 asked: met).
  const std::array<StepResult, 4> r = Evaluate(Row(200, {120, 50, 40, 30}));
  EXPECT_DOUBLE_EQ(r[0].percent_of_leads, 60);
  EXPECT_DOUBLE_EQ(r[0].conversion_percent, 60);
  EXPECT_EQ(r[0].target_count, 120);
  EXPECT_EQ(r[0].shortfall, 0);
  EXPECT_DOUBLE_EQ(r[1].percent_of_leads, 25);
  EXPECT_NEAR(r[1].conversion_percent, 100.0 * 50 / 120, 1e-9);
  EXPECT_DOUBLE_EQ(r[1].target_percent, 36);
  EXPECT_EQ(r[1].target_count, 72);
  EXPECT_EQ(r[1].shortfall, 22);
  // 36 of 60 dialogues: the targets imply a 60% conversion to an appointment.
  EXPECT_DOUBLE_EQ(r[1].target_conversion_percent, 60);
  EXPECT_DOUBLE_EQ(r[2].conversion_percent, 80);
  EXPECT_EQ(r[2].shortfall, 4);  // 44 asked
  EXPECT_EQ(r[3].target_count, 26);
  EXPECT_EQ(r[3].shortfall, 0);
  EXPECT_EQ(r[3].step, Step::kSale);
}

TEST(Evaluate, AnEmptyPeriodHasNoRatesAndNoShortfalls) {
  for (const StepResult& r : Evaluate(Counts{})) {
    EXPECT_EQ(r.count, 0);
    EXPECT_EQ(r.percent_of_leads, 0);
    EXPECT_EQ(r.conversion_percent, 0);
    EXPECT_EQ(r.target_percent, 0);
    EXPECT_EQ(r.target_conversion_percent, 0);
    EXPECT_EQ(r.shortfall, 0);
  }
}

TEST(Evaluate, LeadsStillInProgressCountAsLeadsNotYetAsSteps) {
  // 10 leads just arrived, nobody called yet: every step falls short by the whole target.
  const std::array<StepResult, 4> r = Evaluate(Row(10, {0, 0, 0, 0}));
  EXPECT_EQ(r[0].shortfall, 6);
  EXPECT_EQ(r[1].conversion_percent, 0);  // of 0 dialogues: no rate rather than a division by 0
  EXPECT_EQ(r[3].shortfall, 1);           // 1.3 rounds to 1
}

TEST(Evaluate, MixedCategoriesAreWeighedByTheirLeads) {
  // 100 new-car online (13 sales asked) and 100 phone leads (22 asked): 35 of 200, 17.5%.
  Counts mix = Row(100, {0, 0, 0, 10});
  const Counts phone = Row(100, {0, 0, 0, 30}, Category::kPhone);
  mix.leads += phone.leads;
  for (int i = 0; i < 4; ++i) {
    mix.reached[i] += phone.reached[i];
    mix.expected[i] += phone.expected[i];
  }
  const StepResult sale = Evaluate(mix)[3];
  EXPECT_DOUBLE_EQ(sale.target_percent, 17.5);
  EXPECT_EQ(sale.target_count, 35);
  EXPECT_EQ(sale.shortfall, 0);
  EXPECT_EQ(sale.count, 40);
}

TEST(Evaluate, AStepWithoutTargetNeverFallsShort) {
  Counts c = Row(50, {10, 5, 0, 0});
  c.expected = {0, 0, 0, 0};
  for (const StepResult& r : Evaluate(c)) {
    EXPECT_EQ(r.target_count, 0);
    EXPECT_EQ(r.shortfall, 0);
  }
}

TEST(Leaks, LargestShortfallFirstAcrossRowsAndSteps) {
  const std::vector<Counts> rows = {
      Row(100, {60, 36, 22, 13}),  // on target everywhere
      Row(100, {30, 20, 10, 5}),   // 30, 16, 12, 8 short
      Row(100, {60, 10, 10, 10}),  // 26, 12, 3 short
  };
  const std::vector<Leak> leaks = Leaks(rows, 100);
  ASSERT_EQ(leaks.size(), 7u);
  EXPECT_EQ(leaks[0].row, 1u);
  EXPECT_EQ(leaks[0].step.step, Step::kDialogue);
  EXPECT_EQ(leaks[0].step.shortfall, 30);
  EXPECT_EQ(leaks[1].row, 2u);
  EXPECT_EQ(leaks[1].step.step, Step::kAppointment);
  EXPECT_EQ(leaks[2].step.shortfall, 16);
  // Equal shortfalls (12, both shows): the earlier row first.
  EXPECT_EQ(leaks[3].row, 1u);
  EXPECT_EQ(leaks[4].row, 2u);
  EXPECT_EQ(leaks[4].step.step, Step::kShow);
  EXPECT_EQ(leaks[4].step.shortfall, 12);
  for (const Leak& l : leaks) EXPECT_NE(l.row, 0u);
  EXPECT_EQ(Leaks(rows, 2).size(), 2u);
}

TEST(Category, FromKindSourceAndVehicle) {
  EXPECT_EQ(CategoryOf(true, SourceChannel::kPhone, false), Category::kPassiveList);
  EXPECT_EQ(CategoryOf(false, SourceChannel::kOnline, false), Category::kNewCarOnline);
  EXPECT_EQ(CategoryOf(false, SourceChannel::kOnline, true), Category::kUsedCarOnline);
  EXPECT_EQ(CategoryOf(false, SourceChannel::kUnknown, true), Category::kUsedCarOnline);
  EXPECT_EQ(CategoryOf(false, SourceChannel::kPhone, true), Category::kPhone);
  EXPECT_EQ(CategoryOf(false, SourceChannel::kShowroom, false), Category::kShowroom);
  for (Category c : kCategories) EXPECT_EQ(ParseCategory(Name(c)), c);
  EXPECT_EQ(ParseCategory("car"), std::nullopt);
  EXPECT_DOUBLE_EQ(DefaultTargets(Category::kUsedCarOnline)[Step::kSale], 20);
  EXPECT_DOUBLE_EQ(DefaultTargets(Category::kPhone)[Step::kSale], 22);
  EXPECT_DOUBLE_EQ(DefaultTargets(Category::kNewCarOnline)[Step::kAppointment], 36);
}

TEST(Speeds, NetTakesAwayWhatChangesRemovedOnceEach) {
  EXPECT_EQ(Net({.plus = {30, 10, 20, 10}, .minus = {}}), (std::vector<double>{10, 10, 20, 30}));
  // One of two equal values goes; a value changed (20 -> 5) is in both lists.
  EXPECT_EQ(Net({.plus = {30, 10, 20, 10, 5}, .minus = {10, 20}}),
            (std::vector<double>{5, 10, 30}));
  EXPECT_TRUE(Net({.plus = {1.5}, .minus = {1.5}}).empty());
  EXPECT_TRUE(Net({}).empty());
}

TEST(Speeds, PercentileDiscIsPostgresqls) {
  // percentile_disc(f): the value at row ceil(f * n), 1-based, at least the first.
  const std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(PercentileDisc(ten, 0.5), 5);
  EXPECT_EQ(PercentileDisc(ten, 0.9), 9);
  EXPECT_EQ(PercentileDisc(ten, 0.91), 10);
  EXPECT_EQ(PercentileDisc(ten, 0), 1);
  EXPECT_EQ(PercentileDisc(ten, 1), 10);
  EXPECT_EQ(PercentileDisc({7}, 0.5), 7);
  EXPECT_EQ(PercentileDisc({1, 2, 3}, 0.5), 2);
  EXPECT_EQ(PercentileDisc({1, 2, 3, 4}, 0.5), 2);
  EXPECT_EQ(PercentileDisc({}, 0.5), std::nullopt);
}

}  // namespace
}  // namespace secondvoice::funnel
