// Which lead field each column of a list holds: recognised by header name in Dutch or English
// ("voornaam" / "first name", "telefoon" / "mobiel" / "phone", ...) or by an explicit mapping.
#ifndef SECONDVOICE_LIBS_INTAKE_COLUMNS_H_
#define SECONDVOICE_LIBS_INTAKE_COLUMNS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace secondvoice::intake {

enum class Field {
  kDealerId,
  kCustomerId,
  kFirstName,
  kLastName,
  kFullName,
  kLanguage,
  kPhone,
  kMobile,
  kEmail,
  kPreferredChannel,
  kVehicleMake,
  kVehicleModel,
  kVehicleYear,
  kVehicleVin,
  kVehicleUsed,
  kPurchaseDate,
  kConsentBasis,
  kConsentSource,
  kConsentGivenAt,
  kRelationshipLastAt,
  kNotes,
};

// The field's name in explicit mappings and messages ("phone", "consent_given_at").
absl::string_view FieldName(Field field);
std::optional<Field> FieldFromName(absl::string_view name);

struct ColumnMap {
  // One entry per header column; nullopt for a column no field claims (its values go to notes).
  std::vector<std::optional<Field>> fields;
  // The header as written, for notes ("Kleur: rood") and messages.
  std::vector<std::string> headers;
};

// Maps a header row. `explicit_mapping` (header as written -> field name) wins over recognition.
// INVALID_ARGUMENT when the mapping names an unknown column or field, or when no column is
// recognised at all (then the first line is probably not a header).
absl::StatusOr<ColumnMap> MapColumns(const std::vector<std::string>& header,
                                     const std::map<std::string, std::string>& explicit_mapping);

}  // namespace secondvoice::intake

#endif  // SECONDVOICE_LIBS_INTAKE_COLUMNS_H_
