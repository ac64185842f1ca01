// Tokens and the audit log; see access.h.
#include "services/scheduler/access.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

namespace secondvoice::scheduler {

Keyring::Keyring(auth::TokenTable file_tokens, store::Pool* pool)
    : file_(std::move(file_tokens)),
      pool_(pool),
      table_(std::make_shared<const auth::TokenTable>(file_)) {}

absl::StatusOr<auth::Principal> Keyring::Authenticate(absl::string_view authorization) const {
  std::shared_ptr<const auth::TokenTable> table;
  bool loaded;
  {
    absl::MutexLock lock(&mu_);
    table = table_;
    loaded = loaded_;
  }
  absl::StatusOr<auth::Principal> principal = table->Authenticate(authorization);
  if (!principal.ok() && !loaded && !authorization.empty()) {
    return absl::UnavailableError("tokens not loaded from the database yet, retry later");
  }
  return principal;
}

absl::Status Keyring::Reload() {
  ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<store::ApiToken> tokens, store::LoadValidTokens(*conn));
  auto table = std::make_shared<auth::TokenTable>(file_);
  auth::TokenTable from_db;
  for (store::ApiToken& t : tokens) {
    absl::StatusOr<auth::Role> role = auth::ParseRole(t.role);
    absl::StatusOr<auth::Principal> p =
        role.ok() ? auth::MakePrincipal(t.name, *role, t.scope) : role.status();
    if (!p.ok()) {
      // The table's checks keep these out; a row that slips through is refused, not fatal.
      SV_LOG(Warning) << "token '" << t.name << "' skipped: " << p.status().message();
      continue;
    }
    from_db.AddDigest(std::move(t.digest), *std::move(p));
  }
  table->Merge(from_db);
  absl::MutexLock lock(&mu_);
  table_ = std::move(table);
  loaded_ = true;
  return absl::OkStatus();
}

AuditLog::AuditLog(store::Pool* pool) : pool_(pool), thread_([this] { Run(); }) {}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
  if (absl::Status s = Flush(); !s.ok()) {
    absl::MutexLock lock(&mu_);
    SV_LOG(Warning) << queued_.size() << " audit entries not written at shutdown: " << s;
  }
}

void AuditLog::Record(const auth::Principal& who, absl::string_view method, absl::string_view event,
                      absl::string_view detail) {
  SV_LOG(Warning) << "audit: " << event << " " << who.name << " " << method << ": " << detail;
  absl::MutexLock lock(&mu_);
  if (queued_.size() >= kMaxQueued) {
    queued_.pop_front();
    if (++dropped_ % 1000 == 1) {
      SV_LOG(Error) << "audit log: database away, " << dropped_ << " entries dropped so far";
    }
  }
  queued_.push_back({.id = 0,
                     .at = absl::Now(),
                     .principal = who.name,
                     .method = std::string(method),
                     .event = std::string(event),
                     .detail = std::string(detail)});
}

absl::Status AuditLog::Flush() {
  absl::MutexLock write(&write_mu_);
  std::deque<store::AuditEntry> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(queued_);
  }
  if (batch.empty()) return absl::OkStatus();
  absl::Status written = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(store::Pool::Lease conn, pool_->Acquire());
    return store::InsertAudit(*conn, std::vector<store::AuditEntry>(batch.begin(), batch.end()));
  }();
  if (!written.ok()) {
    // Back in front of what came meanwhile, the oldest dropped beyond the limit.
    absl::MutexLock lock(&mu_);
    queued_.insert(queued_.begin(), batch.begin(), batch.end());
    while (queued_.size() > kMaxQueued) {
      queued_.pop_front();
      ++dropped_;
    }
  }
  return written;
}

void AuditLog::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &AuditLog::Due), absl::Seconds(1));
      if (stop_) return;
      if (queued_.empty()) continue;
    }
    if (absl::Status s = Flush(); !s.ok()) absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace secondvoice::scheduler
