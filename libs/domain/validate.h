// Validation and canonical form of what users send in: every error is INVALID_ARGUMENT and
// starts with the API field it is about ("dealer.time_zone: ...").
#ifndef SECONDVOICE_LIBS_DOMAIN_VALIDATE_H_
#define SECONDVOICE_LIBS_DOMAIN_VALIDATE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/domain/types.h"

namespace secondvoice::domain {

// Ids chosen by people (dealers, queues): lower-case letters, digits and '-', 2 to 63 long,
// starting with a letter or digit.
[[nodiscard]] absl::Status ValidateSlug(absl::string_view field, absl::string_view value);

// Checks `dealer` and brings it to canonical form: country upper-case, opening hours in
// canonical text (empty becomes the Dutch default window).
[[nodiscard]] absl::Status NormalizeDealer(Dealer& dealer);

[[nodiscard]] absl::Status NormalizeQueue(Queue& queue);

// Fills zero cadence values and the abandon cap with their defaults, then checks them. The
// floors of the anti-checkbox rule (4 call attempts over at least 3 days) cannot be lowered.
[[nodiscard]] absl::Status NormalizeCampaign(Campaign& campaign);

// Campaigns go DRAFT -> ACTIVE <-> PAUSED, and any of these -> ENDED, which is final.
// Setting the current state again is allowed. FAILED_PRECONDITION for anything else.
[[nodiscard]] absl::Status CheckCampaignTransition(CampaignState from, CampaignState to);

}  // namespace secondvoice::domain

#endif  // SECONDVOICE_LIBS_DOMAIN_VALIDATE_H_
