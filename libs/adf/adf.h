// ADF 1.0 (Auto-lead Data Format), the XML dealer CRMs exchange leads in: a lenient parser for
// what real documents look like and a strict writer. Pure: no I/O, no clock.
#ifndef SECONDVOICE_LIBS_ADF_ADF_H_
#define SECONDVOICE_LIBS_ADF_ADF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace secondvoice::adf {

// Parse refuses larger input; leads are a few KiB.
inline constexpr size_t kMaxDocumentBytes = 1 << 20;

struct Phone {
  std::string number;
  // voice|fax|cellphone|pager, or home|work|mobile as real documents write it; lower-cased.
  std::string type;
  // morning|afternoon|evening|nopreference|day; lower-cased.
  std::string time;
  bool preferred = false;  // preferredcontact="1"
  friend bool operator==(const Phone&, const Phone&) = default;
};

struct Contact {
  std::string first_name;
  std::string middle_name;
  std::string last_name;
  std::string full_name;  // <name part="full"> or a <name> without part
  std::vector<std::string> emails;
  std::vector<Phone> phones;
  // email|phone|... from a preferredcontact="1" flag on an <email>/<phone> (whichever comes
  // first), or a channel written as <contact primarycontact="email"> / preferredcontact="...".
  std::string preferred_contact;
  struct Address {
    std::string street;  // several <street line="n"> are joined with ", "
    std::string city;
    std::string region_code;
    std::string postal_code;
    std::string country;
    friend bool operator==(const Address&, const Address&) = default;
  } address;
  friend bool operator==(const Contact&, const Contact&) = default;
};

struct Vehicle {
  std::string interest;  // buy|lease|sell|trade-in|test-drive, lower-cased
  std::string status;    // new|used
  int year = 0;          // 0: not given or unreadable
  std::string make;
  std::string model;
  std::string vin;
  std::string stock;
  std::string trim;
  std::string transmission;
  std::string color;  // <colorcombination><exteriorcolor> (or a bare <color>)
  int64_t odometer = 0;
  std::string odometer_units;  // km|mi
  std::string price_text;      // the first non-empty <price>, as written
  int64_t price_cents = 0;     // 0 when price_text is not an unambiguous amount
  std::string price_currency;  // ISO 4217, upper-cased
  std::string comments;
  friend bool operator==(const Vehicle&, const Vehicle&) = default;
};

// Documents often omit the zone: then only the local wall time is known.
struct RequestDate {
  absl::CivilSecond local;
  std::optional<int> utc_offset_minutes;
  friend bool operator==(const RequestDate&, const RequestDate&) = default;
};

struct Prospect {
  std::string status;                                    // new|resend
  std::vector<std::pair<std::string, std::string>> ids;  // (source, value) from <id source>
  std::optional<RequestDate> request_date;               // empty when missing or unreadable
  std::vector<Vehicle> vehicles;
  Contact customer;
  std::string timeframe_description;
  std::optional<absl::CivilDay> timeframe_earliest;
  std::optional<absl::CivilDay> timeframe_latest;
  std::string customer_comments;
  std::string vendor_name;
  Contact vendor_contact;
  std::string provider_name;
  friend bool operator==(const Prospect&, const Prospect&) = default;
};

// Lenient: accepts what real documents do — upper-case or attribute-less processing
// instructions (<?ADF VERSION "1.0"?>), whitespace or comments before the XML declaration,
// element and attribute names in any case (also <Name>...</name>), a BOM, UTF-8, UTF-16 with a
// BOM, ISO-8859-1/-15 and Windows-1252 (a document whose bytes are valid UTF-8 is read as UTF-8
// whatever it declares, one that is not as its single-byte encoding, Windows-1252 by default),
// bare '&', HTML entities such as &nbsp; and &euml; (unknown ones are kept as written), control
// characters, junk after the root element. Values are trimmed; one-line values have inner
// whitespace collapsed; a value over 64 KiB is cut there. Unknown elements are ignored.
//
// A lead must never be lost over a detail: an unreadable <requestdate>, timeframe date, <year>,
// <odometer> or <price> leaves that field empty/zero (price_text is always kept) and parsing
// goes on. Only a document that is not XML, is malformed (e.g. mismatched tags), has no
// <prospect> or is over kMaxDocumentBytes is an error: INVALID_ARGUMENT saying what could not
// be read and where ("line 7: mismatched tag", "no <prospect> element").
//
// A document with several prospects: the first is returned, the rest ignored (one lead per
// call; senders that batch are rare and resend singly on request).
absl::StatusOr<Prospect> Parse(absl::string_view xml);

// Strict ADF 1.0: <?xml version="1.0" encoding="UTF-8"?>, <?adf version="1.0"?>, elements and
// attributes of the spec only, in its order, text escaped, requestdate as ISO 8601 with the
// offset when known. What the spec cannot say is normalised or left out:
//   - phone type home/work -> voice, mobile/cell -> cellphone; other values outside the spec's
//     lists (phone type/time, vehicle interest/status, prospect status, odometer units) are
//     left out, so the reader falls back to the spec's default;
//   - a known price (price_cents != 0) is written as a plain number ("24995", "24995.50"),
//     otherwise price_text as is;
//   - preferred_contact is expressed as preferredcontact="1" on the first e-mail ("email") or
//     through Phone::preferred ("phone"); other channels have no place in ADF 1.0;
//   - a prospect without vehicles is written without one (the spec wants one; none is invented).
// Invalid UTF-8 becomes U+FFFD and control characters XML cannot carry are dropped.
// Parse(Write(p)) == p for a prospect in Parse's form (trimmed, a full_name beside first/last
// names) that uses only the spec's values and writes a known price as Write does; and
// Write(Parse(Write(p))) == Write(p) for any p (up to Parse's size limit).
std::string Write(const Prospect& prospect);

}  // namespace secondvoice::adf

#endif  // SECONDVOICE_LIBS_ADF_ADF_H_
