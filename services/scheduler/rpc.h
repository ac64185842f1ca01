// What every unary RPC goes through: authentication and authorisation (the seam), a hand-off to
// the bounded worker pool so gRPC's threads never wait on the database, and one status mapping.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_RPC_H_
#define SECONDVOICE_SERVICES_SCHEDULER_RPC_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "libs/auth/auth.h"
#include "libs/common/worker_pool.h"
#include "libs/domain/types.h"
#include "libs/scheduling/scheduler.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/common.pb.h"
#include "services/scheduler/access.h"
#include "services/scheduler/convert.h"
#include "services/scheduler/database.h"

namespace secondvoice::scheduler {

// Shared by all services of one server.
struct Env {
  Database* db;
  WorkerPool* workers;
  const Keyring* keyring;
  // Refusals by role or scope, token changes, erasures.
  AuditLog* audit;
  scheduling::Scheduler* scheduler = nullptr;
  // For calls that may wait long (claims waiting for a lead), so they never hold up the rest.
  WorkerPool* waiters = nullptr;
  // Mutual TLS for dealer CRMs: a crm token counts only over a connection whose client
  // certificate the server verified.
  bool crm_needs_client_cert = false;
};

enum class Needs { kDatabase, kNothing };

// UNAUTHENTICATED / PERMISSION_DENIED (recorded in the audit log), or the caller's principal.
absl::StatusOr<auth::Principal> Admit(const Env& env, grpc::CallbackServerContext* ctx,
                                      absl::string_view method);

// Records `status` in the audit log when it is a PERMISSION_DENIED (another dealer's lead,
// another queue...), and returns it.
absl::Status Audited(const Env& env, const auth::Principal& who, absl::string_view method,
                     absl::Status status);

// PERMISSION_DENIED when `p` may not see `lead`: a CRM another dealer's lead, an agent a lead
// outside its queues' campaigns.
absl::Status CheckLeadScope(store::PgConn& conn, const auth::Principal& p,
                            const domain::Lead& lead);
// The same by lead id; reads the lead only for a principal scoped by dealer or queue.
absl::Status CheckLeadScope(const Env& env, const auth::Principal& p, int64_t lead_id);
// PERMISSION_DENIED when an agent's queues do not include the campaign's queue.
absl::Status CheckCampaignScope(store::PgConn& conn, const auth::Principal& p, int64_t campaign_id);

// Serves one unary call: admits the caller for `method` ("/secondvoice.v1.Service/Method"),
// then runs `work(principal) -> absl::Status` on the worker pool (it fills the response) and
// finishes the call with its status. UNAVAILABLE while the database is not ready; a
// PERMISSION_DENIED from `work` is recorded in the audit log.
template <typename Work>
grpc::ServerUnaryReactor* Serve(const Env& env, grpc::CallbackServerContext* ctx,
                                absl::string_view method, Work work, Needs needs = Needs::kDatabase,
                                WorkerPool* pool = nullptr) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<auth::Principal> principal = Admit(env, ctx, method);
  if (!principal.ok()) {
    reactor->Finish(ToGrpc(principal.status()));
    return reactor;
  }
  const bool queued =
      (pool != nullptr ? pool : env.workers)
          ->TrySubmit([reactor, &env, method = std::string(method), needs, work = std::move(work),
                       p = *std::move(principal)]() mutable {
            absl::Status status =
                needs == Needs::kDatabase && !env.db->ready()
                    ? absl::UnavailableError("database not available, retry later")
                    : Audited(env, p, method, work(p));
            reactor->Finish(ToGrpc(status));
          });
  if (!queued) reactor->Finish(grpc::Status(grpc::RESOURCE_EXHAUSTED, "server busy, retry later"));
  return reactor;
}

// Page size from a PageRequest: 0 gives 100, above 1000 gives 1000, negative is an error.
absl::StatusOr<int> PageSize(const v1::PageRequest& page, absl::string_view field);
// Opaque page tokens carrying the last key of the previous page.
std::string EncodePageToken(absl::string_view last_key);
absl::StatusOr<std::string> DecodePageToken(const v1::PageRequest& page, absl::string_view field);
absl::StatusOr<int64_t> DecodeIdPageToken(const v1::PageRequest& page, absl::string_view field);

// Shows the first `size` of `items` (fetched with limit size + 1) through `add(item)`, and
// returns the next page token, empty when `items` held no more than `size`.
template <typename T, typename Add, typename Key>
std::string FillPage(const std::vector<T>& items, int size, Add add, Key key) {
  for (int i = 0; i < static_cast<int>(items.size()) && i < size; ++i) add(items[i]);
  if (static_cast<int>(items.size()) <= size) return "";
  return EncodePageToken(absl::StrCat(key(items[size - 1])));
}

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_RPC_H_
