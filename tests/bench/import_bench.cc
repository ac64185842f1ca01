// scripts/bench import: loads generated passive-list rows through the real import path (the
// secondvoice-scheduler binary, gRPC client streaming, CSV parsing, libphonenumber, duplicate
// merging, COPY) and, in the same run, PostgreSQL's own COPY of the same rows already
// normalised into the same tables with the same indexes: what a user would do with a
// pre-cleaned file. Reports rows/s of both, their ratio, and the daemon's peak memory.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "libs/store/migrations.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;

[[noreturn]] void Die(absl::string_view what) {
  std::cerr << "import bench: " << what << "\n";
  std::exit(1);
}

// Writes `rows` list rows as a campaign manager's CSV (';', Dutch header) and, beside it, the
// same rows already normalised in COPY format for leads, contact_routes and vehicles.
void Generate(int64_t rows, const std::string& csv_path, std::string* leads, std::string* routes,
              std::string* vehicles, std::string* schedule, int64_t campaign) {
  static const char* kFirst[] = {"Eva", "Jan", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem"};
  static const char* kLast[] = {"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer"};
  static const char* kMake[][2] = {{"Volkswagen", "Golf"},
                                   {"Opel", "Astra"},
                                   {"Kia", "Niro"},
                                   {"Toyota", "Yaris"},
                                   {"Peugeot", "208"}};
  // Every value derives from the row number: the same data every run.
  std::ofstream csv(csv_path);
  csv << "klantnummer;voornaam;achternaam;mobiel;e-mail;merk;model;bouwjaar;toestemming;"
         "datum toestemming\n";
  for (int64_t i = 0; i < rows; ++i) {
    const char* first = kFirst[i % 8];
    const char* last = kLast[(i / 8) % 6];
    const auto& car = kMake[(i / 48) % 5];
    const int64_t mobile = 10000000 + i;  // 06-1xxxxxxx: unique, valid Dutch mobile numbers
    const std::string email = absl::StrCat("klant", i, "@example.nl");
    const int year = 2015 + static_cast<int>(i % 9);
    // Written the ways lists write numbers; normalised they are all +316...
    const std::string phone = i % 3 == 0   ? absl::StrCat("06-", mobile)
                              : i % 3 == 1 ? absl::StrCat("+31 6 ", mobile)
                                           : absl::StrCat("06", mobile);
    csv << "K" << i << ';' << first << ';' << last << ';' << phone << ';' << email << ';' << car[0]
        << ';' << car[1] << ';' << year << ";ja;12-05-2025\n";
    const int64_t id = i + 1;
    absl::StrAppend(leads, id, "\tbench\t", campaign, "\tpassive\tlist_import\tbench.csv\t", first,
                    "\t", last, "\tK", i, "\t\t\\N\topt_in\t\t2025-05-12 00:00:00+02\t\\N\t\t",
                    i + 2, "\n");
    absl::StrAppend(routes, id, "\t0\tphone\t", phone, "\t+316", mobile, "\tmobile\tt\tf\t\n");
    absl::StrAppend(routes, id, "\t1\temail\t", email, "\t", email, "\tunknown\tt\tf\t\n");
    absl::StrAppend(vehicles, id, "\t0\tcurrent\tf\t", year, "\t", car[0], "\t", car[1],
                    "\t\t\t0\t0\t\n");
    absl::StrAppend(schedule, id, "\t", campaign, "\tbench\t3\n");
  }
}

int64_t PeakRssKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

std::unique_ptr<store::PgConn> Connect(const std::string& url) {
  auto conn = store::PgConn::Connect(url, absl::Seconds(10));
  if (!conn.ok()) Die(conn.status().message());
  return *std::move(conn);
}

}  // namespace
}  // namespace secondvoice

int main(int argc, char** argv) {
  using namespace secondvoice;  // NOLINT
  const int64_t rows = argc > 1 ? std::stoll(argv[1]) : 1000000;
  auto pg = testing::TestPostgres::Start();
  if (!pg.ok()) Die(pg.status().message());
  auto import_url = (*pg)->CreateDatabase();
  auto copy_url = (*pg)->CreateDatabase();
  if (!import_url.ok() || !copy_url.ok()) Die("cannot create databases");

  // The daemon, as operators run it.
  const std::string dir = absl::StrCat("/tmp/svbench", getpid());
  std::system(absl::StrCat("mkdir -p ", dir).c_str());
  std::ofstream(dir + "/tokens") << "bench-admin-token admin\n";
  const pid_t daemon = fork();
  if (daemon == 0) {
    const std::string bin = absl::StrCat(SV_BIN_DIR, "/secondvoice-scheduler");
    const std::string flags[] = {"--listen=127.0.0.1:0", "--database_url=" + *import_url,
                                 "--port_file=" + dir + "/port",
                                 "--tokens_file=" + dir + "/tokens"};
    if (const char* wrap = std::getenv("SV_BENCH_DAEMON_WRAPPER"); wrap != nullptr && *wrap) {
      // For profiling, e.g. SV_BENCH_DAEMON_WRAPPER="heaptrack -o /tmp/import"; the peak memory
      // reported is then the wrapper's.
      const std::string command =
          absl::StrCat("exec ", wrap, " ", bin, " ", absl::StrJoin(flags, " "));
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    }
    execl(bin.c_str(), bin.c_str(), flags[0].c_str(), flags[1].c_str(), flags[2].c_str(),
          flags[3].c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 300 && port == 0; ++i) {
    std::ifstream in(dir + "/port");
    if (!(in >> port)) absl::SleepFor(absl::Milliseconds(100));
  }
  if (port == 0) Die("the daemon did not start");
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  auto context = [] {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer bench-admin-token");
    return ctx;
  };
  // Wait for migrations, then a dealer, a queue and a passive campaign.
  auto dealers = pb::DealerService::NewStub(channel);
  pb::CreateDealerRequest dealer;
  dealer.mutable_dealer()->set_id("bench");
  dealer.mutable_dealer()->set_name("Bench");
  dealer.mutable_dealer()->set_country("NL");
  dealer.mutable_dealer()->set_time_zone("Europe/Amsterdam");
  pb::Dealer created;
  grpc::Status s;
  for (int i = 0; i < 100; ++i) {
    s = dealers->CreateDealer(context().get(), dealer, &created);
    if (s.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (!s.ok()) Die(s.error_message());
  pb::CreateQueueRequest queue;
  queue.mutable_queue()->set_id("bench");
  queue.mutable_queue()->set_name("Bench");
  pb::Queue q;
  if (!dealers->CreateQueue(context().get(), queue, &q).ok()) Die("queue");
  auto campaigns = pb::CampaignService::NewStub(channel);
  pb::CreateCampaignRequest campaign;
  campaign.mutable_campaign()->set_name("bench");
  campaign.mutable_campaign()->set_kind(pb::CAMPAIGN_KIND_PASSIVE_LIST);
  campaign.mutable_campaign()->add_dealer_ids("bench");
  campaign.mutable_campaign()->set_queue_id("bench");
  campaign.mutable_campaign()->set_caller_id("+31201234567");
  pb::Campaign c;
  if (!campaigns->CreateCampaign(context().get(), campaign, &c).ok()) Die("campaign");

  std::cerr << "generating " << rows << " rows\n";
  std::string leads, routes, vehicles, schedule;
  const std::string csv_path = dir + "/bench.csv";
  Generate(rows, csv_path, &leads, &routes, &vehicles, &schedule, 1);
  const int64_t rss_before_kb = PeakRssKb(daemon);

  // 1. The real import path.
  std::ifstream file(csv_path, std::ios::binary);
  auto intake = pb::LeadIntake::NewStub(channel);
  auto ctx = context();
  pb::ImportListResponse result;
  const absl::Time import_start = absl::Now();
  auto writer = intake->ImportList(ctx.get(), &result);
  pb::ImportListRequest header;
  header.mutable_header()->set_campaign_id(c.id());
  header.mutable_header()->set_file_name("bench.csv");
  header.mutable_header()->set_size_bytes(std::filesystem::file_size(csv_path));
  writer->Write(header);
  std::string buf(1 << 20, '\0');
  while (file) {
    file.read(buf.data(), buf.size());
    if (file.gcount() <= 0) break;
    pb::ImportListRequest chunk;
    chunk.set_chunk(buf.data(), file.gcount());
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  s = writer->Finish();
  const double import_seconds = absl::ToDoubleSeconds(absl::Now() - import_start);
  if (!s.ok()) Die(s.error_message());
  if (result.imported() != rows) Die(absl::StrCat("imported ", result.imported(), " of ", rows));
  const int64_t peak_kb = PeakRssKb(daemon);
  kill(daemon, SIGTERM);
  waitpid(daemon, nullptr, 0);

  // 2. The baseline: COPY of the normalised rows into the same tables with the same indexes.
  auto conn = Connect(*copy_url);
  if (!store::Migrate(*conn).ok()) Die("migrate");
  if (!conn->ExecScript(
               "INSERT INTO dealers (id, name, country, time_zone, opening_hours)"
               " VALUES ('bench', 'Bench', 'NL', 'Europe/Amsterdam', 'Mon-Fri 09:00-21:00');"
               "INSERT INTO queues VALUES ('bench', 'Bench', 'progressive');"
               "INSERT INTO campaigns (name, kind, state, queue_id, marketing_policy,"
               " existing_customer_months, min_call_attempts, min_spread_days,"
               " max_spread_days, max_call_attempts, min_gap_minutes,"
               " max_attempts_per_day, abandon_cap_percent, caller_id) VALUES ('bench',"
               " 'passive_list', 'draft', 'bench', 'opt_in_only', 36, 4, 3, 5, 16, 120, 2,"
               " 3, '+31201234567')")
           .ok()) {
    Die("baseline setup");
  }
  const absl::Time copy_start = absl::Now();
  if (!conn->ExecScript("BEGIN").ok()) Die("begin");
  auto copied = conn->CopyIn(
      "COPY leads (id, dealer_id, campaign_id, kind, origin, source, first_name, last_name,"
      " customer_id, language, preferred_channel, consent_basis, consent_source, consent_given_at,"
      " relationship_last_at, notes, source_line) FROM STDIN",
      leads);
  if (!copied.ok()) Die(copied.status().message());
  if (!conn->CopyIn("COPY contact_routes (lead_id, position, channel, raw_value, normalized_value,"
                    " phone_type, usable, preferred, preferred_times) FROM STDIN",
                    routes)
           .ok() ||
      !conn->CopyIn("COPY vehicles (lead_id, position, role, used, year, make, model, trim, vin,"
                    " odometer_km, price_cents, comments) FROM STDIN",
                    vehicles)
           .ok() ||
      !conn->CopyIn("COPY lead_schedule (lead_id, campaign_id, dealer_id, rank) FROM STDIN",
                    schedule)
           .ok() ||
      !conn->ExecScript("COMMIT").ok()) {
    Die("baseline copy");
  }
  const double copy_seconds = absl::ToDoubleSeconds(absl::Now() - copy_start);
  std::system(absl::StrCat("rm -rf ", dir).c_str());

  const double import_rate = rows / import_seconds;
  const double copy_rate = rows / copy_seconds;
  const double peak_mb = peak_kb / 1024.0;
  std::cout << absl::StrFormat(
      "rows                 %d\n"
      "import path          %.1f s  %.0f rows/s  (CSV -> parse -> libphonenumber -> merge -> "
      "COPY)\n"
      "baseline COPY        %.1f s  %.0f rows/s  (normalised rows into leads, contact_routes, "
      "vehicles, lead_schedule)\n"
      "ratio import/COPY    %.2f   (target >= 0.5)\n"
      "daemon peak RSS      %.0f MB (%.0f MB before the import; target < 200 MB)\n",
      rows, import_seconds, import_rate, copy_seconds, copy_rate, import_rate / copy_rate, peak_mb,
      rss_before_kb / 1024.0);
  std::cout << absl::StrFormat(
      "{\"bench\":\"import\",\"rows\":%d,\"rows_per_s\":%.0f,\"copy_rows_per_s\":%.0f,"
      "\"ratio_to_copy\":%.3f,\"peak_rss_mb\":%.1f}\n",
      rows, import_rate, copy_rate, import_rate / copy_rate, peak_mb);
  return 0;
}
