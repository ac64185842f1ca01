// Reads the rows of one sheet of an Excel workbook (.xlsx) as text records, the way a campaign
// manager's customer list arrives; libzip opens the container, expat streams the sheet XML.
#ifndef SECONDVOICE_LIBS_XLSX_XLSX_READER_H_
#define SECONDVOICE_LIBS_XLSX_XLSX_READER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "libs/table/record.h"

namespace secondvoice::xlsx {

class Reader {
 public:
  // `bytes` is the whole workbook (a zip file needs its central directory at the end). `sheet`
  // is a sheet name as shown on its tab (an exact match wins, otherwise ASCII case is ignored,
  // as Excel does); empty means the first sheet in workbook order. Errors are INVALID_ARGUMENT
  // and say what is wrong: "not an xlsx workbook (not a zip file)", "no sheet named 'Blad2'
  // (sheets: Blad1, Klanten)", "xl/sharedStrings.xml: line 3: mismatched tag".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Reader>> Open(std::string bytes,
                                                                    absl::string_view sheet = "");

  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next row that holds a value, in sheet order; nullopt at the end. The sheet XML is
  // streamed from the zip entry in chunks, so a large sheet is never held in memory whole.
  // Record.line is the spreadsheet row number; rows without any value are not returned, so
  // line numbers show the gaps. Fields line up with columns (A is fields[0]); missing cells
  // are "", trailing empty cells are dropped. Shared, inline and formula strings give their
  // text, booleans "TRUE"/"FALSE", errors their text ("#N/A"), numbers their text as written
  // ("612345678", "0.5", "45000"; dates stay serial numbers, see SerialToCivil).
  // Record.error is set for a row whose cells cannot be read (e.g. a shared string index out
  // of range; reading goes on) or when the sheet XML is broken (that record is the last).
  std::optional<table::Record> Next();

  // Every sheet's name, in workbook (tab) order.
  const std::vector<std::string>& sheet_names() const;

  // True when the workbook counts dates from 1904 (old Mac Excel); pass it to SerialToCivil.
  bool uses_1904_dates() const;

 private:
  struct State;
  explicit Reader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Excel's serial date (days since 1899-12-30, the fraction is the time of day, rounded to the
// second) -> civil time: "45000" -> 2023-03-15 00:00:00, "45000.5" -> 2023-03-15 12:00:00.
// With `date1904` days count from 1904-01-01. Returns nullopt for text that is not a number,
// and for numbers outside Excel's dates (negative, or after 9999-12-31).
std::optional<absl::CivilSecond> SerialToCivil(absl::string_view cell_text, bool date1904 = false);

}  // namespace secondvoice::xlsx

#endif  // SECONDVOICE_LIBS_XLSX_XLSX_READER_H_
