// Delivers queued handovers (the outbox in `handovers`) to each dealer's CRM over gRPC
// (DealerCrm.ReceiveHandover): a lease per delivery so that any replica may deliver and a killed
// one's deliveries come back, a deadline per call, a limit of deliveries under way per dealer,
// retries with exponential back-off and jitter, the same idempotency key every time, and a
// flag for the campaign manager when a handover waits too long. Nothing is ever dropped.
//
// A dealer whose CRM does not answer (unavailable, deadline passed, overloaded) is not sent its
// other handovers: one of them probes the CRM after a back-off, and when the CRM answers again
// everything waiting for it is due at once. Packets are assembled on a few loader threads; the
// acknowledgements are recorded in batches.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_
#define SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "libs/common/worker_pool.h"
#include "libs/store/handovers.h"
#include "libs/store/listener.h"
#include "libs/store/pool.h"
#include "secondvoice/v1/handover.grpc.pb.h"

namespace secondvoice::scheduler {

struct DispatcherOptions {
  std::string owner;  // this replica in the leases
  absl::Duration deadline = absl::Seconds(5);
  int per_dealer = 4;  // deliveries under way per dealer at most
  int in_flight = 64;  // deliveries under way in all
  int loaders = 4;     // threads assembling packets
  absl::Duration first_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(2);
  // A CRM that does not answer is probed after a back-off from first_backoff up to this.
  absl::Duration max_probe_interval = absl::Seconds(5);
  // Undelivered this long after it was queued: flagged to the campaign manager (and still tried).
  absl::Duration flag_after = absl::Minutes(15);
  // Looks for due handovers at least this often, NOTIFY or not.
  absl::Duration idle = absl::Seconds(2);
  uint64_t seed = 1;  // of the jitter
};

// The wait before attempt `attempts` + 1 after `attempts` failed ones: first * 2^(attempts-1),
// at most `max`, then a uniform draw from its upper half so that retries of many handovers
// (e.g. after a CRM outage) do not arrive together. `u` in [0, 1).
absl::Duration Backoff(int attempts, absl::Duration first, absl::Duration max, double u);

class HandoverDispatcher {
 public:
  HandoverDispatcher(store::Pool* pool, std::string database_url, DispatcherOptions options);
  // Stops: calls under way are cancelled; their handovers come back when the lease ends.
  ~HandoverDispatcher();
  HandoverDispatcher(const HandoverDispatcher&) = delete;
  HandoverDispatcher& operator=(const HandoverDispatcher&) = delete;

 private:
  struct Call;
  // A dealer whose CRM does not answer.
  struct Circuit {
    absl::Time since;
    int failures = 0;
    absl::Time probe_at;
    bool probing = false;
  };
  void Run();
  void Wake();
  // Records what the CRMs answered (and what could not be sent).
  void Finish(std::vector<std::unique_ptr<Call>> done, absl::Time now);
  // Claims what is due (within the limits) and hands each to a loader.
  void StartDue(absl::Time now);
  // On a loader: assembles the packet and starts the call.
  void Load(std::unique_ptr<Call> call);
  void Retry(const store::HandoverRow& row, const std::string& error, absl::Time now);
  void CircuitFailed(const std::string& dealer, const std::string& error, absl::Time now);
  void FlagOverdue(absl::Time now);
  std::shared_ptr<grpc::Channel> ChannelFor(const store::HandoverRow& row);

  store::Pool* const pool_;
  const DispatcherOptions options_;
  // Of the loop thread:
  std::mt19937_64 rng_;
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  absl::flat_hash_map<std::string, int> per_dealer_;  // claimed and not yet answered
  absl::flat_hash_map<std::string, Circuit> circuits_;
  int in_flight_ = 0;
  absl::Time next_flag_sweep_ = absl::InfinitePast();

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  int loading_ ABSL_GUARDED_BY(mu_) = 0;                          // handed to a loader
  std::vector<std::unique_ptr<Call>> done_ ABSL_GUARDED_BY(mu_);  // answered, to record
  std::vector<Call*> calls_ ABSL_GUARDED_BY(mu_);                 // under way

  std::unique_ptr<WorkerPool> loaders_;
  std::unique_ptr<store::Listener> listener_;
  std::thread thread_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_
