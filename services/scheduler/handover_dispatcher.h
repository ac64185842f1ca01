// Delivers queued handovers (the outbox in `handovers`) to each dealer's CRM over gRPC
// (DealerCrm.ReceiveHandover): a lease per delivery so that any replica may deliver and a killed
// one's deliveries come back, a deadline per call, a limit of deliveries under way per dealer,
// retries with exponential back-off and jitter, the same idempotency key every time, and a
// flag for the campaign manager when a handover waits too long. Nothing is ever dropped.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_
#define SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
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
  absl::Duration first_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(2);
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
  void Run();
  void Wake();
  // Claims what is due (within the limits) and starts each call.
  void StartDue(absl::Time now);
  void Start(const store::HandoverRow& row, absl::Time now);
  void Finish(Call& call, absl::Time now);
  void Retry(const store::HandoverRow& row, const std::string& error, absl::Time now);
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& endpoint);

  store::Pool* const pool_;
  const DispatcherOptions options_;
  std::mt19937_64 rng_;
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  absl::flat_hash_map<std::string, int> per_dealer_;  // calls under way
  // Dealers whose CRM failed a call: the next success brings their waiting handovers forward.
  absl::flat_hash_set<std::string> failing_;
  int in_flight_ = 0;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Call>> done_ ABSL_GUARDED_BY(mu_);  // answered, to record
  std::vector<Call*> calls_ ABSL_GUARDED_BY(mu_);                 // under way

  std::unique_ptr<store::Listener> listener_;
  std::thread thread_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_HANDOVER_DISPATCHER_H_
