// The funnel over real gRPC and PostgreSQL: a seeded simulated shift (predictive dialing, the
// simulated carrier and agents), then the CRM's feedback; the reported figures must be what a
// plain recount of the journey in the database gives (attempts, feedback, handovers), per dealer
// and per agent, with the targets the manager set. Bad requests name their field.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "secondvoice/v1/feedback.grpc.pb.h"
#include "secondvoice/v1/reports.grpc.pb.h"
#include "services/cli/sim_agents.h"
#include "tests/testing/scheduler_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/world.h"

namespace secondvoice {
namespace {

namespace pb = ::secondvoice::v1;
using ::secondvoice::testing::IsOk;
using ::secondvoice::testing::kAgentToken;
using ::secondvoice::testing::kCrmToken;
using ::secondvoice::testing::kManagerToken;
using ::secondvoice::testing::Leads;
using ::secondvoice::testing::SchedulerHarness;
using ::testing::HasSubstr;

// What a plain recount of the journey gives for one group: straight from attempts, feedback
// and handovers, without the funnel rows the triggers keep; speed to lead from when each lead
// became claimable, as noted before the shift (the schedule keeps it only while the lead is on
// it; the world is open around the clock, so every second counts).
struct Recount {
  int64_t leads = 0, dialogues = 0, appointments = 0, shows = 0, sales = 0;
  int64_t answered = 0, abandoned = 0, contacted = 0, calls_to_contact = 0;
  int64_t emailed_first = 0, delivered = 0;
  double speed_p50 = -1, speed_p90 = -1;
};

constexpr char kDialogue[] =
    "('dialogue_no_appointment', 'callback_requested', 'appointment_set', 'not_interested',"
    " 'objection')";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = secondvoice::testing::FreshDatabaseUrl();
    harness_ =
        SchedulerHarness::Start(url_, absl::Milliseconds(100), [this](scheduler::ServerOptions& o) {
          o.carrier.answer_rate = 0.5;
          o.carrier_seed = 20261124;
          o.funnel_compact_interval = compact_interval_;
        });
    secondvoice::testing::SetUpWorld(harness_->channel(), secondvoice::testing::kAdminToken,
                                     kManagerToken, &campaign_, nullptr,
                                     pb::DIALING_MODE_PREDICTIVE);
    leads_ = std::make_unique<Leads>(url_);
    for (int i = 0; i < 40; ++i) leads_->Add(i % 2 ? "vandijk" : "jansen", campaign_);
    ASSERT_THAT(leads_->conn()
                    .ExecOnce({"note",
                               "CREATE TABLE claimable AS"
                               " SELECT lead_id, claimable_at FROM lead_schedule"})
                    .status(),
                IsOk());
    start_ = absl::Now() - absl::Minutes(5);
  }

  pb::FunnelRequest Request(pb::FunnelGroupBy by) {
    pb::FunnelRequest req;
    req.mutable_period_start()->set_seconds(absl::ToUnixSeconds(start_));
    req.mutable_period_end()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Minutes(5)));
    req.set_group_by(by);
    return req;
  }

  grpc::Status Funnel(const pb::FunnelRequest& req, pb::FunnelReport* out,
                      const std::string& token = kManagerToken) {
    auto stub = pb::Reports::NewStub(harness_->channel());
    return stub->GetFunnel(SchedulerHarness::Context(token).get(), req, out);
  }

  // `key_sql` names the group of a lead `l` (e.g. "l.dealer_id").
  std::map<std::string, Recount> RecountBy(const std::string& key_sql) {
    const std::string sql = absl::StrCat(
        "WITH a AS (SELECT * FROM attempts WHERE outcome IS NOT NULL),"
        " fc AS (SELECT lead_id, min(started_at) AS at FROM a WHERE channel = 'phone'"
        "        GROUP BY lead_id),"
        " fd AS (SELECT lead_id, min(started_at) AS at FROM a WHERE channel = 'phone'"
        "        AND outcome IN ",
        kDialogue,
        " GROUP BY lead_id),"
        " first_dialogue_by AS (SELECT DISTINCT ON (a.lead_id) a.lead_id, a.by_whom FROM a"
        "        JOIN fd ON fd.lead_id = a.lead_id AND fd.at = a.started_at"
        "        WHERE a.channel = 'phone' AND a.outcome IN ",
        kDialogue,
        "        ORDER BY a.lead_id, a.id),"
        " per_lead AS (SELECT l.id,",
        key_sql,
        " AS key,"
        "   fd.at IS NOT NULL AS dialogue,"
        "   EXISTS (SELECT 1 FROM a WHERE a.lead_id = l.id AND a.outcome = 'appointment_set')"
        "     AS appointment,"
        "   EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id"
        "           AND f.kind IN ('showed', 'sold')) AS show,"
        "   EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id AND f.kind = 'sold') AS sale,"
        "   (SELECT count(*) FROM a WHERE a.lead_id = l.id AND a.channel = 'phone' AND a.outcome"
        "     IN ",
        kDialogue,
        " OR a.lead_id = l.id AND a.outcome IN ('wrong_number',"
        "     'abandoned', 'agent_lost')) AS answered,"
        "   (SELECT count(*) FROM a WHERE a.lead_id = l.id AND a.outcome = 'abandoned')"
        "     AS abandoned,"
        "   CASE WHEN fd.at IS NOT NULL THEN (SELECT count(*) FROM a WHERE a.lead_id = l.id"
        "     AND a.channel = 'phone' AND a.started_at <= fd.at) END AS calls_to_contact,"
        "   EXISTS (SELECT 1 FROM a WHERE a.lead_id = l.id AND a.channel <> 'phone'"
        "     AND a.started_at < coalesce(fc.at, 'infinity')) AS emailed_first,"
        "   EXISTS (SELECT 1 FROM handovers h WHERE h.lead_id = l.id AND h.state = 'delivered')"
        "     AS delivered,"
        "   extract(epoch FROM fc.at - s.claimable_at) AS speed"
        "  FROM leads l LEFT JOIN fc ON fc.lead_id = l.id LEFT JOIN fd ON fd.lead_id = l.id"
        "  LEFT JOIN first_dialogue_by b ON b.lead_id = l.id"
        "  LEFT JOIN claimable s ON s.lead_id = l.id)"
        " SELECT key, count(*), count(*) FILTER (WHERE dialogue),"
        "   count(*) FILTER (WHERE appointment), count(*) FILTER (WHERE show),"
        "   count(*) FILTER (WHERE sale), sum(answered), sum(abandoned),"
        "   count(calls_to_contact), coalesce(sum(calls_to_contact), 0),"
        "   count(*) FILTER (WHERE emailed_first), count(*) FILTER (WHERE delivered),"
        "   coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY speed), -1),"
        "   coalesce(percentile_disc(0.9) WITHIN GROUP (ORDER BY speed), -1)"
        " FROM per_lead GROUP BY key");
    auto rows = leads_->conn().ExecOnce({"recount", sql.c_str()});
    EXPECT_THAT(rows.status(), IsOk());
    std::map<std::string, Recount> out;
    if (!rows.ok()) return out;
    for (int i = 0; i < rows->rows(); ++i) {
      Recount& r = out[rows->GetString(i, 0)];
      r.leads = rows->GetInt64(i, 1);
      r.dialogues = rows->GetInt64(i, 2);
      r.appointments = rows->GetInt64(i, 3);
      r.shows = rows->GetInt64(i, 4);
      r.sales = rows->GetInt64(i, 5);
      r.answered = rows->GetInt64(i, 6);
      r.abandoned = rows->GetInt64(i, 7);
      r.contacted = rows->GetInt64(i, 8);
      r.calls_to_contact = rows->GetInt64(i, 9);
      r.emailed_first = rows->GetInt64(i, 10);
      r.delivered = rows->GetInt64(i, 11);
      r.speed_p50 = rows->GetDouble(i, 12);
      r.speed_p90 = rows->GetDouble(i, 13);
    }
    return out;
  }

  static double Seconds(const google::protobuf::Duration& d) {
    return static_cast<double>(d.seconds()) + d.nanos() / 1e9;
  }

  static void ExpectMatches(const pb::FunnelRow& row, const Recount& r) {
    SCOPED_TRACE(absl::StrCat("group '", row.group_key(), "'"));
    EXPECT_EQ(row.leads(), r.leads);
    EXPECT_EQ(row.dialogues(), r.dialogues);
    EXPECT_EQ(row.appointments(), r.appointments);
    EXPECT_EQ(row.shows(), r.shows);
    EXPECT_EQ(row.sales(), r.sales);
    EXPECT_EQ(row.emails_before_first_call(), r.emailed_first);
    EXPECT_EQ(row.handovers_delivered(), r.delivered);
    if (r.answered > 0) {
      EXPECT_NEAR(row.abandon_rate_percent(), 100.0 * r.abandoned / r.answered, 1e-9);
    }
    if (r.contacted > 0) {
      EXPECT_NEAR(row.attempts_per_lead_before_contact(),
                  static_cast<double>(r.calls_to_contact) / r.contacted, 1e-9);
    }
    if (r.speed_p50 >= 0) {
      EXPECT_NEAR(Seconds(row.speed_to_lead_p50()), r.speed_p50, 0.002);
      EXPECT_NEAR(Seconds(row.speed_to_lead_p90()), r.speed_p90, 0.002);
    } else {
      EXPECT_FALSE(row.has_speed_to_lead_p50());
    }
    ASSERT_EQ(row.steps_size(), 4);
    EXPECT_EQ(row.steps(0).step(), pb::FUNNEL_STEP_DIALOGUE);
    EXPECT_EQ(row.steps(3).step(), pb::FUNNEL_STEP_SALE);
    EXPECT_EQ(row.steps(1).count(), r.appointments);
    if (r.leads > 0) {
      EXPECT_NEAR(row.steps(0).percent_of_leads(), 100.0 * r.dialogues / r.leads, 1e-9);
    }
    if (r.dialogues > 0) {
      EXPECT_NEAR(row.steps(1).conversion_percent(), 100.0 * r.appointments / r.dialogues, 1e-9);
    }
  }

  void Feedback(int64_t lead, pb::FeedbackKind kind, const std::string& key) {
    auto stub = pb::Feedback::NewStub(harness_->channel());
    pb::ReportOutcomeRequest req;
    req.set_idempotency_key(key);
    req.set_dealer_id("vandijk");
    req.set_lead_id(lead);
    req.set_kind(kind);
    req.mutable_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    pb::ReportOutcomeResponse out;
    grpc::Status s = stub->ReportOutcome(SchedulerHarness::Context(kCrmToken).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  absl::Duration compact_interval_ = absl::Seconds(1);
  std::string url_;
  std::unique_ptr<SchedulerHarness> harness_;
  std::unique_ptr<Leads> leads_;
  int64_t campaign_ = 0;
  absl::Time start_;
};

TEST_F(ReportTest, TheFunnelOfASimulatedShiftIsWhatTheJourneyRecorded) {
  // The manager asks more of vandijk's list leads than the defaults do.
  {
    auto stub = pb::Reports::NewStub(harness_->channel());
    pb::SetTargetsRequest req;
    req.set_dealer_id("vandijk");
    pb::FunnelTargets* t = req.add_targets();
    t->set_category(pb::LEAD_CATEGORY_PASSIVE_LIST);
    t->set_dialogue_percent(70);
    t->set_appointment_percent(40);
    t->set_show_percent(25);
    t->set_sale_percent(15);
    pb::GetTargetsResponse out;
    ASSERT_TRUE(stub->SetTargets(SchedulerHarness::Context(kManagerToken).get(), req, &out).ok());
    EXPECT_FALSE(out.inherited());
  }
  cli::SimAgentsOptions o;
  o.queue_id = "bdc-nl";
  o.count = 3;
  o.run_for = absl::Seconds(8);
  o.wrap = absl::Milliseconds(200);
  o.token = kAgentToken;
  o.seed = 11;
  absl::StatusOr<cli::SimAgentsResult> shift = cli::RunSimulatedAgents(harness_->channel(), o);
  ASSERT_THAT(shift.status(), IsOk());
  ASSERT_GT(shift->appointments, 1) << "the seeded shift should set appointments";
  // The dealer's CRM reports a visit and a sale (a sale is a visit too).
  auto handed = leads_->conn().ExecOnce(
      {"handed",
       "SELECT id FROM leads WHERE dealer_id = 'vandijk' AND status = 'handed_over'"
       " ORDER BY id"});
  ASSERT_THAT(handed.status(), IsOk());
  if (handed->rows() >= 1) Feedback(handed->GetInt64(0, 0), pb::FEEDBACK_KIND_SHOWED, "v-1");
  if (handed->rows() >= 2) Feedback(handed->GetInt64(1, 0), pb::FEEDBACK_KIND_SOLD, "s-1");

  pb::FunnelReport by_dealer;
  ASSERT_TRUE(Funnel(Request(pb::FUNNEL_GROUP_BY_DEALER), &by_dealer).ok());
  const std::map<std::string, Recount> dealers = RecountBy("l.dealer_id");
  ASSERT_EQ(by_dealer.rows_size(), 2);
  for (const pb::FunnelRow& row : by_dealer.rows()) {
    ASSERT_TRUE(dealers.count(row.group_key())) << row.group_key();
    ExpectMatches(row, dealers.at(row.group_key()));
    EXPECT_FALSE(row.group_label().empty());  // the dealer's name
  }
  EXPECT_EQ(by_dealer.totals().leads(), 40);
  const Recount all = RecountBy("''")[""];
  ExpectMatches(by_dealer.totals(), all);
  EXPECT_GT(all.dialogues, 0);
  EXPECT_GT(all.speed_p50, 0);
  if (handed->rows() >= 2) {
    EXPECT_EQ(dealers.at("vandijk").shows, 2);
    EXPECT_EQ(dealers.at("vandijk").sales, 1);
  }

  // Targets: vandijk's own (70% dialogue) and jansen's defaults (60%), each on its leads.
  for (const pb::FunnelRow& row : by_dealer.rows()) {
    const double want = row.group_key() == "vandijk" ? 70 : 60;
    EXPECT_NEAR(row.steps(0).target_percent(), want, 1e-9);
    EXPECT_EQ(row.steps(0).target_count(), std::llround(row.leads() * want / 100));
    EXPECT_EQ(row.steps(0).shortfall(),
              std::max<int64_t>(0, row.steps(0).target_count() - row.dialogues()));
  }
  EXPECT_NEAR(by_dealer.totals().steps(0).target_percent(), 65, 1e-9);  // 20 + 20 leads
  // Every shortfall is a step of a row (or the totals) below its target, largest first.
  int64_t previous = INT64_MAX;
  for (const pb::StepShortfall& s : by_dealer.shortfalls()) {
    EXPECT_GT(s.shortfall(), 0);
    EXPECT_LE(s.shortfall(), previous);
    previous = s.shortfall();
    EXPECT_EQ(s.shortfall(), s.target_count() - s.actual_count());
  }

  // Per agent: the agent of each lead's first dialogue; the talk share is the agents' own.
  pb::FunnelReport by_agent;
  ASSERT_TRUE(Funnel(Request(pb::FUNNEL_GROUP_BY_AGENT), &by_agent).ok());
  const std::map<std::string, Recount> agents = RecountBy("coalesce(b.by_whom, '')");
  EXPECT_EQ(static_cast<size_t>(by_agent.rows_size()), agents.size());
  for (const pb::FunnelRow& row : by_agent.rows()) {
    ASSERT_TRUE(agents.count(row.group_key())) << row.group_key();
    ExpectMatches(row, agents.at(row.group_key()));
    if (!row.group_key().empty()) {
      EXPECT_GT(row.agent_talk_share_percent(), 0) << row.group_key();
      EXPECT_LE(row.agent_talk_share_percent(), 100) << row.group_key();
    }
  }
  EXPECT_GT(by_agent.totals().agent_talk_share_percent(), 0);
  // The leads nobody talked to yet are a group with an empty key, told apart from the totals,
  // and no agent to coach: not among the leaks.
  EXPECT_TRUE(agents.count(""));
  for (const pb::StepShortfall& s : by_agent.shortfalls()) {
    EXPECT_TRUE(s.totals() || !s.group_key().empty()) << s.ShortDebugString();
    const pb::FunnelRow* row = s.totals() ? &by_agent.totals() : nullptr;
    for (const pb::FunnelRow& r : by_agent.rows()) {
      if (!s.totals() && r.group_key() == s.group_key()) row = &r;
    }
    ASSERT_NE(row, nullptr) << s.group_key();
    EXPECT_EQ(row->steps(s.step() - pb::FUNNEL_STEP_DIALOGUE).shortfall(), s.shortfall())
        << (s.totals() ? "totals" : s.group_key());
  }
  EXPECT_EQ(leads_->Count("SELECT count(*) FROM agent_shifts"), 3);

  // Filters: one dealer's report is that dealer's row.
  pb::FunnelRequest one = Request(pb::FUNNEL_GROUP_BY_UNSPECIFIED);
  one.add_dealer_ids("jansen");
  pb::FunnelReport jansen;
  ASSERT_TRUE(Funnel(one, &jansen).ok());
  EXPECT_EQ(jansen.rows_size(), 0);
  ExpectMatches(jansen.totals(), dealers.at("jansen"));

  // A period before anything arrived: zeros, no rates, no shortfalls.
  pb::FunnelRequest empty = Request(pb::FUNNEL_GROUP_BY_DAY);
  empty.mutable_period_start()->set_seconds(absl::ToUnixSeconds(start_ - absl::Hours(48)));
  empty.mutable_period_end()->set_seconds(absl::ToUnixSeconds(start_ - absl::Hours(24)));
  pb::FunnelReport none;
  ASSERT_TRUE(Funnel(empty, &none).ok());
  EXPECT_EQ(none.rows_size(), 0);
  EXPECT_EQ(none.totals().leads(), 0);
  EXPECT_EQ(none.shortfalls_size(), 0);
  EXPECT_FALSE(none.totals().has_speed_to_lead_p50());

  // The daemon folds the shift's funnel changes into the daily figures by itself.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (leads_->Count("SELECT count(*) FROM funnel_changes") > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(leads_->Count("SELECT count(*) FROM funnel_changes"), 0);
  EXPECT_EQ(leads_->Count("SELECT coalesce(sum(leads), 0) FROM funnel_daily"), 40);
}

// Whole days are read from the daily figures plus the changes not folded into them yet, the
// ragged ends of a period and the agent and time groupings from the leads' own rows. Both must
// say the same, folded or not, also after a lead's speed, campaign or status changed.
class ReportDaysTest : public ReportTest {
 protected:
  ReportDaysTest() { compact_interval_ = absl::InfiniteDuration(); }  // the test folds

  void Exec(const std::string& sql) {
    ASSERT_THAT(leads_->conn().ExecOnce({"days", sql.c_str()}).status(), IsOk()) << sql;
  }

  pb::FunnelReport Report(pb::FunnelGroupBy by, const std::string& dealer = "",
                          pb::LeadCategory category = pb::LEAD_CATEGORY_UNSPECIFIED) {
    pb::FunnelRequest req = Request(by);
    req.mutable_period_start()->set_seconds(absl::ToUnixSeconds(from_));
    req.mutable_period_end()->set_seconds(absl::ToUnixSeconds(to_));
    req.set_time_zone("UTC");
    if (!dealer.empty()) req.add_dealer_ids(dealer);
    if (category != pb::LEAD_CATEGORY_UNSPECIFIED) req.add_categories(category);
    pb::FunnelReport out;
    grpc::Status s = Funnel(req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A row without what names it, and without the agents' talk share (on totals only).
  static pb::FunnelRow Figures(pb::FunnelRow row) {
    row.clear_group_key();
    row.clear_group_label();
    row.clear_agent_talk_share_percent();
    return row;
  }

  static void ExpectSame(const pb::FunnelRow& by_days, const pb::FunnelRow& by_leads) {
    std::string diff;
    google::protobuf::util::MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(Figures(by_leads), Figures(by_days)))
        << by_days.group_key() << ": " << diff;
  }

  // Each way of reading the period against the leads' rows: by dealer and by category (days)
  // against each one's leads grouped by day (leads), the totals against the totals.
  void ExpectDaysMatchLeads(const std::string& when) {
    SCOPED_TRACE(when);
    const pb::FunnelReport by_leads = Report(pb::FUNNEL_GROUP_BY_DAY);
    EXPECT_EQ(
        by_leads.totals().leads(),
        leads_->Count(absl::StrCat("SELECT count(*) FROM leads WHERE created_at >= to_timestamp(",
                                   absl::ToUnixSeconds(from_), ") AND created_at < to_timestamp(",
                                   absl::ToUnixSeconds(to_), ")")));
    EXPECT_GE(by_leads.rows_size(), 5);  // days
    const pb::FunnelReport by_dealer = Report(pb::FUNNEL_GROUP_BY_DEALER);
    ExpectSame(by_dealer.totals(), by_leads.totals());
    ExpectSame(Report(pb::FUNNEL_GROUP_BY_UNSPECIFIED).totals(), by_leads.totals());
    ASSERT_EQ(by_dealer.rows_size(), 2);
    for (const pb::FunnelRow& row : by_dealer.rows()) {
      ExpectSame(row, Report(pb::FUNNEL_GROUP_BY_DAY, row.group_key()).totals());
    }
    const pb::FunnelReport by_category = Report(pb::FUNNEL_GROUP_BY_CATEGORY);
    ASSERT_EQ(by_category.rows_size(), 2);
    for (const pb::FunnelRow& row : by_category.rows()) {
      const pb::LeadCategory c = row.group_key() == "used_car_online"
                                     ? pb::LEAD_CATEGORY_USED_CAR_ONLINE
                                     : pb::LEAD_CATEGORY_PASSIVE_LIST;
      ExpectSame(row, Report(pb::FUNNEL_GROUP_BY_DAY, "", c).totals());
    }
    EXPECT_GT(by_dealer.totals().dialogues(), 0);
    EXPECT_GT(by_dealer.totals().sales(), 0);
    EXPECT_GT(by_dealer.totals().handovers_delivered(), 0);
    EXPECT_TRUE(by_dealer.totals().has_speed_to_lead_p90());
  }

  absl::Time from_, to_;
};

TEST_F(ReportDaysTest, WholeDaysSayWhatTheLeadsSayFoldedOrNot) {
  // 400 leads arriving every 17 minutes over the last 5 days, some not in a campaign yet; calls
  // (dialogues, appointments, abandons), e-mails first for some, handovers and a CRM's visits
  // and sales, all from a hash of the lead id.
  const std::string first = "(SELECT min(id) FROM leads WHERE first_name = 'Dag')";
  Exec(absl::StrCat(
      "INSERT INTO leads (dealer_id, campaign_id, kind, origin, category, first_name, status,"
      " created_at) SELECT CASE WHEN g % 2 = 0 THEN 'vandijk' ELSE 'jansen' END,"
      " CASE WHEN g % 5 = 0 THEN NULL ELSE ",
      campaign_,
      " END,"
      " CASE WHEN g % 3 = 0 THEN 'active' ELSE 'passive' END,"
      " CASE WHEN g % 3 = 0 THEN 'crm_unsold' ELSE 'list_import' END,"
      " CASE WHEN g % 3 = 0 THEN 'used_car_online' ELSE 'passive_list' END,"
      " 'Dag', 'in_progress', now() - interval '5 days' + g * interval '17 minutes'"
      " FROM generate_series(1, 400) g"));
  const std::string h = "((l.id * 2654435761) % 4294967296)";
  Exec(absl::StrCat(
      "INSERT INTO attempts (lead_id, campaign_id, channel, by_whom, started_at, ended_at,"
      " outcome) SELECT l.id, l.campaign_id, 'phone', 'agent-' || (",
      h,
      " % 4),"
      " l.created_at + (",
      h,
      " % 3000) * interval '1 second' + k * interval '3 hours',"
      " l.created_at + (",
      h,
      " % 3000) * interval '1 second' + k * interval '3 hours',"
      " CASE WHEN k = 1 + ",
      h, " % 4 AND ", h,
      " % 7 < 2 THEN 'appointment_set'"
      "   WHEN k = 1 + ",
      h, " % 4 AND ", h,
      " % 7 < 4 THEN 'dialogue_no_appointment'"
      "   WHEN (",
      h,
      " / (k + 3)) % 10 = 0 THEN 'abandoned' ELSE 'no_answer' END"
      " FROM leads l, generate_series(1, 4) k"
      " WHERE l.first_name = 'Dag' AND k <= 1 + ",
      h,
      " % 4"
      "   AND l.created_at + k * interval '3 hours' < now()"));
  Exec(absl::StrCat(
      "INSERT INTO attempts (lead_id, campaign_id, channel, by_whom, started_at, ended_at,"
      " outcome) SELECT l.id, l.campaign_id, 'email', 'agent-1', l.created_at + interval '1 s',"
      " l.created_at + interval '1 s', 'email_sent' FROM leads l"
      " WHERE l.first_name = 'Dag' AND ",
      h, " % 11 = 0"));
  Exec(
      "INSERT INTO handovers (lead_id, dealer_id) SELECT l.id, l.dealer_id FROM leads l"
      " WHERE l.first_name = 'Dag' AND EXISTS (SELECT 1 FROM attempts a WHERE a.lead_id = l.id"
      " AND a.outcome = 'appointment_set')");
  Exec(
      "UPDATE handovers SET state = 'delivered', delivered_at = now() WHERE lead_id IN"
      " (SELECT id FROM leads WHERE first_name = 'Dag')");
  Exec(
      absl::StrCat("INSERT INTO feedback (dealer_id, idempotency_key, lead_id, kind, at)"
                   " SELECT h.dealer_id, 'dag-' || h.lead_id, h.lead_id,"
                   " CASE WHEN h.lead_id % 3 = 0 THEN 'sold' ELSE 'showed' END, now()"
                   " FROM handovers h WHERE h.lead_id % 4 <> 1 AND h.lead_id >= ",
                   first));
  // A period with ragged ends: from mid-morning five days ago to an hour from now.
  from_ = absl::Now() - absl::Hours(24 * 5 + 2) - absl::Minutes(13);
  to_ = absl::Now() + absl::Hours(1);
  ASSERT_GT(leads_->Count("SELECT count(*) FROM funnel_changes"), 0);
  ASSERT_EQ(leads_->Count("SELECT count(*) FROM funnel_daily"), 0);
  ExpectDaysMatchLeads("nothing folded yet");

  ASSERT_THAT(leads_->conn().ExecOnce({"fold", "SELECT funnel_compact()"}).status(), IsOk());
  EXPECT_EQ(leads_->Count("SELECT count(*) FROM funnel_changes"), 0);
  EXPECT_GT(leads_->Count("SELECT count(*) FROM funnel_daily"), 10);
  ExpectDaysMatchLeads("all folded");

  // Then: the scheduler's speed in opening hours replaces the wall-clock one, leads join the
  // campaign, some are closed not-reached, more sales; the daily figures hold the old values.
  Exec("UPDATE lead_funnel SET speed_s = speed_s / 3 WHERE lead_id % 3 = 0 AND speed_s > 0");
  Exec(absl::StrCat("UPDATE leads SET campaign_id = ", campaign_,
                    " WHERE first_name = 'Dag' AND campaign_id IS NULL"));
  Exec(
      "UPDATE leads SET status = 'closed_not_reached' WHERE first_name = 'Dag' AND id % 7 = 3"
      " AND NOT EXISTS (SELECT 1 FROM handovers h WHERE h.lead_id = leads.id)");
  Exec(
      "INSERT INTO feedback (dealer_id, idempotency_key, lead_id, kind, at)"
      " SELECT h.dealer_id, 'dag2-' || h.lead_id, h.lead_id, 'sold', now()"
      " FROM handovers h WHERE h.lead_id % 4 = 1");
  EXPECT_GT(leads_->Count("SELECT count(*) FROM funnel_changes WHERE speeds_removed <> '{}'"), 0);
  ExpectDaysMatchLeads("some folded, some not");
  // Every lead is in the campaign now: the day rows of "no campaign" are empty, and no group.
  const pb::FunnelReport campaigns = Report(pb::FUNNEL_GROUP_BY_CAMPAIGN);
  ASSERT_EQ(campaigns.rows_size(), 1);
  EXPECT_EQ(campaigns.rows(0).group_key(), absl::StrCat(campaign_));
  ExpectSame(campaigns.rows(0), campaigns.totals());
  EXPECT_GT(campaigns.totals().closed_not_reached(), 0);

  ASSERT_THAT(leads_->conn().ExecOnce({"fold", "SELECT funnel_compact()"}).status(), IsOk());
  ExpectDaysMatchLeads("folded again");
  // Folding changes nothing a report says.
  ExpectSame(Report(pb::FUNNEL_GROUP_BY_CAMPAIGN).totals(), campaigns.totals());
}

TEST_F(ReportTest, BadRequestsNameTheirFieldAndCrmsMayNotReadTheFunnel) {
  pb::FunnelReport out;
  pb::FunnelRequest backwards = Request(pb::FUNNEL_GROUP_BY_DEALER);
  backwards.mutable_period_end()->set_seconds(backwards.period_start().seconds() - 1);
  grpc::Status s = Funnel(backwards, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("period_end"));

  pb::FunnelRequest zone = Request(pb::FUNNEL_GROUP_BY_WEEK);
  zone.set_time_zone("Mars/Olympus");
  s = Funnel(zone, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("time_zone"));

  pb::FunnelRequest no_start;
  no_start.mutable_period_end()->set_seconds(100);
  s = Funnel(no_start, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("period_start"));

  s = Funnel(Request(pb::FUNNEL_GROUP_BY_DEALER), &out, kCrmToken);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  auto stub = pb::Reports::NewStub(harness_->channel());
  pb::SetTargetsRequest widening;
  widening.set_dealer_id("jansen");
  pb::FunnelTargets* t = widening.add_targets();
  t->set_category(pb::LEAD_CATEGORY_PHONE);
  t->set_dialogue_percent(50);
  t->set_appointment_percent(60);
  pb::GetTargetsResponse targets;
  s = stub->SetTargets(SchedulerHarness::Context(kManagerToken).get(), widening, &targets);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("targets[0].appointment_percent"));

  pb::GetTargetsRequest get;
  get.set_dealer_id("nobody");
  s = stub->GetTargets(SchedulerHarness::Context(kManagerToken).get(), get, &targets);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  get.set_dealer_id("jansen");
  ASSERT_TRUE(stub->GetTargets(SchedulerHarness::Context(kManagerToken).get(), get, &targets).ok());
  EXPECT_TRUE(targets.inherited());
  ASSERT_EQ(targets.targets_size(), 5);
  for (const pb::FunnelTargets& c : targets.targets()) {
    if (c.category() == pb::LEAD_CATEGORY_NEW_CAR_ONLINE) {
      EXPECT_EQ(c.dialogue_percent(), 60);
      EXPECT_EQ(c.appointment_percent(), 36);
      EXPECT_EQ(c.show_percent(), 22);
      EXPECT_EQ(c.sale_percent(), 13);
    }
  }
}

}  // namespace
}  // namespace secondvoice
