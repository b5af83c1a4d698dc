// Counting facet values over the items a query matches, and the filters facet selections add.
// Internal to the index module (it speaks Xapian).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "index/field_schema.h"
#include "index/search.h"

namespace sluice::index {

// The query that keeps the items matching the facet's selection (any selected value or range);
// nullopt when nothing is selected. Weightless: it filters without changing relevance.
std::optional<Xapian::Query> FacetSelectionQuery(const FacetRequest& facet,
                                                 const FieldSlots& slots);

// A match spy that counts the values of some facets over every item Xapian checks. Use it with
// check_at_least = the database's document count so that it sees every match.
class FacetCounter : public Xapian::MatchSpy {
  // Lets maps keyed by std::string be searched with a string_view without a copy: the counter
  // looks up every value of every matching item, often 100,000 items per search.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  template <typename Value>
  using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

 public:
  // `facets` must outlive the counter.
  FacetCounter(const std::vector<const FacetRequest*>& facets, const FieldSlots& slots);

  void operator()(const Xapian::Document& document, double weight) override;

  // The counted values of the i-th facet given to the constructor, ordered and cut to its
  // number_of_values (selected values always kept).
  FacetResult Result(size_t i) const;

 private:
  struct Tally {
    const FacetRequest* request = nullptr;
    std::optional<Xapian::valueno> slot;  // range facets: where the numbers are
    // kSpecific: folded value -> (first spelling seen, count).
    StringMap<std::pair<std::string, uint64_t>> values;
    // Each spelling seen -> its entry in `values`, so a value is folded once per search.
    StringMap<std::pair<std::string, uint64_t>*> by_spelling;
    std::vector<uint64_t> range_counts;  // ranges given by the request
    std::vector<double> numbers;         // automatic ranges: every value seen
  };

  FacetResult SpecificResult(const Tally& tally) const;
  FacetResult RangeResult(const Tally& tally) const;

  std::vector<Tally> tallies_;
  // Field name -> the specific tallies that count it.
  StringMap<std::vector<size_t>> specific_by_field_;
};

}  // namespace sluice::index
