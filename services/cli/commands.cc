// CLI commands: each builds a request from flags, calls the daemon, prints the result as a
// table (or JSON with --json).
#include "services/cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/auth/auth.h"
#include "libs/common/file.h"
#include "libs/domain/validate.h"
#include "libs/store/migrations.h"
#include "libs/store/pg.h"
#include "libs/store/tokens.h"
#include "secondvoice/v1/admin_service.grpc.pb.h"
#include "secondvoice/v1/agent_service.grpc.pb.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/reports.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "secondvoice/v1/token_service.grpc.pb.h"
#include "services/cli/args.h"
#include "services/cli/report_html.h"
#include "services/cli/sim_agents.h"

namespace secondvoice::cli {
namespace {

namespace pb = ::secondvoice::v1;

constexpr char kUsage[] = R"(usage: secondvoice [--addr=HOST:PORT] [--token=TOKEN] [--json] COMMAND

  --addr   the daemon (default $SECONDVOICE_ADDR or 127.0.0.1:7070)
  --token  bearer token (default $SECONDVOICE_TOKEN)
  --json   print results as JSON
  --tls-ca=PEM-FILE   speak TLS to the daemon, trusting these roots ($SECONDVOICE_TLS_CA)
  --tls-cert=PEM-FILE --tls-key=PEM-FILE
           a client certificate for mutual TLS ($SECONDVOICE_TLS_CERT, $SECONDVOICE_TLS_KEY)

commands:
  health [--wait=SECONDS]            SERVING or NOT_SERVING (exit 0 only when serving)
  status                             database and schema status
  migrate [--database-url=URL]       apply migrations (directly to URL, or through the daemon)
  dealer create --id=ID --name=NAME --country=NL --time-zone=Europe/Amsterdam
                [--opening-hours="Mon-Fri 09:00-21:00; Sat 10:00-16:00"] [--crm-endpoint=HOST:PORT]
                [--holidays="NL; 2026-12-24"] [--crm-tls=true|false] [--crm-root-certs=PEM-FILE]
                [--crm-token-file=FILE]   (the CRM's bearer token, read from a file; never shown)
  dealer update --id=ID [same flags: only those given change] [--clear-crm-token]
  dealer get ID | dealer list
  queue create --id=ID --name=NAME [--mode=preview|progressive|predictive]
  queue get ID | queue list
  queue status ID                    how the queue dials now and why: mode (and fallback),
                                     dial level, answer rate, ring and handle times, agents,
                                     abandon rates (24 h, 30 days) against the cap
  campaign create --name=NAME --dealer=ID [--dealer=ID ...] --queue=ID
                  --kind=passive-list|second-voice --caller-id=+31201234567
                  [--policy=opt-in-only|opt-in-or-existing-customer] [--existing-customer-months=N]
                  [--calling-hours=...] [--abandon-cap=PERCENT] [--starts-at=RFC3339]
                  [--ends-at=RFC3339] [--min-call-attempts=N] [--min-spread-days=N]
                  [--max-spread-days=N] [--max-call-attempts=N] [--min-gap-minutes=N]
                  [--max-attempts-per-day=N]
  campaign update ID [same flags: only those given change]
  campaign get ID | campaign list [--dealer=ID]
  campaign activate ID | campaign pause ID | campaign end ID
  import FILE --campaign=ID [--dealer=ID] [--sheet=NAME] [--map=COLUMN=FIELD ...]
                                     load a passive list (.csv or .xlsx); shows progress and a
                                     summary, and writes FILE.rejects.csv when rows are rejected
  import status ID                   the summary of an earlier import
  suppress --dealer=ID VALUE [--channel=phone|email|sms|chat] [--reason=TEXT]
                                     the customer objected: never contact VALUE (a number or an
                                     e-mail address) again for the dealer; every channel unless
                                     --channel is given
  erase --dealer=ID (--phone=NUMBER | --email=ADDRESS | --lead=ID)
                                     the person asked to be forgotten: blank their data in every
                                     lead of the dealer (funnel counts stay), keep only digests so
                                     no later list or CRM brings them back. Irreversible
  lead get ID
  lead search --dealer=ID [--phone=...] [--email=...] [--customer-id=...] [--crm-lead-id=...]
              [--campaign=ID]
  calls --campaign=ID [--dealer=ID] [--until=RFC3339] [--all]
                                     who will be called today (until the end of the dealer's
                                     day), in order, and why; --all adds the leads that are due
                                     but may not be contacted, with every reason
  why LEAD_ID                        whether the lead may be contacted now, and if not why not;
                                     its cadence so far and what it still misses
  close LEAD_ID --as=not-reached|not-interested|lost [--reason=TEXT]
                                     refused until the cadence is complete (not reached) or the
                                     customer said so in a conversation (not interested, lost)
  claim --queue=ID [--max=N] [--lease=SECONDS] [--wait=MS] [--only=call|message]
                                     claim the next leads of a queue under a lease (agent token);
                                     --only: leads due a call, or due an e-mail or SMS
  agents --queue=ID [--count=N] [--for=DURATION] [--wrap=DURATION] [--seed=N]
                                     simulated agents work the queue over AgentService for a
                                     while (default 3 agents for 30s; agent token); prints what
                                     they do and a summary
  handovers [--dealer=ID] [--state=pending|delivering|delivered|failed-retrying|flagged-undelivered]
                                     handovers to the dealers' CRMs, newest first, with their
                                     delivery state; flagged ones need a person
  handover ID                        one handover: its delivery and the summary the
                                     salesperson reads
  report [--from=DATE] [--to=DATE] [--by=dealer|campaign|agent|origin|category|day|week|month]
         [--dealer=ID ...] [--campaign=ID ...] [--agent=LOGIN ...] [--origin=list-import|crm-unsold|
         crm-unreached|crm-proposal-pending ...] [--kind=active|passive] [--category=new-car-online|
         used-car-online|phone|showroom|passive-list ...] [--tz=ZONE] [--html=FILE]
                                     the funnel of the leads that arrived from --from (default 30
                                     days ago) to --to (default now): dialogue, appointment, show
                                     and sale against the targets, speed to lead, calls before
                                     contact, e-mails before a first call, abandons, handovers,
                                     and where the funnel leaks; --html writes a self-contained
                                     page with charts (per dealer, and over time)
  targets [--dealer=ID] [--set=CATEGORY=DIALOGUE/APPOINTMENT/SHOW/SALE ...]
                                     the funnel targets per 100 leads (the defaults, or the
                                     dealer's own), e.g. --set=phone=60/36/22/22
  token create --name=NAME --role=admin|manager|agent|crm [--scope=ID ...] [--database-url=URL]
                                     a new API token (admin token); --scope names a crm token's
                                     dealers or an agent token's queues ('*': every queue). The
                                     secret is shown once; only its digest is kept. With
                                     --database-url, straight into the database (the first
                                     admin token)
  token list [--all] | token revoke NAME [--database-url=URL]
                                     tokens (--all: revoked ones too); a revoked token is
                                     refused by every daemon within a second
  audit [--event=denied|token-created|token-revoked|erased]
                                     the newest 100 entries of the audit log: calls refused by
                                     role or scope, token changes, erasures (admin token)
)";

// A failure to report: the message, and whether it was a usage error (exit 2) or not (exit 1).
struct Failure {
  std::string message;
  bool usage = false;
};

Failure Usage(absl::string_view message) { return {std::string(message), true}; }

class Client {
 public:
  Client(const Args& args, std::shared_ptr<grpc::ChannelCredentials> credentials)
      : addr_(args.GetOr("addr", Env("SECONDVOICE_ADDR", "127.0.0.1:7070"))),
        token_(args.GetOr("token", Env("SECONDVOICE_TOKEN", ""))),
        json_(args.Has("json")),
        channel_(grpc::CreateChannel(addr_, std::move(credentials))) {}

  static std::string Env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
  }

  // TLS when --tls-ca names the roots that signed the daemon's certificate, with a client
  // certificate when --tls-cert and --tls-key are given (mutual TLS); plaintext otherwise.
  static absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const Args& args) {
    const std::string ca = args.GetOr("tls-ca", Env("SECONDVOICE_TLS_CA", ""));
    const std::string cert = args.GetOr("tls-cert", Env("SECONDVOICE_TLS_CERT", ""));
    const std::string key = args.GetOr("tls-key", Env("SECONDVOICE_TLS_KEY", ""));
    if (ca.empty()) {
      if (!cert.empty() || !key.empty()) {
        return absl::InvalidArgumentError("--tls-cert and --tls-key need --tls-ca");
      }
      return grpc::InsecureChannelCredentials();
    }
    if (cert.empty() != key.empty()) {
      return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
    }
    grpc::SslCredentialsOptions ssl;
    for (const auto& [flag, path, pem] : {std::tuple{"--tls-ca", ca, &ssl.pem_root_certs},
                                          std::tuple{"--tls-cert", cert, &ssl.pem_cert_chain},
                                          std::tuple{"--tls-key", key, &ssl.pem_private_key}}) {
      if (path.empty()) continue;
      absl::StatusOr<std::string> text = ReadFile(path);
      if (!text.ok() || text->empty()) {
        return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
      }
      *pem = *std::move(text);
    }
    return grpc::SslCredentials(ssl);
  }

  // With `timeout`, or none for a stream that takes as long as its file.
  std::unique_ptr<grpc::ClientContext> Context(
      std::optional<absl::Duration> timeout = absl::Seconds(15)) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (timeout) ctx->set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
    if (!token_.empty()) ctx->AddMetadata("authorization", "Bearer " + token_);
    return ctx;
  }

  // Calls `method` on a fresh context; a failed call becomes a Failure naming the status.
  template <typename Stub, typename Req, typename Resp>
  std::optional<Failure> Call(Stub& stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                              const Req& req, Resp* resp) const {
    auto ctx = Context();
    grpc::Status s = (stub.*method)(ctx.get(), req, resp);
    if (s.ok()) return std::nullopt;
    return Failure{absl::StrCat(CodeName(s.error_code()), ": ", s.error_message()), false};
  }

  // Calls a paginated list `method` until the last page, appending what `items(resp)` holds.
  template <typename Stub, typename Req, typename Resp, typename Items, typename Item>
  std::optional<Failure> CallAll(Stub& stub,
                                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&,
                                                              Resp*),
                                 Req req, Items items, std::vector<Item>* out) const {
    do {
      Resp resp;
      if (auto f = Call(stub, method, req, &resp)) return f;
      const auto& page = items(resp);
      out->insert(out->end(), page.begin(), page.end());
      req.mutable_page()->set_page_token(resp.next_page_token());
    } while (!req.page().page_token().empty());
    return std::nullopt;
  }

  static std::string CodeName(grpc::StatusCode code) {
    static const std::map<int, const char*> kNames = {{0, "OK"},
                                                      {1, "CANCELLED"},
                                                      {2, "UNKNOWN"},
                                                      {3, "INVALID_ARGUMENT"},
                                                      {4, "DEADLINE_EXCEEDED"},
                                                      {5, "NOT_FOUND"},
                                                      {6, "ALREADY_EXISTS"},
                                                      {7, "PERMISSION_DENIED"},
                                                      {8, "RESOURCE_EXHAUSTED"},
                                                      {9, "FAILED_PRECONDITION"},
                                                      {10, "ABORTED"},
                                                      {11, "OUT_OF_RANGE"},
                                                      {12, "UNIMPLEMENTED"},
                                                      {13, "INTERNAL"},
                                                      {14, "UNAVAILABLE"},
                                                      {15, "DATA_LOSS"},
                                                      {16, "UNAUTHENTICATED"}};
    auto it = kNames.find(static_cast<int>(code));
    return it == kNames.end() ? absl::StrCat("code ", static_cast<int>(code)) : it->second;
  }

  bool json() const { return json_; }
  const std::string& addr() const { return addr_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  std::string addr_;
  std::string token_;
  bool json_;
  std::shared_ptr<grpc::Channel> channel_;
};

void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  std::cout << out;
}

// Characters on a terminal of UTF-8 text (names like "José Müller"): bytes that do not
// continue a character.
size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

// Prints rows as aligned columns under a header.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      absl::StrAppend(&out, cells[c]);
      if (c + 1 < cells.size()) out.append(width[c] - DisplayWidth(cells[c]) + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  if (rows.empty()) std::cout << "(none)\n";
}

// "CAMPAIGN_STATE_ACTIVE" -> "active" for a value of an enum with prefix "CAMPAIGN_STATE_".
template <typename E>
std::string EnumText(E value, const std::string& (*name)(E), absl::string_view prefix) {
  std::string text = name(value);
  if (absl::StartsWith(text, prefix)) text = text.substr(prefix.size());
  return absl::StrReplaceAll(absl::AsciiStrToLower(text), {{"_", "-"}});
}

// The inverse of EnumText: "passive-list" -> CAMPAIGN_KIND_PASSIVE_LIST.
template <typename E>
std::optional<E> ParseEnum(absl::string_view text, bool (*parse)(const std::string&, E*),
                           absl::string_view prefix) {
  E value{};
  const std::string name =
      absl::StrCat(prefix, absl::StrReplaceAll(absl::AsciiStrToUpper(text), {{"-", "_"}}));
  if (text.empty() || !parse(name, &value)) return std::nullopt;
  return value;
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::optional<Failure> SetTime(const Args& args, absl::string_view flag,
                               google::protobuf::Timestamp* out) {
  std::optional<std::string> text = args.Get(flag);
  if (!text) return std::nullopt;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, *text, &t, &err)) {
    return Usage(absl::StrCat("--", flag, ": '", *text, "' is not an RFC 3339 time (", err, ")"));
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  return std::nullopt;
}

// Sets an int field from --flag when it is given.
std::optional<Failure> SetInt(const Args& args, absl::string_view flag,
                              const std::function<void(int)>& set) {
  if (!args.Has(flag)) return std::nullopt;
  absl::StatusOr<int> v = args.GetInt(flag, 0);
  if (!v.ok()) return Usage(v.status().message());
  set(*v);
  return std::nullopt;
}

std::string RequireWord(const Args& args, size_t index, absl::string_view what,
                        std::optional<Failure>& failure) {
  if (args.words().size() <= index) {
    failure = Usage(absl::StrCat("missing ", what));
    return "";
  }
  return args.words()[index];
}

std::optional<int64_t> ParseId(absl::string_view text) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) return std::nullopt;
  return id;
}

// ---- health, status, migrate ------------------------------------------------------------

std::optional<Failure> Health(const Client& client, const Args& args) {
  absl::StatusOr<int> wait = args.GetInt("wait", 0);
  if (!wait.ok()) return Usage(wait.status().message());
  auto stub = grpc::health::v1::Health::NewStub(client.channel());
  const absl::Time deadline = absl::Now() + absl::Seconds(*wait);
  std::string state;
  for (;;) {
    auto ctx = client.Context(absl::Seconds(3));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(ctx.get(), req, &resp);
    state = s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status())
                   : absl::StrCat("UNREACHABLE (", s.error_message(), ")");
    if (s.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) break;
    if (absl::Now() >= deadline) return Failure{absl::StrCat(client.addr(), ": ", state), false};
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::cout << state << "\n";
  return std::nullopt;
}

std::optional<Failure> Status(const Client& client) {
  auto stub = pb::AdminService::NewStub(client.channel());
  pb::GetStatusResponse resp;
  if (auto f =
          client.Call(*stub, &pb::AdminService::Stub::GetStatus, pb::GetStatusRequest(), &resp)) {
    return f;
  }
  if (client.json()) {
    PrintJson(resp);
    return std::nullopt;
  }
  std::cout << "version:            " << resp.version() << "\n"
            << "database reachable: " << (resp.database_reachable() ? "yes" : "no") << "\n"
            << "schema version:     " << resp.schema_version() << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : resp.migrations()) {
    rows.push_back({absl::StrCat(m.version()), m.name(), m.applied() ? "applied" : "pending"});
  }
  PrintTable({"VERSION", "MIGRATION", "STATE"}, rows);
  return std::nullopt;
}

std::optional<Failure> Migrate(const Client& client, const Args& args) {
  if (std::optional<std::string> url = args.Get("database-url")) {
    auto conn = store::PgConn::Connect(*url, absl::Seconds(10));
    if (!conn.ok()) return Failure{std::string(conn.status().message()), false};
    auto applied = store::Migrate(**conn);
    if (!applied.ok()) return Failure{std::string(applied.status().message()), false};
    std::cout << (applied->empty() ? "schema already current"
                                   : absl::StrCat("applied ", absl::StrJoin(*applied, ", ")))
              << "\n";
    return std::nullopt;
  }
  auto stub = pb::AdminService::NewStub(client.channel());
  pb::MigrateResponse resp;
  if (auto f = client.Call(*stub, &pb::AdminService::Stub::Migrate, pb::MigrateRequest(), &resp)) {
    return f;
  }
  if (client.json()) {
    PrintJson(resp);
  } else {
    std::cout << (resp.applied().empty()
                      ? "schema already current"
                      : absl::StrCat("applied ", absl::StrJoin(resp.applied(), ", ")))
              << " (schema version " << resp.schema_version() << ")\n";
  }
  return std::nullopt;
}

// ---- dealers and queues -------------------------------------------------------------------

void PrintDealers(const Client& client, const std::vector<pb::Dealer>& dealers) {
  if (client.json()) {
    for (const auto& d : dealers) PrintJson(d);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : dealers) {
    std::string crm = d.crm_endpoint();
    if (!crm.empty()) {
      absl::StrAppend(&crm, d.crm_tls() ? " (TLS" : " (plain text",
                      d.crm_token_set() ? ", token)" : ")");
    }
    rows.push_back({d.id(), d.name(), d.country(), d.time_zone(), d.opening_hours(), crm});
  }
  PrintTable({"ID", "NAME", "COUNTRY", "TIME ZONE", "OPENING HOURS", "CRM"}, rows);
}

std::optional<Failure> Dealer(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string verb =
      RequireWord(args, 1, "dealer command (create, update, get, list)", failure);
  if (failure) return failure;
  auto stub = pb::DealerService::NewStub(client.channel());
  if (verb == "create" || verb == "update") {
    pb::Dealer dealer;
    if (verb == "update") {
      pb::GetDealerRequest get;
      absl::StatusOr<std::string> id = args.Require("id");
      if (!id.ok()) return Usage(id.status().message());
      get.set_id(*id);
      if (auto f = client.Call(*stub, &pb::DealerService::Stub::GetDealer, get, &dealer)) return f;
    }
    if (auto v = args.Get("id")) dealer.set_id(*v);
    if (auto v = args.Get("name")) dealer.set_name(*v);
    if (auto v = args.Get("country")) dealer.set_country(*v);
    if (auto v = args.Get("time-zone")) dealer.set_time_zone(*v);
    if (auto v = args.Get("opening-hours")) dealer.set_opening_hours(*v);
    if (auto v = args.Get("crm-endpoint")) dealer.set_crm_endpoint(*v);
    if (auto v = args.Get("holidays")) dealer.set_holidays(*v);
    if (auto v = args.Get("crm-tls")) {
      if (*v != "true" && *v != "false") return Usage("--crm-tls: true or false");
      dealer.set_crm_tls(*v == "true");
    }
    // Secrets and certificates come from files: a token on the command line would be in the
    // shell's history and in every process listing.
    for (auto [flag, field] :
         {std::make_pair("crm-root-certs", dealer.mutable_crm_tls_root_certs()),
          std::make_pair("crm-token-file", dealer.mutable_crm_token())}) {
      if (auto path = args.Get(flag)) {
        absl::StatusOr<std::string> text = ReadFile(*path);
        if (!text.ok()) return Usage(absl::StrCat("--", flag, ": ", text.status().message()));
        *field = *std::move(text);
        if (std::string_view(flag) == "crm-token-file") {
          *field = std::string(absl::StripAsciiWhitespace(*field));
        }
      }
    }
    pb::Dealer out;
    if (verb == "create") {
      pb::CreateDealerRequest req;
      *req.mutable_dealer() = dealer;
      if (auto f = client.Call(*stub, &pb::DealerService::Stub::CreateDealer, req, &out)) return f;
    } else {
      pb::UpdateDealerRequest req;
      *req.mutable_dealer() = dealer;
      req.set_clear_crm_token(args.Has("clear-crm-token"));
      if (auto f = client.Call(*stub, &pb::DealerService::Stub::UpdateDealer, req, &out)) return f;
    }
    PrintDealers(client, {out});
    return std::nullopt;
  }
  if (verb == "get") {
    pb::GetDealerRequest req;
    req.set_id(RequireWord(args, 2, "dealer id", failure));
    if (failure) return failure;
    pb::Dealer out;
    if (auto f = client.Call(*stub, &pb::DealerService::Stub::GetDealer, req, &out)) return f;
    PrintDealers(client, {out});
    return std::nullopt;
  }
  if (verb == "list") {
    std::vector<pb::Dealer> all;
    pb::ListDealersRequest req;
    if (auto f = client.CallAll(
            *stub, &pb::DealerService::Stub::ListDealers, req,
            [](const pb::ListDealersResponse& r) -> const auto& { return r.dealers(); }, &all)) {
      return f;
    }
    PrintDealers(client, all);
    return std::nullopt;
  }
  return Usage(absl::StrCat("unknown dealer command '", verb, "'"));
}

void PrintQueues(const Client& client, const std::vector<pb::Queue>& queues) {
  if (client.json()) {
    for (const auto& q : queues) PrintJson(q);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& q : queues) {
    rows.push_back(
        {q.id(), q.name(), EnumText(q.dialing_mode(), &pb::DialingMode_Name, "DIALING_MODE_")});
  }
  PrintTable({"ID", "NAME", "DIALING MODE"}, rows);
}

std::optional<Failure> Queue(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string verb =
      RequireWord(args, 1, "queue command (create, get, list, status)", failure);
  if (failure) return failure;
  auto stub = pb::DealerService::NewStub(client.channel());
  if (verb == "create") {
    pb::CreateQueueRequest req;
    req.mutable_queue()->set_id(args.GetOr("id", ""));
    req.mutable_queue()->set_name(args.GetOr("name", ""));
    if (auto mode = args.Get("mode")) {
      auto parsed = ParseEnum<pb::DialingMode>(*mode, &pb::DialingMode_Parse, "DIALING_MODE_");
      if (!parsed) return Usage("--mode must be preview, progressive or predictive");
      req.mutable_queue()->set_dialing_mode(*parsed);
    }
    pb::Queue out;
    if (auto f = client.Call(*stub, &pb::DealerService::Stub::CreateQueue, req, &out)) return f;
    PrintQueues(client, {out});
    return std::nullopt;
  }
  if (verb == "get") {
    pb::GetQueueRequest req;
    req.set_id(RequireWord(args, 2, "queue id", failure));
    if (failure) return failure;
    pb::Queue out;
    if (auto f = client.Call(*stub, &pb::DealerService::Stub::GetQueue, req, &out)) return f;
    PrintQueues(client, {out});
    return std::nullopt;
  }
  if (verb == "list") {
    std::vector<pb::Queue> all;
    pb::ListQueuesRequest req;
    if (auto f = client.CallAll(
            *stub, &pb::DealerService::Stub::ListQueues, req,
            [](const pb::ListQueuesResponse& r) -> const auto& { return r.queues(); }, &all)) {
      return f;
    }
    PrintQueues(client, all);
    return std::nullopt;
  }
  if (verb == "status") {
    pb::GetQueueStatusRequest req;
    req.set_queue_id(RequireWord(args, 2, "queue id", failure));
    if (failure) return failure;
    auto agents = pb::AgentService::NewStub(client.channel());
    pb::QueueStatus out;
    if (auto f = client.Call(*agents, &pb::AgentService::Stub::GetQueueStatus, req, &out)) {
      return f;
    }
    if (client.json()) {
      PrintJson(out);
      return std::nullopt;
    }
    auto mode = [](pb::DialingMode m) {
      return EnumText<pb::DialingMode>(m, &pb::DialingMode_Name, "DIALING_MODE_");
    };
    const pb::PacingEstimates& e = out.estimates();
    std::cout << absl::StrFormat(
        "queue %s: %s (configured %s), dial level %.2f\n"
        "agents: %d available, %d talking, %d in wrap-up; %d call(s) in flight; %d lead(s) due\n"
        "estimates from %d calls: answer rate %.1f%%, ring to answer %.1f s, handle %.1f s\n"
        "abandoned: %.2f%% of answered over 24 h, %.2f%% over 30 days (cap %.1f%%)\n",
        out.queue_id(), mode(out.dialing_mode()), mode(out.configured_mode()), out.dial_level(),
        e.agents_available(), e.agents_talking(), e.agents_wrap_up(), out.calls_in_flight(),
        out.leads_ready(), e.sample_calls(), 100 * e.answer_probability(), e.mean_ring_seconds(),
        e.mean_handle_seconds(), out.abandon_rate_24h_percent(), out.abandon_rate_30d_percent(),
        out.abandon_cap_percent());
    if (!out.fallback_reason().empty()) std::cout << "fallback: " << out.fallback_reason() << "\n";
    if (!out.decision().empty()) std::cout << "last decision: " << out.decision() << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : out.campaigns()) {
      rows.push_back({absl::StrCat(c.campaign_id()),
                      absl::StrFormat("%.2f%%", c.abandon_rate_24h_percent()),
                      absl::StrFormat("%.2f%%", c.abandon_rate_30d_percent()),
                      absl::StrFormat("%.1f%%", c.abandon_cap_percent())});
    }
    if (!rows.empty()) PrintTable({"CAMPAIGN", "ABANDON 24H", "ABANDON 30D", "CAP"}, rows);
    return std::nullopt;
  }
  return Usage(absl::StrCat("unknown queue command '", verb, "'"));
}

std::optional<Failure> Agents(const Client& client, const Args& args) {
  SimAgentsOptions o;
  o.queue_id = args.GetOr("queue", "");
  if (o.queue_id.empty()) return Usage("--queue is required");
  if (auto f = SetInt(args, "count", [&](int v) { o.count = v; })) return f;
  int64_t seed = 1;
  if (auto f = SetInt(args, "seed", [&](int v) { seed = v; })) return f;
  o.seed = static_cast<uint64_t>(seed);
  for (auto [flag, target] : {std::pair{"for", &o.run_for}, std::pair{"wrap", &o.wrap}}) {
    if (auto v = args.Get(flag)) {
      if (!absl::ParseDuration(*v, target) || *target < absl::ZeroDuration()) {
        return Usage(absl::StrCat("--", flag, " must be a duration such as 30s or 2m"));
      }
    }
  }
  o.token = Client::Env("SECONDVOICE_TOKEN", "");
  if (auto t = args.Get("token")) o.token = *t;
  absl::Mutex mu;
  o.print = [&mu](const std::string& line) {
    absl::MutexLock lock(&mu);
    std::cout << line << "\n" << std::flush;
  };
  absl::StatusOr<SimAgentsResult> r = RunSimulatedAgents(client.channel(), o);
  if (!r.ok()) return Failure{std::string(r.status().message()), false};
  std::cout << absl::StrFormat(
      "%d agent(s) for %s: %d lead(s) offered, %d customer(s) put through (%d with their "
      "story), %d message(s) sent, %d outcome(s) recorded, %d appointment(s), %d error(s)\n",
      o.count, absl::FormatDuration(o.run_for), r->offers, r->connected, r->with_story, r->messages,
      r->outcomes, r->appointments, r->errors);
  return r->errors > 0 ? std::optional<Failure>(Failure{"agents saw errors", false}) : std::nullopt;
}

// ---- campaigns ----------------------------------------------------------------------------

void PrintCampaigns(const Client& client, const std::vector<pb::Campaign>& campaigns) {
  if (client.json()) {
    for (const auto& c : campaigns) PrintJson(c);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : campaigns) {
    const pb::Cadence& k = c.cadence();
    rows.push_back(
        {absl::StrCat(c.id()), c.name(),
         EnumText(c.kind(), &pb::CampaignKind_Name, "CAMPAIGN_KIND_"),
         EnumText(c.state(), &pb::CampaignState_Name, "CAMPAIGN_STATE_"),
         absl::StrJoin(c.dealer_ids(), ","), c.queue_id(), c.caller_id(),
         absl::StrFormat("%d-%d calls over %d-%d days", k.min_call_attempts(),
                         k.max_call_attempts(), k.min_spread_days(), k.max_spread_days()),
         absl::StrFormat("%.1f%%", c.abandon_cap_percent())});
  }
  PrintTable(
      {"ID", "NAME", "KIND", "STATE", "DEALERS", "QUEUE", "CALLER ID", "CADENCE", "ABANDON CAP"},
      rows);
}

// Overlays the campaign flags that were given on `c`.
std::optional<Failure> ApplyCampaignFlags(const Args& args, pb::Campaign& c) {
  if (auto v = args.Get("name")) c.set_name(*v);
  if (args.Has("dealer")) {
    c.clear_dealer_ids();
    for (const std::string& value : args.GetAll("dealer")) {
      for (absl::string_view id : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        c.add_dealer_ids(std::string(id));
      }
    }
  }
  if (auto v = args.Get("queue")) c.set_queue_id(*v);
  if (auto v = args.Get("kind")) {
    auto kind = ParseEnum<pb::CampaignKind>(*v, &pb::CampaignKind_Parse, "CAMPAIGN_KIND_");
    if (!kind) return Usage("--kind must be passive-list or second-voice");
    c.set_kind(*kind);
  }
  if (auto v = args.Get("policy")) {
    auto policy =
        ParseEnum<pb::MarketingPolicy>(*v, &pb::MarketingPolicy_Parse, "MARKETING_POLICY_");
    if (!policy) return Usage("--policy must be opt-in-only or opt-in-or-existing-customer");
    c.set_marketing_policy(*policy);
  }
  if (auto v = args.Get("caller-id")) c.set_caller_id(*v);
  if (auto v = args.Get("calling-hours")) c.set_calling_hours(*v);
  if (auto v = args.Get("abandon-cap")) {
    double cap = 0;
    if (!absl::SimpleAtod(*v, &cap)) return Usage("--abandon-cap must be a number (percent)");
    c.set_abandon_cap_percent(cap);
  }
  pb::Cadence* k = c.mutable_cadence();
  const std::pair<const char*, std::function<void(int)>> ints[] = {
      {"existing-customer-months", [&](int v) { c.set_existing_customer_months(v); }},
      {"min-call-attempts", [&](int v) { k->set_min_call_attempts(v); }},
      {"min-spread-days", [&](int v) { k->set_min_spread_days(v); }},
      {"max-spread-days", [&](int v) { k->set_max_spread_days(v); }},
      {"max-call-attempts", [&](int v) { k->set_max_call_attempts(v); }},
      {"min-gap-minutes", [&](int v) { k->set_min_gap_minutes(v); }},
      {"max-attempts-per-day", [&](int v) { k->set_max_attempts_per_day(v); }},
  };
  for (const auto& [flag, set] : ints) {
    if (auto f = SetInt(args, flag, set)) return f;
  }
  if (auto f = SetTime(args, "starts-at", c.mutable_starts_at())) return f;
  if (auto f = SetTime(args, "ends-at", c.mutable_ends_at())) return f;
  return std::nullopt;
}

std::optional<Failure> Campaign(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string verb = RequireWord(
      args, 1, "campaign command (create, update, get, list, activate, pause, end)", failure);
  if (failure) return failure;
  auto stub = pb::CampaignService::NewStub(client.channel());
  auto id_word = [&]() -> std::optional<int64_t> {
    std::string word = RequireWord(args, 2, "campaign id", failure);
    if (failure) return std::nullopt;
    std::optional<int64_t> id = ParseId(word);
    if (!id) failure = Usage(absl::StrCat("'", word, "' is not a campaign id"));
    return id;
  };
  pb::Campaign out;
  if (verb == "create") {
    pb::CreateCampaignRequest req;
    if (auto f = ApplyCampaignFlags(args, *req.mutable_campaign())) return f;
    if (auto f = client.Call(*stub, &pb::CampaignService::Stub::CreateCampaign, req, &out))
      return f;
  } else if (verb == "update") {
    std::optional<int64_t> id = id_word();
    if (failure) return failure;
    pb::GetCampaignRequest get;
    get.set_id(*id);
    pb::UpdateCampaignRequest req;
    if (auto f = client.Call(*stub, &pb::CampaignService::Stub::GetCampaign, get,
                             req.mutable_campaign())) {
      return f;
    }
    if (auto f = ApplyCampaignFlags(args, *req.mutable_campaign())) return f;
    if (auto f = client.Call(*stub, &pb::CampaignService::Stub::UpdateCampaign, req, &out))
      return f;
  } else if (verb == "get") {
    std::optional<int64_t> id = id_word();
    if (failure) return failure;
    pb::GetCampaignRequest req;
    req.set_id(*id);
    if (auto f = client.Call(*stub, &pb::CampaignService::Stub::GetCampaign, req, &out)) return f;
  } else if (verb == "activate" || verb == "pause" || verb == "end") {
    std::optional<int64_t> id = id_word();
    if (failure) return failure;
    pb::SetCampaignStateRequest req;
    req.set_id(*id);
    req.set_state(verb == "activate" ? pb::CAMPAIGN_STATE_ACTIVE
                  : verb == "pause"  ? pb::CAMPAIGN_STATE_PAUSED
                                     : pb::CAMPAIGN_STATE_ENDED);
    if (auto f = client.Call(*stub, &pb::CampaignService::Stub::SetCampaignState, req, &out))
      return f;
  } else if (verb == "list") {
    std::vector<pb::Campaign> all;
    pb::ListCampaignsRequest req;
    req.set_dealer_id(args.GetOr("dealer", ""));
    if (auto f = client.CallAll(
            *stub, &pb::CampaignService::Stub::ListCampaigns, req,
            [](const pb::ListCampaignsResponse& r) -> const auto& { return r.campaigns(); },
            &all)) {
      return f;
    }
    PrintCampaigns(client, all);
    return std::nullopt;
  } else {
    return Usage(absl::StrCat("unknown campaign command '", verb, "'"));
  }
  PrintCampaigns(client, {out});
  return std::nullopt;
}

// ---- leads --------------------------------------------------------------------------------

std::string Routes(const pb::Lead& lead) {
  std::vector<std::string> parts;
  for (const auto& r : lead.contact_routes()) {
    std::string text =
        absl::StrCat(EnumText(r.channel(), &pb::Channel_Name, "CHANNEL_"), " ",
                     r.normalized_value().empty() ? r.raw_value() : r.normalized_value());
    if (!r.usable()) absl::StrAppend(&text, " (unusable)");
    if (r.preferred()) absl::StrAppend(&text, " (preferred)");
    parts.push_back(text);
  }
  return absl::StrJoin(parts, "; ");
}

void PrintLeads(const std::vector<pb::Lead>& leads) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : leads) {
    rows.push_back({absl::StrCat(l.id()), l.dealer_id(),
                    absl::StrCat(l.customer().first_name(), " ", l.customer().last_name()),
                    EnumText(l.origin(), &pb::LeadOrigin_Name, "LEAD_ORIGIN_"),
                    EnumText(l.status(), &pb::LeadStatus_Name, "LEAD_STATUS_"), Routes(l)});
  }
  PrintTable({"ID", "DEALER", "NAME", "ORIGIN", "STATUS", "CONTACT"}, rows);
}

std::optional<Failure> Lead(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string verb = RequireWord(args, 1, "lead command (get, search)", failure);
  if (failure) return failure;
  auto stub = pb::LeadService::NewStub(client.channel());
  if (verb == "get") {
    std::string word = RequireWord(args, 2, "lead id", failure);
    if (failure) return failure;
    std::optional<int64_t> id = ParseId(word);
    if (!id) return Usage(absl::StrCat("'", word, "' is not a lead id"));
    pb::GetLeadRequest req;
    req.set_id(*id);
    pb::LeadDetail out;
    if (auto f = client.Call(*stub, &pb::LeadService::Stub::GetLead, req, &out)) return f;
    if (client.json()) {
      PrintJson(out);
      return std::nullopt;
    }
    PrintLeads({out.lead()});
    std::cout << "\njourney:\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : out.events())
      rows.push_back({Time(e.at()), e.type(), e.actor(), e.summary()});
    PrintTable({"AT", "EVENT", "BY", "SUMMARY"}, rows);
    return std::nullopt;
  }
  if (verb == "search") {
    pb::SearchLeadsRequest req;
    req.set_dealer_id(args.GetOr("dealer", ""));
    req.set_phone(args.GetOr("phone", ""));
    req.set_email(args.GetOr("email", ""));
    req.set_customer_id(args.GetOr("customer-id", ""));
    req.set_crm_lead_id(args.GetOr("crm-lead-id", ""));
    if (auto f = SetInt(args, "campaign", [&](int v) { req.set_campaign_id(v); })) return f;
    std::vector<pb::Lead> all;
    if (auto f = client.CallAll(
            *stub, &pb::LeadService::Stub::SearchLeads, req,
            [](const pb::SearchLeadsResponse& r) -> const auto& { return r.leads(); }, &all)) {
      return f;
    }
    if (client.json()) {
      for (const auto& l : all) PrintJson(l);
    } else {
      PrintLeads(all);
    }
    return std::nullopt;
  }
  return Usage(absl::StrCat("unknown lead command '", verb, "'"));
}

// ---- list imports --------------------------------------------------------------------------

void PrintImport(const Client& client, const pb::ImportListResponse& r) {
  if (client.json()) {
    PrintJson(r);
    return;
  }
  std::cout << "import " << r.import_id() << " of campaign " << r.campaign_id() << " ("
            << r.file_name()
            << "): " << EnumText(r.status(), &pb::ImportStatus_Name, "IMPORT_STATUS_") << "\n"
            << "  rows read                " << r.rows_read() << "\n"
            << "  imported as new leads    " << r.imported() << "\n"
            << "  merged into known leads  " << r.merged_into_existing() << "\n"
            << "  rejected                 " << r.rejected() << "\n"
            << "  of the loaded leads:\n"
            << "    no usable contact route  " << r.no_usable_contact_route()
            << "  (kept; to be researched)\n"
            << "    without lawful basis     " << r.without_lawful_basis()
            << "  (kept; not called for marketing)\n"
            << "    suppressed (objected)    " << r.suppressed() << "\n";
  if (!r.error().empty()) std::cout << "  error: " << r.error() << "\n";
  for (int i = 0; i < r.rejected_rows_size() && i < 10; ++i) {
    std::cout << "  line " << r.rejected_rows(i).line() << ": " << r.rejected_rows(i).reason()
              << "\n";
  }
  if (r.rejected() > 10) std::cout << "  ... and " << r.rejected() - 10 << " more rejected rows\n";
}

// One progress line on stderr: rows sent (counted as line breaks), rows/s and time left.
void Progress(int64_t sent, int64_t total, int64_t rows, absl::Time start, bool done) {
  const double seconds = std::max(1e-3, absl::ToDoubleSeconds(absl::Now() - start));
  const double fraction = total > 0 ? static_cast<double>(sent) / total : 1;
  const double eta = fraction > 0 ? seconds / fraction - seconds : 0;
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::cerr << absl::StrFormat("\r[%s%s] %3.0f%%  %d rows  %.0f rows/s  ETA %.0fs   ",
                               std::string(filled, '#'), std::string(width - filled, ' '),
                               fraction * 100, rows, rows / seconds, done ? 0 : eta);
  if (done) std::cerr << "\n";
}

std::optional<Failure> Import(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string first = RequireWord(args, 1, "file to import (or 'status ID')", failure);
  if (failure) return failure;
  auto stub = pb::LeadIntake::NewStub(client.channel());
  if (first == "status") {
    std::optional<int64_t> id = ParseId(RequireWord(args, 2, "import id", failure));
    if (failure) return failure;
    if (!id) return Usage("the import id must be a number above 0");
    pb::GetImportRequest req;
    req.set_import_id(*id);
    pb::ImportListResponse resp;
    if (auto f = client.Call(*stub, &pb::LeadIntake::Stub::GetImport, req, &resp)) return f;
    PrintImport(client, resp);
    return std::nullopt;
  }
  std::ifstream file(first, std::ios::binary);
  if (!file) return Usage(absl::StrCat("cannot read '", first, "'"));
  file.seekg(0, std::ios::end);
  const int64_t total = file.tellg();
  file.seekg(0);
  pb::ImportListRequest header;
  pb::ImportHeader* h = header.mutable_header();
  absl::StatusOr<int> campaign = args.GetInt("campaign", 0);
  if (!campaign.ok()) return Usage(campaign.status().message());
  if (*campaign <= 0) return Usage("--campaign is required");
  h->set_campaign_id(*campaign);
  h->set_size_bytes(total);
  const size_t slash = first.rfind('/');
  h->set_file_name(slash == std::string::npos ? first : first.substr(slash + 1));
  h->set_dealer_id(args.GetOr("dealer", ""));
  h->set_sheet_name(args.GetOr("sheet", ""));
  for (const std::string& m : args.GetAll("map")) {
    const size_t eq = m.rfind('=');
    if (eq == std::string::npos)
      return Usage("--map takes COLUMN=FIELD, e.g. --map='Tel. prive=phone'");
    (*h->mutable_column_mapping())[m.substr(0, eq)] = m.substr(eq + 1);
  }

  // Imports take as long as the file is big: no deadline.
  std::unique_ptr<grpc::ClientContext> ctx = client.Context(std::nullopt);
  pb::ImportListResponse resp;
  std::unique_ptr<grpc::ClientWriter<pb::ImportListRequest>> writer =
      stub->ImportList(ctx.get(), &resp);
  const absl::Time start = absl::Now();
  const bool tty = isatty(2) && !client.json();
  bool open = writer->Write(header);
  int64_t sent = 0, rows = 0;
  absl::Time shown = start;
  std::string buf(256 << 10, '\0');
  pb::ImportListRequest chunk;
  while (open && file) {
    file.read(buf.data(), buf.size());
    const std::streamsize n = file.gcount();
    if (n <= 0) break;
    chunk.set_chunk(buf.data(), n);
    open = writer->Write(chunk);
    sent += n;
    rows += std::count(buf.data(), buf.data() + n, '\n');
    if (tty && absl::Now() - shown > absl::Milliseconds(200)) {
      Progress(sent, total, rows, start, false);
      shown = absl::Now();
    }
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (tty) Progress(sent, total, rows, start, true);
  if (!s.ok()) {
    return Failure{absl::StrCat(Client::CodeName(s.error_code()), ": ", s.error_message()), false};
  }
  PrintImport(client, resp);
  if (resp.rejected() > 0) {
    const std::string report = first + ".rejects.csv";
    std::ofstream out(report);
    out << "line;reason\n";
    for (const auto& r : resp.rejected_rows()) {
      out << r.line() << ";\"" << absl::StrReplaceAll(r.reason(), {{"\"", "\"\""}}) << "\"\n";
    }
    std::cerr << "rejected rows written to " << report
              << (resp.rejected() > resp.rejected_rows_size() ? " (the first 1000)" : "") << "\n";
  }
  return std::nullopt;
}

std::optional<Failure> Suppress(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  pb::AddSuppressionRequest req;
  req.set_value(RequireWord(args, 1, "number or e-mail address to suppress", failure));
  if (failure) return failure;
  req.set_dealer_id(args.GetOr("dealer", ""));
  if (req.dealer_id().empty()) return Usage("--dealer is required");
  req.set_reason(args.GetOr("reason", ""));
  if (std::optional<std::string> channel = args.Get("channel")) {
    auto parsed = ParseEnum<pb::Channel>(*channel, &pb::Channel_Parse, "CHANNEL_");
    if (!parsed) return Usage("--channel must be phone, email, sms or chat");
    req.set_channel(*parsed);
  }
  auto stub = pb::LeadIntake::NewStub(client.channel());
  pb::AddSuppressionResponse resp;
  if (auto f = client.Call(*stub, &pb::LeadIntake::Stub::AddSuppression, req, &resp)) return f;
  if (client.json()) {
    PrintJson(resp);
  } else {
    std::cout << "suppressed " << resp.normalized_value() << " for " << req.dealer_id() << " on "
              << (req.channel() == pb::CHANNEL_UNSPECIFIED ? std::string("every channel")
                                                           : args.GetOr("channel", ""))
              << "\n";
  }
  return std::nullopt;
}

// "2026-11-23 14:05 CET" in `zone` (UTC when unknown).
std::string LocalTime(const google::protobuf::Timestamp& t, const std::string& zone) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!zone.empty()) absl::LoadTimeZone(zone, &tz);
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", absl::FromUnixSeconds(t.seconds()), tz);
}

std::string ActionText(pb::ContactAction action) {
  switch (action) {
    case pb::CONTACT_ACTION_CALL:
      return "call";
    case pb::CONTACT_ACTION_MESSAGE:
      return "message";
    default:
      return "-";
  }
}

std::string ClassText(pb::ClaimClass c) {
  const std::string name = absl::AsciiStrToLower(pb::ClaimClass_Name(c));
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, "claim_class_");
  return absl::StrReplaceAll(rest, {{"_", " "}});
}

std::string BlocksText(const google::protobuf::RepeatedPtrField<pb::Ineligibility>& blocks) {
  std::vector<std::string> parts;
  for (const auto& b : blocks) parts.push_back(b.explanation());
  return absl::StrJoin(parts, "; ");
}

std::optional<Failure> Calls(const Client& client, const Args& args) {
  pb::ListCallListRequest req;
  auto campaign = ParseId(args.GetOr("campaign", ""));
  if (!campaign) return Usage("--campaign=ID is required");
  req.set_campaign_id(*campaign);
  req.set_dealer_id(args.GetOr("dealer", ""));
  req.set_include_ineligible(args.Has("all"));
  if (auto f = SetTime(args, "until", req.mutable_until())) return f;
  req.mutable_page()->set_page_size(500);
  auto stub = pb::Scheduling::NewStub(client.channel());
  std::vector<pb::CallListEntry> entries;
  if (auto f = client.CallAll(
          *stub, &pb::Scheduling::Stub::ListCallList, req,
          [](const pb::ListCallListResponse& r) -> const auto& { return r.entries(); }, &entries)) {
    return f;
  }
  if (client.json()) {
    pb::ListCallListResponse all;
    for (const auto& e : entries) *all.add_entries() = e;
    PrintJson(all);
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  size_t eligible = 0;
  for (const auto& e : entries) {
    if (e.eligible()) ++eligible;
    rows.push_back({absl::StrCat(e.lead_id()), e.dealer_id(),
                    absl::StrCat(e.first_name(), " ", e.last_name()),
                    LocalTime(e.at(), e.time_zone()), ClassText(e.claim_class()),
                    e.eligible() ? ActionText(e.action()) : "no",
                    e.eligible() ? e.reason() : BlocksText(e.blocks())});
  }
  PrintTable({"LEAD", "DEALER", "NAME", "DUE", "CLASS", "CONTACT", "WHY"}, rows);
  std::cout << eligible << " to contact";
  if (args.Has("all")) std::cout << ", " << entries.size() - eligible << " due but blocked";
  std::cout << "\n";
  return std::nullopt;
}

std::optional<Failure> Why(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  auto id = ParseId(RequireWord(args, 1, "lead id", failure));
  if (failure) return failure;
  if (!id) return Usage("the lead id must be a number above 0");
  pb::ExplainLeadRequest req;
  req.set_lead_id(*id);
  auto stub = pb::Scheduling::NewStub(client.channel());
  pb::ExplainLeadResponse r;
  if (auto f = client.Call(*stub, &pb::Scheduling::Stub::ExplainLead, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
    return std::nullopt;
  }
  const std::string status_name = absl::AsciiStrToLower(pb::LeadStatus_Name(r.lead_status()));
  absl::string_view status = status_name;
  absl::ConsumePrefix(&status, "lead_status_");
  std::cout << "lead " << r.lead_id() << " (" << status << "): ";
  if (r.eligible()) {
    std::cout << "may be contacted now: " << ActionText(r.action()) << ", " << r.reason() << "\n";
  } else {
    std::cout << "not now\n";
    for (const auto& b : r.blocks()) std::cout << "  - " << b.explanation() << "\n";
    if (r.has_next_contact_at()) {
      std::cout << "  next look: " << LocalTime(r.next_contact_at(), r.time_zone()) << "\n";
    }
  }
  const pb::CadenceProgress& c = r.cadence();
  std::cout << "cadence: " << c.call_attempts() << " calls on " << c.call_days() << " days ("
            << (c.call_dayparts().empty() ? "no dayparts" : absl::StrJoin(c.call_dayparts(), ", "))
            << "), " << c.messages_sent() << " messages"
            << (c.dialogue() ? ", the customer was reached" : "") << "\n";
  std::cout << (c.complete() ? std::string("cadence complete: may be closed as not reached\n")
                             : absl::StrCat("before not reached: ", c.missing(), "\n"));
  return std::nullopt;
}

std::optional<Failure> Close(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  auto id = ParseId(RequireWord(args, 1, "lead id", failure));
  if (failure) return failure;
  if (!id) return Usage("the lead id must be a number above 0");
  auto status =
      ParseEnum<pb::LeadStatus>(args.GetOr("as", ""), &pb::LeadStatus_Parse, "LEAD_STATUS_CLOSED_");
  if (!status) return Usage("--as must be not-reached, not-interested or lost");
  pb::CloseLeadRequest req;
  req.set_lead_id(*id);
  req.set_status(*status);
  req.set_reason(args.GetOr("reason", ""));
  auto stub = pb::Scheduling::NewStub(client.channel());
  pb::CloseLeadResponse r;
  if (auto f = client.Call(*stub, &pb::Scheduling::Stub::CloseLead, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
  } else {
    std::cout << "lead " << *id << " closed as " << args.GetOr("as", "") << "\n";
  }
  return std::nullopt;
}

std::optional<Failure> ClaimCommand(const Client& client, const Args& args) {
  pb::ClaimLeadsRequest req;
  req.set_queue_id(args.GetOr("queue", ""));
  if (req.queue_id().empty()) return Usage("--queue=ID is required");
  if (auto f = SetInt(args, "max", [&](int v) { req.set_max_leads(v); })) return f;
  if (auto f = SetInt(args, "lease", [&](int v) { req.set_lease_seconds(v); })) return f;
  if (auto f = SetInt(args, "wait", [&](int v) { req.set_wait_ms(v); })) return f;
  const std::string only = args.GetOr("only", "");
  if (only == "call") {
    req.set_only(pb::CONTACT_ACTION_CALL);
  } else if (only == "message") {
    req.set_only(pb::CONTACT_ACTION_MESSAGE);
  } else if (!only.empty()) {
    return Usage("--only: call or message");
  }
  auto stub = pb::Scheduling::NewStub(client.channel());
  pb::ClaimLeadsResponse r;
  if (auto f = client.Call(*stub, &pb::Scheduling::Stub::ClaimLeads, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : r.leads()) {
    rows.push_back({absl::StrCat(l.lead_id()), l.dealer_id(),
                    absl::StrCat(l.first_name(), " ", l.last_name()), ClassText(l.claim_class()),
                    ActionText(l.action()), l.route(), l.reason(), absl::StrCat(l.lease_token()),
                    Time(l.lease_expires_at())});
  }
  PrintTable({"LEAD", "DEALER", "NAME", "CLASS", "CONTACT", "ROUTE", "WHY", "TOKEN", "LEASE UNTIL"},
             rows);
  return std::nullopt;
}

// ---- handovers --------------------------------------------------------------------------

std::optional<Failure> Handovers(const Client& client, const Args& args) {
  pb::ListHandoversRequest req;
  req.set_dealer_id(args.GetOr("dealer", ""));
  if (std::optional<std::string> state = args.Get("state")) {
    auto parsed = ParseEnum<pb::DeliveryState>(*state, &pb::DeliveryState_Parse, "DELIVERY_STATE_");
    if (!parsed) {
      return Usage(
          "--state must be pending, delivering, delivered, failed-retrying or "
          "flagged-undelivered");
    }
    req.set_state(*parsed);
  }
  auto stub = pb::HandoverService::NewStub(client.channel());
  pb::ListHandoversResponse r;
  if (auto f = client.Call(*stub, &pb::HandoverService::Stub::ListHandovers, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  for (const pb::HandoverRecord& h : r.handovers()) {
    rows.push_back({absl::StrCat(h.handover().handover_id()), h.handover().dealer_id(),
                    absl::StrCat(h.handover().lead_id()),
                    EnumText(h.state(), &pb::DeliveryState_Name, "DELIVERY_STATE_"),
                    absl::StrCat(h.attempts()), Time(h.handover().created_at()),
                    Time(h.delivered_at()), h.crm_reference(), h.last_error()});
  }
  PrintTable(
      {"ID", "DEALER", "LEAD", "STATE", "TRIES", "QUEUED", "DELIVERED", "CRM REF", "LAST ERROR"},
      rows);
  if (!r.next_page_token().empty()) std::cout << "(more: narrow with --dealer or --state)\n";
  return std::nullopt;
}

std::optional<Failure> HandoverCommand(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  auto id = ParseId(RequireWord(args, 1, "handover id", failure));
  if (failure) return failure;
  if (!id) return Usage("the handover id must be a number above 0");
  pb::GetHandoverRequest req;
  req.set_handover_id(*id);
  auto stub = pb::HandoverService::NewStub(client.channel());
  pb::HandoverRecord r;
  if (auto f = client.Call(*stub, &pb::HandoverService::Stub::GetHandover, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
    return std::nullopt;
  }
  const pb::Handover& h = r.handover();
  std::cout << "handover " << h.handover_id() << " of lead " << h.lead_id() << " to dealer "
            << h.dealer_id() << ": "
            << EnumText(r.state(), &pb::DeliveryState_Name, "DELIVERY_STATE_") << " after "
            << r.attempts() << " tr" << (r.attempts() == 1 ? "y" : "ies");
  if (!r.crm_reference().empty()) std::cout << ", CRM reference " << r.crm_reference();
  std::cout << "\n";
  if (r.has_delivered_at()) std::cout << "delivered " << Time(r.delivered_at()) << "\n";
  if (r.has_flagged_at()) std::cout << "flagged   " << Time(r.flagged_at()) << "\n";
  if (!r.last_error().empty()) std::cout << "last error: " << r.last_error() << "\n";
  if (r.has_next_attempt_at()) std::cout << "next try  " << Time(r.next_attempt_at()) << "\n";
  std::cout << "key " << h.idempotency_key() << "\n\n" << h.summary_text() << "\n";
  return std::nullopt;
}

// ---- Reports ----

std::string Percent(double v) { return absl::StrFormat("%.1f%%", v); }

std::string Minutes(const google::protobuf::Duration& d, bool present) {
  if (!present) return "-";
  return absl::StrFormat("%.1f", (static_cast<double>(d.seconds()) + d.nanos() / 1e9) / 60);
}

std::string StepName(pb::FunnelStep step) {
  return EnumText(step, &pb::FunnelStep_Name, "FUNNEL_STEP_");
}

// "41 (20.5% of 36%)", with a '!' when the step is short of its target.
std::string StepCell(const pb::FunnelStepResult& s) {
  if (s.target_percent() <= 0)
    return absl::StrFormat("%d (%s)", s.count(), Percent(s.percent_of_leads()));
  return absl::StrFormat("%d (%s of %.0f%%)%s", s.count(), Percent(s.percent_of_leads()),
                         s.target_percent(), s.shortfall() > 0 ? " !" : "");
}

std::vector<std::string> FunnelCells(const std::string& group, const pb::FunnelRow& r) {
  std::vector<std::string> cells = {group, absl::StrCat(r.leads())};
  for (const pb::FunnelStepResult& s : r.steps()) cells.push_back(StepCell(s));
  cells.push_back(absl::StrCat(Minutes(r.speed_to_lead_p50(), r.has_speed_to_lead_p50()), " / ",
                               Minutes(r.speed_to_lead_p90(), r.has_speed_to_lead_p90())));
  cells.push_back(absl::StrFormat("%.1f", r.attempts_per_lead_before_contact()));
  cells.push_back(absl::StrFormat("%d (%d complete)", r.closed_not_reached(),
                                  r.closed_not_reached_cadence_complete()));
  cells.push_back(absl::StrCat(r.emails_before_first_call()));
  cells.push_back(Percent(r.abandon_rate_percent()));
  cells.push_back(absl::StrFormat("%d (%d showed, %d sold)", r.handovers_delivered(),
                                  r.handovers_showed(), r.handovers_sold()));
  return cells;
}

void PrintFunnel(const pb::FunnelReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const pb::FunnelRow& row : r.rows()) {
    std::string group = row.group_key().empty() ? "(none)" : row.group_key();
    if (!row.group_label().empty()) absl::StrAppend(&group, " ", row.group_label());
    rows.push_back(FunnelCells(group, row));
  }
  rows.push_back(FunnelCells("TOTAL", r.totals()));
  PrintTable({"GROUP", "LEADS", "DIALOGUE", "APPOINTMENT", "SHOW", "SALE", "SPEED MIN P50/P90",
              "CALLS TO CONTACT", "CLOSED NOT REACHED", "E-MAIL FIRST", "ABANDON", "HANDOVERS"},
             rows);
  if (r.totals().agent_talk_share_percent() > 0) {
    std::cout << "agents talked " << Percent(r.totals().agent_talk_share_percent())
              << " of their logged-in time\n";
  }
  if (r.shortfalls().empty()) {
    std::cout << (r.totals().leads() > 0 ? "every step meets its target\n"
                                         : "no leads arrived in the period\n");
    return;
  }
  std::cout << "\nwhere the funnel leaks (largest shortfall first; '!' above):\n";
  int shown = 0;
  for (const pb::StepShortfall& s : r.shortfalls()) {
    if (++shown > 10) break;
    std::cout << absl::StrFormat(
        "  %-24s %-12s %d of %d asked (-%d); conversion %.1f%%, target %.1f%%\n",
        s.totals()              ? "TOTAL"
        : s.group_key().empty() ? "(none)"
                                : s.group_key(),
        StepName(s.step()), s.actual_count(), s.target_count(), s.shortfall(),
        s.conversion_percent(), s.target_conversion_percent());
  }
}

// YYYY-MM-DD (midnight UTC) or RFC 3339.
std::optional<Failure> SetDate(const Args& args, absl::string_view flag,
                               google::protobuf::Timestamp* out, absl::Time fallback) {
  absl::Time t = fallback;
  if (std::optional<std::string> v = args.Get(flag)) {
    absl::CivilDay day;
    std::string error;
    if (absl::ParseCivilTime(*v, &day)) {
      t = absl::FromCivil(day, absl::UTCTimeZone());
    } else if (!absl::ParseTime(absl::RFC3339_full, *v, &t, &error)) {
      return Usage(absl::StrCat("--", flag, " must be a date (2026-11-01) or an RFC 3339 time"));
    }
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  return std::nullopt;
}

std::optional<Failure> Report(const Client& client, const Args& args) {
  pb::FunnelRequest req;
  const absl::Time now = absl::Now();
  if (auto f = SetDate(args, "from", req.mutable_period_start(), now - absl::Hours(24 * 30)))
    return f;
  if (auto f = SetDate(args, "to", req.mutable_period_end(), now)) return f;
  for (const std::string& d : args.GetAll("dealer")) req.add_dealer_ids(d);
  for (const std::string& c : args.GetAll("campaign")) {
    std::optional<int64_t> id = ParseId(c);
    if (!id) return Usage("--campaign must be a campaign id");
    req.add_campaign_ids(*id);
  }
  for (const std::string& a : args.GetAll("agent")) req.add_agent_logins(a);
  for (const std::string& o : args.GetAll("origin")) {
    auto parsed = ParseEnum<pb::LeadOrigin>(o, &pb::LeadOrigin_Parse, "LEAD_ORIGIN_");
    if (!parsed)
      return Usage(
          "--origin must be list-import, crm-unsold, crm-unreached or crm-proposal-pending");
    req.add_origins(*parsed);
  }
  if (std::optional<std::string> k = args.Get("kind")) {
    auto parsed = ParseEnum<pb::LeadKind>(*k, &pb::LeadKind_Parse, "LEAD_KIND_");
    if (!parsed) return Usage("--kind must be active or passive");
    req.set_kind(*parsed);
  }
  for (const std::string& c : args.GetAll("category")) {
    auto parsed = ParseEnum<pb::LeadCategory>(c, &pb::LeadCategory_Parse, "LEAD_CATEGORY_");
    if (!parsed)
      return Usage(
          "--category must be new-car-online, used-car-online, phone, showroom or passive-list");
    req.add_categories(*parsed);
  }
  auto by = ParseEnum<pb::FunnelGroupBy>(args.GetOr("by", "dealer"), &pb::FunnelGroupBy_Parse,
                                         "FUNNEL_GROUP_BY_");
  if (!by)
    return Usage("--by must be dealer, campaign, agent, origin, category, day, week or month");
  req.set_group_by(*by);
  req.set_time_zone(args.GetOr("tz", ""));
  auto stub = pb::Reports::NewStub(client.channel());
  pb::FunnelReport r;
  if (auto f = client.Call(*stub, &pb::Reports::Stub::GetFunnel, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
  } else {
    PrintFunnel(r);
  }
  std::optional<std::string> html = args.Get("html");
  if (!html) return std::nullopt;
  // The page shows a funnel per dealer and the step rates over time.
  pb::FunnelRequest per_dealer = req;
  per_dealer.set_group_by(pb::FUNNEL_GROUP_BY_DEALER);
  pb::FunnelReport dealers = r;
  if (req.group_by() != pb::FUNNEL_GROUP_BY_DEALER) {
    if (auto f = client.Call(*stub, &pb::Reports::Stub::GetFunnel, per_dealer, &dealers)) return f;
  }
  const int64_t days = (req.period_end().seconds() - req.period_start().seconds()) / 86400;
  pb::FunnelRequest over_time = req;
  over_time.set_group_by(days <= 62    ? pb::FUNNEL_GROUP_BY_DAY
                         : days <= 190 ? pb::FUNNEL_GROUP_BY_WEEK
                                       : pb::FUNNEL_GROUP_BY_MONTH);
  pb::FunnelReport periods;
  if (auto f = client.Call(*stub, &pb::Reports::Stub::GetFunnel, over_time, &periods)) return f;
  std::ofstream out(*html, std::ios::binary | std::ios::trunc);
  out << RenderFunnelHtml(dealers, periods, absl::Now());
  out.close();
  if (!out) return Failure{absl::StrCat("could not write ", *html), false};
  if (!client.json()) std::cout << "wrote " << *html << "\n";
  return std::nullopt;
}

void PrintTargets(const pb::GetTargetsResponse& r) {
  std::vector<std::vector<std::string>> rows;
  for (const pb::FunnelTargets& t : r.targets()) {
    rows.push_back({EnumText(t.category(), &pb::LeadCategory_Name, "LEAD_CATEGORY_"),
                    absl::StrFormat("%g", t.dialogue_percent()),
                    absl::StrFormat("%g", t.appointment_percent()),
                    absl::StrFormat("%g", t.show_percent()),
                    absl::StrFormat("%g", t.sale_percent())});
  }
  std::cout << (r.dealer_id().empty() ? std::string("defaults")
                                      : absl::StrCat("dealer ", r.dealer_id()))
            << (r.inherited() && !r.dealer_id().empty() ? " (the defaults: none of its own)" : "")
            << ", per 100 leads:\n";
  PrintTable({"CATEGORY", "DIALOGUE", "APPOINTMENT", "SHOW", "SALE"}, rows);
}

std::optional<Failure> Targets(const Client& client, const Args& args) {
  auto stub = pb::Reports::NewStub(client.channel());
  pb::GetTargetsResponse r;
  const std::vector<std::string> sets = args.GetAll("set");
  if (sets.empty()) {
    pb::GetTargetsRequest req;
    req.set_dealer_id(args.GetOr("dealer", ""));
    if (auto f = client.Call(*stub, &pb::Reports::Stub::GetTargets, req, &r)) return f;
  } else {
    pb::SetTargetsRequest req;
    req.set_dealer_id(args.GetOr("dealer", ""));
    for (const std::string& set : sets) {
      const std::pair<std::string, std::string> kv = absl::StrSplit(set, absl::MaxSplits('=', 1));
      const std::vector<std::string> values = absl::StrSplit(kv.second, '/');
      auto category =
          ParseEnum<pb::LeadCategory>(kv.first, &pb::LeadCategory_Parse, "LEAD_CATEGORY_");
      std::vector<double> v(4);
      if (!category || values.size() != 4 ||
          !std::all_of(values.begin(), values.end(), [&, i = 0](const std::string& x) mutable {
            return absl::SimpleAtod(x, &v[i++]);
          })) {
        return Usage(absl::StrCat(
            "--set=", set,
            ": expected CATEGORY=DIALOGUE/APPOINTMENT/SHOW/SALE, e.g. phone=60/36/22/22"));
      }
      pb::FunnelTargets* t = req.add_targets();
      t->set_category(*category);
      t->set_dialogue_percent(v[0]);
      t->set_appointment_percent(v[1]);
      t->set_show_percent(v[2]);
      t->set_sale_percent(v[3]);
    }
    if (auto f = client.Call(*stub, &pb::Reports::Stub::SetTargets, req, &r)) return f;
  }
  if (client.json()) {
    PrintJson(r);
  } else {
    PrintTargets(r);
  }
  return std::nullopt;
}

std::optional<Failure> Erase(const Client& client, const Args& args) {
  pb::ErasePersonRequest req;
  req.set_dealer_id(args.GetOr("dealer", ""));
  if (req.dealer_id().empty()) return Usage("--dealer is required");
  const std::optional<std::string> phone = args.Get("phone"), email = args.Get("email"),
                                   lead = args.Get("lead");
  if (phone.has_value() + email.has_value() + lead.has_value() != 1) {
    return Usage("give exactly one of --phone, --email and --lead");
  }
  if (phone) req.set_phone(*phone);
  if (email) req.set_email(*email);
  if (lead) {
    std::optional<int64_t> id = ParseId(*lead);
    if (!id) return Usage(absl::StrCat("--lead: '", *lead, "' is not a lead id"));
    req.set_lead_id(*id);
  }
  auto stub = pb::LeadService::NewStub(client.channel());
  pb::ErasePersonResponse resp;
  if (auto f = client.Call(*stub, &pb::LeadService::Stub::ErasePerson, req, &resp)) return f;
  if (client.json()) {
    PrintJson(resp);
  } else if (resp.leads_erased() == 0) {
    std::cout << "no lead of " << req.dealer_id() << " held it; it is on the erased list now\n";
  } else {
    std::cout << "erased " << resp.leads_erased() << (resp.leads_erased() == 1 ? " lead" : " leads")
              << " of " << req.dealer_id() << ": " << absl::StrJoin(resp.lead_ids(), ", ") << "\n";
  }
  return std::nullopt;
}

// ---- tokens and the audit log -----------------------------------------------------------

void PrintTokens(const Client& client, const std::vector<pb::ApiToken>& tokens) {
  if (client.json()) {
    for (const auto& t : tokens) PrintJson(t);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tokens) {
    rows.push_back({t.name(), EnumText(t.role(), &pb::Role_Name, "ROLE_"),
                    absl::StrJoin(t.scope(), " "), Time(t.created_at()), t.created_by(),
                    Time(t.revoked_at())});
  }
  PrintTable({"NAME", "ROLE", "SCOPE", "CREATED", "BY", "REVOKED"}, rows);
}

// Directly in the database (--database-url): the first admin token, or a way back in when every
// admin token is lost. The operator is on the database's side of the fence already.
std::optional<Failure> TokenDirect(const std::string& url, const std::string& verb,
                                   const Args& args) {
  auto conn = store::PgConn::Connect(url, absl::Seconds(10));
  if (!conn.ok()) return Failure{std::string(conn.status().message()), false};
  const std::string by = "operator (database)";
  const std::string method = absl::StrCat("secondvoice token ", verb);
  if (verb == "create") {
    absl::StatusOr<std::string> name = args.Require("name");
    absl::StatusOr<std::string> role_text = args.Require("role");
    if (!name.ok()) return Usage(name.status().message());
    if (!role_text.ok()) return Usage(role_text.status().message());
    absl::StatusOr<auth::Role> role = auth::ParseRole(*role_text);
    if (!role.ok()) return Usage(absl::StrCat("--role: ", role.status().message()));
    const std::vector<std::string> scope = args.GetAll("scope");
    if (auto p = auth::MakePrincipal(*name, *role, scope); !p.ok()) {
      return Usage(absl::StrCat("--scope: ", p.status().message()));
    }
    if (absl::Status s = domain::ValidateSlug("--name", *name); !s.ok()) return Usage(s.message());
    const std::string secret = auth::NewToken();
    store::ApiToken token{.name = *name,
                          .role = std::string(auth::RoleName(*role)),
                          .scope = scope,
                          .created_at = absl::Time(),
                          .created_by = by,
                          .revoked_at = std::nullopt,
                          .revoked_by = "",
                          .digest = auth::Digest(secret)};
    absl::Status s = (*conn)->ExecScript("BEGIN");
    if (s.ok()) s = store::InsertToken(**conn, token);
    if (s.ok()) {
      s = store::InsertAudit(**conn, {{.id = 0,
                                       .at = absl::Now(),
                                       .principal = by,
                                       .method = method,
                                       .event = "token_created",
                                       .detail = token.name}});
    }
    if (s.ok()) s = (*conn)->ExecScript("COMMIT");
    if (!s.ok()) return Failure{std::string(s.message()), false};
    std::cout << "token " << token.name << " (" << token.role
              << (scope.empty() ? "" : absl::StrCat(" ", absl::StrJoin(scope, " ")))
              << ") created; its secret, shown this once:\n"
              << secret << "\n";
    return std::nullopt;
  }
  if (verb == "revoke") {
    std::optional<Failure> failure;
    const std::string name = RequireWord(args, 2, "token name", failure);
    if (failure) return failure;
    absl::Status s = (*conn)->ExecScript("BEGIN");
    absl::StatusOr<store::ApiToken> t = s.ok() ? store::RevokeToken(**conn, name, by) : s;
    if (t.ok()) {
      s = store::InsertAudit(**conn, {{.id = 0,
                                       .at = absl::Now(),
                                       .principal = by,
                                       .method = method,
                                       .event = "token_revoked",
                                       .detail = name}});
      if (s.ok()) s = (*conn)->ExecScript("COMMIT");
    } else {
      s = t.status();
    }
    if (!s.ok()) return Failure{std::string(s.message()), false};
    std::cout << "token " << name << " revoked\n";
    return std::nullopt;
  }
  return Usage("--database-url works with 'token create' and 'token revoke'");
}

std::optional<Failure> Token(const Client& client, const Args& args) {
  std::optional<Failure> failure;
  const std::string verb = RequireWord(args, 1, "token command (create, list or revoke)", failure);
  if (failure) return failure;
  if (std::optional<std::string> url = args.Get("database-url")) {
    return TokenDirect(*url, verb, args);
  }
  auto stub = pb::TokenService::NewStub(client.channel());
  if (verb == "create") {
    pb::CreateTokenRequest req;
    absl::StatusOr<std::string> name = args.Require("name");
    absl::StatusOr<std::string> role = args.Require("role");
    if (!name.ok()) return Usage(name.status().message());
    if (!role.ok()) return Usage(role.status().message());
    const std::optional<pb::Role> parsed = ParseEnum(*role, &pb::Role_Parse, "ROLE_");
    if (!parsed) return Usage("--role must be admin, manager, agent or crm");
    req.set_name(*name);
    req.set_role(*parsed);
    for (const std::string& s : args.GetAll("scope")) req.add_scope(s);
    pb::CreateTokenResponse r;
    if (auto f = client.Call(*stub, &pb::TokenService::Stub::CreateToken, req, &r)) return f;
    if (client.json()) {
      PrintJson(r);
      return std::nullopt;
    }
    std::cout << "token " << r.token().name() << " ("
              << EnumText(r.token().role(), &pb::Role_Name, "ROLE_")
              << (r.token().scope().empty()
                      ? ""
                      : absl::StrCat(" ", absl::StrJoin(r.token().scope(), " ")))
              << ") created; its secret, shown this once:\n"
              << r.secret() << "\n";
    return std::nullopt;
  }
  if (verb == "list") {
    pb::ListTokensRequest req;
    req.set_include_revoked(args.Has("all"));
    pb::ListTokensResponse r;
    if (auto f = client.Call(*stub, &pb::TokenService::Stub::ListTokens, req, &r)) return f;
    PrintTokens(client, {r.tokens().begin(), r.tokens().end()});
    return std::nullopt;
  }
  if (verb == "revoke") {
    pb::RevokeTokenRequest req;
    req.set_name(RequireWord(args, 2, "token name", failure));
    if (failure) return failure;
    pb::RevokeTokenResponse r;
    if (auto f = client.Call(*stub, &pb::TokenService::Stub::RevokeToken, req, &r)) return f;
    PrintTokens(client, {r.token()});
    return std::nullopt;
  }
  return Usage(absl::StrCat("unknown token command '", verb, "'"));
}

std::optional<Failure> Audit(const Client& client, const Args& args) {
  pb::ListAuditRequest req;
  if (std::optional<std::string> event = args.Get("event")) {
    req.set_event(absl::StrReplaceAll(*event, {{"-", "_"}}));
  }
  req.mutable_page()->set_page_size(100);
  auto stub = pb::TokenService::NewStub(client.channel());
  pb::ListAuditResponse r;
  if (auto f = client.Call(*stub, &pb::TokenService::Stub::ListAudit, req, &r)) return f;
  if (client.json()) {
    PrintJson(r);
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  for (const pb::AuditEntry& e : r.entries()) {
    rows.push_back({Time(e.at()), e.principal(), absl::StrReplaceAll(e.event(), {{"_", "-"}}),
                    e.method(), e.detail()});
  }
  PrintTable({"AT", "WHO", "EVENT", "METHOD", "DETAIL"}, rows);
  if (!r.next_page_token().empty()) std::cout << "(the newest 100; narrow with --event)\n";
  return std::nullopt;
}

}  // namespace

int Main(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {"json", "help", "all"});
  if (!args.ok()) {
    std::cerr << "secondvoice: " << args.status().message() << "\n\n" << kUsage;
    return 2;
  }
  if (args->words().empty() || args->words()[0] == "help" || args->Has("help")) {
    std::cout << kUsage;
    return args->words().empty() && !args->Has("help") ? 2 : 0;
  }
  const std::string& command = args->words()[0];
  static const std::map<std::string, std::set<std::string>> kFlags = {
      {"health", {"wait"}},
      {"status", {}},
      {"migrate", {"database-url"}},
      {"dealer",
       {"id", "name", "country", "time-zone", "opening-hours", "crm-endpoint", "holidays",
        "crm-tls", "crm-root-certs", "crm-token-file", "clear-crm-token"}},
      {"queue", {"id", "name", "mode"}},
      {"campaign",
       {"name", "dealer", "queue", "kind", "policy", "caller-id", "calling-hours", "abandon-cap",
        "existing-customer-months", "min-call-attempts", "min-spread-days", "max-spread-days",
        "max-call-attempts", "min-gap-minutes", "max-attempts-per-day", "starts-at", "ends-at"}},
      {"lead", {"dealer", "phone", "email", "customer-id", "crm-lead-id", "campaign"}},
      {"import", {"campaign", "dealer", "sheet", "map"}},
      {"suppress", {"dealer", "channel", "reason"}},
      {"erase", {"dealer", "phone", "email", "lead"}},
      {"calls", {"campaign", "dealer", "until", "all"}},
      {"why", {}},
      {"close", {"as", "reason"}},
      {"claim", {"queue", "max", "lease", "wait", "only"}},
      {"agents", {"queue", "count", "for", "wrap", "seed"}},
      {"handovers", {"dealer", "state"}},
      {"handover", {}},
      {"report",
       {"from", "to", "by", "dealer", "campaign", "agent", "origin", "kind", "category", "tz",
        "html"}},
      {"targets", {"dealer", "set"}},
      {"token", {"name", "role", "scope", "database-url", "all"}},
      {"audit", {"event"}},
  };
  if (auto it = kFlags.find(command); it != kFlags.end()) {
    std::set<std::string> allowed = it->second;
    allowed.insert({"addr", "token", "json", "help", "tls-ca", "tls-cert", "tls-key"});
    if (absl::Status s = args->OnlyFlags(allowed); !s.ok()) {
      std::cerr << "secondvoice: " << s.message() << "\nrun 'secondvoice help' for the commands\n";
      return 2;
    }
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Client::Credentials(*args);
  if (!credentials.ok()) {
    std::cerr << "secondvoice: " << credentials.status().message() << "\n";
    return 2;
  }
  const Client client(*args, *std::move(credentials));
  std::optional<Failure> failure;
  if (command == "health") {
    failure = Health(client, *args);
  } else if (command == "status") {
    failure = Status(client);
  } else if (command == "migrate") {
    failure = Migrate(client, *args);
  } else if (command == "dealer") {
    failure = Dealer(client, *args);
  } else if (command == "queue") {
    failure = Queue(client, *args);
  } else if (command == "campaign") {
    failure = Campaign(client, *args);
  } else if (command == "import") {
    failure = Import(client, *args);
  } else if (command == "suppress") {
    failure = Suppress(client, *args);
  } else if (command == "erase") {
    failure = Erase(client, *args);
  } else if (command == "lead") {
    failure = Lead(client, *args);
  } else if (command == "calls") {
    failure = Calls(client, *args);
  } else if (command == "why") {
    failure = Why(client, *args);
  } else if (command == "close") {
    failure = Close(client, *args);
  } else if (command == "claim") {
    failure = ClaimCommand(client, *args);
  } else if (command == "agents") {
    failure = Agents(client, *args);
  } else if (command == "handovers") {
    failure = Handovers(client, *args);
  } else if (command == "handover") {
    failure = HandoverCommand(client, *args);
  } else if (command == "report") {
    failure = Report(client, *args);
  } else if (command == "targets") {
    failure = Targets(client, *args);
  } else if (command == "token") {
    failure = Token(client, *args);
  } else if (command == "audit") {
    failure = Audit(client, *args);
  } else {
    failure = Usage(absl::StrCat("unknown command '", command, "'"));
  }
  if (!failure) return 0;
  std::cerr << "secondvoice: " << failure->message << "\n";
  if (failure->usage) std::cerr << "run 'secondvoice help' for the commands\n";
  return failure->usage ? 2 : 1;
}

}  // namespace secondvoice::cli
