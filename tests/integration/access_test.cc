// Who may call what, over real gRPC against a real PostgreSQL: every method of the API with every
// role (allowed, or PERMISSION_DENIED) and with an empty request (INVALID_ARGUMENT naming the
// field unless it needs nothing), tokens created and revoked through the API and kept as
// digests, and reaching into another dealer's or another queue's leads refused and audited.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "libs/auth/auth.h"
#include "re2/re2.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "secondvoice/v1/token_service.grpc.pb.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::Leads;
using ::secondvoice::testing::SchedulerHarness;
using ::secondvoice::testing::SetUpWorld;

// Who may call each method: A(dmin) always, then M(anager), G (agent), C(RM). Written out here
// on its own, not read from the daemon's rule table, so that a rule changed by mistake fails.
const std::map<std::string, std::string>& Expected() {
  static const auto* const kExpected = new std::map<std::string, std::string>{
      {"AdminService/GetStatus", "AM"},
      {"AdminService/Migrate", "A"},
      {"DealerService/CreateDealer", "A"},
      {"DealerService/UpdateDealer", "A"},
      {"DealerService/GetDealer", "AMGC"},
      {"DealerService/ListDealers", "AMGC"},
      {"DealerService/CreateQueue", "A"},
      {"DealerService/GetQueue", "AMG"},
      {"DealerService/ListQueues", "AMG"},
      {"CampaignService/CreateCampaign", "AM"},
      {"CampaignService/UpdateCampaign", "AM"},
      {"CampaignService/SetCampaignState", "AM"},
      {"CampaignService/GetCampaign", "AMG"},
      {"CampaignService/ListCampaigns", "AMG"},
      {"LeadService/GetLead", "AMGC"},
      {"LeadService/SearchLeads", "AMGC"},
      {"LeadIntake/ImportList", "AM"},
      {"LeadIntake/GetImport", "AM"},
      {"LeadIntake/SubmitFollowUp", "AC"},
      {"LeadIntake/AddSuppression", "AMC"},
      {"Scheduling/ClaimLeads", "AG"},
      {"Scheduling/ReleaseLead", "AG"},
      {"Scheduling/ExtendLease", "AG"},
      {"Scheduling/RecordAttempt", "AG"},
      {"Scheduling/ScheduleCallback", "AMG"},
      {"Scheduling/CloseLead", "AMG"},
      {"Scheduling/ExplainLead", "AMG"},
      {"Scheduling/ListCallList", "AM"},
      {"AgentService/Session", "AG"},
      {"AgentService/GetQueueStatus", "AMG"},
      {"HandoverService/ListHandovers", "AMC"},
      {"HandoverService/GetHandover", "AMC"},
      {"Feedback/ReportOutcome", "AC"},
      {"Reports/GetFunnel", "AM"},
      {"Reports/GetTargets", "AM"},
      {"Reports/SetTargets", "AM"},
      {"TokenService/CreateToken", "A"},
      {"TokenService/ListTokens", "A"},
      {"TokenService/RevokeToken", "A"},
      {"TokenService/ListAudit", "A"},
      {"LeadService/ErasePerson", "AMC"},
  };
  return *kExpected;
}

// Every method of every service in the API's proto files, as "Service/Method", with whether
// the client streams (those are called as streams).
std::map<std::string, const google::protobuf::MethodDescriptor*> ApiMethods() {
  std::map<std::string, const google::protobuf::MethodDescriptor*> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (absl::string_view name : absl::StrSplit(SV_API_PROTO_FILES, ',', absl::SkipEmpty())) {
    // The example CRM's own control API; the daemon does not serve it.
    if (name == "secondvoice/v1/example_crm.proto") continue;
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(std::string(name));
    EXPECT_NE(file, nullptr) << name;
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      // Dealer CRMs serve DealerCrm; the engine calls it.
      if (service->full_name() == "secondvoice.v1.DealerCrm") continue;
      for (int m = 0; m < service->method_count(); ++m) {
        out[absl::StrCat(service->name(), "/", service->method(m)->name())] = service->method(m);
      }
    }
  }
  return out;
}

// Calls `method` with an empty request (one empty message on a stream) and `token`.
grpc::Status CallEmpty(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       bool streaming, const std::string& token) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!token.empty()) ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  grpc::ByteBuffer empty;
  {
    grpc::Slice nothing("", 0);
    empty = grpc::ByteBuffer(&nothing, 1);
  }
  if (!streaming) {
    grpc::ByteBuffer response;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &empty, &response, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return status;
  }
  class Stream : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Stream(const grpc::ByteBuffer& first) : first_(first) {}
    void Go() {
      StartWrite(&first_);
      StartWritesDone();
      StartRead(&in_);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (ok) StartRead(&in_);
    }
    void OnDone(const grpc::Status& s) override {
      status = s;
      done.Notify();
    }
    grpc::Status status;
    absl::Notification done;

   private:
    grpc::ByteBuffer first_;
    grpc::ByteBuffer in_;
  };
  Stream stream(empty);
  stub.PrepareBidiStreamingCall(&ctx, method, grpc::StubOptions(), &stream);
  stream.Go();
  stream.done.WaitForNotification();
  return stream.status;
}

// "queue_id: ...", "campaign.kind: ...": the message starts with the field it is about.
bool NamesAField(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == 0 || colon == absl::string_view::npos) return false;
  for (char c : message.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || c == '.')) return false;
  }
  return true;
}

bool RoleDenied(const grpc::Status& s) {
  return s.error_code() == grpc::PERMISSION_DENIED &&
         s.error_message().find("may not call") != std::string::npos;
}

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ = SchedulerHarness::Start(url_);
    ASSERT_NE(harness_, nullptr);
    SetUpWorld(harness_->channel(), secondvoice::testing::kAdminToken,
               secondvoice::testing::kManagerToken, &campaign_);
    tokens_ = pb::TokenService::NewStub(harness_->channel());
  }

  grpc::Status CreateToken(const std::string& name, pb::Role role,
                           const std::vector<std::string>& scope, pb::CreateTokenResponse* out) {
    pb::CreateTokenRequest req;
    req.set_name(name);
    req.set_role(role);
    for (const std::string& s : scope) req.add_scope(s);
    return tokens_->CreateToken(SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(),
                                req, out);
  }

  // A new token is accepted once the daemon has reloaded its tokens on the database's notice;
  // waits for that with a call every role may make.
  void WaitUntilAccepted(const std::string& token) {
    auto dealers = pb::DealerService::NewStub(harness_->channel());
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    grpc::Status s;
    do {
      pb::ListDealersRequest req;
      pb::ListDealersResponse out;
      s = dealers->ListDealers(SchedulerHarness::Context(token).get(), req, &out);
    } while (s.error_code() == grpc::UNAUTHENTICATED && absl::Now() < deadline);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The audit log's entries for `event`, newest first.
  std::vector<pb::AuditEntry> Audit(const std::string& event) {
    pb::ListAuditRequest req;
    req.set_event(event);
    pb::ListAuditResponse resp;
    grpc::Status s = tokens_->ListAudit(
        SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.entries().begin(), resp.entries().end()};
  }

  // Waits (the log is written in the background) until `count` entries of `event` are there.
  std::vector<pb::AuditEntry> AuditAtLeast(const std::string& event, size_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    std::vector<pb::AuditEntry> entries = Audit(event);
    while (entries.size() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
      entries = Audit(event);
    }
    return entries;
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  int64_t campaign_ = 0;
  std::unique_ptr<pb::TokenService::Stub> tokens_;
};

TEST_F(AccessTest, EveryMethodWithEveryRole) {
  const std::map<std::string, const google::protobuf::MethodDescriptor*> methods = ApiMethods();
  // The table above names every method and no other.
  std::set<std::string> named, served;
  for (const auto& [name, allowed] : Expected()) named.insert(name);
  for (const auto& [name, method] : methods) served.insert(name);
  EXPECT_EQ(named, served);

  const std::set<std::string> kEmptyIsFine = {
      "AdminService/GetStatus",    "AdminService/Migrate",     "CampaignService/ListCampaigns",
      "DealerService/ListDealers", "DealerService/ListQueues", "HandoverService/ListHandovers",
      "Reports/GetTargets",        "TokenService/ListAudit",   "TokenService/ListTokens"};
  const std::vector<std::pair<char, std::string>> roles = {
      {'A', secondvoice::testing::kAdminToken},
      {'M', secondvoice::testing::kManagerToken},
      {'G', secondvoice::testing::kAgentToken},
      {'C', secondvoice::testing::kCrmToken}};
  int allowed_calls = 0, denied_calls = 0;
  for (const auto& [name, method] : methods) {
    auto it = Expected().find(name);
    if (it == Expected().end()) continue;
    const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    const bool streaming = method->client_streaming() || method->server_streaming();
    for (const auto& [role, token] : roles) {
      const grpc::Status s = CallEmpty(harness_->channel(), path, streaming, token);
      if (role == 'A') {
        // Every method checks its request: an empty one is fine for reads that need nothing,
        // and otherwise INVALID_ARGUMENT naming the field ("queue_id: is required").
        if (kEmptyIsFine.contains(name)) {
          EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
        } else {
          EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT) << name << ": " << s.error_message();
          EXPECT_TRUE(NamesAField(s.error_message())) << name << ": " << s.error_message();
        }
      }
      if (it->second.find(role) != std::string::npos) {
        ++allowed_calls;
        EXPECT_FALSE(RoleDenied(s)) << name << " as " << role << ": " << s.error_message();
        EXPECT_NE(s.error_code(), grpc::UNAUTHENTICATED) << name << " as " << role;
        EXPECT_NE(s.error_code(), grpc::UNIMPLEMENTED) << name << " as " << role;
      } else {
        ++denied_calls;
        EXPECT_TRUE(RoleDenied(s)) << name << " as " << role << " gave "
                                   << static_cast<int>(s.error_code()) << " " << s.error_message();
      }
    }
    // No token, or an unknown one: who is calling is not known.
    EXPECT_EQ(CallEmpty(harness_->channel(), path, streaming, "").error_code(),
              grpc::UNAUTHENTICATED)
        << name;
    EXPECT_EQ(CallEmpty(harness_->channel(), path, streaming, "no-such-token").error_code(),
              grpc::UNAUTHENTICATED)
        << name;
  }
  EXPECT_GT(allowed_calls, 0);
  EXPECT_GT(denied_calls, 0);
  // Every refusal by role is in the audit log.
  EXPECT_GE(AuditAtLeast("denied", denied_calls).size(), static_cast<size_t>(denied_calls));
}

TEST_F(AccessTest, TokensAreCreatedKeptAsDigestsAndRevoked) {
  pb::CreateTokenResponse created;
  grpc::Status s = CreateToken("manager-anna", pb::ROLE_MANAGER, {}, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string secret = created.secret();
  EXPECT_EQ(secret.rfind("sv_", 0), 0u);
  EXPECT_EQ(created.token().name(), "manager-anna");
  EXPECT_EQ(created.token().created_by(), "admin");

  // The database keeps the digest, never the token.
  Leads db(url_);
  EXPECT_EQ(db.Count(absl::StrCat("SELECT count(*) FROM api_tokens WHERE name = 'manager-anna'"
                                  " AND digest = decode('",
                                  absl::BytesToHexString(auth::Digest(secret)), "', 'hex')")),
            1);
  EXPECT_EQ(db.Count(absl::StrCat("SELECT count(*) FROM api_tokens t WHERE position('", secret,
                                  "' IN t::text) > 0")),
            0);

  // The new token works at once (the daemon reloads on the database's notification).
  auto campaigns = pb::Scheduling::NewStub(harness_->channel());
  auto explain = [&](const std::string& token) {
    pb::ExplainLeadRequest req;
    req.set_lead_id(1);
    pb::ExplainLeadResponse out;
    return campaigns->ExplainLead(SchedulerHarness::Context(token).get(), req, &out).error_code();
  };
  auto accepted_within = [&](bool accepted) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    for (;;) {
      const bool now = explain(secret) != grpc::UNAUTHENTICATED;
      if (now == accepted || absl::Now() > deadline) return now == accepted;
      absl::SleepFor(absl::Milliseconds(20));
    }
  };
  EXPECT_TRUE(accepted_within(true));

  // A name is taken once; bad requests name the field.
  pb::CreateTokenResponse again;
  EXPECT_EQ(CreateToken("manager-anna", pb::ROLE_MANAGER, {}, &again).error_code(),
            grpc::ALREADY_EXISTS);
  grpc::Status bad = CreateToken("agent-bob", pb::ROLE_AGENT, {}, &again);
  EXPECT_EQ(bad.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("scope"), std::string::npos) << bad.error_message();
  bad = CreateToken("Agent Bob", pb::ROLE_AGENT, {"*"}, &again);
  EXPECT_EQ(bad.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(bad.error_message().find("name"), std::string::npos) << bad.error_message();

  // Revoked: refused from then on, listed with who revoked it.
  pb::RevokeTokenRequest revoke;
  revoke.set_name("manager-anna");
  pb::RevokeTokenResponse revoked;
  s = tokens_->RevokeToken(SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(),
                           revoke, &revoked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(revoked.token().has_revoked_at());
  EXPECT_TRUE(accepted_within(false));
  revoke.set_name("nobody-here");
  EXPECT_EQ(tokens_
                ->RevokeToken(SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(),
                              revoke, &revoked)
                .error_code(),
            grpc::NOT_FOUND);

  pb::ListTokensRequest list;
  pb::ListTokensResponse listed;
  ASSERT_TRUE(tokens_
                  ->ListTokens(SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(),
                               list, &listed)
                  .ok());
  EXPECT_EQ(listed.tokens_size(), 0);
  list.set_include_revoked(true);
  ASSERT_TRUE(tokens_
                  ->ListTokens(SchedulerHarness::Context(secondvoice::testing::kAdminToken).get(),
                               list, &listed)
                  .ok());
  ASSERT_EQ(listed.tokens_size(), 1);
  EXPECT_EQ(listed.tokens(0).revoked_by(), "admin");

  // Both changes are in the audit log, written with the change itself.
  EXPECT_EQ(Audit("token_created").size(), 1u);
  EXPECT_EQ(Audit("token_revoked").size(), 1u);
}

TEST_F(AccessTest, AnotherDealersOrAnotherQueuesLeadIsDeniedAndAudited) {
  Leads leads(url_);
  const int64_t jansens = leads.Add("jansen", campaign_);
  const int64_t vandijks = leads.Add("vandijk", campaign_);
  auto lead_service = pb::LeadService::NewStub(harness_->channel());
  auto get = [&](const std::string& token, int64_t id) {
    pb::GetLeadRequest req;
    req.set_id(id);
    pb::LeadDetail out;
    return lead_service->GetLead(SchedulerHarness::Context(token).get(), req, &out);
  };

  // The CRM of vandijk sees vandijk's lead, not jansen's.
  EXPECT_TRUE(get(secondvoice::testing::kCrmToken, vandijks).ok());
  grpc::Status s = get(secondvoice::testing::kCrmToken, jansens);
  EXPECT_EQ(s.error_code(), grpc::PERMISSION_DENIED) << s.error_message();

  // An agent of another queue: not bdc-nl's claims, nor its campaign's leads.
  pb::CreateTokenResponse agent;
  ASSERT_TRUE(CreateToken("agent-be", pb::ROLE_AGENT, {"bdc-be"}, &agent).ok());
  WaitUntilAccepted(agent.secret());
  s = get(agent.secret(), vandijks);
  EXPECT_EQ(s.error_code(), grpc::PERMISSION_DENIED) << s.error_message();
  auto scheduling = pb::Scheduling::NewStub(harness_->channel());
  pb::ClaimLeadsRequest claim;
  claim.set_queue_id("bdc-nl");
  claim.set_max_leads(1);
  pb::ClaimLeadsResponse claimed;
  s = scheduling->ClaimLeads(SchedulerHarness::Context(agent.secret()).get(), claim, &claimed);
  EXPECT_EQ(s.error_code(), grpc::PERMISSION_DENIED) << s.error_message();
  pb::ExplainLeadRequest explain;
  explain.set_lead_id(vandijks);
  pb::ExplainLeadResponse explained;
  s = scheduling->ExplainLead(SchedulerHarness::Context(agent.secret()).get(), explain, &explained);
  EXPECT_EQ(s.error_code(), grpc::PERMISSION_DENIED) << s.error_message();
  // The same agent token scoped to bdc-nl may.
  pb::CreateTokenResponse nl;
  ASSERT_TRUE(CreateToken("agent-nl", pb::ROLE_AGENT, {"bdc-nl"}, &nl).ok());
  WaitUntilAccepted(nl.secret());
  EXPECT_TRUE(get(nl.secret(), vandijks).ok());
  s = scheduling->ClaimLeads(SchedulerHarness::Context(nl.secret()).get(), claim, &claimed);
  EXPECT_TRUE(s.ok()) << s.error_message();

  // Each refusal is in the audit log: who, which method, what.
  const std::vector<pb::AuditEntry> denied = AuditAtLeast("denied", 4);
  ASSERT_EQ(denied.size(), 4u);
  std::multiset<std::string> seen;
  for (const pb::AuditEntry& e : denied) seen.insert(absl::StrCat(e.principal(), " ", e.method()));
  EXPECT_EQ(seen, (std::multiset<std::string>{
                      "crm:vandijk /secondvoice.v1.LeadService/GetLead",
                      "agent-be /secondvoice.v1.LeadService/GetLead",
                      "agent-be /secondvoice.v1.Scheduling/ClaimLeads",
                      "agent-be /secondvoice.v1.Scheduling/ExplainLead",
                  }));
  for (const pb::AuditEntry& e : denied) {
    if (e.principal() == "crm:vandijk") {
      EXPECT_NE(e.detail().find("jansen"), std::string::npos) << e.detail();
    }
  }
}

}  // namespace
}  // namespace secondvoice
