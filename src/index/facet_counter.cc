#include "index/facet_counter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "index/facet_values.h"
#include "index/xapian_schema.h"

namespace sluice::index {
namespace {

// Automatic ranges: at most this many, whatever the request asks.
constexpr uint32_t kMaxAutomaticRanges = 50;

std::optional<Xapian::valueno> NumberSlot(const std::string& field, const FieldSlots& slots) {
  if (std::optional<uint32_t> builtin = BuiltinFieldSlot(field)) return *builtin;
  auto found = slots.find(field);
  if (found == slots.end()) return std::nullopt;
  return found->second.slot;
}

// The largest number below `end` when the range excludes its end.
double InclusiveEnd(const FacetRequest::Range& range) {
  return range.end_inclusive ? range.end
                             : std::nextafter(range.end, -std::numeric_limits<double>::infinity());
}

bool InRange(double number, const FacetRequest::Range& range) {
  return number >= range.start && number <= InclusiveEnd(range);
}

Xapian::Query Weightless(const Xapian::Query& query) {
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, query, 0);
}

FacetValue SpecificValue(std::string value, uint64_t count, bool selected) {
  FacetValue out;
  out.value = std::move(value);
  out.count = count;
  out.selected = selected;
  return out;
}

FacetValue RangeValue(const FacetRequest::Range& range, uint64_t count) {
  FacetValue out;
  out.range = range;
  out.count = count;
  out.selected = range.selected;
  return out;
}

FacetRequest::Range MakeRange(double start, double end, bool end_inclusive) {
  FacetRequest::Range range;
  range.start = start;
  range.end = end;
  range.end_inclusive = end_inclusive;
  return range;
}

bool IsRangeFacet(const FacetRequest& facet) { return facet.type != FacetRequest::Type::kSpecific; }

}  // namespace

std::optional<Xapian::Query> FacetSelectionQuery(const FacetRequest& facet,
                                                 const FieldSlots& slots) {
  auto terms = [&](const std::vector<std::string>& values) {
    std::vector<Xapian::Query> queries;
    queries.reserve(values.size());
    for (const std::string& value : values) {
      queries.emplace_back(FieldValueTerm(facet.field, FoldFieldValue(value)));
    }
    return Xapian::Query(Xapian::Query::OP_OR, queries.begin(), queries.end());
  };
  std::vector<Xapian::Query> any;
  if (!IsRangeFacet(facet)) {
    if (facet.selected.empty() && facet.excluded.empty()) return std::nullopt;
    Xapian::Query kept = facet.selected.empty() ? MatchAllQuery() : terms(facet.selected);
    if (!facet.excluded.empty()) {
      kept = Xapian::Query(Xapian::Query::OP_AND_NOT, kept, terms(facet.excluded));
    }
    return Weightless(kept);
  } else {
    const std::optional<Xapian::valueno> slot = NumberSlot(facet.field, slots);
    for (const FacetRequest::Range& range : facet.ranges) {
      if (!range.selected) continue;
      if (!slot) {
        any.push_back(MatchNothingQuery());
        continue;
      }
      any.emplace_back(Xapian::Query::OP_VALUE_RANGE, *slot,
                       Xapian::sortable_serialise(range.start),
                       Xapian::sortable_serialise(InclusiveEnd(range)));
    }
  }
  if (any.empty()) return std::nullopt;
  return Weightless(Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end()));
}

FacetCounter::FacetCounter(const std::vector<const FacetRequest*>& facets,
                           const FieldSlots& slots) {
  for (const FacetRequest* facet : facets) {
    Tally tally;
    tally.request = facet;
    if (IsRangeFacet(*facet)) {
      tally.slot = NumberSlot(facet->field, slots);
      tally.range_counts.assign(facet->ranges.size(), 0);
    } else {
      specific_by_field_[facet->field].push_back(tallies_.size());
    }
    tallies_.push_back(std::move(tally));
  }
}

void FacetCounter::operator()(const Xapian::Document& document, double /*weight*/) {
  if (!specific_by_field_.empty()) {
    const std::string encoded = document.get_value(kFacetSlot);
    ForEachFacetValue(encoded, [&](std::string_view field, std::string_view value) {
      auto counters = specific_by_field_.find(field);
      if (counters == specific_by_field_.end()) return;
      for (size_t i : counters->second) {
        Tally& tally = tallies_[i];
        auto known = tally.by_spelling.find(value);
        if (known == tally.by_spelling.end()) {
          // Unordered maps keep their elements in place, so the pointer stays valid.
          auto [entry, added] =
              tally.values.try_emplace(FoldFieldValue(value), std::string(value), 0);
          known = tally.by_spelling.emplace(std::string(value), &entry->second).first;
        }
        ++known->second->second;
      }
    });
  }
  for (Tally& tally : tallies_) {
    if (!tally.slot) continue;
    const std::string key = document.get_value(*tally.slot);
    if (key.empty()) continue;
    const double number = Xapian::sortable_unserialise(key);
    const auto& ranges = tally.request->ranges;
    if (ranges.empty()) {
      tally.numbers.push_back(number);
      continue;
    }
    for (size_t r = 0; r < ranges.size(); ++r) {
      if (InRange(number, ranges[r])) ++tally.range_counts[r];
    }
  }
}

FacetResult FacetCounter::Result(size_t i) const {
  const Tally& tally = tallies_.at(i);
  FacetResult result = IsRangeFacet(*tally.request) ? RangeResult(tally) : SpecificResult(tally);
  result.id = tally.request->id;
  result.field = tally.request->field;
  return result;
}

FacetResult FacetCounter::SpecificResult(const Tally& tally) const {
  const FacetRequest& request = *tally.request;
  std::unordered_set<std::string> selected;
  for (const std::string& value : request.selected) selected.insert(FoldFieldValue(value));
  std::unordered_set<std::string> excluded;
  for (const std::string& value : request.excluded) excluded.insert(FoldFieldValue(value));
  std::unordered_set<std::string> allowed;
  for (const std::string& value : request.allowed_values) allowed.insert(FoldFieldValue(value));

  std::vector<FacetValue> values;
  for (const auto& [folded, spelling_and_count] : tally.values) {
    if (!allowed.empty() && !allowed.contains(folded)) continue;
    FacetValue value = SpecificValue(spelling_and_count.first, spelling_and_count.second,
                                     selected.contains(folded));
    value.excluded = excluded.contains(folded);
    values.push_back(std::move(value));
  }
  // A selected or excluded value no counted item has still shows, so that it can be cleared.
  for (const std::string& value : request.selected) {
    if (!tally.values.contains(FoldFieldValue(value))) {
      values.push_back(SpecificValue(value, 0, true));
    }
  }
  for (const std::string& value : request.excluded) {
    if (!tally.values.contains(FoldFieldValue(value))) {
      FacetValue cleared = SpecificValue(value, 0, false);
      cleared.excluded = true;
      values.push_back(std::move(cleared));
    }
  }
  auto alphabetical = [](const FacetValue& a, const FacetValue& b) { return a.value < b.value; };
  switch (request.order) {
    case FacetRequest::Order::kAlphaAscending:
      std::sort(values.begin(), values.end(), alphabetical);
      break;
    case FacetRequest::Order::kAlphaDescending:
      std::sort(values.begin(), values.end(),
                [&](const FacetValue& a, const FacetValue& b) { return alphabetical(b, a); });
      break;
    case FacetRequest::Order::kCount:
      std::sort(values.begin(), values.end(), [&](const FacetValue& a, const FacetValue& b) {
        return a.count != b.count ? a.count > b.count : alphabetical(a, b);
      });
      break;
  }
  FacetResult result;
  if (values.size() > request.number_of_values) {
    result.more_values_available = true;
    // Keep the first number_of_values, plus every selected or excluded value beyond them.
    std::vector<FacetValue> kept(values.begin(), values.begin() + request.number_of_values);
    for (size_t v = request.number_of_values; v < values.size(); ++v) {
      if (values[v].selected || values[v].excluded) kept.push_back(values[v]);
    }
    values = std::move(kept);
  }
  result.values = std::move(values);
  return result;
}

FacetResult FacetCounter::RangeResult(const Tally& tally) const {
  const FacetRequest& request = *tally.request;
  FacetResult result;
  if (!request.ranges.empty()) {
    for (size_t r = 0; r < request.ranges.size(); ++r) {
      result.values.push_back(RangeValue(request.ranges[r], tally.range_counts[r]));
    }
    return result;
  }
  if (tally.numbers.empty()) return result;
  const auto [min, max] = std::minmax_element(tally.numbers.begin(), tally.numbers.end());
  double low = *min;
  double high = *max;
  const uint32_t count = std::clamp<uint32_t>(request.number_of_values, 1, kMaxAutomaticRanges);
  double width = (high - low) / count;
  if (request.type == FacetRequest::Type::kDateRange) {
    // Coveo writes dates to the second; edges on whole seconds survive the round trip when a
    // client sends a range back as its selection.
    constexpr double kSecond = 1000;
    low = std::floor(low / kSecond) * kSecond;
    high = std::ceil(high / kSecond) * kSecond;
    width = std::ceil((high - low) / count / kSecond) * kSecond;
  }
  if (width <= 0) {
    result.values.push_back(RangeValue(MakeRange(low, high, true), tally.numbers.size()));
    return result;
  }
  std::vector<uint64_t> counts(count, 0);
  for (double number : tally.numbers) {
    const auto bucket = static_cast<size_t>((number - low) / width);
    ++counts[std::min<size_t>(bucket, count - 1)];
  }
  for (uint32_t b = 0; b < count; ++b) {
    const bool last = b + 1 == count;
    const double end = low + width * (b + 1);
    const FacetRequest::Range range = MakeRange(low + width * b, last ? std::max(high, end) : end,
                                                /*end_inclusive=*/last);
    if (counts[b] > 0) result.values.push_back(RangeValue(range, counts[b]));
  }
  return result;
}

}  // namespace sluice::index
