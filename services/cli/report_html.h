// The funnel report as one self-contained HTML page (`secondvoice report --html FILE`): inline
// CSS and SVG charts, no scripts and nothing fetched, so it can be mailed or archived as is.
#ifndef SECONDVOICE_SERVICES_CLI_REPORT_HTML_H_
#define SECONDVOICE_SERVICES_CLI_REPORT_HTML_H_

#include <string>

#include "absl/time/time.h"
#include "secondvoice/v1/reports.pb.h"

namespace secondvoice::cli {

// `by_dealer`: the period grouped by dealer (its totals head the page, its shortfalls become
// "Where to coach"). `over_time`: the same period grouped by DAY, WEEK or MONTH, rows oldest
// first. Every text from the reports is escaped; numbers use fixed formats.
std::string RenderFunnelHtml(const secondvoice::v1::FunnelReport& by_dealer,
                             const secondvoice::v1::FunnelReport& over_time,
                             absl::Time generated_at);

}  // namespace secondvoice::cli

#endif  // SECONDVOICE_SERVICES_CLI_REPORT_HTML_H_
