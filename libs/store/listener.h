// A LISTEN connection on its own thread: calls back for every NOTIFY on its channel, reconnects
// after a lost connection and then calls back with an empty payload (notifications may have
// been missed meanwhile, so listeners should assume anything changed).
#ifndef SECONDVOICE_LIBS_STORE_LISTENER_H_
#define SECONDVOICE_LIBS_STORE_LISTENER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

namespace secondvoice::store {

class Listener {
 public:
  using Callback = std::function<void(absl::string_view payload)>;
  Listener(std::string url, std::string channel, Callback callback);
  ~Listener();  // stops and joins
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // True while the LISTEN is in place.
  bool listening() const { return listening_.load(); }

 private:
  void Run();

  const std::string url_;
  const std::string channel_;
  const Callback callback_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace secondvoice::store

#endif  // SECONDVOICE_LIBS_STORE_LISTENER_H_
