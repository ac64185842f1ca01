// Erasure at the person's request and retention, over real gRPC and PostgreSQL: after erasing
// a person by phone number no table holds their number, address, names or notes (every text
// column of every table is searched), the funnel counts the same, the schedule never offers
// them again, a later list or CRM follow-up does not bring them back, and the audit log says
// who erased how many (never the value). A CRM may erase only at its own dealers. Retention
// erases a closed lead older than the setting and nothing else.
#include "libs/store/erasure.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/store/leads.h"
#include "secondvoice/v1/feedback.grpc.pb.h"
#include "secondvoice/v1/lead_intake.grpc.pb.h"
#include "secondvoice/v1/lead_service.grpc.pb.h"
#include "secondvoice/v1/reports.grpc.pb.h"
#include "secondvoice/v1/scheduling.grpc.pb.h"
#include "secondvoice/v1/token_service.grpc.pb.h"
#include "services/scheduler/convert.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::kAdminToken;
using ::secondvoice::testing::kAgentToken;
using ::secondvoice::testing::kCrmToken;
using ::secondvoice::testing::kManagerToken;
using ::secondvoice::testing::Leads;
using ::secondvoice::testing::SchedulerHarness;
using ::secondvoice::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kNumber[] = "+31641234567";
constexpr char kEmail[] = "jurgen.devries@example.nl";

// Everything that says who the person is or what they said, as it went in.
const std::vector<std::string>& Needles() {
  static const auto* const kNeedles =
      new std::vector<std::string>{kNumber,         "06 4123 4567",     "+31 6 41234567",
                                   kEmail,          "Jürgen",           "de Vries",
                                   "K-778899",      "caravan",          "hard of hearing",
                                   "WVWZZZ1KZ8W",   "bigger boot",      "works shifts",
                                   "private lease", "Kerkstraat",       "price in writing",
                                   "Anneke",        "form jurgen 2026", "monthly payment"};
  return *kNeedles;
}

class ErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ =
        SchedulerHarness::Start(url_, absl::Milliseconds(100), [](scheduler::ServerOptions& o) {
          o.retention = absl::Hours(1);
          o.funnel_compact_interval = absl::Milliseconds(200);
        });
    secondvoice::testing::SetUpWorld(harness_->channel(), kAdminToken, kManagerToken, &campaign_,
                                     &second_voice_);
    db_ = std::make_unique<Leads>(url_);
    leads_ = pb::LeadService::NewStub(harness_->channel());
    intake_ = pb::LeadIntake::NewStub(harness_->channel());
    scheduling_ = pb::Scheduling::NewStub(harness_->channel());
    feedback_ = pb::Feedback::NewStub(harness_->channel());
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return SchedulerHarness::Context(token);
  }

  void Sql(const std::string& sql) {
    ASSERT_THAT(db_->conn().ExecOnce({"sql", sql.c_str()}).status(), IsOk()) << sql;
  }
  std::string Text(const std::string& sql) {
    auto r = db_->conn().ExecOnce({"text", sql.c_str()});
    EXPECT_THAT(r.status(), IsOk()) << sql;
    return r.ok() && r->rows() > 0 ? r->GetString(0, 0) : "";
  }

  // Table -> rows whose text holds `needle`, over every table of the schema.
  std::map<std::string, int64_t> Traces(const std::string& needle) {
    std::map<std::string, int64_t> out;
    auto tables = db_->conn().ExecOnce(
        {"tables", "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"});
    EXPECT_THAT(tables.status(), IsOk());
    if (!tables.ok()) return out;
    for (int i = 0; i < tables->rows(); ++i) {
      const std::string table = tables->GetString(i, 0);
      const std::string sql =
          absl::StrCat("SELECT count(*) FROM \"", table, "\" AS x WHERE strpos(x::text, $1) > 0");
      auto n = db_->conn().ExecOnce({"trace", sql.c_str()}, {needle});
      EXPECT_THAT(n.status(), IsOk()) << table;
      if (n.ok() && n->GetInt64(0, 0) > 0) out[table] = n->GetInt64(0, 0);
    }
    return out;
  }

  // The person as a list lead with everything a lead can hold, and a call the dealer made.
  int64_t AddPerson() {
    domain::Lead lead;
    lead.dealer_id = "vandijk";
    lead.campaign_id = campaign_;
    lead.kind = domain::LeadKind::kPassive;
    lead.origin = domain::LeadOrigin::kListImport;
    lead.first_name = "Jürgen";
    lead.last_name = "de Vries";
    lead.customer_id = "K-778899";
    lead.language = "nl";
    lead.accessibility_notes = "hard of hearing - speak slowly";
    lead.notes = "found the monthly payment too high";
    lead.consent = {.basis = domain::ConsentBasis::kOptIn,
                    .source = "web form jurgen 2026",
                    .given_at = absl::Now() - absl::Hours(24 * 30),
                    .relationship_last_at = std::nullopt};
    lead.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                   .raw_value = "06 4123 4567",
                                   .normalized_value = kNumber,
                                   .phone_type = domain::PhoneType::kMobile,
                                   .usable = true,
                                   .preferred_times = "evenings"});
    lead.contact_routes.push_back({.channel = domain::Channel::kEmail,
                                   .raw_value = "Jurgen.deVries@example.nl",
                                   .normalized_value = kEmail,
                                   .usable = true});
    lead.vehicles.push_back({.role = domain::VehicleRole::kCurrent,
                             .year = 2016,
                             .make = "Volkswagen",
                             .model = "Golf",
                             .vin = "WVWZZZ1KZ8W123456",
                             .comments = "tows the caravan"});
    EXPECT_THAT(store::InsertLead(db_->conn(), lead, "test"), IsOk());
    Sql(absl::StrCat(
        "INSERT INTO attempts (lead_id, campaign_id, channel, route, by_whom, started_at,"
        " ended_at, outcome, notes) VALUES (",
        lead.id, ", ", campaign_, ", 'phone', '", kNumber,
        "', 'piet.bakker', now() - interval '2 days', now() - interval '2 days', 'no_answer',"
        " 'call back about the caravan')"));
    return lead.id;
  }

  // Claims `lead` and records an appointment with what the customer said: a handover.
  void SetAppointment(int64_t lead) {
    pb::ClaimLeadsRequest claim;
    claim.set_queue_id("bdc-nl");
    claim.set_max_leads(1);
    claim.set_lease_seconds(60);
    claim.set_wait_ms(5000);
    pb::ClaimLeadsResponse claimed;
    ASSERT_THAT(scheduling_->ClaimLeads(Ctx(kAgentToken).get(), claim, &claimed), IsOk());
    ASSERT_THAT(claimed.leads(), SizeIs(1));
    ASSERT_EQ(claimed.leads(0).lead_id(), lead);
    pb::RecordAttemptRequest req;
    req.set_lead_id(lead);
    req.set_lease_token(claimed.leads(0).lease_token());
    req.set_channel(pb::CHANNEL_PHONE);
    req.set_outcome(pb::ATTEMPT_OUTCOME_APPOINTMENT_SET);
    req.set_notes("caravan owner, wants a tow bar");
    scheduler::ToProto(absl::Now() - absl::Minutes(6), req.mutable_started_at());
    scheduler::ToProto(absl::Now(), req.mutable_ended_at());
    pb::Appointment* a = req.mutable_appointment();
    scheduler::ToProto(absl::Now() + absl::Hours(48), a->mutable_at());
    a->set_location("at his home, Kerkstraat 12, Utrecht");
    a->set_with_whom("Piet Bakker");
    a->add_expectations(pb::CUSTOMER_EXPECTATION_TEST_DRIVE);
    a->set_expectations_text("wants the price in writing");
    pb::CustomerStatements* said = req.mutable_statements();
    said->set_needs("a tow bar for the caravan");
    said->set_financing("private lease 48 months");
    said->mutable_trade_in()->set_make("Volkswagen");
    said->mutable_trade_in()->set_model("Golf");
    said->mutable_trade_in()->set_vin("WVWZZZ1KZ8W123456");
    pb::RecordAttemptResponse resp;
    ASSERT_THAT(scheduling_->RecordAttempt(Ctx(kAgentToken).get(), req, &resp), IsOk());
  }

  pb::SubmitFollowUpRequest FollowUp(const std::string& crm_lead_id, const std::string& phone,
                                     const std::string& email) {
    pb::SubmitFollowUpRequest req;
    req.set_dealer_id("vandijk");
    req.set_reason(pb::FOLLOW_UP_REASON_UNSOLD);
    pb::FollowUp* f = req.mutable_follow_up();
    f->set_crm_lead_id(crm_lead_id);
    f->mutable_customer()->set_first_name("Jürgen");
    f->mutable_customer()->set_last_name("de Vries");
    f->set_notes("call after 17:00, works shifts");
    if (!phone.empty()) {
      pb::ContactRoute* r = f->add_contact_routes();
      r->set_channel(pb::CHANNEL_PHONE);
      r->set_raw_value(phone);
    }
    if (!email.empty()) {
      pb::ContactRoute* r = f->add_contact_routes();
      r->set_channel(pb::CHANNEL_EMAIL);
      r->set_raw_value(email);
    }
    pb::FollowUp::HistoryEntry* h = f->add_history();
    h->set_channel(pb::CHANNEL_PHONE);
    h->set_by("piet");
    h->set_outcome("test drive; his wife wants a bigger boot");
    return req;
  }

  grpc::Status Erase(const std::string& token, pb::ErasePersonRequest req,
                     pb::ErasePersonResponse* out) {
    return leads_->ErasePerson(Ctx(token).get(), req, out);
  }

  grpc::Status Report(const std::string& token, pb::ReportOutcomeRequest req) {
    pb::ReportOutcomeResponse ignored;
    return feedback_->ReportOutcome(Ctx(token).get(), req, &ignored);
  }

  pb::FunnelReport Funnel() {
    auto reports = pb::Reports::NewStub(harness_->channel());
    pb::FunnelRequest req;
    req.mutable_period_start()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(24)));
    req.mutable_period_end()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    req.set_group_by(pb::FUNNEL_GROUP_BY_DEALER);
    pb::FunnelReport out;
    EXPECT_THAT(reports->GetFunnel(Ctx(kManagerToken).get(), req, &out), IsOk());
    out.clear_request();
    out.clear_generated_at();
    return out;
  }

  grpc::Status Import(const std::string& file, pb::ImportListResponse* out) {
    auto ctx = Ctx(kManagerToken);
    auto writer = intake_->ImportList(ctx.get(), out);
    pb::ImportListRequest header;
    header.mutable_header()->set_campaign_id(campaign_);
    header.mutable_header()->set_dealer_id("vandijk");
    header.mutable_header()->set_file_name("list.csv");
    writer->Write(header);
    pb::ImportListRequest chunk;
    chunk.set_chunk(file);
    writer->Write(chunk);
    writer->WritesDone();
    return writer->Finish();
  }

  std::vector<int64_t> ClaimAll() {
    pb::ClaimLeadsRequest claim;
    claim.set_queue_id("bdc-nl");
    claim.set_max_leads(50);
    claim.set_lease_seconds(60);
    pb::ClaimLeadsResponse claimed;
    EXPECT_THAT(scheduling_->ClaimLeads(Ctx(kAgentToken).get(), claim, &claimed), IsOk());
    std::vector<int64_t> ids;
    for (const auto& l : claimed.leads()) ids.push_back(l.lead_id());
    return ids;
  }

  std::vector<pb::AuditEntry> Audit(const std::string& event) {
    auto tokens = pb::TokenService::NewStub(harness_->channel());
    pb::ListAuditRequest req;
    req.set_event(event);
    pb::ListAuditResponse resp;
    EXPECT_THAT(tokens->ListAudit(Ctx(kAdminToken).get(), req, &resp), IsOk());
    return {resp.entries().begin(), resp.entries().end()};
  }

  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  int64_t campaign_ = 0, second_voice_ = 0;
  std::unique_ptr<Leads> db_;
  std::unique_ptr<pb::LeadService::Stub> leads_;
  std::unique_ptr<pb::LeadIntake::Stub> intake_;
  std::unique_ptr<pb::Scheduling::Stub> scheduling_;
  std::unique_ptr<pb::Feedback::Stub> feedback_;
};

TEST_F(ErasureTest, ErasingByPhoneLeavesNoTraceKeepsTheFunnelAndKeepsThePersonOut) {
  // The person: a list lead called, given an appointment and handed over, who then came...
  const int64_t listed = AddPerson();
  ASSERT_NO_FATAL_FAILURE(SetAppointment(listed));
  pb::ReportOutcomeRequest showed;
  showed.set_idempotency_key("visit-1");
  showed.set_dealer_id("vandijk");
  showed.set_lead_id(listed);
  showed.set_kind(pb::FEEDBACK_KIND_SHOWED);
  showed.set_notes("came with his wife Anneke");
  ASSERT_THAT(Report(kCrmToken, showed), IsOk());
  // ... and the same person again from the CRM, with the number written another way.
  pb::SubmitFollowUpResponse submitted;
  ASSERT_THAT(intake_->SubmitFollowUp(Ctx(kCrmToken).get(),
                                      FollowUp("CRM-4711", "+31 6 41234567", ""), &submitted),
              IsOk());
  const int64_t followed = submitted.lead_id();
  // Their objection to e-mail, and a list row of theirs that was rejected, quoting the number.
  pb::AddSuppressionRequest objection;
  objection.set_dealer_id("vandijk");
  objection.set_value(kEmail);
  objection.set_channel(pb::CHANNEL_EMAIL);
  pb::AddSuppressionResponse suppressed;
  ASSERT_THAT(intake_->AddSuppression(Ctx(kManagerToken).get(), objection, &suppressed), IsOk());
  Sql(
      absl::StrCat("WITH i AS (INSERT INTO imports (campaign_id, file_name, status)"
                   " VALUES (",
                   campaign_,
                   ", 'old.csv', 'running') RETURNING id)"
                   " INSERT INTO import_rejects (import_id, line, reason)"
                   " SELECT id, 7, 'phone ''06 4123 4567'' in the name column' FROM i"));
  // Someone else at the same dealer, and the same number at another dealer: not theirs to lose.
  const int64_t other = db_->Add("vandijk", campaign_);
  domain::Lead elsewhere;
  elsewhere.dealer_id = "jansen";
  elsewhere.campaign_id = campaign_;
  elsewhere.first_name = "Marieke";
  elsewhere.consent.basis = domain::ConsentBasis::kOptIn;
  elsewhere.consent.given_at = absl::Now() - absl::Hours(24);
  elsewhere.contact_routes.push_back({.channel = domain::Channel::kPhone,
                                      .raw_value = kNumber,
                                      .normalized_value = kNumber,
                                      .phone_type = domain::PhoneType::kMobile,
                                      .usable = true});
  ASSERT_THAT(store::InsertLead(db_->conn(), elsewhere, "test"), IsOk());

  // The search below finds what it looks for: every needle is somewhere now.
  for (const std::string& needle : Needles()) {
    EXPECT_THAT(Traces(needle), Not(IsEmpty())) << needle;
  }
  const pb::FunnelReport funnel_before = Funnel();
  const std::string rows_before =
      Text("SELECT string_agg(f::text, E'\\n' ORDER BY lead_id) FROM lead_funnel f");
  const std::string facts_sql =
      "SELECT string_agg(concat_ws('|', id, status, origin, kind, category, campaign_id,"
      " created_at, updated_at, originated_at, consent_basis), E'\\n' ORDER BY id) FROM leads";
  const std::string facts_before = Text(facts_sql);
  ASSERT_GT(funnel_before.totals().leads(), 0);

  pb::ErasePersonRequest req;
  req.set_dealer_id("vandijk");
  req.set_phone("06-41234567");
  pb::ErasePersonResponse erased;
  ASSERT_THAT(Erase(kManagerToken, req, &erased), IsOk());
  EXPECT_EQ(erased.leads_erased(), 2);
  EXPECT_THAT(erased.lead_ids(), UnorderedElementsAre(listed, followed));

  // The funnel counts what it counted; the leads keep their facts.
  const pb::FunnelReport funnel_after = Funnel();
  EXPECT_EQ(funnel_after.DebugString(), funnel_before.DebugString());
  EXPECT_EQ(Text("SELECT string_agg(f::text, E'\\n' ORDER BY lead_id) FROM lead_funnel f"),
            rows_before);
  EXPECT_EQ(Text(facts_sql), facts_before);
  EXPECT_EQ(db_->Count("SELECT count(*) FROM leads WHERE erased_at IS NOT NULL"), 2);
  // Off the schedule, the handover stopped, its digests kept (no plaintext).
  EXPECT_EQ(db_->Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id IN (", listed,
                                    ", ", followed, ")")),
            0);
  EXPECT_EQ(Text(absl::StrCat("SELECT state || ': ' || rejection FROM handovers WHERE lead_id = ",
                              listed)),
            absl::StrCat("flagged_undelivered: ", store::kErasedReason));
  EXPECT_EQ(db_->Count(absl::StrCat("SELECT count(*) FROM erased_people WHERE dealer_id = 'vandijk'"
                                    " AND digest IN (sha256('",
                                    kNumber, "'), sha256('", kEmail, "'), sha256('K-778899'))")),
            3);

  // The claim-time path never offers them: not now, nor after the CRM reports a no-show.
  EXPECT_THAT(ClaimAll(), AllOf(Not(Contains(listed)), Not(Contains(followed)), Contains(other)));
  pb::ReportOutcomeRequest no_show = showed;
  no_show.set_idempotency_key("visit-2");
  no_show.set_kind(pb::FEEDBACK_KIND_NO_SHOW);
  no_show.set_notes("Anneke called: he is ill");
  ASSERT_THAT(Report(kCrmToken, no_show), IsOk());
  EXPECT_EQ(db_->Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ", listed)),
            0);

  // A later list does not bring them back, by number, address or customer number.
  pb::ImportListResponse imported;
  ASSERT_THAT(Import("voornaam;achternaam;telefoon;e-mail;klantnummer\n"
                     "Jürgen;de Vries;06 4123 4567;;\n"
                     "J.;de Vries;;JURGEN.DEVRIES@example.nl;\n"
                     "Jurgen;de Vries;06 1111 2222;;K-778899\n"
                     "Anna;Smit;06 9876 5432;anna@example.nl;\n",
                     &imported),
              IsOk());
  EXPECT_EQ(imported.imported(), 1);
  EXPECT_EQ(imported.rejected(), 3);
  EXPECT_THAT(imported.rejected_rows(), SizeIs(3));
  for (const pb::RejectedRow& r : imported.rejected_rows()) {
    EXPECT_EQ(r.reason(), store::kErasedReason) << r.line();
  }
  // Nor does their CRM: a new follow-up is refused, naming the field; the old one is the
  // erased lead.
  const int64_t leads = db_->Count("SELECT count(*) FROM leads");
  pb::SubmitFollowUpResponse again;
  EXPECT_THAT(
      intake_->SubmitFollowUp(Ctx(kCrmToken).get(), FollowUp("CRM-5000", "0641234567", ""), &again),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("follow_up.contact_routes[0]"), HasSubstr(store::kErasedReason))));
  EXPECT_THAT(
      intake_->SubmitFollowUp(Ctx(kCrmToken).get(), FollowUp("CRM-5001", "", kEmail), &again),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("follow_up.contact_routes[0]")));
  ASSERT_THAT(intake_->SubmitFollowUp(Ctx(kCrmToken).get(),
                                      FollowUp("CRM-4711", "+31 6 41234567", ""), &again),
              IsOk());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.lead_id(), followed);
  EXPECT_EQ(db_->Count("SELECT count(*) FROM leads"), leads);

  // No table holds anything of theirs, after all that. The other dealer's lead keeps the number.
  for (const std::string& needle : Needles()) {
    std::map<std::string, int64_t> expected;
    if (needle == kNumber) expected = {{"contact_routes", 1}, {"lead_schedule", 1}};
    EXPECT_EQ(Traces(needle), expected) << needle;
  }
  EXPECT_EQ(Text(absl::StrCat("SELECT first_name FROM leads WHERE id = ", other)),
            absl::StrCat("Klant1"));

  // The audit log says who erased how many, and never the value.
  const std::vector<pb::AuditEntry> audit = Audit("erased");
  ASSERT_THAT(audit, SizeIs(1));
  EXPECT_EQ(audit[0].principal(), "manager");
  EXPECT_EQ(audit[0].method(), "/secondvoice.v1.LeadService/ErasePerson");
  EXPECT_THAT(audit[0].detail(), HasSubstr("dealer vandijk: 2 leads erased by phone number"));
  EXPECT_THAT(audit[0].detail(), Not(HasSubstr("41234567")));
}

TEST_F(ErasureTest, OnlyManagersAdminsAndTheDealersOwnCrmMayEraseAndBadRequestsNameTheirField) {
  const int64_t lead = db_->Add("jansen", campaign_);
  pb::ErasePersonRequest req;
  req.set_dealer_id("jansen");
  req.set_lead_id(lead);
  pb::ErasePersonResponse resp;
  // The CRM of vandijk may not erase at jansen; an agent may not erase at all.
  EXPECT_THAT(Erase(kCrmToken, req, &resp), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Erase(kAgentToken, req, &resp), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(db_->Count("SELECT count(*) FROM leads WHERE erased_at IS NOT NULL"), 0);
  EXPECT_THAT(Audit("erased"), IsEmpty());

  pb::ErasePersonRequest bad;
  bad.set_dealer_id("jansen");
  EXPECT_THAT(Erase(kManagerToken, bad, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("person:")));
  bad.set_phone("0000000000");
  EXPECT_THAT(Erase(kManagerToken, bad, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("phone:")));
  bad.set_email("not an address");
  EXPECT_THAT(Erase(kManagerToken, bad, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("email:")));
  bad.set_lead_id(lead);
  bad.set_dealer_id("vandijk");  // the lead is jansen's
  EXPECT_THAT(Erase(kManagerToken, bad, &resp),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("lead_id:")));
  bad.set_dealer_id("");
  EXPECT_THAT(Erase(kManagerToken, bad, &resp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dealer_id")));

  // vandijk's CRM erases one of its own leads by id.
  const int64_t own = db_->Add("vandijk", campaign_, domain::LeadOrigin::kListImport,
                               domain::ConsentBasis::kOptIn, true);
  req.set_dealer_id("vandijk");
  req.set_lead_id(own);
  ASSERT_THAT(Erase(kCrmToken, req, &resp), IsOk());
  EXPECT_THAT(resp.lead_ids(), ElementsAre(own));
  EXPECT_EQ(Text(absl::StrCat("SELECT first_name || raw_value FROM leads l JOIN contact_routes r"
                              " ON r.lead_id = l.id WHERE l.id = ",
                              own, " LIMIT 1")),
            "");
  const std::vector<pb::AuditEntry> audit = Audit("erased");
  ASSERT_THAT(audit, SizeIs(1));
  EXPECT_EQ(audit[0].principal(), "crm:vandijk");
  EXPECT_THAT(audit[0].detail(), HasSubstr(absl::StrCat("1 lead erased by lead id (", own, ")")));
}

TEST_F(ErasureTest, RetentionErasesLeadsClosedLongerThanTheSettingAndNothingElse) {
  const int64_t old_closed = db_->Add("vandijk", campaign_);
  const int64_t young_closed = db_->Add("vandijk", campaign_);
  const int64_t old_open = db_->Add("jansen", campaign_);
  // Open too: a CRM follow-up waiting for a second-voice campaign is on no schedule yet.
  const int64_t old_waiting = db_->Add("vandijk", 0, domain::LeadOrigin::kCrmUnsold);
  Sql(absl::StrCat("DELETE FROM lead_schedule WHERE lead_id IN (", old_closed, ", ", young_closed,
                   ")"));
  Sql(absl::StrCat("UPDATE leads SET status = 'closed_not_interested' WHERE id IN (", old_closed,
                   ", ", young_closed, ")"));
  // The retention is an hour (see SetUp).
  Sql(absl::StrCat("UPDATE leads SET updated_at = now() - interval '2 hours' WHERE id IN (",
                   old_closed, ", ", old_open, ", ", old_waiting, ")"));
  Sql(absl::StrCat("UPDATE leads SET updated_at = now() - interval '50 minutes' WHERE id = ",
                   young_closed));
  const std::string old_number = db_->Number(old_closed);

  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (absl::Now() < until &&
         db_->Count("SELECT count(*) FROM leads WHERE erased_at IS NOT NULL") == 0) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::SleepFor(absl::Milliseconds(500));  // a few more sweeps: nothing else may go
  EXPECT_EQ(Text("SELECT string_agg(id::text, ',') FROM leads WHERE erased_at IS NOT NULL"),
            absl::StrCat(old_closed));
  EXPECT_EQ(Traces(old_number), (std::map<std::string, int64_t>{}));
  EXPECT_EQ(Text(absl::StrCat("SELECT first_name || status FROM leads WHERE id = ", old_closed)),
            "closed_not_interested");
  EXPECT_EQ(Text(absl::StrCat("SELECT first_name FROM leads WHERE id = ", young_closed)), "Klant2");
  EXPECT_EQ(
      db_->Count(absl::StrCat("SELECT count(*) FROM lead_schedule WHERE lead_id = ", old_open)), 1);
  // Not at the person's request: nothing keeps them out of a later list.
  EXPECT_EQ(db_->Count("SELECT count(*) FROM erased_people"), 0);
  const std::vector<pb::AuditEntry> audit = Audit("erased");
  ASSERT_THAT(audit, SizeIs(1));
  EXPECT_EQ(audit[0].principal(), "retention");
  EXPECT_THAT(audit[0].detail(), HasSubstr(absl::StrCat("dealer vandijk: 1 lead closed before")));
  EXPECT_THAT(audit[0].detail(), HasSubstr(absl::StrCat("(", old_closed, ")")));
}

}  // namespace
}  // namespace secondvoice
