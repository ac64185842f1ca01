// libFuzzer target for request validation (libs/domain/validate.h): dealers, queues and
// campaigns as they arrive in CreateDealer, CreateQueue and CreateCampaign, every field drawn
// from the input. Validation must not crash; it either accepts, or answers INVALID_ARGUMENT
// whose message starts with the field it is about ("dealer.time_zone: ..."). What it accepts
// it accepts again unchanged (the canonical form is canonical). Campaign state changes answer
// OK or FAILED_PRECONDITION, and a state may always be set again.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "libs/domain/validate.h"

namespace {

namespace domain = ::secondvoice::domain;

void Expect(bool ok) {
  if (!ok) std::abort();
}

void CheckRefusal(const absl::Status& s, absl::string_view prefix) {
  Expect(s.code() == absl::StatusCode::kInvalidArgument);
  Expect(absl::StartsWith(s.message(), prefix));
}

// Text that is sometimes plausible (a valid zone, hours, a country) so the fuzzer gets past the
// first checks, sometimes anything.
std::string Text(FuzzedDataProvider& in, std::initializer_list<const char*> plausible) {
  if (plausible.size() > 0 && in.ConsumeBool()) {
    return *(plausible.begin() + in.ConsumeIntegralInRange<size_t>(0, plausible.size() - 1));
  }
  return in.ConsumeRandomLengthString(80);
}

void FuzzDealer(FuzzedDataProvider& in) {
  domain::Dealer d;
  d.id = Text(in, {"vandijk", "bdc-nl", "a"});
  d.name = Text(in, {"Autobedrijf Van Dijk"});
  d.country = Text(in, {"NL", "be", " de ", "ZZ"});
  d.time_zone = Text(in, {"Europe/Amsterdam", "Europe/Brussels", "Mars/Olympus", "UTC"});
  d.opening_hours = Text(
      in, {"Mon-Fri 09:00-21:00; Sat 10:00-16:00", "Mon-Sun 00:00-24:00", "Sat 16:00-10:00", ""});
  d.crm_endpoint = Text(in, {"127.0.0.1:7080", "crm.example:443", ""});
  d.holidays = Text(in, {"NL", "none", "NL; 2026-12-24", "BE; 2026-02-30"});
  domain::Dealer first = d;
  absl::Status s = domain::NormalizeDealer(first);
  if (!s.ok()) return CheckRefusal(s, "dealer.");
  domain::Dealer again = first;
  Expect(domain::NormalizeDealer(again).ok());
  Expect(again.id == first.id && again.country == first.country &&
         again.time_zone == first.time_zone && again.opening_hours == first.opening_hours &&
         again.holidays == first.holidays && again.name == first.name);
}

void FuzzQueue(FuzzedDataProvider& in) {
  domain::Queue q;
  q.id = Text(in, {"bdc-nl", "x"});
  q.name = Text(in, {"BDC Nederland"});
  q.dialing_mode = static_cast<domain::DialingMode>(in.ConsumeIntegralInRange<int>(0, 2));
  domain::Queue first = q;
  absl::Status s = domain::NormalizeQueue(first);
  if (!s.ok()) return CheckRefusal(s, "queue.");
  domain::Queue again = first;
  Expect(domain::NormalizeQueue(again).ok());
  Expect(again.id == first.id && again.name == first.name);
}

void FuzzCampaign(FuzzedDataProvider& in) {
  domain::Campaign c;
  c.name = Text(in, {"Same car 4 years"});
  c.kind = static_cast<domain::CampaignKind>(in.ConsumeIntegralInRange<int>(0, 1));
  const int dealers = in.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < dealers; ++i) c.dealer_ids.push_back(Text(in, {"vandijk", "jansen"}));
  c.queue_id = Text(in, {"bdc-nl"});
  c.marketing_policy = static_cast<domain::MarketingPolicy>(in.ConsumeIntegralInRange<int>(0, 1));
  c.existing_customer_months = in.ConsumeIntegral<int>();
  c.cadence.min_call_attempts = in.ConsumeIntegralInRange<int>(-2, 40);
  c.cadence.min_spread_days = in.ConsumeIntegralInRange<int>(-2, 40);
  c.cadence.max_spread_days = in.ConsumeIntegralInRange<int>(-2, 40);
  c.cadence.max_call_attempts = in.ConsumeIntegralInRange<int>(-2, 200);
  c.cadence.min_gap_minutes = in.ConsumeIntegral<int>();
  c.cadence.max_attempts_per_day = in.ConsumeIntegralInRange<int>(-2, 40);
  c.abandon_cap_percent = in.ConsumeFloatingPoint<double>();
  c.caller_id = Text(in, {"+31201234567", "020 123 4567", "+1"});
  c.calling_hours = Text(in, {"", "Mon-Fri 09:00-21:00", "Sun 25:00-26:00"});
  if (in.ConsumeBool()) c.starts_at = absl::FromUnixSeconds(in.ConsumeIntegral<int32_t>());
  if (in.ConsumeBool()) c.ends_at = absl::FromUnixSeconds(in.ConsumeIntegral<int32_t>());
  domain::Campaign first = c;
  absl::Status s = domain::NormalizeCampaign(first);
  if (!s.ok()) return CheckRefusal(s, "campaign.");
  domain::Campaign again = first;
  Expect(domain::NormalizeCampaign(again).ok());
  Expect(again.caller_id == first.caller_id && again.calling_hours == first.calling_hours &&
         again.cadence.min_call_attempts == first.cadence.min_call_attempts &&
         again.cadence.max_call_attempts == first.cadence.max_call_attempts &&
         again.abandon_cap_percent == first.abandon_cap_percent &&
         again.dealer_ids == first.dealer_ids);
  // The floors of the anti-checkbox rule hold for whatever was accepted.
  Expect(first.cadence.min_call_attempts >= 4 && first.cadence.min_spread_days >= 3);
}

void FuzzTransition(FuzzedDataProvider& in) {
  const auto from = static_cast<domain::CampaignState>(in.ConsumeIntegralInRange<int>(0, 3));
  const auto to = static_cast<domain::CampaignState>(in.ConsumeIntegralInRange<int>(0, 3));
  absl::Status s = domain::CheckCampaignTransition(from, to);
  Expect(s.ok() || s.code() == absl::StatusCode::kFailedPrecondition);
  Expect(domain::CheckCampaignTransition(from, from).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      FuzzDealer(in);
      break;
    case 1:
      FuzzQueue(in);
      break;
    case 2:
      FuzzCampaign(in);
      break;
    default:
      FuzzTransition(in);
      break;
  }
  return 0;
}
