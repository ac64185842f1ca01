// Lead intake over real gRPC and PostgreSQL: passive lists as spreadsheet programs write them
// (Windows-1252 with ';', BOM, embedded newlines, xlsx), no pre-qualification, duplicates,
// suppressions, lawful basis, rejects, cut-off imports, and CRM follow-ups (also as ADF).
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/common/status_macros.h"
#include "libs/store/imports.h"
#include "libs/store/pool.h"
#include "secondvoice/v1/campaign_service.grpc.pb.h"
#include "secondvoice/v1/dealer_service.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::kAdminToken;
using ::secondvoice::testing::kCrmToken;
using ::secondvoice::testing::kManagerToken;
using ::secondvoice::testing::SchedulerHarness;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ = SchedulerHarness::Start(url_);
    intake_ = pb::LeadIntake::NewStub(harness_->channel());
    leads_ = pb::LeadService::NewStub(harness_->channel());
    auto dealers = pb::DealerService::NewStub(harness_->channel());
    for (const char* id : {"vandijk", "jansen"}) {
      pb::CreateDealerRequest req;
      req.mutable_dealer()->set_id(id);
      req.mutable_dealer()->set_name(id);
      req.mutable_dealer()->set_country("NL");
      req.mutable_dealer()->set_time_zone("Europe/Amsterdam");
      pb::Dealer out;
      ASSERT_TRUE(
          dealers->CreateDealer(SchedulerHarness::Context(kAdminToken).get(), req, &out).ok());
    }
    pb::CreateQueueRequest queue;
    queue.mutable_queue()->set_id("bdc-nl");
    queue.mutable_queue()->set_name("BDC");
    pb::Queue q;
    ASSERT_TRUE(dealers->CreateQueue(SchedulerHarness::Context(kAdminToken).get(), queue, &q).ok());
    campaign_ = CreateCampaign(pb::CAMPAIGN_KIND_PASSIVE_LIST,
                               pb::MARKETING_POLICY_OPT_IN_OR_EXISTING_CUSTOMER);
  }

  int64_t CreateCampaign(pb::CampaignKind kind, pb::MarketingPolicy policy) {
    auto campaigns = pb::CampaignService::NewStub(harness_->channel());
    pb::CreateCampaignRequest req;
    req.mutable_campaign()->set_name("list");
    req.mutable_campaign()->set_kind(kind);
    req.mutable_campaign()->add_dealer_ids("vandijk");
    req.mutable_campaign()->set_queue_id("bdc-nl");
    req.mutable_campaign()->set_caller_id("+31201234567");
    req.mutable_campaign()->set_marketing_policy(policy);
    pb::Campaign out;
    EXPECT_TRUE(
        campaigns->CreateCampaign(SchedulerHarness::Context(kManagerToken).get(), req, &out).ok());
    if (kind == pb::CAMPAIGN_KIND_SECOND_VOICE) {
      pb::SetCampaignStateRequest active;
      active.set_id(out.id());
      active.set_state(pb::CAMPAIGN_STATE_ACTIVE);
      pb::Campaign ignored;
      EXPECT_TRUE(
          campaigns
              ->SetCampaignState(SchedulerHarness::Context(kManagerToken).get(), active, &ignored)
              .ok());
    }
    return out.id();
  }

  // Streams `file` in chunks of `chunk` bytes.
  grpc::Status Import(const std::string& file, pb::ImportListResponse* out, size_t chunk = 7,
                      const std::string& name = "list.csv", int64_t campaign = 0) {
    auto ctx = SchedulerHarness::Context(kManagerToken);
    auto writer = intake_->ImportList(ctx.get(), out);
    pb::ImportListRequest header;
    header.mutable_header()->set_campaign_id(campaign ? campaign : campaign_);
    header.mutable_header()->set_file_name(name);
    writer->Write(header);
    for (size_t at = 0; at < file.size(); at += chunk) {
      pb::ImportListRequest req;
      req.set_chunk(file.substr(at, chunk));
      if (!writer->Write(req)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::vector<pb::Lead> Search(const std::string& phone = "", const std::string& email = "") {
    pb::SearchLeadsRequest req;
    req.set_dealer_id("vandijk");
    req.set_phone(phone);
    req.set_email(email);
    req.mutable_page()->set_page_size(1000);
    pb::SearchLeadsResponse resp;
    EXPECT_TRUE(
        leads_->SearchLeads(SchedulerHarness::Context(kManagerToken).get(), req, &resp).ok());
    return {resp.leads().begin(), resp.leads().end()};
  }

  static void ExpectAddsUp(const pb::ImportListResponse& r) {
    EXPECT_EQ(r.rows_read(), r.imported() + r.merged_into_existing() + r.rejected());
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<pb::LeadIntake::Stub> intake_;
  std::unique_ptr<pb::LeadService::Stub> leads_;
  int64_t campaign_ = 0;
};

TEST_F(IntakeTest, Windows1252WithSemicolonsAndCrlf) {
  const std::string file =
      "voornaam;achternaam;telefoon;e-mail;merk;model;bouwjaar\r\n"
      "Jos\xe9;M\xfcller;06 12345678;jose@example.nl;Volkswagen;Golf;2021\r\n"
      "Ren\xe9;d'Ar\xe7on;020-1234567;;Opel;Astra;2020\r\n";
  pb::ImportListResponse r;
  grpc::Status s = Import(file, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.status(), pb::IMPORT_STATUS_COMPLETED);
  EXPECT_EQ(r.rows_read(), 2);
  EXPECT_EQ(r.imported(), 2);
  ExpectAddsUp(r);
  std::vector<pb::Lead> jose = Search("+31612345678");
  ASSERT_THAT(jose, SizeIs(1));
  EXPECT_EQ(jose[0].customer().first_name(), "José");
  EXPECT_EQ(jose[0].customer().last_name(), "Müller");
  EXPECT_EQ(jose[0].kind(), pb::LEAD_KIND_PASSIVE);
  EXPECT_EQ(jose[0].origin(), pb::LEAD_ORIGIN_LIST_IMPORT);
  EXPECT_EQ(jose[0].source(), "list.csv");
  ASSERT_THAT(jose[0].contact_routes(), SizeIs(2));
  EXPECT_EQ(jose[0].contact_routes(0).raw_value(), "06 12345678");
  EXPECT_EQ(jose[0].contact_routes(0).phone_type(), pb::PHONE_TYPE_MOBILE);
  ASSERT_THAT(jose[0].vehicles(), SizeIs(1));
  EXPECT_EQ(jose[0].vehicles(0).model(), "Golf");
  EXPECT_EQ(jose[0].vehicles(0).role(), pb::VEHICLE_ROLE_CURRENT);
  std::vector<pb::Lead> rene = Search("+31201234567");
  ASSERT_THAT(rene, SizeIs(1));
  EXPECT_EQ(rene[0].customer().last_name(), "d'Arçon");
  EXPECT_EQ(rene[0].contact_routes(0).phone_type(), pb::PHONE_TYPE_FIXED_LINE);
}

TEST_F(IntakeTest, BomCommaAndEmbeddedNewlines) {
  const std::string file =
      "\xEF\xBB\xBF"
      "First name,Last name,Phone,Notes\n"
      "Eva,de Boer,+31 6 11112222,\"rijdt een Golf,\nwil \"\"snel\"\" een offerte\"\n"
      "Piet,Jansen,0622223333,\n";
  pb::ImportListResponse r;
  grpc::Status s = Import(file, &r, 3);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.imported(), 2);
  ExpectAddsUp(r);
  std::vector<pb::Lead> eva = Search("0611112222");
  ASSERT_THAT(eva, SizeIs(1));
  EXPECT_EQ(eva[0].customer().first_name(), "Eva");
  EXPECT_EQ(eva[0].notes(), "rijdt een Golf,\nwil \"snel\" een offerte");
  pb::GetLeadRequest get;
  get.set_id(eva[0].id());
  pb::LeadDetail detail;
  ASSERT_TRUE(leads_->GetLead(SchedulerHarness::Context(kManagerToken).get(), get, &detail).ok());
  ASSERT_THAT(detail.events(), SizeIs(1));
  EXPECT_EQ(detail.events(0).type(), "lead.imported");
  EXPECT_THAT(detail.events(0).summary(), HasSubstr("row 2 of list.csv"));
}

TEST_F(IntakeTest, PlaceholderNumbersAreImportedNotPrequalified) {
  const std::string file =
      "voornaam;telefoon;e-mail\n"
      "Anna;0000000000;anna@example.nl\n"
      "Bram;123456789;\n"
      "Cees;0000000000;\n"
      "Dora;;dora@@example\n";
  pb::ImportListResponse r;
  ASSERT_TRUE(Import(file, &r).ok());
  // Nobody is dropped or merged over a shared placeholder number.
  EXPECT_EQ(r.imported(), 4);
  EXPECT_EQ(r.rejected(), 0);
  EXPECT_EQ(r.no_usable_contact_route(), 3);  // Bram, Cees and Dora: kept, reported
  std::vector<pb::Lead> zeros = Search("0000000000");
  ASSERT_THAT(zeros, SizeIs(2));
  EXPECT_EQ(zeros[0].contact_routes(0).raw_value(), "0000000000");
  EXPECT_FALSE(zeros[0].contact_routes(0).usable());
  EXPECT_TRUE(zeros[0].contact_routes(1).usable());  // Anna is routed to e-mail
  EXPECT_EQ(zeros[0].contact_routes(1).channel(), pb::CHANNEL_EMAIL);
  // ...and starts among the leads due a message, where a dialer does not look; the others
  // wait with the calls, where the claim explains they have no usable route.
  store::Pool pool({.url = url_, .size = 1});
  std::string classes;
  EXPECT_THAT(store::InTransaction(pool,
                                   [&](store::PgConn& c) -> absl::Status {
                                     ASSIGN_OR_RETURN(
                                         store::PgResult r,
                                         c.Exec({"t_classes",
                                                 "SELECT string_agg(l.first_name || ':' || s.rank"
                                                 " || ':' || s.action, ' ' ORDER BY l.first_name)"
                                                 " FROM lead_schedule s JOIN leads l ON l.id ="
                                                 " s.lead_id"}));
                                     classes = std::string(r.Get(0, 0));
                                     return absl::OkStatus();
                                   }),
              IsOk());
  EXPECT_EQ(classes, "Anna:5:message Bram:3:call Cees:3:call Dora:3:call");
}

TEST_F(IntakeTest, DuplicatesAreMergedWithinTheFileAndAgainstKnownLeads) {
  const std::string file =
      "klantnummer;voornaam;telefoon;e-mail\n"
      "K1;Eva;06 12345678;\n"
      "K2;Eva;+31612345678;eva@example.nl\n"  // same phone: merged, e-mail added
      "K3;Eva B.;;EVA@example.nl\n"           // same e-mail: merged
      "K4;Joost;0698765432;\n";
  pb::ImportListResponse first;
  ASSERT_TRUE(Import(file, &first).ok());
  EXPECT_EQ(first.rows_read(), 4);
  EXPECT_EQ(first.imported(), 2);
  EXPECT_EQ(first.merged_into_existing(), 2);
  ExpectAddsUp(first);
  std::vector<pb::Lead> eva = Search("", "eva@example.nl");
  ASSERT_THAT(eva, SizeIs(1));
  EXPECT_EQ(eva[0].customer().customer_id(), "K1");
  EXPECT_THAT(eva[0].contact_routes(), SizeIs(2));

  // The same list again: everybody is known already.
  pb::ImportListResponse again;
  ASSERT_TRUE(Import(file, &again).ok());
  EXPECT_EQ(again.imported(), 0);
  EXPECT_EQ(again.merged_into_existing(), 4);
  EXPECT_THAT(Search(), SizeIs(2));
}

TEST_F(IntakeTest, DuplicatesFarApartInALongListAreMerged) {
  // Rows are placed in batches of thousands; a duplicate thousands of lines later is still
  // the same person.
  std::string file = "klantnummer;voornaam;mobiel;e-mail\n";
  for (int i = 0; i < 10000; ++i) {
    absl::StrAppend(&file, "K", i, ";Klant;06", 20000000 + i, ";\n");
  }
  absl::StrAppend(&file, "X1;Klant;+316 2000 0002;klant2@example.nl\n");  // line 10002 = line 4
  pb::ImportListResponse r;
  ASSERT_TRUE(Import(file, &r, 64 << 10).ok());
  EXPECT_EQ(r.rows_read(), 10001);
  EXPECT_EQ(r.imported(), 10000);
  EXPECT_EQ(r.merged_into_existing(), 1);
  ExpectAddsUp(r);
  std::vector<pb::Lead> two = Search("+31620000002");
  ASSERT_THAT(two, SizeIs(1));
  EXPECT_EQ(two[0].customer().customer_id(), "K2");
  ASSERT_THAT(two[0].contact_routes(), SizeIs(2));
  EXPECT_EQ(two[0].contact_routes(1).normalized_value(), "klant2@example.nl");
}

TEST_F(IntakeTest, StructurallyBrokenRowsAreRejectedWithTheirLine) {
  const std::string file =
      "dealer;voornaam;telefoon\n"
      "vandijk;Anna;0611111111\n"
      "vandijk;Bram;0622222222;extra;values\n"
      "nobody;Cees;0633333333\n"
      "vandijk;\"Dora;0644444444\n";
  pb::ImportListResponse r;
  ASSERT_TRUE(Import(file, &r).ok());
  EXPECT_EQ(r.rows_read(), 4);
  EXPECT_EQ(r.imported(), 1);
  EXPECT_EQ(r.rejected(), 3);
  ExpectAddsUp(r);
  ASSERT_THAT(r.rejected_rows(), SizeIs(3));
  EXPECT_EQ(r.rejected_rows(0).line(), 3);
  EXPECT_THAT(r.rejected_rows(0).reason(), HasSubstr("fields"));
  EXPECT_EQ(r.rejected_rows(1).line(), 4);
  EXPECT_THAT(r.rejected_rows(1).reason(), HasSubstr("'nobody'"));
  EXPECT_EQ(r.rejected_rows(2).line(), 5);

  pb::GetImportRequest get;
  get.set_import_id(r.import_id());
  pb::ImportListResponse stored;
  ASSERT_TRUE(
      intake_->GetImport(SchedulerHarness::Context(kManagerToken).get(), get, &stored).ok());
  EXPECT_EQ(stored.rejected(), 3);
  EXPECT_THAT(stored.rejected_rows(), SizeIs(3));
}

TEST_F(IntakeTest, LawfulBasisAndSuppressionsAreCounted) {
  pb::AddSuppressionRequest objection;
  objection.set_dealer_id("vandijk");
  objection.set_channel(pb::CHANNEL_PHONE);
  objection.set_value("06 33 33 33 33");
  objection.set_reason("objected on the phone");
  pb::AddSuppressionResponse added;
  ASSERT_THAT(
      intake_->AddSuppression(SchedulerHarness::Context(kManagerToken).get(), objection, &added),
      IsOk());
  EXPECT_EQ(added.normalized_value(), "+31633333333");
  // Twice is once.
  ASSERT_THAT(
      intake_->AddSuppression(SchedulerHarness::Context(kManagerToken).get(), objection, &added),
      IsOk());
  const std::string file =
      "voornaam;telefoon;toestemming;datum toestemming;laatste bezoek\n"
      "Anna;0611111111;ja;12-05-2025;\n"  // opt-in with a date
      "Bram;0622222222;ja;;\n"            // opt-in without proof: no basis
      "Cees;0633333333;;;01-02-2026\n"    // recent customer, but objected
      "Dora;0644444444;;;01-02-2015\n";   // customer long ago: no basis
  pb::ImportListResponse r;
  ASSERT_TRUE(Import(file, &r).ok());
  EXPECT_EQ(r.imported(), 4);
  EXPECT_EQ(r.without_lawful_basis(), 2);
  EXPECT_EQ(r.suppressed(), 1);
  std::vector<pb::Lead> anna = Search("0611111111");
  ASSERT_THAT(anna, SizeIs(1));
  EXPECT_EQ(anna[0].consent().basis(), pb::CONSENT_BASIS_OPT_IN);
  std::vector<pb::Lead> cees = Search("0633333333");
  ASSERT_THAT(cees, SizeIs(1));
  EXPECT_EQ(cees[0].consent().basis(), pb::CONSENT_BASIS_EXISTING_CUSTOMER);
}

TEST_F(IntakeTest, SuppressionsNameWhatIsWrong) {
  auto add = [&](const std::string& token, const std::string& dealer, pb::Channel channel,
                 const std::string& value) {
    pb::AddSuppressionRequest req;
    req.set_dealer_id(dealer);
    req.set_channel(channel);
    req.set_value(value);
    pb::AddSuppressionResponse resp;
    return intake_->AddSuppression(SchedulerHarness::Context(token).get(), req, &resp);
  };
  grpc::Status s = add(kManagerToken, "vandijk", pb::CHANNEL_EMAIL, "0612345678");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("value:"));
  s = add(kManagerToken, "vandijk", pb::CHANNEL_UNSPECIFIED, "12");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("NL"));
  s = add(kManagerToken, "vandijk", pb::CHANNEL_UNSPECIFIED, "");
  EXPECT_THAT(s.error_message(), HasSubstr("value: is required"));
  // A dealer's CRM may only record objections for its own dealer.
  EXPECT_EQ(add(kCrmToken, "jansen", pb::CHANNEL_EMAIL, "a@b.nl").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(add(kCrmToken, "vandijk", pb::CHANNEL_EMAIL, " A@B.nl "), IsOk());
}

TEST_F(IntakeTest, BadHeaderOrCampaignFailsTheWholeImport) {
  pb::ImportListResponse r;
  grpc::Status s = Import("foo;bar\n1;2\n", &r);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("line 1"));
  s = Import("voornaam\nAnna\n", &r, 7, "x.csv", 999);
  EXPECT_EQ(s.error_code(), grpc::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("header.campaign_id"));
  const int64_t second_voice =
      CreateCampaign(pb::CAMPAIGN_KIND_SECOND_VOICE, pb::MARKETING_POLICY_OPT_IN_ONLY);
  s = Import("voornaam\nAnna\n", &r, 7, "x.csv", second_voice);
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_THAT(Search(), SizeIs(0));
}

TEST_F(IntakeTest, AnImportCutOffMidwayLeavesNothingBehind) {
  std::string file = "voornaam;telefoon\n";
  for (int i = 0; i < 60000; ++i) absl::StrAppend(&file, "Naam", i, ";06", 10000000 + i, "\n");
  auto ctx = SchedulerHarness::Context(kManagerToken);
  pb::ImportListResponse r;
  auto writer = intake_->ImportList(ctx.get(), &r);
  pb::ImportListRequest header;
  header.mutable_header()->set_campaign_id(campaign_);
  header.mutable_header()->set_size_bytes(file.size());
  ASSERT_TRUE(writer->Write(header));
  // Most of the file; once the daemon is writing the import, the client is gone.
  for (size_t at = 0; at < file.size() * 3 / 4; at += 4096) {
    pb::ImportListRequest req;
    req.set_chunk(file.substr(at, 4096));
    ASSERT_TRUE(writer->Write(req));
  }
  store::Pool pool({.url = url_, .size = 1});
  auto count = [&](const store::Query& q) {
    int64_t n = -1;
    EXPECT_THAT(store::InTransaction(pool,
                                     [&](store::PgConn& c) -> absl::Status {
                                       ASSIGN_OR_RETURN(store::PgResult r, c.Exec(q));
                                       n = r.GetInt64(0, 0);
                                       return absl::OkStatus();
                                     }),
                IsOk());
    return n;
  };
  // The import's transaction has written (its import record, perhaps rows): a write xid.
  constexpr store::Query kWriting = {
      "t_writing",
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
      " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"};
  for (int i = 0; i < 1000 && count(kWriting) == 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_GT(count(kWriting), 0) << "the daemon never started the import";
  ctx->TryCancel();
  EXPECT_FALSE(writer->Finish().ok());
  // The rollback runs on the daemon's side: wait for its record of the failure.
  constexpr store::Query kFailed = {"t_failed",
                                    "SELECT count(*) FROM imports WHERE status = 'failed'"};
  constexpr store::Query kLeads = {"t_leads", "SELECT count(*) FROM leads"};
  int64_t failed = 0;
  for (int i = 0; i < 200 && (failed = count(kFailed)) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const int64_t leads = count(kLeads);
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(leads, 0);
}

TEST_F(IntakeTest, AStreamShorterThanAnnouncedIsNotCommitted) {
  const std::string file = "voornaam;telefoon\nAnna;0611111111\nBram;0622222222\n";
  auto ctx = SchedulerHarness::Context(kManagerToken);
  pb::ImportListResponse r;
  auto writer = intake_->ImportList(ctx.get(), &r);
  pb::ImportListRequest header;
  header.mutable_header()->set_campaign_id(campaign_);
  header.mutable_header()->set_size_bytes(file.size());
  ASSERT_TRUE(writer->Write(header));
  pb::ImportListRequest half;
  half.set_chunk(file.substr(0, 34));  // ends after Anna's row: complete-looking CSV
  ASSERT_TRUE(writer->Write(half));
  writer->WritesDone();
  const grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("header.size_bytes"));
  EXPECT_THAT(Search(), SizeIs(0));
}

TEST_F(IntakeTest, XlsxWorkbook) {
  std::ifstream in(std::string(SV_SOURCE_DIR) + "/tests/data/klanten.xlsx", std::ios::binary);
  ASSERT_TRUE(in) << "tests/data/klanten.xlsx missing";
  std::stringstream bytes;
  bytes << in.rdbuf();
  pb::ImportListResponse r;
  grpc::Status s = Import(bytes.str(), &r, 1000, "klanten.xlsx");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(r.imported(), 2);
  std::vector<pb::Lead> eva = Search("0612345678");
  ASSERT_THAT(eva, SizeIs(1));
  EXPECT_EQ(eva[0].customer().first_name(), "Eva");
  // The purchase date was an Excel serial number: 45000 is 2023-03-15.
  ASSERT_THAT(eva[0].vehicles(), SizeIs(1));
  EXPECT_THAT(eva[0].vehicles(0).comments(), HasSubstr("2023-03-15"));
}

TEST_F(IntakeTest, FollowUpIsIdempotentAndKeepsTheStory) {
  const int64_t second_voice =
      CreateCampaign(pb::CAMPAIGN_KIND_SECOND_VOICE, pb::MARKETING_POLICY_OPT_IN_ONLY);
  pb::SubmitFollowUpRequest req;
  req.set_dealer_id("vandijk");
  req.set_reason(pb::FOLLOW_UP_REASON_UNSOLD);
  pb::FollowUp* f = req.mutable_follow_up();
  f->set_crm_lead_id("CRM-42");
  f->mutable_salesperson()->set_crm_user_id("piet");
  f->set_source("autotrack.nl");
  f->mutable_customer()->set_first_name("Eva");
  pb::ContactRoute* phone = f->add_contact_routes();
  phone->set_channel(pb::CHANNEL_PHONE);
  phone->set_raw_value("06-12345678");
  pb::FollowUp::HistoryEntry* h = f->add_history();
  h->set_channel(pb::CHANNEL_PHONE);
  h->set_by("piet");
  h->set_outcome("test drive, wants to think about it");
  pb::SubmitFollowUpResponse first, second;
  ASSERT_TRUE(
      intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &first).ok());
  EXPECT_FALSE(first.duplicate());
  ASSERT_TRUE(
      intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &second).ok());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.lead_id(), first.lead_id());

  pb::GetLeadRequest get;
  get.set_id(first.lead_id());
  pb::LeadDetail detail;
  ASSERT_TRUE(leads_->GetLead(SchedulerHarness::Context(kCrmToken).get(), get, &detail).ok());
  EXPECT_EQ(detail.lead().kind(), pb::LEAD_KIND_ACTIVE);
  EXPECT_EQ(detail.lead().origin(), pb::LEAD_ORIGIN_CRM_UNSOLD);
  EXPECT_EQ(detail.lead().campaign_id(), second_voice);
  EXPECT_EQ(detail.lead().salesperson(), "piet");
  EXPECT_EQ(detail.lead().contact_routes(0).normalized_value(), "+31612345678");
  ASSERT_THAT(detail.events(), SizeIs(2));
  EXPECT_EQ(detail.events(1).type(), "crm.contact");
  EXPECT_THAT(detail.events(1).summary(), HasSubstr("test drive"));

  // Another reason for the same CRM lead is another follow-up.
  req.set_reason(pb::FOLLOW_UP_REASON_PROPOSAL_PENDING);
  pb::SubmitFollowUpResponse third;
  ASSERT_TRUE(
      intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &third).ok());
  EXPECT_FALSE(third.duplicate());

  // A CRM may only submit for its own dealers.
  req.set_dealer_id("jansen");
  grpc::Status denied =
      intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &third);
  EXPECT_EQ(denied.error_code(), grpc::PERMISSION_DENIED);
}

TEST_F(IntakeTest, FollowUpAsAdf) {
  pb::SubmitFollowUpRequest req;
  req.set_dealer_id("vandijk");
  req.set_reason(pb::FOLLOW_UP_REASON_UNREACHED);
  req.set_adf_xml(
      "<?XML VERSION=\"1.0\"?>\n<?ADF VERSION \"1.0\"?>\n<adf><prospect status=\"new\">"
      "<id sequence=\"1\" source=\"DealerCRM\">ADF-7</id>"
      "<requestdate>2026-11-20T9:05:00+01:00</requestdate>"
      "<vehicle interest=\"buy\" status=\"new\"><year>2026</year><make>Volkswagen</make>"
      "<model>ID.3</model></vehicle>"
      "<vehicle interest=\"trade-in\" status=\"used\"><make>Opel</make><model>Astra</model>"
      "</vehicle><customer><contact><name part=\"full\">Jan de Vries</name>"
      "<phone type=\"mobile\">06 87654321</phone><email>jan@example.nl</email></contact>"
      "<comments>Bel na 18:00</comments></customer>"
      "<vendor><vendorname>Van Dijk</vendorname><contact><name part=\"full\">Piet Verkoper</name>"
      "</contact></vendor></prospect></adf>");
  pb::SubmitFollowUpResponse resp;
  grpc::Status s = intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  pb::GetLeadRequest get;
  get.set_id(resp.lead_id());
  pb::LeadDetail detail;
  ASSERT_TRUE(leads_->GetLead(SchedulerHarness::Context(kCrmToken).get(), get, &detail).ok());
  const pb::Lead& lead = detail.lead();
  EXPECT_EQ(lead.crm_lead_id(), "ADF-7");
  EXPECT_EQ(lead.customer().first_name(), "Jan");
  EXPECT_EQ(lead.customer().last_name(), "de Vries");
  EXPECT_EQ(lead.salesperson(), "Piet Verkoper");
  EXPECT_EQ(lead.origin(), pb::LEAD_ORIGIN_CRM_UNREACHED);
  ASSERT_THAT(lead.vehicles(), SizeIs(2));
  EXPECT_EQ(lead.vehicles(1).role(), pb::VEHICLE_ROLE_TRADE_IN);
  EXPECT_EQ(lead.originated_at().seconds(), 1795161900);  // 2026-11-20 08:05 UTC
  EXPECT_THAT(lead.notes(), HasSubstr("Bel na 18:00"));

  req.set_adf_xml("<adf><prospect><customer>");
  s = intake_->SubmitFollowUp(SchedulerHarness::Context(kCrmToken).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("adf_xml"));
}

}  // namespace
}  // namespace secondvoice
