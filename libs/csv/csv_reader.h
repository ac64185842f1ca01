// Streaming reader for the CSV lists campaign managers export from spreadsheet programs (Dutch and
// Belgian Excel/LibreOffice: ';' or ',' or tab, UTF-8 with or without BOM, or Windows-1252).
#ifndef SECONDVOICE_LIBS_CSV_CSV_READER_H_
#define SECONDVOICE_LIBS_CSV_CSV_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/table/record.h"

namespace secondvoice::csv {

enum class Encoding {
  kUtf8,         // no BOM, the first 64 KiB are valid UTF-8
  kUtf8Bom,      // started with EF BB BF (stripped)
  kWindows1252,  // no BOM and the first 64 KiB are not valid UTF-8: every field is converted
};

// Bytes go in with Feed() in chunks of any size, records come out with Next(). Memory stays at
// the 64 KiB detection window plus the record being read, as long as the caller drains Next()
// between Feeds.
//
// Parsing follows RFC 4180 as spreadsheets write it, leniently:
//  - a quote opens a quoted field only at the start of a field; elsewhere it is a literal '"';
//  - text after a closing quote is appended to the field: `"ab"c` reads as `abc` (as Excel and
//    Python's csv module do);
//  - line breaks are CRLF, LF or a lone CR; lines without any character are skipped;
//  - Record.line is the physical line (1-based, after the BOM) where the record starts, counting
//    the line breaks inside quoted fields too, so it matches what a text editor shows;
//  - a quote never closed, or a record over Options::max_record_bytes, yields a record with
//    Record.error set; after an over-long record reading resumes at the next line break.
// Every field comes out as valid UTF-8.
class Reader {
 public:
  struct Options {
    // Bytes of one record as read (quotes, delimiters and inner line breaks included).
    size_t max_record_bytes = 1 << 20;
  };

  Reader();
  explicit Reader(Options options);

  // Feed bytes as they arrive, in chunks of any size (a chunk may end mid-character, mid-quote,
  // between \r and \n). Bytes fed after Finish() are ignored.
  void Feed(absl::string_view bytes);
  // No more bytes will come: the last record (without trailing newline) becomes available.
  void Finish();
  // The next complete record, or nullopt when none is ready yet (or all are consumed after
  // Finish). Until the encoding and the delimiter are decided no record is returned.
  std::optional<table::Record> Next();

  // The delimiter: ';', ',' or '\t', whichever occurs most often outside quotes in the first
  // record (ties prefer ';', then ',', then tab; none at all means ','). Valid once the first
  // record has been returned; ',' before.
  char delimiter() const { return delimiter_; }
  // Valid once the first record has been returned; kUtf8 before.
  Encoding encoding() const { return encoding_; }

 private:
  enum class State {
    kRecordStart,     // between records: line breaks here are empty lines
    kFieldStart,      // after a delimiter, or at the first byte of a record
    kUnquoted,        // inside an unquoted field (or the text after a closing quote)
    kQuoted,          // inside a quoted field
    kQuoteInQuoted,   // saw '"' in a quoted field: either "" or the closing quote
    kSkipToLineBreak  // after an over-long record: discard up to the next line break
  };

  // Decides the encoding and the delimiter from the buffered start of the input. Incremental:
  // each call looks only at bytes not seen before. True once both are decided.
  bool Decide();
  bool DecideEncoding();
  bool DecideDelimiter();

  // Parses from buf_[pos_]. True when cur_ holds a complete record; false when the buffer is
  // used up (all its bytes are then in the parser state: buf_ may be dropped).
  bool Parse();
  // At end of input: completes the record in progress. True when there was one.
  bool FinishRecord();
  // Ends the record at the line break at buf_[offset].
  bool EndRecord(size_t offset);
  // Ends the record as too long; the byte at buf_[offset] is the first not taken.
  bool EndOverlongRecord(size_t offset);
  // Moves field_, converted to UTF-8, into cur_.
  void EndField();
  table::Record TakeRecord();

  Options options_;
  std::string buf_;  // fed bytes not yet parsed start at pos_
  size_t pos_ = 0;
  bool finished_ = false;
  bool eof_done_ = false;

  // Detection.
  bool bom_checked_ = false;
  bool encoding_decided_ = false;
  bool delimiter_decided_ = false;
  bool decided_ = false;
  size_t encoding_scan_ = 0;  // buf_ offset up to which the window is known to be valid UTF-8
  size_t delimiter_scan_ = 0;
  int delimiter_scan_state_ = 0;
  size_t header_bytes_ = 0;
  std::array<size_t, 3> delimiter_counts_ = {0, 0, 0};  // ';' ',' '\t'
  Encoding encoding_ = Encoding::kUtf8;
  char delimiter_ = ',';
  // Bytes that stop the scan of an unquoted field: the delimiter, CR and LF.
  std::array<bool, 256> unquoted_stop_ = {};

  // Parser.
  State state_ = State::kRecordStart;
  int64_t line_ = 1;        // physical line of the next byte
  bool after_cr_ = false;   // the last line break taken was a CR: a LF right after belongs to it
  int64_t quote_line_ = 0;  // where the current quoted field opened
  size_t record_bytes_ = 0;
  std::string field_;  // raw bytes of the field being read; capacity reused
  table::Record cur_;
};

}  // namespace secondvoice::csv

#endif  // SECONDVOICE_LIBS_CSV_CSV_READER_H_
