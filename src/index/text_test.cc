#include "index/text.h"

#include <string>

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

TEST(ValidUtf8PrefixTest, CutsBeforeACharacterThatDoesNotFit) {
  bool truncated = false;
  // "é" is two bytes: a 3-byte budget fits "a" and one "é", not half of the second.
  EXPECT_EQ(ValidUtf8Prefix("a\xC3\xA9\xC3\xA9", 4, &truncated), "a\xC3\xA9");
  EXPECT_TRUE(truncated);
  EXPECT_EQ(ValidUtf8Prefix("a\xC3\xA9", 3, &truncated), "a\xC3\xA9");
  EXPECT_FALSE(truncated);
}

TEST(ValidUtf8PrefixTest, ReplacesMalformedBytes) {
  bool truncated = true;
  // A lone continuation byte, an overlong "/", a surrogate, and a truncated 3-byte sequence.
  EXPECT_EQ(ValidUtf8Prefix("x\x80y\xC0\xAFz\xED\xA0\x80w\xE2\x82", 100, &truncated),
            "x\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDw"
            "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_FALSE(truncated);
  // Four-byte characters (an emoji) are kept whole.
  EXPECT_EQ(ValidUtf8Prefix("\xF0\x9F\x98\x80", 100, nullptr), "\xF0\x9F\x98\x80");
}

TEST(Utf8BoundaryTest, StepsBackToTheStartOfACharacter) {
  const std::string text =
      "a\xE2\x82\xAC"
      "b";  // "a€b"
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 0), 0u);
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 1), 1u);
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 2), 1u);
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 3), 1u);
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 4), 4u);
  EXPECT_EQ(Utf8BoundaryAtOrBefore(text, 99), text.size());
}

TEST(CollapseWhitespaceTest, JoinsRunsAndTrims) {
  EXPECT_EQ(CollapseWhitespace("  one\n\ttwo  \r\n three \n"), "one two three");
  EXPECT_EQ(CollapseWhitespace(" \n "), "");
}

TEST(UnescapeHtmlTest, UndoesEntitiesOnce) {
  EXPECT_EQ(UnescapeHtml("Tom &amp; Jerry &lt;b&gt; &quot;x&quot; &#39;y&#39;"),
            "Tom & Jerry <b> \"x\" 'y'");
  EXPECT_EQ(UnescapeHtml("&amp;lt; stays an entity"), "&lt; stays an entity");
  EXPECT_EQ(UnescapeHtml("R&D & co"), "R&D & co");
}

TEST(ShortenAtWordTest, CutsAtASpaceAndMarksTheCut) {
  EXPECT_EQ(ShortenAtWord("short", 10), "short");
  EXPECT_EQ(ShortenAtWord("alpha beta gamma", 12), "alpha beta...");
  // No space in the second half: cut at a character boundary instead of mid "é".
  EXPECT_EQ(ShortenAtWord("\xC3\xA9\xC3\xA9\xC3\xA9", 5), "\xC3\xA9\xC3\xA9...");
}

}  // namespace
}  // namespace sluice::index
