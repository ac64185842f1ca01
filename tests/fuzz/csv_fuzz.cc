// libFuzzer target for libs/csv/csv_reader.h: any bytes, in any chunking, give valid UTF-8
// fields, rising line numbers and the same records as when fed whole; never a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/csv/csv_reader.h"
#include "libs/table/record.h"

namespace {

using ::secondvoice::csv::Reader;
using ::secondvoice::table::Record;

// Deliberately separate from the reader's own validator, so a shared bug cannot hide.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// Feeds `input` in pieces of `chunk` bytes, except that the first piece ends at `first_split`.
std::vector<Record> ReadAll(absl::string_view input, size_t first_split, size_t chunk,
                            Reader::Options options) {
  Reader reader(options);
  std::vector<Record> records;
  auto drain = [&] {
    while (std::optional<Record> record = reader.Next()) records.push_back(std::move(*record));
  };
  reader.Feed(input.substr(0, first_split));
  drain();
  for (size_t i = first_split; i < input.size(); i += chunk) {
    reader.Feed(input.substr(i, chunk));
    drain();
  }
  reader.Finish();
  drain();
  if (reader.Next().has_value()) __builtin_trap();  // stays drained
  const char d = reader.delimiter();
  if (d != ';' && d != ',' && d != '\t') __builtin_trap();
  return records;
}

void CheckInvariants(absl::string_view input, const std::vector<Record>& records) {
  if (input.empty() && !records.empty()) __builtin_trap();
  // A record starts on a line no further than the input has.
  int64_t lines = 1;
  for (char c : input) lines += c == '\n' || c == '\r';
  int64_t previous = 0;
  for (const Record& record : records) {
    if (record.line <= previous || record.line > lines) __builtin_trap();
    previous = record.line;
    if (record.fields.empty()) __builtin_trap();
    for (const std::string& field : record.fields) {
      if (!IsValidUtf8(field)) __builtin_trap();
    }
    if (!IsValidUtf8(record.error)) __builtin_trap();
  }
}

bool SameRecords(const std::vector<Record>& a, const std::vector<Record>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].line != b[i].line || a[i].fields != b[i].fields || a[i].error != b[i].error) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const unsigned first = size > 0 ? data[0] : 0;
  const size_t split = first * (size + 1) / 256;

  const std::vector<Record> whole = ReadAll(input, size, 1, Reader::Options());
  CheckInvariants(input, whole);
  const std::vector<Record> split_in_two = ReadAll(input, split, size, Reader::Options());
  CheckInvariants(input, split_in_two);
  if (!SameRecords(whole, split_in_two)) __builtin_trap();

  // A limit small enough to be hit, and small pieces: cut records and resumption.
  Reader::Options small;
  small.max_record_bytes = 1 + first % 64;
  const std::vector<Record> limited = ReadAll(input, split, 1 + first % 7, small);
  CheckInvariants(input, limited);
  if (!SameRecords(limited, ReadAll(input, size, 1, small))) __builtin_trap();

  // Now and then behind 64 KiB of ASCII, so the encoding is settled as UTF-8 before the fuzzed
  // bytes come: their fields go through the per-field Windows-1252 fallback.
  if (first % 16 == 0) {
    // One long row rather than many short ones keeps the run fast.
    std::string padded = "x\n" + std::string(64 * 1024, 'a') + "\n";
    padded.append(input.data(), input.size());
    const std::vector<Record> late = ReadAll(padded, split, 4096, Reader::Options());
    CheckInvariants(padded, late);
  }
  return 0;
}
