// DealerService: dealers and BDC queues. CRM principals see only their own dealers.
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/store/dealers.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {
namespace {

constexpr char kService[] = "/secondvoice.v1.DealerService/";

std::string Method(absl::string_view name) { return absl::StrCat(kService, name); }

}  // namespace

ServerUnaryReactor* DealerServiceImpl::CreateDealer(CallbackServerContext* ctx,
                                                    const v1::CreateDealerRequest* req,
                                                    v1::Dealer* resp) {
  return Serve(env_, ctx, Method("CreateDealer"), [this, req, resp](const auth::Principal&) {
    domain::Dealer dealer = FromProto(req->dealer());
    RETURN_IF_ERROR(domain::NormalizeDealer(dealer));
    RETURN_IF_ERROR(store::InTransaction(
        env_.db->pool(), [&](store::PgConn& conn) { return store::InsertDealer(conn, dealer); }));
    ToProto(dealer, resp);
    return absl::OkStatus();
  });
}

ServerUnaryReactor* DealerServiceImpl::GetDealer(CallbackServerContext* ctx,
                                                 const v1::GetDealerRequest* req,
                                                 v1::Dealer* resp) {
  return Serve(env_, ctx, Method("GetDealer"), [this, req, resp](const auth::Principal& p) {
    RETURN_IF_ERROR(domain::ValidateSlug("id", req->id()));
    RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->id()));
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, req->id()));
          ToProto(dealer, resp);
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

ServerUnaryReactor* DealerServiceImpl::ListDealers(CallbackServerContext* ctx,
                                                   const v1::ListDealersRequest* req,
                                                   v1::ListDealersResponse* resp) {
  return Serve(env_, ctx, Method("ListDealers"), [this, req, resp](const auth::Principal& p) {
    ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
    ASSIGN_OR_RETURN(const std::string after, DecodePageToken(req->page(), "page"));
    std::optional<std::vector<std::string>> only;
    if (p.role == auth::Role::kCrm) only = p.dealer_ids;
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(std::vector<domain::Dealer> dealers,
                           store::ListDealers(conn, after, size + 1, only));
          resp->set_next_page_token(FillPage(
              dealers, size, [&](const domain::Dealer& d) { ToProto(d, resp->add_dealers()); },
              [](const domain::Dealer& d) { return d.id; }));
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

ServerUnaryReactor* DealerServiceImpl::UpdateDealer(CallbackServerContext* ctx,
                                                    const v1::UpdateDealerRequest* req,
                                                    v1::Dealer* resp) {
  return Serve(env_, ctx, Method("UpdateDealer"), [this, req, resp](const auth::Principal&) {
    domain::Dealer dealer = FromProto(req->dealer());
    RETURN_IF_ERROR(domain::NormalizeDealer(dealer));
    RETURN_IF_ERROR(store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) {
      return store::UpdateDealer(conn, dealer, req->clear_crm_token());
    }));
    ToProto(dealer, resp);
    return absl::OkStatus();
  });
}

ServerUnaryReactor* DealerServiceImpl::CreateQueue(CallbackServerContext* ctx,
                                                   const v1::CreateQueueRequest* req,
                                                   v1::Queue* resp) {
  return Serve(env_, ctx, Method("CreateQueue"), [this, req, resp](const auth::Principal&) {
    domain::Queue queue = FromProto(req->queue());
    RETURN_IF_ERROR(domain::NormalizeQueue(queue));
    RETURN_IF_ERROR(store::InTransaction(
        env_.db->pool(), [&](store::PgConn& conn) { return store::InsertQueue(conn, queue); }));
    ToProto(queue, resp);
    return absl::OkStatus();
  });
}

ServerUnaryReactor* DealerServiceImpl::GetQueue(CallbackServerContext* ctx,
                                                const v1::GetQueueRequest* req, v1::Queue* resp) {
  return Serve(env_, ctx, Method("GetQueue"), [this, req, resp](const auth::Principal&) {
    RETURN_IF_ERROR(domain::ValidateSlug("id", req->id()));
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(domain::Queue queue, store::GetQueue(conn, req->id()));
          ToProto(queue, resp);
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

ServerUnaryReactor* DealerServiceImpl::ListQueues(CallbackServerContext* ctx,
                                                  const v1::ListQueuesRequest* req,
                                                  v1::ListQueuesResponse* resp) {
  return Serve(env_, ctx, Method("ListQueues"), [this, req, resp](const auth::Principal&) {
    ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
    ASSIGN_OR_RETURN(const std::string after, DecodePageToken(req->page(), "page"));
    return store::InTransaction(
        env_.db->pool(),
        [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(std::vector<domain::Queue> queues,
                           store::ListQueues(conn, after, size + 1));
          resp->set_next_page_token(FillPage(
              queues, size, [&](const domain::Queue& q) { ToProto(q, resp->add_queues()); },
              [](const domain::Queue& q) { return q.id; }));
          return absl::OkStatus();
        },
        store::Access::kReadOnly);
  });
}

}  // namespace secondvoice::scheduler
