#include "index/term_collector.h"

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

using ::testing::Contains;
using ::testing::Field;

struct Term {
  std::string name;
  Xapian::termcount wdf = 0;
  std::vector<Xapian::termpos> positions;
  bool operator==(const Term&) const = default;
};

void PrintTo(const Term& term, std::ostream* out) {
  *out << term.name << " wdf " << term.wdf << " at";
  for (Xapian::termpos position : term.positions) *out << ' ' << position;
}

std::vector<Term> Terms(const Xapian::Document& document) {
  std::vector<Term> terms;
  for (auto it = document.termlist_begin(); it != document.termlist_end(); ++it) {
    Term term{*it, it.get_wdf(), {}};
    for (auto pos = it.positionlist_begin(); pos != it.positionlist_end(); ++pos) {
      term.positions.push_back(*pos);
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

// Title and body indexed the way IndexWriter does, by Xapian's TermGenerator.
std::vector<Term> TermGeneratorTerms(const std::string& title, const std::string& body) {
  Xapian::TermGenerator generator;
  generator.set_stemmer(EnglishStemmer());
  generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  Xapian::Document document;
  generator.set_document(document);
  generator.index_text(title, 1, std::string(kTitlePrefix));
  generator.index_text(title, kTitleWeight);
  generator.increase_termpos();
  generator.index_text(body);
  return Terms(document);
}

// The same through TermCollector.
std::vector<Term> CollectorTerms(const std::string& title, const std::string& body) {
  TermCollector collector(EnglishStemmer());
  collector.IndexText(title, 1, kTitlePrefix);
  collector.IndexText(title, kTitleWeight);
  collector.IncreaseTermpos();
  collector.IndexText(body);
  Xapian::Document document;
  collector.AddTo(document);
  return Terms(document);
}

class TermCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TermCollector::MatchesTermGenerator()) GTEST_SKIP() << "XAPIAN_CJK_NGRAM is set";
  }
};

TEST_F(TermCollectorTest, MatchesTermGeneratorOnSampleTexts) {
  const std::vector<std::string> texts = {
      "",
      "The quick brown fox jumps over the lazy dog. The dog sleeps; foxes run!",
      "Mixed CASE words: Running RUNS runner ran, HTML5 and IPv6 and x86_64 snake_case.",
      "Caf\xC3\xA9 na\xC3\xAFve \xC3\x89L\xC3\x89PHANT Stra\xC3\x9F"
      "e \xC3\x85ngstr\xC3\xB6m "
      "\xC4\xB0stanbul \xCE\xA3\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1",  // accents, Greek, dotted I
      "don't it's O'Reilly rock'n'roll students' dogs'' 'quoted' l\xE2\x80\x99"
      "avion "
      "it\xE2\x80\x9Bs a\xC2\xB7"
      "b",  // apostrophes, typographic ones, middle dot
      "AT&T M&S R&D & && a&&b Tom&Jerry",
      "3.14 1,000,000 12;34 1.2.3 v1.2 .5 5. 1..2 3,a a,3 \xD9\xA3.\xD9\xA4 2024-06-01",
      "U.N. U.N.C.L.E. P.T.O A.B.c A.b I.B.M.x U.S.A",
      "C++ C# F#m c+++ c++++ fish+chips a+ +a x#1 C++.",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9"
      "\xE3\x83\x88 \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xE4\xB8\xAD\xE6\x96\x87"
      "abc",  // CJK
      "zero\xE2\x80\x8Bwidth soft\xC2\xAD"
      "hyphen e\xCC\x81t\xC3\xA9 word\xEF\xBB\xBFjoin",
      "tab\tseparated\r\nlines--and...dots/slashes\\back(parens)[brackets]{braces}<tags>",
      std::string(64, 'a') + " " + std::string(65, 'b') + " " + std::string(70, 'c') + " end",
      "invalid \xFF\xFE bytes \xC3 truncated \xE2\x82 and \xC0\xAF overlong caf\xE9",
      "\xCA\xB0modifier \xC7\x85titlecase _under __double_ 1st 2nd 3rd 42 007 \xC2\xBD "
      "\xE2\x85\xA0 \xE2\x91\xA0",
      "repeated repeated repeated Repeated REPEATED repeat repeats",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(CollectorTerms(text, text), TermGeneratorTerms(text, text)) << text;
    EXPECT_EQ(CollectorTerms("", text), TermGeneratorTerms("", text)) << text;
  }
}

TEST_F(TermCollectorTest, MatchesTermGeneratorOnRandomMixesOfTrickyPieces) {
  const std::vector<std::string> pieces = {
      "a",
      "B",
      "word",
      "Words",
      "U",
      ".",
      ",",
      ";",
      "'",
      "\xE2\x80\x99",
      "&",
      "+",
      "#",
      "_",
      "-",
      " ",
      " ",
      "\n",
      "0",
      "42",
      "\xD9\xA3",
      "\xC3\xA9",
      "\xC3\x89",
      "\xC3\x9F",
      "\xC4\xB0",
      "\xCC\x81",
      "\xE6\x97\xA5",
      "\xED\x95\x9C",
      "\xE2\x80\x8B",
      "\xC2\xB7",
      "\xEF\xBB\xBF",
      "\xFF",
      "\xC3",
      "running",
      "ABC",
      "x86",
      "\xCA\xB0",
      "\xE2\x81\xA0",
      "\xE2\x81\x84",
      "\xE2\x80\xA7",
  };
  std::mt19937 random(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string title;
    std::string body;
    const int title_pieces = static_cast<int>(random() % 6);
    for (int i = 0; i < title_pieces; ++i) title += pieces[random() % pieces.size()];
    for (int i = 0; i < 30; ++i) body += pieces[random() % pieces.size()];
    ASSERT_EQ(CollectorTerms(title, body), TermGeneratorTerms(title, body))
        << "title \"" << title << "\" body \"" << body << "\"";
  }
}

TEST_F(TermCollectorTest, KeepsPositionsStemsAndTitleWeight) {
  // Spot checks that the comparison above compares something: positions, stems, wdfs.
  const std::vector<Term> terms = CollectorTerms("Running Dogs", "dogs bark at running dogs");
  EXPECT_THAT(terms, Contains(Term{"dogs", 3 + 2, {4, 105, 109}}));
  EXPECT_THAT(terms, Contains(Term{"Sdogs", 1, {2}}));
  EXPECT_THAT(terms, Contains(Term{"Zrun", 3 + 1, {}}));
  EXPECT_THAT(terms, Contains(Term{"ZSrun", 1, {}}));
  EXPECT_THAT(terms, Contains(Field(&Term::name, "bark")));
}

}  // namespace
}  // namespace sluice::index
