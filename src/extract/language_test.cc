#include "extract/language.h"

#include <gtest/gtest.h>

namespace sluice::extract {
namespace {

TEST(LanguageDetectorTest, NamesTheLanguageOfATextByItsIsoCode) {
  const LanguageDetector detector;
  ASSERT_TRUE(detector.loaded()) << "libexttextcat-data is not installed";
  EXPECT_EQ(detector.Detect("The committee will publish its annual report on the state of the "
                            "river after the meeting, which is open to everyone in the town."),
            "en");
  EXPECT_EQ(detector.Detect("Le comité publiera son rapport annuel sur l'état de la rivière "
                            "après la réunion, qui est ouverte à tous les habitants de la ville."),
            "fr");
  EXPECT_EQ(detector.Detect("Der Ausschuss wird seinen Jahresbericht über den Zustand des Flusses "
                            "nach der Sitzung veröffentlichen, die allen Bürgern offensteht."),
            "de");
}

TEST(LanguageDetectorTest, FindsNothingInTooLittleText) {
  const LanguageDetector detector;
  ASSERT_TRUE(detector.loaded());
  EXPECT_EQ(detector.Detect(""), std::nullopt);
  EXPECT_EQ(detector.Detect("ok"), std::nullopt);
}

// Only the start of a long text is read, cut at a character boundary.
TEST(LanguageDetectorTest, LongTextIsJudgedByItsStart) {
  const LanguageDetector detector;
  ASSERT_TRUE(detector.loaded());
  std::string text;
  while (text.size() < 5000) text += "Die Stadt baut eine neue Brücke über den Fluss. ";
  text += std::string(100'000, 'x');
  EXPECT_EQ(detector.Detect(text), "de");
}

}  // namespace
}  // namespace sluice::extract
