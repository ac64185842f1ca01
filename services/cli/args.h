// Command-line parsing for the secondvoice CLI: words, and flags as --name=value or
// --name value (repeatable); the words before the first flag select the command.
#ifndef SECONDVOICE_SERVICES_CLI_ARGS_H_
#define SECONDVOICE_SERVICES_CLI_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace secondvoice::cli {

class Args {
 public:
  // `boolean_flags` take no value (e.g. "json"). Flag names use '-'; '_' is read as '-'.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::set<std::string>& boolean_flags);

  const std::vector<std::string>& words() const { return words_; }
  bool Has(absl::string_view name) const;
  // The last value given for `name`, if any.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;
  // Every value given for a repeatable flag, in order.
  std::vector<std::string> GetAll(absl::string_view name) const;
  // INVALID_ARGUMENT naming the flag when it is missing.
  absl::StatusOr<std::string> Require(absl::string_view name) const;
  absl::StatusOr<int> GetInt(absl::string_view name, int fallback) const;
  // INVALID_ARGUMENT naming the first flag not in `allowed`.
  absl::Status OnlyFlags(const std::set<std::string>& allowed) const;

 private:
  std::vector<std::string> words_;
  std::multimap<std::string, std::string, std::less<>> flags_;
  std::vector<std::string> order_;  // flag names in the order given
};

}  // namespace secondvoice::cli

#endif  // SECONDVOICE_SERVICES_CLI_ARGS_H_
