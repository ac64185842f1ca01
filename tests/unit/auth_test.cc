// Tests for libs/auth/auth.h: tokens file, bearer auth, the rule table vs the API, dealer scope.
#include "libs/auth/auth.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::auth {

namespace {

using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::StartsWith;

// Every .proto file CMake finds in proto/secondvoice/v1 (SV_API_PROTO_FILES, comma-separated),
// so a new file cannot be missed. sv_proto is linked whole, so all of them are in the pool.
std::set<std::string> ApiFileNames() {
  std::set<std::string> files;
  for (absl::string_view file : absl::StrSplit(SV_API_PROTO_FILES, ',', absl::SkipEmpty())) {
    files.insert(std::string(file));
  }
  return files;
}

Principal PrincipalFor(Role role) {
  Principal p{.name = std::string(RoleName(role)), .role = role, .dealer_ids = {}};
  if (role == Role::kCrm) p.dealer_ids = {"vandijk"};
  return p;
}

constexpr char kTokens[] = R"(# Development tokens: TOKEN ROLE [DEALER_ID ...]

admin-token-0001 admin
manager-token-01   manager   # the campaign team
	agent-token-0001	agent  bdc-nl bdc-be
   # an indented comment
crm-token-vandijk crm vandijk bdc-nl
)";

// ---- TokenTable::Parse ----

TEST(TokenTable, ParsesTokensSkippingCommentsAndBlankLines) {
  SV_ASSERT_OK_AND_ASSIGN(TokenTable table, TokenTable::Parse(kTokens));
  EXPECT_EQ(table.size(), 4u);

  SV_ASSERT_OK_AND_ASSIGN(Principal admin, table.Authenticate("Bearer admin-token-0001"));
  EXPECT_EQ(admin.role, Role::kAdmin);
  EXPECT_EQ(admin.name, "admin");
  EXPECT_THAT(admin.dealer_ids, IsEmpty());

  SV_ASSERT_OK_AND_ASSIGN(Principal manager, table.Authenticate("Bearer manager-token-01"));
  EXPECT_EQ(manager.role, Role::kManager);

  SV_ASSERT_OK_AND_ASSIGN(Principal agent, table.Authenticate("Bearer agent-token-0001"));
  EXPECT_EQ(agent.role, Role::kAgent);
  EXPECT_THAT(agent.queue_ids, ElementsAre("bdc-nl", "bdc-be"));

  SV_ASSERT_OK_AND_ASSIGN(Principal crm, table.Authenticate("Bearer crm-token-vandijk"));
  EXPECT_EQ(crm.role, Role::kCrm);
  EXPECT_THAT(crm.dealer_ids, ElementsAre("vandijk", "bdc-nl"));
  EXPECT_EQ(crm.name, "crm:vandijk+bdc-nl");
}

TEST(TokenTable, ParsesCrLfLines) {
  SV_ASSERT_OK_AND_ASSIGN(
      TokenTable table,
      TokenTable::Parse("admin-token-0001 admin\r\nagent-token-0001 agent *\r\n"));
  EXPECT_EQ(table.size(), 2u);
  SV_ASSERT_OK_AND_ASSIGN(Principal agent, table.Authenticate("Bearer agent-token-0001"));
  EXPECT_EQ(agent.role, Role::kAgent);
}

TEST(TokenTable, EmptyTextGivesAnEmptyTable) {
  SV_ASSERT_OK_AND_ASSIGN(TokenTable table, TokenTable::Parse("# nothing yet\n\n"));
  EXPECT_EQ(table.size(), 0u);
}

TEST(TokenTable, ErrorsNameTheLine) {
  struct Case {
    std::string line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"crm-token-0001 crm", "a crm token must name its dealers"},
      {"manager-token-01 manager vandijk", "only crm tokens name dealers"},
      {"agent-token-0001 agent", "an agent token must name its queues"},
      {"agent-token-0001 agent BDC", "queue_id"},
      {"short admin", "shorter than 8"},
      {"boss-token-0001 boss", "unknown role 'boss'"},
      {"lonely-token-0001", "expected 'TOKEN ROLE"},
      {"crm-token-0001 crm Van_Dijk", "dealer_id"},
  };
  for (const Case& c : cases) {
    // The bad line is line 3, after a comment and a blank line.
    EXPECT_THAT(TokenTable::Parse(absl::StrCat("# tokens\n\n", c.line, "\n")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(StartsWith("tokens line 3: "), HasSubstr(c.message))))
        << c.line;
  }
}

TEST(TokenTable, RejectsADuplicateToken) {
  EXPECT_THAT(TokenTable::Parse("admin-token-0001 admin\n"
                                "agent-token-0001 agent *\n"
                                "admin-token-0001 manager\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("tokens line 3: "), HasSubstr("listed twice"))));
}

// ---- Digests, new tokens, scopes ----

TEST(Digest, IsTheSha256OfTheToken) {
  // FIPS 180-2's test vector for "abc".
  EXPECT_EQ(absl::BytesToHexString(Digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Digest("").size(), 32u);
}

TEST(NewToken, IsLongRandomAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = NewToken();
    EXPECT_THAT(t, StartsWith("sv_"));
    EXPECT_EQ(t.size(), 3u + 43u);  // 32 bytes in unpadded base64
    EXPECT_EQ(t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_",
                                  3),
              std::string::npos)
        << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(TokenTable, KeepsDigestsNotTokens) {
  TokenTable table;
  table.Add("plain-token-0001", PrincipalFor(Role::kManager));
  table.AddDigest(Digest("stored-as-digest"), PrincipalFor(Role::kAdmin));
  EXPECT_THAT(table.Authenticate("Bearer plain-token-0001"), IsOk());
  SV_ASSERT_OK_AND_ASSIGN(Principal admin, table.Authenticate("Bearer stored-as-digest"));
  EXPECT_EQ(admin.role, Role::kAdmin);
  // The digest itself is no token.
  EXPECT_THAT(table.Authenticate(absl::StrCat("Bearer ", Digest("stored-as-digest"))),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenTable, MergeAddsTheOthersTokens) {
  TokenTable file, db;
  file.Add("file-token-0001", PrincipalFor(Role::kManager));
  db.Add("db-token-000001", PrincipalFor(Role::kCrm));
  file.Merge(db);
  EXPECT_EQ(file.size(), 2u);
  EXPECT_THAT(file.Authenticate("Bearer db-token-000001"), IsOk());
  EXPECT_THAT(file.Authenticate("Bearer file-token-0001"), IsOk());
}

TEST(MakePrincipal, ChecksTheScopeOfEachRole) {
  EXPECT_THAT(MakePrincipal("a", Role::kAgent, {"bdc-nl"}), IsOk());
  EXPECT_THAT(MakePrincipal("a", Role::kAgent, {"*"}), IsOk());
  EXPECT_THAT(MakePrincipal("a", Role::kAgent, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must name its queues")));
  EXPECT_THAT(MakePrincipal("a", Role::kCrm, {"*"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dealer_id")));
  EXPECT_THAT(MakePrincipal("a", Role::kManager, {"bdc-nl"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakePrincipal("a", Role::kAdmin, {}), IsOk());
}

TEST(CheckQueueAccess, ScopesAgentsOnly) {
  SV_ASSERT_OK_AND_ASSIGN(Principal nl, MakePrincipal("anna", Role::kAgent, {"bdc-nl"}));
  EXPECT_THAT(CheckQueueAccess(nl, "bdc-nl"), IsOk());
  EXPECT_THAT(CheckQueueAccess(nl, "bdc-be"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("bdc-be")));
  EXPECT_FALSE(nl.CanAccessQueue(kEveryQueue));
  SV_ASSERT_OK_AND_ASSIGN(Principal all, MakePrincipal("bob", Role::kAgent, {"*"}));
  EXPECT_THAT(CheckQueueAccess(all, "bdc-be"), IsOk());
  EXPECT_TRUE(all.CanAccessQueue(kEveryQueue));
  EXPECT_THAT(CheckQueueAccess(PrincipalFor(Role::kManager), "bdc-be"), IsOk());
  EXPECT_THAT(CheckQueueAccess(PrincipalFor(Role::kCrm), "bdc-be"), IsOk());
}

// ---- TokenTable::Authenticate ----

TEST(Authenticate, AcceptsABearerToken) {
  SV_ASSERT_OK_AND_ASSIGN(TokenTable table, TokenTable::Parse(kTokens));
  EXPECT_THAT(table.Authenticate("Bearer manager-token-01"), IsOk());
  EXPECT_THAT(table.Authenticate("bearer manager-token-01"), IsOk());
}

TEST(Authenticate, RejectsMissingMalformedAndUnknownCredentials) {
  SV_ASSERT_OK_AND_ASSIGN(TokenTable table, TokenTable::Parse(kTokens));
  for (const char* authorization : {"", "Basic x", "Basic manager-token-01", "manager-token-01",
                                    "Bearer ", "Bearer no-such-token", "Bearer manager-token-0"}) {
    EXPECT_THAT(table.Authenticate(authorization), StatusIs(absl::StatusCode::kUnauthenticated))
        << "'" << authorization << "'";
  }
}

TEST(Authenticate, ErrorsNeverEchoTheToken) {
  SV_ASSERT_OK_AND_ASSIGN(TokenTable table, TokenTable::Parse(kTokens));
  EXPECT_THAT(
      table.Authenticate("Bearer secret-guess-123"),
      StatusIs(absl::StatusCode::kUnauthenticated, ::testing::Not(HasSubstr("secret-guess-123"))));
}

// ---- Authorize ----

TEST(Authorize, FollowsTheRuleTable) {
  constexpr char kUnknown[] = "/secondvoice.v1.NoSuchService/DoIt";
  struct Case {
    Role role;
    std::string method;
    bool allowed;
  };
  const std::vector<Case> cases = {
      // Admin may call anything, even methods the table does not know.
      {Role::kAdmin, "/secondvoice.v1.DealerService/CreateDealer", true},
      {Role::kAdmin, "/secondvoice.v1.AdminService/Migrate", true},
      {Role::kAdmin, "/secondvoice.v1.CampaignService/CreateCampaign", true},
      {Role::kAdmin, kUnknown, true},
      // Managers run campaigns but do not create dealers.
      {Role::kManager, "/secondvoice.v1.CampaignService/CreateCampaign", true},
      {Role::kManager, "/secondvoice.v1.CampaignService/SetCampaignState", true},
      {Role::kManager, "/secondvoice.v1.LeadIntake/ImportList", true},
      {Role::kManager, "/secondvoice.v1.AdminService/GetStatus", true},
      {Role::kManager, "/secondvoice.v1.DealerService/CreateDealer", false},
      {Role::kManager, "/secondvoice.v1.AdminService/Migrate", false},
      {Role::kManager, "/secondvoice.v1.LeadIntake/SubmitFollowUp", false},
      {Role::kManager, kUnknown, false},
      // CRMs send follow-ups and read their leads, nothing about campaigns.
      {Role::kCrm, "/secondvoice.v1.LeadIntake/SubmitFollowUp", true},
      {Role::kCrm, "/secondvoice.v1.LeadService/GetLead", true},
      {Role::kCrm, "/secondvoice.v1.DealerService/GetDealer", true},
      {Role::kCrm, "/secondvoice.v1.CampaignService/ListCampaigns", false},
      {Role::kCrm, "/secondvoice.v1.CampaignService/GetCampaign", false},
      {Role::kCrm, "/secondvoice.v1.LeadIntake/ImportList", false},
      {Role::kCrm, "/secondvoice.v1.AgentService/Session", false},
      {Role::kCrm, kUnknown, false},
      // Agents work the queue and read campaigns.
      {Role::kAgent, "/secondvoice.v1.CampaignService/GetCampaign", true},
      {Role::kAgent, "/secondvoice.v1.AgentService/Session", true},
      {Role::kAgent, "/secondvoice.v1.LeadService/SearchLeads", true},
      {Role::kAgent, "/secondvoice.v1.CampaignService/CreateCampaign", false},
      {Role::kAgent, "/secondvoice.v1.LeadIntake/SubmitFollowUp", false},
      {Role::kAgent, "/secondvoice.v1.DealerService/CreateQueue", false},
      {Role::kAgent, kUnknown, false},
      // Names match exactly.
      {Role::kManager, "/secondvoice.v1.CampaignService/CreateCampaignX", false},
      {Role::kManager, "secondvoice.v1.CampaignService/CreateCampaign", false},
      {Role::kManager, "", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(RoleName(c.role), " ", c.method));
    const absl::Status status = Authorize(PrincipalFor(c.role), c.method);
    if (c.allowed) {
      EXPECT_THAT(status, IsOk());
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied,
                                   HasSubstr(std::string(RoleName(c.role)))));
    }
  }
}

TEST(HasRule, KnowsTableMethodsIncludingAdminOnlyOnes) {
  EXPECT_TRUE(HasRule("/secondvoice.v1.CampaignService/CreateCampaign"));
  EXPECT_TRUE(HasRule("/secondvoice.v1.AdminService/Migrate"));  // admin only
  EXPECT_FALSE(HasRule("/secondvoice.v1.NoSuchService/DoIt"));
  EXPECT_FALSE(HasRule("/secondvoice.v1.CampaignService/CreateCampaignX"));
  EXPECT_FALSE(HasRule(""));
}

// A new RPC without a line in kRules would be callable by admin only, silently. This walks
// every method of every service in the generated API and insists each has a rule.
TEST(HasRule, EveryApiMethodHasARule) {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  std::set<std::string> services;
  int methods = 0;
  for (const std::string& file_name : ApiFileNames()) {
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(file_name);
    ASSERT_NE(file, nullptr) << file_name << " is not in the generated descriptor pool";
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      // Dealer CRMs implement DealerCrm and the engine calls it; the example CRM serves its own
      // control: no rule on our side.
      if (service->full_name() == "secondvoice.v1.DealerCrm" ||
          service->full_name() == "secondvoice.v1.ExampleCrmControl") {
        continue;
      }
      services.insert(service->full_name());
      EXPECT_EQ(pool->FindServiceByName(service->full_name()), service);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string path =
            absl::StrCat("/", service->full_name(), "/", service->method(m)->name());
        ++methods;
        EXPECT_TRUE(HasRule(path)) << path << " has no line in kRules (libs/auth/auth.cc)";
        EXPECT_THAT(Authorize(PrincipalFor(Role::kAdmin), path), IsOk()) << path;
      }
    }
  }
  EXPECT_THAT(services, IsSupersetOf({"secondvoice.v1.AdminService", "secondvoice.v1.AgentService",
                                      "secondvoice.v1.CampaignService",
                                      "secondvoice.v1.DealerService", "secondvoice.v1.Feedback",
                                      "secondvoice.v1.HandoverService", "secondvoice.v1.LeadIntake",
                                      "secondvoice.v1.LeadService", "secondvoice.v1.Reports"}));
  EXPECT_EQ(services.count("secondvoice.v1.DealerCrm"), 0u);
  EXPECT_GE(methods, 27);
}

// ---- CheckDealerAccess ----

TEST(CheckDealerAccess, ScopesCrmPrincipalsToTheirDealers) {
  const Principal crm{
      .name = "crm:vandijk+bdc-nl", .role = Role::kCrm, .dealer_ids = {"vandijk", "bdc-nl"}};
  EXPECT_THAT(CheckDealerAccess(crm, "vandijk"), IsOk());
  EXPECT_THAT(CheckDealerAccess(crm, "bdc-nl"), IsOk());
  EXPECT_THAT(CheckDealerAccess(crm, "autohaus"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("autohaus")));
  EXPECT_THAT(CheckDealerAccess(crm, ""), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(crm.CanAccessDealer("vandijkx"));
}

TEST(CheckDealerAccess, DoesNotScopeOtherRoles) {
  for (Role role : {Role::kAdmin, Role::kManager, Role::kAgent}) {
    SCOPED_TRACE(RoleName(role));
    const Principal p{.name = "someone", .role = role, .dealer_ids = {}};
    EXPECT_THAT(CheckDealerAccess(p, "vandijk"), IsOk());
    EXPECT_THAT(CheckDealerAccess(p, "autohaus"), IsOk());
  }
}

}  // namespace
}  // namespace secondvoice::auth
