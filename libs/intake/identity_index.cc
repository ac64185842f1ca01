// IdentityIndex.
#include "libs/intake/identity_index.h"

#include <utility>

#include "absl/hash/hash.h"

namespace secondvoice::intake {

uint64_t IdentityIndex::Hash(absl::string_view dealer, absl::string_view key) {
  return absl::Hash<std::pair<absl::string_view, absl::string_view>>{}({dealer, key});
}

void IdentityIndex::Add(absl::string_view dealer, absl::string_view key, int64_t lead_id) {
  leads_.emplace(Hash(dealer, key), lead_id);  // the first lead known under a key keeps it
}

bool IdentityIndex::Contains(absl::string_view dealer, absl::string_view key) const {
  return leads_.contains(Hash(dealer, key));
}

std::optional<int64_t> IdentityIndex::Find(absl::string_view dealer,
                                           const std::vector<std::string>& keys) const {
  for (const std::string& key : keys) {
    if (auto it = leads_.find(Hash(dealer, key)); it != leads_.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace secondvoice::intake
