// libFuzzer target for libs/adf: Parse must not crash on any input, and whatever it accepts must
// survive Write and a second Parse with the same names, vehicles and phones.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/adf/adf.h"

namespace {

bool SameNames(const secondvoice::adf::Contact& a, const secondvoice::adf::Contact& b) {
  return a.first_name == b.first_name && a.middle_name == b.middle_name &&
         a.last_name == b.last_name && a.full_name == b.full_name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace adf = secondvoice::adf;
  const absl::StatusOr<adf::Prospect> first =
      adf::Parse(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!first.ok()) return 0;
  const std::string xml = adf::Write(*first);
  // Escaping can make the written document larger than what Parse accepts; that refusal is
  // the documented limit, not a round-trip failure.
  if (xml.size() > adf::kMaxDocumentBytes) return 0;
  const absl::StatusOr<adf::Prospect> second = adf::Parse(xml);
  if (!second.ok()) __builtin_trap();
  if (!SameNames(first->customer, second->customer)) __builtin_trap();
  if (!SameNames(first->vendor_contact, second->vendor_contact)) __builtin_trap();
  if (first->vehicles.size() != second->vehicles.size()) __builtin_trap();
  if (first->customer.phones.size() != second->customer.phones.size()) __builtin_trap();
  if (first->customer.emails.size() != second->customer.emails.size()) __builtin_trap();
  // A parsed document is in the writer's normal form: a second round changes nothing.
  if (adf::Write(*second) != xml) __builtin_trap();
  return 0;
}
