// Pool and InTransaction.
#include "libs/store/pool.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace secondvoice::store {

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto can_take = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_take), options_.acquire_timeout)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("all ", options_.size, " database connections are busy"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot, connect outside the lock
  }
  auto conn = PgConn::Connect(options_.url, options_.connect_timeout);
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

void Pool::Release(std::unique_ptr<PgConn> conn) {
  const bool keep = !conn->broken();
  if (!keep) conn.reset();  // close outside the lock
  absl::MutexLock lock(&mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
}

void Pool::DropIdle() {
  std::vector<std::unique_ptr<PgConn>> dropped;
  absl::MutexLock lock(&mu_);
  open_ -= static_cast<int>(idle_.size());
  dropped.swap(idle_);
}

absl::Status InTransaction(Pool& pool, absl::FunctionRef<absl::Status(PgConn&)> fn, Access access) {
  constexpr int kMaxAttempts = 5;
  // A reader's queries all see one snapshot.
  const char* begin =
      access == Access::kReadOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
  bool retried_dead_connection = false;
  absl::Status status;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    status = (*lease)->ExecScript(begin);
    if (!status.ok()) {
      // A pooled connection whose server went away: nothing ran yet, so a fresh one may try.
      if (absl::IsUnavailable(status) && !retried_dead_connection) {
        retried_dead_connection = true;
        lease->Discard();
        pool.DropIdle();
        --attempt;
        continue;
      }
      return status;
    }
    status = fn(**lease);
    if (status.ok()) status = (*lease)->ExecScript("COMMIT");
    if (!status.ok()) {
      if (!(*lease)->broken() && !(*lease)->ExecScript("ROLLBACK").ok()) lease->Discard();
      if (absl::IsAborted(status)) continue;  // serialization failure or deadlock: run again
    }
    return status;
  }
  return status;
}

}  // namespace secondvoice::store
