// Token table parsing and the role/method permission table.
#include "libs/auth/auth.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/common/file.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "openssl/rand.h"
#include "openssl/sha.h"

namespace secondvoice::auth {
namespace {

struct MethodRule {
  absl::string_view method;
  unsigned roles;  // bit per Role; admin is always allowed
};

constexpr unsigned Bit(Role role) { return 1u << static_cast<unsigned>(role); }
constexpr unsigned kM = Bit(Role::kManager);
constexpr unsigned kA = Bit(Role::kAgent);
constexpr unsigned kC = Bit(Role::kCrm);
constexpr unsigned kNobody = 0;

// Who may call what. Dealer scoping of CRM principals is checked where the dealer is known.
const MethodRule kRules[] = {
    {"/secondvoice.v1.AdminService/GetStatus", kM},
    {"/secondvoice.v1.AdminService/Migrate", kNobody},
    {"/secondvoice.v1.DealerService/CreateDealer", kNobody},
    {"/secondvoice.v1.DealerService/UpdateDealer", kNobody},
    {"/secondvoice.v1.DealerService/GetDealer", kM | kA | kC},
    {"/secondvoice.v1.DealerService/ListDealers", kM | kA | kC},
    {"/secondvoice.v1.DealerService/CreateQueue", kNobody},
    {"/secondvoice.v1.DealerService/GetQueue", kM | kA},
    {"/secondvoice.v1.DealerService/ListQueues", kM | kA},
    {"/secondvoice.v1.CampaignService/CreateCampaign", kM},
    {"/secondvoice.v1.CampaignService/UpdateCampaign", kM},
    {"/secondvoice.v1.CampaignService/SetCampaignState", kM},
    {"/secondvoice.v1.CampaignService/GetCampaign", kM | kA},
    {"/secondvoice.v1.CampaignService/ListCampaigns", kM | kA},
    {"/secondvoice.v1.LeadService/GetLead", kM | kA | kC},
    {"/secondvoice.v1.LeadService/SearchLeads", kM | kA | kC},
    {"/secondvoice.v1.LeadIntake/ImportList", kM},
    {"/secondvoice.v1.LeadIntake/GetImport", kM},
    {"/secondvoice.v1.LeadIntake/SubmitFollowUp", kC},
    {"/secondvoice.v1.LeadIntake/AddSuppression", kM | kC},
    {"/secondvoice.v1.Scheduling/ClaimLeads", kA},
    {"/secondvoice.v1.Scheduling/ReleaseLead", kA},
    {"/secondvoice.v1.Scheduling/ExtendLease", kA},
    {"/secondvoice.v1.Scheduling/RecordAttempt", kA},
    {"/secondvoice.v1.Scheduling/ScheduleCallback", kM | kA},
    {"/secondvoice.v1.Scheduling/CloseLead", kM | kA},
    {"/secondvoice.v1.Scheduling/ExplainLead", kM | kA},
    {"/secondvoice.v1.Scheduling/ListCallList", kM},
    {"/secondvoice.v1.AgentService/Session", kA},
    {"/secondvoice.v1.AgentService/GetQueueStatus", kM | kA},
    {"/secondvoice.v1.HandoverService/ListHandovers", kM | kC},
    {"/secondvoice.v1.HandoverService/GetHandover", kM | kC},
    {"/secondvoice.v1.Feedback/ReportOutcome", kC},
    {"/secondvoice.v1.Reports/GetFunnel", kM},
    {"/secondvoice.v1.Reports/GetTargets", kM},
    {"/secondvoice.v1.Reports/SetTargets", kM},
    {"/secondvoice.v1.TokenService/CreateToken", kNobody},
    {"/secondvoice.v1.TokenService/ListTokens", kNobody},
    {"/secondvoice.v1.TokenService/RevokeToken", kNobody},
    {"/secondvoice.v1.TokenService/ListAudit", kNobody},
    {"/secondvoice.v1.LeadService/ErasePerson", kM | kC},
};

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "manager") return Role::kManager;
  if (name == "agent") return Role::kAgent;
  if (name == "crm") return Role::kCrm;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role '", name, "' (admin, manager, agent or crm)"));
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kManager:
      return "manager";
    case Role::kAgent:
      return "agent";
    case Role::kCrm:
      return "crm";
  }
  return "unknown";
}

bool Principal::CanAccessDealer(absl::string_view dealer_id) const {
  if (role != Role::kCrm) return true;
  return std::find(dealer_ids.begin(), dealer_ids.end(), dealer_id) != dealer_ids.end();
}

bool Principal::CanAccessQueue(absl::string_view queue_id) const {
  if (role != Role::kAgent) return true;
  return std::find_if(queue_ids.begin(), queue_ids.end(), [&](const std::string& q) {
           return q == kEveryQueue || q == queue_id;
         }) != queue_ids.end();
}

absl::StatusOr<Principal> MakePrincipal(std::string name, Role role,
                                        const std::vector<std::string>& scope) {
  Principal p{.name = std::move(name), .role = role, .dealer_ids = {}, .queue_ids = {}};
  switch (role) {
    case Role::kCrm:
      if (scope.empty()) return absl::InvalidArgumentError("a crm token must name its dealers");
      for (const std::string& dealer : scope) {
        RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", dealer));
      }
      p.dealer_ids = scope;
      break;
    case Role::kAgent:
      if (scope.empty()) {
        return absl::InvalidArgumentError(
            "an agent token must name its queues ('*' for every queue)");
      }
      for (const std::string& queue : scope) {
        if (queue != kEveryQueue) RETURN_IF_ERROR(domain::ValidateSlug("queue_id", queue));
      }
      p.queue_ids = scope;
      break;
    case Role::kAdmin:
    case Role::kManager:
      if (!scope.empty()) {
        return absl::InvalidArgumentError(
            "only crm tokens name dealers and only agent tokens name queues");
      }
      break;
  }
  return p;
}

std::string Digest(absl::string_view token) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

std::string NewToken() {
  unsigned char bytes[32];
  // RAND_bytes fails only when the system cannot seed its generator; no token is better then.
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  std::string token = "sv_";
  absl::StrAppend(&token, absl::WebSafeBase64Escape(absl::string_view(
                              reinterpret_cast<const char*>(bytes), sizeof(bytes))));
  return token;
}

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text) {
  TokenTable table;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos)
      line = line.substr(0, hash);
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("tokens line ", line_no, ": ", why));
    };
    if (words.size() < 2) return fail("expected 'TOKEN ROLE [DEALER_ID or QUEUE_ID ...]'");
    if (words[0].size() < 8) return fail("token is shorter than 8 characters");
    auto role = ParseRole(words[1]);
    if (!role.ok()) return fail(role.status().message());
    const std::vector<std::string> scope(words.begin() + 2, words.end());
    std::string name(words[1]);
    if (*role == Role::kCrm) absl::StrAppend(&name, ":", absl::StrJoin(scope, "+"));
    absl::StatusOr<Principal> p = MakePrincipal(std::move(name), *role, scope);
    if (!p.ok()) return fail(p.status().message());
    if (table.tokens_.contains(Digest(words[0]))) return fail("token is listed twice");
    table.Add(words[0], *std::move(p));
  }
  return table;
}

absl::StatusOr<TokenTable> TokenTable::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path));
  return Parse(*text);
}

void TokenTable::Add(absl::string_view token, Principal principal) {
  AddDigest(Digest(token), std::move(principal));
}

void TokenTable::AddDigest(std::string digest, Principal principal) {
  tokens_[std::move(digest)] = std::move(principal);
}

void TokenTable::Merge(const TokenTable& other) {
  for (const auto& [digest, principal] : other.tokens_) tokens_[digest] = principal;
}

absl::StatusOr<Principal> TokenTable::Authenticate(absl::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer TOKEN' metadata");
  }
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError("authorization metadata must be 'Bearer TOKEN'");
  }
  auto it = tokens_.find(Digest(absl::StripAsciiWhitespace(token)));
  if (it == tokens_.end()) return absl::UnauthenticatedError("unknown token");
  return it->second;
}

absl::Status Authorize(const Principal& principal, absl::string_view method) {
  if (principal.role == Role::kAdmin) return absl::OkStatus();
  for (const MethodRule& rule : kRules) {
    if (rule.method != method) continue;
    if (rule.roles & Bit(principal.role)) return absl::OkStatus();
    break;
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(principal.role), " may not call ", method));
}

bool HasRule(absl::string_view method) {
  for (const MethodRule& rule : kRules) {
    if (rule.method == method) return true;
  }
  return false;
}

absl::Status CheckDealerAccess(const Principal& principal, absl::string_view dealer_id) {
  if (principal.CanAccessDealer(dealer_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(principal.name, " may not access dealer '", dealer_id, "'"));
}

absl::Status CheckQueueAccess(const Principal& principal, absl::string_view queue_id) {
  if (principal.CanAccessQueue(queue_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(principal.name, " may not work queue '", queue_id, "'"));
}

}  // namespace secondvoice::auth
