// Admission and pagination helpers.
#include "services/scheduler/rpc.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/log.h"

namespace secondvoice::scheduler {

absl::StatusOr<auth::Principal> Admit(const Env& env, grpc::CallbackServerContext* ctx,
                                      absl::string_view method) {
  std::string authorization;
  const auto& metadata = ctx->client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  absl::StatusOr<auth::Principal> principal = env.tokens->Authenticate(authorization);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = auth::Authorize(*principal, method); !s.ok()) {
    SV_LOG(Warning) << "denied " << principal->name << " calling " << method;
    return s;
  }
  return principal;
}

absl::StatusOr<int> PageSize(const v1::PageRequest& page, absl::string_view field) {
  if (page.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".page_size: must not be negative"));
  }
  if (page.page_size() == 0) return 100;
  return std::min(page.page_size(), 1000);
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat("k:", last_key));
}

absl::StatusOr<std::string> DecodePageToken(const v1::PageRequest& page, absl::string_view field) {
  std::string raw;
  if (page.page_token().empty()) return raw;
  absl::string_view key;
  if (absl::WebSafeBase64Unescape(page.page_token(), &raw)) {
    key = raw;
    if (absl::ConsumePrefix(&key, "k:")) return std::string(key);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ".page_token: not a token this server gave out"));
}

absl::StatusOr<int64_t> DecodeIdPageToken(const v1::PageRequest& page, absl::string_view field) {
  absl::StatusOr<std::string> key = DecodePageToken(page, field);
  if (!key.ok()) return key.status();
  int64_t id = 0;
  if (!key->empty() && !absl::SimpleAtoi(*key, &id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".page_token: not a token this server gave out"));
  }
  return id;
}

}  // namespace secondvoice::scheduler
