// Name tables for the domain enums: the text stored in the database for each value.
#include "libs/domain/types.h"

#include <array>
#include <utility>

namespace secondvoice::domain {
namespace {

template <typename Enum, size_t N>
using Table = std::array<std::pair<Enum, absl::string_view>, N>;

template <typename Enum, size_t N>
absl::string_view Lookup(const Table<Enum, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> Reverse(const Table<Enum, N>& table, absl::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

constexpr Table<DialingMode, 3> kDialingModes = {{
    {DialingMode::kPreview, "preview"},
    {DialingMode::kProgressive, "progressive"},
    {DialingMode::kPredictive, "predictive"},
}};
constexpr Table<CampaignKind, 2> kCampaignKinds = {{
    {CampaignKind::kPassiveList, "passive_list"},
    {CampaignKind::kSecondVoice, "second_voice"},
}};
constexpr Table<CampaignState, 4> kCampaignStates = {{
    {CampaignState::kDraft, "draft"},
    {CampaignState::kActive, "active"},
    {CampaignState::kPaused, "paused"},
    {CampaignState::kEnded, "ended"},
}};
constexpr Table<MarketingPolicy, 2> kMarketingPolicies = {{
    {MarketingPolicy::kOptInOnly, "opt_in_only"},
    {MarketingPolicy::kOptInOrExistingCustomer, "opt_in_or_existing_customer"},
}};
constexpr Table<LeadKind, 2> kLeadKinds = {{
    {LeadKind::kActive, "active"},
    {LeadKind::kPassive, "passive"},
}};
constexpr Table<LeadOrigin, 4> kLeadOrigins = {{
    {LeadOrigin::kListImport, "list_import"},
    {LeadOrigin::kCrmUnsold, "crm_unsold"},
    {LeadOrigin::kCrmUnreached, "crm_unreached"},
    {LeadOrigin::kCrmProposalPending, "crm_proposal_pending"},
}};
constexpr Table<Channel, 4> kChannels = {{
    {Channel::kPhone, "phone"},
    {Channel::kEmail, "email"},
    {Channel::kSms, "sms"},
    {Channel::kChat, "chat"},
}};
constexpr Table<PhoneType, 5> kPhoneTypes = {{
    {PhoneType::kUnknown, "unknown"},
    {PhoneType::kMobile, "mobile"},
    {PhoneType::kFixedLine, "fixed_line"},
    {PhoneType::kFixedLineOrMobile, "fixed_line_or_mobile"},
    {PhoneType::kOther, "other"},
}};
constexpr Table<VehicleRole, 3> kVehicleRoles = {{
    {VehicleRole::kInterest, "interest"},
    {VehicleRole::kCurrent, "current"},
    {VehicleRole::kTradeIn, "trade_in"},
}};
constexpr Table<ConsentBasis, 4> kConsentBases = {{
    {ConsentBasis::kNone, "none"},
    {ConsentBasis::kOptIn, "opt_in"},
    {ConsentBasis::kExistingCustomer, "existing_customer"},
    {ConsentBasis::kRequestedContact, "requested_contact"},
}};
constexpr Table<LeadStatus, 8> kLeadStatuses = {{
    {LeadStatus::kNew, "new"},
    {LeadStatus::kInProgress, "in_progress"},
    {LeadStatus::kHandedOver, "handed_over"},
    {LeadStatus::kClosedNotReached, "closed_not_reached"},
    {LeadStatus::kClosedNotInterested, "closed_not_interested"},
    {LeadStatus::kClosedObjected, "closed_objected"},
    {LeadStatus::kClosedSold, "closed_sold"},
    {LeadStatus::kClosedLost, "closed_lost"},
}};
constexpr Table<AttemptOutcome, 14> kAttemptOutcomes = {{
    {AttemptOutcome::kNoAnswer, "no_answer"},
    {AttemptOutcome::kBusy, "busy"},
    {AttemptOutcome::kVoicemail, "voicemail"},
    {AttemptOutcome::kWrongNumber, "wrong_number"},
    {AttemptOutcome::kDialogueNoAppointment, "dialogue_no_appointment"},
    {AttemptOutcome::kCallbackRequested, "callback_requested"},
    {AttemptOutcome::kAppointmentSet, "appointment_set"},
    {AttemptOutcome::kNotInterested, "not_interested"},
    {AttemptOutcome::kObjection, "objection"},
    {AttemptOutcome::kEmailSent, "email_sent"},
    {AttemptOutcome::kSmsSent, "sms_sent"},
    {AttemptOutcome::kAbandoned, "abandoned"},
    {AttemptOutcome::kAgentLost, "agent_lost"},
    {AttemptOutcome::kFailed, "failed"},
}};

constexpr Table<FeedbackKind, 6> kFeedbackKinds = {{
    {FeedbackKind::kAppointmentMoved, "appointment_moved"},
    {FeedbackKind::kShowed, "showed"},
    {FeedbackKind::kNoShow, "no_show"},
    {FeedbackKind::kSold, "sold"},
    {FeedbackKind::kLost, "lost"},
    {FeedbackKind::kUnsold, "unsold"},
}};

}  // namespace

#define SV_DOMAIN_ENUM_NAMES(Enum, table)                             \
  absl::string_view Name(Enum value) { return Lookup(table, value); } \
  std::optional<Enum> Parse##Enum(absl::string_view name) { return Reverse(table, name); }
SV_DOMAIN_ENUM_NAMES(DialingMode, kDialingModes)
SV_DOMAIN_ENUM_NAMES(CampaignKind, kCampaignKinds)
SV_DOMAIN_ENUM_NAMES(CampaignState, kCampaignStates)
SV_DOMAIN_ENUM_NAMES(MarketingPolicy, kMarketingPolicies)
SV_DOMAIN_ENUM_NAMES(LeadKind, kLeadKinds)
SV_DOMAIN_ENUM_NAMES(LeadOrigin, kLeadOrigins)
SV_DOMAIN_ENUM_NAMES(Channel, kChannels)
SV_DOMAIN_ENUM_NAMES(PhoneType, kPhoneTypes)
SV_DOMAIN_ENUM_NAMES(VehicleRole, kVehicleRoles)
SV_DOMAIN_ENUM_NAMES(ConsentBasis, kConsentBases)
SV_DOMAIN_ENUM_NAMES(LeadStatus, kLeadStatuses)
SV_DOMAIN_ENUM_NAMES(AttemptOutcome, kAttemptOutcomes)
SV_DOMAIN_ENUM_NAMES(FeedbackKind, kFeedbackKinds)
#undef SV_DOMAIN_ENUM_NAMES

}  // namespace secondvoice::domain
