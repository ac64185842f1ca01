// PostgreSQL dies while the daemon runs: calls fail with UNAVAILABLE and health goes
// NOT_SERVING; when PostgreSQL is back the daemon recovers by itself, without a restart.
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::kAdminToken;
using ::secondvoice::testing::SchedulerHarness;
using ::secondvoice::testing::TestPostgres;

grpc::Status CreateDealer(pb::DealerService::Stub& stub, const std::string& id) {
  pb::CreateDealerRequest req;
  req.mutable_dealer()->set_id(id);
  req.mutable_dealer()->set_name(id);
  req.mutable_dealer()->set_country("NL");
  req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
  pb::Dealer out;
  return stub.CreateDealer(SchedulerHarness::Context(kAdminToken).get(), req, &out);
}

TEST(Resilience, RecoversFromAPostgresOutageWithoutARestart) {
  // A cluster of its own: this test kills it.
  auto pg = TestPostgres::Start();
  ASSERT_THAT(pg, IsOk());
  auto url = (*pg)->CreateDatabase();
  ASSERT_THAT(url, IsOk());
  auto harness = SchedulerHarness::Start(*url);
  auto stub = pb::DealerService::NewStub(harness->channel());
  ASSERT_TRUE(CreateDealer(*stub, "before").ok());

  ASSERT_THAT((*pg)->Kill(), IsOk());
  grpc::Status during = CreateDealer(*stub, "during");
  EXPECT_EQ(during.error_code(), grpc::UNAVAILABLE) << during.error_message();
  EXPECT_TRUE(harness->WaitForHealth(false, absl::Seconds(10))) << "health never went NOT_SERVING";
  EXPECT_EQ(CreateDealer(*stub, "during").error_code(), grpc::UNAVAILABLE);

  ASSERT_THAT((*pg)->Restart(), IsOk());
  EXPECT_TRUE(harness->WaitForHealth(true, absl::Seconds(15))) << "health never came back";
  grpc::Status after = CreateDealer(*stub, "after");
  EXPECT_TRUE(after.ok()) << after.error_message();

  // What was written before the outage is still there; what was refused during it is not.
  pb::ListDealersResponse listed;
  ASSERT_TRUE(stub->ListDealers(SchedulerHarness::Context(kAdminToken).get(), {}, &listed).ok());
  std::vector<std::string> ids;
  for (const auto& d : listed.dealers()) ids.push_back(d.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"after", "before"}));
}

TEST(Resilience, NotServingUntilTheDatabaseIsReachable) {
  auto pg = TestPostgres::Start();
  ASSERT_THAT(pg, IsOk());
  auto url = (*pg)->CreateDatabase();
  ASSERT_THAT(url, IsOk());
  ASSERT_THAT((*pg)->Kill(), IsOk());

  scheduler::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.database_url = *url;
  options.db_check_interval = absl::Milliseconds(100);
  options.tokens.Add(kAdminToken, {.name = "admin", .role = auth::Role::kAdmin, .dealer_ids = {}});
  scheduler::Server server(std::move(options));
  ASSERT_THAT(server.Start(), IsOk());
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::DealerService::NewStub(channel);
  EXPECT_EQ(CreateDealer(*stub, "early").error_code(), grpc::UNAVAILABLE);

  // Starting PostgreSQL afterwards is enough: the daemon migrates and begins serving.
  ASSERT_THAT((*pg)->Restart(), IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  grpc::Status s;
  do {
    s = CreateDealer(*stub, "late");
    if (s.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < deadline);
  EXPECT_TRUE(s.ok()) << s.error_message();
  server.Shutdown(absl::Seconds(5));
}

}  // namespace
}  // namespace secondvoice
