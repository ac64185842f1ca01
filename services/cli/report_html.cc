// Renders funnel reports as one HTML page: header, the totals' funnel, where to coach, a funnel per
// dealer, step rates over time and the table of rows. Charts are inline SVG drawn here.
#include "services/cli/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace secondvoice::cli {
namespace {

namespace pb = ::secondvoice::v1;
using ::absl::StrAppend;
using ::absl::StrCat;
using ::absl::StrFormat;

// The steps after the lead, in funnel order. `id` names the step in data-step attributes.
struct StepInfo {
  pb::FunnelStep step;
  const char* name;
  const char* id;
  const char* colour;
};
constexpr StepInfo kSteps[] = {
    {pb::FUNNEL_STEP_DIALOGUE, "Dialogues", "dialogue", "#2563eb"},
    {pb::FUNNEL_STEP_APPOINTMENT, "Appointments", "appointment", "#0d9488"},
    {pb::FUNNEL_STEP_SHOW, "Shows", "show", "#d97706"},
    {pb::FUNNEL_STEP_SALE, "Sales", "sale", "#7c3aed"},
};

// No url(), @import or web fonts: the page must render the same offline.
constexpr absl::string_view kStyle = R"css(
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--ok:#3b82f6;--short:#dc2626;--lead:#94a3b8}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;background:#f1f5f9;color:var(--ink);
  font:14px/1.45 "DejaVu Sans",system-ui,sans-serif}
main{max-width:1180px;margin:0 auto}
h1{font-size:26px;margin:0}
h2{font-size:17px;margin:0 0 10px}
h3{font-size:14px;margin:0}
header{margin-bottom:16px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 24px;
  margin-bottom:16px}
.sub,.muted,.key{color:var(--muted)}
.key{font-weight:400;font-size:12px;margin-left:6px}
.kpis{display:flex;gap:12px;margin-top:12px;flex-wrap:wrap}
.kpi{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:150px}
.kpi b{display:block;font-size:24px}
.kpi.short b{color:var(--short)}
.legend{display:flex;gap:18px;font-size:12px;color:var(--muted);margin-top:8px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;
  vertical-align:-1px}
.swatch.ok{background:var(--ok)}.swatch.short{background:var(--short)}
.swatch.target{width:3px;background:var(--ink)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:6px;padding:12px 14px}
.card p{margin:2px 0 8px;font-size:12px}
svg{display:block;max-width:100%;height:auto}
svg text{fill:var(--ink);dominant-baseline:central}
.funnel.totals text{font-size:14px}
.funnel.dealer text{font-size:12px}
.funnel .count{text-anchor:end;fill:var(--muted)}
.track{fill:#f1f5f9}
.bar{fill:var(--ok)}.bar.short{fill:var(--short)}.bar.lead{fill:var(--lead)}
.target{stroke:var(--ink);stroke-width:2}
.value.short{fill:var(--short);font-weight:700}
.trend text{font-size:12px}
.trend .axis{stroke:var(--ink)}
.trend .grid-line{stroke:var(--line)}
.trend .tick{text-anchor:end;fill:var(--muted)}
.trend .period{text-anchor:middle;fill:var(--muted)}
.trend .axis-title{text-anchor:middle;font-weight:700}
.trend .empty{text-anchor:middle;fill:var(--muted);font-size:14px}
.trend .series{fill:none;stroke-width:2.5;stroke-linejoin:round}
.trend .goal{stroke-width:1.5;stroke-dasharray:6 4}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
thead th{font-size:12px;color:var(--muted);vertical-align:bottom;white-space:normal}
th:first-child,td:first-child{text-align:left}
tbody th{font-weight:600}
td .key,th .key{display:block;margin:0}
tfoot th,tfoot td{font-weight:700;border-top:2px solid var(--ink);border-bottom:0}
.rate{display:block;font-size:11px;color:var(--muted)}
.rate.short{color:var(--short);font-weight:700}
.coach{margin:0;padding-left:22px}
.coach li{margin:2px 0}
.coach .gap{color:var(--short);font-weight:700}
)css";

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Report values come from division on the server; a NaN must reach neither text nor SVG.
double Finite(double v) { return std::isfinite(v) ? v : 0; }

// Where a percent of leads is drawn: bars and lines share the 0..100 scale.
double Drawn(double percent) { return std::clamp(Finite(percent), 0.0, 100.0); }

std::string Percent(double v) { return StrFormat("%.1f%%", Finite(v)); }

// Targets as managers write them: "36%", "22.5%".
std::string TargetPercent(double v) {
  v = Finite(v);
  return v == std::round(v) ? StrFormat("%.0f%%", v) : StrFormat("%.1f%%", v);
}

const pb::FunnelStepResult& FindStep(const pb::FunnelRow& row, pb::FunnelStep step) {
  for (const pb::FunnelStepResult& result : row.steps()) {
    if (result.step() == step) return result;
  }
  return pb::FunnelStepResult::default_instance();
}

// Below target as drawn: the bar ends left of its target marker.
bool BelowTarget(const pb::FunnelStepResult& s) {
  return Finite(s.target_percent()) > 0 && Finite(s.percent_of_leads()) < s.target_percent();
}

const char* ShortClass(bool below) { return below ? " short" : ""; }

absl::string_view StepName(pb::FunnelStep step) {
  for (const StepInfo& info : kSteps) {
    if (info.step == step) return info.name;
  }
  return "Leads";
}

std::string RowName(const pb::FunnelRow& row) {
  if (!row.group_label().empty()) return row.group_label();
  if (!row.group_key().empty()) return row.group_key();
  return "(none)";
}

// The group key beside a readable name, when it adds something ("vandijk" under "Van Dijk").
void AppendKey(const pb::FunnelRow& row, absl::string_view name, std::string* out) {
  if (!row.group_key().empty() && row.group_key() != name) {
    StrAppend(out, "<span class=\"key\">", Escape(row.group_key()), "</span>");
  }
}

std::string Date(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// period_end is exclusive: show the last day the period includes.
std::string Period(const pb::FunnelRequest& request) {
  const absl::Time start = ToTime(request.period_start());
  const absl::Time end = ToTime(request.period_end());
  if (end <= start || Date(start) == Date(end - absl::Nanoseconds(1))) return Date(start);
  return StrCat(Date(start), " to ", Date(end - absl::Nanoseconds(1)));
}

std::string Minutes(const google::protobuf::Duration& d) {
  return StrFormat("%.1f", Finite((d.seconds() + d.nanos() / 1e9) / 60));
}

void AppendHeader(const pb::FunnelReport& report, absl::Time generated_at, std::string* out) {
  const pb::FunnelRow& totals = report.totals();
  StrAppend(out, "<header>\n<h1>Funnel report</h1>\n<p class=\"sub\">Leads that arrived ",
            Escape(Period(report.request())), " (UTC) &middot; generated ",
            absl::FormatTime("%Y-%m-%d %H:%M UTC", generated_at, absl::UTCTimeZone()),
            "</p>\n<div class=\"kpis\">\n");
  StrAppend(out, StrFormat("<div class=\"kpi\"><b>%d</b>leads</div>\n", totals.leads()));
  for (const StepInfo& info : kSteps) {
    const pb::FunnelStepResult& s = FindStep(totals, info.step);
    StrAppend(out, StrFormat("<div class=\"kpi%s\"><b>%d</b>%s &middot; %s</div>\n",
                             ShortClass(BelowTarget(s)), s.count(),
                             absl::AsciiStrToLower(info.name), Percent(s.percent_of_leads())));
  }
  StrAppend(out, "</div>\n</header>\n");
}

// Sizes of one funnel chart. Every chart puts 100% of leads at the same width within its kind,
// so dealers compare at a glance.
struct FunnelLayout {
  const char* css_class;
  int label_width;  // step name and count
  int bar_width;    // 100% of leads
  int value_width;  // "36.0% (target 36%)"
  int row_height;
};
constexpr FunnelLayout kTotalsLayout = {"totals", 180, 560, 190, 32};
constexpr FunnelLayout kDealerLayout = {"dealer", 150, 200, 150, 24};

struct Bar {
  absl::string_view name;
  absl::string_view id;
  int64_t count;
  double percent;
  double target;
  bool below;
};

// Horizontal bars, percent of leads, with a marker at each target and the label beside it.
void AppendFunnelSvg(const pb::FunnelRow& row, const FunnelLayout& layout, bool with_leads,
                     absl::string_view who, std::string* out) {
  std::vector<Bar> bars;
  if (with_leads) {
    bars.push_back({"Leads", "lead", row.leads(), row.leads() > 0 ? 100.0 : 0.0, 0, false});
  }
  for (const StepInfo& info : kSteps) {
    const pb::FunnelStepResult& s = FindStep(row, info.step);
    bars.push_back({info.name, info.id, s.count(), Finite(s.percent_of_leads()),
                    Finite(s.target_percent()), BelowTarget(s)});
  }
  const int width = layout.label_width + layout.bar_width + layout.value_width;
  const int height = layout.row_height * static_cast<int>(bars.size());
  const double bar_height = layout.row_height * 0.62;
  StrAppend(out, StrFormat("<svg class=\"funnel %s\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                           "height=\"%d\" role=\"img\" aria-label=\"Funnel: %s\">\n",
                           layout.css_class, width, height, width, height, Escape(who)));
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const double top = static_cast<double>(i * layout.row_height);
    const double middle = top + layout.row_height / 2.0;
    const double bar_top = middle - bar_height / 2;
    const double x0 = layout.label_width;
    std::string value = Percent(bar.percent);
    if (bar.target > 0) StrAppend(&value, " (target ", TargetPercent(bar.target), ")");
    StrAppend(
        out,
        StrFormat("<text x=\"0\" y=\"%.1f\">%s</text>"
                  "<text class=\"count\" x=\"%d\" y=\"%.1f\">%d</text>\n",
                  middle, bar.name, layout.label_width - 12, middle, bar.count),
        StrFormat("<rect class=\"track\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>", x0,
                  bar_top, layout.bar_width, bar_height),
        StrFormat("<rect class=\"bar%s%s\" data-step=\"%s\" x=\"%.1f\" y=\"%.1f\" "
                  "width=\"%.1f\" height=\"%.1f\"><title>%s: %s %d, %s</title></rect>\n",
                  bar.id == "lead" ? " lead" : "", ShortClass(bar.below), bar.id, x0, bar_top,
                  Drawn(bar.percent) / 100 * layout.bar_width, bar_height, Escape(who), bar.name,
                  bar.count, value));
    if (bar.target > 0) {
      const double x = x0 + Drawn(bar.target) / 100 * layout.bar_width;
      StrAppend(out, StrFormat("<line class=\"target\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                               "y2=\"%.1f\"/>\n",
                               x, x, top + 2, top + layout.row_height - 2));
    }
    StrAppend(out, StrFormat("<text class=\"value%s\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                             ShortClass(bar.below), x0 + layout.bar_width + 10, middle, value));
  }
  StrAppend(out, "</svg>\n");
}

void AppendTotalsFunnel(const pb::FunnelReport& report, std::string* out) {
  StrAppend(out, "<section>\n<h2>Funnel, all dealers (percent of leads)</h2>\n");
  AppendFunnelSvg(report.totals(), kTotalsLayout, /*with_leads=*/true, "all dealers", out);
  StrAppend(out,
            "<div class=\"legend\"><span><span class=\"swatch ok\"></span>at or above target"
            "</span><span><span class=\"swatch short\"></span>below target</span><span>"
            "<span class=\"swatch target\"></span>target</span></div>\n</section>\n");
}

void AppendDealerFunnels(const pb::FunnelReport& report, std::string* out) {
  StrAppend(out, "<section>\n<h2>Funnel per dealer</h2>\n<div class=\"grid\">\n");
  for (const pb::FunnelRow& row : report.rows()) {
    const std::string name = RowName(row);
    StrAppend(out, "<div class=\"card\" data-group=\"", Escape(row.group_key()), "\">\n<h3>",
              Escape(name));
    AppendKey(row, name, out);
    StrAppend(out, StrFormat("</h3>\n<p class=\"muted\">%d leads</p>\n", row.leads()));
    AppendFunnelSvg(row, kDealerLayout, /*with_leads=*/false, name, out);
    StrAppend(out, "</div>\n");
  }
  if (report.rows_size() == 0) {
    StrAppend(out, "<p class=\"muted\">No dealers in this report.</p>\n");
  }
  StrAppend(out, "</div>\n</section>\n");
}

absl::string_view PeriodWord(pb::FunnelGroupBy group_by) {
  switch (group_by) {
    case pb::FUNNEL_GROUP_BY_DAY:
      return "Day";
    case pb::FUNNEL_GROUP_BY_WEEK:
      return "Week starting";
    case pb::FUNNEL_GROUP_BY_MONTH:
      return "Month starting";
    default:
      return "Period";
  }
}

// A line per step over the periods, and a dashed line at each step's target for the totals.
void AppendTrend(const pb::FunnelReport& over_time, const pb::FunnelRow& targets,
                 std::string* out) {
  constexpr double kWidth = 1100, kHeight = 340, kLeft = 64, kRight = 190, kTop = 12, kBottom = 56;
  constexpr double kPlotWidth = kWidth - kLeft - kRight, kPlotHeight = kHeight - kTop - kBottom;
  const int n = over_time.rows_size();

  double highest = 0;
  for (const StepInfo& info : kSteps) {
    highest = std::max(highest, Drawn(FindStep(targets, info.step).target_percent()));
    for (const pb::FunnelRow& row : over_time.rows()) {
      highest = std::max(highest, Drawn(FindStep(row, info.step).percent_of_leads()));
    }
  }
  const double y_max = std::max(10.0, std::ceil(highest / 10) * 10);
  auto x = [&](int i) {
    return n <= 1 ? kLeft + kPlotWidth / 2 : kLeft + kPlotWidth * i / (n - 1);
  };
  auto y = [&](double percent) { return kTop + kPlotHeight * (1 - Drawn(percent) / y_max); };

  const absl::string_view word = PeriodWord(over_time.request().group_by());
  StrAppend(out, "<section>\n<h2>Step rates by ",
            absl::AsciiStrToLower(word.substr(0, word.find(' '))), " (percent of leads)</h2>\n");
  StrAppend(out, StrFormat("<svg class=\"trend\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
                           "height=\"%.0f\" role=\"img\" aria-label=\"Step rates over time\">\n",
                           kWidth, kHeight, kWidth, kHeight));
  for (int tick = 0; tick <= y_max; tick += 10) {
    StrAppend(out,
              StrFormat("<line class=\"grid-line\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                        "y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%d%%</text>\n",
                        kLeft, kLeft + kPlotWidth, y(tick), y(tick), kLeft - 8, y(tick), tick));
  }
  StrAppend(out,
            StrFormat("<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                      "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
                      kLeft, kLeft, kTop, kTop + kPlotHeight, kLeft, kLeft + kPlotWidth,
                      kTop + kPlotHeight, kTop + kPlotHeight));
  // At most about ten period labels, so dates never overlap.
  const int label_every = std::max(1, (n + 9) / 10);
  for (int i = 0; i < n; i += label_every) {
    StrAppend(out, StrFormat("<text class=\"period\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x(i),
                             kTop + kPlotHeight + 16, Escape(over_time.rows(i).group_key())));
  }
  StrAppend(out,
            StrFormat("<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                      kLeft + kPlotWidth / 2, kHeight - 14, word),
            StrFormat("<text class=\"axis-title\" transform=\"translate(14 %.1f) rotate(-90)\">"
                      "%% of leads</text>\n",
                      kTop + kPlotHeight / 2));
  if (n == 0) {
    StrAppend(out, StrFormat("<text class=\"empty\" x=\"%.1f\" y=\"%.1f\">No periods in this "
                             "report</text>\n",
                             kLeft + kPlotWidth / 2, kTop + kPlotHeight / 2));
  }

  for (size_t s = 0; s < std::size(kSteps); ++s) {
    const StepInfo& info = kSteps[s];
    const double target = Finite(FindStep(targets, info.step).target_percent());
    if (target > 0) {
      StrAppend(out, StrFormat("<line class=\"goal\" stroke=\"%s\" x1=\"%.1f\" x2=\"%.1f\" "
                               "y1=\"%.1f\" y2=\"%.1f\"/>\n",
                               info.colour, kLeft, kLeft + kPlotWidth, y(target), y(target)));
    }
    if (n > 0) {
      std::string points;
      for (int i = 0; i < n; ++i) {
        StrAppend(&points, i > 0 ? " " : "",
                  StrFormat("%.1f,%.1f", x(i),
                            y(FindStep(over_time.rows(i), info.step).percent_of_leads())));
      }
      StrAppend(out, StrFormat("<polyline class=\"series\" data-step=\"%s\" stroke=\"%s\" "
                               "points=\"%s\"/>\n",
                               info.id, info.colour, points));
    }
    // Dots mark the periods while they are few enough to tell apart; one period has only a dot.
    if (n <= 31) {
      for (int i = 0; i < n; ++i) {
        const pb::FunnelRow& row = over_time.rows(i);
        const double percent = FindStep(row, info.step).percent_of_leads();
        StrAppend(out, StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>"
                                 "%s: %s %s</title></circle>\n",
                                 x(i), y(percent), info.colour, Escape(row.group_key()),
                                 absl::AsciiStrToLower(info.name), Percent(percent)));
      }
    }
    const double legend_x = kLeft + kPlotWidth + 24, legend_y = kTop + 12 + 24 * s;
    StrAppend(out, StrFormat("<line stroke=\"%s\" stroke-width=\"3\" x1=\"%.1f\" x2=\"%.1f\" "
                             "y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                             info.colour, legend_x, legend_x + 24, legend_y, legend_y,
                             legend_x + 32, legend_y, info.name));
  }
  const double legend_x = kLeft + kPlotWidth + 24, legend_y = kTop + 12 + 24 * std::size(kSteps);
  StrAppend(out, StrFormat("<line class=\"goal\" stroke=\"#6b7280\" x1=\"%.1f\" x2=\"%.1f\" "
                           "y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\">target</text>\n",
                           legend_x, legend_x + 24, legend_y, legend_y, legend_x + 32, legend_y));
  StrAppend(out, "</svg>\n</section>\n");
}

void AppendRowCells(const pb::FunnelRow& row, absl::string_view name, std::string* out) {
  StrAppend(out, "<th scope=\"row\">", Escape(name));
  AppendKey(row, name, out);
  StrAppend(out, StrFormat("</th><td>%d</td>", row.leads()));
  for (const StepInfo& info : kSteps) {
    const pb::FunnelStepResult& s = FindStep(row, info.step);
    StrAppend(out, StrFormat("<td>%d<span class=\"rate%s\">%s</span></td>", s.count(),
                             ShortClass(BelowTarget(s)), Percent(s.percent_of_leads())));
  }
  const std::string speed =
      row.has_speed_to_lead_p50()
          ? StrCat(Minutes(row.speed_to_lead_p50()), " / ", Minutes(row.speed_to_lead_p90()))
          : "&ndash;";
  StrAppend(out,
            StrFormat("<td>%s</td><td>%.1f</td><td>%d (%d)</td><td>%d</td><td>%s</td>"
                      "<td>%d / %d / %d</td>",
                      speed, Finite(row.attempts_per_lead_before_contact()),
                      row.closed_not_reached(), row.closed_not_reached_cadence_complete(),
                      row.emails_before_first_call(), Percent(row.abandon_rate_percent()),
                      row.handovers_delivered(), row.handovers_showed(), row.handovers_sold()));
}

void AppendTable(const pb::FunnelReport& report, std::string* out) {
  StrAppend(out,
            "<section>\n<h2>Dealers</h2>\n<div class=\"table-wrap\">\n<table>\n<thead><tr>"
            "<th>Dealer</th><th>Leads</th>");
  for (const StepInfo& info : kSteps) StrAppend(out, "<th>", info.name, "<br>% of leads</th>");
  StrAppend(out,
            "<th>Speed to lead p50 / p90 (min)</th><th>Attempts before contact</th>"
            "<th>Closed not reached (cadence complete)</th><th>E-mails before first call</th>"
            "<th>Abandon</th><th>Handovers delivered / showed / sold</th></tr></thead>\n<tbody>\n");
  for (const pb::FunnelRow& row : report.rows()) {
    StrAppend(out, "<tr>");
    AppendRowCells(row, RowName(row), out);
    StrAppend(out, "</tr>\n");
  }
  StrAppend(out, "</tbody>\n<tfoot><tr>");
  AppendRowCells(report.totals(), "All dealers", out);
  StrAppend(out, "</tr></tfoot>\n</table>\n</div>\n</section>\n");
}

void AppendCoaching(const pb::FunnelReport& report, std::string* out) {
  std::map<std::string, std::string> names;
  for (const pb::FunnelRow& row : report.rows()) names[row.group_key()] = RowName(row);
  std::vector<const pb::StepShortfall*> shortfalls;
  for (const pb::StepShortfall& s : report.shortfalls()) shortfalls.push_back(&s);
  std::stable_sort(shortfalls.begin(), shortfalls.end(),
                   [](const auto* a, const auto* b) { return a->shortfall() > b->shortfall(); });

  StrAppend(out, "<section>\n<h2>Where to coach</h2>\n");
  if (shortfalls.empty()) {
    StrAppend(out, "<p class=\"muted\">Every step meets its target.</p>\n</section>\n");
    return;
  }
  StrAppend(out, "<ol class=\"coach\">\n");
  for (const pb::StepShortfall* s : shortfalls) {
    const auto name = names.find(s->group_key());
    const std::string who =
        s->totals() || s->group_key().empty()
            ? "All dealers"
            : StrCat("dealer ", name != names.end() ? name->second : s->group_key());
    StrAppend(out,
              StrFormat("<li><b>%s</b>: %s %d of %d expected <span class=\"gap\">(-%d)</span>; "
                        "conversion %s vs %s target</li>\n",
                        Escape(who), absl::AsciiStrToLower(StepName(s->step())), s->actual_count(),
                        s->target_count(), s->shortfall(), Percent(s->conversion_percent()),
                        Percent(s->target_conversion_percent())));
  }
  StrAppend(out, "</ol>\n</section>\n");
}

}  // namespace

std::string RenderFunnelHtml(const pb::FunnelReport& by_dealer, const pb::FunnelReport& over_time,
                             absl::Time generated_at) {
  std::string out;
  // The policy makes the browser refuse anything fetched, should a later edit add some.
  StrAppend(&out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>Funnel report ",
            Escape(Period(by_dealer.request())), "</title>\n<style>", kStyle,
            "</style>\n</head>\n<body>\n<main>\n");
  AppendHeader(by_dealer, generated_at, &out);
  AppendTotalsFunnel(by_dealer, &out);
  AppendCoaching(by_dealer, &out);
  AppendDealerFunnels(by_dealer, &out);
  AppendTrend(over_time, by_dealer.totals(), &out);
  AppendTable(by_dealer, &out);
  StrAppend(&out, "</main>\n</body>\n</html>\n");
  return out;
}

}  // namespace secondvoice::cli
