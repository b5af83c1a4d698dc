#include <malloc.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "extract/extractor.h"
#include "extract/test_util.h"

namespace sluice::extract {
namespace {

// Bytes currently allocated by malloc, including blocks it took straight from mmap.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

using testing_util::Extract;

ExtractedText Html(std::string_view page, size_t piece = 1 << 16, size_t max_body_bytes = 1 << 30) {
  auto text = Extract(".html", page, piece, max_body_bytes);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : ExtractedText{};
}

TEST(HtmlExtractorTest, ExtractsTitleAndBody) {
  ExtractedText text = Html(
      "<!DOCTYPE html><html><head><title>  My \n  Page </title></head>"
      "<body><h1>Hello</h1><p>World and <b>bold</b>er text.</p></body></html>");
  EXPECT_EQ(text.title, "My Page");
  EXPECT_EQ(text.body, "Hello World and bolder text.");
  EXPECT_EQ(text.file_type, "html");
  EXPECT_FALSE(text.truncated);
}

TEST(HtmlExtractorTest, HiddenContentIsExcluded) {
  ExtractedText text = Html(
      "<html><head><title>T</title><meta name=description content=meta-secret>"
      "<style>body { color: red }</style><script>var headSecret = 1;</script></head>"
      "<body><p>visible one</p><script>document.write('bodySecret')</script>"
      "<style>.x{}</style><noscript>noscriptSecret</noscript>"
      "<template><p>templateSecret</p></template>"
      "<svg><title>svgTitle</title><text>svgSecret</text></svg>"
      "<p>visible two</p></body></html>");
  EXPECT_EQ(text.title, "T");
  EXPECT_EQ(text.body, "visible one visible two");
}

TEST(HtmlExtractorTest, BlockElementsSeparateWordsInlineOnesDoNot) {
  EXPECT_EQ(Html("<p>a</p><p>b</p><div>c</div>d<br>e<li>f</li>").body, "a b c d e f");
  EXPECT_EQ(Html("<table><tr><td>x</td><td>y</td></tr><tr><th>z</th></tr></table>").body, "x y z");
  EXPECT_EQ(Html("foo<b>bar</b><i>baz</i> <a href=x>qux</a>").body, "foobarbaz qux");
  EXPECT_EQ(Html("<h1>Head</h1><h2>Sub</h2><section>S</section><article>A</article>").body,
            "Head Sub S A");
}

TEST(HtmlExtractorTest, DecodesEntities) {
  ExtractedText text = Html(
      "<title>Tom &amp; Jerry</title><p>&amp; &eacute;t&eacute; &#x263A; &#233; "
      "&lt;tag&gt; a&nbsp;b &quot;q&quot;</p>");
  EXPECT_EQ(text.title, "Tom & Jerry");
  EXPECT_EQ(text.body, "& \xc3\xa9t\xc3\xa9 \xe2\x98\xba \xc3\xa9 <tag> a b \"q\"");
}

TEST(HtmlExtractorTest, MalformedHtmlStillYieldsText) {
  EXPECT_EQ(Html("<html><body><p>one<div>two <span>three<p>four").body, "one two three four");
  ExtractedText no_body = Html("<title>Only title</title>text without a body tag");
  EXPECT_EQ(no_body.title, "Only title");
  EXPECT_EQ(no_body.body, "text without a body tag");
  EXPECT_EQ(Html("<p>a</i></b></p></div>b <<>> c</p>").body, "a b <<>> c");
  EXPECT_EQ(Html("plain words, no tags at all").body, "plain words, no tags at all");
}

TEST(HtmlExtractorTest, ManyVoidElementsAreNotNesting) {
  std::string page = "<p>start";
  for (int i = 0; i < 20'000; ++i) page += "<br><img src=x><input>";
  page += "end</p>";
  ExtractedText text = Html(page);
  EXPECT_EQ(text.body, "start end");
  EXPECT_FALSE(text.truncated);
}

TEST(HtmlExtractorTest, AbsurdNestingStopsExtraction) {
  std::string page = "<p>shallow</p>";
  for (int i = 0; i < 20'000; ++i) page += "<div>";
  page += "deep";
  ExtractedText text = Html(page);
  EXPECT_EQ(text.body, "shallow");
  EXPECT_TRUE(text.truncated);
}

TEST(HtmlExtractorTest, MissingTitleStaysEmpty) {
  ExtractedText text = Html("<html><body><p>no title here</p></body></html>");
  EXPECT_EQ(text.title, "");
  EXPECT_EQ(text.body, "no title here");
}

TEST(HtmlExtractorTest, TitleIsCappedAt1000Bytes) {
  std::string long_title(3000, 'x');
  ExtractedText text = Html("<title>" + long_title + "</title><p>body</p>");
  EXPECT_EQ(text.title, std::string(1000, 'x'));
  EXPECT_EQ(text.body, "body");
  EXPECT_FALSE(text.truncated);  // only the body counts
}

TEST(HtmlExtractorTest, ChunkingDoesNotChangeTheResult) {
  const std::string page =
      "<html><head><meta charset=\"utf-8\"><title>Caf\xc3\xa9 &amp; co</title>"
      "<script>if (a < b) { x = '</p>'; }</script></head><body>"
      "<p>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e text &eacute;&#x263A;</p><!-- hidden -->"
      "<div>more <em>emphasis</em></div></body></html>";
  ExtractedText whole = Html(page, page.size());
  ExtractedText bytewise = Html(page, 1);
  EXPECT_EQ(whole.title, "Caf\xc3\xa9 & co");
  EXPECT_EQ(whole.body,
            "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e text \xc3\xa9\xe2\x98\xba more emphasis");
  EXPECT_EQ(bytewise.title, whole.title);
  EXPECT_EQ(bytewise.body, whole.body);
}

TEST(HtmlExtractorTest, MetaCharsetLatinOneIsDecodedToUtf8) {
  for (std::string_view meta :
       {"<meta charset=\"ISO-8859-1\">",
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"}) {
    const std::string page = "<html><head>" + std::string(meta) +
                             "<title>Caf\xe9</title></head><body><p>na\xefve \xe0 la "
                             "carte, \xa9 1999</p></body></html>";
    for (size_t piece : {size_t{7}, page.size()}) {
      ExtractedText text = Html(page, piece);
      EXPECT_EQ(text.title, "Caf\xc3\xa9") << meta << " piece " << piece;
      EXPECT_EQ(text.body, "na\xc3\xafve \xc3\xa0 la carte, \xc2\xa9 1999") << meta;
    }
  }
}

TEST(HtmlExtractorTest, UndeclaredPagesAreReadAsUtf8) {
  ExtractedText text =
      Html("<title>\xc3\xa9t\xc3\xa9</title><p>caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac</p>");
  EXPECT_EQ(text.title, "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(text.body, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
}

TEST(HtmlExtractorTest, Utf16PageWithByteOrderMarkIsDecoded) {
  const std::u16string page = u"\ufeff<title>T\u00e9</title><p>\u65e5\u672c &amp; more</p>";
  std::string little_endian;
  std::string big_endian;
  for (char16_t unit : page) {
    little_endian += {static_cast<char>(unit & 0xff), static_cast<char>(unit >> 8)};
    big_endian += {static_cast<char>(unit >> 8), static_cast<char>(unit & 0xff)};
  }
  for (const std::string& bytes : {little_endian, big_endian}) {
    for (size_t piece : {size_t{1}, bytes.size()}) {
      ExtractedText text = Html(bytes, piece);
      EXPECT_EQ(text.title, "T\xc3\xa9");
      EXPECT_EQ(text.body, "\xe6\x97\xa5\xe6\x9c\xac & more");
    }
  }
}

// The page is cut into pieces at every possible position around tricky constructs
// (end tags of scripts, comments, entities, multi-byte characters): the text must not
// depend on where the cuts fall.
TEST(HtmlExtractorTest, ResultDoesNotDependOnChunkBoundaries) {
  const std::vector<std::string> parts = {
      "<p>para &amp; text</p>",
      "<script>if (a < b && c > d) { s = '</div>'; }</script>",
      "<style>p > a { color: red }</style>",
      "<!-- comment with <p>tags</p> -- inside -->",
      "<div class=\"a>b\" data-x='1'>attr gt</div>",
      "word&eacute;&#233;&#x263a;",
      "<textarea>ta &lt; text</textarea>",
      "<table><tr><td>c1<td>c2</table>",
      "<SCRIPT>var x = \"</SCRIPT\" ;</SCRIPT>",
      "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5",
      "<span>in</span>line",
      "<p>unclosed",
      "&unknown; & &amp",
  };
  std::mt19937 random(1);
  for (int page_number = 0; page_number < 60; ++page_number) {
    std::string page = "<html><head><title>T</title></head><body>";
    for (int i = 0; i < 30; ++i) page += parts[random() % parts.size()];
    const ExtractedText whole = Html(page, page.size());
    for (size_t piece : {1, 2, 3, 5, 8, 13, 64}) {
      const ExtractedText pieces = Html(page, piece);
      ASSERT_EQ(pieces.body, whole.body) << "piece " << piece << " page " << page;
      ASSERT_EQ(pieces.title, whole.title);
    }
  }
}

TEST(HtmlExtractorTest, InvalidBytesNeverReachTheOutput) {
  ExtractedText text =
      Html("<meta charset=utf-8><title>t\xff</title><p>bad \xff\xfe byte \xc3</p>");
  EXPECT_TRUE(testing_util::IsValidUtf8(text.title));
  EXPECT_TRUE(testing_util::IsValidUtf8(text.body));
  EXPECT_NE(text.body.find("bad"), std::string::npos);
  EXPECT_NE(text.body.find("byte"), std::string::npos);
}

TEST(HtmlExtractorTest, ExtensionIsCaseInsensitive) {
  for (std::string_view extension : {".html", ".HTML", "html", ".Htm", "HTM", ".xhtml", ".SHTML"}) {
    auto text = Extract(extension, "<title>T</title><p>a<b>b</b></p>");
    ASSERT_TRUE(text.ok()) << extension;
    EXPECT_EQ(text->file_type, "html") << extension;
    EXPECT_EQ(text->title, "T") << extension;
    EXPECT_EQ(text->body, "ab") << extension;
  }
}

TEST(HtmlExtractorTest, CapSetsTruncatedAndKeepsAPrefix) {
  std::string page = "<title>Capped</title>";
  for (int i = 0; i < 2000; ++i) page += "<p>paragraph " + std::to_string(i) + "</p>";
  ExtractedText full = Html(page);
  ExtractedText capped = Html(page, 512, 1000);
  EXPECT_FALSE(full.truncated);
  EXPECT_TRUE(capped.truncated);
  EXPECT_LE(capped.body.size(), 1000u);
  EXPECT_GT(capped.body.size(), 980u);
  EXPECT_TRUE(full.body.starts_with(capped.body));
  EXPECT_EQ(capped.title, "Capped");
}

// About 20 MB of HTML in 64 KiB pieces: every word arrives, in order.
TEST(HtmlExtractorTest, LargePageStreamsCompletely) {
  constexpr int kBlocks = 140'000;
  std::string page = "<html><head><title>Big</title><style>p{}</style></head><body><p>START</p>";
  for (int i = 0; i < kBlocks; ++i) {
    page +=
        "<div class=\"row\"><p>alpha beta &amp; gamma</p><span>delta</span>"
        " <script>var ignored = 1;</script><!-- note --><a href=\"/x\">link";
    page += std::to_string(i);
    page += "</a></div>\n";
  }
  page += "<p>END</p></body></html>";
  ASSERT_GT(page.size(), 18u << 20);

  ExtractedText text = Html(page, 64 << 10);
  EXPECT_EQ(text.title, "Big");
  EXPECT_TRUE(text.body.starts_with("START alpha beta & gamma delta link0 alpha"));
  EXPECT_TRUE(text.body.ends_with("delta link" + std::to_string(kBlocks - 1) + " END"));
  std::istringstream words(text.body);
  size_t count = std::distance(std::istream_iterator<std::string>(words),
                               std::istream_iterator<std::string>());
  EXPECT_EQ(count, 2u + 6u * kBlocks);
}

// 60 MB of markup with little visible text: the heap must not grow with the page.
TEST(HtmlExtractorTest, HeapStaysBoundedOnAHugePage) {
  std::string block;
  for (int i = 0; i < 100; ++i) {
    block += "<div class=\"c\"><script>var s = \"" + std::string(300, 's') + "\";</script><!-- " +
             std::string(200, 'c') + " --><p>w</p></div>";
  }
  auto extractor = MakeExtractor(".html", 1 << 30);
  ASSERT_TRUE(extractor.ok());
  const size_t heap_before = HeapInUse();
  size_t peak_growth = 0;
  size_t fed = 0;
  while (fed < (60u << 20)) {
    ASSERT_TRUE((*extractor)->Write(block).ok());
    fed += block.size();
    const size_t heap_now = HeapInUse();
    peak_growth = std::max(peak_growth, heap_now > heap_before ? heap_now - heap_before : 0);
  }
  auto text = (*extractor)->Finish();
  ASSERT_TRUE(text.ok());
  // The body is one "w" per block plus a space: about 1% of the input.
  EXPECT_LT(text->body.size(), fed / 50);
  EXPECT_LT(peak_growth, text->body.capacity() + (8u << 20));
}

// libxml2 buffers an unterminated comment while waiting for "-->"; past a limit the
// extractor gives up on the rest of the page instead of buffering all 128 MB.
TEST(HtmlExtractorTest, UnterminatedCommentDoesNotBufferForever) {
  auto extractor = MakeExtractor(".html", 1 << 20);
  ASSERT_TRUE(extractor.ok());
  ASSERT_TRUE((*extractor)->Write("<p>before</p><!-- never closed ").ok());
  const std::string filler(1 << 20, 'x');
  const size_t heap_before = HeapInUse();
  size_t peak_growth = 0;
  for (int i = 0; i < 128; ++i) {
    ASSERT_TRUE((*extractor)->Write(filler).ok());
    const size_t heap_now = HeapInUse();
    peak_growth = std::max(peak_growth, heap_now > heap_before ? heap_now - heap_before : 0);
  }
  auto text = (*extractor)->Finish();
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->body, "before");
  EXPECT_TRUE(text->truncated);
  EXPECT_LT(peak_growth, 40u << 20);
}

// libxml2 keeps the NUL bytes it has stepped over; a page of them (a decompression bomb
// of zeros) must not be held whole. NULs are not text, and the words around them count.
TEST(HtmlExtractorTest, HeapStaysBoundedOnAPageOfNulBytes) {
  // UTF-16 NULs are held as unparsed backlog instead, up to its 16 MiB limit.
  for (const auto& [start, limit] :
       {std::pair<std::string_view, size_t>{"<p>before</p>", 8 << 20}, {"\xff\xfe", 24 << 20}}) {
    auto extractor = MakeExtractor(".html", 1 << 20);
    ASSERT_TRUE(extractor.ok());
    ASSERT_TRUE((*extractor)->Write(start).ok());
    const std::string zeros(1 << 20, '\0');
    const size_t heap_before = HeapInUse();
    size_t peak_growth = 0;
    for (int i = 0; i < 64; ++i) {
      ASSERT_TRUE((*extractor)->Write(zeros).ok());
      const size_t heap_now = HeapInUse();
      peak_growth = std::max(peak_growth, heap_now > heap_before ? heap_now - heap_before : 0);
    }
    auto text = (*extractor)->Finish();
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_LT(peak_growth, limit) << start.size();
  }
  ExtractedText text = Html("<p>before</p>" + std::string(3 << 20, '\0') + "<p>after</p>");
  EXPECT_EQ(text.body, "before after");
}

}  // namespace
}  // namespace sluice::extract
