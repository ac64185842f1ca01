// Reports: the funnel of a cohort of leads against its targets, per dealer, campaign, agent,
// origin, category or period, with where it leaks; and the targets themselves.
#include <cmath>

#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/funnel/funnel.h"
#include "libs/store/dealers.h"
#include "libs/store/reports.h"
#include "services/scheduler/convert.h"
#include "services/scheduler/services.h"

namespace secondvoice::scheduler {
namespace {

constexpr size_t kMaxShortfalls = 50;
// A quarter is what importers look at; a year bounds what one call may scan.
constexpr absl::Duration kMaxPeriod = absl::Hours(24 * 400);

absl::string_view GroupName(v1::FunnelGroupBy g) {
  switch (g) {
    case v1::FUNNEL_GROUP_BY_DEALER:
      return "dealer";
    case v1::FUNNEL_GROUP_BY_CAMPAIGN:
      return "campaign";
    case v1::FUNNEL_GROUP_BY_AGENT:
      return "agent";
    case v1::FUNNEL_GROUP_BY_ORIGIN:
      return "origin";
    case v1::FUNNEL_GROUP_BY_DAY:
      return "day";
    case v1::FUNNEL_GROUP_BY_WEEK:
      return "week";
    case v1::FUNNEL_GROUP_BY_MONTH:
      return "month";
    case v1::FUNNEL_GROUP_BY_CATEGORY:
      return "category";
    default:
      return "";
  }
}

absl::StatusOr<store::FunnelQuery> QueryOf(const v1::FunnelRequest& req, const auth::Principal& p) {
  store::FunnelQuery q;
  const std::optional<absl::Time> from = FromProto(req.period_start());
  const std::optional<absl::Time> to = FromProto(req.period_end());
  if (!req.has_period_start() || !from) return absl::InvalidArgumentError("period_start: required");
  if (!req.has_period_end() || !to) return absl::InvalidArgumentError("period_end: required");
  if (*to <= *from) return absl::InvalidArgumentError("period_end: must be after period_start");
  if (*to - *from > kMaxPeriod) {
    return absl::InvalidArgumentError("period_end: at most 400 days after period_start");
  }
  q.from = *from;
  q.to = *to;
  for (const std::string& d : req.dealer_ids()) {
    RETURN_IF_ERROR(domain::ValidateSlug("dealer_ids", d));
    RETURN_IF_ERROR(auth::CheckDealerAccess(p, d));
    q.dealers.push_back(d);
  }
  for (int64_t c : req.campaign_ids()) {
    if (c <= 0) return absl::InvalidArgumentError("campaign_ids: must be above 0");
    q.campaigns.push_back(c);
  }
  q.agents.assign(req.agent_logins().begin(), req.agent_logins().end());
  for (int o : req.origins()) {
    const std::optional<domain::LeadOrigin> origin =
        Dom(static_cast<v1::LeadOrigin>(o), domain::LeadOrigin::kCrmProposalPending);
    if (!origin) return absl::InvalidArgumentError("origins: not a known origin");
    q.origins.emplace_back(domain::Name(*origin));
  }
  if (req.kind() != v1::LEAD_KIND_UNSPECIFIED) {
    const std::optional<domain::LeadKind> kind = Dom(req.kind(), domain::LeadKind::kPassive);
    if (!kind) return absl::InvalidArgumentError("kind: not a known kind");
    q.kind = std::string(domain::Name(*kind));
  }
  for (int c : req.categories()) {
    const std::optional<funnel::Category> category =
        Dom(static_cast<v1::LeadCategory>(c), funnel::Category::kPassiveList);
    if (!category) return absl::InvalidArgumentError("categories: not a known category");
    q.categories.emplace_back(funnel::Name(*category));
  }
  q.group = std::string(GroupName(req.group_by()));
  if (q.group.empty() && req.group_by() != v1::FUNNEL_GROUP_BY_UNSPECIFIED) {
    return absl::InvalidArgumentError("group_by: not a known grouping");
  }
  if (!req.time_zone().empty()) {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(req.time_zone(), &tz)) {
      return absl::InvalidArgumentError(
          absl::StrCat("time_zone: \"", req.time_zone(), "\" is not an IANA time zone"));
    }
    q.time_zone = req.time_zone();
  }
  return q;
}

void ToProto(const store::FunnelFigures& f, const store::AgentTime* time, v1::FunnelRow* row) {
  row->set_group_key(f.key);
  row->set_group_label(f.label);
  row->set_leads(f.counts.leads);
  row->set_dialogues(f.counts[funnel::Step::kDialogue]);
  row->set_appointments(f.counts[funnel::Step::kAppointment]);
  row->set_shows(f.counts[funnel::Step::kShow]);
  row->set_sales(f.counts[funnel::Step::kSale]);
  for (const funnel::StepResult& r : funnel::Evaluate(f.counts)) {
    v1::FunnelStepResult* s = row->add_steps();
    s->set_step(static_cast<v1::FunnelStep>(static_cast<int>(r.step) + v1::FUNNEL_STEP_DIALOGUE));
    s->set_count(r.count);
    s->set_percent_of_leads(r.percent_of_leads);
    s->set_conversion_percent(r.conversion_percent);
    s->set_target_percent(r.target_percent);
    s->set_target_count(r.target_count);
    s->set_shortfall(r.shortfall);
  }
  auto duration = [](double seconds, google::protobuf::Duration* out) {
    const int64_t ms = std::llround(seconds * 1000);
    out->set_seconds(ms / 1000);
    out->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  };
  if (f.speed_p50_s) duration(*f.speed_p50_s, row->mutable_speed_to_lead_p50());
  if (f.speed_p90_s) duration(*f.speed_p90_s, row->mutable_speed_to_lead_p90());
  if (f.contacted > 0) {
    row->set_attempts_per_lead_before_contact(static_cast<double>(f.calls_to_contact) /
                                              static_cast<double>(f.contacted));
  }
  row->set_closed_not_reached(f.closed_not_reached);
  row->set_closed_not_reached_cadence_complete(f.closed_not_reached_cadence_complete);
  row->set_emails_before_first_call(f.messaged_before_call);
  if (f.answered > 0) {
    row->set_abandon_rate_percent(100.0 * static_cast<double>(f.abandoned) /
                                  static_cast<double>(f.answered));
  }
  if (time != nullptr && time->logged_in_s > 0) {
    row->set_agent_talk_share_percent(100.0 * time->talk_s / time->logged_in_s);
  }
  row->set_handovers_delivered(f.handovers_delivered);
  row->set_handovers_showed(f.handovers_showed);
  row->set_handovers_sold(f.handovers_sold);
}

absl::StatusOr<funnel::Targets> TargetsFromProto(const v1::FunnelTargets& t, int i) {
  funnel::Targets out;
  const double values[] = {t.dialogue_percent(), t.appointment_percent(), t.show_percent(),
                           t.sale_percent()};
  const char* names[] = {"dialogue_percent", "appointment_percent", "show_percent", "sale_percent"};
  for (int s = 0; s < 4; ++s) {
    if (!std::isfinite(values[s]) || values[s] < 0 || values[s] > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("targets[", i, "].", names[s], ": must be between 0 and 100"));
    }
    if (s > 0 && values[s] > values[s - 1]) {
      return absl::InvalidArgumentError(absl::StrCat("targets[", i, "].", names[s],
                                                     ": above the step before (a funnel only "
                                                     "narrows)"));
    }
    out.percent[s] = values[s];
  }
  return out;
}

void ToProto(const store::TargetSet& set, absl::string_view dealer_id, v1::GetTargetsResponse* r) {
  r->set_dealer_id(std::string(dealer_id));
  r->set_inherited(set.inherited);
  for (const auto& [category, t] : set.targets) {
    v1::FunnelTargets* p = r->add_targets();
    p->set_category(static_cast<v1::LeadCategory>(static_cast<int>(category) + 1));
    p->set_dialogue_percent(t.percent[0]);
    p->set_appointment_percent(t.percent[1]);
    p->set_show_percent(t.percent[2]);
    p->set_sale_percent(t.percent[3]);
  }
}

absl::Status CheckDealer(store::PgConn& conn, const auth::Principal& p, const std::string& id) {
  if (id.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", id));
  RETURN_IF_ERROR(auth::CheckDealerAccess(p, id));
  return store::GetDealer(conn, id).status();
}

}  // namespace

ServerUnaryReactor* ReportsServiceImpl::GetFunnel(CallbackServerContext* ctx,
                                                  const v1::FunnelRequest* req,
                                                  v1::FunnelReport* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.Reports/GetFunnel",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 ASSIGN_OR_RETURN(const store::FunnelQuery q, QueryOf(*req, p));
                 std::vector<store::FunnelFigures> figures;
                 std::vector<store::AgentTime> times;
                 RETURN_IF_ERROR(store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(figures, store::Funnel(conn, q));
                       ASSIGN_OR_RETURN(times, store::AgentTimes(conn, q.from, q.to, q.agents));
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly));
                 // Talk share is the agents': on the totals, and on each agent's row.
                 auto time_of = [&](const store::FunnelFigures& f) -> const store::AgentTime* {
                   if (!f.totals && q.group != "agent") return nullptr;
                   for (const store::AgentTime& t : times) {
                     if (t.agent == (f.totals ? "" : f.key)) return &t;
                   }
                   return nullptr;
                 };
                 *resp->mutable_request() = *req;
                 std::vector<funnel::Counts> counts;
                 for (const store::FunnelFigures& f : figures) {
                   ToProto(f, time_of(f), f.totals ? resp->mutable_totals() : resp->add_rows());
                   // Leads nobody has talked to yet are no agent to coach: by agent, their
                   // group is no leak (the totals still count them).
                   const bool nobody = q.group == "agent" && !f.totals && f.key.empty();
                   counts.push_back(nobody ? funnel::Counts{} : f.counts);
                 }
                 for (const funnel::Leak& leak : funnel::Leaks(counts, kMaxShortfalls)) {
                   v1::StepShortfall* s = resp->add_shortfalls();
                   s->set_group_key(figures[leak.row].key);
                   s->set_totals(figures[leak.row].totals);
                   s->set_step(static_cast<v1::FunnelStep>(static_cast<int>(leak.step.step) +
                                                           v1::FUNNEL_STEP_DIALOGUE));
                   s->set_target_count(leak.step.target_count);
                   s->set_actual_count(leak.step.count);
                   s->set_shortfall(leak.step.shortfall);
                   s->set_conversion_percent(leak.step.conversion_percent);
                   s->set_target_conversion_percent(leak.step.target_conversion_percent);
                 }
                 ToProto(absl::Now(), resp->mutable_generated_at());
                 return absl::OkStatus();
               });
}

ServerUnaryReactor* ReportsServiceImpl::GetTargets(CallbackServerContext* ctx,
                                                   const v1::GetTargetsRequest* req,
                                                   v1::GetTargetsResponse* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.Reports/GetTargets",
               [this, req, resp](const auth::Principal& p) -> absl::Status {
                 return store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       RETURN_IF_ERROR(CheckDealer(conn, p, req->dealer_id()));
                       ASSIGN_OR_RETURN(const store::TargetSet set,
                                        store::GetTargets(conn, req->dealer_id()));
                       ToProto(set, req->dealer_id(), resp);
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly);
               });
}

ServerUnaryReactor* ReportsServiceImpl::SetTargets(CallbackServerContext* ctx,
                                                   const v1::SetTargetsRequest* req,
                                                   v1::GetTargetsResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.Reports/SetTargets",
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        if (req->targets().empty()) return absl::InvalidArgumentError("targets: at least one");
        std::vector<std::pair<funnel::Category, funnel::Targets>> targets;
        for (int i = 0; i < req->targets_size(); ++i) {
          const v1::FunnelTargets& t = req->targets(i);
          const std::optional<funnel::Category> c =
              Dom(t.category(), funnel::Category::kPassiveList);
          if (!c) {
            return absl::InvalidArgumentError(absl::StrCat("targets[", i, "].category: required"));
          }
          ASSIGN_OR_RETURN(const funnel::Targets parsed, TargetsFromProto(t, i));
          targets.emplace_back(*c, parsed);
        }
        return store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
          RETURN_IF_ERROR(CheckDealer(conn, p, req->dealer_id()));
          RETURN_IF_ERROR(store::SetTargets(conn, req->dealer_id(), targets));
          ASSIGN_OR_RETURN(const store::TargetSet set, store::GetTargets(conn, req->dealer_id()));
          ToProto(set, req->dealer_id(), resp);
          return absl::OkStatus();
        });
      });
}

}  // namespace secondvoice::scheduler
