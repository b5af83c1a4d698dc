#include "extract/office_extractor.h"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "extract/test_util.h"
#include "extract/zip_test_util.h"

namespace sluice::extract::internal {
namespace {

using testing_util::FileWith;
using testing_util::ZipBytes;
using testing_util::ZipEntry;
using testing_util::ZipFile;

constexpr std::string_view kWordNs = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr std::string_view kSheetNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr std::string_view kSlideNs = "http://schemas.openxmlformats.org/presentationml/2006/main";
constexpr std::string_view kDrawingNs = "http://schemas.openxmlformats.org/drawingml/2006/main";
constexpr std::string_view kRelNs =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr std::string_view kMarkupCompatibilityNs =
    "http://schemas.openxmlformats.org/markup-compatibility/2006";
constexpr std::string_view kOdfNamespaces =
    R"( xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0")"
    R"( xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0")"
    R"( xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0")"
    R"( xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0")"
    R"( xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0")"
    R"( xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0")"
    R"( xmlns:dc="http://purl.org/dc/elements/1.1/")";

// Appends the concatenation of `parts` to `out`.
void Append(std::string& out, std::initializer_list<std::string_view> parts) {
  for (const std::string_view part : parts) out.append(part);
}

std::string Xml(std::string_view content) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + std::string(content);
}

// [Content_Types].xml with an Override per (part, content type).
std::string ContentTypes(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::string xml =
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>";
  for (const auto& [part, type] : overrides) {
    Append(xml, {"<Override PartName=\"/", part, "\" ContentType=\"", type, "\"/>"});
  }
  return Xml(xml + "</Types>");
}

// A .rels part: (id, relationship type after ".../relationships/", target) each.
std::string Rels(const std::vector<std::tuple<std::string, std::string, std::string>>& rels) {
  std::string xml =
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (const auto& [id, type, target] : rels) {
    Append(xml, {"<Relationship Id=\"", id, "\" Type=\""});
    if (!type.starts_with("http")) Append(xml, {kRelNs, "/"});
    Append(xml, {type, "\" Target=\"", target, "\""});
    if (type == "hyperlink") xml += " TargetMode=\"External\"";
    xml += "/>";
  }
  return Xml(xml + "</Relationships>");
}

// The package's own relationships: the main part and the two property parts.
std::string RootRels(const std::string& main_part) {
  return Rels({{"rId1", "officeDocument", main_part},
               {"rId2",
                "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                "core-properties",
                "docProps/core.xml"},
               {"rId3", "extended-properties", "docProps/app.xml"}});
}

std::string CoreXml(std::string_view properties) {
  return Xml(
      "<cp:coreProperties "
      "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">" +
      std::string(properties) + "</cp:coreProperties>");
}

std::string AppXml(std::string_view properties) {
  return Xml(
      "<Properties "
      "xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">" +
      std::string(properties) + "</Properties>");
}

// w:document around `body` (the content of w:body).
std::string WordDocument(std::string_view body) {
  return Xml("<w:document xmlns:w=\"" + std::string(kWordNs) + "\" xmlns:r=\"" +
             std::string(kRelNs) + "\" xmlns:mc=\"" + std::string(kMarkupCompatibilityNs) +
             "\"><w:body>" + std::string(body) + "</w:body></w:document>");
}

// A paragraph of one run.
std::string WordParagraph(std::string_view text) {
  return "<w:p><w:r><w:t>" + std::string(text) + "</w:t></w:r></w:p>";
}

// The smallest docx Word opens: content types, package relationships and `document_xml`.
std::vector<ZipEntry> Docx(std::string document_xml) {
  return {
      {"[Content_Types].xml",
       ContentTypes({{"word/document.xml",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document."
                      "main+xml"}})},
      {"_rels/.rels", RootRels("word/document.xml")},
      {"word/document.xml", std::move(document_xml)},
  };
}

base::Result<ExtractedText> Extract(const std::vector<ZipEntry>& entries,
                                    size_t max_body_bytes = 1 << 30, const ZipLimits& limits = {}) {
  const base::UniqueFd fd = ZipFile(entries);
  return ExtractOffice(fd.get(), limits, max_body_bytes);
}

ExtractedText MustExtract(const std::vector<ZipEntry>& entries, size_t max_body_bytes = 1 << 30) {
  auto text = Extract(entries, max_body_bytes);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : ExtractedText{};
}

bool HasWarningContaining(const ExtractedText& text, std::string_view part) {
  for (const std::string& warning : text.warnings) {
    if (warning.find(part) != std::string::npos) return true;
  }
  return false;
}

size_t OpenDescriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

// ----------------------------------------------------------------------------------------------
// Formats.

TEST(OfficeExtractorTest, DocxParagraphsTableHeaderFooterAndProperties) {
  std::vector<ZipEntry> entries = Docx(WordDocument(
      "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>"
      "<w:r><w:t>First</w:t></w:r><w:r><w:t xml:space=\"preserve\"> para</w:t></w:r>"
      "<w:r><w:t>graph</w:t></w:r><w:r><w:tab/><w:t>tabbed</w:t></w:r></w:p>"
      "<w:p><w:r><w:t>Second</w:t><w:br/><w:t>line &amp; more</w:t></w:r>"
      "<w:r><w:delText>deleted</w:delText><w:instrText> PAGE </w:instrText></w:r></w:p>"
      "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell1</w:t></w:r></w:p></w:tc>"
      "<w:tc><w:p><w:r><w:t>cell2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
      "<w:p><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:r><w:t>boxed</w:t></w:r>"
      "</mc:Choice><mc:Fallback><w:r><w:t>boxed again</w:t></w:r></mc:Fallback>"
      "</mc:AlternateContent></w:p><w:sectPr/>"));
  entries.push_back(
      {"word/_rels/document.xml.rels", Rels({{"rId9", "footer", "footer1.xml"},
                                             {"rId2", "header", "header1.xml"},
                                             {"rId3", "image", "media/image1.png"},
                                             {"rId4", "hyperlink", "https://example.com/"},
                                             {"rId5", "comments", "/word/comments.xml"}})});
  const std::string header_footer_start = "<w:hdr xmlns:w=\"" + std::string(kWordNs) + "\">";
  entries.push_back(
      {"word/header1.xml", Xml(header_footer_start + WordParagraph("Header words") + "</w:hdr>")});
  entries.push_back(
      {"word/footer1.xml", Xml(header_footer_start + WordParagraph("Footer words") + "</w:hdr>")});
  entries.push_back(
      {"word/comments.xml", Xml("<w:comments xmlns:w=\"" + std::string(kWordNs) +
                                "\"><w:comment w:id=\"0\" w:author=\"Rev\">" +
                                WordParagraph("A comment") + "</w:comment></w:comments>")});
  entries.push_back({"word/media/image1.png", std::string("\x89PNG\r\n\x1a\n", 8)});
  entries.push_back({"docProps/core.xml",
                     CoreXml("<dc:title>  Quarterly\n  Report </dc:title>"
                             "<dc:subject>Finance</dc:subject><dc:creator>Jane Doe</dc:creator>"
                             "<cp:keywords>budget, 2024; draft</cp:keywords>"
                             "<dc:description>Numbers for Q1</dc:description>"
                             "<cp:lastModifiedBy>Someone Else</cp:lastModifiedBy>"
                             "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-03-01T10:00:00Z"
                             "</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">"
                             "2024-03-02T12:30:00+02:00</dcterms:modified>")});
  entries.push_back({"docProps/app.xml", AppXml("<Pages>3</Pages><Words>12</Words>")});

  const ExtractedText text = MustExtract(entries);
  EXPECT_EQ(text.file_type, "docx");
  EXPECT_EQ(text.title, "Quarterly Report");
  EXPECT_EQ(text.body,
            "First paragraph tabbed Second line & more cell1 cell2 boxed Header words "
            "Footer words A comment");
  EXPECT_FALSE(text.truncated);
  const ExtractedFields expected = {{"author", {"Jane Doe"}},
                                    {"subject", {"Finance"}},
                                    {"keywords", {"budget", "2024", "draft"}},
                                    {"description", {"Numbers for Q1"}},
                                    {"created", {"2024-03-01T10:00:00Z"}},
                                    {"modified", {"2024-03-02T10:30:00Z"}},
                                    {"pagecount", {"3"}}};
  EXPECT_EQ(text.fields, expected);
  EXPECT_TRUE(text.warnings.empty()) << text.warnings.front();
}

TEST(OfficeExtractorTest, DocxReadsFromTheStartOfTheFileAndLeavesTheDescriptorOpen) {
  const std::vector<ZipEntry> entries = Docx(WordDocument(WordParagraph("again")));
  const base::UniqueFd fd = ZipFile(entries);
  ASSERT_GT(lseek(fd.get(), 0, SEEK_END), 0);  // extraction starts from the start anyway
  for (int i = 0; i < 2; ++i) {
    auto text = ExtractOffice(fd.get(), {}, 1 << 20);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(text->body, "again");
  }
}

TEST(OfficeExtractorTest, DocxWithoutPropertiesOrRelationships) {
  const ExtractedText text = MustExtract(Docx(WordDocument(WordParagraph("Only text"))));
  EXPECT_EQ(text.title, "");
  EXPECT_EQ(text.body, "Only text");
  EXPECT_TRUE(text.fields.empty());
}

TEST(OfficeExtractorTest, XlsxSharedStringsAndValuesOfTwoSheetsInWorkbookOrder) {
  const std::string sheet_start = "<worksheet xmlns=\"" + std::string(kSheetNs) + "\"><sheetData>";
  const std::vector<ZipEntry> entries = {
      {"[Content_Types].xml",
       ContentTypes(
           {{"xl/workbook.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"}})},
      {"_rels/.rels", RootRels("xl/workbook.xml")},
      {"xl/workbook.xml",
       Xml("<workbook xmlns=\"" + std::string(kSheetNs) + "\" xmlns:r=\"" + std::string(kRelNs) +
           "\"><sheets><sheet name=\"Summary\" sheetId=\"2\" r:id=\"rId2\"/>"
           "<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")},
      {"xl/_rels/workbook.xml.rels", Rels({{"rId1", "worksheet", "worksheets/sheet1.xml"},
                                           {"rId2", "worksheet", "worksheets/sheet2.xml"},
                                           {"rId3", "sharedStrings", "sharedStrings.xml"},
                                           {"rId4", "styles", "styles.xml"}})},
      {"xl/sharedStrings.xml",
       Xml("<sst xmlns=\"" + std::string(kSheetNs) +
           "\" count=\"3\" uniqueCount=\"3\"><si><t>Name</t></si><si><t>Price</t></si>"
           "<si><r><t>Rich</t></r><r><rPr><b/></rPr><t>Text</t></r>"
           "<rPh sb=\"0\" eb=\"1\"><t>phonetic</t></rPh></si></sst>")},
      {"xl/worksheets/sheet1.xml",
       Xml(sheet_start +
           "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
           "<row r=\"2\"><c r=\"A2\" t=\"n\"><v>42</v></c><c r=\"B2\"><f>A2/12</f><v>3.5</v></c>"
           "<c r=\"C2\" t=\"b\"><v>1</v></c><c r=\"D2\" t=\"e\"><v>#DIV/0!</v></c></row>"
           "</sheetData></worksheet>")},
      {"xl/worksheets/_rels/sheet1.xml.rels", Rels({{"rId1", "comments", "../comments1.xml"}})},
      {"xl/comments1.xml",
       Xml("<comments xmlns=\"" + std::string(kSheetNs) +
           "\"><authors><author>Bob</author></authors><commentList>"
           "<comment ref=\"A1\" authorId=\"0\"><text><r><t>Check this</t></r></text></comment>"
           "</commentList></comments>")},
      {"xl/worksheets/sheet2.xml",
       Xml(sheet_start +
           "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Inline words</t></is></c>"
           "<c r=\"B1\"><v>7</v></c><c r=\"C1\" t=\"str\"><f>CONCAT(\"jo\",\"ined\")</f>"
           "<v>joined</v></c></row></sheetData></worksheet>")},
      {"docProps/core.xml", CoreXml("<dc:title>Prices</dc:title>")},
  };
  const ExtractedText text = MustExtract(entries);
  EXPECT_EQ(text.file_type, "xlsx");
  EXPECT_EQ(text.title, "Prices");
  EXPECT_EQ(text.body, "Name Price RichText Summary Inline words 7 joined Data 42 3.5 Check this");
  EXPECT_TRUE(text.warnings.empty()) << text.warnings.front();
}

// A presentation of `count` slides; slides 1 and 10 have notes. The relationships are listed
// backwards, so only the presentation's slide list gives the order.
std::vector<ZipEntry> Pptx(int count, bool with_slide_list) {
  std::vector<ZipEntry> entries = {
      {"[Content_Types].xml",
       ContentTypes({{"ppt/presentation.xml",
                      "application/vnd.openxmlformats-officedocument.presentationml."
                      "presentation.main+xml"}})},
      {"_rels/.rels", RootRels("ppt/presentation.xml")},
      {"docProps/core.xml", CoreXml("<dc:title>Deck</dc:title>")},
      {"docProps/app.xml", AppXml("<Slides>" + std::to_string(count) + "</Slides>")},
  };
  std::string slide_list;
  std::vector<std::tuple<std::string, std::string, std::string>> rels;
  for (int i = count; i >= 1; --i) {
    const std::string n = std::to_string(i);
    rels.emplace_back("rId" + std::to_string(100 + i), "slide", "slides/slide" + n + ".xml");
  }
  for (int i = 1; i <= count; ++i) {
    Append(slide_list, {"<p:sldId id=\"", std::to_string(255 + i), "\" r:id=\"rId",
                        std::to_string(100 + i), "\"/>"});
  }
  entries.push_back({"ppt/presentation.xml",
                     Xml("<p:presentation xmlns:p=\"" + std::string(kSlideNs) + "\" xmlns:r=\"" +
                         std::string(kRelNs) + "\">" +
                         (with_slide_list ? "<p:sldIdLst>" + slide_list + "</p:sldIdLst>" : "") +
                         "</p:presentation>")});
  entries.push_back({"ppt/_rels/presentation.xml.rels", Rels(rels)});
  const std::string start = "<p:sld xmlns:p=\"" + std::string(kSlideNs) + "\" xmlns:a=\"" +
                            std::string(kDrawingNs) + "\"><p:cSld><p:spTree><p:sp><p:txBody>";
  const std::string end = "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
  for (int i = 1; i <= count; ++i) {
    const std::string n = std::to_string(i);
    constexpr std::string_view kSecondParagraph =
        "</a:t></a:r></a:p><a:p><a:r><a:t>point</a:t></a:r><a:br/><a:r><a:t>two</a:t></a:r></a:p>";
    std::string slide;
    Append(slide, {start, "<a:p><a:r><a:t>Slide ", n, kSecondParagraph, end});
    entries.push_back({"ppt/slides/slide" + n + ".xml", Xml(slide)});
    if (i == 1 || i == 10) {
      std::string notes_target = "../notesSlides/notesSlide";
      Append(notes_target, {n, ".xml"});
      std::string notes;
      Append(notes, {start, "<a:p><a:r><a:t>Notes for ", n, "</a:t></a:r></a:p>", end});
      entries.push_back({"ppt/slides/_rels/slide" + n + ".xml.rels",
                         Rels({{"rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"},
                               {"rId2", "notesSlide", notes_target}})});
      entries.push_back({"ppt/notesSlides/notesSlide" + n + ".xml", Xml(notes)});
    }
  }
  return entries;
}

std::string ExpectedSlides(int count) {
  std::string body;
  for (int i = 1; i <= count; ++i) {
    const std::string n = std::to_string(i);
    body += (i > 1 ? " Slide " : "Slide ") + n + " point two";
    if (i == 1 || i == 10) body += " Notes for " + n;
  }
  return body;
}

TEST(OfficeExtractorTest, PptxSlidesInPresentationOrderWithNotes) {
  const ExtractedText text = MustExtract(Pptx(11, /*with_slide_list=*/true));
  EXPECT_EQ(text.file_type, "pptx");
  EXPECT_EQ(text.title, "Deck");
  EXPECT_EQ(text.body, ExpectedSlides(11));
  const ExtractedFields expected = {{"pagecount", {"11"}}};
  EXPECT_EQ(text.fields, expected);
  EXPECT_TRUE(text.warnings.empty()) << text.warnings.front();
}

TEST(OfficeExtractorTest, PptxWithoutSlideListTakesSlidesInNumberOrder) {
  const ExtractedText text = MustExtract(Pptx(11, /*with_slide_list=*/false));
  EXPECT_EQ(text.body, ExpectedSlides(11));
}

// An ODF package: the stored mimetype first, then content.xml and meta.xml.
std::vector<ZipEntry> Odf(std::string_view mimetype, std::string_view body, std::string_view meta) {
  return {
      {"mimetype", std::string(mimetype), /*stored=*/true},
      {"content.xml", Xml("<office:document-content" + std::string(kOdfNamespaces) +
                          " office:version=\"1.3\"><office:automatic-styles>not text"
                          "</office:automatic-styles><office:body>" +
                          std::string(body) + "</office:body></office:document-content>")},
      {"meta.xml", Xml("<office:document-meta" + std::string(kOdfNamespaces) + "><office:meta>" +
                       std::string(meta) + "</office:meta></office:document-meta>")},
      {"META-INF/manifest.xml", Xml("<manifest:manifest/>")},
  };
}

TEST(OfficeExtractorTest, OdtTextAndMeta) {
  const ExtractedText text = MustExtract(Odf(
      "application/vnd.oasis.opendocument.text",
      "<office:text><text:tracked-changes><text:changed-region><text:deletion>"
      "<text:p>removed</text:p></text:deletion></text:changed-region></text:tracked-changes>"
      "<text:h text:outline-level=\"1\">Heading</text:h>"
      "<text:p>Hello<text:s/>world<text:tab/>tabbed<text:line-break/>broken "
      "<text:span>sp</text:span>an</text:p>"
      "<text:p>Note<text:note text:note-class=\"footnote\"><text:note-citation>1"
      "</text:note-citation><text:note-body><text:p>footnote text</text:p></text:note-body>"
      "</text:note> after</text:p>"
      "<text:p><office:annotation><dc:creator>Ann</dc:creator><dc:date>2024-01-01T00:00:00"
      "</dc:date><text:p>comment text</text:p></office:annotation>annotated</text:p>"
      "<table:table><table:table-row><table:table-cell><text:p>c1</text:p></table:table-cell>"
      "<table:table-cell><text:p>c2</text:p></table:table-cell></table:table-row></table:table>"
      "</office:text>",
      "<dc:title>ODF Title</dc:title><meta:initial-creator>Original Author</meta:initial-creator>"
      "<dc:creator>Last Editor</dc:creator><dc:subject>Subj</dc:subject>"
      "<meta:keyword>k1</meta:keyword><meta:keyword>k two</meta:keyword>"
      "<dc:description>Desc</dc:description>"
      "<meta:creation-date>2024-03-01T10:00:00.123456789</meta:creation-date>"
      "<dc:date>2024-03-05T08:00:00</dc:date>"
      "<meta:document-statistic meta:page-count=\"2\" meta:word-count=\"20\"/>"));
  EXPECT_EQ(text.file_type, "odt");
  EXPECT_EQ(text.title, "ODF Title");
  EXPECT_EQ(text.body,
            "Heading Hello world tabbed broken span Note footnote text after comment text "
            "annotated c1 c2");
  const ExtractedFields expected = {{"author", {"Original Author"}},
                                    {"subject", {"Subj"}},
                                    {"keywords", {"k1", "k two"}},
                                    {"description", {"Desc"}},
                                    {"created", {"2024-03-01T10:00:00Z"}},
                                    {"modified", {"2024-03-05T08:00:00Z"}},
                                    {"pagecount", {"2"}}};
  EXPECT_EQ(text.fields, expected);
}

TEST(OfficeExtractorTest, OdsCells) {
  const ExtractedText text = MustExtract(
      Odf("application/vnd.oasis.opendocument.spreadsheet",
          "<office:spreadsheet><table:table table:name=\"Sheet1\">"
          "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Item</text:p>"
          "</table:table-cell><table:table-cell office:value-type=\"float\" office:value=\"12.5\">"
          "<text:p>12.5</text:p></table:table-cell></table:table-row>"
          "<table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell "
          "table:number-columns-repeated=\"16384\"/></table:table-row>"
          "</table:table></office:spreadsheet>",
          "<dc:title>Sheet</dc:title><dc:creator>Calc User</dc:creator>"));
  EXPECT_EQ(text.file_type, "ods");
  EXPECT_EQ(text.title, "Sheet");
  EXPECT_EQ(text.body, "Item 12.5");
  const ExtractedFields expected = {{"author", {"Calc User"}}};
  EXPECT_EQ(text.fields, expected);
}

TEST(OfficeExtractorTest, OdpSlidesAndNotes) {
  const ExtractedText text = MustExtract(
      Odf("application/vnd.oasis.opendocument.presentation",
          "<office:presentation>"
          "<draw:page draw:name=\"page1\"><draw:frame><draw:text-box><text:p>Welcome</text:p>"
          "</draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box>"
          "<text:p>Speaker notes</text:p></draw:text-box></draw:frame></presentation:notes>"
          "</draw:page><draw:page draw:name=\"page2\"><draw:frame><draw:text-box>"
          "<text:list><text:list-item><text:p>Point</text:p></text:list-item></text:list>"
          "</draw:text-box></draw:frame></draw:page></office:presentation>",
          "<dc:title>Talk</dc:title><meta:creation-date>2024-03-01T10:00:00+01:00"
          "</meta:creation-date>"));
  EXPECT_EQ(text.file_type, "odp");
  EXPECT_EQ(text.title, "Talk");
  EXPECT_EQ(text.body, "Welcome Speaker notes Point");
  const ExtractedFields expected = {{"created", {"2024-03-01T09:00:00Z"}}};
  EXPECT_EQ(text.fields, expected);
}

TEST(OfficeExtractorTest, MissingPartsAreWarningsAndTheirNumberIsBounded) {
  std::vector<std::tuple<std::string, std::string, std::string>> rels;
  rels.reserve(30);
  for (int i = 0; i < 30; ++i) {
    rels.emplace_back("rId" + std::to_string(i), "header", "header" + std::to_string(i) + ".xml");
  }
  std::vector<ZipEntry> entries = Docx(WordDocument(WordParagraph("body")));
  entries.push_back({"word/_rels/document.xml.rels", Rels(rels)});
  const ExtractedText text = MustExtract(entries);
  EXPECT_EQ(text.body, "body");
  ASSERT_EQ(text.warnings.size(), 21u);
  EXPECT_EQ(text.warnings.front(), "part 'word/header0.xml' is referred to but missing");
  EXPECT_EQ(text.warnings.back(), "10 more warnings left out");
}

TEST(OfficeExtractorTest, PasswordProtectedDocumentsAreNamedAsSuch) {
  // Office encrypts OOXML into a compound file.
  std::string compound("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  compound.append(4096, '\0');
  auto ooxml = ExtractOffice(FileWith(compound).get(), {}, 1 << 20);
  ASSERT_FALSE(ooxml.ok());
  EXPECT_EQ(ooxml.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(ooxml.status().message().find("password-protected"), std::string::npos)
      << ooxml.status().message();
  // ODF encrypts content.xml inside the zip and says so in its manifest.
  std::vector<ZipEntry> odt = Odf("application/vnd.oasis.opendocument.text", "<office:text/>", "");
  odt[1].data = "\x8f\x02 ciphertext";
  odt[3].data = Xml(
      "<manifest:manifest "
      "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
      "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"x\"/>"
      "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\">"
      "<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\"/></manifest:file-entry>"
      "</manifest:manifest>");
  auto odf = Extract(odt);
  ASSERT_FALSE(odf.ok());
  EXPECT_EQ(odf.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(odf.status().message().find("password-protected"), std::string::npos)
      << odf.status().message();
}

// ----------------------------------------------------------------------------------------------
// Limits and hostile packages.

TEST(OfficeExtractorTest, BodyIsCappedAtMaxBodyBytes) {
  std::string paragraphs;
  for (int i = 0; i < 1000; ++i) paragraphs += WordParagraph("word" + std::to_string(i));
  const ExtractedText text = MustExtract(Docx(WordDocument(paragraphs)), 20);
  EXPECT_TRUE(text.truncated);
  EXPECT_EQ(text.body, "word0 word1 word2 wo");
  const ExtractedText whole = MustExtract(Docx(WordDocument(paragraphs)));
  EXPECT_FALSE(whole.truncated);
  EXPECT_TRUE(whole.body.ends_with("word998 word999"));
}

TEST(OfficeExtractorTest, BillionLaughsIsNotExpanded) {
  std::string dtd = "<!DOCTYPE w:document [<!ENTITY lol \"lol\">";
  dtd += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">";
  for (int i = 2; i <= 9; ++i) {
    std::string value;
    for (int k = 0; k < 10; ++k) value += "&lol" + std::to_string(i - 1) + ";";
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + value + "\">";
  }
  dtd += "]>";
  const std::string document =
      "<?xml version=\"1.0\"?>" + dtd + "<w:document xmlns:w=\"" + std::string(kWordNs) +
      "\"><w:body>" + WordParagraph("before") + "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>" +
      "<w:p><w:r><w:t a=\"&lol9;\">x</w:t></w:r></w:p></w:body></w:document>";
  const auto start = std::chrono::steady_clock::now();
  ::testing::internal::CaptureStderr();
  const ExtractedText text = MustExtract(Docx(document));
  const std::string stderr_output = ::testing::internal::GetCapturedStderr();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // Every reference expands to nothing, so the part is read to its end.
  EXPECT_EQ(text.body, "before x");
  EXPECT_TRUE(text.warnings.empty()) << text.warnings.front();
  EXPECT_EQ(stderr_output, "");
}

TEST(OfficeExtractorTest, ExternalEntitiesAreNeverLoaded) {
  const std::string body = "<w:document xmlns:w=\"" + std::string(kWordNs) + "\"><w:body>" +
                           WordParagraph("before &xxe; after") + "</w:body></w:document>";
  // (DOCTYPE, body): every entity reference, general or parameter, declared or not, expands
  // to nothing.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<!DOCTYPE w:document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", "before after"},
      {"<!DOCTYPE w:document [<!ENTITY % pe SYSTEM \"file:///etc/passwd\"> %pe;"
       "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
       "before after"},
      {"<!DOCTYPE w:document SYSTEM \"file:///etc/passwd\">", "before after"},
      {"<!DOCTYPE w:document [<!ENTITY xxe SYSTEM \"http://127.0.0.1:9/x\">]>", "before after"},
  };
  for (const auto& [doctype, expected] : cases) {
    ::testing::internal::CaptureStderr();
    std::string document = "<?xml version=\"1.0\"?>";
    Append(document, {doctype, body});
    const ExtractedText text = MustExtract(Docx(document));
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_EQ(text.body.find("root:"), std::string::npos) << doctype;
    EXPECT_EQ(text.body, expected) << doctype;
  }
}

TEST(OfficeExtractorTest, MalformedXmlKeepsTheTextBeforeTheErrorQuietly) {
  ::testing::internal::CaptureStderr();
  const ExtractedText broken = MustExtract(Docx(
      WordDocument(WordParagraph("kept") + "<w:p><w:r><w:t>bad \xff\xfe byte</w:t></w:r></w:p>")));
  const std::string whole = WordDocument(WordParagraph("also kept"));
  const ExtractedText truncated = MustExtract(Docx(whole.substr(0, whole.size() - 20)));
  const ExtractedText latin1 = MustExtract(Docx(
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><w:document xmlns:w=\"" +
      std::string(kWordNs) + "\"><w:body>" + WordParagraph("caf\xe9") + "</w:body></w:document>"));
  // A byte sequence iconv refuses, which libxml2 reports through its generic handler.
  const ExtractedText shift_jis =
      MustExtract(Docx("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><w:document xmlns:w=\"" +
                       std::string(kWordNs) + "\"><w:body>" + WordParagraph("ok") +
                       WordParagraph("\x82\x20\xff\xff") + "</w:body></w:document>"));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(shift_jis.body.starts_with("ok")) << shift_jis.body;
  EXPECT_TRUE(HasWarningContaining(shift_jis, "bytes not in the declared encoding"))
      << (shift_jis.warnings.empty() ? "" : shift_jis.warnings.front());
  EXPECT_EQ(broken.body, "kept bad");
  EXPECT_TRUE(HasWarningContaining(broken, "word/document.xml"));
  EXPECT_EQ(truncated.body, "also kept");
  EXPECT_TRUE(HasWarningContaining(truncated, "word/document.xml"));
  EXPECT_EQ(latin1.body, "caf\xc3\xa9");
  EXPECT_TRUE(testing_util::IsValidUtf8(broken.body));
}

void CountGenericError(void* context, const char* /*format*/, ...) {
  ++*static_cast<int*>(context);
}

TEST(OfficeExtractorTest, Libxml2ErrorHandlersAreGivenBack) {
  int errors = 0;
  xmlSetGenericErrorFunc(&errors, &CountGenericError);
  const ExtractedText text = MustExtract(Docx(WordDocument(WordParagraph("x") + "<unclosed>")));
  EXPECT_TRUE(HasWarningContaining(text, "word/document.xml"));
  EXPECT_EQ(errors, 0) << "the extractor's errors are its own";
  EXPECT_EQ(xmlGenericError, &CountGenericError);
  EXPECT_EQ(xmlGenericErrorContext, &errors);
  xmlSetGenericErrorFunc(nullptr, nullptr);  // libxml2's default again
}

TEST(OfficeExtractorTest, DeeplyNestedElements) {
  std::string open, close;
  for (int i = 0; i < 10'000; ++i) {
    open += "<w:sdt><w:sdtContent>";
    close += "</w:sdtContent></w:sdt>";
  }
  const auto start = std::chrono::steady_clock::now();
  const ExtractedText text = MustExtract(Docx(WordDocument(
      WordParagraph("top") + open + WordParagraph("deep") + close + WordParagraph("after"))));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // The push parser keeps its open elements on the heap: no depth limit, no recursion.
  EXPECT_EQ(text.body, "top deep after");
}

TEST(OfficeExtractorTest, EntryCountLimit) {
  std::vector<ZipEntry> entries = Docx(WordDocument(WordParagraph("x")));
  for (int i = 0; i < 10; ++i) entries.push_back({"word/media/" + std::to_string(i), "y"});
  ZipLimits limits;
  limits.max_entries = 12;
  auto text = Extract(entries, 1 << 20, limits);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kResourceExhausted);
  EXPECT_NE(text.status().message().find("max_entries"), std::string::npos)
      << text.status().message();
  limits.max_entries = 13;
  EXPECT_TRUE(Extract(entries, 1 << 20, limits).ok());
}

// Zip bombs: a document.xml of 64 MiB (one word of 'a's, which deflate shrinks about 1000
// times), read with an 8 MiB budget.
class OfficeZipBombTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kBombBytes = 64 << 20;

  void SetUp() override {
    std::string document =
        "<w:document xmlns:w=\"" + std::string(kWordNs) + "\"><w:body><w:p><w:r><w:t>";
    document.append(kBombBytes - document.size() - 40, 'a');
    document += "</w:t></w:r></w:p></w:body></w:document>";
    bomb_ = ZipBytes(Docx(std::move(document)));
  }

  // The bomb with document.xml's declared size (in the local and central headers) replaced.
  std::string WithDeclaredSize(uint32_t size) const {
    std::string bytes = bomb_;
    const std::string name = "word/document.xml";
    for (size_t at = 0; (at = bytes.find("PK", at)) != std::string::npos; ++at) {
      const bool local = bytes.compare(at, 4, "PK\x03\x04") == 0;
      const bool central = bytes.compare(at, 4, "PK\x01\x02") == 0;
      const size_t name_at = at + (local ? 30 : 46);
      if ((!local && !central) || bytes.compare(name_at, name.size(), name) != 0) continue;
      std::memcpy(&bytes[at + (local ? 22 : 24)], &size, 4);  // little-endian, as zip is
    }
    return bytes;
  }

  static base::Result<ExtractedText> ExtractBytes(const std::string& bytes,
                                                  const ZipLimits& limits) {
    const base::UniqueFd fd = FileWith(bytes);
    return ExtractOffice(fd.get(), limits, 1 << 30);
  }

  static void ExpectExhausted(const base::Result<ExtractedText>& text, std::string_view what) {
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().code(), base::StatusCode::kResourceExhausted);
    EXPECT_NE(text.status().message().find(what), std::string::npos) << text.status().message();
  }

  std::string bomb_;
};

TEST_F(OfficeZipBombTest, DeclaredExpansionRatio) {
  ZipLimits limits;
  limits.max_uncompressed_bytes = 8 << 20;
  ExpectExhausted(ExtractBytes(bomb_, limits),
                  "zip entry 'word/document.xml' expands more than 200 times");
}

TEST_F(OfficeZipBombTest, DeclaredSizeOverTheArchiveBudget) {
  ZipLimits limits;
  limits.max_uncompressed_bytes = 8 << 20;
  limits.max_expansion_ratio = 1 << 20;
  ExpectExhausted(ExtractBytes(bomb_, limits),
                  "zip archive expands to more than 8 MiB (max_uncompressed_bytes) at entry "
                  "'word/document.xml'");
}

TEST_F(OfficeZipBombTest, LyingDeclaredSizeIsCaughtByTheBytesInflated) {
  const std::string lying = WithDeclaredSize(4096);
  ZipLimits limits;
  limits.max_uncompressed_bytes = 8 << 20;
  ExpectExhausted(ExtractBytes(lying, limits), "more than 8 MiB (max_uncompressed_bytes)");
  limits.max_uncompressed_bytes = 1 << 30;
  ExpectExhausted(ExtractBytes(lying, limits), "expands more than 200 times");
}

TEST(OfficeExtractorTest, SmallEntriesMayExceedTheRatioLargeOnesMayNot) {
  // 512 KiB of repetitive XML deflates far more than 200 times: allowed, it is small.
  std::string paragraphs;
  while (paragraphs.size() < (512 << 10)) paragraphs += WordParagraph("same");
  EXPECT_TRUE(Extract(Docx(WordDocument(paragraphs))).ok());
  // 4 MiB of it is not.
  while (paragraphs.size() < (4 << 20)) paragraphs += paragraphs;
  auto text = Extract(Docx(WordDocument(paragraphs)));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kResourceExhausted);
  EXPECT_NE(text.status().message().find("zip entry 'word/document.xml' expands more than 200"),
            std::string::npos)
      << text.status().message();
  ZipLimits generous;
  generous.max_expansion_ratio = 100'000;
  EXPECT_TRUE(Extract(Docx(WordDocument(paragraphs)), 1 << 10, generous).ok());
}

TEST(OfficeExtractorTest, NotOfficeFilesAreInvalidArguments) {
  const std::vector<ZipEntry> docx = Docx(WordDocument(WordParagraph("text")));
  const std::string zip = ZipBytes(docx);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain text", "just some text, not a zip archive at all"},
      {"empty", ""},
      {"truncated zip", zip.substr(0, zip.size() / 2)},
      {"zip without its last byte", zip.substr(0, zip.size() - 1)},
      {"other zip", ZipBytes({{"readme.txt", "hello"}, {"data/x.xml", "<x/>"}})},
      {"epub", ZipBytes({{"mimetype", "application/epub+zip", true},
                         {"META-INF/container.xml", "<container/>"}})},
      {"xlsb",
       ZipBytes({{"[Content_Types].xml",
                  ContentTypes({{"xl/workbook.bin",
                                 "application/vnd.ms-excel.sheet.binary.macroEnabled.main"}})},
                 {"xl/workbook.bin", "binary"}})},
  };
  const size_t descriptors = OpenDescriptors();
  for (const auto& [what, bytes] : cases) {
    const base::UniqueFd fd = FileWith(bytes);
    auto text = ExtractOffice(fd.get(), {}, 1 << 20);
    ASSERT_FALSE(text.ok()) << what;
    EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument)
        << what << ": " << text.status().ToString();
    EXPECT_FALSE(text.status().message().empty());
  }
  EXPECT_EQ(OpenDescriptors(), descriptors) << "every descriptor libzip opened is closed";
  auto other = ExtractOffice(FileWith(cases[4].second).get(), {}, 1 << 20);
  EXPECT_NE(other.status().message().find(
                "a zip archive, but not an Office Open XML or OpenDocument file"),
            std::string::npos)
      << other.status().message();
  auto epub = ExtractOffice(FileWith(cases[5].second).get(), {}, 1 << 20);
  EXPECT_NE(epub.status().message().find("application/epub+zip"), std::string::npos)
      << epub.status().message();
}

}  // namespace
}  // namespace sluice::extract::internal
