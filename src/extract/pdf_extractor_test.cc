#include "extract/pdf_extractor.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "extract/pdf_test_util.h"
#include "extract/test_util.h"

namespace sluice::extract {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_util::PdfInfo;
using testing_util::ScratchDir;
using testing_util::TextPdfBuilder;

constexpr size_t kNoCap = size_t{1} << 30;

std::vector<std::string> Field(const ExtractedText& text, std::string_view name) {
  for (const auto& [field, values] : text.fields) {
    if (field == name) return values;
  }
  return {};
}

class PdfExtractorTest : public ::testing::Test {
 protected:
  base::Result<ExtractedText> ExtractBytes(std::string_view pdf, size_t cap = kNoCap) {
    const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", pdf);
    return internal::ExtractPdf(fd.get(), cap);
  }

  ScratchDir dir_;
};

std::string ThreePages() {
  TextPdfBuilder pdf;
  pdf.AddPage({"alpha bravo", "charlie"});
  pdf.AddPage({"delta"});
  pdf.AddPage({"echo foxtrot"});
  return pdf.Finish();
}

TEST_F(PdfExtractorTest, PagesInOrderAndWordsNeverJoinAcrossLinesOrPages) {
  auto text = ExtractBytes(ThreePages());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "alpha bravo charlie delta echo foxtrot");
  EXPECT_EQ(text->file_type, "pdf");
  EXPECT_FALSE(text->truncated);
  EXPECT_EQ(text->title, "");
  EXPECT_THAT(Field(*text, "pagecount"), ElementsAre("3"));
  EXPECT_THAT(text->warnings, ::testing::IsEmpty());
}

TEST_F(PdfExtractorTest, ReadsFromTheStartWhateverTheOffset) {
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", ThreePages());
  ASSERT_EQ(lseek(fd.get(), 100, SEEK_SET), 100);
  auto text = internal::ExtractPdf(fd.get(), kNoCap);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "alpha bravo charlie delta echo foxtrot");
}

TEST_F(PdfExtractorTest, ColumnsAreReadOneAfterTheOther) {
  // Two columns of three lines: the physical layout would interleave them line by line.
  TextPdfBuilder pdf;
  pdf.AddPageAt({{72, 700, "left one is here"},
                 {72, 686, "left two is here"},
                 {72, 672, "left three is here"},
                 {320, 700, "right one is there"},
                 {320, 686, "right two is there"},
                 {320, 672, "right three is there"}});
  auto text = ExtractBytes(pdf.Finish());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body,
            "left one is here left two is here left three is here right one is there right two "
            "is there right three is there");
}

TEST_F(PdfExtractorTest, WinAnsiTextBecomesUtf8) {
  TextPdfBuilder pdf;
  pdf.AddPage({"caf\xe9 \x93quoted\x94 na\xefve 10\x80"});
  auto text = ExtractBytes(pdf.Finish());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d na\xc3\xafve 10\xe2\x82\xac");
}

TEST_F(PdfExtractorTest, DocumentInformation) {
  TextPdfBuilder pdf;
  pdf.AddPage({"body"});
  pdf.AddPage({"more"});
  auto text = ExtractBytes(pdf.Finish(PdfInfo{
      .title = "  Annual\n report  ",
      .author = "Zo\xc3\xab M\xc3\xbcller",  // non-ASCII: a UTF-16BE string in the file
      .subject = "Finance (2023)",
      .keywords = "budget, forecast",
      .creator = "Writer",
      .created = "D:20240301120000+02'00'",
      .modified = "D:20240302080910Z",
  }));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->title, "Annual report");
  EXPECT_THAT(Field(*text, "author"), ElementsAre("Zo\xc3\xab M\xc3\xbcller"));
  EXPECT_THAT(Field(*text, "subject"), ElementsAre("Finance (2023)"));
  EXPECT_THAT(Field(*text, "keywords"), ElementsAre("budget, forecast"));
  EXPECT_THAT(Field(*text, "creator"), ElementsAre("Writer"));
  EXPECT_THAT(Field(*text, "created"), ElementsAre("2024-03-01T10:00:00Z"));
  EXPECT_THAT(Field(*text, "modified"), ElementsAre("2024-03-02T08:09:10Z"));
  EXPECT_THAT(Field(*text, "pagecount"), ElementsAre("2"));
  EXPECT_EQ(text->body, "body more");
}

TEST_F(PdfExtractorTest, WithoutInformationOnlyThePageCount) {
  auto text = ExtractBytes(ThreePages());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  ASSERT_EQ(text->fields.size(), 1u);
  EXPECT_EQ(text->fields[0].first, "pagecount");
}

TEST_F(PdfExtractorTest, InvalidDatesAreLeftOut) {
  TextPdfBuilder pdf;
  pdf.AddPage({"body"});
  auto text = ExtractBytes(pdf.Finish(PdfInfo{.title = "T", .created = "yesterday"}));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->title, "T");
  EXPECT_THAT(Field(*text, "created"), ::testing::IsEmpty());
}

TEST_F(PdfExtractorTest, BodyCapSetsTruncated) {
  TextPdfBuilder pdf;
  std::string full;
  for (int page = 0; page < 20; ++page) {
    const std::string line = "page" + std::to_string(page) + " words on this page";
    pdf.AddPage({line});
    full += (full.empty() ? "" : " ") + line;
  }
  const std::string bytes = pdf.Finish();
  auto whole = ExtractBytes(bytes);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->body, full);
  EXPECT_FALSE(whole->truncated);

  auto capped = ExtractBytes(bytes, 50);
  ASSERT_TRUE(capped.ok()) << capped.status().ToString();
  EXPECT_TRUE(capped->truncated);
  EXPECT_LE(capped->body.size(), 50u);
  EXPECT_GE(capped->body.size(), 40u);
  EXPECT_THAT(full, StartsWith(capped->body));
  EXPECT_THAT(Field(*capped, "pagecount"), ElementsAre("20"));
}

TEST_F(PdfExtractorTest, WrongXrefOffsetsAreReconstructed) {
  TextPdfBuilder pdf;
  pdf.AddPage({"still readable"});
  pdf.AddPage({"despite the damage"});
  auto text = ExtractBytes(pdf.Finish(PdfInfo{.title = "Damaged"}, /*xref_shift=*/7));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "still readable despite the damage");
  EXPECT_THAT(Field(*text, "pagecount"), ElementsAre("2"));
  // (poppler 22.12 leaves the information dictionary behind when it rebuilds the table: the
  // title is lost, which is not asserted either way.)
  EXPECT_THAT(text->warnings,
              ElementsAre("the PDF is damaged (xref num 7 not found but needed, try to "
                          "reconstruct; 1 problem): some of its text may be missing"));
}

TEST_F(PdfExtractorTest, FileCutBeforeItsTrailerIsNotAReadablePdf) {
  TextPdfBuilder pdf;
  pdf.AddPage({"first page"});
  std::string bytes = pdf.Finish();
  // Every object is there, but no cross-reference table and no trailer: poppler 22.12 does
  // not go looking for the catalog.
  bytes.resize(bytes.find("xref"));
  auto text = ExtractBytes(bytes);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(text.status().message(),
            "not a readable PDF: Couldn't find trailer dictionary; Couldn't read xref table");
}

TEST_F(PdfExtractorTest, GarbageIsNotAReadablePdf) {
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage += static_cast<char>((i * 7919) % 251);
  for (const std::string& bytes : {garbage, std::string("%PDF-1.7\nnothing else\n")}) {
    auto text = ExtractBytes(bytes);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_THAT(text.status().message(), StartsWith("not a readable PDF: "));
  }
}

TEST_F(PdfExtractorTest, EmptyFileIsNotAReadablePdf) {
  auto text = ExtractBytes("");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(text.status().message(), "not a readable PDF: the file is empty");
}

TEST_F(PdfExtractorTest, PasswordProtectedPdfFailsSayingItIsEncrypted) {
  TextPdfBuilder pdf;
  pdf.AddPage({"secret words"});
  const auto plain = dir_.Write("plain.pdf", pdf.Finish(PdfInfo{.title = "Secret"}));
  const auto encrypted = dir_.path() / "encrypted.pdf";
  ASSERT_TRUE(testing_util::QpdfEncrypt(plain, encrypted, "user-secret"));
  const base::UniqueFd fd = ScratchDir::Open(encrypted);
  auto text = internal::ExtractPdf(fd.get(), kNoCap);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(text.status().message(),
            "the PDF is encrypted and needs a password; Sluice cannot read its text");
}

TEST_F(PdfExtractorTest, PdfEncryptedWithAnEmptyUserPasswordIsRead) {
  TextPdfBuilder pdf;
  pdf.AddPage({"open to all"});
  pdf.AddPage({"readers"});
  const auto plain = dir_.Write("plain.pdf", pdf.Finish(PdfInfo{.title = "Open", .author = "Ann"}));
  const auto encrypted = dir_.path() / "encrypted.pdf";
  ASSERT_TRUE(testing_util::QpdfEncrypt(plain, encrypted, ""));
  const base::UniqueFd fd = ScratchDir::Open(encrypted);
  auto text = internal::ExtractPdf(fd.get(), kNoCap);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "open to all readers");
  EXPECT_EQ(text->title, "Open");
  EXPECT_THAT(Field(*text, "author"), ElementsAre("Ann"));
}

TEST_F(PdfExtractorTest, BodyIsValidUtf8WhateverTheStringsHold) {
  // Every byte value through WinAnsiEncoding, and a title that is a lone UTF-16 surrogate.
  std::string all;
  for (int b = 1; b < 256; ++b) all += static_cast<char>(b);
  TextPdfBuilder pdf;
  pdf.AddPage({all});
  std::string bytes = pdf.Finish(PdfInfo{.title = "xxxxxxxx"});
  const std::string lone_surrogate = "/Title <FEFFD800>";  // as long as what it replaces
  bytes.replace(bytes.find("/Title (xxxxxxxx)"), lone_surrogate.size(), lone_surrogate);
  auto text = ExtractBytes(bytes);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_TRUE(testing_util::IsValidUtf8(text->body));
  EXPECT_THAT(text->body, HasSubstr("ABC"));
  EXPECT_TRUE(testing_util::IsValidUtf8(text->title));
}

}  // namespace
}  // namespace sluice::extract
