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

// Absurd nesting neither stops extraction nor grows the element stack past its limit.
TEST(HtmlExtractorTest, AbsurdNestingKeepsItsText) {
  std::string page = "<p>shallow</p>";
  for (int i = 0; i < 20'000; ++i) page += "<div>";
  page += "deep";
  ExtractedText text = Html(page);
  EXPECT_EQ(text.body, "shallow deep");
  EXPECT_FALSE(text.truncated);
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

// <meta name=description|keywords|author> become fields, decoded like the page's text.
TEST(HtmlExtractorTest, MetaDescriptionKeywordsAndAuthorBecomeFields) {
  auto text = Extract(".html",
                      "<html><head><meta charset=\"ISO-8859-1\"><meta name=\"Description\" "
                      "content=\"A caf\xe9 guide\"><meta name=keywords content=\"coffee, beans\">"
                      "<meta name=\"author\" content=\"Ana L\xf3pez\"><meta name=\"robots\" "
                      "content=\"noindex\"></head><body><h1>Heading</h1><p>Body</p></body></html>");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "Heading Body");
  ASSERT_EQ(text->fields.size(), 3u);
  EXPECT_EQ(text->fields[0].first, "description");
  EXPECT_EQ(text->fields[0].second, std::vector<std::string>{"A caf\xc3\xa9 guide"});
  EXPECT_EQ(text->fields[1].first, "keywords");
  EXPECT_EQ(text->fields[1].second, std::vector<std::string>{"coffee, beans"});
  EXPECT_EQ(text->fields[2].first, "author");
  EXPECT_EQ(text->fields[2].second, std::vector<std::string>{"Ana L\xc3\xb3pez"});
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

TEST(HtmlExtractorTest, Utf16SurrogatePairsAndBrokenUnits) {
  // U+1F600 as a pair, a lone high and a lone low surrogate, an odd byte at the end.
  const std::u16string page =
      u"<p>a\U0001F600b \xd800"
      u"c \xdc00"
      u"d</p>";
  std::string little_endian = "\xff\xfe";
  for (char16_t unit : page) {
    little_endian += {static_cast<char>(unit & 0xff), static_cast<char>(unit >> 8)};
  }
  for (size_t piece : {size_t{1}, size_t{3}, little_endian.size()}) {
    EXPECT_EQ(Html(little_endian + "x", piece).body,
              "a\xf0\x9f\x98\x80"
              "b \xef\xbf\xbd"
              "c \xef\xbf\xbd"
              "d \xef\xbf\xbd");
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
      "&copy &eacute;t&eacute &#150; &#x1F600",
      "<script><!--<script>x</script>--></script>",
      "<svg><title>s</title><text>t</text><p>out</p></svg>",
      "<math><mi>m</mi><![CDATA[cd]]></math>",
      "caf\xe9 \x93q\x94",
      "<title>second</title>",
      "<a href=1>a1<a href=2>a2</a>",
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
  auto extractor = MakeExtractor(".html", testing_util::TestOptions(1 << 30));
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
  // The body is one "w" per block plus a space: about 1% of the input. Nothing else grows.
  EXPECT_LT(text->body.size(), fed / 50);
  EXPECT_LT(peak_growth, text->body.capacity() + (2u << 20));
}

// An unterminated comment hides the rest of the page: past 16 MiB the extractor stops,
// saying the text is truncated, instead of reading all 128 MB for nothing. Nothing is
// buffered meanwhile.
TEST(HtmlExtractorTest, UnterminatedCommentDoesNotBufferForever) {
  auto extractor = MakeExtractor(".html", testing_util::TestOptions(1 << 20));
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
  EXPECT_LT(peak_growth, 2u << 20);
}

// A page of NUL bytes (a decompression bomb of zeros), in UTF-8 or UTF-16, is not held in
// memory. NULs are not text, and the words around them count.
TEST(HtmlExtractorTest, HeapStaysBoundedOnAPageOfNulBytes) {
  for (const auto& [start, limit] :
       {std::pair<std::string_view, size_t>{"<p>before</p>", 2 << 20}, {"\xff\xfe", 2 << 20}}) {
    auto extractor = MakeExtractor(".html", testing_util::TestOptions(1 << 20));
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

// Browsers read the references of HTML 3.2 without their ';' too; other names need it.
TEST(HtmlExtractorTest, LegacyReferencesWithoutSemicolon) {
  EXPECT_EQ(Html("<p>&copy 2024 &eacute;t&eacute AT&ampT &notit; &AMP; &hellip &hellip;</p>").body,
            "\xc2\xa9 2024 \xc3\xa9t\xc3\xa9 AT&T \xc2\xacit; & &hellip \xe2\x80\xa6");
  EXPECT_EQ(Html("<p>&unknown; &; & &#; &#x; &#xZ; a&b</p>").body,
            "&unknown; &; & &#; &#x; &#xZ; a&b");
  EXPECT_EQ(Html("<p>&amp").body, "&");  // at the very end of the page
}

TEST(HtmlExtractorTest, NumericReferencesFollowTheHtmlStandard) {
  const std::string kFffd = "\xef\xbf\xbd";
  EXPECT_EQ(Html("<p>&#65&#66;&#x43;&#X44;</p>").body, "ABCD");  // the ';' is optional
  EXPECT_EQ(Html("<p>&#0;|&#xD800;|&#x110000;|&#99999999999999;</p>").body,
            kFffd + "|" + kFffd + "|" + kFffd + "|" + kFffd);
  // 0x80-0x9F are windows-1252, as old pages meant them.
  EXPECT_EQ(Html("<p>&#150; &#147;q&#148; &#128;</p>").body,
            "\xe2\x80\x93 \xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac");
  EXPECT_EQ(Html("<p>&#x1F600;&#128512;</p>").body, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
}

TEST(HtmlExtractorTest, ScriptsEndOnlyAtTheirOwnEndTag) {
  // "<!-- <script></script> -->" inside a script does not end it (an old idiom).
  EXPECT_EQ(
      Html("<script><!--\ndocument.write('<script src=x></script>');\n//--></script>after").body,
      "after");
  EXPECT_EQ(Html("<script>a = '</scriptx>'; b = '</ script>';</script >after").body, "after");
  EXPECT_EQ(Html("<style>p::after { content: '</p>' }</STYLE>after").body, "after");
  // In raw text, near misses of the end tag are text.
  EXPECT_EQ(Html("<textarea>a</textareax> &lt;b&gt; </text</textarea>c").body,
            "a</textareax> <b> </text c");
  EXPECT_EQ(Html("<xmp><b>bold?</b></xmp>").body, "<b>bold?</b>");
  EXPECT_EQ(Html("<plaintext><p>shown &amp; as </plaintext> is").body,
            "<p>shown &amp; as </plaintext> is");
}

TEST(HtmlExtractorTest, CommentsDoctypesAndCdata) {
  EXPECT_EQ(Html("a<!-- x -- y --!>b<!-->c<!--->d<!---->e").body, "abcde");
  EXPECT_EQ(Html("<!DOCTYPE html PUBLIC \"-//W3C//DTD\" \"x\">a<?xml x?>b<!bogus>c").body, "abc");
  // CDATA is text only in SVG and MathML; in HTML it is a bogus comment up to '>'.
  EXPECT_EQ(Html("a<![CDATA[hidden]]>b").body, "ab");
  EXPECT_EQ(Html("<math><mi>x</mi><![CDATA[ y ]]> ]]] </math>").body, "x y ]]]");
}

TEST(HtmlExtractorTest, SvgAndMathMlContent) {
  // An HTML element inside SVG ends it, as in browsers; <foreignObject> content stays.
  EXPECT_EQ(Html("<svg><text>no</text><p>yes</p></svg>").body, "yes");
  EXPECT_EQ(Html("<svg><foreignObject><p>no</p></foreignObject></svg>yes").body, "yes");
  EXPECT_EQ(Html("<svg><style>no</style><script>no</script><rect/>no</svg>yes").body, "yes");
  EXPECT_EQ(Html("<div><svg><g>no</div>yes").body, "yes");  // </div> closes what is inside
  EXPECT_EQ(Html("<p>x<math><mi>a</mi><mo>+</mo><mn>1</mn></math></p>").body, "xa+1");
}

TEST(HtmlExtractorTest, TagsThatWerePartlyLeftOut) {
  EXPECT_EQ(Html("one</p>two</div>three</br>four").body, "one two three four");
  EXPECT_EQ(Html("<a href=1>one<a href=2>two</a>").body, "onetwo");
  EXPECT_EQ(Html("<script src=x /><p>after</p>").body, "after");  // XHTML's empty script
  EXPECT_EQ(Html("<html><body>in</body></html>after").body, "in after");
  EXPECT_EQ(Html("a<template><p>b</p></template>c<noscript><p>d</p></noscript>e").body, "ace");
  EXPECT_EQ(Html("<p>a\0b</p>").body, "a");                    // a C string ends at the NUL
  EXPECT_EQ(Html(std::string("<p>a\0b</p>", 10)).body, "ab");  // NULs are dropped
}

TEST(HtmlExtractorTest, OnlyTheFirstTitleCountsAndItIsText) {
  ExtractedText text = Html("<title>a <b>b</b> &amp; c</title><body><title>two</title>body");
  EXPECT_EQ(text.title, "a <b>b</b> & c");
  EXPECT_EQ(text.body, "body");
  EXPECT_EQ(Html("<template><title>no</title></template><title>yes</title>").title, "yes");
}

TEST(HtmlExtractorTest, UndeclaredLatinOneFallsBackFromTheFirstInvalidByte) {
  // Valid UTF-8 first, then windows-1252 from the first byte that is not UTF-8 on.
  for (size_t piece : {size_t{1}, size_t{2}, size_t{1000}}) {
    ExtractedText text =
        Html("<title>caf\xe9</title><p>na\xefve \x93quoted\x94 \xe9t\xe9</p>", piece);
    EXPECT_EQ(text.title, "caf\xc3\xa9");
    EXPECT_EQ(text.body, "na\xc3\xafve \xe2\x80\x9cquoted\xe2\x80\x9d \xc3\xa9t\xc3\xa9");
    EXPECT_EQ(Html("<p>\xc3\xa9t\xc3\xa9 then caf\xe9</p>", piece).body,
              "\xc3\xa9t\xc3\xa9 then caf\xc3\xa9");
    // A sequence cut by markup is not UTF-8 either.
    EXPECT_EQ(Html("<p>a\xc3<b>\xa9</b></p>", piece).body, "a\xc3\x83\xc2\xa9");
  }
  // Declared UTF-8 has no fallback: invalid bytes become U+FFFD.
  EXPECT_EQ(Html("<meta charset=utf-8><p>caf\xe9 ok</p>").body, "caf\xef\xbf\xbd ok");
}

TEST(HtmlExtractorTest, DeclaredLegacyEncodingsAreDecoded) {
  struct Case {
    std::string_view meta;
    std::string_view text;
    std::string_view utf8;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"<meta charset=windows-1251>", "\xcf\xf0\xe8\xe2\xe5\xf2",
            "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
           {"<meta http-equiv=content-type content='text/html; charset=\"Shift_JIS\"'>",
            "\x93\xfa\x96\x7b\x8c\xea", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
           {"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html;charset=euc-jp\">",
            "\xc6\xfc\xcb\xdc", "\xe6\x97\xa5\xe6\x9c\xac"},
           {"<meta charset=' ISO-8859-15 '>", "\xa4 \xbd", "\xe2\x82\xac \xc5\x93"},
           {"<meta charset=latin1>", "\x80 \xe9", "\xe2\x82\xac \xc3\xa9"},
           {"<meta charset=no-such-charset>", "\xc3\xa9", "\xc3\xa9"},
       }) {
    const std::string page = "<html><head>" + std::string(c.meta) + "<title>" +
                             std::string(c.text) + "</title></head><p>" + std::string(c.text) +
                             " &amp; " + std::string(c.text) + "</p>";
    for (size_t piece : {size_t{1}, size_t{3}, page.size()}) {
      ExtractedText text = Html(page, piece);
      EXPECT_EQ(text.title, c.utf8) << c.meta << " piece " << piece;
      EXPECT_EQ(text.body, std::string(c.utf8) + " & " + std::string(c.utf8)) << c.meta;
    }
  }
}

TEST(HtmlExtractorTest, ByteOrderMarkOverridesMetaCharset) {
  EXPECT_EQ(Html("\xef\xbb\xbf<meta charset=iso-8859-1><p>\xc3\xa9</p>").body, "\xc3\xa9");
  EXPECT_EQ(Html("\xef\xbb\xbf").body, "");
  // Not a whole mark, nor UTF-8: read as windows-1252.
  EXPECT_EQ(Html("\xef\xbb").body, "\xc3\xaf\xc2\xbb");
}

// Markup that never ends (a tag, comment or script running on for more than 16 MiB)
// stops extraction, like the unterminated comment above; text before it is kept.
TEST(HtmlExtractorTest, EndlessMarkupStopsExtraction) {
  const std::string filler(17 << 20, 'x');
  for (std::string_view opening :
       {"<div class=\"", "<div ", "<script>", "<title>", "<!DOCTYPE ", "<?x ", "</"}) {
    ExtractedText text = Html("<p>before</p>" + std::string(opening) + filler + ">after", 1 << 20);
    EXPECT_EQ(text.body, "before") << opening;
    EXPECT_TRUE(text.truncated) << opening;
  }
  // Long text is not markup: it is all kept.
  ExtractedText text = Html("<p>" + filler + "</p>after", 1 << 20);
  EXPECT_EQ(text.body.size(), filler.size() + 6);
  EXPECT_FALSE(text.truncated);
}

// Hostile nesting costs constant work per tag: stray end tags that cannot close
// anything (blocked by a table cell) are not searched for again and again.
TEST(HtmlExtractorTest, StrayEndTagsUnderDeepNestingStayCheap) {
  std::string page = "<div><table><tr><td>";
  for (int i = 0; i < 8000; ++i) page += "<span>";
  page += "deep";
  for (int i = 0; i < 200'000; ++i) page += "</div>";
  page += "end";
  ExtractedText text = Html(page);
  EXPECT_EQ(text.body, "deep end");
  EXPECT_FALSE(text.truncated);
}

}  // namespace
}  // namespace sluice::extract
