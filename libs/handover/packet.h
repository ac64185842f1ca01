// The handover packet: everything a dealer's salesperson needs about a lead that became active
// again, so that the customer never tells the story twice; and its two renderings, a summary a
// salesperson reads in 20 seconds and an ADF 1.0 document for CRMs that only take ADF.
// Pure: the packet comes in whole (the store assembles it), nothing is read from a clock.
#ifndef SECONDVOICE_LIBS_HANDOVER_PACKET_H_
#define SECONDVOICE_LIBS_HANDOVER_PACKET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/domain/types.h"

namespace secondvoice::handover {

enum class Expectation { kTestDrive, kProposal, kTradeInAppraisal, kOther };
absl::string_view Name(Expectation expectation);  // "test_drive", ...
std::optional<Expectation> ParseExpectation(absl::string_view name);

struct Appointment {
  absl::Time at;
  std::string location;   // e.g. "Van Dijk Utrecht, Atoomweg 1"
  std::string with_whom;  // the salesperson the customer will meet
  std::vector<Expectation> expectations;
  std::string expectations_text;  // the customer's own words
};

// What the customer already told us: "do not ask again". Vehicles of interest and trade-ins are
// on the lead (domain::Vehicle with their roles).
struct Statements {
  std::string needs;
  std::string financing;
  std::string timeframe;
  std::string other;
  bool empty() const {
    return needs.empty() && financing.empty() && timeframe.empty() && other.empty();
  }
};

// One contact so far, by the BDC or by the dealer.
struct Contact {
  absl::Time at;
  domain::Channel channel = domain::Channel::kPhone;
  std::string by;                                 // agent login or salesperson
  std::optional<domain::AttemptOutcome> outcome;  // empty for contacts reported in words
  std::string notes;
};

struct Packet {
  int64_t handover_id = 0;
  std::string idempotency_key;  // stable across delivery attempts
  std::string dealer_id;
  std::string dealer_name;
  absl::TimeZone dealer_time_zone;  // times in the summary are the dealer's local times
  // Who, how to reach them, what they drive or want, where the lead came from, the consent.
  domain::Lead lead;
  std::string list_name;  // the imported list's file name, for list leads
  // Why it came to the BDC, e.g. "unsold: monthly payment too high".
  std::string reason;
  std::vector<Contact> history;  // oldest first
  Statements statements;
  Appointment appointment;
  std::string bdc_agent;
  std::string bdc_agent_name;
  absl::Time created_at;
};

// "Contacted 3 times", "talked 6 min, appointment set": a contact as words.
std::string OutcomeText(const Contact& contact);

// A few short lines, most important first: who and how to reach them (with the accessibility
// notes and the preferred channel and times), the appointment and what the customer expects,
// what they want and already said, where the lead came from and why, the contacts so far in
// one line each (the last few when there are many), the BDC agent. Plain text, no markup.
std::string Summary(const Packet& packet);

// Strict ADF 1.0 (libs/adf's writer): prospect status "new", the handover's idempotency key as
// <id source="secondvoice"> (and the CRM's lead id as <id source="crm">), requestdate =
// created_at in the dealer's zone, the lead's vehicles (interest as "buy", trade-in as
// "trade-in"; the car driven now only in the comments, see packet.cc), the customer's names,
// e-mail addresses and phone numbers with the preferred one flagged, the timeframe, and the
// summary as the customer comments; vendor = the dealer.
std::string Adf(const Packet& packet);

}  // namespace secondvoice::handover

#endif  // SECONDVOICE_LIBS_HANDOVER_PACKET_H_
