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
                                                                            {".LOG", "log"},
                                                                            {".xml", "xml"}}) {
    auto text = Extract(extension, "a,b <not markup>");
    ASSERT_TRUE(text.ok()) << extension << ": " << text.status().ToString();
    EXPECT_EQ(text->file_type, file_type) << extension;
    EXPECT_EQ(text->body, "a,b <not markup>") << extension;
  }
}

TEST(ExtractorTest, PlainTextInvalidUtf8IsReplaced) {
  auto text = Extract(".txt", "caf\xe9 au lait \xc3\xa9t\xc3\xa9", 3);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->body, "caf\xef\xbf\xbd au lait \xc3\xa9t\xc3\xa9");
  EXPECT_TRUE(testing_util::IsValidUtf8(text->body));
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

TEST(ExtractorTest, BinaryContentOfUnknownTypeIsUnsupported) {
  // Small enough to be decided in Finish, and large enough to be decided in Write.
  for (size_t size : {size_t{600}, size_t{100'000}}) {
    auto text = Extract(".pdf", PdfLike(size), 4096);
    ASSERT_FALSE(text.ok()) << size;
    EXPECT_EQ(text.status().code(), base::StatusCode::kFailedPrecondition);
    EXPECT_EQ(text.status().message(),
              "unsupported file type '.pdf': binary content cannot be extracted yet");
  }
  auto upper = Extract("PNG", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.status().message(),
            "unsupported file type '.png': binary content cannot be extracted yet");
}

TEST(ExtractorTest, BinaryErrorIsSticky) {
  auto extractor = MakeExtractor(".bin", 1000);
  ASSERT_TRUE(extractor.ok());
  EXPECT_EQ((*extractor)->Write(PdfLike(20'000)).code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*extractor)->Write("more").code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*extractor)->Finish().status().code(), base::StatusCode::kFailedPrecondition);
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
  EXPECT_TRUE(text->body.starts_with("R\xef\xbf\xbdsum\xef\xbf\xbd of the"));
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
