// Who is calling, and a record of what they were refused: the daemon's tokens (the database's,
// reloaded whenever any replica changes them, plus a development file's) and the audit log,
// written in the background so that no call waits on it.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_ACCESS_H_
#define SECONDVOICE_SERVICES_SCHEDULER_ACCESS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/auth.h"
#include "libs/store/pool.h"
#include "libs/store/tokens.h"

namespace secondvoice::scheduler {

class Keyring {
 public:
  // `file_tokens`: development tokens, accepted at once and always.
  Keyring(auth::TokenTable file_tokens, store::Pool* pool);

  // UNAUTHENTICATED for a missing or unknown token; UNAVAILABLE for a token not in the file
  // while the database's tokens have never been loaded (it may be one of those).
  absl::StatusOr<auth::Principal> Authenticate(absl::string_view authorization) const;

  // Reads the database's valid tokens. On failure the last table stays in force.
  absl::Status Reload();

 private:
  const auth::TokenTable file_;
  store::Pool* const pool_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const auth::TokenTable> table_ ABSL_GUARDED_BY(mu_);
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
};

class AuditLog {
 public:
  explicit AuditLog(store::Pool* pool);
  // Writes what it still can, then stops.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues an entry (stamped now) and returns at once. While the database is away entries wait,
  // up to kMaxQueued; beyond that the oldest are dropped and the drop is logged.
  void Record(const auth::Principal& who, absl::string_view method, absl::string_view event,
              absl::string_view detail);
  // Writes what is queued now.
  absl::Status Flush();

  static constexpr size_t kMaxQueued = 10000;

 private:
  void Run();
  bool Due() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queued_.empty(); }

  store::Pool* const pool_;
  absl::Mutex mu_;
  std::deque<store::AuditEntry> queued_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // One writer at a time (the thread, or Flush), so entries keep their order.
  absl::Mutex write_mu_;
  std::thread thread_;
};

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_ACCESS_H_
