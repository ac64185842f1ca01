// The engine's domain types: dealers, queues, campaigns, leads and their journey. Plain structs,
// free of protobuf and SQL; services translate to and from the API, the store to and from rows.
#ifndef SECONDVOICE_LIBS_DOMAIN_TYPES_H_
#define SECONDVOICE_LIBS_DOMAIN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace secondvoice::domain {

struct Dealer {
  std::string id;
  std::string name;
  std::string country;        // ISO 3166-1 alpha-2
  std::string time_zone;      // IANA
  std::string opening_hours;  // canonical calendar::FormatWeeklyHours text
  std::string crm_endpoint;
  // How the engine reaches the CRM: TLS with these PEM roots (empty: the system's) or plain
  // text, and the bearer token it sends (a secret: never shown back).
  bool crm_tls = false;
  std::string crm_tls_root_certs;
  std::string crm_token;
  absl::Time created_at;
  absl::Time updated_at;
  // calendar::HolidayCalendar text: "NL", "NL; 2026-12-24", "none".
  std::string holidays = "NL";
};

enum class DialingMode { kPreview, kProgressive, kPredictive };

struct Queue {
  std::string id;
  std::string name;
  DialingMode dialing_mode = DialingMode::kProgressive;
  absl::Time created_at;
};

enum class CampaignKind { kPassiveList, kSecondVoice };
enum class CampaignState { kDraft, kActive, kPaused, kEnded };
enum class MarketingPolicy { kOptInOnly, kOptInOrExistingCustomer };

// Follow-up cadence; see the defaults in campaign_service.proto.
struct Cadence {
  int min_call_attempts = 4;
  int min_spread_days = 3;
  int max_spread_days = 5;
  int max_call_attempts = 6;
  int min_gap_minutes = 120;
  int max_attempts_per_day = 2;
};

struct Campaign {
  int64_t id = 0;
  std::string name;
  CampaignKind kind = CampaignKind::kPassiveList;
  CampaignState state = CampaignState::kDraft;
  std::vector<std::string> dealer_ids;
  std::string queue_id;
  MarketingPolicy marketing_policy = MarketingPolicy::kOptInOnly;
  int existing_customer_months = 36;
  Cadence cadence;
  double abandon_cap_percent = 3.0;
  std::string caller_id;
  std::string calling_hours;  // empty: the dealers' opening hours
  std::optional<absl::Time> starts_at;
  std::optional<absl::Time> ends_at;
  absl::Time created_at;
  absl::Time updated_at;
};

enum class LeadKind { kActive, kPassive };
enum class LeadOrigin { kListImport, kCrmUnsold, kCrmUnreached, kCrmProposalPending };
enum class Channel { kPhone, kEmail, kSms, kChat };
enum class PhoneType { kUnknown, kMobile, kFixedLine, kFixedLineOrMobile, kOther };
enum class VehicleRole { kInterest, kCurrent, kTradeIn };
enum class ConsentBasis { kNone, kOptIn, kExistingCustomer, kRequestedContact };
enum class LeadStatus {
  kNew,
  kInProgress,
  kHandedOver,
  kClosedNotReached,
  kClosedNotInterested,
  kClosedObjected,
  kClosedSold,
  kClosedLost,
};

struct ContactRoute {
  Channel channel = Channel::kPhone;
  std::string raw_value;
  std::string normalized_value;  // empty when unreadable
  PhoneType phone_type = PhoneType::kUnknown;
  bool usable = false;
  bool preferred = false;
  std::string preferred_times;
};

struct Vehicle {
  VehicleRole role = VehicleRole::kInterest;
  bool used = false;
  int year = 0;
  std::string make;
  std::string model;
  std::string trim;
  std::string vin;
  int64_t odometer_km = 0;
  int64_t price_cents = 0;
  std::string comments;
};

struct Consent {
  ConsentBasis basis = ConsentBasis::kNone;
  std::string source;
  std::optional<absl::Time> given_at;
  std::optional<absl::Time> relationship_last_at;
};

struct Lead {
  int64_t id = 0;
  std::string dealer_id;
  int64_t campaign_id = 0;  // 0: none
  LeadKind kind = LeadKind::kPassive;
  LeadOrigin origin = LeadOrigin::kListImport;
  std::string source;
  std::string crm_lead_id;
  std::string salesperson;
  std::string first_name;
  std::string last_name;
  std::string customer_id;
  std::string language;
  std::string accessibility_notes;
  std::optional<Channel> preferred_channel;
  std::vector<ContactRoute> contact_routes;
  std::vector<Vehicle> vehicles;
  Consent consent;
  LeadStatus status = LeadStatus::kNew;
  std::string notes;
  std::optional<absl::Time> originated_at;
  // What its funnel is measured against (funnel::Name(Category)).
  std::string category = "passive_list";
  absl::Time created_at;
  absl::Time updated_at;
};

struct LeadEvent {
  int64_t id = 0;
  int64_t lead_id = 0;
  absl::Time at;
  std::string type;
  std::string actor;
  std::string summary;
  std::string details_json;  // "{}" when there are none
};

enum class AttemptOutcome {
  kNoAnswer,
  kBusy,
  kVoicemail,
  kWrongNumber,
  kDialogueNoAppointment,
  kCallbackRequested,
  kAppointmentSet,
  kNotInterested,
  kObjection,
  kEmailSent,
  kSmsSent,
  kAbandoned,
  kAgentLost,
  kFailed,
};

// What a dealer CRM reports after a handover.
enum class FeedbackKind { kAppointmentMoved, kShowed, kNoShow, kSold, kLost, kUnsold };

struct Attempt {
  int64_t id = 0;
  int64_t lead_id = 0;
  int64_t campaign_id = 0;
  Channel channel = Channel::kPhone;
  std::string by;
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  std::optional<AttemptOutcome> outcome;  // empty while the attempt runs
  std::string notes;
};

// Stable lower_snake names used in the database and in logs, and their inverse. The inverse
// returns nullopt for a name it does not know.
#define SV_DOMAIN_ENUM_NAMES(Enum)    \
  absl::string_view Name(Enum value); \
  std::optional<Enum> Parse##Enum(absl::string_view name);
SV_DOMAIN_ENUM_NAMES(DialingMode)
SV_DOMAIN_ENUM_NAMES(CampaignKind)
SV_DOMAIN_ENUM_NAMES(CampaignState)
SV_DOMAIN_ENUM_NAMES(MarketingPolicy)
SV_DOMAIN_ENUM_NAMES(LeadKind)
SV_DOMAIN_ENUM_NAMES(LeadOrigin)
SV_DOMAIN_ENUM_NAMES(Channel)
SV_DOMAIN_ENUM_NAMES(PhoneType)
SV_DOMAIN_ENUM_NAMES(VehicleRole)
SV_DOMAIN_ENUM_NAMES(ConsentBasis)
SV_DOMAIN_ENUM_NAMES(LeadStatus)
SV_DOMAIN_ENUM_NAMES(AttemptOutcome)
SV_DOMAIN_ENUM_NAMES(FeedbackKind)
#undef SV_DOMAIN_ENUM_NAMES

}  // namespace secondvoice::domain

#endif  // SECONDVOICE_LIBS_DOMAIN_TYPES_H_
