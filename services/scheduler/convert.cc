// Proto <-> domain. The API enums list their values in the domain enums' order after the
// *_UNSPECIFIED zero, so most enums convert by offset; convert_test checks that by name.
#include "services/scheduler/convert.h"

#include <string>

namespace secondvoice::scheduler {
namespace {

// The one enum out of step: the domain starts with kUnknown, the API ends with UNKNOWN.
pb::PhoneType PhoneTypeToProto(domain::PhoneType t) {
  return t == domain::PhoneType::kUnknown ? pb::PHONE_TYPE_UNKNOWN
                                          : static_cast<pb::PhoneType>(static_cast<int>(t));
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

std::optional<absl::Time> FromProto(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return std::nullopt;
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

domain::Dealer FromProto(const pb::Dealer& p) {
  return domain::Dealer{.id = p.id(),
                        .name = p.name(),
                        .country = p.country(),
                        .time_zone = p.time_zone(),
                        .opening_hours = p.opening_hours(),
                        .crm_endpoint = p.crm_endpoint(),
                        .crm_tls = p.crm_tls(),
                        .crm_tls_root_certs = p.crm_tls_root_certs(),
                        .crm_token = p.crm_token(),
                        .created_at = {},
                        .updated_at = {},
                        .holidays = p.holidays()};
}

void ToProto(const domain::Dealer& d, pb::Dealer* out) {
  out->set_id(d.id);
  out->set_name(d.name);
  out->set_country(d.country);
  out->set_time_zone(d.time_zone);
  out->set_opening_hours(d.opening_hours);
  out->set_crm_endpoint(d.crm_endpoint);
  out->set_crm_tls(d.crm_tls);
  out->set_crm_tls_root_certs(d.crm_tls_root_certs);
  out->set_crm_token_set(!d.crm_token.empty());  // the token itself never leaves
  out->set_holidays(d.holidays);
  ToProto(d.created_at, out->mutable_created_at());
  ToProto(d.updated_at, out->mutable_updated_at());
}

domain::Queue FromProto(const pb::Queue& p) {
  return domain::Queue{
      .id = p.id(),
      .name = p.name(),
      // Unspecified means progressive: one call per free agent never abandons a call.
      .dialing_mode = Dom(p.dialing_mode(), domain::DialingMode::kPredictive)
                          .value_or(domain::DialingMode::kProgressive),
      .created_at = {}};
}

void ToProto(const domain::Queue& q, pb::Queue* out) {
  out->set_id(q.id);
  out->set_name(q.name);
  out->set_dialing_mode(Pb<pb::DialingMode>(q.dialing_mode));
  ToProto(q.created_at, out->mutable_created_at());
}

absl::StatusOr<domain::Campaign> FromProto(const pb::Campaign& p) {
  domain::Campaign c;
  c.id = p.id();
  c.name = p.name();
  auto kind = Dom(p.kind(), domain::CampaignKind::kSecondVoice);
  if (!kind)
    return absl::InvalidArgumentError("campaign.kind: is required (PASSIVE_LIST or SECOND_VOICE)");
  c.kind = *kind;
  c.dealer_ids.assign(p.dealer_ids().begin(), p.dealer_ids().end());
  c.queue_id = p.queue_id();
  // Unspecified means the strict policy: explicit opt-in only.
  c.marketing_policy = Dom(p.marketing_policy(), domain::MarketingPolicy::kOptInOrExistingCustomer)
                           .value_or(domain::MarketingPolicy::kOptInOnly);
  c.existing_customer_months = p.existing_customer_months();
  const pb::Cadence& k = p.cadence();
  c.cadence = {.min_call_attempts = k.min_call_attempts(),
               .min_spread_days = k.min_spread_days(),
               .max_spread_days = k.max_spread_days(),
               .max_call_attempts = k.max_call_attempts(),
               .min_gap_minutes = k.min_gap_minutes(),
               .max_attempts_per_day = k.max_attempts_per_day()};
  c.abandon_cap_percent = p.abandon_cap_percent();
  c.caller_id = p.caller_id();
  c.calling_hours = p.calling_hours();
  c.starts_at = FromProto(p.starts_at());
  c.ends_at = FromProto(p.ends_at());
  return c;
}

void ToProto(const domain::Campaign& c, pb::Campaign* out) {
  out->set_id(c.id);
  out->set_name(c.name);
  out->set_kind(Pb<pb::CampaignKind>(c.kind));
  out->set_state(Pb<pb::CampaignState>(c.state));
  for (const std::string& d : c.dealer_ids) out->add_dealer_ids(d);
  out->set_queue_id(c.queue_id);
  out->set_marketing_policy(Pb<pb::MarketingPolicy>(c.marketing_policy));
  out->set_existing_customer_months(c.existing_customer_months);
  pb::Cadence* k = out->mutable_cadence();
  k->set_min_call_attempts(c.cadence.min_call_attempts);
  k->set_min_spread_days(c.cadence.min_spread_days);
  k->set_max_spread_days(c.cadence.max_spread_days);
  k->set_max_call_attempts(c.cadence.max_call_attempts);
  k->set_min_gap_minutes(c.cadence.min_gap_minutes);
  k->set_max_attempts_per_day(c.cadence.max_attempts_per_day);
  out->set_abandon_cap_percent(c.abandon_cap_percent);
  out->set_caller_id(c.caller_id);
  out->set_calling_hours(c.calling_hours);
  if (c.starts_at) ToProto(*c.starts_at, out->mutable_starts_at());
  if (c.ends_at) ToProto(*c.ends_at, out->mutable_ends_at());
  ToProto(c.created_at, out->mutable_created_at());
  ToProto(c.updated_at, out->mutable_updated_at());
}

std::optional<domain::CampaignState> FromProto(pb::CampaignState s) {
  return Dom(s, domain::CampaignState::kEnded);
}

void ToProto(const domain::Lead& l, pb::Lead* out) {
  out->set_id(l.id);
  out->set_dealer_id(l.dealer_id);
  out->set_campaign_id(l.campaign_id);
  out->set_kind(Pb<pb::LeadKind>(l.kind));
  out->set_origin(Pb<pb::LeadOrigin>(l.origin));
  out->set_source(l.source);
  out->set_crm_lead_id(l.crm_lead_id);
  out->set_salesperson(l.salesperson);
  pb::Customer* c = out->mutable_customer();
  c->set_first_name(l.first_name);
  c->set_last_name(l.last_name);
  c->set_customer_id(l.customer_id);
  c->set_language(l.language);
  c->set_accessibility_notes(l.accessibility_notes);
  if (l.preferred_channel) c->set_preferred_channel(Pb<pb::Channel>(*l.preferred_channel));
  for (const domain::ContactRoute& r : l.contact_routes) {
    pb::ContactRoute* p = out->add_contact_routes();
    p->set_channel(Pb<pb::Channel>(r.channel));
    p->set_raw_value(r.raw_value);
    p->set_normalized_value(r.normalized_value);
    if (r.channel == domain::Channel::kPhone || r.channel == domain::Channel::kSms) {
      p->set_phone_type(PhoneTypeToProto(r.phone_type));
    }
    p->set_usable(r.usable);
    p->set_preferred(r.preferred);
    p->set_preferred_times(r.preferred_times);
  }
  for (const domain::Vehicle& v : l.vehicles) ToProto(v, out->add_vehicles());
  pb::Consent* consent = out->mutable_consent();
  consent->set_basis(Pb<pb::ConsentBasis>(l.consent.basis));
  consent->set_source(l.consent.source);
  if (l.consent.given_at) ToProto(*l.consent.given_at, consent->mutable_given_at());
  if (l.consent.relationship_last_at) {
    ToProto(*l.consent.relationship_last_at, consent->mutable_relationship_last_at());
  }
  out->set_status(Pb<pb::LeadStatus>(l.status));
  if (l.originated_at) ToProto(*l.originated_at, out->mutable_originated_at());
  ToProto(l.created_at, out->mutable_created_at());
  ToProto(l.updated_at, out->mutable_updated_at());
  out->set_notes(l.notes);
}

void ToProto(const domain::LeadEvent& e, pb::LeadEvent* out) {
  out->set_id(e.id);
  out->set_lead_id(e.lead_id);
  ToProto(e.at, out->mutable_at());
  out->set_type(e.type);
  out->set_actor(e.actor);
  out->set_summary(e.summary);
  out->set_details_json(e.details_json);
}

void ToProto(const domain::Attempt& a, pb::Attempt* out) {
  out->set_id(a.id);
  out->set_lead_id(a.lead_id);
  out->set_campaign_id(a.campaign_id);
  out->set_channel(Pb<pb::Channel>(a.channel));
  out->set_by(a.by);
  ToProto(a.started_at, out->mutable_started_at());
  if (a.ended_at) ToProto(*a.ended_at, out->mutable_ended_at());
  if (a.outcome) out->set_outcome(Pb<pb::AttemptOutcome>(*a.outcome));
  out->set_notes(a.notes);
}

void ToProto(const domain::Vehicle& v, pb::Vehicle* p) {
  p->set_role(Pb<pb::VehicleRole>(v.role));
  p->set_used(v.used);
  p->set_year(v.year);
  p->set_make(v.make);
  p->set_model(v.model);
  p->set_trim(v.trim);
  p->set_vin(v.vin);
  p->set_odometer_km(v.odometer_km);
  p->set_price_cents(v.price_cents);
  p->set_comments(v.comments);
}

domain::Vehicle FromProto(const pb::Vehicle& v, domain::VehicleRole unspecified) {
  return domain::Vehicle{.role = Dom(v.role(), domain::VehicleRole::kTradeIn).value_or(unspecified),
                         .used = v.used(),
                         .year = v.year(),
                         .make = v.make(),
                         .model = v.model(),
                         .trim = v.trim(),
                         .vin = v.vin(),
                         .odometer_km = v.odometer_km(),
                         .price_cents = v.price_cents(),
                         .comments = v.comments()};
}

absl::StatusOr<handover::Appointment> FromProto(const pb::Appointment& p, absl::string_view field) {
  std::optional<absl::Time> at = FromProto(p.at());
  if (!at) return absl::InvalidArgumentError(absl::StrCat(field, ".at: required"));
  handover::Appointment a{.at = *at,
                          .location = p.location(),
                          .with_whom = p.with_whom(),
                          .expectations = {},
                          .expectations_text = p.expectations_text()};
  for (int e : p.expectations()) {
    if (auto known = Dom(static_cast<pb::CustomerExpectation>(e), handover::Expectation::kOther)) {
      a.expectations.push_back(*known);
    }
  }
  return a;
}

void ToProto(const handover::Appointment& a, pb::Appointment* out) {
  ToProto(a.at, out->mutable_at());
  out->set_location(a.location);
  out->set_with_whom(a.with_whom);
  for (handover::Expectation e : a.expectations) {
    out->add_expectations(Pb<pb::CustomerExpectation>(e));
  }
  out->set_expectations_text(a.expectations_text);
}

handover::Statements FromProto(const pb::CustomerStatements& p,
                               std::vector<domain::Vehicle>* vehicles) {
  if (p.has_vehicle_of_interest()) {
    vehicles->push_back(FromProto(p.vehicle_of_interest(), domain::VehicleRole::kInterest));
    vehicles->back().role = domain::VehicleRole::kInterest;
  }
  if (p.has_trade_in()) {
    vehicles->push_back(FromProto(p.trade_in(), domain::VehicleRole::kTradeIn));
    vehicles->back().role = domain::VehicleRole::kTradeIn;
  }
  return handover::Statements{.needs = p.needs(),
                              .financing = p.financing(),
                              .timeframe = p.timeframe(),
                              .other = p.other()};
}

void ToProto(const handover::Packet& p, pb::Handover* out) {
  out->set_idempotency_key(p.idempotency_key);
  out->set_handover_id(p.handover_id);
  out->set_dealer_id(p.dealer_id);
  out->set_lead_id(p.lead.id);
  pb::Lead lead;
  ToProto(p.lead, &lead);
  *out->mutable_customer() = lead.customer();
  *out->mutable_contact_routes() = lead.contact_routes();
  *out->mutable_vehicles() = lead.vehicles();
  *out->mutable_consent() = lead.consent();
  pb::HandoverOrigin* origin = out->mutable_origin();
  origin->set_origin(Pb<pb::LeadOrigin>(p.lead.origin));
  origin->set_list_name(p.list_name);
  origin->set_campaign_id(p.lead.campaign_id);
  origin->set_crm_lead_id(p.lead.crm_lead_id);
  origin->set_previous_salesperson_id(p.lead.salesperson);
  origin->set_reason(p.reason);
  for (const handover::Contact& c : p.history) {
    pb::ContactHistoryEntry* e = out->add_history();
    ToProto(c.at, e->mutable_at());
    e->set_channel(Pb<pb::Channel>(c.channel));
    e->set_by(c.by);
    if (c.outcome) e->set_outcome(Pb<pb::AttemptOutcome>(*c.outcome));
    e->set_outcome_text(handover::OutcomeText(c));
    e->set_notes(c.notes);
  }
  pb::CustomerStatements* said = out->mutable_customer_statements();
  said->set_needs(p.statements.needs);
  said->set_financing(p.statements.financing);
  said->set_timeframe(p.statements.timeframe);
  said->set_other(p.statements.other);
  // The latest vehicle of each role the customer told us about.
  for (const domain::Vehicle& v : p.lead.vehicles) {
    if (v.role == domain::VehicleRole::kInterest) ToProto(v, said->mutable_vehicle_of_interest());
    if (v.role == domain::VehicleRole::kTradeIn) ToProto(v, said->mutable_trade_in());
  }
  ToProto(p.appointment, out->mutable_appointment());
  out->set_bdc_agent(p.bdc_agent);
  out->set_bdc_agent_name(p.bdc_agent_name);
  out->set_summary_text(handover::Summary(p));
  out->set_adf_xml(handover::Adf(p));
  ToProto(p.created_at, out->mutable_created_at());
}

void ToProto(const store::HandoverRow& h, pb::HandoverRecord* out) {
  pb::Handover* packet = out->mutable_handover();
  if (!packet->has_created_at()) {  // the caller may have filled the whole packet
    packet->set_handover_id(h.id);
    packet->set_idempotency_key(h.idempotency_key);
    packet->set_dealer_id(h.dealer_id);
    packet->set_lead_id(h.lead_id);
    ToProto(h.created_at, packet->mutable_created_at());
  }
  out->set_state(Pb<pb::DeliveryState>(h.state));
  out->set_attempts(h.attempts);
  out->set_last_error(h.last_error);
  if (h.state != store::DeliveryState::kDelivered && h.rejection.empty()) {
    ToProto(h.next_attempt_at, out->mutable_next_attempt_at());
  }
  if (h.delivered_at) ToProto(*h.delivered_at, out->mutable_delivered_at());
  if (h.flagged_at) ToProto(*h.flagged_at, out->mutable_flagged_at());
  out->set_crm_reference(h.crm_reference);
}

}  // namespace secondvoice::scheduler
