// TestPostgres: initdb / pg_ctl through the shell, CREATE DATABASE through libpq.
#include "tests/testing/test_postgres.h"

#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/store/pg.h"

namespace secondvoice::testing {
namespace {

bool IsRoot() { return geteuid() == 0; }

// Prefix that runs a PostgreSQL tool as the postgres user when we are root (initdb refuses root).
std::string AsServerUser() { return IsRoot() ? "runuser -u postgres -- " : ""; }

}  // namespace

absl::StatusOr<std::unique_ptr<TestPostgres>> TestPostgres::Start() {
  const char* root = std::getenv("SECONDVOICE_TEST_PG_ROOT");
  // Unix socket paths are limited to ~107 bytes: keep the directory short.
  std::string pattern = absl::StrCat(root && *root ? root : "/tmp", "/pgXXXXXX");
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, " failed"));
  }
  std::string dir(buf.data());
  if (dir.size() > 80) return absl::InvalidArgumentError(absl::StrCat("directory too long: ", dir));
  chmod(dir.c_str(), 0755);
  if (IsRoot()) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr)
      return absl::FailedPreconditionError("no 'postgres' user: is postgresql installed?");
    if (chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::InternalError(absl::StrCat("chown ", dir, " failed"));
    }
  }
  std::unique_ptr<TestPostgres> pg(new TestPostgres(dir));
  if (absl::Status s = pg->Run(absl::StrCat(AsServerUser(), SV_PG_BINDIR, "/initdb -D ", dir,
                                            "/data -U secondvoice -A trust --no-sync -E UTF8 "
                                            "--locale=C > ",
                                            dir, "/initdb.log 2>&1"));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = pg->Restart(); !s.ok()) return s;
  return pg;
}

TestPostgres::~TestPostgres() {
  (void)Kill();
  (void)Run(absl::StrCat("rm -rf ", dir_));
}

absl::Status TestPostgres::Run(const std::string& command) const {
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("'", command, "' exited with ", rc, "; logs in ", dir_));
  }
  return absl::OkStatus();
}

absl::Status TestPostgres::Kill() {
  return Run(absl::StrCat(AsServerUser(), SV_PG_BINDIR, "/pg_ctl -D ", dir_,
                          "/data -m immediate -w stop > /dev/null 2>&1"));
}

absl::Status TestPostgres::Restart() {
  // fsync off only risks data on an OS crash; synchronous_commit stays on, so a killed server
  // keeps every commit, as the crash tests expect.
  return Run(absl::StrCat(AsServerUser(), SV_PG_BINDIR, "/pg_ctl -D ", dir_, "/data -l ", dir_,
                          "/log -w -o \"-k ", dir_,
                          " -c listen_addresses= -c fsync=off"
                          " -c max_connections=300\" start > /dev/null"));
}

std::string TestPostgres::Url(const std::string& database) const {
  return absl::StrCat("postgresql://secondvoice@/", database, "?host=", dir_);
}

absl::StatusOr<std::string> TestPostgres::CreateDatabase() {
  auto conn = store::PgConn::Connect(Url("postgres"), absl::Seconds(10));
  if (!conn.ok()) return conn.status();
  const std::string name = absl::StrCat("t", ++databases_);
  if (absl::Status s = (*conn)->ExecScript(absl::StrCat("CREATE DATABASE ", name)); !s.ok()) {
    return s;
  }
  return Url(name);
}

TestPostgres& SharedPostgres() {
  static TestPostgres* shared = [] {
    auto pg = TestPostgres::Start();
    if (!pg.ok()) {
      ADD_FAILURE() << "cannot start a throwaway PostgreSQL: " << pg.status();
      std::exit(1);
    }
    static std::unique_ptr<TestPostgres> owner = *std::move(pg);  // removed at exit
    return owner.get();
  }();
  return *shared;
}

std::string FreshDatabaseUrl() {
  absl::StatusOr<std::string> url = SharedPostgres().CreateDatabase();
  EXPECT_TRUE(url.ok()) << url.status();
  return url.value_or("");
}

}  // namespace secondvoice::testing
