#include "extract/text_builder.h"

#include <random>

#include <gtest/gtest.h>

#include "extract/test_util.h"

namespace sluice::extract::internal {
namespace {

std::string Build(std::initializer_list<std::string_view> pieces, size_t max = 1 << 20) {
  TextBuilder builder(max);
  for (std::string_view piece : pieces) builder.Append(piece);
  return builder.Finish();
}

TEST(TextBuilderTest, CollapsesWhitespaceAndTrimsEnds) {
  EXPECT_EQ(Build({"  hello \t\n\r  world  "}), "hello world");
  EXPECT_EQ(Build({"a", " ", " ", "b", "\n"}), "a b");
  EXPECT_EQ(Build({"a\xc2\xa0\xc2\xa0"
                   "b"}),
            "a b");  // NBSP
  EXPECT_EQ(Build({"a\x01\x02"
                   "b\x7f"
                   "c"}),
            "a b c");                                // control characters
  EXPECT_EQ(Build({"\xe3\x80\x80"}), "");            // ideographic space only
  EXPECT_EQ(Build({"\xef\xbb\xbfstart"}), "start");  // byte order mark dropped
}

TEST(TextBuilderTest, SeparateSplitsWordsButNotAtTheStart) {
  TextBuilder builder(100);
  builder.Separate();
  builder.Append("one");
  builder.Separate();
  builder.Separate();
  builder.Append("two");
  builder.Append("three");
  builder.Separate();
  EXPECT_EQ(builder.Finish(), "one twothree");
}

TEST(TextBuilderTest, ReplacesInvalidUtf8WithOneReplacementPerBrokenSequence) {
  const std::string kFffd = "\xef\xbf\xbd";
  EXPECT_EQ(Build({"a\xff"
                   "b"}),
            "a" + kFffd + "b");
  EXPECT_EQ(Build({"\xc0\xaf"}), kFffd + kFffd);              // overlong '/'
  EXPECT_EQ(Build({"\xed\xa0\x80"}), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(Build({"\xe2\x82"
                   "x"}),
            kFffd + "x");                                                 // truncated then ASCII
  EXPECT_EQ(Build({"end\xe2\x82"}), "end" + kFffd);                       // truncated at the end
  EXPECT_EQ(Build({"\xf4\x90\x80\x80"}), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(Build({"\xf0\x9f\x98\x80"}), "\xf0\x9f\x98\x80");             // U+1F600 is fine
}

TEST(TextBuilderTest, LongRunsOfWordsAndSpacesAreKeptExactly) {
  // Long enough for the eight-bytes-at-a-time path, with spaces at every position.
  std::string words;
  for (int i = 0; i < 200; ++i)
    words += std::string(1 + i % 9, static_cast<char>('a' + i % 26)) + " ";
  words.pop_back();
  EXPECT_EQ(Build({words}), words);
  EXPECT_EQ(Build({" " + words + " "}), words);
  std::string doubled = words;
  for (size_t at = doubled.find(' '); at != std::string::npos; at = doubled.find(' ', at + 3)) {
    doubled.insert(at, " \t");
  }
  EXPECT_EQ(Build({doubled}), words);
  EXPECT_EQ(Build({"abcdefgh  ijklmnop"}), "abcdefgh ijklmnop");
  EXPECT_EQ(Build({"abcdefg\x7fhijklmnop"}), "abcdefg hijklmnop");
  EXPECT_EQ(Build({"abcdefgh\xc2\xa0ijklmnop"}), "abcdefgh ijklmnop");
}

TEST(TextBuilderTest, AppendCodePointEndsAnUnfinishedSequence) {
  TextBuilder builder(100);
  builder.Append("caf\xc3");
  builder.AppendCodePoint(U'\u00e9');
  builder.AppendCodePoint(0xd800);  // not a character: replaced
  EXPECT_EQ(builder.Finish(), "caf\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd");
}

TEST(TextBuilderTest, JoinsSequencesSplitAcrossAppends) {
  EXPECT_EQ(Build({"caf\xc3", "\xa9"}), "caf\xc3\xa9");
  EXPECT_EQ(Build({"\xe6", "\x96", "\x87"}), "\xe6\x96\x87");
}

TEST(TextBuilderTest, CapCutsAtACharacterBoundaryAndReportsTruncation) {
  TextBuilder builder(10);
  builder.Append("hello world again");
  EXPECT_TRUE(builder.truncated());
  EXPECT_EQ(builder.Finish(), "hello worl");

  TextBuilder accented(5);
  accented.Append("abcd\xc3\xa9");
  EXPECT_TRUE(accented.truncated());
  EXPECT_EQ(accented.Finish(), "abcd");

  TextBuilder spaced(6);  // the cut falls just after a space: it is not kept
  spaced.Append("hello world");
  EXPECT_TRUE(spaced.truncated());
  EXPECT_EQ(spaced.Finish(), "hello");

  TextBuilder exact(5);
  exact.Append("  abcde  ");
  EXPECT_FALSE(exact.truncated());
  EXPECT_EQ(exact.Finish(), "abcde");
}

TEST(TextBuilderTest, OutputIsValidUtf8ForRandomBytes) {
  std::mt19937 random(42);
  for (int round = 0; round < 200; ++round) {
    TextBuilder builder(1 << 20);
    std::string input(1 + random() % 300, '\0');
    for (char& c : input) c = static_cast<char>(random());
    // Feed in random pieces so that sequences are split at arbitrary points.
    for (size_t at = 0; at < input.size();) {
      const size_t piece = 1 + random() % 7;
      builder.Append(std::string_view(input).substr(at, piece));
      at += piece;
    }
    const std::string text = builder.Finish();
    EXPECT_TRUE(testing_util::IsValidUtf8(text)) << round;
    EXPECT_EQ(text.find("  "), std::string::npos);
  }
}

TEST(TextBuilderTest, MeasureTextCountsNulInvalidAndControlBytes) {
  TextStats stats = MeasureText(std::string_view("ab\0c\xff\x01\n\xe2\x82", 9));
  EXPECT_EQ(stats.nul_bytes, 1u);
  EXPECT_EQ(stats.invalid_sequences, 1u);  // the split sequence at the end is not counted
  EXPECT_EQ(stats.control_bytes, 1u);
}

}  // namespace
}  // namespace sluice::extract::internal
