// LISTEN/NOTIFY with libpq: poll the socket, consume input, drain PQnotifies.
#include "libs/store/listener.h"

#include <poll.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "libpq-fe.h"
#include "libs/common/log.h"

namespace secondvoice::store {

Listener::Listener(std::string url, std::string channel, Callback callback)
    : url_(std::move(url)), channel_(std::move(channel)), callback_(std::move(callback)) {
  thread_ = std::thread([this] { Run(); });
}

Listener::~Listener() {
  stop_ = true;
  thread_.join();
}

void Listener::Run() {
  bool connected_before = false;
  while (!stop_) {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) == CONNECTION_OK) {
      char* quoted = PQescapeIdentifier(conn, channel_.c_str(), channel_.size());
      PGresult* r = PQexec(conn, absl::StrCat("LISTEN ", quoted).c_str());
      PQfreemem(quoted);
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (ok) {
        listening_ = true;
        // Anything may have happened while nobody listened.
        if (connected_before) callback_("");
        connected_before = true;
        while (!stop_) {
          pollfd fd{.fd = PQsocket(conn), .events = POLLIN, .revents = 0};
          const int n = poll(&fd, 1, 200);
          if (n < 0) break;
          if (n == 0) continue;
          if (PQconsumeInput(conn) == 0) break;
          while (PGnotify* note = PQnotifies(conn)) {
            callback_(note->extra);
            PQfreemem(note);
          }
          if (PQstatus(conn) != CONNECTION_OK) break;
        }
        listening_ = false;
        if (!stop_) SV_LOG(Warning) << "LISTEN connection lost; reconnecting";
      }
    }
    PQfinish(conn);
    connected_before = true;
    for (int i = 0; i < 10 && !stop_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace secondvoice::store
