// The daemon's link to PostgreSQL: the connection pool plus a monitor thread that connects,
// applies migrations, then keeps checking the server (and folds the funnel's changes, and erases
// leads past their retention). It reports ready/not-ready changes (for gRPC health) and recovers
// by itself when PostgreSQL comes back.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_DATABASE_H_
#define SECONDVOICE_SERVICES_SCHEDULER_DATABASE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/store/pg.h"
#include "libs/store/pool.h"

namespace secondvoice::scheduler {

class Database {
 public:
  struct Options {
    store::Pool::Options pool;
    // How often the monitor checks the server.
    absl::Duration check_interval = absl::Seconds(1);
    // How often the funnel's changes are folded into its daily figures (infinite: never).
    absl::Duration compact_interval = absl::Seconds(5);
    // Leads closed longer than this are erased, at most `retention_batch` per check (zero: never).
    absl::Duration retention = absl::ZeroDuration();
    int retention_batch = 200;
  };

  // `on_change(ready)` is called from the monitor thread whenever readiness changes.
  Database(Options options, std::function<void(bool)> on_change);
  // Stops the monitor.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Start();

  // Reachable and migrated at the last check.
  bool ready() const { return ready_.load(); }
  store::Pool& pool() { return pool_; }

  // Applies pending migrations now; returns the versions applied.
  absl::StatusOr<std::vector<int>> MigrateNow();

 private:
  void Run();
  // One round: connect if needed, migrate on (re)connection, ping. True when ready.
  bool Check();
  // Erases one batch of the leads closed longer than the retention. Replicas sweeping at the
  // same time skip each other's leads.
  void SweepRetention();

  const Options options_;
  std::function<void(bool)> on_change_;
  store::Pool pool_;
  std::unique_ptr<store::PgConn> probe_;  // the monitor's own connection
  std::atomic<bool> ready_{false};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_DATABASE_H_
