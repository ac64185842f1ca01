// The load of issue 8, shortened for scripts/test: 50 simulated agents, list imports and a
// dealer CRM's traffic against the real daemon process for 45 s. Nothing may fail, handovers
// must reach the CRM, and the daemon's memory must not run away (scripts/bench load runs 500
// agents for 10 minutes and reports the figures).
#include "tests/testing/load.h"

#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice {
namespace {

using ::secondvoice::testing::IsOk;

TEST(LoadTest, FiftyAgentsWithImportsAndCrmTraffic) {
  testing::LoadOptions o;
  o.agents = 50;
  o.run_for = absl::Seconds(45);
  o.warm_up = absl::Seconds(15);
  o.leads = 20'000;
  o.import_rows = 500;
  o.import_every = absl::Seconds(15);
  o.postgres_settings = {};
  o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  absl::StatusOr<testing::LoadResult> got = testing::RunLoad(o);
  ASSERT_THAT(got.status(), IsOk());
  const testing::LoadResult& r = *got;

  for (const testing::OpStats& op : r.ops) {
    EXPECT_EQ(op.errors, 0) << op.name << ": " << op.first_error;
    EXPECT_FALSE(op.ms.empty()) << op.name << " never ran";
  }
  EXPECT_EQ(r.agent_errors, 0) << absl::StrJoin(r.agent_error_lines, "\n");
  EXPECT_EQ(r.idle_agents, 0) << "agents without an event in the last 15 s";
  EXPECT_GT(r.outcomes, 0);
  EXPECT_GE(r.imports, 2);

  // Every appointment's handover reached the CRM.
  EXPECT_GT(r.appointments, 0);
  EXPECT_GT(r.handovers, 0);
  EXPECT_EQ(r.handovers_received, r.handovers);
  EXPECT_EQ(r.handovers_delivered, r.handovers);

  // Memory: sampled throughout, and the end not far above the value after the warm-up.
  ASSERT_GT(r.rss_mb_start, 0);
  EXPECT_LE(r.rss_mb_end, 1.5 * r.rss_mb_start);
  EXPECT_EQ(r.log_errors, 0) << absl::StrJoin(r.log_samples, "\n") << "\nlog: " << r.log_path;
  EXPECT_EQ(r.daemon_exit, 0);
  // The daemon's log and the CRM's store stay for a look when something failed.
  if (!HasFailure()) std::filesystem::remove_all(r.work_dir);
}

}  // namespace
}  // namespace secondvoice
