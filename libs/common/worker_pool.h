// A fixed set of threads with a bounded queue: gRPC reactions hand database work to it so that
// they never block gRPC's own threads.
#ifndef SECONDVOICE_LIBS_COMMON_WORKER_POOL_H_
#define SECONDVOICE_LIBS_COMMON_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace secondvoice {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  // Runs what is queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is shutting down; the task is not run then.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

 private:
  void Run();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace secondvoice

#endif  // SECONDVOICE_LIBS_COMMON_WORKER_POOL_H_
