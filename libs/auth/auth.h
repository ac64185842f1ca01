// The authentication / authorisation seam every RPC passes: a bearer token names a principal
// with a role; one table says which roles may call which method; CRM principals are scoped
// to their own dealers. Tokens come from a development tokens file for now.
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

struct Principal {
  // For audit and logs, e.g. "crm:vandijk"; never the token itself.
  std::string name;
  Role role = Role::kAgent;
  // For kCrm: the dealers it may see. Other roles are not scoped by dealer.
  std::vector<std::string> dealer_ids;

  bool CanAccessDealer(absl::string_view dealer_id) const;
};

class TokenTable {
 public:
  // One token a line: "TOKEN ROLE [DEALER_ID ...]"; '#' starts a comment. Errors name the line.
  static absl::StatusOr<TokenTable> Parse(absl::string_view text);
  static absl::StatusOr<TokenTable> LoadFile(const std::string& path);

  void Add(std::string token, Principal principal);

  // `authorization` is the request's metadata value, "Bearer TOKEN". UNAUTHENTICATED when it
  // is missing or names no known token.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  size_t size() const { return tokens_.size(); }

 private:
  absl::flat_hash_map<std::string, Principal> tokens_;
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

}  // namespace secondvoice::auth

#endif  // SECONDVOICE_LIBS_AUTH_AUTH_H_
