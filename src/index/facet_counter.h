// Counting facet values over the items a query matches, and the filters facet selections add.
// Internal to the index module (it speaks Xapian).
#pragma once

#include <optional>
#include <string>
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
    std::unordered_map<std::string, std::pair<std::string, uint64_t>> values;
    std::vector<uint64_t> range_counts;  // ranges given by the request
    std::vector<double> numbers;         // automatic ranges: every value seen
  };

  FacetResult SpecificResult(const Tally& tally) const;
  FacetResult RangeResult(const Tally& tally) const;

  std::vector<Tally> tallies_;
  // Field name -> the specific tallies that count it.
  std::unordered_map<std::string, std::vector<size_t>> specific_by_field_;
};

}  // namespace sluice::index
