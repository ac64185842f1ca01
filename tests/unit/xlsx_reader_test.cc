// Tests for libs/xlsx/xlsx_reader.h on small workbooks built here in memory with libzip.
#include "libs/xlsx/xlsx_reader.h"

#include <zip.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace secondvoice::xlsx {
namespace {

using ::secondvoice::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

using Files = std::vector<std::pair<std::string, std::string>>;

// A zip archive of `files`, built in memory.
std::string Zip(const Files& files) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  EXPECT_NE(buffer, nullptr);
  zip_source_keep(buffer);  // Still needed after zip_close, to read the result.
  zip_t* zip = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  EXPECT_NE(zip, nullptr) << zip_error_strerror(&error);
  for (const auto& [name, content] : files) {
    zip_source_t* source = zip_source_buffer(zip, content.data(), content.size(), 0);
    EXPECT_GE(zip_file_add(zip, name.c_str(), source, ZIP_FL_ENC_UTF_8), 0) << zip_strerror(zip);
  }
  EXPECT_EQ(zip_close(zip), 0);
  zip_stat_t stat;
  EXPECT_EQ(zip_source_stat(buffer, &stat), 0);
  std::string bytes(stat.size, '\0');
  EXPECT_EQ(zip_source_open(buffer), 0);
  EXPECT_EQ(zip_source_read(buffer, bytes.data(), bytes.size()),
            static_cast<zip_int64_t>(bytes.size()));
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return bytes;
}

constexpr char kMain[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr char kRel[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

struct Sheet {
  std::string name;
  std::string part;  // Under xl/, e.g. "worksheets/sheet1.xml".
  std::string xml;
};

// A workbook with `sheets` in tab order and, when not empty, a shared strings part.
Files WorkbookFiles(const std::vector<Sheet>& sheets, const std::string& shared_strings = "",
                    const std::string& workbook_pr = "") {
  std::string content_types = absl::StrCat(
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)",
      R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)",
      R"(<Default Extension="xml" ContentType="application/xml"/>)",
      R"(<Default Extension="rels" )",
      R"(ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>)");
  std::string workbook =
      absl::StrCat(R"(<?xml version="1.0" encoding="UTF-8"?>)", R"(<workbook xmlns=")", kMain,
                   R"(" xmlns:r=")", kRel, R"(">)", workbook_pr, "<sheets>");
  std::string rels =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)";
  Files files = {{"[Content_Types].xml", content_types}};
  for (size_t i = 0; i < sheets.size(); ++i) {
    const std::string id = absl::StrCat("rId", i + 1);
    absl::StrAppend(&workbook, R"(<sheet name=")", sheets[i].name, R"(" sheetId=")", i + 1,
                    R"(" r:id=")", id, R"("/>)");
    absl::StrAppend(&rels, R"(<Relationship Id=")", id, R"(" Type=")", kRel,
                    R"(/worksheet" Target=")", sheets[i].part, R"("/>)");
    files.emplace_back(absl::StrCat("xl/", sheets[i].part), sheets[i].xml);
  }
  absl::StrAppend(&workbook, "</sheets></workbook>");
  if (!shared_strings.empty()) {
    absl::StrAppend(&rels, R"(<Relationship Id="rIdS" Type=")", kRel,
                    R"(/sharedStrings" Target="sharedStrings.xml"/>)");
    files.emplace_back("xl/sharedStrings.xml", shared_strings);
  }
  absl::StrAppend(&rels, "</Relationships>");
  files.emplace_back("xl/workbook.xml", workbook);
  files.emplace_back("xl/_rels/workbook.xml.rels", rels);
  return files;
}

std::string SheetXml(const std::string& sheet_data) {
  return absl::StrCat(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)",
                      R"(<worksheet xmlns=")", kMain, R"(" xmlns:r=")", kRel,
                      R"("><dimension ref="A1:E2"/><sheetData>)", sheet_data,
                      R"(</sheetData><pageMargins left="0.7"/></worksheet>)");
}

std::string SharedStringsXml(const std::string& items) {
  return absl::StrCat(R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)",
                      R"(<sst xmlns=")", kMain, R"(">)", items, "</sst>");
}

std::string OneSheet(const std::string& sheet_data, const std::string& shared_strings = "") {
  return Zip(
      WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", SheetXml(sheet_data)}}, shared_strings));
}

std::vector<table::Record> ReadAll(Reader& reader) {
  std::vector<table::Record> records;
  while (std::optional<table::Record> record = reader.Next()) records.push_back(*record);
  return records;
}

MATCHER_P2(RecordIs, line, fields, "") {
  *result_listener << "line " << arg.line << ", " << arg.fields.size() << " fields, error '"
                   << arg.error << "'";
  return arg.line == line && arg.fields == std::vector<std::string>(fields) && arg.error.empty();
}

TEST(XlsxReaderTest, DutchHeaderFromSharedStringsWithNumbersAndDate) {
  const std::string shared = SharedStringsXml(
      "<si><t>voornaam</t></si><si><t>achternaam</t></si><si><t>telefoon</t></si>"
      "<si><t>e-mail</t></si><si><t>aankoopdatum</t></si>"
      "<si><t>Jan</t></si><si><t>de Vries</t></si><si><t>jan@example.nl</t></si>");
  const std::string bytes = OneSheet(
      R"(<row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>)"
      R"(<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c>)"
      R"(</row><row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2" t="s"><v>6</v></c>)"
      R"(<c r="C2"><v>612345678</v></c><c r="D2" t="s"><v>7</v></c>)"
      R"(<c r="E2" s="1"><v>45000</v></c></row>)",
      shared);
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> reader, Reader::Open(bytes));
  EXPECT_THAT(reader->sheet_names(), ElementsAre("Blad1"));
  EXPECT_FALSE(reader->uses_1904_dates());
  std::vector<table::Record> records = ReadAll(*reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0], RecordIs(1, std::vector<std::string>{"voornaam", "achternaam", "telefoon",
                                                               "e-mail", "aankoopdatum"}));
  EXPECT_THAT(records[1], RecordIs(2, std::vector<std::string>{"Jan", "de Vries", "612345678",
                                                               "jan@example.nl", "45000"}));
  EXPECT_THAT(SerialToCivil(records[1].fields[4]), Optional(absl::CivilSecond(2023, 3, 15)));
}

TEST(XlsxReaderTest, NumbersKeepTheirText) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1"><v>0.5</v></c><c r="B1" t="n"><v>-12</v></c>)"
                            R"(<c r="C1"><v>1.2345678901234E+19</v></c></row>)")));
  EXPECT_THAT(
      ReadAll(*reader),
      ElementsAre(RecordIs(1, std::vector<std::string>{"0.5", "-12", "1.2345678901234E+19"})));
}

TEST(XlsxReaderTest, InlineStrings) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>Ünal</t></is></c>)"
                            R"(<c r="B1" t="inlineStr"><is><r><t>van </t></r><r><rPr><b/></rPr>)"
                            R"(<t>Dijk</t></r></is></c></row>)")));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(1, std::vector<std::string>{"Ünal", "van Dijk"})));
}

TEST(XlsxReaderTest, RichTextSharedStringsJoinRunsAndIgnorePhonetics) {
  const std::string shared = SharedStringsXml(
      R"(<si><r><t xml:space="preserve">Garage </t></r><r><rPr><b/><sz val="11"/></rPr>)"
      R"(<t>Jansen</t></r><rPh sb="0" eb="1"><t>ジャンセン</t></rPh>)"
      R"(<phoneticPr fontId="1"/></si>)");
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="s"><v>0</v></c></row>)", shared)));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(1, std::vector<std::string>{"Garage Jansen"})));
}

TEST(XlsxReaderTest, BooleansErrorsAndFormulaStrings) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v>)"
                            R"(</c><c r="C1" t="e"><f>VLOOKUP(A1,X:Y,2)</f><v>#N/A</v></c>)"
                            R"(<c r="D1" t="str"><f>A2&amp;" "&amp;B2</f><v>Jan de Vries</v></c>)"
                            R"(<c r="E1"><f>1+1</f><v>2</v></c></row>)")));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(
                  1, std::vector<std::string>{"TRUE", "FALSE", "#N/A", "Jan de Vries", "2"})));
}

TEST(XlsxReaderTest, MissingCellsAreEmptyAndMissingRowsAreSkipped) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c>)"
                            R"(<c r="C1" t="inlineStr"><is><t>c</t></is></c></row>)"
                            R"(<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>)"
                            // Formatting only: looks like no row at all.
                            R"(<row r="3" ht="20" customHeight="1"><c r="A3" s="2"/></row>)"
                            // Trailing styled but empty cells are dropped.
                            R"(<row r="4"><c r="A4"><v>4</v></c><c r="B4" s="1"/>)"
                            R"(<c r="C4" t="inlineStr"><is><t></t></is></c></row>)")));
  EXPECT_THAT(ReadAll(*reader), ElementsAre(RecordIs(1, std::vector<std::string>{"a", "", "c"}),
                                            RecordIs(2, std::vector<std::string>{"1", "2"}),
                                            RecordIs(4, std::vector<std::string>{"4"})));
}

TEST(XlsxReaderTest, CellsAndRowsWithoutReferencesFollowThePreviousOne) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="5"><c><v>1</v></c><c r="C5"><v>3</v></c><c><v>4</v></c>)"
                            R"(</row><row><c><v>x</v></c></row>)")));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(5, std::vector<std::string>{"1", "", "3", "4"}),
                          RecordIs(6, std::vector<std::string>{"x"})));
}

TEST(XlsxReaderTest, ColumnAA) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="B1"><v>2</v></c><c r="AA1"><v>27</v></c></row>)")));
  std::vector<table::Record> records = ReadAll(*reader);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].fields.size(), 27u);
  EXPECT_EQ(records[0].fields[0], "");
  EXPECT_EQ(records[0].fields[1], "2");
  EXPECT_EQ(records[0].fields[25], "");
  EXPECT_EQ(records[0].fields[26], "27");
}

TEST(XlsxReaderTest, SheetByNameFollowsTheRelationships) {
  // Parts are named unlike the tabs and in another order: only the relationships tell.
  const std::string bytes = Zip(WorkbookFiles(
      {{"Blad1", "worksheets/sheet2.xml",
        SheetXml(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>eerste</t></is></c></row>)")},
       {"Klanten", "worksheets/sheet1.xml",
        SheetXml(R"(<row r="1"><c r="A1" t="inlineStr"><is><t>tweede</t></is></c></row>)")}}));

  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> first, Reader::Open(bytes));
  EXPECT_THAT(first->sheet_names(), ElementsAre("Blad1", "Klanten"));
  EXPECT_THAT(ReadAll(*first), ElementsAre(RecordIs(1, std::vector<std::string>{"eerste"})));

  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> second, Reader::Open(bytes, "Klanten"));
  EXPECT_THAT(ReadAll(*second), ElementsAre(RecordIs(1, std::vector<std::string>{"tweede"})));

  // Excel itself does not tell sheet names apart by case.
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> any_case, Reader::Open(bytes, "KLANTEN"));
  EXPECT_THAT(ReadAll(*any_case), ElementsAre(RecordIs(1, std::vector<std::string>{"tweede"})));
}

TEST(XlsxReaderTest, AbsoluteRelationshipTargets) {
  Files files = WorkbookFiles({{"Blad1", "/xl/worksheets/sheet1.xml", ""}});
  files[1] = {"xl/worksheets/sheet1.xml", SheetXml(R"(<row r="1"><c r="A1"><v>7</v></c></row>)")};
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> reader, Reader::Open(Zip(files)));
  EXPECT_THAT(ReadAll(*reader), ElementsAre(RecordIs(1, std::vector<std::string>{"7"})));
}

TEST(XlsxReaderTest, UnknownSheetNameListsTheSheets) {
  const std::string bytes =
      Zip(WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", SheetXml("")},
                         {"Klanten", "worksheets/sheet2.xml", SheetXml("")}}));
  EXPECT_THAT(Reader::Open(bytes, "Blad2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "no sheet named 'Blad2' (sheets: Blad1, Klanten)"));
}

TEST(XlsxReaderTest, NotAZipFile) {
  EXPECT_THAT(
      Reader::Open("voornaam;achternaam;telefoon\nJan;de Vries;0612345678\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, "not an xlsx workbook (not a zip file)"));
  EXPECT_THAT(Reader::Open(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("not an xlsx workbook (the file is empty)")));
  // An old .xls file, or an .xlsx saved with a password, is an OLE compound file.
  EXPECT_THAT(Reader::Open(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "rest"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("an old .xls file")));
}

TEST(XlsxReaderTest, ZipWithoutAWorkbook) {
  EXPECT_THAT(
      Reader::Open(Zip({{"word/document.xml", "<document/>"}})),
      StatusIs(absl::StatusCode::kInvalidArgument, "not an xlsx workbook (no xl/workbook.xml)"));
}

TEST(XlsxReaderTest, NamespacePrefixedSheet) {
  const std::string sheet = absl::StrCat(
      R"(<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x=")", kMain,
      R"("><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Piet</x:t></x:is>)",
      R"(</x:c><x:c r="B1"><x:v>42</x:v></x:c><x:c r="C1" t="s"><x:v>0</x:v></x:c></x:row>)",
      R"(</x:sheetData></x:worksheet>)");
  const std::string shared =
      absl::StrCat(R"(<x:sst xmlns:x=")", kMain, R"("><x:si><x:t>gedeeld</x:t></x:si></x:sst>)");
  Files files = WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", sheet}}, shared);
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> reader, Reader::Open(Zip(files)));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(1, std::vector<std::string>{"Piet", "42", "gedeeld"})));
}

TEST(XlsxReaderTest, EscapedCharactersInStrings) {
  const std::string shared =
      SharedStringsXml("<si><t>regel 1_x000D_\nregel 2</t></si><si><t>a_x005F_x0041_b</t></si>");
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>)"
                            R"(</c><c r="C1" t="inlineStr"><is><t>_xD83D__xDE97_ auto</t></is>)"
                            R"(</c></row>)",
                            shared)));
  EXPECT_THAT(ReadAll(*reader),
              ElementsAre(RecordIs(1, std::vector<std::string>{"regel 1\r\nregel 2", "a_x0041_b",
                                                               "\xF0\x9F\x9A\x97 auto"})));
}

TEST(XlsxReaderTest, BrokenSharedStringsFailToOpen) {
  const std::string shared = "<?xml version=\"1.0\"?>\n<sst>\n<si><t>Jan</si></sst>";
  EXPECT_THAT(Reader::Open(OneSheet("", shared)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("xl/sharedStrings.xml: line 3: mismatched tag")));
}

TEST(XlsxReaderTest, SharedStringOutOfRangeRejectsTheRowOnly) {
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(OneSheet(R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>9</v>)"
                            R"(</c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row>)",
                            SharedStringsXml("<si><t>Jan</t></si>"))));
  std::vector<table::Record> records = ReadAll(*reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_THAT(records[0].error, HasSubstr("cell B1: shared string '9' does not exist"));
  EXPECT_THAT(records[1], RecordIs(2, std::vector<std::string>{"Jan"}));
}

TEST(XlsxReaderTest, BrokenSheetXmlEndsWithAnError) {
  const std::string sheet =
      absl::StrCat(R"(<worksheet xmlns=")", kMain, "\">\n<sheetData>\n",
                   R"(<row r="1"><c r="A1"><v>1</v></c></row>)", "\n",
                   R"(<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>3</c></row>)", "\n",
                   R"(<row r="3"><c r="A3"><v>4</v></c></row></sheetData></worksheet>)");
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(Zip(WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", sheet}}))));
  std::vector<table::Record> records = ReadAll(*reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0], RecordIs(1, std::vector<std::string>{"1"}));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].fields, ElementsAre("2"));
  EXPECT_THAT(records[1].error, HasSubstr("xl/worksheets/sheet1.xml: line 4: mismatched tag"));
  EXPECT_EQ(reader->Next(), std::nullopt);
}

TEST(XlsxReaderTest, TruncatedSheetXmlEndsWithAnError) {
  const std::string sheet = absl::StrCat(R"(<worksheet xmlns=")", kMain,
                                         R"("><sheetData><row r="1"><c r="A1"><v>1</v></c></row>)");
  SV_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Reader> reader,
      Reader::Open(Zip(WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", sheet}}))));
  std::vector<table::Record> records = ReadAll(*reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0], RecordIs(1, std::vector<std::string>{"1"}));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].fields, IsEmpty());
  EXPECT_THAT(records[1].error, HasSubstr("xl/worksheets/sheet1.xml: line 1: no element found"));
}

TEST(XlsxReaderTest, LargeSheetIsStreamedAcrossChunks) {
  // Well over one 64 KiB read, so elements and text are split between chunks.
  std::string data;
  constexpr int kRows = 5000;
  for (int row = 1; row <= kRows; ++row) {
    absl::StrAppend(&data, R"(<row r=")", row, R"("><c r="A)", row,
                    R"(" t="inlineStr"><is><t>klant nummer )", row, R"(</t></is></c><c r="B)", row,
                    R"("><v>6)", 10000000 + row, "</v></c></row>");
  }
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> reader, Reader::Open(OneSheet(data)));
  int expected = 0;
  while (std::optional<table::Record> record = reader->Next()) {
    ++expected;
    ASSERT_THAT(*record, RecordIs(expected, std::vector<std::string>{
                                                absl::StrCat("klant nummer ", expected),
                                                absl::StrCat("6", 10000000 + expected)}));
  }
  EXPECT_EQ(expected, kRows);
}

TEST(XlsxReaderTest, Reports1904DateSystem) {
  Files files = WorkbookFiles({{"Blad1", "worksheets/sheet1.xml", SheetXml("")}}, "",
                              R"(<workbookPr date1904="1"/>)");
  SV_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Reader> reader, Reader::Open(Zip(files)));
  EXPECT_TRUE(reader->uses_1904_dates());
  EXPECT_EQ(reader->Next(), std::nullopt);
}

TEST(SerialToCivilTest, ExcelSerialDates) {
  EXPECT_THAT(SerialToCivil("1"), Optional(absl::CivilSecond(1899, 12, 31)));
  EXPECT_THAT(SerialToCivil("45000"), Optional(absl::CivilSecond(2023, 3, 15)));
  EXPECT_THAT(SerialToCivil("45000.5"), Optional(absl::CivilSecond(2023, 3, 15, 12, 0, 0)));
  // 14:30 is not exact in binary; it rounds to the second.
  EXPECT_THAT(SerialToCivil("45000.604166666664"),
              Optional(absl::CivilSecond(2023, 3, 15, 14, 30, 0)));
  EXPECT_THAT(SerialToCivil("2958465"), Optional(absl::CivilSecond(9999, 12, 31)));
  EXPECT_THAT(SerialToCivil("43538", /*date1904=*/true), Optional(absl::CivilSecond(2023, 3, 15)));
}

TEST(SerialToCivilTest, NotADate) {
  EXPECT_EQ(SerialToCivil("abc"), std::nullopt);
  EXPECT_EQ(SerialToCivil(""), std::nullopt);
  EXPECT_EQ(SerialToCivil("15-03-2023"), std::nullopt);
  EXPECT_EQ(SerialToCivil("-1"), std::nullopt);
  EXPECT_EQ(SerialToCivil("2958466"), std::nullopt);
  EXPECT_EQ(SerialToCivil("nan"), std::nullopt);
}

}  // namespace
}  // namespace secondvoice::xlsx
