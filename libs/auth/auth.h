// The authentication / authorisation seam every RPC passes: a bearer token names a principal
// with a role; one table says which roles may call which method; CRM principals are scoped
// to their own dealers, agents to their queues. Tokens are kept as SHA-256 digests only; they
// come from the database (`secondvoice token create`) and, for development, from a tokens file.
#ifndef SECONDVOICE_LIBS_AUTH_AUTH_H_
#define SECONDVOICE_LIBS_AUTH_AUTH_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace secondvoice::auth {

enum class Role { kAdmin, kManager, kAgent, kCrm };

absl::string_view RoleName(Role role);
// "admin", "manager", "agent" or "crm"; INVALID_ARGUMENT naming the others.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// An agent scoped to this queue may work every queue.
inline constexpr char kEveryQueue[] = "*";

struct Principal {
  // For audit and logs, e.g. "crm:vandijk"; never the token itself.
  std::string name;
  Role role = Role::kAgent;
  // For kCrm: the dealers it may see. Other roles are not scoped by dealer.
  std::vector<std::string> dealer_ids;
  // For kAgent: the queues it may work, or kEveryQueue. Other roles are not scoped by queue.
  std::vector<std::string> queue_ids;

  bool CanAccessDealer(absl::string_view dealer_id) const;
  bool CanAccessQueue(absl::string_view queue_id) const;
};

// A principal of `role` scoped to `scope`: the dealers of a crm token, the queues of an agent
// token (or kEveryQueue); admin and manager tokens take none. INVALID_ARGUMENT saying what is
// wrong with the scope.
absl::StatusOr<Principal> MakePrincipal(std::string name, Role role,
                                        const std::vector<std::string>& scope);

// The SHA-256 digest of a token (32 bytes): what is stored and looked up, never the token.
std::string Digest(absl::string_view token);
// A new random token: "sv_" and 43 URL-safe characters (256 bits from the system's CSPRNG).
std::string NewToken();

class TokenTable {
 public:
  // One token a line: "TOKEN ROLE [SCOPE ...]", the scope being a crm token's dealers or an
  // agent token's queues ("*": every queue); '#' starts a comment. Errors name the line.
  static absl::StatusOr<TokenTable> Parse(absl::string_view text);
  static absl::StatusOr<TokenTable> LoadFile(const std::string& path);

  void Add(absl::string_view token, Principal principal);
  void AddDigest(std::string digest, Principal principal);
  // Both tables' tokens; `other`'s win where both know one.
  void Merge(const TokenTable& other);

  // `authorization` is the request's metadata value, "Bearer TOKEN". UNAUTHENTICATED when it
  // is missing or names no known token.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  size_t size() const { return tokens_.size(); }

 private:
  absl::flat_hash_map<std::string, Principal> tokens_;  // by digest
};

// PERMISSION_DENIED unless `principal`'s role may call `method` ("/secondvoice.v1.X/Y").
// Methods missing from the table are denied to everyone but admin.
[[nodiscard]] absl::Status Authorize(const Principal& principal, absl::string_view method);

// True when the rule table names `method` ("/secondvoice.v1.X/Y"), even as admin-only. Every
// API method should have a rule; auth_test checks that against the generated descriptors.
bool HasRule(absl::string_view method);

// PERMISSION_DENIED when a CRM principal reaches for another dealer's data.
[[nodiscard]] absl::Status CheckDealerAccess(const Principal& principal,
                                             absl::string_view dealer_id);
// PERMISSION_DENIED when an agent reaches for a queue it is not assigned to.
[[nodiscard]] absl::Status CheckQueueAccess(const Principal& principal, absl::string_view queue_id);

}  // namespace secondvoice::auth

#endif  // SECONDVOICE_LIBS_AUTH_AUTH_H_
