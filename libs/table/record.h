// One row of a table a campaign manager hands in (a CSV line or an Excel row), as text.
#ifndef SECONDVOICE_LIBS_TABLE_RECORD_H_
#define SECONDVOICE_LIBS_TABLE_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

namespace secondvoice::table {

struct Record {
  // 1-based line (CSV: the physical line where the record starts) or row number (XLSX).
  int64_t line = 0;
  // UTF-8 text of each field, in column order.
  std::vector<std::string> fields;
  // Non-empty when the record is structurally broken (e.g. a quote never closed); `fields`
  // then holds what could be read, and the importer rejects the row with this reason.
  std::string error;
};

}  // namespace secondvoice::table

#endif  // SECONDVOICE_LIBS_TABLE_RECORD_H_
