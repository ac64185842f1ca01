// Database monitor.
#include "services/scheduler/database.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/store/erasure.h"
#include "libs/store/migrations.h"
#include "libs/store/reports.h"

namespace secondvoice::scheduler {
namespace {

constexpr store::Query kPing = {"monitor_ping", "SELECT 1"};

}  // namespace

Database::Database(Options options, std::function<void(bool)> on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)), pool_(options_.pool) {}

Database::~Database() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void Database::Start() {
  thread_ = std::thread([this] { Run(); });
}

absl::StatusOr<std::vector<int>> Database::MigrateNow() {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  return store::Migrate(**lease);
}

bool Database::Check() {
  if (probe_ != nullptr && !probe_->broken() && probe_->Exec(kPing).ok()) return true;
  // (Re)connect: the server is new to us, so make sure the schema is current.
  probe_.reset();
  auto conn = store::PgConn::Connect(options_.pool.url, options_.pool.connect_timeout);
  if (!conn.ok()) {
    if (ready_.load()) SV_LOG(Warning) << "database unreachable: " << conn.status().message();
    return false;
  }
  auto applied = store::Migrate(**conn);
  if (!applied.ok()) {
    SV_LOG(Error) << "migrations failed: " << applied.status().message();
    return false;
  }
  if (!applied->empty()) SV_LOG(Info) << "applied migrations " << absl::StrJoin(*applied, ", ");
  probe_ = *std::move(conn);
  // Pooled connections may point at the server that went away.
  pool_.DropIdle();
  return true;
}

void Database::SweepRetention() {
  // A batch per round (one round a check interval) keeps each transaction short; a backlog,
  // such as on the first day with a retention, drains over the following rounds.
  int64_t erased = 0;
  absl::Status s = store::InTransaction(pool_, [&](store::PgConn& conn) -> absl::Status {
    ASSIGN_OR_RETURN(erased, store::EraseExpiredLeads(conn, absl::Now() - options_.retention,
                                                      options_.retention_batch));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    SV_LOG(Warning) << "retention sweep: " << s.message();
  } else if (erased > 0) {
    SV_LOG(Info) << "retention: erased " << erased << (erased == 1 ? " lead" : " leads")
                 << " closed longer than " << absl::FormatDuration(options_.retention);
  }
}

void Database::Run() {
  absl::Time compacted = absl::InfinitePast();
  do {
    const bool now_ready = Check();
    if (now_ready != ready_.exchange(now_ready)) {
      SV_LOG(Info) << "database " << (now_ready ? "ready" : "NOT ready");
      if (!now_ready) pool_.DropIdle();
      if (on_change_) on_change_(now_ready);
    }
    // The funnel's changes into its daily figures: reports read them whether folded or not, so
    // this only keeps what they read small. Another replica doing it meanwhile is fine.
    if (now_ready && options_.compact_interval != absl::InfiniteDuration() &&
        absl::Now() - compacted >= options_.compact_interval) {
      compacted = absl::Now();
      if (absl::Status s = store::CompactFunnel(*probe_).status(); !s.ok()) {
        SV_LOG(Warning) << "folding the funnel's changes: " << s.message();
      }
    }
    if (now_ready && options_.retention > absl::ZeroDuration()) SweepRetention();
  } while (!stop_.WaitForNotificationWithTimeout(options_.check_interval));
}

}  // namespace secondvoice::scheduler
