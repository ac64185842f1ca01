// Tests for libs/csv/csv_reader.h: delimiters, quoting, line endings and line numbers, encodings,
// errors, and that any chunking of the input gives the same records.
#include "libs/csv/csv_reader.h"

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/table/record.h"

namespace secondvoice::table {

// Test-only: records compare and print field by field (found by ADL).
bool operator==(const Record& a, const Record& b) {
  return a.line == b.line && a.fields == b.fields && a.error == b.error;
}

void PrintTo(const Record& record, std::ostream* os) {
  *os << record.line << ": [" << absl::StrJoin(record.fields, "|") << "]";
  if (!record.error.empty()) *os << " error: " << record.error;
}

}  // namespace secondvoice::table

namespace secondvoice::csv {
namespace {

using ::secondvoice::table::Record;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Result {
  std::vector<Record> records;
  char delimiter = 0;
  Encoding encoding = Encoding::kUtf8;
};

std::string Dump(const Result& result) {
  std::string out = absl::StrCat("delimiter ", static_cast<int>(result.delimiter), ", encoding ",
                                 static_cast<int>(result.encoding), "\n");
  for (const Record& record : result.records) {
    absl::StrAppend(&out, record.line, ": [", absl::StrJoin(record.fields, "|"), "] ", record.error,
                    "\n");
  }
  return out;
}

// Feeds `input` in chunks of `chunk` bytes, draining the reader after each, as the importer does.
Result ParseInChunks(absl::string_view input, size_t chunk, Reader::Options options) {
  Reader reader(options);
  Result result;
  auto drain = [&] {
    while (std::optional<Record> record = reader.Next()) {
      result.records.push_back(*std::move(record));
    }
  };
  for (size_t i = 0; i < input.size(); i += chunk) {
    reader.Feed(input.substr(i, chunk));
    drain();
  }
  reader.Finish();
  drain();
  EXPECT_FALSE(reader.Next().has_value());
  result.delimiter = reader.delimiter();
  result.encoding = reader.encoding();
  return result;
}

// Parses `input` whole, and expects chunks of 1, 2, 3 and 7 bytes to give the same result: chunk
// ends then fall mid-character, mid-quote and between \r and \n.
Result Parse(absl::string_view input, Reader::Options options = {}) {
  Result whole = ParseInChunks(input, std::max<size_t>(input.size(), 1), options);
  for (size_t chunk : {1, 2, 3, 7}) {
    EXPECT_EQ(Dump(ParseInChunks(input, chunk, options)), Dump(whole)) << "chunk size " << chunk;
  }
  return whole;
}

Record R(int64_t line, std::vector<std::string> fields, std::string error = "") {
  return Record{.line = line, .fields = std::move(fields), .error = std::move(error)};
}

// `rows` ASCII records "row<i>;0612345678;jan@example.nl" after a header, to fill the 64 KiB
// detection window.
std::string FillerRows(int rows) {
  std::string out = "naam;telefoon;e-mail\n";
  for (int i = 0; i < rows; ++i) absl::StrAppend(&out, "row", i, ";0612345678;jan@example.nl\n");
  return out;
}

TEST(CsvReaderTest, SemicolonFile) {
  Result r = Parse(
      "voornaam;achternaam;telefoon;e-mail\n"
      "Jan;de Vries;0612345678;jan@example.nl\n"
      "Els;Janssens;+32470123456;\n");
  EXPECT_EQ(r.delimiter, ';');
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
  EXPECT_THAT(r.records, ElementsAre(R(1, {"voornaam", "achternaam", "telefoon", "e-mail"}),
                                     R(2, {"Jan", "de Vries", "0612345678", "jan@example.nl"}),
                                     R(3, {"Els", "Janssens", "+32470123456", ""})));
}

TEST(CsvReaderTest, CommaFile) {
  Result r = Parse("name,phone\nJan,0612345678\n");
  EXPECT_EQ(r.delimiter, ',');
  EXPECT_THAT(r.records, ElementsAre(R(1, {"name", "phone"}), R(2, {"Jan", "0612345678"})));
}

TEST(CsvReaderTest, TabFile) {
  Result r = Parse("naam\ttelefoon\tnotitie\nJan\t0612345678\tbellen; na 17u, graag\n");
  EXPECT_EQ(r.delimiter, '\t');
  EXPECT_THAT(r.records, ElementsAre(R(1, {"naam", "telefoon", "notitie"}),
                                     R(2, {"Jan", "0612345678", "bellen; na 17u, graag"})));
}

TEST(CsvReaderTest, DelimiterIsTheMostFrequentInTheHeaderOutsideQuotes) {
  EXPECT_EQ(Parse("a,b,c;d\n").delimiter, ',');
  EXPECT_EQ(Parse("a\tb\tc,d\n").delimiter, '\t');
  // Candidates inside a quoted header field do not count.
  EXPECT_EQ(Parse("\"naam, voluit\";\"tel, mobiel\"\n").delimiter, ';');
  // Only the first record counts, not the rows after it.
  EXPECT_EQ(Parse("a;b\nc,d,e,f\n").delimiter, ';');
  // Empty lines before the header are no header.
  EXPECT_EQ(Parse("\n\r\na\tb\n").delimiter, '\t');
}

TEST(CsvReaderTest, DelimiterTiesPreferSemicolonThenCommaThenTab) {
  EXPECT_EQ(Parse("a;b,c\n").delimiter, ';');
  EXPECT_EQ(Parse("a,b\tc\n").delimiter, ',');
  EXPECT_EQ(Parse("a\tb;c,d\te;f,g\n").delimiter, ';');
}

TEST(CsvReaderTest, SingleColumnUsesComma) {
  Result r = Parse("telefoon\n0612345678\n\"06 1234,5678\"\n");
  EXPECT_EQ(r.delimiter, ',');
  EXPECT_THAT(r.records,
              ElementsAre(R(1, {"telefoon"}), R(2, {"0612345678"}), R(3, {"06 1234,5678"})));
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimiterQuotesAndLineBreaks) {
  Result r = Parse(
      "naam;opmerking;tel\r\n"
      "\"Vries; de\";\"zegt \"\"nee\"\" \";0612\r\n"
      "Jan;\"regel 1\r\nregel 2\r\nregel 3\";0613\r\n"
      "Piet;\"\";0614\r\n"
      "\"\"\"\";\"a\nb\rc\";0615\r\n"
      "Kees;;0616\r\n");
  EXPECT_THAT(
      r.records,
      ElementsAre(R(1, {"naam", "opmerking", "tel"}), R(2, {"Vries; de", "zegt \"nee\" ", "0612"}),
                  R(3, {"Jan", "regel 1\r\nregel 2\r\nregel 3", "0613"}),
                  // Two line breaks inside the quotes above: this row is on line 6.
                  R(6, {"Piet", "", "0614"}), R(7, {"\"", "a\nb\rc", "0615"}),
                  R(10, {"Kees", "", "0616"})));
}

TEST(CsvReaderTest, LenientQuotes) {
  Result r = Parse(
      "a;b\n"
      "5\" scherm;x\"y\n"             // a quote inside an unquoted field is a character
      "\"ab\"c;\"d\" \n"              // text after the closing quote is appended
      "\"ab\"c\"d\";\"e\"\"\"\"\"\n"  // ... literally, quotes included
      " \"x;y\" \n");                 // a quote after a space opens nothing
  EXPECT_THAT(r.records,
              ElementsAre(R(1, {"a", "b"}), R(2, {"5\" scherm", "x\"y"}), R(3, {"abc", "d "}),
                          R(4, {"abc\"d\"", "e\"\""}), R(5, {" \"x", "y\" "})));
}

TEST(CsvReaderTest, LineEndingsCrLfLfAndCrGiveTheSameRecords) {
  const std::vector<Record> expected = {R(1, {"a", "b"}), R(2, {"c", "d"}), R(3, {"e", ""})};
  EXPECT_EQ(Parse("a;b\r\nc;d\r\ne;\r\n").records, expected);
  EXPECT_EQ(Parse("a;b\nc;d\ne;\n").records, expected);
  EXPECT_EQ(Parse("a;b\rc;d\re;\r").records, expected);
  EXPECT_EQ(Parse("a;b\r\nc;d\re;\n").records, expected);
}

TEST(CsvReaderTest, LineBreaksCountedInsideQuotesWithEveryEnding) {
  EXPECT_THAT(Parse("a;b\n\"1\r\n2\";x\ny;z\n").records,
              ElementsAre(R(1, {"a", "b"}), R(2, {"1\r\n2", "x"}), R(4, {"y", "z"})));
  EXPECT_THAT(Parse("a;b\n\"1\n\n2\";x\ny;z\n").records,
              ElementsAre(R(1, {"a", "b"}), R(2, {"1\n\n2", "x"}), R(5, {"y", "z"})));
  EXPECT_THAT(Parse("a;b\r\"1\r\r2\";x\ry;z\r").records,
              ElementsAre(R(1, {"a", "b"}), R(2, {"1\r\r2", "x"}), R(5, {"y", "z"})));
  EXPECT_THAT(Parse("a;b\n\"1\n\r2\";x\ny;z\n").records,
              ElementsAre(R(1, {"a", "b"}), R(2, {"1\n\r2", "x"}), R(5, {"y", "z"})));
}

TEST(CsvReaderTest, EmptyLinesSkippedButCounted) {
  Result r = Parse("\n\na;b\n\nc;d\r\n\r\n\r\ne;f\r\r;\n\n");
  EXPECT_THAT(r.records,
              ElementsAre(R(3, {"a", "b"}), R(5, {"c", "d"}), R(8, {"e", "f"}), R(10, {"", ""})));
}

TEST(CsvReaderTest, LineOfDelimitersIsARecordOfEmptyFields) {
  EXPECT_THAT(Parse("a;b;c\n;;\n").records, ElementsAre(R(1, {"a", "b", "c"}), R(2, {"", "", ""})));
  // A line with just a space is not empty.
  EXPECT_THAT(Parse("a;b\n \n").records, ElementsAre(R(1, {"a", "b"}), R(2, {" "})));
}

TEST(CsvReaderTest, FinalRecordWithoutLineBreak) {
  EXPECT_THAT(Parse("a;b\nc;d").records, ElementsAre(R(1, {"a", "b"}), R(2, {"c", "d"})));
  EXPECT_THAT(Parse("a;b\nc;").records, ElementsAre(R(1, {"a", "b"}), R(2, {"c", ""})));
  EXPECT_THAT(Parse("a;b\nc;\"d\"").records, ElementsAre(R(1, {"a", "b"}), R(2, {"c", "d"})));
  EXPECT_THAT(Parse("a").records, ElementsAre(R(1, {"a"})));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  EXPECT_THAT(Parse("").records, IsEmpty());
  EXPECT_THAT(Parse("\r\n\n\r").records, IsEmpty());
}

TEST(CsvReaderTest, BomStripped) {
  Result r = Parse("\xEF\xBB\xBFvoornaam;achternaam\nJos\xC3\xA9;M\xC3\xBCller\n");
  EXPECT_EQ(r.encoding, Encoding::kUtf8Bom);
  EXPECT_EQ(r.delimiter, ';');
  EXPECT_THAT(r.records, ElementsAre(R(1, {"voornaam", "achternaam"}), R(2, {"José", "Müller"})));
}

TEST(CsvReaderTest, BomOnlyOnceAtTheStart) {
  // A second BOM is a character (U+FEFF) of the field; a BOM cut short is Windows-1252 text.
  EXPECT_THAT(Parse("\xEF\xBB\xBF\xEF\xBB\xBFx\n").records, ElementsAre(R(1, {"\xEF\xBB\xBFx"})));
  Result r = Parse("\xEF\xBB");
  EXPECT_EQ(r.encoding, Encoding::kWindows1252);
  EXPECT_THAT(r.records, ElementsAre(R(1, {"ï»"})));
}

TEST(CsvReaderTest, Windows1252Converted) {
  Result r = Parse("naam;achternaam;bedrag\nJos\xe9;M\xfcller;\x80 10\n");
  EXPECT_EQ(r.encoding, Encoding::kWindows1252);
  EXPECT_THAT(r.records, ElementsAre(R(1, {"naam", "achternaam", "bedrag"}),
                                     R(2, {"José", "Müller", "€ 10"})));
}

TEST(CsvReaderTest, Windows1252SpecialRangeAndUndefinedBytes) {
  std::string high;
  for (int c = 0x80; c <= 0x9F; ++c) high.push_back(static_cast<char>(c));
  Result r = Parse(absl::StrCat("x\n", high, "\n\xA0\xAB\xFF\n"));
  EXPECT_EQ(r.encoding, Encoding::kWindows1252);
  EXPECT_THAT(
      r.records,
      ElementsAre(R(1, {"x"}), R(2, {"€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ"}),
                  R(3, {"\u00A0«ÿ"})));
}

TEST(CsvReaderTest, Windows1252DecidedForTheWholeFile) {
  // Bytes that would be UTF-8 on their own are read as Windows-1252 too once the file is.
  Result r = Parse("caf\xC3\xA9;Jos\xE9\n");
  EXPECT_EQ(r.encoding, Encoding::kWindows1252);
  EXPECT_THAT(r.records, ElementsAre(R(1, {"cafÃ©", "José"})));
}

TEST(CsvReaderTest, Utf8Kept) {
  Result r = Parse("naam;achternaam;bedrag\nJosé;Müller;€ 10\nŁukasz;Ørsted;😀\n");
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
  EXPECT_THAT(r.records,
              ElementsAre(R(1, {"naam", "achternaam", "bedrag"}), R(2, {"José", "Müller", "€ 10"}),
                          R(3, {"Łukasz", "Ørsted", "😀"})));
}

TEST(CsvReaderTest, InvalidUtf8FormsAreWindows1252) {
  // Overlong '/', a surrogate, a code point past U+10FFFF, a sequence cut by the end of input.
  EXPECT_EQ(Parse("\xC0\xAF\n").encoding, Encoding::kWindows1252);
  EXPECT_EQ(Parse("\xED\xA0\x80\n").encoding, Encoding::kWindows1252);
  EXPECT_EQ(Parse("\xF4\x90\x80\x80\n").encoding, Encoding::kWindows1252);
  EXPECT_EQ(Parse("abc\xE2\x82").encoding, Encoding::kWindows1252);
  EXPECT_EQ(Parse("abc\xE2\x82\xAC").encoding, Encoding::kUtf8);
}

TEST(CsvReaderTest, PerFieldFallbackAfterTheDetectionWindow) {
  std::string input = FillerRows(3000);
  ASSERT_GT(input.size(), 64u * 1024);
  absl::StrAppend(&input, "M\xFCller;\xE2\x82\xAC 10;\x80\n", "Jos\xC3\xA9;x;y\n");
  Result r = Parse(input);
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
  ASSERT_THAT(r.records, SizeIs(3003));
  EXPECT_EQ(r.records[3001], R(3002, {"Müller", "€ 10", "€"}));
  EXPECT_EQ(r.records[3002], R(3003, {"José", "x", "y"}));
}

TEST(CsvReaderTest, CharacterAcrossTheWindowEndIsJudgedWhole) {
  // Pad so that a 3-byte '€' starts 1 byte before the 64 KiB mark.
  std::string input = "x\n";
  input.append(64 * 1024 - 1 - input.size(), 'a');
  absl::StrAppend(&input, "\xE2\x82\xAC\n");
  Result r = Parse(input);
  EXPECT_EQ(r.encoding, Encoding::kUtf8);
  ASSERT_THAT(r.records, SizeIs(2));
  EXPECT_EQ(r.records[1].fields.at(0).substr(64 * 1024 - 3), "\xE2\x82\xAC");
}

TEST(CsvReaderTest, NoRecordBeforeTheEncodingIsDecided) {
  const std::string input = FillerRows(3000);
  Reader reader;
  reader.Feed(absl::string_view(input).substr(0, 60 * 1024));
  EXPECT_FALSE(reader.Next().has_value());  // still inside the detection window
  reader.Feed(absl::string_view(input).substr(60 * 1024));
  std::optional<Record> first = reader.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, R(1, {"naam", "telefoon", "e-mail"}));
  EXPECT_EQ(reader.delimiter(), ';');
  EXPECT_EQ(reader.encoding(), Encoding::kUtf8);
}

TEST(CsvReaderTest, WithBomRecordsComeAtOnce) {
  Reader reader;
  reader.Feed("\xEF\xBB\xBFnaam;tel\nJan;06");
  EXPECT_THAT(reader.Next(), ::testing::Optional(R(1, {"naam", "tel"})));
  EXPECT_FALSE(reader.Next().has_value());  // "Jan;06" may go on
  reader.Feed("12\n");
  EXPECT_THAT(reader.Next(), ::testing::Optional(R(2, {"Jan", "0612"})));
  reader.Finish();
  EXPECT_FALSE(reader.Next().has_value());
  EXPECT_FALSE(reader.Next().has_value());
}

TEST(CsvReaderTest, ChunkingNeverChangesTheRecords) {
  // Everything at once: BOM-less UTF-8, CRLF split by chunk ends, quotes, empty lines.
  const std::string input =
      "voornaam;achternaam;telefoon;e-mail\r\n"
      "Zo\xC3\xAB;\"van \"\"de\"\" Berg\";\"06\r\n12\";zoe@example.be\r\n"
      "\r\n"
      "\"a;b\"c;\xE2\x82\xAC;;\r"
      "\n"
      "\"open";
  const std::vector<Record> expected = {
      R(1, {"voornaam", "achternaam", "telefoon", "e-mail"}),
      R(2, {"Zoë", "van \"de\" Berg", "06\r\n12", "zoe@example.be"}),
      R(5, {"a;bc", "€", "", ""}),
      R(6, {"open"}, "quote opened on line 6 is never closed"),
  };
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    EXPECT_EQ(ParseInChunks(input, chunk, {}).records, expected) << "chunk size " << chunk;
  }
}

TEST(CsvReaderTest, UnterminatedQuoteReportsTheLineWhereItOpened) {
  Result r = Parse("naam;opmerking\nJan;ok\nPiet;\"begint hier\nen gaat door\nop;regel 5\n");
  ASSERT_THAT(r.records, SizeIs(3));
  EXPECT_EQ(r.records[1], R(2, {"Jan", "ok"}));
  EXPECT_EQ(r.records[2].line, 3);
  EXPECT_EQ(r.records[2].error, "quote opened on line 3 is never closed");
  EXPECT_THAT(r.records[2].fields, ElementsAre("Piet", "begint hier\nen gaat door\nop;regel 5\n"));
}

TEST(CsvReaderTest, OverlongRecordReportedAndReadingResumes) {
  const Reader::Options options{.max_record_bytes = 16};
  Result r = Parse(
      "naam;tel\n"
      "Jan;0612345678\n"                        // 14 bytes
      "Piet;06123456789;piet@example.nl;x\r\n"  // too long
      "Kees;06\n"
      "0123456789;012345\n"  // 17 bytes
      "0123456789;01234\n",  // exactly 16 bytes
      options);
  ASSERT_THAT(r.records, SizeIs(6));
  EXPECT_EQ(r.records[1], R(2, {"Jan", "0612345678"}));
  EXPECT_EQ(r.records[2].line, 3);
  EXPECT_EQ(r.records[2].error, "record longer than 16 bytes: a quote left open?");
  EXPECT_THAT(r.records[2].fields, ElementsAre("Piet", "06123456789"));
  EXPECT_EQ(r.records[3], R(4, {"Kees", "06"}));
  EXPECT_EQ(r.records[4].line, 5);
  EXPECT_THAT(r.records[4].error, HasSubstr("longer than 16 bytes"));
  EXPECT_EQ(r.records[5], R(6, {"0123456789", "01234"}));
}

TEST(CsvReaderTest, QuoteLeftOpenIsCutAtTheLimitAndTheRestIsRead) {
  const Reader::Options options{.max_record_bytes = 20};
  Result r = Parse(
      "naam;tel\n"
      "Jan;\"0612\n"  // the quote never closes: it swallows the lines below up to the limit
      "Piet;0613\n"
      "Kees;0614\n"  // the cut falls in this line; reading resumes after it
      "Anna;0615\n",
      options);
  ASSERT_THAT(r.records, SizeIs(3));
  EXPECT_EQ(r.records[1].line, 2);
  EXPECT_EQ(r.records[1].error,
            "record longer than 20 bytes: a quote left open? (quote opened on line 2)");
  EXPECT_EQ(r.records[2], R(5, {"Anna", "0615"}));
}

TEST(CsvReaderTest, DefaultLimitIsOneMebibyte) {
  std::string input = "naam;notitie\nJan;\"";
  input.append(1 << 20, 'x');
  absl::StrAppend(&input, "\"\nPiet;kort\n");
  Reader reader;
  reader.Feed(input);
  reader.Finish();
  std::vector<Record> records;
  while (std::optional<Record> record = reader.Next()) records.push_back(*std::move(record));
  ASSERT_THAT(records, SizeIs(3));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].error, HasSubstr("record longer than 1 MiB: a quote left open?"));
  EXPECT_EQ(records[2], R(3, {"Piet", "kort"}));
}

TEST(CsvReaderTest, FeedAfterFinishIgnored) {
  Reader reader;
  reader.Feed("a;b\n");
  reader.Finish();
  reader.Feed("c;d\n");
  EXPECT_THAT(reader.Next(), ::testing::Optional(R(1, {"a", "b"})));
  EXPECT_FALSE(reader.Next().has_value());
}

}  // namespace
}  // namespace secondvoice::csv
