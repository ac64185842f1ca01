// ADF 1.0 reading (a lenient clean-up pass over the raw bytes, then expat into a small tree)
// and strict writing. See adf.h for what is accepted and what is written.
#include "libs/adf/adf.h"

#include <expat.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace secondvoice::adf {
namespace {

// Bounds on what one document can make us hold; real leads are far below them.
constexpr size_t kMaxTextBytes = 64 * 1024;  // per element or attribute value
constexpr size_t kMaxDepth = 16;             // recorded levels below <prospect>
constexpr size_t kMaxNodes = 100000;

constexpr uint32_t kReplacement = 0xFFFD;

// ---------------------------------------------------------------------------------------------
// Characters and encodings.

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the UTF-8 sequence at s[i]: its length, or 0 when it is not valid UTF-8 (truncated,
// overlong, a surrogate, beyond U+10FFFF).
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b(k) & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool IsValidUtf8(absl::string_view s) {
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// The characters XML 1.0 can carry.
bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Windows-1252 (a superset of ISO-8859-1's printable characters, and what "ISO-8859-1"
// documents written on Windows really hold) or ISO-8859-15, to UTF-8.
std::string SingleByteToUtf8(absl::string_view s, bool latin9) {
  static constexpr std::array<uint16_t, 32> kCp1252 = {
      0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (const char ch : s) {
    uint32_t c = static_cast<unsigned char>(ch);
    if (latin9) {
      switch (c) {
        case 0xA4:
          c = 0x20AC;
          break;
        case 0xA6:
          c = 0x0160;
          break;
        case 0xA8:
          c = 0x0161;
          break;
        case 0xB4:
          c = 0x017D;
          break;
        case 0xB8:
          c = 0x017E;
          break;
        case 0xBC:
          c = 0x0152;
          break;
        case 0xBD:
          c = 0x0153;
          break;
        case 0xBE:
          c = 0x0178;
          break;
        default:
          break;
      }
    } else if (c >= 0x80 && c < 0xA0) {
      c = kCp1252[c - 0x80];
    }
    AppendUtf8(c, out);
  }
  return out;
}

// UTF-16 after its byte order mark, to UTF-8; unpaired surrogates become U+FFFD.
std::string Utf16ToUtf8(absl::string_view s, bool big_endian) {
  std::string out;
  out.reserve(s.size());
  const auto unit = [&](size_t i) -> uint32_t {
    const auto hi = static_cast<unsigned char>(s[big_endian ? i : i + 1]);
    const auto lo = static_cast<unsigned char>(s[big_endian ? i + 1 : i]);
    return (uint32_t{hi} << 8) | lo;
  };
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < s.size()) {
      const uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = kReplacement;
    AppendUtf8(cp, out);
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Lines as expat counts them: "\r\n", "\r" and "\n" each end one.
int CountLineBreaks(absl::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') {
      ++n;
    } else if (s[i] == '\r') {
      ++n;
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The clean-up pass: turns what real documents send into what expat accepts, keeping line
// breaks where they were so that expat's line numbers match the input.

struct Prolog {
  std::string encoding;  // lower-cased, from the XML declaration; empty when none
  int line_breaks = 0;   // inside the part that was cut
  absl::string_view rest;
};

std::string EncodingOf(absl::string_view declaration) {
  const std::string lower = absl::AsciiStrToLower(declaration);
  const size_t at = lower.find("encoding");
  if (at == std::string::npos) return "";
  absl::string_view v = absl::string_view(lower).substr(at + 8);
  v = absl::StripLeadingAsciiWhitespace(v);
  absl::ConsumePrefix(&v, "=");
  v = absl::StripLeadingAsciiWhitespace(v);
  if (!absl::ConsumePrefix(&v, "\"")) absl::ConsumePrefix(&v, "'");
  size_t n = 0;
  while (n < v.size() &&
         (absl::ascii_isalnum(v[n]) || v[n] == '-' || v[n] == '_' || v[n] == '.' || v[n] == ':')) {
    ++n;
  }
  return std::string(v.substr(0, n));
}

// Cuts leading whitespace, processing instructions (the XML declaration and <?adf ...?> in any
// case and syntax) and comments: expat rejects "<?XML" and a declaration after whitespace.
Prolog CutProlog(absl::string_view s) {
  Prolog p;
  size_t pos = 0;
  bool seen_declaration = false;
  while (true) {
    const size_t start = pos;
    while (pos < s.size() && IsSpace(s[pos])) ++pos;
    p.line_breaks += CountLineBreaks(s.substr(start, pos - start));
    const absl::string_view here = s.substr(pos);
    if (absl::StartsWith(here, "<?")) {
      const size_t end = here.find("?>");
      if (end == absl::string_view::npos) break;  // expat will say where
      const absl::string_view body = here.substr(2, end - 2);
      size_t name_end = 0;
      while (name_end < body.size() && !IsSpace(body[name_end])) ++name_end;
      if (!seen_declaration && absl::EqualsIgnoreCase(body.substr(0, name_end), "xml")) {
        seen_declaration = true;
        p.encoding = EncodingOf(body.substr(name_end));
      }
      p.line_breaks += CountLineBreaks(body);
      pos += end + 2;
    } else if (absl::StartsWith(here, "<!--")) {
      const size_t end = here.find("-->", 4);
      if (end == absl::string_view::npos) break;
      p.line_breaks += CountLineBreaks(here.substr(0, end));
      pos += end + 3;
    } else {
      break;
    }
  }
  p.rest = s.substr(pos);
  return p;
}

// Control characters XML 1.0 forbids (and U+FFFE/U+FFFF) would stop expat: they become a space
// (U+FFFD for the non-characters), wherever they are.
void ReplaceForbiddenCharacters(std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      s[i] = ' ';
    } else if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
               (static_cast<unsigned char>(s[i + 2]) == 0xBE ||
                static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
      s[i + 2] = static_cast<char>(0xBD);
    }
  }
}

bool IsNameByte(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == ':' || c == '.' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// At s[i] == '&': the reference to copy, or "&amp;" for a bare ampersand ("Van Dijk & Zn",
// "?a=1&b=2"); a numeric reference to a character XML cannot carry becomes U+FFFD.
size_t CopyReference(absl::string_view s, size_t i, std::string& out) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    const size_t digits = j;
    uint64_t value = 0;
    while (j < s.size() && (hex ? absl::ascii_isxdigit(s[j]) : absl::ascii_isdigit(s[j]))) {
      const int d = absl::ascii_isdigit(s[j]) ? s[j] - '0' : absl::ascii_tolower(s[j]) - 'a' + 10;
      value = std::min<uint64_t>(value * (hex ? 16 : 10) + d, 0x110000);
      ++j;
    }
    if (j > digits && j < s.size() && s[j] == ';') {
      if (IsXmlChar(static_cast<uint32_t>(value))) {
        out.append(s.data() + i, j + 1 - i);
      } else {
        out += "&#xFFFD;";
      }
      return j + 1;
    }
  } else if (j < s.size() && IsNameByte(s[j]) && !absl::ascii_isdigit(s[j]) && s[j] != '.' &&
             s[j] != '-') {
    while (j < s.size() && IsNameByte(s[j])) ++j;
    if (j < s.size() && s[j] == ';') {
      out.append(s.data() + i, j + 1 - i);
      return j + 1;
    }
  }
  out += "&amp;";
  return i + 1;
}

// Copies `s`, mending bare ampersands and bad character references and lower-casing element
// names (so that <Name>...</name> matches); CDATA sections, comments and processing
// instructions are copied untouched.
std::string MendMarkup(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 16);
  size_t i = 0;
  const auto copy_through = [&](absl::string_view close) {
    const size_t end = s.find(close, i);
    const size_t stop = end == absl::string_view::npos ? s.size() : end + close.size();
    out.append(s.data() + i, stop - i);
    i = stop;
  };
  while (i < s.size()) {
    const absl::string_view here = s.substr(i);
    if (here[0] == '<') {
      if (absl::StartsWith(here, "<![CDATA[")) {
        copy_through("]]>");
      } else if (absl::StartsWith(here, "<!--")) {
        copy_through("-->");
      } else if (absl::StartsWith(here, "<?")) {
        copy_through("?>");
      } else {
        out += '<';
        ++i;
        if (i < s.size() && s[i] == '/') out += s[i++];
        while (i < s.size() && IsNameByte(s[i])) out += absl::ascii_tolower(s[i++]);
      }
    } else if (here[0] == '&') {
      i = CopyReference(s, i, out);
    } else {
      out += here[0];
      ++i;
    }
  }
  return out;
}

// HTML entities that hand-made documents use, for expat's skipped-entity callback (the
// document is parsed as if it had an unread external DTD, so unknown entities are reported
// rather than fatal). &nbsp; is a plain space: names are split on spaces.
uint32_t HtmlEntity(absl::string_view name) {
  struct Entry {
    absl::string_view name;
    uint32_t cp;
  };
  static constexpr Entry kEntities[] = {
      {"nbsp", 0x20},    {"euro", 0x20AC},  {"eacute", 0xE9},   {"egrave", 0xE8},
      {"ecirc", 0xEA},   {"euml", 0xEB},    {"Eacute", 0xC9},   {"Egrave", 0xC8},
      {"Ecirc", 0xCA},   {"Euml", 0xCB},    {"aacute", 0xE1},   {"agrave", 0xE0},
      {"acirc", 0xE2},   {"auml", 0xE4},    {"Auml", 0xC4},     {"aring", 0xE5},
      {"iacute", 0xED},  {"igrave", 0xEC},  {"icirc", 0xEE},    {"iuml", 0xEF},
      {"Iuml", 0xCF},    {"oacute", 0xF3},  {"ograve", 0xF2},   {"ocirc", 0xF4},
      {"ouml", 0xF6},    {"Ouml", 0xD6},    {"oslash", 0xF8},   {"uacute", 0xFA},
      {"ugrave", 0xF9},  {"ucirc", 0xFB},   {"uuml", 0xFC},     {"Uuml", 0xDC},
      {"ccedil", 0xE7},  {"Ccedil", 0xC7},  {"ntilde", 0xF1},   {"szlig", 0xDF},
      {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},  {"deg", 0xB0},
      {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018},  {"rsquo", 0x2019},
      {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"hellip", 0x2026}, {"bull", 0x2022},
      {"middot", 0xB7},  {"pound", 0xA3},   {"laquo", 0xAB},    {"raquo", 0xBB},
  };
  for (const Entry& e : kEntities) {
    if (e.name == name) return e.cp;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The tree of the first <prospect>, built from expat's callbacks. Nodes live in one vector
// (no recursion to build or free them); names are lower-case without a namespace prefix.

struct Node {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // all character data inside, children's included, in document order
  std::vector<size_t> children;
};

std::string LocalName(const char* name) {
  absl::string_view v(name);
  if (const size_t colon = v.rfind(':'); colon != absl::string_view::npos) {
    v.remove_prefix(colon + 1);
  }
  return absl::AsciiStrToLower(v);
}

// Appends `add` as far as `to` stays within kMaxTextBytes, cutting at a character boundary.
void AppendCapped(absl::string_view add, std::string& to) {
  if (to.size() >= kMaxTextBytes) return;
  size_t n = std::min(add.size(), kMaxTextBytes - to.size());
  if (n < add.size()) {
    while (n > 0 && (static_cast<unsigned char>(add[n]) & 0xC0) == 0x80) --n;
  }
  to.append(add.data(), n);
}

struct TreeBuilder {
  XML_Parser parser = nullptr;
  std::vector<Node> nodes;   // nodes[0] is the first <prospect>, once found
  std::vector<size_t> open;  // recorded nodes now open, innermost last
  int depth = 0;             // open elements in the document
  int ignored = 0;           // open elements inside the prospect that are not recorded

  void Start(const char* raw_name, const char** attributes) {
    ++depth;
    const bool found = !nodes.empty();
    if (found && open.empty()) return;  // before or after the prospect
    std::string name = LocalName(raw_name);
    if (!found && name != "prospect") return;
    if (ignored > 0 || open.size() >= kMaxDepth || nodes.size() >= kMaxNodes) {
      ++ignored;
      return;
    }
    Node node;
    node.name = std::move(name);
    for (const char** a = attributes; a[0] != nullptr; a += 2) {
      std::string value;
      AppendCapped(a[1], value);
      node.attributes.emplace_back(LocalName(a[0]), std::move(value));
    }
    const size_t id = nodes.size();
    nodes.push_back(std::move(node));
    if (!open.empty()) nodes[open.back()].children.push_back(id);
    open.push_back(id);
  }

  void End() {
    --depth;
    if (ignored > 0) {
      --ignored;
    } else if (!open.empty()) {
      open.pop_back();
    }
    // The root element is closed: what follows (a second document, NULs) is not ours to judge.
    if (depth == 0) XML_StopParser(parser, XML_FALSE);
  }

  void Text(absl::string_view text) {
    for (const size_t id : open) AppendCapped(text, nodes[id].text);
  }

  static void OnStart(void* self, const XML_Char* name, const XML_Char** attributes) {
    static_cast<TreeBuilder*>(self)->Start(name, attributes);
  }
  static void OnEnd(void* self, const XML_Char*) { static_cast<TreeBuilder*>(self)->End(); }
  static void OnText(void* self, const XML_Char* text, int len) {
    static_cast<TreeBuilder*>(self)->Text(absl::string_view(text, static_cast<size_t>(len)));
  }
  static void OnSkippedEntity(void* self, const XML_Char* name, int is_parameter_entity) {
    if (is_parameter_entity) return;
    std::string text;
    if (const uint32_t cp = HtmlEntity(name); cp != 0) {
      AppendUtf8(cp, text);
    } else {
      text = absl::StrCat("&", name, ";");  // keep what the sender wrote
    }
    static_cast<TreeBuilder*>(self)->Text(text);
  }
};

// ---------------------------------------------------------------------------------------------
// Reading values out of the tree.

// U+00A0 counts as whitespace too: Windows-1252 documents are full of it.
size_t WhitespaceAt(absl::string_view s, size_t i) {
  const char c = s[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return 1;
  if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') return 2;
  return 0;
}

// A one-line value: trimmed, inner whitespace runs collapsed to one space.
std::string OneLine(absl::string_view s) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < s.size();) {
    if (const size_t w = WhitespaceAt(s, i); w > 0) {
      pending_space = !out.empty();
      i += w;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += s[i++];
  }
  return out;
}

// A multi-line value (comments): trimmed only.
std::string Block(absl::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && WhitespaceAt(s, begin) > 0) begin += WhitespaceAt(s, begin);
  while (end > begin) {
    if (IsSpace(s[end - 1]) || s[end - 1] == '\f' || s[end - 1] == '\v') {
      --end;
    } else if (end - begin >= 2 && s[end - 2] == '\xC2' && s[end - 1] == '\xA0') {
      end -= 2;
    } else {
      break;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(OneLine(s)); }

bool IsTrue(absl::string_view v) {
  const std::string l = Lower(v);
  return l == "1" || l == "true" || l == "yes" || l == "y";
}

bool IsBoolean(absl::string_view v) {
  const std::string l = Lower(v);
  return IsTrue(l) || l == "0" || l == "false" || l == "no" || l == "n";
}

class Tree {
 public:
  explicit Tree(std::vector<Node> nodes) : nodes_(std::move(nodes)) {}

  const Node& root() const { return nodes_[0]; }

  const Node* Child(const Node& parent, absl::string_view name) const {
    for (const size_t id : parent.children) {
      if (nodes_[id].name == name) return &nodes_[id];
    }
    return nullptr;
  }

  std::vector<const Node*> Children(const Node& parent, absl::string_view name) const {
    std::vector<const Node*> out;
    for (const size_t id : parent.children) {
      if (nodes_[id].name == name) out.push_back(&nodes_[id]);
    }
    return out;
  }

  std::vector<const Node*> Children(const Node& parent) const {
    std::vector<const Node*> out;
    for (const size_t id : parent.children) out.push_back(&nodes_[id]);
    return out;
  }

  // The one-line text of the first child with one of `names` that has any.
  std::string Text(const Node& parent, std::initializer_list<absl::string_view> names) const {
    for (const size_t id : parent.children) {
      const Node& n = nodes_[id];
      if (std::find(names.begin(), names.end(), n.name) == names.end()) continue;
      if (std::string v = OneLine(n.text); !v.empty()) return v;
    }
    return "";
  }

 private:
  std::vector<Node> nodes_;
};

absl::string_view Attribute(const Node& node, absl::string_view name) {
  for (const auto& [key, value] : node.attributes) {
    if (key == name) return value;
  }
  return "";
}

// Reads `width_min`..`width_max` digits at s[*i].
bool ReadNumber(absl::string_view s, size_t* i, size_t width_min, size_t width_max, int* out) {
  size_t n = 0;
  int v = 0;
  while (*i + n < s.size() && n < width_max && absl::ascii_isdigit(s[*i + n])) {
    v = v * 10 + (s[*i + n] - '0');
    ++n;
  }
  if (n < width_min) return false;
  if (*i + n < s.size() && absl::ascii_isdigit(s[*i + n])) return false;  // too many digits
  *i += n;
  *out = v;
  return true;
}

bool Eat(absl::string_view s, size_t* i, char c) {
  if (*i < s.size() && s[*i] == c) {
    ++*i;
    return true;
  }
  return false;
}

void SkipSpaces(absl::string_view s, size_t* i) {
  while (*i < s.size() && s[*i] == ' ') ++*i;
}

// ISO 8601 and the forms real documents use: "2026-11-23T09:05:00+01:00", "...Z", unpadded
// "2026-11-23T9:05:00", "2026-11-23 09:05", "-0500", fractions of seconds, a date alone, and
// "11/23/2026 9:05 AM". Day and month in d/m/y order are told apart by a value over 12, else by
// AM/PM (US: month first) or a '-' or '.' separator (European: day first); "03/04/2026 10:00"
// is ambiguous and not read. nullopt when unreadable.
std::optional<RequestDate> ParseDateTime(absl::string_view text) {
  const std::string s = OneLine(text);
  size_t i = 0;
  int year = 0, month = 0, day = 0, a = 0, b = 0;
  char separator = 0;
  bool iso = false;
  if (ReadNumber(s, &i, 4, 4, &year)) {
    iso = true;
    if (!Eat(s, &i, '-') || !ReadNumber(s, &i, 1, 2, &month) || !Eat(s, &i, '-') ||
        !ReadNumber(s, &i, 1, 2, &day)) {
      return std::nullopt;
    }
  } else {
    if (!ReadNumber(s, &i, 1, 2, &a) || i >= s.size()) return std::nullopt;
    separator = s[i];
    if (separator != '/' && separator != '-' && separator != '.') return std::nullopt;
    ++i;
    if (!ReadNumber(s, &i, 1, 2, &b) || !Eat(s, &i, separator) || !ReadNumber(s, &i, 4, 4, &year)) {
      return std::nullopt;
    }
  }
  int hour = 0, minute = 0, second = 0;
  bool am = false, pm = false;
  std::optional<int> offset;
  if (i < s.size()) {
    if (s[i] == 'T' || s[i] == 't') {
      ++i;
    } else if (s[i] != ' ') {
      return std::nullopt;
    }
    SkipSpaces(s, &i);
    if (!ReadNumber(s, &i, 1, 2, &hour) || !Eat(s, &i, ':') || !ReadNumber(s, &i, 1, 2, &minute)) {
      return std::nullopt;
    }
    if (Eat(s, &i, ':') && !ReadNumber(s, &i, 1, 2, &second)) return std::nullopt;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      const size_t digits = i;
      while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
      if (i == digits) return std::nullopt;
    }
    SkipSpaces(s, &i);
    const absl::string_view rest = absl::string_view(s).substr(i);
    if (absl::StartsWithIgnoreCase(rest, "am")) {
      am = true;
      i += 2;
    } else if (absl::StartsWithIgnoreCase(rest, "pm")) {
      pm = true;
      i += 2;
    }
    SkipSpaces(s, &i);
    const absl::string_view zone = absl::string_view(s).substr(i);
    if (zone == "Z" || zone == "z" || absl::EqualsIgnoreCase(zone, "utc") ||
        absl::EqualsIgnoreCase(zone, "gmt")) {
      offset = 0;
      i = s.size();
    } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
      const int sign = zone[0] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      size_t digits = i;  // the end of the run of digits
      while (digits < s.size() && absl::ascii_isdigit(s[digits])) ++digits;
      if (digits - i == 4) {  // +0100
        oh = (s[i] - '0') * 10 + (s[i + 1] - '0');
        om = (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
        i += 4;
      } else {
        if (!ReadNumber(s, &i, 1, 2, &oh)) return std::nullopt;
        if (Eat(s, &i, ':') && !ReadNumber(s, &i, 2, 2, &om)) return std::nullopt;
      }
      if (oh > 18 || om > 59) return std::nullopt;
      offset = sign * (oh * 60 + om);
    }
    if (i != s.size()) return std::nullopt;
  }
  if (!iso) {
    const bool us = am || pm;
    if (a > 12 && b <= 12) {
      day = a, month = b;
    } else if (b > 12 && a <= 12) {
      month = a, day = b;
    } else if (a == b || us) {
      month = a, day = b;
    } else if (separator != '/') {
      day = a, month = b;
    } else {
      return std::nullopt;
    }
  }
  if (am || pm) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + (pm ? 12 : 0);
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return std::nullopt;
  }
  const absl::CivilDay civil_day(year, month, day);
  if (civil_day.month() != month || civil_day.day() != day) return std::nullopt;  // 30 Feb
  return RequestDate{
      .local = absl::CivilSecond(year, month, day, hour, minute, std::min(second, 59)),
      .utc_offset_minutes = offset};
}

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  const std::optional<RequestDate> d = ParseDateTime(text);
  if (!d.has_value()) return std::nullopt;
  return absl::CivilDay(d->local);
}

// "1.234.567" / "1,234" / "12 345": groups of three after a first group of one to three.
bool ValidGroups(absl::string_view digits, char group) {
  const size_t first = digits.find(group);
  if (first == absl::string_view::npos) return !digits.empty();
  if (first == 0 || first > 3) return false;
  size_t i = first;
  while (i < digits.size()) {
    if (digits[i] != group) return false;
    if (i + 4 > digits.size()) return false;
    for (size_t k = 1; k <= 3; ++k) {
      if (!absl::ascii_isdigit(digits[i + k])) return false;
    }
    i += 4;
  }
  return true;
}

// An amount in cents when the text is unambiguous: "24995", "24.995,00", "24,995.00",
// "€ 24.995,-", "EUR 24995". One separator followed by exactly three digits is taken as
// thousands ("24.995"): car prices and odometers carry no three-decimal fractions.
std::optional<int64_t> ParseCents(absl::string_view text, bool* euro) {
  std::string s;
  for (size_t i = 0; i < text.size();) {
    if (const size_t w = WhitespaceAt(text, i); w > 0) {
      i += w;
    } else if (text.substr(i, 3) == "\xE2\x82\xAC") {  // €
      *euro = true;
      i += 3;
    } else if (text.substr(i, 3) == "\xE2\x80\xAF" || text.substr(i, 3) == "\xE2\x80\x89") {
      i += 3;  // narrow and thin spaces
    } else if (text[i] == '\'') {
      ++i;
    } else {
      s += text[i++];
    }
  }
  absl::string_view v(s);
  for (bool again = true; again;) {
    again = false;
    for (absl::string_view currency : {"eur", "usd", "gbp", "$"}) {
      if (absl::StartsWithIgnoreCase(v, currency)) {
        if (absl::EqualsIgnoreCase(currency, "eur")) *euro = true;
        v.remove_prefix(currency.size());
        again = true;
      }
      if (absl::EndsWithIgnoreCase(v, currency)) {
        if (absl::EqualsIgnoreCase(currency, "eur")) *euro = true;
        v.remove_suffix(currency.size());
        again = true;
      }
    }
  }
  // "24.995,-" / ",--": a whole amount, Dutch style.
  if (absl::ConsumeSuffix(&v, "-")) {
    absl::ConsumeSuffix(&v, "-");
    if (!absl::ConsumeSuffix(&v, ",") && !absl::ConsumeSuffix(&v, ".")) return std::nullopt;
  }
  if (v.empty() || !absl::ascii_isdigit(v[0])) return std::nullopt;
  for (const char c : v) {
    if (!absl::ascii_isdigit(c) && c != '.' && c != ',') return std::nullopt;
  }
  absl::string_view whole = v;
  absl::string_view fraction;
  if (const size_t last = v.find_last_of(".,"); last != absl::string_view::npos) {
    const char sep = v[last];
    const char other = sep == '.' ? ',' : '.';
    const size_t after = v.size() - last - 1;
    const bool single = v.find(sep) == last;
    if (v.find(other) != absl::string_view::npos) {
      // Both: the last one is the decimal separator, the other groups thousands.
      if (!single || after < 1 || after > 2) return std::nullopt;
      whole = v.substr(0, last);
      fraction = v.substr(last + 1);
      if (!ValidGroups(whole, other)) return std::nullopt;
    } else if (single && (after == 1 || after == 2)) {
      whole = v.substr(0, last);
      fraction = v.substr(last + 1);
    } else if (!ValidGroups(v, sep)) {
      return std::nullopt;
    }
  }
  int64_t units = 0;
  int digits = 0;
  for (const char c : whole) {
    if (!absl::ascii_isdigit(c)) continue;
    if (++digits > 15) return std::nullopt;
    units = units * 10 + (c - '0');
  }
  int64_t cents = units * 100;
  if (fraction.size() == 1) cents += (fraction[0] - '0') * 10;
  if (fraction.size() == 2) cents += (fraction[0] - '0') * 10 + (fraction[1] - '0');
  return cents;
}

std::string NormalizeInterest(absl::string_view v) {
  std::string s = Lower(v);
  std::replace(s.begin(), s.end(), ' ', '-');
  std::replace(s.begin(), s.end(), '_', '-');
  if (s == "tradein") return "trade-in";
  if (s == "testdrive") return "test-drive";
  return s;
}

std::string NormalizeVehicleStatus(absl::string_view v) {
  std::string s = Lower(v);
  if (s == "nieuw") return "new";
  if (s == "occasion" || s == "gebruikt") return "used";
  return s;
}

std::string NormalizeUnits(absl::string_view v) {
  std::string s = Lower(v);
  if (s == "kms" || s == "kilometer" || s == "kilometers" || s == "kilometre" ||
      s == "kilometres") {
    return "km";
  }
  if (s == "mile" || s == "miles") return "mi";
  return s;
}

Contact::Address ReadAddress(const Tree& tree, const Node& node) {
  Contact::Address a;
  std::vector<std::string> lines;
  for (const Node* street : tree.Children(node, "street")) {
    if (std::string line = OneLine(street->text); !line.empty()) lines.push_back(std::move(line));
  }
  a.street = absl::StrJoin(lines, ", ");
  a.city = tree.Text(node, {"city"});
  a.region_code = tree.Text(node, {"regioncode", "state", "province"});
  a.postal_code = tree.Text(node, {"postalcode", "zip", "zipcode"});
  a.country = tree.Text(node, {"country"});
  return a;
}

Contact ReadContact(const Tree& tree, const Node& node) {
  Contact c;
  std::string flagged;  // the channel of the first preferredcontact="1"
  bool have_address = false;
  for (const Node* child : tree.Children(node)) {
    if (child->name == "name") {
      std::string v = OneLine(child->text);
      if (v.empty()) continue;
      const std::string part = Lower(Attribute(*child, "part"));
      std::string* field = nullptr;
      if (part == "first" || part == "given") {
        field = &c.first_name;
      } else if (part == "middle") {
        field = &c.middle_name;
      } else if (part == "last" || part == "family" || part == "surname") {
        field = &c.last_name;
      } else if (part == "full" || part.empty()) {
        field = &c.full_name;
      }
      if (field != nullptr && field->empty()) *field = std::move(v);
    } else if (child->name == "email") {
      std::string v = OneLine(child->text);
      if (v.empty()) continue;
      c.emails.push_back(std::move(v));
      if (flagged.empty() && IsTrue(Attribute(*child, "preferredcontact"))) flagged = "email";
    } else if (child->name == "phone") {
      Phone p{.number = OneLine(child->text),
              .type = Lower(Attribute(*child, "type")),
              .time = Lower(Attribute(*child, "time")),
              .preferred = IsTrue(Attribute(*child, "preferredcontact"))};
      if (p.number.empty()) continue;
      if (flagged.empty() && p.preferred) flagged = "phone";
      c.phones.push_back(std::move(p));
    } else if (child->name == "address" && !have_address) {
      have_address = true;
      c.address = ReadAddress(tree, *child);
    }
  }
  // Some senders name the channel on the contact itself instead of flagging one.
  for (absl::string_view key : {"preferredcontact", "primarycontact"}) {
    const absl::string_view v = Attribute(node, key);
    if (c.preferred_contact.empty() && !OneLine(v).empty() && !IsBoolean(v)) {
      c.preferred_contact = Lower(v);
    }
  }
  if (c.preferred_contact.empty()) c.preferred_contact = flagged;
  // "Jan de Vries": first word first, the rest (tussenvoegsel included) last.
  if (c.first_name.empty() && c.last_name.empty() && !c.full_name.empty()) {
    const size_t space = c.full_name.find(' ');
    c.first_name = c.full_name.substr(0, space);
    if (space != std::string::npos) c.last_name = c.full_name.substr(space + 1);
  }
  return c;
}

// The <contact> child, or the node itself when the sender put the contact's fields there.
Contact ReadContactOf(const Tree& tree, const Node& node) {
  const Node* contact = tree.Child(node, "contact");
  return ReadContact(tree, contact != nullptr ? *contact : node);
}

Vehicle ReadVehicle(const Tree& tree, const Node& node) {
  Vehicle v;
  v.interest = NormalizeInterest(Attribute(node, "interest"));
  v.status = NormalizeVehicleStatus(Attribute(node, "status"));
  if (int year = 0;
      absl::SimpleAtoi(tree.Text(node, {"year"}), &year) && year >= 1 && year <= 9999) {
    v.year = year;
  }
  v.make = tree.Text(node, {"make"});
  v.model = tree.Text(node, {"model"});
  v.vin = tree.Text(node, {"vin"});
  v.stock = tree.Text(node, {"stock"});
  v.trim = tree.Text(node, {"trim"});
  v.transmission = tree.Text(node, {"transmission"});
  for (const Node* combination : tree.Children(node, "colorcombination")) {
    v.color = tree.Text(*combination, {"exteriorcolor"});
    if (!v.color.empty()) break;
  }
  if (v.color.empty()) v.color = tree.Text(node, {"exteriorcolor", "color", "colour"});
  if (const Node* odometer = tree.Child(node, "odometer"); odometer != nullptr) {
    v.odometer_units = NormalizeUnits(Attribute(*odometer, "units"));
    // "61.000 km": the unit may trail the number.
    absl::string_view text = absl::StripAsciiWhitespace(odometer->text);
    size_t letters = text.size();
    while (letters > 0 && absl::ascii_isalpha(text[letters - 1])) --letters;
    const std::string unit = NormalizeUnits(text.substr(letters));
    if (v.odometer_units.empty() && (unit == "km" || unit == "mi")) v.odometer_units = unit;
    bool euro = false;
    if (std::optional<int64_t> cents = ParseCents(text.substr(0, letters), &euro)) {
      v.odometer = *cents / 100;
    }
  }
  for (const Node* price : tree.Children(node, "price")) {
    v.price_text = OneLine(price->text);
    if (v.price_text.empty()) continue;
    v.price_currency = absl::AsciiStrToUpper(OneLine(Attribute(*price, "currency")));
    bool euro = false;
    v.price_cents = ParseCents(v.price_text, &euro).value_or(0);
    if (v.price_currency.empty() && euro) v.price_currency = "EUR";
    break;
  }
  if (const Node* comments = tree.Child(node, "comments"); comments != nullptr) {
    v.comments = Block(comments->text);
  }
  return v;
}

Prospect ReadProspect(const Tree& tree) {
  const Node& root = tree.root();
  Prospect p;
  p.status = Lower(Attribute(root, "status"));
  for (const Node* id : tree.Children(root, "id")) {
    std::string value = OneLine(id->text);
    if (!value.empty()) p.ids.emplace_back(OneLine(Attribute(*id, "source")), std::move(value));
  }
  if (const Node* date = tree.Child(root, "requestdate"); date != nullptr) {
    p.request_date = ParseDateTime(date->text);
  }
  for (const Node* vehicle : tree.Children(root, "vehicle")) {
    p.vehicles.push_back(ReadVehicle(tree, *vehicle));
  }
  if (const Node* customer = tree.Child(root, "customer"); customer != nullptr) {
    p.customer = ReadContactOf(tree, *customer);
    if (const Node* timeframe = tree.Child(*customer, "timeframe"); timeframe != nullptr) {
      p.timeframe_description = tree.Text(*timeframe, {"description"});
      p.timeframe_earliest = ParseDay(tree.Text(*timeframe, {"earliestdate"}));
      p.timeframe_latest = ParseDay(tree.Text(*timeframe, {"latestdate"}));
    }
    if (const Node* comments = tree.Child(*customer, "comments"); comments != nullptr) {
      p.customer_comments = Block(comments->text);
    }
  }
  if (const Node* vendor = tree.Child(root, "vendor"); vendor != nullptr) {
    p.vendor_name = tree.Text(*vendor, {"vendorname"});
    if (const Node* contact = tree.Child(*vendor, "contact"); contact != nullptr) {
      p.vendor_contact = ReadContact(tree, *contact);
    }
  }
  if (const Node* provider = tree.Child(root, "provider"); provider != nullptr) {
    p.provider_name = tree.Text(*provider, {"name"});
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Writing.

using Attributes = std::vector<std::pair<absl::string_view, std::string>>;

// Valid UTF-8 holding only characters XML can carry, escaped for text or an attribute value.
std::string Escape(absl::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      cp = kReplacement;
      len = 1;
    }
    i += len;
    if (!IsXmlChar(cp)) {
      if (cp >= 0x20) AppendUtf8(kReplacement, out);  // U+FFFE, U+FFFF; controls are dropped
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        AppendUtf8(cp, out);
    }
  }
  return out;
}

class XmlOut {
 public:
  void Open(absl::string_view name, const Attributes& attributes = {}) {
    StartTag(name, attributes);
    out_ += ">\n";
    ++depth_;
  }
  void Close(absl::string_view name) {
    --depth_;
    Indent();
    absl::StrAppend(&out_, "</", name, ">\n");
  }
  // An element holding `text`; nothing when the text is empty.
  void Leaf(absl::string_view name, absl::string_view text, const Attributes& attributes = {}) {
    if (text.empty()) return;
    LeafAlways(name, text, attributes);
  }
  void LeafAlways(absl::string_view name, absl::string_view text,
                  const Attributes& attributes = {}) {
    StartTag(name, attributes);
    absl::StrAppend(&out_, ">", Escape(text, false), "</", name, ">\n");
  }
  void Raw(absl::string_view s) { out_.append(s.data(), s.size()); }
  std::string Take() { return std::move(out_); }

 private:
  void Indent() { out_.append(2 * depth_, ' '); }
  void StartTag(absl::string_view name, const Attributes& attributes) {
    Indent();
    absl::StrAppend(&out_, "<", name);
    for (const auto& [key, value] : attributes) {
      if (!value.empty()) absl::StrAppend(&out_, " ", key, "=\"", Escape(value, true), "\"");
    }
  }

  std::string out_;
  int depth_ = 0;
};

// `value` when the spec lists it, else "" (the attribute is left out).
std::string OneOf(absl::string_view value, std::initializer_list<absl::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end() ? std::string(value)
                                                                           : "";
}

std::string SpecPhoneType(absl::string_view type) {
  if (type == "home" || type == "work" || type == "landline" || type == "phone") return "voice";
  if (type == "mobile" || type == "cell" || type == "mobiel") return "cellphone";
  return OneOf(type, {"voice", "fax", "cellphone", "pager"});
}

std::string FormatCents(int64_t cents) {
  if (cents % 100 == 0) return absl::StrCat(cents / 100);
  return absl::StrFormat("%d.%02d", cents / 100, cents % 100);
}

std::string FormatDay(const absl::CivilDay& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string FormatRequestDate(const RequestDate& d) {
  std::string out =
      absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", d.local.year(), d.local.month(),
                      d.local.day(), d.local.hour(), d.local.minute(), d.local.second());
  if (d.utc_offset_minutes.has_value()) {
    const int offset = *d.utc_offset_minutes;
    const int abs = offset < 0 ? -offset : offset;
    absl::StrAppendFormat(&out, "%c%02d:%02d", offset < 0 ? '-' : '+', abs / 60, abs % 60);
  }
  return out;
}

void WriteContact(XmlOut& out, const Contact& c) {
  out.Open("contact");
  out.Leaf("name", c.first_name, {{"part", "first"}});
  out.Leaf("name", c.middle_name, {{"part", "middle"}});
  out.Leaf("name", c.last_name, {{"part", "last"}});
  out.Leaf("name", c.full_name, {{"part", "full"}});
  bool first_email = true;
  for (const std::string& email : c.emails) {
    const bool preferred = first_email && c.preferred_contact == "email";
    out.Leaf("email", email, {{"preferredcontact", preferred ? "1" : ""}});
    if (!email.empty()) first_email = false;
  }
  for (const Phone& phone : c.phones) {
    out.Leaf(
        "phone", phone.number,
        {{"type", SpecPhoneType(phone.type)},
         {"time", OneOf(phone.time, {"morning", "afternoon", "evening", "nopreference", "day"})},
         {"preferredcontact", phone.preferred ? "1" : ""}});
  }
  const Contact::Address& a = c.address;
  if (!a.street.empty() || !a.city.empty() || !a.region_code.empty() || !a.postal_code.empty() ||
      !a.country.empty()) {
    out.Open("address");
    out.Leaf("street", a.street, {{"line", "1"}});
    out.Leaf("city", a.city);
    out.Leaf("regioncode", a.region_code);
    out.Leaf("postalcode", a.postal_code);
    out.Leaf("country", a.country);
    out.Close("address");
  }
  out.Close("contact");
}

bool IsEmpty(const Contact& c) { return c == Contact{}; }

void WriteVehicle(XmlOut& out, const Vehicle& v) {
  out.Open("vehicle",
           {{"interest", OneOf(v.interest, {"buy", "lease", "sell", "trade-in", "test-drive"})},
            {"status", OneOf(v.status, {"new", "used"})}});
  if (v.year != 0) out.Leaf("year", absl::StrCat(v.year));
  out.Leaf("make", v.make);
  out.Leaf("model", v.model);
  out.Leaf("vin", v.vin);
  out.Leaf("stock", v.stock);
  out.Leaf("trim", v.trim);
  out.Leaf("transmission", v.transmission);
  if (v.odometer > 0) {
    out.Leaf("odometer", absl::StrCat(v.odometer),
             {{"units", OneOf(v.odometer_units, {"km", "mi"})}});
  }
  if (!v.color.empty()) {
    out.Open("colorcombination");
    out.Leaf("exteriorcolor", v.color);
    out.Close("colorcombination");
  }
  const std::string price = v.price_cents > 0 ? FormatCents(v.price_cents) : v.price_text;
  out.Leaf("price", price, {{"type", "quote"}, {"currency", v.price_currency}});
  out.Leaf("comments", v.comments);
  out.Close("vehicle");
}

}  // namespace

absl::StatusOr<Prospect> Parse(absl::string_view xml) {
  if (xml.size() > kMaxDocumentBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "document is %d bytes, over the limit of %d (1 MiB)", xml.size(), kMaxDocumentBytes));
  }
  std::string utf16;
  bool from_utf16 = false;
  if (absl::StartsWith(xml, "\xFF\xFE") || absl::StartsWith(xml, "\xFE\xFF")) {
    utf16 = Utf16ToUtf8(xml.substr(2), xml[0] == '\xFE');
    xml = utf16;
    from_utf16 = true;
  }
  absl::ConsumePrefix(&xml, "\xEF\xBB\xBF");
  const Prolog prolog = CutProlog(xml);
  // Valid UTF-8 is read as UTF-8 whatever the declaration says (documents declared ISO-8859-1
  // often are UTF-8); anything else as the declared single-byte encoding, Windows-1252 by default.
  std::string text;
  if (from_utf16 || IsValidUtf8(prolog.rest)) {
    text = std::string(prolog.rest);
  } else {
    const bool latin9 = prolog.encoding == "iso-8859-15" || prolog.encoding == "iso8859-15" ||
                        prolog.encoding == "latin9" || prolog.encoding == "latin-9";
    text = SingleByteToUtf8(prolog.rest, latin9);
  }
  ReplaceForbiddenCharacters(text);
  // The line breaks of the cut prolog keep expat's line numbers those of the input.
  const std::string document =
      absl::StrCat(std::string(prolog.line_breaks, '\n'), MendMarkup(text));

  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate("UTF-8"), &XML_ParserFree);
  if (parser == nullptr) return absl::ResourceExhaustedError("cannot create an XML parser");
  TreeBuilder builder;
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_UseForeignDTD(parser.get(), XML_TRUE);
  XML_SetElementHandler(parser.get(), &TreeBuilder::OnStart, &TreeBuilder::OnEnd);
  XML_SetCharacterDataHandler(parser.get(), &TreeBuilder::OnText);
  XML_SetSkippedEntityHandler(parser.get(), &TreeBuilder::OnSkippedEntity);
  if (XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()), XML_TRUE) ==
          XML_STATUS_ERROR &&
      XML_GetErrorCode(parser.get()) != XML_ERROR_ABORTED) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", XML_GetCurrentLineNumber(parser.get()), ": ",
                     XML_ErrorString(XML_GetErrorCode(parser.get()))));
  }
  if (builder.nodes.empty()) return absl::InvalidArgumentError("no <prospect> element");
  return ReadProspect(Tree(std::move(builder.nodes)));
}

std::string Write(const Prospect& p) {
  XmlOut out;
  out.Raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n");
  out.Open("adf");
  out.Open("prospect", {{"status", OneOf(p.status, {"new", "resend"})}});
  int sequence = 0;
  for (const auto& [source, value] : p.ids) {
    if (value.empty()) continue;
    out.Leaf("id", value, {{"sequence", absl::StrCat(++sequence)}, {"source", source}});
  }
  if (p.request_date.has_value()) out.Leaf("requestdate", FormatRequestDate(*p.request_date));
  for (const Vehicle& v : p.vehicles) WriteVehicle(out, v);
  out.Open("customer");
  WriteContact(out, p.customer);
  if (!p.timeframe_description.empty() || p.timeframe_earliest.has_value() ||
      p.timeframe_latest.has_value()) {
    out.Open("timeframe");
    out.LeafAlways("description", p.timeframe_description);
    if (p.timeframe_earliest) out.Leaf("earliestdate", FormatDay(*p.timeframe_earliest));
    if (p.timeframe_latest) out.Leaf("latestdate", FormatDay(*p.timeframe_latest));
    out.Close("timeframe");
  }
  out.Leaf("comments", p.customer_comments);
  out.Close("customer");
  out.Open("vendor");
  out.LeafAlways("vendorname", p.vendor_name);
  if (!IsEmpty(p.vendor_contact)) WriteContact(out, p.vendor_contact);
  out.Close("vendor");
  if (!p.provider_name.empty()) {
    out.Open("provider");
    out.Leaf("name", p.provider_name, {{"part", "full"}});
    out.Close("provider");
  }
  out.Close("prospect");
  out.Close("adf");
  return out.Take();
}

}  // namespace secondvoice::adf
