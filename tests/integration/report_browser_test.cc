// Opens the HTML funnel report in headless Chromium: the DOM holds the charts and every dealer,
// the console stays clean (nothing refused, no script errors) and a screenshot renders.
// Needs Debian's chromium (scripts/bootstrap); SV_REPORT_SCREENSHOT=FILE keeps the screenshot.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/cli/report_html.h"
#include "tests/testing/funnel_rows.h"

namespace secondvoice::cli {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::AddShortfall;
using ::secondvoice::testing::FunnelRowOf;
using ::testing::HasSubstr;
using ::testing::Not;

absl::Time Day(int month, int day) {
  return absl::FromCivil(absl::CivilDay(2026, month, day), absl::UTCTimeZone());
}

void SetPeriod(pb::FunnelReport* report, pb::FunnelGroupBy group_by) {
  report->mutable_request()->mutable_period_start()->set_seconds(absl::ToUnixSeconds(Day(4, 6)));
  report->mutable_request()->mutable_period_end()->set_seconds(absl::ToUnixSeconds(Day(6, 1)));
  report->mutable_request()->set_group_by(group_by);
}

// Four dealers over eight weeks: one on target, one short on appointments, one short on shows
// and sales, and one whose name needs escaping.
pb::FunnelReport ByDealer() {
  pb::FunnelReport report;
  SetPeriod(&report, pb::FUNNEL_GROUP_BY_DEALER);
  *report.add_rows() = FunnelRowOf("vandijk-utrecht", "Van Dijk Utrecht", 412, {262, 156, 95, 56});
  *report.add_rows() = FunnelRowOf("autohaus-weber", "Autohaus Weber", 288, {171, 61, 40, 24});
  *report.add_rows() = FunnelRowOf("garage-lemaire", "Garage Lemaire", 196, {124, 73, 31, 17});
  *report.add_rows() = FunnelRowOf("bad-motors", "Bad <b>&\" Motors", 104, {66, 38, 23, 14});
  *report.mutable_totals() = FunnelRowOf("", "", 1000, {623, 328, 189, 111});
  AddShortfall(&report, "autohaus-weber", pb::FUNNEL_STEP_APPOINTMENT, 104, 61, 35.7, 60);
  AddShortfall(&report, "", pb::FUNNEL_STEP_SALE, 130, 111, 58.7, 59.1);
  AddShortfall(&report, "", pb::FUNNEL_STEP_SHOW, 220, 189, 57.6, 61.1);
  AddShortfall(&report, "", pb::FUNNEL_STEP_APPOINTMENT, 360, 328, 52.6, 60);
  AddShortfall(&report, "garage-lemaire", pb::FUNNEL_STEP_SHOW, 43, 31, 42.5, 61.1);
  AddShortfall(&report, "autohaus-weber", pb::FUNNEL_STEP_SHOW, 63, 40, 65.6, 61.1);
  AddShortfall(&report, "garage-lemaire", pb::FUNNEL_STEP_SALE, 25, 17, 54.8, 59.1);
  AddShortfall(&report, "autohaus-weber", pb::FUNNEL_STEP_SALE, 37, 24, 60.0, 59.1);
  return report;
}

pb::FunnelReport ByWeek() {
  pb::FunnelReport report;
  SetPeriod(&report, pb::FUNNEL_GROUP_BY_WEEK);
  // Coaching from week 4 on lifts appointments and shows.
  const int64_t leads[] = {118, 131, 122, 127, 125, 119, 133, 125};
  const int64_t dialogues[] = {70, 79, 74, 80, 79, 76, 85, 80};
  const int64_t appointments[] = {33, 37, 36, 41, 44, 43, 49, 45};
  const int64_t shows[] = {18, 21, 20, 23, 26, 26, 29, 26};
  const int64_t sales[] = {11, 12, 12, 13, 15, 15, 17, 16};
  for (int i = 0; i < 8; ++i) {
    const std::string start =
        absl::FormatTime("%Y-%m-%d", Day(4, 6) + absl::Hours(24 * 7 * i), absl::UTCTimeZone());
    *report.add_rows() = FunnelRowOf(start, absl::StrCat("week of ", start), leads[i],
                                     {dialogues[i], appointments[i], shows[i], sales[i]});
  }
  *report.mutable_totals() = ByDealer().totals();
  return report;
}

std::string FindChromium() {
  const char* path = getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "", ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/chromium");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    ASSERT_FALSE(chromium_.empty())
        << "chromium is not on PATH; run scripts/bootstrap (it installs Debian's chromium)";
    std::string dir_template = ::testing::TempDir() + "report_browser_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
    dir_ = dir_template;
    page_ = dir_ + "/report.html";
    std::ofstream(page_) << RenderFunnelHtml(ByDealer(), ByWeek(), Day(6, 1) + absl::Hours(7));
  }

  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs headless Chromium with `args` on `page`; its stdout and stderr land in out_ and err_.
  // The timeout turns a hung browser into a failure instead of a stuck CI job.
  int RunChromium(const std::string& args, const std::string& page) {
    const std::string command =
        absl::StrCat("timeout 60 '", chromium_, "' --headless --disable-gpu",
                     geteuid() == 0 ? " --no-sandbox" : "", " --user-data-dir='", dir_,
                     "/profile' --enable-logging=stderr --v=0 --no-first-run --hide-scrollbars ",
                     args, " 'file://", page, "' >'", dir_, "/stdout' 2>'", dir_, "/stderr'");
    const int status = std::system(command.c_str());
    out_ = ReadFile(dir_ + "/stdout");
    err_ = ReadFile(dir_ + "/stderr");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Console errors, script errors and refused loads, one per line.
  std::vector<std::string> ConsoleProblems() const {
    std::vector<std::string> problems;
    for (absl::string_view line : absl::StrSplit(err_, '\n')) {
      if (absl::StrContains(line, "Uncaught") || absl::StrContains(line, "ERROR:CONSOLE") ||
          absl::StrContains(line, "Refused to")) {
        problems.emplace_back(line);
      }
    }
    return problems;
  }

  std::string chromium_;
  std::string dir_;
  std::string page_;
  std::string out_;
  std::string err_;
};

// Guards the console check itself: a page with a script error must show up in stderr.
TEST_F(ReportBrowserTest, ConsoleCheckSeesScriptErrors) {
  const std::string broken = dir_ + "/broken.html";
  std::ofstream(broken) << "<!DOCTYPE html><title>x</title><script>missingFunction()</script>";
  ASSERT_EQ(RunChromium("--dump-dom", broken), 0) << err_;
  EXPECT_THAT(ConsoleProblems(), Not(::testing::IsEmpty())) << err_;
}

TEST_F(ReportBrowserTest, RendersChartsAndEveryDealer) {
  ASSERT_EQ(RunChromium("--dump-dom", page_), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("<title>Funnel report 2026-04-06 to 2026-05-31</title>"));
  EXPECT_THAT(out_, HasSubstr("<svg class=\"funnel totals\""));
  EXPECT_THAT(out_, HasSubstr("<svg class=\"trend\""));
  EXPECT_THAT(out_, HasSubstr("<polyline"));
  for (const char* dealer :
       {"Van Dijk Utrecht", "Autohaus Weber", "Garage Lemaire", "Bad &lt;b&gt;&amp;\" Motors"}) {
    EXPECT_THAT(out_, HasSubstr(dealer));
  }
  EXPECT_THAT(out_, Not(HasSubstr("<b>&amp;"))) << "a dealer name was parsed as markup";
  EXPECT_THAT(out_, HasSubstr("Where to coach"));
  EXPECT_THAT(ConsoleProblems(), ::testing::IsEmpty());
}

TEST_F(ReportBrowserTest, ScreenshotRenders) {
  const std::string png = dir_ + "/report.png";
  ASSERT_EQ(RunChromium(absl::StrCat("--screenshot='", png, "' --window-size=1280,2000"), page_), 0)
      << err_;
  const std::string image = ReadFile(png);
  ASSERT_TRUE(absl::StartsWith(image, "\x89PNG\r\n\x1a\n")) << "no PNG at " << png << "\n" << err_;
  EXPECT_GT(image.size(), 20'000u) << "a near-empty page";
  EXPECT_THAT(ConsoleProblems(), ::testing::IsEmpty());
  if (const char* keep = getenv("SV_REPORT_SCREENSHOT"); keep != nullptr && *keep != '\0') {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace secondvoice::cli
