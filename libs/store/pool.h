// A bounded pool of PostgreSQL connections, and the transaction helper every write goes through.
#ifndef SECONDVOICE_LIBS_STORE_POOL_H_
#define SECONDVOICE_LIBS_STORE_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/store/pg.h"

namespace secondvoice::store {

class Pool {
 public:
  struct Options {
    std::string url;
    int size = 8;
    absl::Duration connect_timeout = absl::Seconds(5);
    // How long Acquire waits for a free connection before RESOURCE_EXHAUSTED.
    absl::Duration acquire_timeout = absl::Seconds(5);
  };

  // Hands a connection back to the pool when destroyed (or drops it when it broke).
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConn& operator*() const { return *conn_; }
    PgConn* operator->() const { return conn_.get(); }
    // Forget this connection instead of returning it (e.g. its state is unknown).
    void Discard() { conn_.reset(); }

   private:
    Pool* pool_;
    std::unique_ptr<PgConn> conn_;
  };

  explicit Pool(Options options) : options_(std::move(options)) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // UNAVAILABLE when the database cannot be reached; connects lazily.
  absl::StatusOr<Lease> Acquire();

  // Closes idle connections, e.g. after the database restarted; leased ones are dropped when
  // they come back broken.
  void DropIdle();

  const Options& options() const { return options_; }

 private:
  void Release(std::unique_ptr<PgConn> conn);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConn>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
};

enum class Access { kReadWrite, kReadOnly };

// Runs `fn` inside BEGIN/COMMIT on one pooled connection (kReadOnly: one snapshot for all its
// queries, REPEATABLE READ READ ONLY); rolls back when it fails. Retries the
// whole transaction on serialization failures and deadlocks (ABORTED), and once on a fresh
// connection when a reused one turns out to be dead before anything ran.
[[nodiscard]] absl::Status InTransaction(Pool& pool, absl::FunctionRef<absl::Status(PgConn&)> fn,
                                         Access access = Access::kReadWrite);

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_POOL_H_
