// IdentityIndex.
#include "libs/intake/identity_index.h"

#include <utility>

#include "absl/hash/hash.h"

namespace secondvoice::intake {

uint64_t IdentityIndex::Hash(absl::string_view dealer, absl::string_view key) {
  return absl::Hash<std::pair<absl::string_view, absl::string_view>>{}({dealer, key});
}

void IdentityIndex::Add(absl::string_view dealer, absl::string_view key, int64_t lead_id) {
  const uint64_t hash = Hash(dealer, key);
  ShardOf(hash).emplace(hash, lead_id);  // the first lead known under a key keeps it
}

bool IdentityIndex::Contains(absl::string_view dealer, absl::string_view key) const {
  const uint64_t hash = Hash(dealer, key);
  return ShardOf(hash).contains(hash);
}

std::optional<int64_t> IdentityIndex::Find(absl::string_view dealer,
                                           const std::vector<std::string>& keys) const {
  for (const std::string& key : keys) {
    const uint64_t hash = Hash(dealer, key);
    const Shard& shard = ShardOf(hash);
    if (auto it = shard.find(hash); it != shard.end()) return it->second;
  }
  return std::nullopt;
}

size_t IdentityIndex::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) n += shard.size();
  return n;
}

}  // namespace secondvoice::intake
