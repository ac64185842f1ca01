// Tests for services/cli/report_html.h: the page is self-contained, escaped, NaN-free and
// well-formed, and marks the steps below target.
#include "services/cli/report_html.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/funnel_rows.h"

namespace secondvoice::cli {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::AddShortfall;
using ::secondvoice::testing::FunnelRowOf;
using ::testing::HasSubstr;
using ::testing::Not;

const char kNastyName[] = "Bad <b>&\" Motors";

pb::FunnelRequest Request(pb::FunnelGroupBy group_by) {
  pb::FunnelRequest request;
  request.mutable_period_start()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 5, 1), absl::UTCTimeZone())));
  request.mutable_period_end()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone())));
  request.set_group_by(group_by);
  return request;
}

// Van Dijk meets every target; Autohaus books too few appointments; the third is all escaping.
pb::FunnelReport ByDealer() {
  pb::FunnelReport report;
  *report.mutable_request() = Request(pb::FUNNEL_GROUP_BY_DEALER);
  *report.add_rows() = FunnelRowOf("vandijk", "Van Dijk", 100, {62, 38, 24, 14});
  *report.add_rows() = FunnelRowOf("autohaus", "Autohaus Weber", 100, {60, 12, 8, 5});
  *report.add_rows() = FunnelRowOf("nasty", kNastyName, 50, {30, 18, 11, 7});
  *report.mutable_totals() = FunnelRowOf("", "", 250, {152, 68, 43, 26});
  AddShortfall(&report, "autohaus", pb::FUNNEL_STEP_SHOW, 22, 8, 66.7, 61.1);
  // Listed second although larger: the page puts the largest first.
  AddShortfall(&report, "autohaus", pb::FUNNEL_STEP_APPOINTMENT, 36, 12, 20, 60);
  return report;
}

pb::FunnelReport OverTime(int periods) {
  pb::FunnelReport report;
  *report.mutable_request() = Request(pb::FUNNEL_GROUP_BY_WEEK);
  for (int i = 0; i < periods; ++i) {
    *report.add_rows() = FunnelRowOf(absl::StrCat("2026-05-", 4 + 7 * i), "", 60, {36, 20, 12, 7});
  }
  return report;
}

std::string Render(const pb::FunnelReport& over_time) {
  return RenderFunnelHtml(
      ByDealer(), over_time,
      absl::FromCivil(absl::CivilMinute(2026, 6, 1, 8, 0), absl::UTCTimeZone()));
}

std::string StripTags(const std::string& html) {
  return std::regex_replace(html, std::regex("<[^>]*>"), "");
}

// The text from the element opening with `start` to the next `end`.
std::string Slice(const std::string& html, const std::string& start, const std::string& end) {
  const size_t from = html.find(start);
  if (from == std::string::npos) return "";
  return html.substr(from, html.find(end, from) - from);
}

// The number of points of each polyline, in order.
std::vector<size_t> PolylinePointCounts(const std::string& html) {
  std::vector<size_t> counts;
  const std::regex polyline("<polyline[^>]* points=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), polyline);
       it != std::sregex_iterator(); ++it) {
    counts.push_back(std::vector<std::string>(absl::StrSplit((*it)[1].str(), ' ')).size());
  }
  return counts;
}

// Open and close tags of `tag` nest: never more closes than opens so far, equal at the end.
bool Balanced(const std::string& html, const std::string& tag) {
  const std::regex either("<(/?)" + tag + "[\\s>]");
  int depth = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), either);
       it != std::sregex_iterator(); ++it) {
    depth += (*it)[1].length() == 0 ? 1 : -1;
    if (depth < 0) return false;
  }
  return depth == 0;
}

TEST(ReportHtml, FetchesNothingAndRunsNoScript) {
  for (int periods : {0, 1, 3}) {
    const std::string html = Render(OverTime(periods));
    for (const char* banned : {"<script", "http://", "https://", "url(", "<link", "@import",
                               "javascript:", " onload="}) {
      EXPECT_THAT(html, Not(HasSubstr(banned))) << periods << " periods";
    }
  }
}

TEST(ReportHtml, EscapesDealerNames) {
  const std::string html = Render(OverTime(3));
  EXPECT_THAT(html, HasSubstr("Bad &lt;b&gt;&amp;&quot; Motors"));
  EXPECT_THAT(html, Not(HasSubstr("<b>&")));
  EXPECT_THAT(html, Not(HasSubstr(kNastyName)));
}

TEST(ReportHtml, ShowsEveryDealerInCardsAndTable) {
  const std::string html = Render(OverTime(3));
  for (const char* key : {"vandijk", "autohaus", "nasty"}) {
    EXPECT_THAT(html, HasSubstr(absl::StrCat("data-group=\"", key, "\""))) << key;
  }
  const std::string table = Slice(html, "<table", "</table>");
  EXPECT_THAT(table, HasSubstr("Van Dijk"));
  EXPECT_THAT(table, HasSubstr("Autohaus Weber"));
  EXPECT_THAT(table, HasSubstr("Bad &lt;b&gt;"));
  EXPECT_THAT(table, HasSubstr("All dealers"));
}

TEST(ReportHtml, HeaderAndTotalsFunnelReadAsTheReportSays) {
  const std::string text = StripTags(Render(OverTime(3)));
  EXPECT_THAT(text, HasSubstr("Leads that arrived 2026-05-01 to 2026-05-31 (UTC)"));
  EXPECT_THAT(text, HasSubstr("generated 2026-06-01 08:00 UTC"));
  EXPECT_THAT(text, HasSubstr("250leads"));  // the leads tile
  EXPECT_THAT(text, HasSubstr("60.8% (target 60%)"));
  EXPECT_THAT(text, HasSubstr("27.2% (target 36%)"));
}

TEST(ReportHtml, MarksStepsBelowTarget) {
  const std::string html = Render(OverTime(3));
  const std::string autohaus = Slice(html, "data-group=\"autohaus\"", "</svg>");
  EXPECT_THAT(autohaus, HasSubstr("class=\"bar short\" data-step=\"appointment\""));
  EXPECT_THAT(autohaus, HasSubstr("class=\"bar\" data-step=\"dialogue\""));
  const std::string van_dijk = Slice(html, "data-group=\"vandijk\"", "</svg>");
  EXPECT_THAT(van_dijk, HasSubstr("class=\"bar\" data-step=\"appointment\""));
  EXPECT_THAT(van_dijk, Not(HasSubstr("short")));
}

TEST(ReportHtml, ListsShortfallsLargestFirst) {
  const std::string text = StripTags(Render(OverTime(3)));
  const std::string large =
      "dealer Autohaus Weber: appointments 12 of 36 expected (-24); conversion 20.0% vs 60.0% "
      "target";
  const std::string small = "dealer Autohaus Weber: shows 8 of 22 expected (-14)";
  ASSERT_THAT(text, HasSubstr(large));
  ASSERT_THAT(text, HasSubstr(small));
  EXPECT_LT(text.find(large), text.find(small));
}

TEST(ReportHtml, NoNanOrInfinityEvenFromBadInput) {
  pb::FunnelReport over_time = OverTime(2);
  over_time.mutable_rows(0)->mutable_steps(1)->set_percent_of_leads(
      std::numeric_limits<double>::quiet_NaN());
  pb::FunnelReport by_dealer = ByDealer();
  by_dealer.mutable_rows(0)->mutable_steps(0)->set_percent_of_leads(
      std::numeric_limits<double>::infinity());
  by_dealer.mutable_rows(1)->set_abandon_rate_percent(std::numeric_limits<double>::quiet_NaN());
  for (const std::string& html : {Render(OverTime(0)), Render(OverTime(1)), Render(OverTime(3)),
                                  RenderFunnelHtml(by_dealer, over_time, absl::UnixEpoch())}) {
    EXPECT_FALSE(std::regex_search(html, std::regex("\\b(nan|inf)\\b", std::regex::icase)));
  }
}

TEST(ReportHtml, OneLinePerStepWithAPointPerPeriod) {
  EXPECT_THAT(PolylinePointCounts(Render(OverTime(3))), ::testing::ElementsAre(3, 3, 3, 3));
  EXPECT_THAT(PolylinePointCounts(Render(OverTime(12))), ::testing::Each(12));
}

TEST(ReportHtml, OnePeriodIsADotPerStep) {
  const std::string html = Render(OverTime(1));
  EXPECT_THAT(PolylinePointCounts(html), ::testing::ElementsAre(1, 1, 1, 1));
  const std::string trend = Slice(html, "<svg class=\"trend\"", "</svg>");
  const std::regex circle("<circle");
  EXPECT_EQ(std::distance(std::sregex_iterator(trend.begin(), trend.end(), circle),
                          std::sregex_iterator()),
            4);
}

TEST(ReportHtml, NoPeriodsSaysSo) {
  const std::string html = Render(OverTime(0));
  EXPECT_THAT(PolylinePointCounts(html), ::testing::IsEmpty());
  EXPECT_THAT(html, HasSubstr("No periods in this report"));
  // The targets still show, dashed.
  EXPECT_THAT(html, HasSubstr("class=\"goal\""));
}

TEST(ReportHtml, TagsBalance) {
  for (int periods : {0, 1, 3}) {
    const std::string html = Render(OverTime(periods));
    for (const char* tag : {"svg", "table", "div", "section", "ol", "html", "body"}) {
      EXPECT_TRUE(Balanced(html, tag)) << tag << " with " << periods << " periods";
    }
  }
}

}  // namespace
}  // namespace secondvoice::cli
