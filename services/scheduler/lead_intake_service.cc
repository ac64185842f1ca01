// LeadIntake: the ImportList stream reactor hands the file to an ImportJob; SubmitFollowUp turns
// a CRM's unsold / unreached / proposal-pending lead (or its ADF document) into an active lead.
#include "services/scheduler/lead_intake_service.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/adf/adf.h"
#include "libs/calendar/calling_window.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/domain/validate.h"
#include "libs/funnel/funnel.h"
#include "libs/intake/row.h"
#include "libs/phone/phone.h"
#include "libs/store/campaigns.h"
#include "libs/store/dealers.h"
#include "libs/store/erasure.h"
#include "libs/store/follow_ups.h"
#include "libs/store/imports.h"
#include "libs/store/leads.h"
#include "services/scheduler/import_job.h"

namespace secondvoice::scheduler {
namespace {

constexpr char kImportList[] = "/secondvoice.v1.LeadIntake/ImportList";

// Reads the ImportList stream: the header starts an ImportJob, every chunk is handed to it, and
// the next read starts only when the job has taken the previous chunk.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportListRequest> {
 public:
  ImportReactor(const Env& env, std::atomic<int>& running, auth::Principal principal,
                v1::ImportListResponse* response)
      : env_(env), running_(running), principal_(std::move(principal)), response_(response) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away: OnCancel says which)
      if (job_) {
        job_->Close();
      } else {
        Finish(grpc::Status(grpc::INVALID_ARGUMENT, "header: the stream had no header message"));
      }
      return;
    }
    if (!job_) {
      if (!request_.has_header()) {
        Finish(
            grpc::Status(grpc::INVALID_ARGUMENT, "header: the first message must be the header"));
        return;
      }
      job_ = std::make_unique<ImportJob>(env_.db->pool(), request_.header(), principal_.name,
                                         [this](absl::StatusOr<v1::ImportListResponse> result) {
                                           if (result.ok()) *response_ = *std::move(result);
                                           Finish(ToGrpc(result.status()));
                                         });
      job_->Start();
      StartRead(&request_);
      return;
    }
    if (request_.has_header()) {
      job_->Cancel(absl::InvalidArgumentError("header: sent twice"));  // the job finishes the call
      return;
    }
    job_->Push(std::move(*request_.mutable_chunk()), [this] { StartRead(&request_); });
  }

  void OnCancel() override {
    if (job_) job_->Cancel();
  }

  void OnDone() override {
    job_.reset();  // joins the job's thread, which has called Finish
    --running_;
    delete this;
  }

 private:
  const Env& env_;
  std::atomic<int>& running_;
  const auth::Principal principal_;
  v1::ImportListResponse* response_;
  v1::ImportListRequest request_;
  std::unique_ptr<ImportJob> job_;
};

// Refuses a stream before it starts.
class RefusedReactor final : public grpc::ServerReadReactor<v1::ImportListRequest> {
 public:
  explicit RefusedReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

domain::LeadOrigin OriginOf(v1::FollowUpReason reason) {
  switch (reason) {
    case v1::FOLLOW_UP_REASON_UNREACHED:
      return domain::LeadOrigin::kCrmUnreached;
    case v1::FOLLOW_UP_REASON_PROPOSAL_PENDING:
      return domain::LeadOrigin::kCrmProposalPending;
    default:
      return domain::LeadOrigin::kCrmUnsold;
  }
}

// An ADF document as the FollowUp it describes.
v1::FollowUp FollowUpFromAdf(const adf::Prospect& p, absl::TimeZone tz) {
  v1::FollowUp f;
  if (!p.ids.empty()) {
    f.set_crm_lead_id(p.ids.front().second);
    f.set_source(p.ids.front().first);
  }
  if (!p.provider_name.empty()) f.set_source(p.provider_name);
  const adf::Contact& salesperson = p.vendor_contact;
  std::string sales_name = salesperson.full_name.empty()
                               ? absl::StrJoin({salesperson.first_name, salesperson.last_name}, " ")
                               : salesperson.full_name;
  f.mutable_salesperson()->set_name(std::string(absl::StripAsciiWhitespace(sales_name)));
  if (p.request_date) {
    absl::Time at = p.request_date->utc_offset_minutes
                        ? absl::FromCivil(p.request_date->local, absl::UTCTimeZone()) -
                              absl::Minutes(*p.request_date->utc_offset_minutes)
                        : absl::FromCivil(p.request_date->local, tz);
    ToProto(at, f.mutable_originated_at());
  }
  v1::Customer* c = f.mutable_customer();
  c->set_first_name(p.customer.first_name);
  c->set_last_name(p.customer.last_name);
  if (c->first_name().empty() && c->last_name().empty()) c->set_last_name(p.customer.full_name);
  const std::string preferred = absl::AsciiStrToLower(p.customer.preferred_contact);
  for (const adf::Phone& phone : p.customer.phones) {
    v1::ContactRoute* r = f.add_contact_routes();
    r->set_channel(v1::CHANNEL_PHONE);
    r->set_raw_value(phone.number);
    r->set_preferred(phone.preferred || preferred == "phone");
    r->set_preferred_times(phone.time);
  }
  for (const std::string& email : p.customer.emails) {
    v1::ContactRoute* r = f.add_contact_routes();
    r->set_channel(v1::CHANNEL_EMAIL);
    r->set_raw_value(email);
    r->set_preferred(preferred == "email");
  }
  for (const adf::Vehicle& v : p.vehicles) {
    v1::Vehicle* out = f.add_vehicles();
    const bool trade = v.interest == "trade-in" || v.interest == "sell";
    out->set_role(trade ? v1::VEHICLE_ROLE_TRADE_IN : v1::VEHICLE_ROLE_INTEREST);
    out->set_used(v.status == "used");
    out->set_year(v.year);
    out->set_make(v.make);
    out->set_model(v.model);
    out->set_trim(v.trim);
    out->set_vin(v.vin);
    out->set_odometer_km(v.odometer_units == "mi" ? v.odometer * 1609 / 1000 : v.odometer);
    out->set_price_cents(v.price_cents);
    out->set_comments(v.comments);
  }
  std::vector<std::string> notes;
  if (!p.customer_comments.empty()) notes.push_back(p.customer_comments);
  if (!p.timeframe_description.empty())
    notes.push_back(absl::StrCat("timeframe: ", p.timeframe_description));
  f.set_notes(absl::StrJoin(notes, "; "));
  return f;
}

// The follow-up as a domain lead; phone numbers normalised with the dealer's country.
domain::Lead LeadFromFollowUp(const v1::FollowUp& f, const std::string& dealer_id,
                              const std::string& country, domain::LeadOrigin origin) {
  domain::Lead lead;
  lead.dealer_id = dealer_id;
  lead.kind = domain::LeadKind::kActive;
  lead.origin = origin;
  lead.source = f.source();
  lead.crm_lead_id = f.crm_lead_id();
  lead.salesperson = f.salesperson().crm_user_id().empty() ? f.salesperson().name()
                                                           : f.salesperson().crm_user_id();
  lead.first_name = f.customer().first_name();
  lead.last_name = f.customer().last_name();
  lead.customer_id = f.customer().customer_id();
  lead.language = f.customer().language();
  lead.accessibility_notes = f.customer().accessibility_notes();
  if (f.customer().preferred_channel() != v1::CHANNEL_UNSPECIFIED) {
    lead.preferred_channel = static_cast<domain::Channel>(f.customer().preferred_channel() - 1);
  }
  for (const v1::ContactRoute& r : f.contact_routes()) {
    domain::ContactRoute route{.channel = r.channel() == v1::CHANNEL_UNSPECIFIED
                                              ? domain::Channel::kPhone
                                              : static_cast<domain::Channel>(r.channel() - 1),
                               .raw_value = r.raw_value(),
                               .preferred = r.preferred(),
                               .preferred_times = r.preferred_times()};
    if (route.channel == domain::Channel::kPhone || route.channel == domain::Channel::kSms) {
      const phone::Normalized n = phone::Normalize(r.raw_value(), country);
      route.normalized_value = n.e164;
      route.usable = n.valid();
      route.phone_type = intake::PhoneTypeOf(n.type);
    } else if (route.channel == domain::Channel::kEmail) {
      // The same reading as list imports, so the same address finds the same person.
      route.normalized_value = intake::NormalizeEmail(r.raw_value());
      route.usable = !route.normalized_value.empty();
    } else {
      route.normalized_value = absl::AsciiStrToLower(absl::StripAsciiWhitespace(r.raw_value()));
      route.usable = !route.normalized_value.empty();
    }
    lead.contact_routes.push_back(std::move(route));
  }
  bool used_interest = false;
  for (const v1::Vehicle& v : f.vehicles()) {
    lead.vehicles.push_back(scheduler::FromProto(v, domain::VehicleRole::kInterest));
    const domain::Vehicle& added = lead.vehicles.back();
    used_interest |= added.role == domain::VehicleRole::kInterest && added.used;
  }
  const funnel::SourceChannel source =
      f.source_channel() == v1::LEAD_SOURCE_CHANNEL_ONLINE     ? funnel::SourceChannel::kOnline
      : f.source_channel() == v1::LEAD_SOURCE_CHANNEL_PHONE    ? funnel::SourceChannel::kPhone
      : f.source_channel() == v1::LEAD_SOURCE_CHANNEL_SHOWROOM ? funnel::SourceChannel::kShowroom
      : f.source_channel() == v1::LEAD_SOURCE_CHANNEL_OTHER    ? funnel::SourceChannel::kOther
                                                               : funnel::SourceChannel::kUnknown;
  lead.category = std::string(funnel::Name(funnel::CategoryOf(false, source, used_interest)));
  // The customer took the initiative: calling them back is a service call, unless the CRM says
  // otherwise.
  lead.consent.basis = f.consent().basis() == v1::CONSENT_BASIS_UNSPECIFIED
                           ? domain::ConsentBasis::kRequestedContact
                           : static_cast<domain::ConsentBasis>(f.consent().basis() - 1);
  lead.consent.source = f.consent().source().empty() ? f.source() : f.consent().source();
  lead.consent.given_at = FromProto(f.consent().given_at());
  lead.consent.relationship_last_at = FromProto(f.consent().relationship_last_at());
  lead.originated_at = FromProto(f.originated_at());
  std::vector<std::string> notes;
  if (!f.proposal().text().empty()) {
    notes.push_back(absl::StrCat("proposal: ", f.proposal().text()));
  }
  if (!f.notes().empty()) notes.push_back(f.notes());
  lead.notes = absl::StrJoin(notes, "; ");
  return lead;
}

// FAILED_PRECONDITION naming the field when the follow-up carries an identity of a person the
// dealer erased at their request: a CRM must not bring them back. Erasures at the dealer wait
// until this transaction ends, so none can slip in between the check and the new lead.
absl::Status RefuseErased(store::PgConn& conn, const domain::Lead& lead, bool adf) {
  RETURN_IF_ERROR(store::HoldErasures(conn, lead.dealer_id));
  std::vector<std::string> values, fields;
  for (size_t i = 0; i < lead.contact_routes.size(); ++i) {
    const domain::ContactRoute& r = lead.contact_routes[i];
    if (!r.usable || r.normalized_value.empty()) continue;
    values.push_back(r.normalized_value);
    fields.push_back(adf ? absl::StrCat("adf_xml <", domain::Name(r.channel), ">")
                         : absl::StrCat("follow_up.contact_routes[", i, "]"));
  }
  if (!lead.customer_id.empty()) {
    values.push_back(lead.customer_id);
    fields.push_back(adf ? "adf_xml <customer>" : "follow_up.customer.customer_id");
  }
  ASSIGN_OR_RETURN(absl::flat_hash_set<std::string> erased,
                   store::ErasedAmong(conn, lead.dealer_id, values));
  for (size_t i = 0; i < values.size(); ++i) {
    if (!erased.contains(values[i])) continue;
    return absl::FailedPreconditionError(
        absl::StrCat(fields[i], ": ", store::kErasedReason, " (dealer '", lead.dealer_id,
                     "'); the follow-up was not taken. Remove the person from the CRM too"));
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerReadReactor<v1::ImportListRequest>* LeadIntakeServiceImpl::ImportList(
    grpc::CallbackServerContext* ctx, v1::ImportListResponse* resp) {
  absl::StatusOr<auth::Principal> principal = Admit(env_, ctx, kImportList);
  if (!principal.ok()) return new RefusedReactor(ToGrpc(principal.status()));
  if (!env_.db->ready()) {
    return new RefusedReactor(
        grpc::Status(grpc::UNAVAILABLE, "database not available, retry later"));
  }
  if (++imports_ > kMaxImports) {
    --imports_;
    return new RefusedReactor(grpc::Status(
        grpc::RESOURCE_EXHAUSTED, absl::StrCat(kMaxImports, " imports are running; retry later")));
  }
  return new ImportReactor(env_, imports_, *std::move(principal), resp);
}

grpc::ServerUnaryReactor* LeadIntakeServiceImpl::GetImport(grpc::CallbackServerContext* ctx,
                                                           const v1::GetImportRequest* req,
                                                           v1::ImportListResponse* resp) {
  return Serve(env_, ctx, "/secondvoice.v1.LeadIntake/GetImport",
               [this, req, resp](const auth::Principal&) -> absl::Status {
                 if (req->import_id() <= 0) {
                   return absl::InvalidArgumentError("import_id: must be an import id above 0");
                 }
                 return store::InTransaction(
                     env_.db->pool(),
                     [&](store::PgConn& conn) -> absl::Status {
                       ASSIGN_OR_RETURN(store::ImportSummary summary,
                                        store::GetImport(conn, req->import_id()));
                       ASSIGN_OR_RETURN(std::vector<store::RejectedRow> rejects,
                                        store::ListRejects(conn, req->import_id(), 1000));
                       ImportSummaryToProto(summary, rejects, resp);
                       return absl::OkStatus();
                     },
                     store::Access::kReadOnly);
               });
}

grpc::ServerUnaryReactor* LeadIntakeServiceImpl::SubmitFollowUp(
    grpc::CallbackServerContext* ctx, const v1::SubmitFollowUpRequest* req,
    v1::SubmitFollowUpResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.LeadIntake/SubmitFollowUp",
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
        RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
        if (req->reason() == v1::FOLLOW_UP_REASON_UNSPECIFIED) {
          return absl::InvalidArgumentError(
              "reason: is required (UNSOLD, UNREACHED or PROPOSAL_PENDING)");
        }
        if (req->payload_case() == v1::SubmitFollowUpRequest::PAYLOAD_NOT_SET) {
          return absl::InvalidArgumentError("payload: give follow_up or adf_xml");
        }
        std::optional<adf::Prospect> prospect;
        if (req->has_adf_xml()) {
          absl::StatusOr<adf::Prospect> parsed = adf::Parse(req->adf_xml());
          if (!parsed.ok()) {
            return absl::InvalidArgumentError(absl::StrCat("adf_xml: ", parsed.status().message()));
          }
          prospect = *std::move(parsed);
        }
        const std::string field = req->has_adf_xml() ? "adf_xml <id>" : "follow_up.crm_lead_id";
        const domain::LeadOrigin origin = OriginOf(req->reason());
        return store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, req->dealer_id()));
          absl::TimeZone tz;
          absl::LoadTimeZone(dealer.time_zone, &tz);
          const v1::FollowUp follow_up =
              prospect ? FollowUpFromAdf(*prospect, tz) : req->follow_up();
          if (absl::StripAsciiWhitespace(follow_up.crm_lead_id()).empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, ": the CRM's lead id is required"));
          }
          const std::string reason(domain::Name(origin).substr(4));  // "crm_unsold" -> "unsold"
          ASSIGN_OR_RETURN(std::optional<int64_t> earlier,
                           store::LockFollowUp(conn, dealer.id, follow_up.crm_lead_id(), reason));
          if (earlier) {
            resp->set_lead_id(*earlier);
            resp->set_duplicate(true);
            ToProto(absl::Now(), resp->mutable_claimable_at());
            return absl::OkStatus();
          }
          domain::Lead lead = LeadFromFollowUp(follow_up, dealer.id, dealer.country, origin);
          RETURN_IF_ERROR(RefuseErased(conn, lead, prospect.has_value()));
          ASSIGN_OR_RETURN(lead.campaign_id,
                           store::SecondVoiceCampaignFor(conn, dealer.id, req->campaign_id()));
          RETURN_IF_ERROR(store::InsertLead(conn, lead, p.name));
          for (const v1::FollowUp::HistoryEntry& h : follow_up.history()) {
            const std::optional<absl::Time> at = FromProto(h.at());
            std::string summary =
                absl::StrCat(h.channel() == v1::CHANNEL_UNSPECIFIED
                                 ? "contact"
                                 : domain::Name(static_cast<domain::Channel>(h.channel() - 1)),
                             " by ", h.by().empty() ? lead.salesperson : h.by(), ": ", h.outcome());
            if (!h.notes().empty()) absl::StrAppend(&summary, " - ", h.notes());
            RETURN_IF_ERROR(store::AppendEvent(conn, {.lead_id = lead.id,
                                                      .at = at.value_or(absl::Time()),
                                                      .type = "crm.contact",
                                                      .actor = p.name,
                                                      .summary = summary,
                                                      .details_json = "{}"})
                                .status());
          }
          RETURN_IF_ERROR(
              store::RecordFollowUp(conn, dealer.id, follow_up.crm_lead_id(), reason, lead.id));
          resp->set_lead_id(lead.id);
          if (lead.campaign_id == 0) return absl::OkStatus();  // it waits for a campaign
          // Now, or when the calling window next opens.
          ASSIGN_OR_RETURN(domain::Campaign campaign, store::GetCampaign(conn, lead.campaign_id));
          calendar::CallingWindow window;
          window.tz = tz;
          ASSIGN_OR_RETURN(window.hours, calendar::ParseWeeklyHours(campaign.calling_hours.empty()
                                                                        ? dealer.opening_hours
                                                                        : campaign.calling_hours));
          ASSIGN_OR_RETURN(window.holidays, calendar::HolidayCalendar::Parse(dealer.holidays));
          ToProto(calendar::NextOpen(window, absl::Now()), resp->mutable_claimable_at());
          return absl::OkStatus();
        });
      });
}

grpc::ServerUnaryReactor* LeadIntakeServiceImpl::AddSuppression(
    grpc::CallbackServerContext* ctx, const v1::AddSuppressionRequest* req,
    v1::AddSuppressionResponse* resp) {
  return Serve(
      env_, ctx, "/secondvoice.v1.LeadIntake/AddSuppression",
      [this, req, resp](const auth::Principal& p) -> absl::Status {
        RETURN_IF_ERROR(domain::ValidateSlug("dealer_id", req->dealer_id()));
        RETURN_IF_ERROR(auth::CheckDealerAccess(p, req->dealer_id()));
        const std::string value(absl::StripAsciiWhitespace(req->value()));
        if (value.empty()) return absl::InvalidArgumentError("value: is required");
        if (!v1::Channel_IsValid(req->channel())) {
          return absl::InvalidArgumentError(
              absl::StrCat("channel: unknown value ", req->channel()));
        }
        store::Suppression s{.dealer_id = req->dealer_id(),
                             .all_channels = req->channel() == v1::CHANNEL_UNSPECIFIED,
                             .reason = req->reason(),
                             .source = p.name};
        if (!s.all_channels) s.channel = static_cast<domain::Channel>(req->channel() - 1);
        const bool email = value.find('@') != std::string::npos;
        if (!s.all_channels && email != (s.channel == domain::Channel::kEmail)) {
          return absl::InvalidArgumentError(
              absl::StrCat("value: '", value, "' cannot be reached on ", domain::Name(s.channel)));
        }
        return store::InTransaction(env_.db->pool(), [&](store::PgConn& conn) -> absl::Status {
          ASSIGN_OR_RETURN(domain::Dealer dealer, store::GetDealer(conn, req->dealer_id()));
          s.value =
              email ? intake::NormalizeEmail(value) : phone::Normalize(value, dealer.country).e164;
          if (s.value.empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("value: '", value,
                             "' is neither a valid e-mail address nor a valid phone number in ",
                             dealer.country));
          }
          RETURN_IF_ERROR(store::AddSuppression(conn, s));
          resp->set_normalized_value(s.value);
          return absl::OkStatus();
        });
      });
}

}  // namespace secondvoice::scheduler
