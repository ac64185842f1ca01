// Streaming CSV reader: encoding and delimiter detection, then a resumable byte state machine
// that scans runs of ordinary bytes at once and copies them into a reused field buffer.
#include "libs/csv/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace secondvoice::csv {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";
// Enough of a spreadsheet export to tell UTF-8 from Windows-1252 with confidence.
constexpr size_t kDetectionWindow = 64 * 1024;

// Windows-1252 0x80-0x9F; the five undefined bytes become U+FFFD. 0xA0-0xFF equal Latin-1.
constexpr char32_t kWindows1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,  // 88-8F
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,  // 98-9F
};

// Length of the run of ASCII bytes at the start of [p, p + n), eight bytes at a time.
size_t AsciiPrefix(const char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

// The length of the UTF-8 sequence at p (avail > 0 bytes readable); 0 when it is invalid
// (overlong forms, surrogates and code points past U+10FFFF included); -1 when the bytes so far
// are a valid start but the sequence runs past avail.
int Utf8SequenceLength(const unsigned char* p, size_t avail) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  int length;
  unsigned char lo = 0x80;  // allowed range of the second byte
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c == 0xE0) {
    length = 3;
    lo = 0xA0;
  } else if (c == 0xED) {
    length = 3;
    hi = 0x9F;
  } else if (c >= 0xE1 && c <= 0xEF) {
    length = 3;
  } else if (c == 0xF0) {
    length = 4;
    lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    length = 4;
  } else if (c == 0xF4) {
    length = 4;
    hi = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<size_t>(i) >= avail) return -1;
    const unsigned char b = p[i];
    if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view s) {
  const auto* data = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    i += AsciiPrefix(s.data() + i, s.size() - i);
    if (i == s.size()) break;
    const int length = Utf8SequenceLength(data + i, s.size() - i);
    if (length <= 0) return false;
    i += length;
  }
  return true;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {  // Windows-1252 never needs more than three bytes
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendWindows1252AsUtf8(absl::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() * 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else if (c < 0xA0) {
      AppendUtf8(kWindows1252High[c - 0x80], out);
    } else {
      AppendUtf8(c, out);
    }
  }
}

// "1 MiB", "64 KiB" or "1000 bytes", for the error of an over-long record.
std::string SizeText(size_t bytes) {
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return absl::StrCat(bytes >> 20, " MiB");
  if (bytes >= 1024 && bytes % 1024 == 0) return absl::StrCat(bytes >> 10, " KiB");
  return absl::StrCat(bytes, " bytes");
}

// Index of a delimiter candidate in Reader::delimiter_counts_, or -1.
int CandidateIndex(char c) {
  switch (c) {
    case ';':
      return 0;
    case ',':
      return 1;
    case '\t':
      return 2;
    default:
      return -1;
  }
}

// States of the header scan that picks the delimiter; a reduced form of the parser's, since the
// delimiter is not known yet: any candidate ends a field.
enum HeaderScan { kHeaderFieldStart = 0, kHeaderUnquoted, kHeaderQuoted, kHeaderQuoteInQuoted };

}  // namespace

Reader::Reader() : Reader(Options()) {}

Reader::Reader(Options options) : options_(options) {}

void Reader::Feed(absl::string_view bytes) {
  if (finished_) return;
  // Drop parsed bytes once they are the larger part, so that compaction stays linear overall.
  if (decided_ && pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes.data(), bytes.size());
}

void Reader::Finish() { finished_ = true; }

std::optional<table::Record> Reader::Next() {
  if (!decided_ && !Decide()) return std::nullopt;
  if (Parse()) return TakeRecord();
  // Every byte is now in the parser state.
  buf_.clear();
  pos_ = 0;
  if (finished_ && !eof_done_) {
    eof_done_ = true;
    if (FinishRecord()) return TakeRecord();
  }
  return std::nullopt;
}

bool Reader::Decide() {
  if (!bom_checked_) {
    const size_t n = std::min(buf_.size(), kBom.size());
    if (absl::string_view(buf_).substr(0, n) != kBom.substr(0, n)) {
      bom_checked_ = true;
    } else if (n == kBom.size()) {
      buf_.erase(0, kBom.size());
      encoding_ = Encoding::kUtf8Bom;
      encoding_decided_ = true;
      bom_checked_ = true;
    } else if (finished_) {
      bom_checked_ = true;  // a lone EF or EF BB: ordinary (invalid UTF-8) bytes
    } else {
      return false;
    }
  }
  if (!encoding_decided_) encoding_decided_ = DecideEncoding();
  if (!delimiter_decided_) delimiter_decided_ = DecideDelimiter();
  if (!encoding_decided_ || !delimiter_decided_) return false;
  unquoted_stop_[static_cast<unsigned char>(delimiter_)] = true;
  unquoted_stop_['\r'] = true;
  unquoted_stop_['\n'] = true;
  decided_ = true;
  return true;
}

bool Reader::DecideEncoding() {
  const size_t n = buf_.size();
  const size_t window_end = std::min(n, kDetectionWindow);
  const auto* data = reinterpret_cast<const unsigned char*>(buf_.data());
  while (encoding_scan_ < window_end) {
    encoding_scan_ += AsciiPrefix(buf_.data() + encoding_scan_, window_end - encoding_scan_);
    if (encoding_scan_ >= window_end) break;
    // A character may straddle the window end: it is judged whole.
    const int length = Utf8SequenceLength(data + encoding_scan_, n - encoding_scan_);
    if (length > 0) {
      encoding_scan_ += length;
    } else if (length < 0 && !finished_) {
      return false;  // the rest of the character has not arrived yet
    } else {
      encoding_ = Encoding::kWindows1252;
      return true;
    }
  }
  if (encoding_scan_ >= kDetectionWindow || finished_) {
    encoding_ = Encoding::kUtf8;
    return true;
  }
  return false;
}

bool Reader::DecideDelimiter() {
  bool header_complete = false;
  while (delimiter_scan_ < buf_.size()) {
    const char c = buf_[delimiter_scan_];
    const bool line_break = c == '\r' || c == '\n';
    if (header_bytes_ == 0 && line_break) {  // empty lines before the header
      ++delimiter_scan_;
      continue;
    }
    if ((line_break && delimiter_scan_state_ != kHeaderQuoted) ||
        header_bytes_ >= options_.max_record_bytes) {
      header_complete = true;
      break;
    }
    ++header_bytes_;
    ++delimiter_scan_;
    const int candidate = CandidateIndex(c);
    switch (delimiter_scan_state_) {
      case kHeaderFieldStart:
      case kHeaderUnquoted:
      case kHeaderQuoteInQuoted:
        if (candidate >= 0) {
          ++delimiter_counts_[candidate];
          delimiter_scan_state_ = kHeaderFieldStart;
        } else if (c == '"') {
          delimiter_scan_state_ =
              delimiter_scan_state_ == kHeaderUnquoted ? kHeaderUnquoted : kHeaderQuoted;
        } else {
          delimiter_scan_state_ = kHeaderUnquoted;
        }
        break;
      case kHeaderQuoted:
        if (c == '"') delimiter_scan_state_ = kHeaderQuoteInQuoted;
        break;
    }
  }
  if (!header_complete && !finished_) return false;
  // Most frequent wins; on a tie the earlier of ';' ',' '\t' (';' is what Dutch and Belgian
  // Excel writes). A single-column header has none and gets ','.
  static constexpr char kCandidates[3] = {';', ',', '\t'};
  int best = 0;
  for (int i = 1; i < 3; ++i) {
    if (delimiter_counts_[i] > delimiter_counts_[best]) best = i;
  }
  delimiter_ = delimiter_counts_[best] > 0 ? kCandidates[best] : ',';
  return true;
}

bool Reader::Parse() {
  const char* const begin = buf_.data();
  const char* const end = begin + buf_.size();
  const char* p = begin + pos_;
  const size_t max = options_.max_record_bytes;
  while (p < end) {
    switch (state_) {
      case State::kRecordStart: {
        const char c = *p;
        if (c == '\r' || c == '\n') {
          // Either the LF of the CRLF that ended the previous record, or an empty line.
          if (c == '\r' || !after_cr_) ++line_;
          after_cr_ = c == '\r';
          ++p;
          break;
        }
        after_cr_ = false;
        cur_.line = line_;
        record_bytes_ = 0;
        state_ = State::kFieldStart;
        break;
      }

      case State::kFieldStart:
        if (*p != '"') {
          state_ = State::kUnquoted;
          break;
        }
        if (record_bytes_ >= max) return EndOverlongRecord(p - begin);
        ++record_bytes_;
        ++p;
        quote_line_ = line_;
        after_cr_ = false;
        state_ = State::kQuoted;
        break;

      case State::kUnquoted: {
        // The scan stops at the delimiter, a line break or the record's byte budget.
        const char* const stop = p + std::min<size_t>(end - p, max - record_bytes_);
        const char* q = p;
        while (q < stop && !unquoted_stop_[static_cast<unsigned char>(*q)]) ++q;
        field_.append(p, q - p);
        record_bytes_ += q - p;
        p = q;
        if (p == end) break;
        const char c = *p;
        if (c == '\r' || c == '\n') return EndRecord(p - begin);
        if (record_bytes_ >= max) return EndOverlongRecord(p - begin);
        ++record_bytes_;
        ++p;
        EndField();
        state_ = State::kFieldStart;
        break;
      }

      case State::kQuoted: {
        const char* const stop = p + std::min<size_t>(end - p, max - record_bytes_);
        while (p < stop) {
          const char* q = p;
          while (q < stop && *q != '"' && *q != '\r' && *q != '\n') ++q;
          if (q > p) {
            field_.append(p, q - p);
            record_bytes_ += q - p;
            after_cr_ = false;
            p = q;
            if (p == stop) break;
          }
          const char c = *p;
          ++record_bytes_;
          ++p;
          if (c == '"') {
            state_ = State::kQuoteInQuoted;
            break;
          }
          // A line break inside quotes belongs to the field and still starts a physical line.
          if (c == '\r' || !after_cr_) ++line_;
          after_cr_ = c == '\r';
          field_.push_back(c);
        }
        if (state_ == State::kQuoted && p < end) return EndOverlongRecord(p - begin);
        break;
      }

      case State::kQuoteInQuoted: {
        const char c = *p;
        if (c == '\r' || c == '\n') return EndRecord(p - begin);
        if (c != '"' && c != delimiter_) {
          // Text after the closing quote is kept: `"ab"c` reads as `abc`.
          state_ = State::kUnquoted;
          break;
        }
        if (record_bytes_ >= max) return EndOverlongRecord(p - begin);
        ++record_bytes_;
        ++p;
        if (c == '"') {  // "" stands for one quote
          field_.push_back('"');
          state_ = State::kQuoted;
        } else {
          EndField();
          state_ = State::kFieldStart;
        }
        break;
      }

      case State::kSkipToLineBreak: {
        while (p < end && *p != '\r' && *p != '\n') ++p;
        if (p == end) break;
        ++line_;
        after_cr_ = *p == '\r';
        ++p;
        state_ = State::kRecordStart;
        break;
      }
    }
  }
  pos_ = buf_.size();
  return false;
}

bool Reader::FinishRecord() {
  switch (state_) {
    case State::kRecordStart:
    case State::kSkipToLineBreak:
      return false;
    case State::kQuoted:
      EndField();
      cur_.error = absl::StrCat("quote opened on line ", quote_line_, " is never closed");
      break;
    case State::kFieldStart:  // the input ends right after a delimiter: one more empty field
    case State::kUnquoted:
    case State::kQuoteInQuoted:
      EndField();
      break;
  }
  state_ = State::kRecordStart;
  return true;
}

bool Reader::EndRecord(size_t offset) {
  EndField();
  ++line_;
  after_cr_ = buf_[offset] == '\r';
  pos_ = offset + 1;
  state_ = State::kRecordStart;
  return true;
}

bool Reader::EndOverlongRecord(size_t offset) {
  const bool in_quotes = state_ == State::kQuoted;
  EndField();
  cur_.error = absl::StrCat("record longer than ", SizeText(options_.max_record_bytes),
                            ": a quote left open?");
  if (in_quotes) absl::StrAppend(&cur_.error, " (quote opened on line ", quote_line_, ")");
  pos_ = offset;
  state_ = State::kSkipToLineBreak;
  return true;
}

void Reader::EndField() {
  std::string& out = cur_.fields.emplace_back();
  const bool ascii = AsciiPrefix(field_.data(), field_.size()) == field_.size();
  if (ascii || (encoding_ != Encoding::kWindows1252 && IsValidUtf8(field_))) {
    out.assign(field_);
  } else {
    // Windows-1252 files, and in UTF-8 files a field past the detection window that is not
    // UTF-8 after all (a list pasted together from two exports).
    AppendWindows1252AsUtf8(field_, &out);
  }
  field_.clear();
}

table::Record Reader::TakeRecord() {
  table::Record record = std::move(cur_);
  cur_ = table::Record();
  cur_.fields.reserve(record.fields.size());  // the next row most likely has as many columns
  return record;
}

}  // namespace secondvoice::csv
