// Reader for .xlsx workbooks: the package relationships lead from the workbook to the sheet's
// part, whose XML is fed to expat chunk by chunk straight from the zip entry.
#include "libs/xlsx/xlsx_reader.h"

#include <expat.h>
#include <zip.h>

#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/common/status_macros.h"

namespace secondvoice::xlsx {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
// Parts other than the sheet are read whole; a zip bomb in one must not exhaust memory.
constexpr int64_t kMaxPartBytes = int64_t{256} << 20;
// Excel's last column, XFD. Also keeps a hostile "ZZZZZZ1" from filling a row with blanks.
constexpr int kMaxColumn = 16384;
// Expat reports namespaced names as "uri|local"; '|' never occurs in a local name.
constexpr char kNamespaceSeparator = '|';
// An OLE compound file: an .xls workbook, or an .xlsx that was saved with a password.
constexpr absl::string_view kCompoundFileMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

template <typename... Args>
absl::Status Invalid(const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(args...));
}

struct ZipDiscard {
  void operator()(zip_t* zip) const { zip_discard(zip); }
};
struct ZipFileClose {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

// Namespaces differ between transitional and strict OOXML, and some writers bind the main one
// to a prefix ("x:row"): elements and attributes are matched by local name only.
absl::string_view LocalName(const char* name) {
  absl::string_view view(name);
  const size_t separator = view.rfind(kNamespaceSeparator);
  return separator == absl::string_view::npos ? view : view.substr(separator + 1);
}

std::optional<absl::string_view> Attr(const char** attrs, absl::string_view local_name) {
  for (; *attrs != nullptr; attrs += 2) {
    if (LocalName(attrs[0]) == local_name) return absl::string_view(attrs[1]);
  }
  return std::nullopt;
}

using Path = std::vector<std::string>;

// Receives the events of one XML part. `path` holds the local names of the open elements,
// outermost first; the element the event is about is last.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(const Path& path, const char** attrs) = 0;
  virtual void End(const Path& path) = 0;
  virtual void Text(const Path& path, absl::string_view text) = 0;
};

// One expat parser for one part, fed in chunks.
class XmlStream {
 public:
  XmlStream(std::string part, XmlHandler* handler)
      : part_(std::move(part)),
        handler_(handler),
        parser_(XML_ParserCreateNS(nullptr, kNamespaceSeparator)) {
    if (parser_ == nullptr) return;
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlStream::OnStart, &XmlStream::OnEnd);
    XML_SetCharacterDataHandler(parser_, &XmlStream::OnText);
  }
  ~XmlStream() {
    if (parser_ != nullptr) XML_ParserFree(parser_);
  }
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // `chunk` is at most kChunkBytes; `last` says the part ends after it.
  absl::Status Feed(absl::string_view chunk, bool last) {
    if (parser_ == nullptr) return absl::ResourceExhaustedError("out of memory for an XML parser");
    if (XML_Parse(parser_, chunk.data(), static_cast<int>(chunk.size()), last) ==
        XML_STATUS_ERROR) {
      return Invalid(part_, ": line ", XML_GetCurrentLineNumber(parser_), ": ",
                     XML_ErrorString(XML_GetErrorCode(parser_)));
    }
    return absl::OkStatus();
  }

 private:
  static void XMLCALL OnStart(void* self, const XML_Char* name, const XML_Char** attrs) {
    auto* stream = static_cast<XmlStream*>(self);
    stream->path_.emplace_back(LocalName(name));
    stream->handler_->Start(stream->path_, attrs);
  }
  static void XMLCALL OnEnd(void* self, const XML_Char* /*name*/) {
    auto* stream = static_cast<XmlStream*>(self);
    stream->handler_->End(stream->path_);
    stream->path_.pop_back();
  }
  static void XMLCALL OnText(void* self, const XML_Char* text, int length) {
    auto* stream = static_cast<XmlStream*>(self);
    stream->handler_->Text(stream->path_, absl::string_view(text, length));
  }

  std::string part_;
  XmlHandler* handler_;
  XML_Parser parser_;
  Path path_;
};

bool Exists(zip_t* zip, const std::string& part) {
  return zip_name_locate(zip, part.c_str(), ZIP_FL_NOCASE) >= 0;
}

// Part names are case-insensitive in the package format, so lookups are too.
absl::StatusOr<ZipFilePtr> OpenPart(zip_t* zip, const std::string& part) {
  zip_file_t* file = zip_fopen(zip, part.c_str(), ZIP_FL_NOCASE);
  if (file == nullptr) return Invalid(part, ": ", zip_strerror(zip));
  return ZipFilePtr(file);
}

// Feeds a whole part to `handler`.
absl::Status ParsePart(zip_t* zip, const std::string& part, XmlHandler* handler) {
  ASSIGN_OR_RETURN(ZipFilePtr file, OpenPart(zip, part));
  XmlStream xml(part, handler);
  std::string buffer(kChunkBytes, '\0');
  int64_t total = 0;
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) return Invalid(part, ": ", zip_file_strerror(file.get()));
    total += n;
    if (total > kMaxPartBytes) return Invalid(part, ": larger than 256 MiB unpacked");
    RETURN_IF_ERROR(xml.Feed(absl::string_view(buffer.data(), n), n == 0));
    if (n == 0) return absl::OkStatus();
  }
}

// "xl/workbook.xml" -> "xl/".
std::string Directory(absl::string_view part) {
  const size_t slash = part.rfind('/');
  return slash == absl::string_view::npos ? "" : std::string(part.substr(0, slash + 1));
}

// A relationship target, relative to the source part's directory or absolute ("/xl/..."), as
// a zip entry name.
std::string ResolveTarget(absl::string_view directory, absl::string_view target) {
  const std::string joined =
      absl::ConsumePrefix(&target, "/") ? std::string(target) : absl::StrCat(directory, target);
  std::vector<absl::string_view> segments;
  for (absl::string_view segment : absl::StrSplit(joined, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  return absl::StrJoin(segments, "/");
}

struct Relationship {
  std::string type;
  std::string part;
};

// A .rels part: relationship id -> type and target part.
class RelationshipsHandler : public XmlHandler {
 public:
  explicit RelationshipsHandler(std::string source_directory)
      : source_directory_(std::move(source_directory)) {}

  void Start(const Path& path, const char** attrs) override {
    if (path.size() != 2 || path[1] != "Relationship") return;
    if (Attr(attrs, "TargetMode").value_or("") == "External") return;
    const auto id = Attr(attrs, "Id");
    const auto target = Attr(attrs, "Target");
    if (!id || !target) return;
    by_id_[std::string(*id)] = {std::string(Attr(attrs, "Type").value_or("")),
                                ResolveTarget(source_directory_, *target)};
  }
  void End(const Path&) override {}
  void Text(const Path&, absl::string_view) override {}

  std::map<std::string, Relationship>& by_id() { return by_id_; }

 private:
  std::string source_directory_;
  std::map<std::string, Relationship> by_id_;
};

// The relationships of `part` (none when it has no .rels part).
absl::StatusOr<std::map<std::string, Relationship>> ReadRelationships(zip_t* zip,
                                                                      absl::string_view part) {
  const std::string directory = Directory(part);
  const std::string rels =
      absl::StrCat(directory, "_rels/", part.substr(directory.size()), ".rels");
  RelationshipsHandler handler(directory);
  if (Exists(zip, rels)) RETURN_IF_ERROR(ParsePart(zip, rels, &handler));
  return std::move(handler.by_id());
}

// Relationship types differ between transitional and strict OOXML only before the last '/'.
const Relationship* FindByType(const std::map<std::string, Relationship>& relationships,
                               absl::string_view type_suffix) {
  for (const auto& [id, relationship] : relationships) {
    if (absl::EndsWith(relationship.type, type_suffix)) return &relationship;
  }
  return nullptr;
}

struct SheetEntry {
  std::string name;
  std::string relationship_id;
};

// xl/workbook.xml: the sheets in tab order and the date system.
class WorkbookHandler : public XmlHandler {
 public:
  void Start(const Path& path, const char** attrs) override {
    if (path.size() == 3 && path[1] == "sheets" && path[2] == "sheet") {
      sheets.push_back({std::string(Attr(attrs, "name").value_or("")),
                        std::string(Attr(attrs, "id").value_or(""))});
    } else if (path.size() == 2 && path[1] == "workbookPr") {
      const absl::string_view date1904 = Attr(attrs, "date1904").value_or("");
      uses_1904_dates = date1904 == "1" || date1904 == "true";
    }
  }
  void End(const Path&) override {}
  void Text(const Path&, absl::string_view) override {}

  std::vector<SheetEntry> sheets;
  bool uses_1904_dates = false;
};

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// "_x000D_" at `text[0]` -> 0x0D.
std::optional<uint32_t> EscapeAt(absl::string_view text) {
  if (text.size() < 7 || text[0] != '_' || text[1] != 'x' || text[6] != '_') return std::nullopt;
  uint32_t code_point = 0;
  for (char c : text.substr(2, 4)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const int digit = absl::ascii_isdigit(static_cast<unsigned char>(c))
                          ? c - '0'
                          : absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    code_point = code_point * 16 + digit;
  }
  return code_point;
}

// Excel writes characters XML cannot carry (and a literal "_x" followed by hex, as "_x005F_x")
// in strings as "_xHHHH_" UTF-16 escapes; a carriage return in a cell arrives as "_x000D_".
std::string DecodeEscapes(absl::string_view text) {
  if (!absl::StrContains(text, "_x")) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    std::optional<uint32_t> unit = EscapeAt(text.substr(i));
    if (unit && *unit >= 0xD800 && *unit <= 0xDBFF) {
      const std::optional<uint32_t> low = EscapeAt(text.substr(i + 7));
      if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
        AppendUtf8(0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00), &out);
        i += 14;
        continue;
      }
      unit.reset();  // A lone surrogate is no character: keep the text as it is.
    }
    if (unit && !(*unit >= 0xDC00 && *unit <= 0xDFFF)) {
      AppendUtf8(*unit, &out);
      i += 7;
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

// Within a string item (<si> or <is>, at path[item]), the text is that of its own <t> and of
// its rich text runs' <t>; <rPh> phonetic hints are not part of the value.
bool IsStringItemText(const Path& path, size_t item) {
  if (path.back() != "t") return false;
  return path.size() == item + 2 || (path.size() == item + 3 && path[item + 1] == "r");
}

// xl/sharedStrings.xml.
class SharedStringsHandler : public XmlHandler {
 public:
  void Start(const Path& path, const char**) override {
    if (IsItem(path)) strings.emplace_back();
  }
  void End(const Path& path) override {
    if (IsItem(path)) strings.back() = DecodeEscapes(strings.back());
  }
  void Text(const Path& path, absl::string_view text) override {
    if (path.size() > 2 && path[1] == "si" && IsStringItemText(path, 1)) {
      absl::StrAppend(&strings.back(), text);
    }
  }

  std::vector<std::string> strings;

 private:
  static bool IsItem(const Path& path) { return path.size() == 2 && path[1] == "si"; }
};

// 27 -> "AA", 16384 -> "XFD".
std::string ColumnName(int column) {
  std::string name;
  for (; column > 0; column = (column - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (column - 1) % 26));
  }
  return name;
}

// "C7" -> 3, "AA1" -> 27; 0 for a reference that is not a column and row within Excel's range.
int ColumnOf(absl::string_view reference) {
  int column = 0;
  size_t i = 0;
  for (; i < reference.size() && absl::ascii_isalpha(static_cast<unsigned char>(reference[i]));
       ++i) {
    column =
        column * 26 + (absl::ascii_toupper(static_cast<unsigned char>(reference[i])) - 'A' + 1);
    if (column > kMaxColumn) return 0;
  }
  if (i == 0 || i == reference.size()) return 0;
  for (; i < reference.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(reference[i]))) return 0;
  }
  return column;
}

// Turns the events of a worksheet part into records, queued until Next() takes them.
class SheetHandler : public XmlHandler {
 public:
  explicit SheetHandler(const std::vector<std::string>* shared_strings)
      : shared_strings_(shared_strings) {}

  void Start(const Path& path, const char** attrs) override {
    if (IsRow(path)) {
      StartRow(attrs);
    } else if (IsCell(path)) {
      StartCell(attrs);
    }
  }

  void End(const Path& path) override {
    if (IsRow(path)) {
      EndRow();
    } else if (IsCell(path)) {
      EndCell();
    }
  }

  void Text(const Path& path, absl::string_view text) override {
    if (path.size() == 5 && InCell(path) && path[4] == "v") {
      absl::StrAppend(&value_, text);
    } else if (path.size() > 5 && InCell(path) && path[4] == "is" && IsStringItemText(path, 4)) {
      absl::StrAppend(&inline_string_, text);
    }
  }

  // Ends the sheet with `error`: on the row being read, or on a record of its own.
  void Fail(absl::string_view error) {
    if (in_row_) {
      in_row_ = false;
      row_.error = row_.error.empty() ? std::string(error) : absl::StrCat(row_.error, "; ", error);
      ready_.push_back(std::move(row_));
    } else {
      ready_.push_back({.line = last_row_ + 1, .error = std::string(error)});
    }
  }

  std::deque<table::Record>& ready() { return ready_; }

 private:
  // Paths: worksheet > sheetData > row > c > (v | is > ...).
  static bool InRow(const Path& path) {
    return path.size() >= 3 && path[1] == "sheetData" && path[2] == "row";
  }
  static bool InCell(const Path& path) { return path.size() >= 4 && InRow(path) && path[3] == "c"; }
  static bool IsRow(const Path& path) { return path.size() == 3 && InRow(path); }
  static bool IsCell(const Path& path) { return path.size() == 4 && InCell(path); }

  void StartRow(const char** attrs) {
    in_row_ = true;
    row_ = table::Record{};
    next_column_ = 1;
    const auto number = Attr(attrs, "r");
    if (number && absl::SimpleAtoi(*number, &row_.line) && row_.line > 0) return;
    // Without r a row follows the previous one.
    row_.line = last_row_ + 1;
    if (number) SetError(absl::StrCat("row number '", *number, "' is not valid"));
  }

  void EndRow() {
    in_row_ = false;
    last_row_ = row_.line;
    // A row with nothing in it (often just formatting) looks like no row at all on screen.
    if (!row_.fields.empty() || !row_.error.empty()) ready_.push_back(std::move(row_));
  }

  void StartCell(const char** attrs) {
    type_ = std::string(Attr(attrs, "t").value_or(""));
    value_.clear();
    inline_string_.clear();
    const auto reference = Attr(attrs, "r");
    // Without r a cell follows the previous one.
    column_ = reference ? ColumnOf(*reference) : next_column_;
    cell_name_ = reference ? std::string(*reference) : absl::StrCat(ColumnName(column_), row_.line);
    if (column_ == 0 || column_ > kMaxColumn) {
      SetError(absl::StrCat("cell reference '", cell_name_, "' is not valid"));
      column_ = 0;
    } else if (column_ < next_column_) {
      SetError(
          absl::StrCat("cell ", cell_name_, " comes after column ", ColumnName(next_column_ - 1)));
    }
  }

  void EndCell() {
    if (column_ == 0) return;
    next_column_ = column_ + 1;
    std::string text = CellText();
    // Empty cells are left out; a later value fills the gap with "", so trailing ones drop.
    if (text.empty()) return;
    if (row_.fields.size() < static_cast<size_t>(column_)) row_.fields.resize(column_);
    row_.fields[column_ - 1] = std::move(text);
  }

  std::string CellText() {
    if (type_ == "s") {
      size_t index = 0;
      if (!absl::SimpleAtoi(value_, &index) || index >= shared_strings_->size()) {
        SetError(absl::StrCat("cell ", cell_name_, ": shared string '", value_,
                              "' does not exist (the workbook has ", shared_strings_->size(), ")"));
        return "";
      }
      return (*shared_strings_)[index];
    }
    if (type_ == "inlineStr") return DecodeEscapes(inline_string_);
    if (type_ == "str") return DecodeEscapes(value_);
    if (type_ == "b") {
      if (value_ == "1") return "TRUE";
      if (value_ == "0") return "FALSE";
    }
    // Numbers ("n" or no type), errors ("e"), ISO dates ("d"): the text as written.
    return std::move(value_);
  }

  void SetError(std::string error) {
    if (row_.error.empty()) row_.error = std::move(error);
  }

  const std::vector<std::string>* shared_strings_;
  std::deque<table::Record> ready_;
  int64_t last_row_ = 0;
  // The row being read.
  bool in_row_ = false;
  table::Record row_;
  int next_column_ = 1;
  // The cell being read; column_ is 0 when its reference is unusable.
  int column_ = 0;
  std::string cell_name_;
  std::string type_;
  std::string value_;
  std::string inline_string_;
};

}  // namespace

// Members are destroyed bottom-up: the sheet entry before the archive, the archive before the
// bytes it reads from.
struct Reader::State {
  std::string bytes;
  ZipPtr zip;
  std::vector<std::string> sheet_names;
  bool uses_1904_dates = false;
  std::vector<std::string> shared_strings;
  std::string sheet_part;
  ZipFilePtr sheet_file;
  SheetHandler sheet{&shared_strings};
  std::unique_ptr<XmlStream> xml;
  std::string buffer;
  bool done = false;

  // Reads and parses one chunk of the sheet.
  void Pump() {
    const zip_int64_t n = zip_fread(sheet_file.get(), buffer.data(), buffer.size());
    absl::Status status = n < 0 ? Invalid(sheet_part, ": ", zip_file_strerror(sheet_file.get()))
                                : xml->Feed(absl::string_view(buffer.data(), n), n == 0);
    if (!status.ok()) sheet.Fail(status.message());
    if (!status.ok() || n == 0) {
      done = true;
      xml.reset();
      sheet_file.reset();
    }
  }
};

namespace {

absl::StatusOr<ZipPtr> OpenZip(const std::string& bytes) {
  if (bytes.empty()) return Invalid("not an xlsx workbook (the file is empty)");
  if (absl::StartsWith(bytes, kCompoundFileMagic)) {
    return Invalid(
        "not an xlsx workbook (an old .xls file, or a workbook saved with a password: "
        "save it as .xlsx without a password)");
  }
  zip_error_t error;
  zip_error_init(&error);
  // The source reads `bytes` in place; the archive takes ownership of the source.
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* zip = source == nullptr ? nullptr : zip_open_from_source(source, ZIP_RDONLY, &error);
  if (zip != nullptr) return ZipPtr(zip);
  if (source != nullptr) zip_source_free(source);
  const bool not_zip = zip_error_code_zip(&error) == ZIP_ER_NOZIP;
  const std::string detail = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (not_zip) return Invalid("not an xlsx workbook (not a zip file)");
  return Invalid("not an xlsx workbook (broken zip file: ", detail, ")");
}

// The package relationships name the workbook part; xl/workbook.xml where they are missing.
absl::StatusOr<std::string> FindWorkbookPart(zip_t* zip) {
  ASSIGN_OR_RETURN(const auto package, ReadRelationships(zip, ""));
  const Relationship* document = FindByType(package, "/officeDocument");
  std::string part = document != nullptr ? document->part : "xl/workbook.xml";
  if (!Exists(zip, part)) return Invalid("not an xlsx workbook (no ", part, ")");
  return part;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(std::string bytes, absl::string_view sheet) {
  auto state = std::make_unique<State>();
  state->bytes = std::move(bytes);
  ASSIGN_OR_RETURN(state->zip, OpenZip(state->bytes));
  zip_t* zip = state->zip.get();

  ASSIGN_OR_RETURN(const std::string workbook_part, FindWorkbookPart(zip));
  WorkbookHandler workbook;
  RETURN_IF_ERROR(ParsePart(zip, workbook_part, &workbook));
  ASSIGN_OR_RETURN(const auto relationships, ReadRelationships(zip, workbook_part));
  if (workbook.sheets.empty()) return Invalid(workbook_part, ": the workbook has no sheets");
  for (const SheetEntry& entry : workbook.sheets) state->sheet_names.push_back(entry.name);
  state->uses_1904_dates = workbook.uses_1904_dates;

  const SheetEntry* chosen = sheet.empty() ? &workbook.sheets.front() : nullptr;
  for (const SheetEntry& entry : workbook.sheets) {
    if (chosen == nullptr && entry.name == sheet) chosen = &entry;
  }
  for (const SheetEntry& entry : workbook.sheets) {
    if (chosen == nullptr && absl::EqualsIgnoreCase(entry.name, sheet)) chosen = &entry;
  }
  if (chosen == nullptr) {
    return Invalid("no sheet named '", sheet,
                   "' (sheets: ", absl::StrJoin(state->sheet_names, ", "), ")");
  }
  const auto found = relationships.find(chosen->relationship_id);
  if (found == relationships.end()) {
    return Invalid(workbook_part, ": sheet '", chosen->name, "' has no part (relationship '",
                   chosen->relationship_id, "' is missing)");
  }
  if (!absl::EndsWith(found->second.type, "/worksheet")) {
    return Invalid("sheet '", chosen->name, "' is not a worksheet (a chart?)");
  }
  state->sheet_part = found->second.part;

  const Relationship* shared = FindByType(relationships, "/sharedStrings");
  // Some writers leave the relationship out; Excel's own name is the only sensible guess.
  const std::string shared_part = shared != nullptr ? shared->part : "xl/sharedStrings.xml";
  if (shared != nullptr || Exists(zip, shared_part)) {
    SharedStringsHandler strings;
    RETURN_IF_ERROR(ParsePart(zip, shared_part, &strings));
    state->shared_strings = std::move(strings.strings);
  }

  if (!Exists(zip, state->sheet_part)) {
    return Invalid("sheet '", chosen->name, "': ", state->sheet_part,
                   " is missing from the workbook");
  }
  ASSIGN_OR_RETURN(state->sheet_file, OpenPart(zip, state->sheet_part));
  state->xml = std::make_unique<XmlStream>(state->sheet_part, &state->sheet);
  state->buffer.resize(kChunkBytes);
  return std::unique_ptr<Reader>(new Reader(std::move(state)));
}

Reader::Reader(std::unique_ptr<State> state) : state_(std::move(state)) {}

Reader::~Reader() = default;

std::optional<table::Record> Reader::Next() {
  std::deque<table::Record>& ready = state_->sheet.ready();
  while (ready.empty() && !state_->done) state_->Pump();
  if (ready.empty()) return std::nullopt;
  table::Record record = std::move(ready.front());
  ready.pop_front();
  return record;
}

const std::vector<std::string>& Reader::sheet_names() const { return state_->sheet_names; }

bool Reader::uses_1904_dates() const { return state_->uses_1904_dates; }

std::optional<absl::CivilSecond> SerialToCivil(absl::string_view cell_text, bool date1904) {
  double serial = 0;
  if (!absl::SimpleAtod(cell_text, &serial) || !std::isfinite(serial) || serial < 0 ||
      serial > 1e7) {
    return std::nullopt;
  }
  // The 1900 system counts from 1899-12-30 so that serials after Excel's phantom 1900-02-29
  // (60) are right; the few before it come out a day early, as in most readers.
  const absl::CivilSecond epoch =
      date1904 ? absl::CivilSecond(1904, 1, 1) : absl::CivilSecond(1899, 12, 30);
  const absl::CivilSecond civil = epoch + static_cast<int64_t>(std::llround(serial * 86400));
  if (civil.year() > 9999) return std::nullopt;
  return civil;
}

}  // namespace secondvoice::xlsx
