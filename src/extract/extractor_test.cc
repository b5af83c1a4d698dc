#include "extract/extractor.h"

#include <gtest/gtest.h>

#include "extract/test_util.h"

namespace sluice::extract {
namespace {

using testing_util::Extract;

TEST(ExtractorTest, PlainTextHasNoTitleAndCollapsedBody) {
  auto text = Extract(".txt", "  First line.\r\nSecond\tline.  \n\n");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->title, "");
  EXPECT_EQ(text->body, "First line. Second line.");
  EXPECT_EQ(text->file_type, "txt");
  EXPECT_FALSE(text->truncated);
}

TEST(ExtractorTest, FileTypeIsTheLowerCaseExtensionWithoutDot) {
  for (auto [extension, file_type] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{{".txt", "txt"},
                                                                            {"TXT", "txt"},
                                                                            {".Csv", "csv"},
                                                                            {"json", "json"},
                                                                            {".MD", "md"},
                                                                            {"", "txt"},
                                                                            {".", "txt"},
                                                                            {".LOG", "log"}}) {
    auto text = Extract(extension, "a,b <not markup>");
    ASSERT_TRUE(text.ok()) << extension << ": " << text.status().ToString();
    EXPECT_EQ(text->file_type, file_type) << extension;
    EXPECT_EQ(text->body, "a,b <not markup>") << extension;
  }
}

// Text that is not UTF-8 is decoded from the encoding ICU detects; UTF-8 and UTF-16 are known
// by their byte order marks.
TEST(ExtractorTest, PlainTextEncodingIsDetected) {
  for (size_t piece : {size_t{3}, size_t{1 << 20}}) {
    auto latin1 = Extract(".txt", "Le caf\xe9 est tr\xe8s bon, na\xefve et \xe9l\xe9gant.", piece);
    ASSERT_TRUE(latin1.ok());
    EXPECT_EQ(latin1->body,
              "Le caf\xc3\xa9 est tr\xc3\xa8s bon, na\xc3\xafve et \xc3\xa9l\xc3\xa9gant.");
    auto utf16 = Extract(".txt",
                         std::string("\xff\xfe"
                                     "c\0a\0f\0\xe9\0 \0",
                                     12),
                         piece);
    ASSERT_TRUE(utf16.ok());
    EXPECT_EQ(utf16->body, "caf\xc3\xa9");
    auto utf8 = Extract(".txt", "\xef\xbb\xbf\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", piece);
    ASSERT_TRUE(utf8.ok());
    EXPECT_EQ(utf8->body, "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
    EXPECT_TRUE(testing_util::IsValidUtf8(latin1->body));
  }
}

TEST(ExtractorTest, ShiftJisTextIsDetected) {
  // "日本語のテキストです。東京と大阪。" in Shift_JIS, long enough for the detector.
  std::string sjis;
  for (int i = 0; i < 20; ++i) {
    sjis +=
        "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67\x82\xc5\x82\xb7\x81\x42"
        "\x93\x8c\x8b\x9e\x82\xc6\x91\xe5\x8d\xe3\x81\x42\n";
  }
  auto text = Extract(".txt", sjis);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->body.starts_with("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"))
      << text->body.substr(0, 30);
  EXPECT_NE(text->body.find("\xe6\x9d\xb1\xe4\xba\xac"), std::string::npos);  // 東京
}

TEST(ExtractorTest, PlainTextCapSetsTruncated) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "word" + std::to_string(i) + " ";
  auto text = Extract(".txt", input, 100, 50);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->truncated);
  EXPECT_LE(text->body.size(), 50u);
  EXPECT_TRUE(input.starts_with(text->body));
}

std::string PdfLike(size_t size) {
  std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n";
  while (pdf.size() < size) pdf += std::string("\x00\x01\x9c\xff\x10", 5);
  return pdf;
}

// The start of a PNG image: its signature and IHDR chunk.
std::string Png() {
  static constexpr char kStart[] =
      "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0";
  return std::string(kStart, sizeof(kStart) - 1);
}

// Binary content Sluice does not read is indexed by its metadata, never refused.
TEST(ExtractorTest, BinaryContentIsNotExtractedButKeptWithAWarning) {
  const std::string png = Png();
  for (std::string_view extension : {"PNG", ".png"}) {
    auto text = Extract(extension, png);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(text->file_type, "png");
    EXPECT_EQ(text->body, "");
    ASSERT_EQ(text->warnings.size(), 1u);
    EXPECT_EQ(text->warnings[0],
              "content not extracted: image/png is not a format Sluice reads; the item is "
              "indexed by its metadata only");
  }
  // Without an extension the sniffed type names the item.
  auto unnamed = Extract("", png);
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->file_type, "png");
}

// An extension that names another format than the bytes: the bytes win, and the warning says
// so (here a PNG pushed as ".txt").
TEST(ExtractorTest, LyingExtensionLosesToTheSniffedTypeWithAWarning) {
  std::string png = Png();
  png += std::string(70'000, '\0');  // decided in Write, not in Finish
  auto text = Extract(".txt", png, 4096);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "");
  EXPECT_EQ(text->file_type, "txt");
  ASSERT_EQ(text->warnings.size(), 2u);
  EXPECT_EQ(text->warnings[0],
            "fileExtension '.txt' does not match the content, which is binary data (image/png): "
            "read as binary data");
  EXPECT_TRUE(text->warnings[1].starts_with("content not extracted: image/png"))
      << text->warnings[1];
}

// A PDF is read by poppler in the extraction child; one it cannot read fails the item with the
// reason, whether the extension says PDF or not.
TEST(ExtractorTest, UnreadablePdfFailsWithTheReason) {
  for (std::string_view extension : {".pdf", ".bin"}) {
    auto text = Extract(extension, PdfLike(100'000), 4096);
    ASSERT_FALSE(text.ok()) << extension;
    EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument) << text.status().ToString();
    EXPECT_TRUE(text.status().message().starts_with("not a readable PDF"))
        << text.status().ToString();
  }
}

// Content known to be text is not sniffed: a pushed `data` string that starts like a PDF stays
// text, and whole HTML pages are still recognized.
TEST(ExtractorTest, TextContentIsNotSniffed) {
  ExtractOptions options = testing_util::TestOptions();
  options.sniff = false;
  auto text = ExtractBytes("%PDF-1.4 is how a PDF file starts", ".txt", options);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_TRUE(text->warnings.empty());
  EXPECT_EQ(text->file_type, "txt");
  EXPECT_EQ(text->body, "%PDF-1.4 is how a PDF file starts");
  auto page = ExtractBytes("<!DOCTYPE html><title>T</title><p>words", ".txt", options);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->title, "T");
  EXPECT_EQ(page->body, "words");
}

// Without an extension, text is told apart by Sluice itself: an e-mail by its first header, XML
// by its declaration, a PDF with text-only first bytes by its header.
TEST(ExtractorTest, TextFormatsAreToldApartWithoutAnExtension) {
  auto mail = Extract("",
                      "From: Ana <ana@example.com>\nTo: bob@example.com\nSubject: Lunch\n\n"
                      "See you at noon.\n");
  ASSERT_TRUE(mail.ok()) << mail.status().ToString();
  EXPECT_EQ(mail->file_type, "eml");
  EXPECT_EQ(mail->title, "Lunch");
  EXPECT_EQ(mail->body, "See you at noon.");
  auto notes = Extract("", "Subjects covered today: nothing yet.\n");
  ASSERT_TRUE(notes.ok());
  EXPECT_EQ(notes->file_type, "txt");
  auto pdf = Extract("", "%PDF-1.4\n" + std::string(2000, 'x'));
  ASSERT_FALSE(pdf.ok());
  EXPECT_TRUE(pdf.status().message().starts_with("not a readable PDF")) << pdf.status().ToString();
}

// A failure (here the spool limit of whole-file formats) is returned by every later call.
TEST(ExtractorTest, FailureIsSticky) {
  ExtractOptions options = testing_util::TestOptions();
  options.max_spool_bytes = 100'000;
  auto extractor = MakeExtractor(".pdf", options);
  ASSERT_TRUE(extractor.ok());
  const std::string pdf = "%PDF-1.4\n" + std::string(150'000, 'x');
  const base::Status first = (*extractor)->Write(pdf);
  EXPECT_EQ(first.code(), base::StatusCode::kResourceExhausted);
  EXPECT_EQ(first.message(), "PDF larger than 0 MiB, the most Sluice reads as one file");
  EXPECT_EQ((*extractor)->Write("more").code(), base::StatusCode::kResourceExhausted);
  EXPECT_EQ((*extractor)->Finish().status().code(), base::StatusCode::kResourceExhausted);
}

// Text in decomposed form ("e" + U+0301, as some PDF producers write it) is indexed composed.
TEST(ExtractorTest, TextComesOutInNormalizationFormC) {
  auto text = Extract(".txt", "cafe\xcc\x81 re\xcc\x81sume\xcc\x81 \xef\xac\x81");
  ASSERT_TRUE(text.ok());
  // NFC composes é but, unlike NFKC, keeps the "ﬁ" ligature.
  EXPECT_EQ(text->body, "caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9 \xef\xac\x81");
}

TEST(ExtractorTest, XmlGivesTheTextOfItsElements) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<catalog><book id=\"1\"><title>Deep Water</title>"
      "<price>12.50</price></book><note><![CDATA[a <raw> note]]></note>"
      "<amp>fish &amp; chips &#233;</amp></catalog>";
  for (std::string_view extension : {".xml", ""}) {
    for (size_t piece : {size_t{1}, xml.size()}) {
      auto text = Extract(extension, xml, piece);
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      EXPECT_EQ(text->body, "Deep Water 12.50 a <raw> note fish & chips \xc3\xa9");
      EXPECT_EQ(text->file_type, "xml");
      EXPECT_TRUE(text->warnings.empty());
    }
  }
}

TEST(ExtractorTest, TextOfUnknownTypeIsSniffedAndKeptWhole) {
  std::string input;
  for (int i = 0; i < 5000; ++i) input += "line " + std::to_string(i) + "\n";
  ASSERT_GT(input.size(), 8u << 10);
  for (size_t piece : {size_t{1}, size_t{1000}, input.size()}) {
    auto text = Extract(".conf", input, piece);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(text->file_type, "conf");
    EXPECT_TRUE(text->body.starts_with("line 0 line 1 line 2 "));
    EXPECT_TRUE(text->body.ends_with("line 4998 line 4999"));
    EXPECT_EQ(text->body.size(), input.size() - 1);  // newlines become spaces, last one dropped
  }
}

// The bytes decide over an extension that cannot be extracted: HTML pushed as ".pdf"
// (or served as ".php") is parsed as HTML, and its markup never becomes words.
TEST(ExtractorTest, HtmlUnderAnotherExtensionIsParsedAsHtml) {
  const std::string page =
      "\xef\xbb\xbf\n  <!DOCTYPE HTML><html><head><title>Mislabelled</title>"
      "<script>var hidden;</script></head><body><p>Real words</p></body></html>";
  for (std::string_view extension : {".pdf", ".php"}) {
    for (size_t piece : {size_t{1}, page.size()}) {
      auto text = Extract(extension, page, piece);
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      EXPECT_EQ(text->title, "Mislabelled");
      EXPECT_EQ(text->body, "Real words");
      EXPECT_EQ(text->file_type, "html");
    }
  }
  // Other markup stays plain text.
  auto xml = Extract(".conf", "<config><name>x</name></config>");
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(xml->body, "<config><name>x</name></config>");
  EXPECT_EQ(xml->file_type, "conf");
}

TEST(ExtractorTest, LatinOneTextOfUnknownTypeStillCountsAsText) {
  auto text = Extract(".nfo", "R\xe9sum\xe9 of the na\xefve caf\xe9 owner, written in 1998.");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_TRUE(text->body.starts_with("R\xc3\xa9sum\xc3\xa9 of the")) << text->body;
}

TEST(ExtractorTest, EmptyItemGivesEmptyText) {
  for (std::string_view extension : {".txt", ".html", ".unknown"}) {
    auto text = Extract(extension, "");
    ASSERT_TRUE(text.ok()) << extension;
    EXPECT_EQ(text->body, "");
    EXPECT_EQ(text->title, "");
  }
}

}  // namespace
}  // namespace sluice::extract
