// SchedulerHarness.
#include "tests/testing/scheduler_harness.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace secondvoice::testing {

std::unique_ptr<SchedulerHarness> SchedulerHarness::Start(
    const std::string& database_url, absl::Duration check_interval,
    const std::function<void(scheduler::ServerOptions&)>& configure,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  scheduler::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.database_url = database_url;
  options.db_check_interval = check_interval;
  options.workers = 4;
  options.tokens.Add(kAdminToken, {.name = "admin", .role = auth::Role::kAdmin, .dealer_ids = {}});
  options.tokens.Add(kManagerToken,
                     {.name = "manager", .role = auth::Role::kManager, .dealer_ids = {}});
  options.tokens.Add(kAgentToken, {.name = "agent",
                                   .role = auth::Role::kAgent,
                                   .dealer_ids = {},
                                   .queue_ids = {auth::kEveryQueue}});
  options.tokens.Add(kCrmToken,
                     {.name = "crm:vandijk", .role = auth::Role::kCrm, .dealer_ids = {"vandijk"}});
  options.carrier = *scheduler::CarrierProfileNamed("quick");
  if (configure) configure(options);
  auto harness = std::unique_ptr<SchedulerHarness>(new SchedulerHarness());
  harness->server_ = std::make_unique<scheduler::Server>(std::move(options));
  absl::Status started = harness->server_->Start();
  EXPECT_TRUE(started.ok()) << started;
  harness->channel_ = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", harness->server_->port()),
      credentials != nullptr ? std::move(credentials) : grpc::InsecureChannelCredentials());
  EXPECT_TRUE(harness->WaitForHealth(true, absl::Seconds(30))) << "scheduler never became SERVING";
  return harness;
}

SchedulerHarness::~SchedulerHarness() { server_->Shutdown(absl::Seconds(5)); }

std::unique_ptr<grpc::ClientContext> SchedulerHarness::Context(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

bool SchedulerHarness::WaitForHealth(bool serving, absl::Duration timeout) const {
  return WaitForHealth(channel_, serving, timeout);
}

bool SchedulerHarness::WaitForHealth(const std::shared_ptr<grpc::Channel>& channel, bool serving,
                                     absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  const absl::Time deadline = absl::Now() + timeout;
  const auto want = serving ? grpc::health::v1::HealthCheckResponse::SERVING
                            : grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, {}, &resp).ok() && resp.status() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (absl::Now() < deadline);
  return false;
}

}  // namespace secondvoice::testing
