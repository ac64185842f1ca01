// TokenService: API tokens (created, listed, revoked by admins) and the audit log. A new token is
// returned once; the database keeps its digest. Token changes are audited in the same
// transaction as the change itself.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/store/tokens.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {
namespace {

constexpr char kService[] = "/secondvoice.v1.TokenService/";

std::string Method(absl::string_view name) { return absl::StrCat(kService, name); }

std::optional<auth::Role> RoleOf(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN:
      return auth::Role::kAdmin;
    case v1::ROLE_MANAGER:
      return auth::Role::kManager;
    case v1::ROLE_AGENT:
      return auth::Role::kAgent;
    case v1::ROLE_CRM:
      return auth::Role::kCrm;
    default:
      return std::nullopt;
  }
}

void ToProto(const store::ApiToken& t, v1::ApiToken* out) {
  out->set_name(t.name);
  v1::Role role = v1::ROLE_UNSPECIFIED;
  if (absl::StatusOr<auth::Role> r = auth::ParseRole(t.role); r.ok()) {
    role = static_cast<v1::Role>(static_cast<int>(*r) + 1);
  }
  out->set_role(role);
  for (const std::string& s : t.scope) out->add_scope(s);
  scheduler::ToProto(t.created_at, out->mutable_created_at());
  out->set_created_by(t.created_by);
  if (t.revoked_at) scheduler::ToProto(*t.revoked_at, out->mutable_revoked_at());
  out->set_revoked_by(t.revoked_by);
}

store::AuditEntry Entry(const auth::Principal& p, absl::string_view method, absl::string_view event,
                        std::string detail) {
  return {.id = 0,
          .at = absl::Now(),
          .principal = p.name,
          .method = std::string(method),
          .event = std::string(event),
          .detail = std::move(detail)};
}

}  // namespace

ServerUnaryReactor* TokenServiceImpl::CreateToken(CallbackServerContext* ctx,
                                                  const v1::CreateTokenRequest* req,
                                                  v1::CreateTokenResponse* resp) {
  return Serve(
      env_, ctx, Method("CreateToken"),
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(domain::ValidateSlug("name", req->name()));
        const std::optional<auth::Role> role = RoleOf(req->role());
        if (!role) return absl::InvalidArgumentError("role: required");
        const std::vector<std::string> scope(req->scope().begin(), req->scope().end());
        if (absl::StatusOr<auth::Principal> checked =
                auth::MakePrincipal(req->name(), *role, scope);
            !checked.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("scope: ", checked.status().message()));
        }
        const std::string secret = auth::NewToken();
        store::ApiToken token{.name = req->name(),
                              .role = std::string(auth::RoleName(*role)),
                              .scope = scope,
                              .created_at = absl::Time(),
                              .created_by = p.name,
                              .revoked_at = std::nullopt,
                              .revoked_by = "",
                              .digest = auth::Digest(secret)};
        RETURN_IF_ERROR(
            store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
              RETURN_IF_ERROR(store::InsertToken(conn, token));
              return store::InsertAudit(conn,
                                        {Entry(p, Method("CreateToken"), "token_created",
                                               absl::StrCat(token.name, " (", token.role, " ",
                                                            absl::StrJoin(scope, ","), ")"))});
            }));
        ToProto(token, resp->mutable_token());
        resp->set_secret(secret);
        return absl::OkStatus();
      });
}

ServerUnaryReactor* TokenServiceImpl::ListTokens(CallbackServerContext* ctx,
                                                 const v1::ListTokensRequest* req,
                                                 v1::ListTokensResponse* resp) {
  return Serve(env_, ctx, Method("ListTokens"),
               [this, req, resp](const auth::Principal&) -> absl::Status {
                 ASSIGN_OR_RETURN(store::Pool::Lease conn, env_.db->pool().Acquire());
                 ASSIGN_OR_RETURN(std::vector<store::ApiToken> tokens,
                                  store::ListTokens(*conn, req->include_revoked()));
                 for (const store::ApiToken& t : tokens) ToProto(t, resp->add_tokens());
                 return absl::OkStatus();
               });
}

ServerUnaryReactor* TokenServiceImpl::RevokeToken(CallbackServerContext* ctx,
                                                  const v1::RevokeTokenRequest* req,
                                                  v1::RevokeTokenResponse* resp) {
  return Serve(env_, ctx, Method("RevokeToken"),
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 RETURN_IF_ERROR(domain::ValidateSlug("name", req->name()));
                 store::ApiToken token;
                 RETURN_IF_ERROR(store::InTransaction(
                     env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(token, store::RevokeToken(conn, req->name(), p.name));
                       return store::InsertAudit(
                           conn, {Entry(p, Method("RevokeToken"), "token_revoked", token.name)});
                     }));
                 ToProto(token, resp->mutable_token());
                 return absl::OkStatus();
               });
}

ServerUnaryReactor* TokenServiceImpl::ListAudit(CallbackServerContext* ctx,
                                                const v1::ListAuditRequest* req,
                                                v1::ListAuditResponse* resp) {
  return Serve(env_, ctx, Method("ListAudit"),
               [this, req, resp](const auth::Principal&) -> absl::Status {
                 ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
                 ASSIGN_OR_RETURN(const int64_t before, DecodeIdPageToken(req->page(), "page"));
                 ASSIGN_OR_RETURN(store::Pool::Lease conn, env_.db->pool().Acquire());
                 ASSIGN_OR_RETURN(std::vector<store::AuditEntry> entries,
                                  store::ListAudit(*conn, req->event(), before, size + 1));
                 resp->set_next_page_token(FillPage(
                     entries, size,
                     [&](const store::AuditEntry& e) {
                       v1::AuditEntry* out = resp->add_entries();
                       out->set_id(e.id);
                       scheduler::ToProto(e.at, out->mutable_at());
                       out->set_principal(e.principal);
                       out->set_method(e.method);
                       out->set_event(e.event);
                       out->set_detail(e.detail);
                     },
                     [](const store::AuditEntry& e) { return e.id; }));
                 return absl::OkStatus();
               });
}

}  // namespace secondvoice::scheduler
