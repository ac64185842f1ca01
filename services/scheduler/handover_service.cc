// HandoverService: the delivery state of handovers, with their packets, for managers and CRMs.
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/store/handovers.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {

ServerUnaryReactor* HandoverServiceImpl::ListHandovers(CallbackServerContext* ctx,
                                                       const v1::ListHandoversRequest* req,
                                                       v1::ListHandoversResponse* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.HandoverService/ListHandovers",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 store::HandoverSearch search;
                 if (!req->dealer_id().empty()) {
                   RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
                   RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
                   search.dealers = {req->dealer_id()};
                 } else if (p.role == auth::Role::kCrm) {
                   search.dealers = p.dealer_ids;  // a CRM sees its own dealers' handovers only
                   if (search.dealers.empty()) return absl::OkStatus();
                 }
                 if (req->state() != v1::DELIVERY_STATE_UNSPECIFIED) {
                   search.state = Dom(req->state(), store::DeliveryState::kFlaggedUndelivered);
                   if (!search.state) return absl::InvalidArgumentError("state: not a known state");
                 }
                 ASSIGN_OR_RETURN(const int size, PageSize(req->page(), "page"));
                 ASSIGN_OR_RETURN(search.before_id, DecodeIdPageToken(req->page(), "page"));
                 search.limit = size + 1;
                 return store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(std::vector<store::HandoverRow> rows,
                                        store::ListHandovers(conn, search));
                       resp->set_next_page_token(FillPage(
                           rows, size,
                           [&](const store::HandoverRow& h) { ToProto(h, resp->add_handovers()); },
                           [](const store::HandoverRow& h) { return h.id; }));
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly);
               });
}

ServerUnaryReactor* HandoverServiceImpl::GetHandover(CallbackServerContext* ctx,
                                                     const v1::GetHandoverRequest* req,
                                                     v1::HandoverRecord* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.HandoverService/GetHandover",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 if (req->handover_id() <= 0) {
                   return absl::InvalidArgumentError("handover_id: must be above 0");
                 }
                 return store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(store::HandoverRow row,
                                        store::GetHandover(conn, req->handover_id()));
                       RETURN_IF_ERROR(auth::CheckDealerAccess(p, row.dealer_id));
                       ASSIGN_OR_RETURN(handover::Packet packet, store::LoadPacket(conn, row.id));
                       ToProto(packet, resp->mutable_handover());
                       ToProto(row, resp);
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly);
               });
}

}  // namespace secondvoice::scheduler
