// The handover packet rendered for people (Summary) and for CRMs that only take ADF 1.0 (Adf).
// Free text is shown as given: odd data is marked, never dropped, and nothing is made up.
#include "libs/handover/packet.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "libs/adf/adf.h"

namespace secondvoice::handover {
namespace {

using domain::Channel;

// At most this many contacts in the summary: the latest ones tell what happens next.
constexpr int kMaxContactsShown = 6;

// Summary lines are one line each: notes typed with line breaks would break the layout.
std::string OneLine(absl::string_view s) {
  return absl::StrJoin(absl::StrSplit(s, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty()), " ");
}

// 120000 -> "120,000".
std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? absl::StrCat("-", out) : out;
}

std::string Money(int64_t cents) {
  if (cents % 100 == 0) return Grouped(cents / 100);
  return absl::StrFormat("%s.%02d", Grouped(cents / 100), cents % 100);
}

constexpr absl::string_view kWeekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr absl::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Written out by hand rather than with strftime so that the words never follow the C locale.
absl::string_view WeekdayName(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::monday:
      return kWeekdays[0];
    case absl::Weekday::tuesday:
      return kWeekdays[1];
    case absl::Weekday::wednesday:
      return kWeekdays[2];
    case absl::Weekday::thursday:
      return kWeekdays[3];
    case absl::Weekday::friday:
      return kWeekdays[4];
    case absl::Weekday::saturday:
      return kWeekdays[5];
    case absl::Weekday::sunday:
      return kWeekdays[6];
  }
  return "";
}

absl::string_view MonthName(int month) { return kMonths[month - 1]; }

// "Sat 28 Nov 2026 10:30".
std::string FullTime(absl::Time at, absl::TimeZone zone) {
  const absl::CivilSecond t = absl::ToCivilSecond(at, zone);
  return absl::StrFormat("%s %d %s %d %02d:%02d", WeekdayName(absl::GetWeekday(t)), t.day(),
                         MonthName(t.month()), t.year(), t.hour(), t.minute());
}

// "23 Nov 10:02", with the year when it is not the packet's own year.
std::string ShortTime(absl::Time at, absl::TimeZone zone, absl::civil_year_t current_year) {
  const absl::CivilSecond t = absl::ToCivilSecond(at, zone);
  if (t.year() != current_year) {
    return absl::StrFormat("%d %s %d %02d:%02d", t.day(), MonthName(t.month()), t.year(), t.hour(),
                           t.minute());
  }
  return absl::StrFormat("%d %s %02d:%02d", t.day(), MonthName(t.month()), t.hour(), t.minute());
}

absl::string_view ChannelWord(Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return "e-mail";
    case Channel::kSms:
      return "SMS";
    case Channel::kPhone:
    case Channel::kChat:
      break;
  }
  return domain::Name(channel);  // "phone", "chat": already the words a person uses
}

absl::string_view ExpectationWords(Expectation e) {
  switch (e) {
    case Expectation::kTestDrive:
      return "test drive";
    case Expectation::kProposal:
      return "proposal";
    case Expectation::kTradeInAppraisal:
      return "trade-in appraisal";
    case Expectation::kOther:
      return "other";
  }
  return "other";
}

std::string RouteValue(const domain::ContactRoute& r) {
  return OneLine(r.normalized_value.empty() ? r.raw_value : r.normalized_value);
}

// A route flagged preferred is preferred; when none is, the first route on the lead's
// preferred channel stands in, so that a lead with only a channel preference still shows one.
std::vector<bool> PreferredRoutes(const domain::Lead& lead) {
  std::vector<bool> preferred(lead.contact_routes.size(), false);
  bool any = false;
  for (size_t i = 0; i < lead.contact_routes.size(); ++i) {
    preferred[i] = lead.contact_routes[i].preferred;
    any = any || preferred[i];
  }
  if (!any && lead.preferred_channel.has_value()) {
    for (size_t i = 0; i < lead.contact_routes.size(); ++i) {
      if (lead.contact_routes[i].channel == *lead.preferred_channel &&
          !RouteValue(lead.contact_routes[i]).empty()) {
        preferred[i] = true;
        break;
      }
    }
  }
  return preferred;
}

// "2016 VW Golf Comfortline 120,000 km", "used 2021 Kia Niro EV, price 24,995 (white only)".
std::string DescribeVehicle(const domain::Vehicle& v) {
  std::vector<std::string> words;
  // A trade-in or the car driven now is used by definition; only say it of a car wanted.
  if (v.used && v.role == domain::VehicleRole::kInterest) words.push_back("used");
  if (v.year > 0) words.push_back(absl::StrCat(v.year));
  for (const std::string* s : {&v.make, &v.model, &v.trim}) {
    if (std::string w = OneLine(*s); !w.empty()) words.push_back(std::move(w));
  }
  if (v.odometer_km > 0) words.push_back(absl::StrCat(Grouped(v.odometer_km), " km"));
  std::string out = absl::StrJoin(words, " ");
  if (v.price_cents > 0) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", "price ", Money(v.price_cents));
  }
  if (std::string comments = OneLine(v.comments); !comments.empty()) {
    absl::StrAppend(&out, out.empty() ? "" : " ", "(", comments, ")");
  }
  return out;
}

std::string WhoLine(const domain::Lead& lead) {
  std::vector<std::string> names;
  for (const std::string* s : {&lead.first_name, &lead.last_name}) {
    if (std::string n = OneLine(*s); !n.empty()) names.push_back(std::move(n));
  }
  std::string line = absl::StrJoin(names, " ");
  if (std::string language = OneLine(lead.language); !language.empty()) {
    line = line.empty() ? absl::StrCat("Language: ", language)
                        : absl::StrCat(line, " (", language, ")");
  }
  if (std::string notes = OneLine(lead.accessibility_notes); !notes.empty()) {
    line = line.empty() ? notes : absl::StrCat(line, " - ", notes);
  }
  return line;
}

std::string ReachLine(const domain::Lead& lead) {
  const std::vector<bool> preferred = PreferredRoutes(lead);
  std::vector<std::string> first, rest;  // preferred routes lead, the others keep their order
  for (size_t i = 0; i < lead.contact_routes.size(); ++i) {
    const domain::ContactRoute& r = lead.contact_routes[i];
    const std::string value = RouteValue(r);
    if (value.empty()) continue;
    std::vector<std::string> marks;
    if (preferred[i]) marks.push_back("preferred");
    if (std::string times = OneLine(r.preferred_times); !times.empty()) {
      marks.push_back(std::move(times));
    }
    // Shown all the same: a person may well read what a machine could not.
    if (!r.usable) {
      const bool dialled = r.channel == Channel::kPhone || r.channel == Channel::kSms;
      marks.push_back(dialled ? "cannot be dialled as written" : "cannot be used as written");
    }
    absl::string_view word = ChannelWord(r.channel);
    if (r.channel == Channel::kPhone && r.phone_type == domain::PhoneType::kMobile) {
      word = "mobile";
    }
    std::string route = absl::StrCat(word, " ", value);
    if (!marks.empty()) absl::StrAppend(&route, " (", absl::StrJoin(marks, ", "), ")");
    (preferred[i] ? first : rest).push_back(std::move(route));
  }
  first.insert(first.end(), rest.begin(), rest.end());
  if (first.empty()) return "";
  return absl::StrCat("Reach: ", absl::StrJoin(first, "; "));
}

// The appointment's time is left out while it is unset (the Unix epoch, absl::Time's
// default) or infinite; a packet can carry what the customer expects before a time is agreed.
std::string AppointmentLine(const Appointment& a, absl::TimeZone zone) {
  const bool has_time =
      a.at != absl::UnixEpoch() && a.at != absl::InfinitePast() && a.at != absl::InfiniteFuture();
  std::vector<std::string> expectations;
  for (Expectation e : a.expectations) expectations.emplace_back(ExpectationWords(e));
  const std::string location = OneLine(a.location);
  const std::string with_whom = OneLine(a.with_whom);
  const std::string text = OneLine(a.expectations_text);
  if (!has_time && location.empty() && with_whom.empty() && expectations.empty() && text.empty()) {
    return "";
  }
  std::vector<std::string> parts;
  if (has_time) parts.push_back(FullTime(a.at, zone));
  if (!location.empty()) parts.push_back(absl::StrCat("at ", location));
  if (!with_whom.empty()) parts.push_back(absl::StrCat("with ", with_whom));
  std::string line = absl::StrCat("Appointment: ", absl::StrJoin(parts, " "));
  std::string expects = absl::StrJoin(expectations, ", ");
  if (!text.empty()) absl::StrAppend(&expects, expects.empty() ? "" : ": ", "\"", text, "\"");
  if (!expects.empty()) absl::StrAppend(&line, parts.empty() ? "" : " - ", expects);
  return line;
}

std::string WantsLine(const Packet& p) {
  std::vector<std::string> parts;
  auto add = [&parts](absl::string_view label, absl::string_view text) {
    if (std::string t = OneLine(text); !t.empty()) parts.push_back(absl::StrCat(label, t));
  };
  add("needs ", p.statements.needs);
  for (domain::VehicleRole role : {domain::VehicleRole::kInterest, domain::VehicleRole::kTradeIn,
                                   domain::VehicleRole::kCurrent}) {
    for (const domain::Vehicle& v : p.lead.vehicles) {
      if (v.role != role) continue;
      const absl::string_view label = role == domain::VehicleRole::kInterest
                                          ? "vehicle of interest "
                                      : role == domain::VehicleRole::kTradeIn ? "trade-in "
                                                                              : "drives now ";
      add(label, DescribeVehicle(v));
    }
  }
  add("financing ", p.statements.financing);
  add("timeframe ", p.statements.timeframe);
  add("also said: ", p.statements.other);
  if (parts.empty()) return "";
  return absl::StrCat("Wants: ", absl::StrJoin(parts, "; "));
}

std::string OriginLine(const Packet& p) {
  const domain::Lead& lead = p.lead;
  std::string line = "Came from: ";
  std::vector<std::string> details;
  if (lead.origin == domain::LeadOrigin::kListImport) {
    // The import records the file name as the lead's source too.
    std::string list = OneLine(p.list_name.empty() ? lead.source : p.list_name);
    absl::StrAppend(&line, list.empty() ? "list import" : absl::StrCat("list \"", list, "\""));
  } else {
    switch (lead.origin) {
      case domain::LeadOrigin::kCrmUnsold:
        absl::StrAppend(&line, "CRM follow-up unsold");
        break;
      case domain::LeadOrigin::kCrmUnreached:
        absl::StrAppend(&line, "CRM follow-up not reached");
        break;
      case domain::LeadOrigin::kCrmProposalPending:
        absl::StrAppend(&line, "CRM follow-up proposal pending");
        break;
      case domain::LeadOrigin::kListImport:
        break;
    }
    if (std::string id = OneLine(lead.crm_lead_id); !id.empty()) {
      details.push_back(absl::StrCat("CRM lead ", id));
    }
    if (std::string who = OneLine(lead.salesperson); !who.empty()) {
      details.push_back(absl::StrCat("salesperson ", who));
    }
  }
  if (lead.campaign_id != 0) details.push_back(absl::StrCat("campaign ", lead.campaign_id));
  if (lead.originated_at.has_value()) {
    const absl::CivilDay day = absl::ToCivilDay(*lead.originated_at, p.dealer_time_zone);
    details.push_back(
        absl::StrFormat("dated %d %s %d", day.day(), MonthName(day.month()), day.year()));
  }
  if (!details.empty()) absl::StrAppend(&line, " (", absl::StrJoin(details, ", "), ")");
  if (std::string reason = OneLine(p.reason); !reason.empty()) {
    absl::StrAppend(&line, ": ", reason);
  }
  return line;
}

// A header line and one line per contact, the latest kMaxContactsShown of them.
std::vector<std::string> ContactLines(const Packet& p) {
  std::vector<std::string> lines;
  if (p.history.empty()) return lines;
  const int total = static_cast<int>(p.history.size());
  lines.push_back(absl::StrCat("Contacts (", total, "):"));
  const int skipped = total > kMaxContactsShown ? total - kMaxContactsShown : 0;
  if (skipped > 0) {
    lines.push_back(absl::StrCat(
        "  ", skipped, skipped == 1 ? " earlier contact" : " earlier contacts", " not shown"));
  }
  const absl::civil_year_t year = absl::ToCivilYear(p.created_at, p.dealer_time_zone).year();
  for (int i = skipped; i < total; ++i) {
    const Contact& c = p.history[i];
    std::string line =
        absl::StrCat("  ", ShortTime(c.at, p.dealer_time_zone, year), " ", ChannelWord(c.channel));
    if (std::string by = OneLine(c.by); !by.empty()) absl::StrAppend(&line, " by ", by);
    absl::StrAppend(&line, ": ", OneLine(OutcomeText(c)));
    // Without an outcome the notes already are the text.
    if (c.outcome.has_value()) {
      if (std::string notes = OneLine(c.notes); !notes.empty())
        absl::StrAppend(&line, " - ", notes);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string AgentLine(const Packet& p) {
  const std::string name = OneLine(p.bdc_agent_name);
  const std::string login = OneLine(p.bdc_agent);
  if (name.empty() && login.empty()) return "";
  if (name.empty()) return absl::StrCat("BDC agent: ", login);
  if (login.empty() || login == name) return absl::StrCat("BDC agent: ", name);
  return absl::StrCat("BDC agent: ", name, " (", login, ")");
}

// ADF 1.0 can only say what a customer means to do with a vehicle (buy|lease|sell|trade-in|
// test-drive), so the car the customer drives now (kCurrent) is not sent as a <vehicle>: "sell"
// would open a we-buy-your-car lead and "trade-in" would claim a trade-in nobody offered. It
// reaches the salesperson in the comments (the summary's "drives now"). Returns nullopt for it.
std::optional<adf::Vehicle> ToAdf(const domain::Vehicle& v) {
  adf::Vehicle out;
  switch (v.role) {
    case domain::VehicleRole::kInterest:
      out.interest = "buy";
      out.status = v.used ? "used" : "new";
      break;
    case domain::VehicleRole::kTradeIn:
      out.interest = "trade-in";
      out.status = "used";
      break;
    case domain::VehicleRole::kCurrent:
      return std::nullopt;
  }
  out.year = v.year > 0 ? v.year : 0;
  out.make = v.make;
  out.model = v.model;
  out.trim = v.trim;
  out.vin = v.vin;
  if (v.odometer_km > 0) {
    out.odometer = v.odometer_km;
    out.odometer_units = "km";
  }
  // The currency is not on the domain vehicle; the dealer's CRM knows its own.
  if (v.price_cents > 0) out.price_cents = v.price_cents;
  out.comments = v.comments;
  return out;
}

}  // namespace

absl::string_view Name(Expectation expectation) {
  switch (expectation) {
    case Expectation::kTestDrive:
      return "test_drive";
    case Expectation::kProposal:
      return "proposal";
    case Expectation::kTradeInAppraisal:
      return "trade_in_appraisal";
    case Expectation::kOther:
      return "other";
  }
  return "other";
}

std::optional<Expectation> ParseExpectation(absl::string_view name) {
  for (Expectation e : {Expectation::kTestDrive, Expectation::kProposal,
                        Expectation::kTradeInAppraisal, Expectation::kOther}) {
    if (Name(e) == name) return e;
  }
  return std::nullopt;
}

std::string OutcomeText(const Contact& contact) {
  if (!contact.outcome.has_value()) {
    return contact.notes.empty() ? "contact" : contact.notes;
  }
  using domain::AttemptOutcome;
  switch (*contact.outcome) {
    case AttemptOutcome::kNoAnswer:
      return "no answer";
    case AttemptOutcome::kBusy:
      return "busy";
    case AttemptOutcome::kVoicemail:
      return "voicemail";
    case AttemptOutcome::kWrongNumber:
      return "wrong number";
    case AttemptOutcome::kDialogueNoAppointment:
      return "talked, no appointment";
    case AttemptOutcome::kCallbackRequested:
      return "callback requested";
    case AttemptOutcome::kAppointmentSet:
      return "appointment set";
    case AttemptOutcome::kNotInterested:
      return "not interested";
    case AttemptOutcome::kObjection:
      return "objected (do not contact)";
    case AttemptOutcome::kEmailSent:
      return "e-mail sent";
    case AttemptOutcome::kSmsSent:
      return "SMS sent";
    case AttemptOutcome::kAbandoned:
      return "abandoned (no agent in 2 s)";
    case AttemptOutcome::kAgentLost:
      return "agent lost";
    case AttemptOutcome::kFailed:
      return "failed";
  }
  return "contact";
}

std::string Summary(const Packet& packet) {
  std::vector<std::string> lines;
  auto add = [&lines](std::string line) {
    if (!line.empty()) lines.push_back(std::move(line));
  };
  add(WhoLine(packet.lead));
  add(ReachLine(packet.lead));
  add(AppointmentLine(packet.appointment, packet.dealer_time_zone));
  add(WantsLine(packet));
  add(OriginLine(packet));
  // The store puts the lead's notes into the reason it came to the BDC; said once is enough.
  if (std::string notes = OneLine(packet.lead.notes);
      !notes.empty() && !absl::StrContains(packet.reason, packet.lead.notes)) {
    add(absl::StrCat("Lead notes: ", notes));
  }
  for (std::string& line : ContactLines(packet)) add(std::move(line));
  add(AgentLine(packet));
  return absl::StrJoin(lines, "\n");
}

std::string Adf(const Packet& packet) {
  const domain::Lead& lead = packet.lead;
  adf::Prospect p;
  p.status = "new";
  p.ids.emplace_back("secondvoice", packet.idempotency_key);
  if (!lead.crm_lead_id.empty()) p.ids.emplace_back("crm", lead.crm_lead_id);
  const absl::TimeZone::CivilInfo local = packet.dealer_time_zone.At(packet.created_at);
  p.request_date = adf::RequestDate{.local = local.cs, .utc_offset_minutes = local.offset / 60};
  for (const domain::Vehicle& v : lead.vehicles) {
    if (std::optional<adf::Vehicle> out = ToAdf(v); out.has_value()) {
      p.vehicles.push_back(*std::move(out));
    }
  }

  adf::Contact& c = p.customer;
  c.first_name = lead.first_name;
  c.last_name = lead.last_name;
  // Every route with a value is sent, usable or not (the summary says which cannot be used).
  // A number given both for calls and for SMS is one <phone>; SMS makes it a cellphone. Chat
  // has no place in ADF 1.0. A preferred e-mail goes first: ADF flags only the first one.
  const std::vector<bool> preferred = PreferredRoutes(lead);
  bool email_preferred = false;
  bool phone_preferred = false;
  for (size_t i = 0; i < lead.contact_routes.size(); ++i) {
    const domain::ContactRoute& r = lead.contact_routes[i];
    const std::string value = RouteValue(r);
    if (value.empty()) continue;
    if (r.channel == Channel::kEmail) {
      if (preferred[i] && !email_preferred) {
        c.emails.insert(c.emails.begin(), value);
        email_preferred = true;
      } else {
        c.emails.push_back(value);
      }
    } else if (r.channel == Channel::kPhone || r.channel == Channel::kSms) {
      const bool mobile = r.channel == Channel::kSms || r.phone_type == domain::PhoneType::kMobile;
      adf::Phone* phone = nullptr;
      for (adf::Phone& existing : c.phones) {
        if (existing.number == value) phone = &existing;
      }
      if (phone == nullptr) phone = &c.phones.emplace_back(adf::Phone{.number = value});
      if (mobile || phone->type.empty()) phone->type = mobile ? "cellphone" : "voice";
      phone->preferred = phone->preferred || preferred[i];
      phone_preferred = phone_preferred || preferred[i];
    }
  }
  // As adf::Parse reads it back: the e-mail is flagged before the phones in the document.
  if (email_preferred) {
    c.preferred_contact = "email";
  } else if (phone_preferred) {
    c.preferred_contact = "phone";
  }

  p.timeframe_description = packet.statements.timeframe;
  p.customer_comments = Summary(packet);
  p.vendor_name = packet.dealer_name;
  p.provider_name = "secondvoice";
  return adf::Write(p);
}

}  // namespace secondvoice::handover
