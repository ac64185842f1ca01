// The handover dispatcher: one thread that claims due handovers and records what the CRMs
// answered, a few that assemble the packets and start the CRM calls; see handover_dispatcher.h.
#include "services/scheduler/handover_dispatcher.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
  absl::Time deadline;  // from the claim: the lease (twice the deadline) outlasts the call
  std::shared_ptr<grpc::Channel> channel;
  grpc::ClientContext context;
  v1::Handover request;
  v1::HandoverAck ack;
  grpc::Status status;
  bool sent = false;  // false: the packet could not be assembled, `status` says why
};

namespace {

// The CRM as a whole does not answer, as opposed to one handover failing there.
bool CrmDown(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

absl::Duration Backoff(int attempts, absl::Duration first, absl::Duration max, double u) {
  const double doublings = std::min(30, std::max(0, attempts - 1));
  const absl::Duration full = std::min(max, first * std::pow(2.0, doublings));
  return full * (0.5 + 0.5 * std::clamp(u, 0.0, 1.0));
}

HandoverDispatcher::HandoverDispatcher(store::Pool* pool, std::string database_url,
                                       DispatcherOptions options)
    : pool_(pool),
      options_(std::move(options)),
      rng_(options_.seed),
      loaders_(std::make_unique<WorkerPool>(std::max(1, options_.loaders),
                                            static_cast<size_t>(options_.in_flight))) {
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
  loaders_.reset();  // idle by now: the loop waited for every packet handed to it
}

void HandoverDispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void HandoverDispatcher::Run() {
  for (;;) {
    std::vector<std::unique_ptr<Call>> done;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      done.swap(done_);
      stopping = stop_;
      if (stop_ && calls_.empty() && loading_ == 0 && done.empty()) return;
    }
    const absl::Time now = absl::Now();
    if (!done.empty()) Finish(std::move(done), now);
    if (!stopping) {
      if (now >= next_flag_sweep_) FlagOverdue(now);
      StartDue(now);
    }

    // Sleep until a NOTIFY, an answer, the next handover due, a probe, or the idle look. Due
    // handovers that could not be taken wait for an answer (a dealer at its limit) or a probe (a
    // CRM that does not answer), not for a busy loop.
    absl::Time wake_at = now + options_.idle;
    for (const auto& [dealer, c] : circuits_) {
      if (!c.probing && c.probe_at > now) wake_at = std::min(wake_at, c.probe_at);
    }
    // (With calls under way their answers wake it soon enough.)
    if (!stopping && in_flight_ == 0) {
      auto conn = pool_->Acquire();
      if (conn.ok()) {
        absl::StatusOr<std::optional<absl::Time>> next = store::NextHandoverDue(**conn);
        if (next.ok() && next->has_value() && **next > now) wake_at = std::min(wake_at, **next);
      }
    }
    absl::MutexLock lock(&mu_);
    auto ready = [this] {
      mu_.AssertHeld();
      return woken_ || !done_.empty() || (stop_ && calls_.empty() && loading_ == 0);
    };
    mu_.AwaitWithDeadline(absl::Condition(&ready), wake_at);
    woken_ = false;
  }
}

void HandoverDispatcher::StartDue(absl::Time now) {
  const int room = options_.in_flight - in_flight_;
  if (room <= 0) return;
  store::HandoverClaim claim{.now = now,
                             .lease_until = now + 2 * options_.deadline,
                             .owner = options_.owner,
                             .limit = room,
                             .per_dealer = options_.per_dealer,
                             .room = {}};
  for (const auto& [dealer, n] : per_dealer_) claim.room[dealer] = options_.per_dealer - n;
  for (const auto& [dealer, c] : circuits_) {
    // One probe at a time, when its back-off is over; nothing else for that dealer.
    const bool probe = !c.probing && now >= c.probe_at && !per_dealer_.contains(dealer);
    claim.room[dealer] = probe ? 1 : 0;
  }
  std::vector<store::HandoverRow> due;
  {
    auto conn = pool_->Acquire();
    if (!conn.ok()) return;
    absl::StatusOr<std::vector<store::HandoverRow>> claimed =
        store::ClaimDueHandovers(**conn, claim);
    if (!claimed.ok()) {
      SV_LOG(Warning) << "handovers: " << claimed.status();
      return;
    }
    due = *std::move(claimed);
  }
  for (store::HandoverRow& row : due) {
    if (row.crm_endpoint.empty()) {
      Retry(row, "the dealer has no CRM endpoint configured", now);
      continue;
    }
    ++in_flight_;
    ++per_dealer_[row.dealer_id];
    if (auto c = circuits_.find(row.dealer_id); c != circuits_.end()) c->second.probing = true;
    auto call = std::make_unique<Call>();
    call->deadline = now + options_.deadline;
    call->channel = ChannelFor(row);
    call->row = std::move(row);
    {
      absl::MutexLock lock(&mu_);
      ++loading_;
    }
    // The pool's queue holds as many as may be under way, so this is not refused in practice;
    // if it were, the packet is assembled here.
    auto shared = std::make_shared<std::unique_ptr<Call>>(std::move(call));
    if (!loaders_->TrySubmit([this, shared] { Load(std::move(*shared)); })) {
      Load(std::move(*shared));
    }
  }
}

void HandoverDispatcher::Load(std::unique_ptr<Call> call) {
  absl::Status st = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
    ASSIGN_OR_RETURN(handover::Packet packet, store::LoadPacket(*conn, call->row.id));
    ToProto(packet, &call->request);
    // Not sent so late that the lease could end during the call (another dispatcher would
    // take it over and deliver it at the same time).
    if (absl::Now() >= call->deadline - options_.deadline / 2) {
      return absl::DeadlineExceededError("the packet took too long to assemble; sent later");
    }
    return absl::OkStatus();
  }();
  Call* raw = call.get();
  {
    absl::MutexLock lock(&mu_);
    --loading_;
    if (!st.ok() || stop_) {
      call->status = st.ok() ? grpc::Status(grpc::StatusCode::CANCELLED, "the dispatcher stopped")
                             : grpc::Status(grpc::StatusCode::INTERNAL,
                                            absl::StrCat("packet: ", st.message()));
      done_.push_back(std::move(call));
      return;
    }
    call->sent = true;
    call->context.set_deadline(absl::ToChronoTime(call->deadline));
    // A token never travels in plain text (the settings refuse it; this is the second lock).
    if (!call->row.crm_token.empty() && call->row.crm_tls) {
      call->context.AddMetadata("authorization", absl::StrCat("Bearer ", call->row.crm_token));
    }
    calls_.push_back(call.release());  // a stop from now on cancels it
  }
  // The answer comes on a gRPC thread, which only hands it to the dispatcher's thread.
  v1::DealerCrm::NewStub(raw->channel)
      ->async()
      ->ReceiveHandover(&raw->context, &raw->request, &raw->ack, [this, raw](grpc::Status status) {
        raw->status = std::move(status);
        absl::MutexLock lock(&mu_);
        calls_.erase(std::find(calls_.begin(), calls_.end(), raw));
        done_.emplace_back(raw);
      });
}

void HandoverDispatcher::Finish(std::vector<std::unique_ptr<Call>> done, absl::Time now) {
  std::vector<store::Delivered> delivered;
  std::vector<std::string> answering;  // dealers whose CRM answered
  for (const std::unique_ptr<Call>& call : done) {
    const store::HandoverRow& row = call->row;
    --in_flight_;
    if (--per_dealer_[row.dealer_id] <= 0) per_dealer_.erase(row.dealer_id);
    auto circuit = circuits_.find(row.dealer_id);
    if (circuit != circuits_.end()) circuit->second.probing = false;
    if (!call->status.ok()) {
      const std::string error =
          call->sent ? absl::StrCat("CRM ", row.crm_endpoint, ": ",
                                    absl::StatusCodeToString(
                                        static_cast<absl::StatusCode>(call->status.error_code())),
                                    " ", call->status.error_message())
                     : call->status.error_message();
      // A failed probe waits out the next back-off, whatever the error.
      if (call->sent && (CrmDown(call->status) || circuit != circuits_.end())) {
        CircuitFailed(row.dealer_id, error, now);
      }
      Retry(row, error, now);
      continue;
    }
    answering.push_back(row.dealer_id);
    if (call->ack.accepted()) {
      delivered.push_back({.id = row.id,
                           .crm_reference = call->ack.crm_reference(),
                           .duplicate = call->ack.duplicate()});
      continue;
    }
    const std::string reason = absl::StrCat(
        "refused by the CRM: ",
        call->ack.rejection_reason().empty() ? "no reason given" : call->ack.rejection_reason());
    absl::Status s = store::InTransaction(*pool_, [&](store::PgConn& conn) -> absl::Status {
      ASSIGN_OR_RETURN(bool mine, store::MarkRefused(conn, row.id, options_.owner, reason, now));
      if (!mine) return absl::OkStatus();
      return store::AppendEvent(conn, domain::LeadEvent{.lead_id = row.lead_id,
                                                        .at = now,
                                                        .type = "handover.refused",
                                                        .actor = "dispatcher",
                                                        .summary = reason,
                                                        .details_json = "{}"})
          .status();
    });
    if (!s.ok()) SV_LOG(Warning) << "handover " << row.id << ": " << s;
  }
  if (!delivered.empty()) {
    // In id order, as every statement that locks several handovers takes them.
    std::sort(delivered.begin(), delivered.end(),
              [](const store::Delivered& a, const store::Delivered& b) { return a.id < b.id; });
    auto conn = pool_->Acquire();
    absl::Status s = conn.ok()
                         ? store::MarkDelivered(**conn, options_.owner, now, delivered).status()
                         : conn.status();
    // Not recorded: the leases end and they are delivered again, which the CRM recognises by
    // their keys.
    if (!s.ok()) SV_LOG(Warning) << delivered.size() << " delivered handover(s): " << s;
  }
  // A CRM that answers again: what waits for it need not wait out its back-off.
  for (const std::string& dealer : answering) {
    auto circuit = circuits_.find(dealer);
    if (circuit == circuits_.end()) continue;
    const absl::Duration down = now - circuit->second.since;
    circuits_.erase(circuit);
    auto conn = pool_->Acquire();
    if (!conn.ok()) continue;
    absl::StatusOr<int64_t> n = store::RetryDealerNow(**conn, dealer, now);
    SV_LOG(Info) << "the CRM of dealer " << dealer << " answers again after "
                 << absl::FormatDuration(absl::Trunc(down, absl::Seconds(1)))
                 << "; its waiting handovers are due now"
                 << (n.ok() ? absl::StrCat(" (", *n, " were waiting for a retry)") : "");
  }
}

void HandoverDispatcher::CircuitFailed(const std::string& dealer, const std::string& error,
                                       absl::Time now) {
  auto [it, opened] = circuits_.try_emplace(dealer);
  Circuit& c = it->second;
  if (opened) c.since = now;
  // The calls that were under way when it went down fail together: one failure.
  if (!opened && now < c.probe_at) return;
  ++c.failures;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  c.probe_at =
      now + Backoff(c.failures, options_.first_backoff, options_.max_probe_interval, u(rng_));
  if (opened) {
    SV_LOG(Warning) << "the CRM of dealer " << dealer << " does not answer (" << error
                    << "): its handovers wait, and one probes it at most every "
                    << absl::FormatDuration(options_.max_probe_interval);
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

void HandoverDispatcher::FlagOverdue(absl::Time now) {
  next_flag_sweep_ = now + std::clamp(options_.flag_after / 10, absl::Seconds(1), absl::Minutes(1));
  auto conn = pool_->Acquire();
  if (!conn.ok()) return;
  auto flagged = store::FlagOverdueHandovers(**conn, now - options_.flag_after, now);
  if (!flagged.ok()) {
    SV_LOG(Warning) << "flagging overdue handovers: " << flagged.status();
    return;
  }
  for (const auto& [dealer, n] : *flagged) {
    SV_LOG(Warning) << n << " handover(s) of dealer " << dealer << " undelivered after "
                    << absl::FormatDuration(options_.flag_after) << ": flagged";
  }
}

std::shared_ptr<grpc::Channel> HandoverDispatcher::ChannelFor(const store::HandoverRow& row) {
  // One channel per way of reaching a CRM; a dealer that changes its settings gets a new one.
  const std::string key =
      absl::StrCat(row.crm_endpoint, row.crm_tls ? " tls " : " plain ", row.crm_tls_root_certs);
  std::shared_ptr<grpc::Channel>& channel = channels_[key];
  if (channel == nullptr) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (row.crm_tls) {
      grpc::SslCredentialsOptions tls;
      tls.pem_root_certs = row.crm_tls_root_certs;  // empty: the system's roots
      credentials = grpc::SslCredentials(tls);
    }
    // Reconnects within seconds of a CRM coming back (gRPC's own back-off grows to two
    // minutes); how often to try again is the dispatcher's back-off's business.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    channel = grpc::CreateCustomChannel(row.crm_endpoint, credentials, args);
  }
  return channel;
}

}  // namespace secondvoice::scheduler
