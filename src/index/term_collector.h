// TermCollector: the terms Xapian::TermGenerator makes from a text, computed in a way that stays
// fast for bodies of tens of MB. Internal to the index module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>
#include <xapian.h>

namespace sluice::index {

// Produces the terms, wdfs and positions of a Xapian::TermGenerator configured with a stemmer
// and STEM_SOME (no stopper, no spelling, default maximum word length, CJK text kept as whole
// words): the lower-cased words with positions, and "Z" + prefix + stem without positions.
// TermGenerator adds every word occurrence to the document (a std::map lookup per occurrence)
// and stems every occurrence. This notes each occurrence as a term number in a flat hash map and
// an array indexed by position, then stems each distinct word once and adds each term's
// positions to the document together, most frequent terms first.
class TermCollector {
 public:
  explicit TermCollector(Xapian::Stem stemmer)
      : stemmer_(std::move(stemmer)), term_at_position_(1, kNoTerm) {}

  // False when the process environment makes Xapian split CJK text into n-grams
  // (XAPIAN_CJK_NGRAM), which this class does not do; use TermGenerator then.
  static bool MatchesTermGenerator();

  // As TermGenerator::index_text(text, wdf_inc, prefix).
  void IndexText(std::string_view text, Xapian::termcount wdf_inc = 1,
                 std::string_view prefix = "");
  // As TermGenerator::increase_termpos(): leaves a gap of 100 positions.
  void IncreaseTermpos();
  // Adds every term collected so far to `document`.
  void AddTo(Xapian::Document& document) const;

 private:
  static constexpr uint32_t kNoTerm = UINT32_MAX;

  struct TermInfo {
    uint32_t number = 0;       // in order of first occurrence
    uint32_t prefix_size = 0;  // the term is prefix + word
    Xapian::termcount wdf = 0;
    uint32_t occurrences = 0;
  };

  void AddWord(std::string_view prefix, const std::string& word, Xapian::termcount wdf_inc);

  Xapian::Stem stemmer_;
  // Kept in the map itself, so that counting an occurrence touches one slot of it.
  boost::unordered_flat_map<std::string, TermInfo> terms_;
  // The number of the term at each position (index 0 is position 0, which Xapian never uses),
  // or kNoTerm in the gaps IncreaseTermpos() leaves.
  std::vector<uint32_t> term_at_position_;
  std::string key_;  // reused so that an occurrence of a known word allocates nothing
};

}  // namespace sluice::index
