// The real binaries: secondvoice-scheduler started as a process with flags, driven by the
// secondvoice CLI, and stopped gracefully with SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "libs/store/pg.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

using ::secondvoice::testing::Daemon;
using ::secondvoice::testing::TempDir;
using ::testing::HasSubstr;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

Result RunCli(const std::string& addr, const std::string& token, const std::string& args) {
  const std::string command = absl::StrCat(SV_BIN_DIR, "/secondvoice --addr=", addr,
                                           " --token=", token, " ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(Daemon, ServesTheCliAndStopsGracefullyOnSigterm) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  const std::string dir = TempDir();
  Daemon daemon(url, dir);
  const std::string addr = daemon.WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr.empty()) << "the daemon never wrote its port";

  Result health = RunCli(addr, "cli-admin-token", "health --wait=30");
  EXPECT_EQ(health.exit_code, 0) << health.output;
  EXPECT_THAT(health.output, HasSubstr("SERVING"));

  Result created = RunCli(addr, "cli-admin-token",
                          "dealer create --id=vandijk --name='Autobedrijf Van Dijk' --country=NL "
                          "--time-zone=Europe/Amsterdam");
  EXPECT_EQ(created.exit_code, 0) << created.output;
  Result queue = RunCli(addr, "cli-admin-token", "queue create --id=bdc-nl --name=BDC");
  EXPECT_EQ(queue.exit_code, 0) << queue.output;
  Result campaign = RunCli(addr, "cli-manager-token",
                           "campaign create --name='Q4 list' --dealer=vandijk --queue=bdc-nl "
                           "--kind=passive-list --caller-id=+31201234567");
  EXPECT_EQ(campaign.exit_code, 0) << campaign.output;
  Result listed = RunCli(addr, "cli-manager-token", "campaign list");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("Q4 list"));
  EXPECT_THAT(listed.output, HasSubstr("draft"));

  Result denied = RunCli(addr, "cli-manager-token",
                         "dealer create --id=x2 --name=x --country=NL "
                         "--time-zone=Europe/Amsterdam");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.output, HasSubstr("PERMISSION_DENIED"));
  Result invalid = RunCli(addr, "cli-admin-token",
                          "dealer create --id=x2 --name=x --country=NL "
                          "--time-zone=Mars/Olympus");
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.output, HasSubstr("INVALID_ARGUMENT: dealer.time_zone"));
  Result usage = RunCli(addr, "cli-admin-token", "dealer create --colour=red");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.output, HasSubstr("--colour"));

  EXPECT_EQ(daemon.Terminate(absl::Seconds(15)), 0);
  Result after = RunCli(addr, "cli-admin-token", "health");
  EXPECT_NE(after.exit_code, 0);
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

// The secret a `token create` printed: its last line.
std::string SecretOf(const Result& created) {
  std::string out = created.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.substr(out.rfind('\n') + 1);
}

// The operator's first admin token goes straight into the database; with it, tokens are made and
// revoked through the daemon, which refuses a revoked one from then on.
TEST(Daemon, TokensAreMadeAndRevokedWithTheCli) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  const std::string dir = TempDir();
  Daemon daemon(url, dir);
  const std::string addr = daemon.WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr.empty()) << "the daemon never wrote its port";
  ASSERT_EQ(RunCli(addr, "cli-admin-token", "health --wait=30").exit_code, 0);

  Result first =
      RunCli(addr, "none",
             absl::StrCat("token create --name=ops --role=admin --database-url='", url, "'"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("shown this once"));
  const std::string admin = SecretOf(first);
  ASSERT_EQ(admin.rfind("sv_", 0), 0u) << first.output;

  // The daemon hears of the new token; retried briefly while it reloads.
  Result made;
  for (int i = 0; i < 100; ++i) {
    made = RunCli(addr, admin, "token create --name=crm-vandijk --role=crm --scope=vandijk");
    if (made.output.find("UNAUTHENTICATED") == std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string crm = SecretOf(made);

  Result listed = RunCli(addr, admin, "token list");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("crm-vandijk"));
  EXPECT_THAT(listed.output, HasSubstr("vandijk"));
  EXPECT_EQ(listed.output.find(crm), std::string::npos) << "a listing never shows a secret";

  Result bad = RunCli(addr, admin, "token create --name=agent-x --role=agent");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("INVALID_ARGUMENT: scope"));

  // A CRM token may not make tokens; the refusal is audited.
  Result refused = RunCli(addr, crm, "token list");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));

  EXPECT_EQ(RunCli(addr, admin, "token revoke crm-vandijk").exit_code, 0);
  Result after;
  for (int i = 0; i < 100; ++i) {
    after = RunCli(addr, crm, "dealer list");
    if (after.output.find("UNAUTHENTICATED") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(after.output, HasSubstr("UNAUTHENTICATED"));

  Result audit;
  for (int i = 0; i < 100; ++i) {
    audit = RunCli(addr, admin, "audit");
    if (audit.output.find("denied") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, HasSubstr("token-created"));
  EXPECT_THAT(audit.output, HasSubstr("token-revoked"));
  EXPECT_THAT(audit.output, HasSubstr("denied"));
  EXPECT_THAT(audit.output, HasSubstr("operator (database)"));

  EXPECT_EQ(daemon.Terminate(absl::Seconds(15)), 0);
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

int64_t Count(store::PgConn& conn, const std::string& sql) {
  auto r = conn.ExecOnce(store::Query{"count", sql.c_str()});
  return r.ok() ? r->GetInt64(0, 0) : -1;
}

// An import is one transaction (README, "Lead intake"): a daemon killed in the middle of one
// leaves no lead, no event and no import record behind, and the same file can be sent again.
TEST(Daemon, AnImportKilledWithTheDaemonLeavesNothingBehind) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  const std::string dir = TempDir();
  constexpr int kRows = 60000;
  std::string list = "klantnummer;voornaam;mobiel\n";
  for (int i = 0; i < kRows; ++i) absl::StrAppend(&list, "K", i, ";Klant;06", 30000000 + i, "\n");
  std::ofstream(dir + "/list.csv") << list;

  auto daemon = std::make_unique<Daemon>(url, dir);
  std::string addr = daemon->WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr.empty());
  ASSERT_EQ(RunCli(addr, "cli-admin-token", "health --wait=30").exit_code, 0);
  ASSERT_EQ(RunCli(addr, "cli-admin-token",
                   "dealer create --id=vandijk --name=VanDijk --country=NL "
                   "--time-zone=Europe/Amsterdam")
                .exit_code,
            0);
  ASSERT_EQ(RunCli(addr, "cli-admin-token", "queue create --id=bdc --name=BDC").exit_code, 0);
  ASSERT_EQ(RunCli(addr, "cli-manager-token",
                   "campaign create --name=list --dealer=vandijk --queue=bdc "
                   "--kind=passive-list --caller-id=+31201234567")
                .exit_code,
            0);
  auto conn = store::PgConn::Connect(url, absl::Seconds(10));
  ASSERT_TRUE(conn.ok()) << conn.status();

  // Stream the list; the daemon dies once rows have reached the leads table.
  auto stub =
      v1::LeadIntake::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer cli-manager-token");
  v1::ImportListResponse response;
  auto writer = stub->ImportList(&ctx, &response);
  grpc::Status finished;
  std::thread sender([&] {
    v1::ImportListRequest header;
    header.mutable_header()->set_campaign_id(1);
    header.mutable_header()->set_file_name("list.csv");
    header.mutable_header()->set_size_bytes(list.size());
    writer->Write(header);
    for (size_t at = 0; at < list.size(); at += 4096) {
      v1::ImportListRequest chunk;
      chunk.set_chunk(list.substr(at, 4096));
      if (!writer->Write(chunk)) break;
      // Slow enough that the daemon is killed halfway, not after the last row.
      if (at % (64 << 10) == 0) absl::SleepFor(absl::Milliseconds(20));
    }
    writer->WritesDone();
    finished = writer->Finish();
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (Count(**conn, "SELECT pg_relation_size('leads')") == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_GT(Count(**conn, "SELECT pg_relation_size('leads')"), 0) << "no row was ever written";
  daemon->Kill();
  sender.join();
  EXPECT_FALSE(finished.ok());

  // PostgreSQL rolls the dead session's transaction back as soon as it sees the socket close.
  const std::string others =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
      " AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
  while (Count(**conn, others) > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(Count(**conn, "SELECT count(*) FROM leads"), 0);
  EXPECT_EQ(Count(**conn, "SELECT count(*) FROM contact_routes"), 0);
  EXPECT_EQ(Count(**conn, "SELECT count(*) FROM lead_events"), 0);
  EXPECT_EQ(Count(**conn, "SELECT count(*) FROM imports"), 0);

  // Started again, the daemon takes the same file whole.
  daemon = std::make_unique<Daemon>(url, dir);
  addr = daemon->WaitForAddress(absl::Seconds(30));
  ASSERT_FALSE(addr.empty());
  ASSERT_EQ(RunCli(addr, "cli-admin-token", "health --wait=30").exit_code, 0);
  Result again = RunCli(addr, "cli-manager-token", "import " + dir + "/list.csv --campaign=1");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr(absl::StrCat("imported as new leads    ", kRows)));
  EXPECT_EQ(Count(**conn, "SELECT count(*) FROM leads"), kRows);
  EXPECT_EQ(daemon->Terminate(absl::Seconds(15)), 0);
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

TEST(Daemon, MigrateDirectlyIsIdempotent) {
  const std::string url = secondvoice::testing::FreshDatabaseUrl();
  Result first = RunCli("127.0.0.1:1", "", "migrate --database-url='" + url + "'");
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("applied 1"));
  Result second = RunCli("127.0.0.1:1", "", "migrate --database-url='" + url + "'");
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("already current"));
}

}  // namespace
}  // namespace secondvoice
