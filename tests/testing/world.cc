// The integration tests' starting world.
#include "tests/testing/world.h"

#include "gtest/gtest.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "tests/testing/scheduler_harness.h"

namespace secondvoice::testing {

namespace pb = ::secondvoice::v1;

void SetUpWorld(const std::shared_ptr<grpc::Channel>& channel, const std::string& admin,
                const std::string& manager, int64_t* list_campaign, int64_t* second_voice_campaign,
                pb::DialingMode mode) {
  auto dealers = pb::DealerService::NewStub(channel);
  for (const char* id : {"vandijk", "jansen"}) {
    pb::CreateDealerRequest req;
    req.mutable_dealer()->set_id(id);
    req.mutable_dealer()->set_name(id);
    req.mutable_dealer()->set_country("NL");
    req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
    req.mutable_dealer()->set_opening_hours("Mon-Sun 00:00-24:00");
    req.mutable_dealer()->set_holidays("none");
    pb::Dealer out;
    ASSERT_THAT(dealers->CreateDealer(SchedulerHarness::Context(admin).get(), req, &out), IsOk());
  }
  pb::CreateQueueRequest queue;
  queue.mutable_queue()->set_id("bdc-nl");
  queue.mutable_queue()->set_name("BDC");
  queue.mutable_queue()->set_dialing_mode(mode);
  pb::Queue q;
  ASSERT_THAT(dealers->CreateQueue(SchedulerHarness::Context(admin).get(), queue, &q), IsOk());
  auto campaigns = pb::CampaignService::NewStub(channel);
  auto create = [&](pb::CampaignKind kind, std::vector<std::string> ids) {
    pb::CreateCampaignRequest req;
    req.mutable_campaign()->set_name("campaign");
    req.mutable_campaign()->set_kind(kind);
    for (const auto& id : ids) req.mutable_campaign()->add_dealer_ids(id);
    req.mutable_campaign()->set_queue_id("bdc-nl");
    req.mutable_campaign()->set_caller_id("+31201234567");
    req.mutable_campaign()->set_marketing_policy(pb::MARKETING_POLICY_OPT_IN_OR_EXISTING_CUSTOMER);
    pb::Campaign out;
    EXPECT_THAT(campaigns->CreateCampaign(SchedulerHarness::Context(manager).get(), req, &out),
                IsOk());
    pb::SetCampaignStateRequest active;
    active.set_id(out.id());
    active.set_state(pb::CAMPAIGN_STATE_ACTIVE);
    pb::Campaign ignored;
    EXPECT_THAT(
        campaigns->SetCampaignState(SchedulerHarness::Context(manager).get(), active, &ignored),
        IsOk());
    return out.id();
  };
  *list_campaign = create(pb::CAMPAIGN_KIND_PASSIVE_LIST, {"vandijk", "jansen"});
  if (second_voice_campaign) {
    *second_voice_campaign = create(pb::CAMPAIGN_KIND_SECOND_VOICE, {"vandijk"});
  }
}

}  // namespace secondvoice::testing
