// Translation between the secondvoice.v1 API messages and the domain types, plus the one
// place where absl::Status becomes grpc::Status.
#ifndef SECONDVOICE_SERVICES_SCHEDULER_CONVERT_H_
#define SECONDVOICE_SERVICES_SCHEDULER_CONVERT_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "libs/domain/types.h"
#include "libs/handover/packet.h"
#include "libs/store/handovers.h"
#include "secondvoice/v1/campaign_service.pb.h"
#include "secondvoice/v1/common.pb.h"
#include "secondvoice/v1/dealer_service.pb.h"
#include "secondvoice/v1/handover.pb.h"

namespace secondvoice::scheduler {

namespace pb = ::secondvoice::v1;

// API enums are the domain's shifted by one (0 is *_UNSPECIFIED).
template <typename P, typename D>
P Pb(D value) {
  return static_cast<P>(static_cast<int>(value) + 1);
}

// nullopt for *_UNSPECIFIED (0) and values this build does not know.
template <typename D, typename P>
std::optional<D> Dom(P value, D last) {
  const int v = static_cast<int>(value);
  if (v < 1 || v > static_cast<int>(last) + 1) return std::nullopt;
  return static_cast<D>(v - 1);
}

// absl and gRPC share their status codes; the message is kept.
grpc::Status ToGrpc(const absl::Status& status);

void ToProto(absl::Time t, google::protobuf::Timestamp* out);
// Unset (0/0) timestamps become nullopt.
std::optional<absl::Time> FromProto(const google::protobuf::Timestamp& t);

domain::Dealer FromProto(const pb::Dealer& p);
void ToProto(const domain::Dealer& d, pb::Dealer* out);

domain::Queue FromProto(const pb::Queue& p);
void ToProto(const domain::Queue& q, pb::Queue* out);

// INVALID_ARGUMENT naming the field for enum values that must be given.
absl::StatusOr<domain::Campaign> FromProto(const pb::Campaign& p);
void ToProto(const domain::Campaign& c, pb::Campaign* out);
std::optional<domain::CampaignState> FromProto(pb::CampaignState s);

void ToProto(const domain::Lead& l, pb::Lead* out);
void ToProto(const domain::LeadEvent& e, pb::LeadEvent* out);
void ToProto(const domain::Attempt& a, pb::Attempt* out);
void ToProto(const domain::Vehicle& v, pb::Vehicle* out);
// A vehicle without a role takes `unspecified`.
domain::Vehicle FromProto(const pb::Vehicle& p, domain::VehicleRole unspecified);

// INVALID_ARGUMENT naming the field (under `field`, e.g. "outcome.appointment") when the time
// is missing.
absl::StatusOr<handover::Appointment> FromProto(const pb::Appointment& p, absl::string_view field);
void ToProto(const handover::Appointment& a, pb::Appointment* out);
// The statements' vehicles go to `vehicles` with their roles.
handover::Statements FromProto(const pb::CustomerStatements& p,
                               std::vector<domain::Vehicle>* vehicles);
// The packet with its summary and ADF renderings.
void ToProto(const handover::Packet& p, pb::Handover* out);
void ToProto(const store::HandoverRow& h, pb::HandoverRecord* out);

}  // namespace secondvoice::scheduler

#endif  // SECONDVOICE_SERVICES_SCHEDULER_CONVERT_H_
