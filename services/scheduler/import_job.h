// One list import, run on its own thread while the client streams the file: parse (CSV or
// XLSX) -> normalise rows on two threads -> merge duplicates -> COPY into PostgreSQL, all in one
// transaction, so an import that fails or is cut off midway leaves nothing behind.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_IMPORT_JOB_H_
#define SECONDVOICE_SERVICES_SCHEDULER_IMPORT_JOB_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/store/imports.h"
#include "libs/store/pool.h"
#include "secondvoice/v1/lead_intake.pb.h"

namespace secondvoice::scheduler {

class ImportJob {
 public:
  using Done = std::function<void(absl::StatusOr<v1::ImportListResponse>)>;

  // `done` is called once, from the job's thread, when the import has committed or failed.
  ImportJob(store::Pool& pool, v1::ImportHeader header, std::string created_by, Done done);
  // Joins the job's thread.
  ~ImportJob();
  ImportJob(const ImportJob&) = delete;
  ImportJob& operator=(const ImportJob&) = delete;

  void Start();
  // The next piece of the file; `consumed` is called once the job has taken it, so the caller
  // reads the next piece only then (memory stays bounded whatever the file's size).
  void Push(std::string chunk, std::function<void()> consumed);
  // The whole file has arrived.
  void Close();
  // Stop and roll back: the client went away, or sent something the job cannot take.
  void Cancel(
      absl::Status why = absl::CancelledError("the client went away before the file was complete"));

 private:
  struct Chunk {
    std::string bytes;
    std::function<void()> consumed;
  };

  void Run();
  absl::StatusOr<v1::ImportListResponse> Import();
  // The next chunk; false at the end of input. CANCELLED when the client went away.
  absl::StatusOr<bool> NextChunk(std::string& out);
  // Why the import was cancelled; OK while it was not.
  absl::Status Cancelled();

  store::Pool& pool_;
  const v1::ImportHeader header_;
  const std::string created_by_;
  Done done_;
  absl::Mutex mu_;
  std::deque<Chunk> chunks_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status cancelled_ ABSL_GUARDED_BY(mu_);  // not OK once cancelled
  std::thread thread_;
};

// The API form of an import's summary, with at most the first 1000 of `rejects`.
void ImportSummaryToProto(const store::ImportSummary& summary,
                          const std::vector<store::RejectedRow>& rejects,
                          v1::ImportListResponse* out);

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_IMPORT_JOB_H_
