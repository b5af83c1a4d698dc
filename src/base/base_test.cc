#include <filesystem>

#include <gtest/gtest.h>

#include "base/ascii.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/key_value.h"
#include "base/random.h"
#include "base/status.h"
#include "base/utf8.h"

namespace sluice::base {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  SLUICE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, ResultCarriesValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().WithContext("quarter").ToString(), "INVALID_ARGUMENT: quarter: odd: 3");
}

TEST(RandomTest, UuidsAreVersion4AndDistinct) {
  std::string a = NewUuid();
  std::string b = NewUuid();
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
  EXPECT_EQ(HexEncode(std::string_view("\x01\xab", 2)), "01ab");
}

TEST(FsTest, WriteFileAtomicReplacesContents) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("fs_test_" + NewUuid());
  ASSERT_TRUE(MakeDirs(dir / "a" / "b").ok());
  auto file = dir / "a" / "b" / "f.txt";
  ASSERT_TRUE(WriteFileAtomic(file, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(file, "two").ok());
  EXPECT_EQ(*ReadFile(file), "two");
  EXPECT_EQ(ReadFile(dir / "missing").status().code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(ClockTest, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(FormatIso8601Ms(1369353600123), "2013-05-24T00:00:00.123Z");
}

TEST(ClockTest, ParsesW3cDateTimes) {
  EXPECT_EQ(ParseIso8601Ms("2013-05-24T00:00:00.123Z"), 1369353600123);
  EXPECT_EQ(ParseIso8601Ms("2013-05-24"), 1369353600000);
  EXPECT_EQ(ParseIso8601Ms("2013-05-24T02:00+02:00"), 1369353600000);
  EXPECT_EQ(ParseIso8601Ms("2013-05-23T23:00:00.5-01:00"), 1369353600500);
  EXPECT_FALSE(ParseIso8601Ms("2013-05-24T00:00:00"));  // no zone
  EXPECT_FALSE(ParseIso8601Ms("2013-13-24"));
  EXPECT_FALSE(ParseIso8601Ms("yesterday"));
  EXPECT_FALSE(ParseIso8601Ms("2013-05-24T00:00:00Zjunk"));
}

TEST(AsciiTest, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("VirtualGroup_ÉMILE 42"), "virtualgroup_Émile 42");
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Content-Type", "content-TYPE"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("content-type", "content-typ"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("É", "é"));  // bytes beyond ASCII compare exactly
}

TEST(AsciiTest, TrimsSpacesTabsAndLineEndsAtBothEndsOnly) {
  EXPECT_EQ(TrimAsciiSpace(" \t a b \r\n"), "a b");
  EXPECT_EQ(TrimAsciiSpace(" \t\r\n"), "");
  EXPECT_EQ(TrimAsciiSpace("x"), "x");
}

TEST(KeyValueTest, SkipsBlanksAndCommentsAndNumbersTheRest) {
  const auto lines =
      ParseKeyValueLines("# comment\n\n  workers =  3 \r\nlisten 1\nurl=http://a=b\n key = ");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].number, 3);
  EXPECT_TRUE(lines[0].has_equals);
  EXPECT_EQ(lines[0].key, "workers");
  EXPECT_EQ(lines[0].value, "3");
  EXPECT_EQ(lines[1].number, 4);
  EXPECT_FALSE(lines[1].has_equals);
  EXPECT_EQ(lines[1].text, "listen 1");
  EXPECT_EQ(lines[2].key, "url");
  EXPECT_EQ(lines[2].value, "http://a=b");  // split at the first '='
  EXPECT_EQ(lines[3].number, 6);
  EXPECT_EQ(lines[3].key, "key");
  EXPECT_EQ(lines[3].value, "");
}

TEST(Utf8Test, SequenceLengthFollowsRfc3629) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9"), 2u);          // é
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80"), 4u);  // an emoji
  EXPECT_EQ(Utf8SequenceLength("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(Utf8SequenceLength("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);              // a stray continuation byte
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82"), 0u);          // truncated
  EXPECT_EQ(Utf8SequenceLength("\xE2\x28\xA1"), 0u);      // a broken continuation
}

}  // namespace
}  // namespace sluice::base
