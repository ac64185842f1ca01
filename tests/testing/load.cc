// The load workload; see load.h.
#include "tests/testing/load.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "libs/common/status_macros.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/agent_service.grpc.pb.h"
#include "secondvoice/v1/handover.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/token_service.grpc.pb.h"
#include "services/cli/sim_agents.h"
#include "services/example_crm/example_crm.h"
#include "services/scheduler/convert.h"
#include "tests/testing/bench_world.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/scheduler_harness.h"

namespace secondvoice::testing {
namespace {

namespace pb = ::secondvoice::v1;

constexpr char kQueue[] = "bdc";
constexpr int64_t kListCampaign = 1;
constexpr absl::Duration kRpcDeadline = absl::Seconds(30);
constexpr absl::Duration kImportDeadline = absl::Minutes(5);
// Handovers still on their way when the load stops get this long to arrive.
constexpr absl::Duration kHandoverSettle = absl::Seconds(60);
// Agents that have not logged out this long after the end are cut off by killing the daemon.
constexpr absl::Duration kLogoutGrace = absl::Minutes(2);

constexpr store::Query kUndelivered = {"load_undelivered",
                                       "SELECT count(*) FROM handovers WHERE state <> 'delivered'"};
constexpr store::Query kHandoverTimes = {
    "load_handover_times", "SELECT id, created_at, state = 'delivered' FROM handovers"};
// Calls the carrier could not place are due again at once (they do not count and do not move
// the gap): how often the same leads came back.
constexpr store::Query kFailedCalls = {
    "load_failed_calls",
    "SELECT coalesce(sum(n), 0), count(*), coalesce(max(n), 0) FROM"
    " (SELECT lead_id, count(*) n FROM attempts WHERE outcome = 'failed' GROUP BY lead_id) f"};
constexpr store::Query kRepeatCalls = {
    "load_repeat_calls",
    "SELECT count(*) FILTER (WHERE n > 2), coalesce(max(n), 0) FROM"
    " (SELECT lead_id, count(*) n FROM attempts WHERE channel = 'phone' GROUP BY lead_id) c"};
constexpr store::Query kBackendPid = {"load_backend_pid", "SELECT pg_backend_pid()"};
constexpr store::Query kAttempts = {
    "load_attempts", "SELECT outcome, count(*) FROM attempts GROUP BY outcome ORDER BY 2 DESC"};
constexpr store::Query kCrmEndpoints = {"load_crm_endpoints",
                                        "UPDATE dealers SET crm_endpoint = $1"};
constexpr store::Query kDialingMode = {"load_dialing_mode",
                                       "UPDATE queues SET dialing_mode = $1 WHERE id = 'bdc'"};

// A list campaign and a second-voice campaign (for the CRM's follow-ups) of every dealer, in
// queue "bdc", with the field's default cadence.
constexpr char kCampaigns[] =
    "INSERT INTO campaigns (id, name, kind, state, queue_id, marketing_policy,"
    " existing_customer_months, min_call_attempts, min_spread_days, max_spread_days,"
    " max_call_attempts, min_gap_minutes, max_attempts_per_day, abandon_cap_percent, caller_id)"
    " VALUES (1, 'Same car 4 years', 'passive_list', 'active', 'bdc',"
    " 'opt_in_or_existing_customer', 36, 4, 3, 5, 16, 120, 2, 3.0, '+31201234567'),"
    " (2, 'Second voice', 'second_voice', 'active', 'bdc', 'opt_in_or_existing_customer', 36, 4,"
    " 3, 5, 16, 120, 2, 3.0, '+31201234567');"
    "SELECT setval('campaigns_id_seq', 2);"
    "INSERT INTO campaign_dealers SELECT c, d.id FROM dealers d, (VALUES (1), (2)) v(c);";

std::string Dealer(int64_t n, int dealers) { return absl::StrFormat("d%03d", n % dealers + 1); }

// A campaign manager's list: ';'-separated with Dutch headers, spread over the dealers, every
// row a new person (numbers the populated leads do not use: mobiles 06-2xxxxxxx with an e-mail
// address, or Utrecht lines 030-xxxxxxx without).
std::string ListCsv(int64_t list, int rows, int dealers, bool mobile) {
  static const char* kFirst[] = {"Eva", "Jan", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem"};
  static const char* kLast[] = {"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer"};
  static const char* kCar[][2] = {
      {"Volkswagen", "Golf"}, {"Opel", "Astra"}, {"Kia", "Niro"}, {"Toyota", "Yaris"}};
  std::string csv = absl::StrCat("dealer;klantnummer;voornaam;achternaam;",
                                 mobile ? "mobiel;e-mail" : "telefoon;opmerking",
                                 ";merk;model;bouwjaar;toestemming;datum toestemming\n");
  for (int i = 0; i < rows; ++i) {
    const int64_t k = list * rows + i;
    const std::string contact = mobile ? absl::StrFormat("06%d;lijst%d@example.nl", 20000000 + k, k)
                                       : absl::StrFormat("030%d;", 1000000 + k);
    absl::StrAppendFormat(&csv, "%s;L%d;%s;%s;%s;%s;%s;%d;ja;12-05-2025\n", Dealer(k, dealers), k,
                          kFirst[k % 8], kLast[(k / 8) % 6], contact, kCar[k % 4][0],
                          kCar[k % 4][1], 2015 + k % 9);
  }
  return csv;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token, absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

// A connection of its own: channels with the same arguments would share one.
std::shared_ptr<grpc::Channel> Dial(const std::string& addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
}

// Latencies and errors per operation, from any thread.
class Recorder {
 public:
  explicit Recorder(const std::vector<std::string>& names) {
    for (const std::string& n : names) ops_.push_back(OpStats{.name = n});
  }
  void Ok(const std::string& op, absl::Duration took) {
    absl::MutexLock lock(&mu_);
    Find(op).ms.push_back(absl::ToDoubleMilliseconds(took));
  }
  void Fail(const std::string& op, const std::string& why) {
    absl::MutexLock lock(&mu_);
    OpStats& s = Find(op);
    if (s.errors++ == 0) s.first_error = why;
  }
  std::vector<OpStats> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(ops_);
  }

 private:
  OpStats& Find(const std::string& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (OpStats& s : ops_) {
      if (s.name == op) return s;
    }
    ops_.push_back(OpStats{.name = op});
    return ops_.back();
  }

  absl::Mutex mu_;
  std::vector<OpStats> ops_ ABSL_GUARDED_BY(mu_);
};

// What the simulated agents say they do (their `print` lines): counts for the samples, each
// agent's first offer and last event.
class AgentWatch {
 public:
  explicit AgentWatch(absl::Time start) : start_(start) {}

  void Line(const std::string& line) {
    const absl::Time now = absl::Now();
    const std::string login(line.substr(0, line.find(' ')));
    const bool offered = absl::StrContains(line, " offered lead ");
    if (offered) ++offers;
    if (absl::StrContains(line, " outcome recorded for lead ")) ++outcomes;
    if (absl::StrContains(line, " wrap-up: ATTEMPT_OUTCOME_APPOINTMENT_SET")) ++appointments;
    const bool error = absl::StrContains(line, " error: ");
    if (error) ++errors;
    absl::MutexLock lock(&mu_);
    last_event_[login] = now;
    if (offered && !first_offer_.contains(login)) first_offer_[login] = now - start_;
    if (error && error_lines_.size() < 5) error_lines_.push_back(line);
  }

  std::atomic<int64_t> offers{0};
  std::atomic<int64_t> outcomes{0};
  std::atomic<int64_t> appointments{0};
  std::atomic<int64_t> errors{0};

  std::vector<absl::Duration> FirstOffers() {
    absl::MutexLock lock(&mu_);
    std::vector<absl::Duration> out;
    for (const auto& [login, d] : first_offer_) out.push_back(d);
    return out;
  }
  // Agents with an event after `since`.
  int ActiveSince(absl::Time since) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [login, at] : last_event_) n += at >= since;
    return n;
  }
  std::vector<std::string> ErrorLines() {
    absl::MutexLock lock(&mu_);
    return error_lines_;
  }

 private:
  const absl::Time start_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::Time> last_event_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Duration> first_offer_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> error_lines_ ABSL_GUARDED_BY(mu_);
};

// A process's parent and CPU time (user + system) from /proc/PID/stat; false once it is gone.
bool ReadStat(pid_t pid, pid_t* parent, double* cpu_s) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  const std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The name (field 2) may hold spaces: fields are counted from the last ')'. Field 3 (state)
  // comes first, so ppid (4) is [1], utime (14) [11] and stime (15) [12].
  const size_t paren = all.rfind(')');
  if (paren == std::string::npos || paren + 2 >= all.size()) return false;
  const std::vector<std::string> f = absl::StrSplit(all.substr(paren + 2), ' ', absl::SkipEmpty());
  if (f.size() < 13) return false;
  *parent = static_cast<pid_t>(std::atol(f[1].c_str()));
  *cpu_s = (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) /
           static_cast<double>(sysconf(_SC_CLK_TCK));
  return true;
}

// The daemon as /proc shows it.
struct ProcFigures {
  bool ok = false;
  double rss_mb = 0;
  int threads = 0;
  double cpu_s = 0;
};

ProcFigures ReadProc(pid_t pid) {
  ProcFigures f;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      f.rss_mb = std::atof(line.c_str() + 6) / 1024.0;
      f.ok = true;
    } else if (absl::StartsWith(line, "Threads:")) {
      f.threads = std::atoi(line.c_str() + 8);
    }
  }
  pid_t parent = 0;
  if (!ReadStat(pid, &parent, &f.cpu_s)) f.ok = false;
  return f;
}

// CPU seconds of a PostgreSQL cluster: the postmaster and its children (backends and helpers
// alive now; a backend that exited takes its share with it, which pooled connections do not).
double ClusterCpu(pid_t postmaster) {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    pid_t parent = 0;
    double cpu = 0;
    if (ReadStat(pid, &parent, &cpu) && (pid == postmaster || parent == postmaster)) total += cpu;
  }
  return total;
}

// The cluster's postmaster: the parent of this connection's backend.
absl::StatusOr<pid_t> Postmaster(store::PgConn& conn) {
  ASSIGN_OR_RETURN(store::PgResult r, conn.ExecOnce(kBackendPid));
  pid_t parent = 0;
  double cpu = 0;
  if (!ReadStat(static_cast<pid_t>(r.GetInt64(0, 0)), &parent, &cpu)) {
    return absl::NotFoundError("the PostgreSQL backend is not in /proc");
  }
  return parent;
}

// The machine's busy and total CPU time (all cores) from /proc/stat's first line, in ticks.
void MachineCpu(double* busy, double* total) {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double v[8] = {0};
  stat >> cpu;
  for (double& x : v) stat >> x;
  *total = 0;
  for (double x : v) *total += x;
  *busy = *total - v[3] - v[4];  // idle, iowait
}

// Calls fn(i) at `rate` per second from `first` until `until`, on `threads` threads interleaved.
// A call that runs long delays that thread's next one rather than causing a burst to catch up.
void Paced(double rate, int threads, absl::Time first, absl::Time until,
           const std::function<void(int64_t)>& fn) {
  if (rate <= 0) return;
  const absl::Duration period = absl::Seconds(threads / rate);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      absl::Time next = first + period * t / threads;
      for (int64_t i = t; next < until; i += threads) {
        absl::SleepFor(next - absl::Now());
        fn(i);
        next = std::max(next + period, absl::Now());
      }
    });
  }
  for (std::thread& t : pool) t.join();
}

// One login probe: a session opened, SessionStarted awaited, then a logout.
void ProbeLogin(pb::AgentService::Stub& stub, const std::string& login, Recorder& rec) {
  auto ctx = Ctx(kDaemonAgentToken, kRpcDeadline);
  const absl::Time start = absl::Now();
  auto stream = stub.Session(ctx.get());
  pb::AgentMessage m;
  m.mutable_login()->set_agent_login(login);
  m.mutable_login()->add_queue_ids(kQueue);
  stream->Write(m);
  pb::AgentEvent e;
  bool started = false;
  std::string refused;
  while (stream->Read(&e)) {
    if (e.has_session_started()) {
      started = true;
      break;
    }
    if (e.has_error()) {
      refused = e.error().message();
      break;
    }
  }
  const absl::Duration took = absl::Now() - start;
  if (started) {
    pb::AgentMessage out;
    out.mutable_logout();
    stream->Write(out);
  }
  stream->WritesDone();
  while (stream->Read(&e)) {
  }
  const grpc::Status s = stream->Finish();
  if (started) {
    rec.Ok("login", took);
  } else {
    rec.Fail("login",
             refused.empty() ? absl::StrCat(s.error_code(), " ", s.error_message()) : refused);
  }
}

void SubmitFollowUp(pb::LeadIntake::Stub& stub, const std::string& token, int64_t n,
                    const LoadOptions& o, Recorder& rec) {
  const int dealers = o.dealers;
  pb::SubmitFollowUpRequest req;
  req.set_dealer_id(Dealer(n, dealers));
  req.set_reason(n % 3 == 0   ? pb::FOLLOW_UP_REASON_UNREACHED
                 : n % 3 == 1 ? pb::FOLLOW_UP_REASON_UNSOLD
                              : pb::FOLLOW_UP_REASON_PROPOSAL_PENDING);
  pb::FollowUp* f = req.mutable_follow_up();
  f->set_crm_lead_id(absl::StrCat("LOAD-", n));
  f->mutable_salesperson()->set_crm_user_id("piet");
  f->mutable_salesperson()->set_name("Piet Verkoper");
  f->set_source("autotrack.nl");
  f->set_source_channel(pb::LEAD_SOURCE_CHANNEL_ONLINE);
  scheduler::ToProto(absl::Now() - absl::Hours(72), f->mutable_originated_at());
  f->mutable_customer()->set_first_name("Klant");
  f->mutable_customer()->set_last_name(absl::StrCat("Opvolging ", n));
  pb::ContactRoute* phone = f->add_contact_routes();
  phone->set_channel(pb::CHANNEL_PHONE);
  // Nobody else's: mobiles 06-3xxxxxxx or Rotterdam lines 010-xxxxxxx.
  phone->set_raw_value(o.mobile_numbers ? absl::StrCat("06", 30000000 + n)
                                        : absl::StrCat("010", 1000000 + n));
  pb::FollowUp::HistoryEntry* h = f->add_history();
  scheduler::ToProto(absl::Now() - absl::Hours(48), h->mutable_at());
  h->set_channel(pb::CHANNEL_PHONE);
  h->set_by("piet");
  h->set_outcome("test drive, wants to think about it");
  pb::SubmitFollowUpResponse resp;
  auto ctx = Ctx(token, kRpcDeadline);
  const absl::Time start = absl::Now();
  const grpc::Status s = stub.SubmitFollowUp(ctx.get(), req, &resp);
  const absl::Duration took = absl::Now() - start;
  if (s.ok() && resp.lead_id() > 0 && !resp.duplicate()) {
    rec.Ok("submit_follow_up", took);
  } else {
    rec.Fail("submit_follow_up", absl::StrCat(s.error_code(), " ", s.error_message()));
  }
}

// Streams one list in 64 KiB chunks and waits for its summary; the latency is the whole file.
bool Import(pb::LeadIntake::Stub& stub, int64_t list, const LoadOptions& o, Recorder& rec) {
  const std::string csv = ListCsv(list, o.import_rows, o.dealers, o.mobile_numbers);
  auto ctx = Ctx(kDaemonManagerToken, kImportDeadline);
  pb::ImportListResponse resp;
  const absl::Time start = absl::Now();
  auto writer = stub.ImportList(ctx.get(), &resp);
  pb::ImportListRequest header;
  header.mutable_header()->set_campaign_id(kListCampaign);
  header.mutable_header()->set_file_name(absl::StrCat("load-", list, ".csv"));
  header.mutable_header()->set_size_bytes(static_cast<int64_t>(csv.size()));
  bool open = writer->Write(header);
  constexpr size_t kChunk = 64 << 10;
  for (size_t at = 0; open && at < csv.size(); at += kChunk) {
    pb::ImportListRequest chunk;
    chunk.set_chunk(csv.substr(at, kChunk));
    open = writer->Write(chunk);
  }
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  const absl::Duration took = absl::Now() - start;
  if (s.ok() && resp.status() == pb::IMPORT_STATUS_COMPLETED && resp.imported() == o.import_rows) {
    rec.Ok("import", took);
    return true;
  }
  rec.Fail("import", absl::StrCat(s.error_code(), " ", s.error_message(), " status ", resp.status(),
                                  " imported ", resp.imported(), " ", resp.error()));
  return false;
}

// The daemon's log goes to a file of its own: under load its lines would drown the table.
std::unique_ptr<Daemon> StartDaemon(const std::string& url, const std::string& dir,
                                    const std::vector<std::string>& flags,
                                    const std::string& log_path) {
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = dup(1), saved_err = dup(2);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(log, 1);
  dup2(log, 2);
  close(log);
  auto daemon = std::make_unique<Daemon>(url, dir, flags);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  return daemon;
}

// Lines by level ('W', 'E' first) and the first few distinct warnings and errors by place.
void ReadLog(LoadResult& r) {
  std::ifstream in(r.log_path);
  std::string line;
  absl::flat_hash_set<std::string> places;
  while (std::getline(in, line)) {
    if (line.empty() || (line[0] != 'W' && line[0] != 'E')) continue;
    (line[0] == 'W' ? r.log_warnings : r.log_errors)++;
    // "W2026-11-24T10:00:00.000Z file.cc:123] message": one sample per place.
    const size_t space = line.find(' '), bracket = line.find(']');
    const std::string place = space != std::string::npos && bracket != std::string::npos
                                  ? line.substr(space + 1, bracket - space - 1)
                                  : line;
    if (r.log_samples.size() < 8 && places.insert(place).second) {
      r.log_samples.push_back(line.substr(0, 300));
    }
  }
}

// A crm token for every dealer (the file's development token covers one dealer only).
absl::StatusOr<std::string> CrmToken(const std::shared_ptr<grpc::Channel>& channel, int dealers) {
  auto tokens = pb::TokenService::NewStub(channel);
  pb::CreateTokenRequest req;
  req.set_name("crm-load");
  req.set_role(pb::ROLE_CRM);
  for (int d = 0; d < dealers; ++d) req.add_scope(Dealer(d, dealers));
  pb::CreateTokenResponse resp;
  const grpc::Status s =
      tokens->CreateToken(Ctx(kDaemonAdminToken, kRpcDeadline).get(), req, &resp);
  if (!s.ok()) return absl::InternalError(absl::StrCat("crm token: ", s.error_message()));
  // The keyring learns of new tokens through NOTIFY: wait until the token is accepted.
  auto handovers = pb::HandoverService::NewStub(channel);
  for (int i = 0; i < 100; ++i) {
    pb::ListHandoversRequest list;
    list.mutable_page()->set_page_size(1);
    pb::ListHandoversResponse out;
    if (handovers->ListHandovers(Ctx(resp.secret(), kRpcDeadline).get(), list, &out).ok()) {
      return resp.secret();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError("the crm token was not accepted within 10 s");
}

}  // namespace

double OpStats::Percentile(double p) const {
  if (ms.empty()) return 0;
  std::vector<double> v = ms;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

const OpStats& LoadResult::Op(const std::string& name) const {
  static const OpStats kNone;
  for (const OpStats& s : ops) {
    if (s.name == name) return s;
  }
  return kNone;
}

int64_t LoadResult::TotalErrors() const {
  int64_t n = agent_errors;
  for (const OpStats& s : ops) n += s.errors;
  return n;
}

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& o) {
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  if (o.agents < 1 || o.dealers < 1 || o.dealers > 999 || o.leads < 1 || o.import_rows < 1) {
    return absl::InvalidArgumentError("agents, dealers (1-999), leads and import_rows: at least 1");
  }
  if (o.dialing_mode != "progressive" && o.dialing_mode != "predictive" &&
      o.dialing_mode != "preview") {
    return absl::InvalidArgumentError("dialing_mode: progressive, predictive or preview");
  }
  LoadResult r;
  r.options = o;

  say(absl::StrCat("PostgreSQL with ", o.dealers, " dealers"));
  ASSIGN_OR_RETURN(BenchWorld world, StartBenchWorld(o.postgres_settings, o.dealers));
  const std::string dir = TempDir();
  ASSIGN_OR_RETURN(std::unique_ptr<example_crm::ExampleCrmServer> crm,
                   example_crm::ExampleCrmServer::Start(
                       {.store_path = dir + "/crm.store", .token = ""}, "127.0.0.1:0"));
  const std::string crm_addr = absl::StrCat("127.0.0.1:", crm->port());
  RETURN_IF_ERROR(world.conn->ExecScript(kCampaigns));
  RETURN_IF_ERROR(world.conn->Exec(kCrmEndpoints, {crm_addr}).status());
  RETURN_IF_ERROR(world.conn->Exec(kDialingMode, {o.dialing_mode}).status());
  say(absl::StrCat("writing ", o.leads, " leads"));
  RETURN_IF_ERROR(PopulateBenchLeads(
      *world.conn, {.from = 1, .to = o.leads, .dealers = o.dealers, .mobile = o.mobile_numbers}));

  std::vector<std::string> flags = {"--carrier=quick"};
  flags.insert(flags.end(), o.daemon_flags.begin(), o.daemon_flags.end());
  r.work_dir = dir;
  r.log_path = dir + "/daemon.log";
  std::unique_ptr<Daemon> daemon = StartDaemon(world.url, dir, flags, r.log_path);
  r.daemon_pid = daemon->pid();
  const std::string addr = daemon->WaitForAddress(absl::Seconds(60));
  if (addr.empty()) return absl::UnavailableError("the daemon did not start; see " + r.log_path);
  const std::shared_ptr<grpc::Channel> control = Dial(addr);
  if (!SchedulerHarness::WaitForHealth(control, true, absl::Seconds(60))) {
    return absl::UnavailableError("the daemon is not serving; see " + r.log_path);
  }
  ASSIGN_OR_RETURN(const std::string crm_token, CrmToken(control, o.dealers));
  say(absl::StrCat("daemon pid ", r.daemon_pid, " on ", addr, " (log ", r.log_path, "); load for ",
                   absl::FormatDuration(o.run_for)));

  Recorder rec({"login", "first_offer", "submit_follow_up", "get_lead", "list_handovers", "import",
                "handover"});
  ASSIGN_OR_RETURN(const pid_t postmaster, Postmaster(*world.conn));
  const absl::Time start = absl::Now();
  const absl::Time until = start + o.run_for;
  AgentWatch watch(start);
  std::vector<std::thread> threads;

  // The daemon's memory and CPU every sample_every, with the agents' counts since the last.
  std::vector<Sample> samples;
  threads.emplace_back([&] {
    double cpu = ReadProc(r.daemon_pid).cpu_s, pg_cpu = ClusterCpu(postmaster);
    double busy = 0, total = 0;
    MachineCpu(&busy, &total);
    absl::Time last = absl::Now();
    int64_t offers = 0, outcomes = 0, appointments = 0, errors = 0;
    for (int k = 0;; ++k) {
      const absl::Time at = std::min(start + o.sample_every * k, until);
      absl::SleepFor(at - absl::Now());
      const ProcFigures f = ReadProc(r.daemon_pid);
      const double pg = ClusterCpu(postmaster);
      double busy_now = 0, total_now = 0;
      MachineCpu(&busy_now, &total_now);
      const absl::Time now = absl::Now();
      Sample s{.at_s = absl::ToDoubleSeconds(at - start), .rss_mb = f.rss_mb, .threads = f.threads};
      if (const double wall = absl::ToDoubleSeconds(now - last); k > 0 && wall > 0) {
        s.cpu_percent = 100 * (f.cpu_s - cpu) / wall;
        s.pg_cpu_percent = std::max(0.0, 100 * (pg - pg_cpu) / wall);
        if (total_now > total) s.machine_percent = 100 * (busy_now - busy) / (total_now - total);
      }
      cpu = f.cpu_s;
      pg_cpu = pg;
      busy = busy_now;
      total = total_now;
      last = now;
      s.offers = watch.offers - offers;
      s.outcomes = watch.outcomes - outcomes;
      s.appointments = watch.appointments - appointments;
      s.agent_errors = watch.errors - errors;
      offers += s.offers;
      outcomes += s.outcomes;
      appointments += s.appointments;
      errors += s.agent_errors;
      samples.push_back(s);
      if (o.progress) {
        o.progress(absl::StrFormat(
            "  t=%4.0fs rss %6.1f MB cpu daemon %5.1f%% pg %5.1f%% machine %5.1f%% threads %3d "
            "offers %5d outcomes %5d",
            s.at_s, s.rss_mb, s.cpu_percent, s.pg_cpu_percent, s.machine_percent, s.threads,
            s.offers, s.outcomes));
      }
      if (at >= until || !f.ok) break;
    }
  });

  // The agents, agents_per_channel to a connection, all logging in at once.
  absl::Mutex agents_mu;
  cli::SimAgentsResult agents_total;
  std::vector<std::string> session_failures;
  std::atomic<int> groups_running{0};
  std::vector<std::thread> agent_threads;
  const int groups = (o.agents + o.agents_per_channel - 1) / o.agents_per_channel;
  for (int g = 0; g < groups; ++g) {
    ++groups_running;
    agent_threads.emplace_back([&, g] {
      cli::SimAgentsOptions a;
      a.queue_id = kQueue;
      a.count = std::min(o.agents_per_channel, o.agents - g * o.agents_per_channel);
      a.login_prefix = absl::StrFormat("agent%02d", g);
      a.run_for = until - absl::Now();
      a.wrap = o.wrap;
      a.seed = static_cast<uint64_t>(g + 1);
      a.token = kDaemonAgentToken;
      a.print = [&watch](const std::string& line) { watch.Line(line); };
      absl::StatusOr<cli::SimAgentsResult> got = cli::RunSimulatedAgents(Dial(addr), a);
      {
        absl::MutexLock lock(&agents_mu);
        if (got.ok()) {
          agents_total.offers += got->offers;
          agents_total.connected += got->connected;
          agents_total.outcomes += got->outcomes;
          agents_total.appointments += got->appointments;
          agents_total.errors += got->errors;
        } else {
          agents_total.errors += a.count;
          session_failures.push_back(absl::StrCat(a.login_prefix, ": ", got.status().ToString()));
        }
      }
      --groups_running;
    });
  }

  // Logins under load.
  threads.emplace_back([&] {
    auto stub = pb::AgentService::NewStub(Dial(addr));
    Paced(o.logins_per_s, 1, start + absl::Seconds(1), until,
          [&](int64_t i) { ProbeLogin(*stub, absl::StrCat("probe-", i % 10), rec); });
  });
  // The dealer CRM: follow-ups, lead lookups, handover lists, on a connection of its own.
  const std::shared_ptr<grpc::Channel> crm_channel = Dial(addr);
  threads.emplace_back([&] {
    auto stub = pb::LeadIntake::NewStub(crm_channel);
    Paced(o.follow_ups_per_s, 2, start + absl::Milliseconds(500), until,
          [&](int64_t i) { SubmitFollowUp(*stub, crm_token, i, o, rec); });
  });
  threads.emplace_back([&] {
    auto stub = pb::LeadService::NewStub(crm_channel);
    std::mt19937_64 rng(7);
    Paced(o.lookups_per_s, 2, start + absl::Milliseconds(700), until, [&](int64_t) {
      pb::GetLeadRequest req;
      req.set_id(static_cast<int64_t>(rng() % static_cast<uint64_t>(o.leads)) + 1);
      pb::LeadDetail detail;
      auto ctx = Ctx(crm_token, kRpcDeadline);
      const absl::Time t0 = absl::Now();
      const grpc::Status s = stub->GetLead(ctx.get(), req, &detail);
      if (s.ok() && detail.lead().id() == req.id()) {
        rec.Ok("get_lead", absl::Now() - t0);
      } else {
        rec.Fail("get_lead", absl::StrCat(s.error_code(), " ", s.error_message()));
      }
    });
  });
  threads.emplace_back([&] {
    auto stub = pb::HandoverService::NewStub(crm_channel);
    std::mt19937_64 rng(11);
    Paced(o.lookups_per_s, 2, start + absl::Milliseconds(900), until, [&](int64_t) {
      pb::ListHandoversRequest req;
      req.set_dealer_id(Dealer(static_cast<int64_t>(rng() % 1000), o.dealers));
      req.mutable_page()->set_page_size(20);
      pb::ListHandoversResponse resp;
      auto ctx = Ctx(crm_token, kRpcDeadline);
      const absl::Time t0 = absl::Now();
      const grpc::Status s = stub->ListHandovers(ctx.get(), req, &resp);
      if (s.ok()) {
        rec.Ok("list_handovers", absl::Now() - t0);
      } else {
        rec.Fail("list_handovers", absl::StrCat(s.error_code(), " ", s.error_message()));
      }
    });
  });
  // A campaign manager's lists.
  std::atomic<int64_t> imports{0};
  threads.emplace_back([&] {
    auto stub = pb::LeadIntake::NewStub(Dial(addr));
    Paced(1 / absl::ToDoubleSeconds(o.import_every), 1, start + o.import_every / 2, until,
          [&](int64_t i) {
            if (Import(*stub, i, o, rec)) ++imports;
          });
  });

  // Agents log out after the call in hand; a daemon that stopped answering would keep them
  // waiting, so past the grace it is killed, which ends their streams.
  while (groups_running > 0 && absl::Now() < until + kLogoutGrace) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  // Kill() forgets the pid: Terminate must not be called after it.
  const bool killed = groups_running > 0;
  if (killed) {
    daemon->Kill();
    absl::MutexLock lock(&agents_mu);
    agents_total.errors += groups_running;
    session_failures.push_back(
        absl::StrCat(groups_running.load(), " group(s) of agents still in session ",
                     absl::FormatDuration(kLogoutGrace), " after the end: daemon killed"));
  }
  for (std::thread& t : agent_threads) t.join();
  for (std::thread& t : threads) t.join();
  const absl::Time ended = absl::Now();

  r.idle_agents = o.agents - watch.ActiveSince(until - std::min(absl::Minutes(1), o.run_for / 3));
  for (const absl::Duration d : watch.FirstOffers()) rec.Ok("first_offer", d);
  r.offers = agents_total.offers;
  r.connected = agents_total.connected;
  r.outcomes = agents_total.outcomes;
  r.appointments = agents_total.appointments;
  r.agent_errors = agents_total.errors;
  r.agent_error_lines = watch.ErrorLines();
  {
    absl::MutexLock lock(&agents_mu);
    r.agent_error_lines.insert(r.agent_error_lines.end(), session_failures.begin(),
                               session_failures.end());
  }
  r.imports = imports;
  r.imported_rows = imports * o.import_rows;

  // Handovers still on their way get a minute, then how long each took from the outcome's
  // transaction (the row's created_at) to the CRM storing it.
  say("waiting for the last handovers");
  for (absl::Time give_up = ended + kHandoverSettle; absl::Now() < give_up;) {
    absl::StatusOr<store::PgResult> left = world.conn->Exec(kUndelivered);
    if (left.ok() && left->GetInt64(0, 0) == 0) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  ASSIGN_OR_RETURN(store::PgResult attempts, world.conn->Exec(kAttempts));
  for (int i = 0; i < attempts.rows(); ++i) {
    r.attempts_by_outcome.emplace_back(attempts.GetString(i, 0), attempts.GetInt64(i, 1));
    r.attempts += attempts.GetInt64(i, 1);
  }
  ASSIGN_OR_RETURN(store::PgResult repeats, world.conn->Exec(kRepeatCalls));
  r.leads_called_more_than_twice = repeats.GetInt64(0, 0);
  r.most_calls_one_lead = repeats.GetInt64(0, 1);
  ASSIGN_OR_RETURN(store::PgResult failed, world.conn->Exec(kFailedCalls));
  r.failed_calls = failed.GetInt64(0, 0);
  r.failed_call_leads = failed.GetInt64(0, 1);
  r.failed_calls_most = failed.GetInt64(0, 2);
  ASSIGN_OR_RETURN(store::PgResult created, world.conn->Exec(kHandoverTimes));
  const pb::ListReceivedResponse received = crm->crm().ListReceived();
  r.crm_duplicates = received.duplicates();
  absl::flat_hash_map<int64_t, absl::Time> at_crm;
  for (const pb::ReceivedHandover& h : received.handovers()) {
    const std::optional<absl::Time> when = scheduler::FromProto(h.received_at());
    if (when) at_crm[h.handover().handover_id()] = *when;
  }
  r.handovers = created.rows();
  r.handovers_received = static_cast<int64_t>(at_crm.size());
  for (int i = 0; i < created.rows(); ++i) {
    r.handovers_delivered += created.GetBool(i, 2);
    auto it = at_crm.find(created.GetInt64(i, 0));
    if (it == at_crm.end()) {
      rec.Fail("handover", "queued but not at the CRM a minute after the end");
    } else {
      rec.Ok("handover", it->second - created.GetTime(i, 1));
    }
  }

  r.ops = rec.Take();
  r.samples = std::move(samples);
  for (const Sample& s : r.samples) {
    r.rss_mb_max = std::max(r.rss_mb_max, s.rss_mb);
    if (r.rss_mb_start == 0 && s.at_s >= absl::ToDoubleSeconds(o.warm_up))
      r.rss_mb_start = s.rss_mb;
  }
  if (!r.samples.empty()) r.rss_mb_end = r.samples.back().rss_mb;
  r.daemon_exit = killed ? -1 : daemon->Terminate(absl::Seconds(30));
  ReadLog(r);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  r.client_cpu_s = absl::ToDoubleSeconds(absl::DurationFromTimeval(usage.ru_utime) +
                                         absl::DurationFromTimeval(usage.ru_stime));
  return r;
}

}  // namespace secondvoice::testing
