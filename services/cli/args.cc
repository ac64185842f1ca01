// Args parsing.
#include "services/cli/args.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace secondvoice::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::set<std::string>& boolean_flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      args.words_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      name = absl::StrReplaceAll(name, {{"_", "-"}});
    } else {
      name = absl::StrReplaceAll(name, {{"_", "-"}});
      if (boolean_flags.count(name)) {
        value = "true";
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    }
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("bad flag '", arg, "'"));
    args.flags_.emplace(name, value);
    args.order_.push_back(name);
  }
  return args;
}

bool Args::Has(absl::string_view name) const { return flags_.find(name) != flags_.end(); }

std::optional<std::string> Args::Get(absl::string_view name) const {
  auto [begin, end] = flags_.equal_range(name);
  if (begin == end) return std::nullopt;
  return std::prev(end)->second;
}

std::string Args::GetOr(absl::string_view name, absl::string_view fallback) const {
  return Get(name).value_or(std::string(fallback));
}

std::vector<std::string> Args::GetAll(absl::string_view name) const {
  std::vector<std::string> out;
  auto [begin, end] = flags_.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

absl::StatusOr<std::string> Args::Require(absl::string_view name) const {
  std::optional<std::string> v = Get(name);
  if (!v || v->empty()) return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  return *v;
}

absl::StatusOr<int> Args::GetInt(absl::string_view name, int fallback) const {
  std::optional<std::string> v = Get(name);
  if (!v) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(*v, &n)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": '", *v, "' is not a number"));
  }
  return n;
}

absl::Status Args::OnlyFlags(const std::set<std::string>& allowed) const {
  for (const std::string& name : order_) {
    if (!allowed.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " for this command"));
    }
  }
  return absl::OkStatus();
}

}  // namespace secondvoice::cli
