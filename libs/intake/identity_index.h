// Who is already known: (dealer, identity key) -> lead id, for merging duplicate rows within a
// list and against the dealer's existing leads. Keys are kept as 64-bit hashes so a million-row
// import stays within a few tens of MB; a false match needs a hash collision (about 1 in 10^7
// for a file of a million rows against a million known leads).
#ifndef SECONDVOICE_LIBS_INTAKE_IDENTITY_INDEX_H_
#define SECONDVOICE_LIBS_INTAKE_IDENTITY_INDEX_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace secondvoice::intake {

class IdentityIndex {
 public:
  void Add(absl::string_view dealer, absl::string_view key, int64_t lead_id);
  bool Contains(absl::string_view dealer, absl::string_view key) const;
  // The lead known under the first of `keys` that is known, if any.
  std::optional<int64_t> Find(absl::string_view dealer, const std::vector<std::string>& keys) const;
  size_t size() const;

 private:
  // Split by the hash's top bits so that growing rehashes one small shard at a time: a single
  // table of millions of keys would briefly hold its old and new arrays, half again its size.
  static constexpr int kShardBits = 6;
  using Shard = absl::flat_hash_map<uint64_t, int64_t>;
  static uint64_t Hash(absl::string_view dealer, absl::string_view key);
  Shard& ShardOf(uint64_t hash) { return shards_[hash >> (64 - kShardBits)]; }
  const Shard& ShardOf(uint64_t hash) const { return shards_[hash >> (64 - kShardBits)]; }
  std::array<Shard, 1 << kShardBits> shards_;
};

}  // namespace secondvoice::intake

#endif  // SECONDVOICE_LIBS_INTAKE_IDENTITY_INDEX_H_
