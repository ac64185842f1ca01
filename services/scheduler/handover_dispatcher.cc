// The handover dispatcher: one thread that claims due handovers, starts their CRM calls
// asynchronously and records what the CRMs answered; see handover_dispatcher.h.
#include "services/scheduler/handover_dispatcher.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/store/leads.h"
#include "services/scheduler/convert.h"

namespace secondvoice::scheduler {

struct HandoverDispatcher::Call {
  store::HandoverRow row;
  grpc::ClientContext context;
  v1::Handover request;
  v1::HandoverAck ack;
  grpc::Status status;
};

absl::Duration Backoff(int attempts, absl::Duration first, absl::Duration max, double u) {
  const double doublings = std::min(30, std::max(0, attempts - 1));
  const absl::Duration full = std::min(max, first * std::pow(2.0, doublings));
  return full * (0.5 + 0.5 * std::clamp(u, 0.0, 1.0));
}

HandoverDispatcher::HandoverDispatcher(store::Pool* pool, std::string database_url,
                                       DispatcherOptions options)
    : pool_(pool), options_(std::move(options)), rng_(options_.seed) {
  listener_ = std::make_unique<store::Listener>(std::move(database_url), store::kHandoverChannel,
                                                [this](absl::string_view) { Wake(); });
  thread_ = std::thread([this] { Run(); });
}

HandoverDispatcher::~HandoverDispatcher() {
  listener_.reset();
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    for (Call* call : calls_) call->context.TryCancel();
  }
  thread_.join();
}

void HandoverDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void HandoverDispatcher::Run() {
  for (;;) {
    std::vector<std::unique_ptr<Call>> done;
    {
      absl::MutexLock lock(&mu_);
      done.swap(done_);
      if (stop_ && calls_.empty() && done.empty()) return;
    }
    const absl::Time now = absl::Now();
    for (std::unique_ptr<Call>& call : done) Finish(*call, now);
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stop_;
    }
    if (!stopping) StartDue(now);

    // Sleep until a NOTIFY, an answer, the next handover due, or the idle look.
    absl::Time wake_at = now + options_.idle;
    if (!stopping && in_flight_ < options_.in_flight) {
      auto conn = pool_->Acquire();
      if (conn.ok()) {
        absl::StatusOr<std::optional<absl::Time>> next = store::NextHandoverDue(**conn);
        if (next.ok() && next->has_value()) wake_at = std::min(wake_at, std::max(now, **next));
      }
    }
    absl::MutexLock lock(&mu_);
    auto ready = [this] {
      mu_.AssertHeld();
      return woken_ || !done_.empty() || (stop_ && calls_.empty());
    };
    mu_.AwaitWithDeadline(absl::Condition(&ready), wake_at);
    woken_ = false;
  }
}

void HandoverDispatcher::StartDue(absl::Time now) {
  const int room = options_.in_flight - in_flight_;
  if (room <= 0) return;
  std::vector<std::string> full;
  for (const auto& [dealer, n] : per_dealer_) {
    if (n >= options_.per_dealer) full.push_back(dealer);
  }
  std::vector<store::HandoverRow> due;
  {
    auto conn = pool_->Acquire();
    if (!conn.ok()) return;
    absl::StatusOr<std::vector<store::HandoverRow>> claimed = store::ClaimDueHandovers(
        **conn, now, now + 2 * options_.deadline, options_.owner, room, full);
    if (!claimed.ok()) {
      SV_LOG(Warning) << "handovers: " << claimed.status();
      return;
    }
    due = *std::move(claimed);
  }
  for (const store::HandoverRow& row : due) {
    int& n = per_dealer_[row.dealer_id];
    if (n >= options_.per_dealer) {
      // Claimed in one batch beyond the dealer's limit: back, untried, for the next round.
      auto conn = pool_->Acquire();
      if (conn.ok()) {
        absl::Status s = store::ReturnHandover(**conn, row.id, options_.owner, now);
        if (!s.ok()) SV_LOG(Warning) << "handover " << row.id << ": " << s;
      }
      continue;
    }
    Start(row, now);
  }
}

void HandoverDispatcher::Start(const store::HandoverRow& row, absl::Time now) {
  if (row.crm_endpoint.empty()) {
    return Retry(row, "the dealer has no CRM endpoint configured", now);
  }
  auto call = std::make_unique<Call>();
  call->row = row;
  {
    auto conn = pool_->Acquire();
    if (!conn.ok()) return Retry(row, std::string(conn.status().message()), now);
    absl::StatusOr<handover::Packet> packet = store::LoadPacket(**conn, row.id);
    if (!packet.ok()) return Retry(row, std::string(packet.status().message()), now);
    ToProto(*packet, &call->request);
  }
  call->context.set_deadline(absl::ToChronoTime(now + options_.deadline));
  ++in_flight_;
  ++per_dealer_[row.dealer_id];
  auto stub = v1::DealerCrm::NewStub(ChannelFor(row.crm_endpoint));
  Call* raw = call.release();
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back(raw);
  }
  // The answer comes on a gRPC thread, which only hands it to this dispatcher's thread.
  stub->async()->ReceiveHandover(&raw->context, &raw->request, &raw->ack,
                                 [this, raw](grpc::Status status) {
                                   raw->status = std::move(status);
                                   absl::MutexLock lock(&mu_);
                                   calls_.erase(std::find(calls_.begin(), calls_.end(), raw));
                                   done_.emplace_back(raw);
                                 });
}

void HandoverDispatcher::Finish(Call& call, absl::Time now) {
  --in_flight_;
  if (--per_dealer_[call.row.dealer_id] <= 0) per_dealer_.erase(call.row.dealer_id);
  const store::HandoverRow& row = call.row;
  if (!call.status.ok()) {
    failing_.insert(row.dealer_id);
    return Retry(row,
                 absl::StrCat("CRM ", row.crm_endpoint, ": ",
                              absl::StatusCodeToString(
                                  static_cast<absl::StatusCode>(call.status.error_code())),
                              " ", call.status.error_message()),
                 now);
  }
  absl::Status s = store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
    if (!call.ack.accepted()) {
      const std::string reason = absl::StrCat(
          "refused by the CRM: ",
          call.ack.rejection_reason().empty() ? "no reason given" : call.ack.rejection_reason());
      ASSIGN_OR_RETURN(bool mine, store::MarkRefused(conn, row.id, options_.owner, reason, now));
      if (!mine) return absl::OkStatus();
      return store::AppendEvent(conn, domain::LeadEvent{.lead_id = row.lead_id,
                                                        .at = now,
                                                        .type = "handover.refused",
                                                        .actor = "dispatcher",
                                                        .summary = reason,
                                                        .details_json = "{}"})
          .status();
    }
    ASSIGN_OR_RETURN(bool mine, store::MarkDelivered(conn, row.id, options_.owner, now,
                                                     call.ack.crm_reference()));
    if (!mine) return absl::OkStatus();  // another replica took it over; the CRM deduplicates
    return store::AppendEvent(
               conn, domain::LeadEvent{.lead_id = row.lead_id,
                                       .at = now,
                                       .type = "handover.delivered",
                                       .actor = "dispatcher",
                                       .summary = absl::StrCat(
                                           "handover ", row.id, " delivered to the dealer's CRM",
                                           call.ack.crm_reference().empty() ? "" : " as ",
                                           call.ack.crm_reference(),
                                           call.ack.duplicate() ? " (it had it already)" : ""),
                                       .details_json = "{}"})
        .status();
  });
  if (!s.ok()) {
    // Not recorded: the lease ends and the handover is delivered again, which the CRM
    // recognises by its key.
    SV_LOG(Warning) << "handover " << row.id << ": " << s;
  }
  // The CRM answers again after failures: what waits for it need not wait out its back-off.
  if (failing_.erase(row.dealer_id) > 0) {
    auto conn = pool_->Acquire();
    if (conn.ok()) {
      absl::StatusOr<int64_t> n = store::RetryDealerNow(**conn, row.dealer_id, now);
      if (n.ok() && *n > 0) {
        SV_LOG(Info) << "the CRM of dealer " << row.dealer_id << " answers again: " << *n
                     << " waiting handover(s) due now";
      }
    }
  }
}

void HandoverDispatcher::Retry(const store::HandoverRow& row, const std::string& error,
                               absl::Time now) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const absl::Time next =
      now + Backoff(row.attempts, options_.first_backoff, options_.max_backoff, u(rng_));
  const bool flag = now - row.created_at >= options_.flag_after;
  auto conn = pool_->Acquire();
  if (!conn.ok()) return;  // the lease ends and it is tried again
  absl::StatusOr<bool> r = store::MarkRetry(**conn, row.id, options_.owner, error, next, flag, now);
  if (!r.ok()) SV_LOG(Warning) << "handover " << row.id << ": " << r.status();
  if (flag && !row.flagged_at) {
    SV_LOG(Warning) << "handover " << row.id << " of dealer " << row.dealer_id
                    << " undelivered since " << absl::FormatTime(row.created_at) << ": " << error;
  }
}

std::shared_ptr<grpc::Channel> HandoverDispatcher::ChannelFor(const std::string& endpoint) {
  std::shared_ptr<grpc::Channel>& channel = channels_[endpoint];
  if (channel == nullptr) {
    // Plain text on the loopback and private networks for now; TLS and a token per dealer come
    // with the dealers' CRM credentials.
    // Reconnects within seconds of a CRM coming back (gRPC's own back-off grows to two
    // minutes); how often to try again is the dispatcher's back-off's business.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    channel = grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
  }
  return channel;
}

}  // namespace secondvoice::scheduler
