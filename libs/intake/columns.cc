// Header recognition: names are compared lower-case with spaces, dots, dashes and underscores
// removed, so "E-mail adres", "e_mail" and "EMAIL" are one name.
#include "libs/intake/columns.h"

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace secondvoice::intake {
namespace {

struct FieldNames {
  Field field;
  absl::string_view name;
  // Recognised header names, already in Key() form.
  std::vector<absl::string_view> headers;
};

const std::vector<FieldNames>& Table() {
  static const auto* table = new std::vector<FieldNames>{
      {Field::kDealerId, "dealer_id", {"dealerid", "dealer", "dealercode", "vestiging"}},
      {Field::kCustomerId,
       "customer_id",
       {"customerid", "klantnummer", "klantnr", "klantid", "debiteurnummer", "relatienummer",
        "customernumber", "customerno"}},
      {Field::kFirstName, "first_name", {"firstname", "voornaam", "roepnaam", "givenname"}},
      {Field::kLastName, "last_name", {"lastname", "achternaam", "surname", "familyname"}},
      {Field::kFullName, "full_name", {"fullname", "volledigenaam", "name", "naam", "klantnaam"}},
      {Field::kLanguage, "language", {"language", "taal"}},
      {Field::kPhone,
       "phone",
       {"phone", "telefoon", "telefoonnummer", "tel", "telnr", "phonenumber", "telefoonthuis",
        "telefoonvast", "vastnummer", "homephone", "workphone", "telefoonwerk"}},
      {Field::kMobile,
       "mobile",
       {"mobile", "mobiel", "mobielnummer", "mobieltelefoon", "gsm", "cellphone", "mobilephone",
        "mobilenumber", "06"}},
      {Field::kEmail, "email", {"email", "emailadres", "emailaddress", "mail"}},
      {Field::kPreferredChannel,
       "preferred_channel",
       {"preferredchannel", "voorkeurskanaal", "voorkeur", "contactvoorkeur", "preferredcontact"}},
      {Field::kVehicleMake, "vehicle_make", {"make", "merk", "vehiclemake"}},
      {Field::kVehicleModel, "vehicle_model", {"model", "type", "vehiclemodel", "uitvoering"}},
      {Field::kVehicleYear, "vehicle_year", {"year", "bouwjaar", "modeljaar", "vehicleyear"}},
      {Field::kVehicleVin, "vehicle_vin", {"vin", "chassisnummer", "vehiclevin"}},
      {Field::kVehicleUsed, "vehicle_used", {"used", "occasion", "gebruikt", "vehicleused"}},
      {Field::kPurchaseDate,
       "purchase_date",
       {"purchasedate", "aankoopdatum", "afleverdatum", "leverdatum", "deliverydate",
        "datumaankoop"}},
      {Field::kConsentBasis,
       "consent_basis",
       {"consentbasis", "consent", "toestemming", "optin", "grondslag", "lawfulbasis",
        "marketingtoestemming"}},
      {Field::kConsentSource,
       "consent_source",
       {"consentsource", "bron", "toestemmingbron", "brontoestemming", "optinsource"}},
      {Field::kConsentGivenAt,
       "consent_given_at",
       {"consentgivenat", "consentdate", "datumtoestemming", "toestemmingsdatum", "optindate",
        "optindatum"}},
      {Field::kRelationshipLastAt,
       "relationship_last_at",
       {"relationshiplastat", "laatstecontact", "laatstebezoek", "lastvisit", "lastcontact",
        "laatsteonderhoud", "lastservice", "laatsteservicebeurt"}},
      {Field::kNotes, "notes", {"notes", "opmerkingen", "opmerking", "notities", "comments"}},
  };
  return *table;
}

std::string Key(absl::string_view header) {
  std::string key;
  for (char c : header) {
    if (c == ' ' || c == '.' || c == '-' || c == '_' || c == '\t' || c == ':') continue;
    key.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

}  // namespace

absl::string_view FieldName(Field field) {
  for (const FieldNames& f : Table()) {
    if (f.field == field) return f.name;
  }
  return "unknown";
}

std::optional<Field> FieldFromName(absl::string_view name) {
  for (const FieldNames& f : Table()) {
    if (f.name == name) return f.field;
  }
  return std::nullopt;
}

absl::StatusOr<ColumnMap> MapColumns(const std::vector<std::string>& header,
                                     const std::map<std::string, std::string>& explicit_mapping) {
  ColumnMap map;
  map.headers = header;
  map.fields.resize(header.size());
  for (const auto& [column, field_name] : explicit_mapping) {
    if (std::find(header.begin(), header.end(), column) == header.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("column_mapping: the header has no column '", column,
                       "' (it has: ", absl::StrJoin(header, ", "), ")"));
    }
    if (!FieldFromName(field_name) && !field_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column_mapping: '", field_name, "' (for column '", column, "') is not a lead field"));
    }
  }
  int recognised = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    if (auto it = explicit_mapping.find(header[i]); it != explicit_mapping.end()) {
      map.fields[i] = FieldFromName(it->second);  // "" maps the column to nothing
    } else {
      const std::string key = Key(header[i]);
      for (const FieldNames& f : Table()) {
        if (key == f.name || Key(f.name) == key ||
            std::find(f.headers.begin(), f.headers.end(), key) != f.headers.end()) {
          map.fields[i] = f.field;
          break;
        }
      }
    }
    if (map.fields[i]) ++recognised;
  }
  if (recognised == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line 1: no column is recognised (the header is '", absl::StrJoin(header, "', '"),
        "'; expected names such as voornaam, achternaam, telefoon, e-mail, "
        "klantnummer, or give a column_mapping)"));
  }
  return map;
}

}  // namespace secondvoice::intake
