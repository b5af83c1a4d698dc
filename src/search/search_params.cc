#include "search/search_params.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <optional>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "base/ascii.h"
#include "document/json_body.h"
#include "index/field_schema.h"
#include "index/field_value.h"
#include "search/json_fields.h"

namespace sluice::search {
namespace {

namespace json = boost::json;

constexpr uint32_t kMaxExcerptLength = 10000;
constexpr uint32_t kMaxFacetValues = 1000;
constexpr uint32_t kDefaultFacetValues = 8;
constexpr uint32_t kDefaultGroupByValues = 10;

// The parameters that may come on the query string or in a form body, as Coveo spells them.
constexpr std::string_view kParameterNames[] = {"q",
                                                "aq",
                                                "cq",
                                                "lq",
                                                "dq",
                                                "numberOfResults",
                                                "firstResult",
                                                "excerptLength",
                                                "sortCriteria",
                                                "fieldsToInclude",
                                                "fieldsToExclude",
                                                "facets",
                                                "groupBy",
                                                "enableQuerySyntax",
                                                "organizationId"};

// "a=1&b=2" into `out` (keys folded), without overwriting keys already there.
base::Status ReadFormBody(std::string_view body, json::object& out) {
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    auto key = http::PercentDecode(pair.substr(0, equals), /*plus_is_space=*/true);
    auto value = http::PercentDecode(
        equals == std::string_view::npos ? "" : pair.substr(equals + 1), /*plus_is_space=*/true);
    if (!key.ok() || !value.ok()) {
      return base::InvalidArgument("the form body has a malformed percent escape");
    }
    out.emplace(base::AsciiLower(*key), *value);
  }
  return base::Status::Ok();
}

// Reads parameters whose values are JSON (facets, groupBy, lists) when they came as text.
class Params {
 public:
  explicit Params(json::object values) : values_(std::move(values)) {}

  const json::value* Find(std::string_view name) const {
    auto it = values_.find(base::AsciiLower(name));
    return it == values_.end() || it->value().is_null() ? nullptr : &it->value();
  }

  std::string Text(std::string_view name) const {
    const json::value* v = Find(name);
    if (v == nullptr) return "";
    return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
  }

  // A whole number up to `max` (larger ones are cut to it); `fallback` when absent.
  base::Result<uint32_t> Count(std::string_view name, uint32_t fallback, uint32_t max) const {
    const json::value* v = Find(name);
    if (v == nullptr) return fallback;
    int64_t number = -1;
    if (v->is_int64()) {
      number = v->as_int64();
    } else if (v->is_uint64()) {
      number = static_cast<int64_t>(std::min<uint64_t>(v->as_uint64(), max));
    } else if (v->is_double() && v->as_double() == std::trunc(v->as_double())) {
      number = static_cast<int64_t>(std::min<double>(v->as_double(), max));
    } else if (v->is_string()) {
      const std::string_view text = v->as_string();
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec == std::errc::result_out_of_range) number = max;
      if (ec == std::errc::invalid_argument || end != text.data() + text.size()) number = -1;
    }
    if (number < 0) {
      return base::InvalidArgument("'" + std::string(name) + "' must be a whole number (0 to " +
                                   std::to_string(max) + ")");
    }
    return static_cast<uint32_t>(std::min<int64_t>(number, max));
  }

  base::Result<bool> Flag(std::string_view name, bool fallback) const {
    const json::value* v = Find(name);
    if (v == nullptr) return fallback;
    if (v->is_bool()) return v->as_bool();
    if (v->is_string() && (base::AsciiLower(v->as_string()) == "true" ||
                           base::AsciiLower(v->as_string()) == "false")) {
      return base::AsciiLower(v->as_string()) == "true";
    }
    return base::InvalidArgument("'" + std::string(name) + "' must be true or false");
  }

  // A JSON parameter, parsed when it came as text; nullopt when absent.
  base::Result<std::optional<json::value>> Json(std::string_view name) const {
    const json::value* v = Find(name);
    if (v == nullptr) return std::optional<json::value>();
    if (!v->is_string()) return std::optional<json::value>(*v);
    auto parsed = document::ParseCaseInsensitiveJson(v->as_string());
    if (!parsed.ok()) {
      return base::InvalidArgument("'" + std::string(name) +
                                   "' is not valid JSON: " + parsed.status().message());
    }
    return std::optional<json::value>(std::move(parsed).value());
  }

  // Field names from a JSON array or a comma-separated text; lower case, without "@".
  base::Result<std::vector<std::string>> FieldNames(std::string_view name) const {
    std::vector<std::string> names;
    const json::value* v = Find(name);
    if (v == nullptr) return names;
    std::vector<std::string> raw;
    if (v->is_string() && !v->as_string().empty() && v->as_string().front() != '[') {
      std::string_view text = v->as_string();
      for (size_t start = 0; start <= text.size();) {
        const size_t comma = std::min(text.find(',', start), text.size());
        raw.emplace_back(text.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(std::optional<json::value> list, Json(name));
      if (!list->is_array()) {
        return base::InvalidArgument("'" + std::string(name) + "' must be an array of field names");
      }
      for (const json::value& entry : list->as_array()) {
        if (!entry.is_string()) {
          return base::InvalidArgument("'" + std::string(name) + "' must hold strings");
        }
        raw.emplace_back(entry.as_string());
      }
    }
    for (std::string& field : raw) {
      std::string lower = base::AsciiLower(field);
      const size_t first = lower.find_first_not_of(" @");
      if (first == std::string::npos) continue;
      lower = lower.substr(first, lower.find_last_not_of(' ') - first + 1);
      names.push_back(std::move(lower));
    }
    return names;
  }

 private:
  json::object values_;
};

// "@Author" -> "author"; InvalidArgument naming `where` unless it is a field name.
base::Result<std::string> FieldOf(const json::object& o, const std::string& where) {
  std::string field = base::AsciiLower(StringMember(o, "field"));
  if (!field.empty() && field.front() == '@') field.erase(0, 1);
  if (!index::IsFieldName(field)) {
    return base::InvalidArgument(where + ".field must be a field name such as \"author\"");
  }
  return field;
}

base::Result<uint32_t> CountMember(const json::object& o, std::string_view key, uint32_t fallback,
                                   const std::string& where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int64() && v->as_int64() >= 0) {
    return static_cast<uint32_t>(std::min<int64_t>(v->as_int64(), kMaxFacetValues));
  }
  return base::InvalidArgument(where + "." + std::string(key) + " must be a whole number");
}

// A range bound: a number, or for date facets also a date in any form Sluice reads.
base::Result<double> RangeBound(const json::value* v, bool date, const std::string& where) {
  if (v != nullptr && (v->is_int64() || v->is_uint64() || v->is_double())) {
    return v->to_number<double>();
  }
  if (v != nullptr && v->is_string()) {
    const std::string_view text = v->as_string();
    std::optional<double> number =
        date ? (index::ParseDateMs(text) ? std::optional<double>(*index::ParseDateMs(text))
                                         : std::nullopt)
             : index::ParseDecimal(text);
    if (number) return *number;
  }
  return base::InvalidArgument(
      where + (date ? " must be a date (\"2026/01/31@00:00:00\")" : " must be a number"));
}

index::FacetRequest::Order OrderOf(std::string_view criteria) {
  const std::string lower = base::AsciiLower(criteria);
  if (lower == "alphanumeric" || lower == "alphaascending" || lower == "alphanumericascending") {
    return index::FacetRequest::Order::kAlphaAscending;
  }
  if (lower == "alphadescending" || lower == "alphanumericdescending") {
    return index::FacetRequest::Order::kAlphaDescending;
  }
  return index::FacetRequest::Order::kCount;  // automatic, score, occurrences, ...
}

// One facets[] entry as Coveo Headless sends it.
base::Result<index::FacetRequest> ReadFacet(const json::value& v, const std::string& where) {
  if (!v.is_object()) return base::InvalidArgument(where + " must be an object");
  const json::object& o = v.as_object();
  index::FacetRequest facet;
  SLUICE_ASSIGN_OR_RETURN(facet.field, FieldOf(o, where));
  facet.id = StringMember(o, "facetid");
  if (facet.id.empty()) facet.id = facet.field;
  const std::string type = base::AsciiLower(StringMember(o, "type"));
  if (type == "daterange") {
    facet.type = index::FacetRequest::Type::kDateRange;
  } else if (type == "numericalrange") {
    facet.type = index::FacetRequest::Type::kNumericRange;
  } else if (!type.empty() && type != "specific" && type != "hierarchical") {
    return base::InvalidArgument(where + ".type \"" + type +
                                 "\" is not one of specific, dateRange, numericalRange");
  }
  SLUICE_ASSIGN_OR_RETURN(facet.number_of_values,
                          CountMember(o, "numberofvalues", kDefaultFacetValues, where));
  facet.order = OrderOf(StringMember(o, "sortcriteria"));
  const json::value* current = o.if_contains("currentvalues");
  if (current == nullptr || current->is_null()) return facet;
  if (!current->is_array()) return base::InvalidArgument(where + ".currentValues must be an array");
  const bool date = facet.type == index::FacetRequest::Type::kDateRange;
  for (size_t i = 0; i < current->as_array().size(); ++i) {
    const std::string at = where + ".currentValues[" + std::to_string(i) + "]";
    const json::value& entry = current->as_array()[i];
    if (!entry.is_object()) return base::InvalidArgument(at + " must be an object");
    const json::object& value = entry.as_object();
    const std::string state = base::AsciiLower(StringMember(value, "state"));
    const bool selected = state == "selected";
    if (facet.type == index::FacetRequest::Type::kSpecific) {
      if (selected) facet.selected.push_back(StringMember(value, "value"));
      if (state == "excluded") facet.excluded.push_back(StringMember(value, "value"));
      continue;
    }
    index::FacetRequest::Range range;
    SLUICE_ASSIGN_OR_RETURN(range.start,
                            RangeBound(value.if_contains("start"), date, at + ".start"));
    SLUICE_ASSIGN_OR_RETURN(range.end, RangeBound(value.if_contains("end"), date, at + ".end"));
    const json::value* inclusive = value.if_contains("endinclusive");
    range.end_inclusive = inclusive != nullptr && inclusive->is_bool() && inclusive->as_bool();
    range.selected = selected;
    facet.ranges.push_back(range);
  }
  return facet;
}

// One groupBy[] entry: {field: "@filetype", maximumNumberOfValues, sortCriteria, allowedValues,
// rangeValues: [{from, to, endInclusive}]}.
base::Result<index::FacetRequest> ReadGroupBy(const json::value& v, const std::string& where) {
  if (!v.is_object()) return base::InvalidArgument(where + " must be an object");
  const json::object& o = v.as_object();
  index::FacetRequest facet;
  SLUICE_ASSIGN_OR_RETURN(facet.field, FieldOf(o, where));
  facet.id = facet.field;
  SLUICE_ASSIGN_OR_RETURN(facet.number_of_values,
                          CountMember(o, "maximumnumberofvalues", kDefaultGroupByValues, where));
  facet.order = OrderOf(StringMember(o, "sortcriteria"));
  if (const json::value* allowed = o.if_contains("allowedvalues");
      allowed != nullptr && allowed->is_array()) {
    for (const json::value& value : allowed->as_array()) {
      if (value.is_string()) facet.allowed_values.emplace_back(value.as_string());
    }
  }
  if (const json::value* ranges = o.if_contains("rangevalues");
      ranges != nullptr && ranges->is_array() && !ranges->as_array().empty()) {
    facet.type = index::FacetRequest::Type::kNumericRange;
    for (size_t i = 0; i < ranges->as_array().size(); ++i) {
      const std::string at = where + ".rangeValues[" + std::to_string(i) + "]";
      const json::value& entry = ranges->as_array()[i];
      if (!entry.is_object()) return base::InvalidArgument(at + " must be an object");
      const json::object& range_json = entry.as_object();
      index::FacetRequest::Range range;
      SLUICE_ASSIGN_OR_RETURN(range.start,
                              RangeBound(range_json.if_contains("from"), false, at + ".from"));
      SLUICE_ASSIGN_OR_RETURN(range.end,
                              RangeBound(range_json.if_contains("to"), false, at + ".to"));
      const json::value* inclusive = range_json.if_contains("endinclusive");
      range.end_inclusive = inclusive != nullptr && inclusive->is_bool() && inclusive->as_bool();
      facet.ranges.push_back(range);
    }
  }
  return facet;
}

template <typename ReadOne>
base::Status ReadList(const Params& params, std::string_view name, ReadOne&& read_one,
                      std::vector<index::FacetRequest>* out) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<json::value> list, params.Json(name));
  if (!list) return base::Status::Ok();
  if (!list->is_array())
    return base::InvalidArgument("'" + std::string(name) + "' must be an array");
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(
        index::FacetRequest facet,
        read_one(list->as_array()[i], std::string(name) + "[" + std::to_string(i) + "]"));
    out->push_back(std::move(facet));
  }
  return base::Status::Ok();
}

base::Result<json::object> CollectParameters(const http::Request& request) {
  json::object values;
  const std::string content_type = base::AsciiLower(request.Header("Content-Type").value_or(""));
  if (content_type.starts_with("application/x-www-form-urlencoded")) {
    SLUICE_RETURN_IF_ERROR(ReadFormBody(request.body, values));
  } else if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto parsed = document::ParseCaseInsensitiveJson(request.body);
    if (!parsed.ok())
      return base::InvalidArgument("the body is not JSON: " + parsed.status().message());
    if (!parsed->is_object()) return base::InvalidArgument("the body must be a JSON object");
    values = std::move(parsed->as_object());
  }
  for (std::string_view name : kParameterNames) {
    if (values.contains(base::AsciiLower(name))) continue;
    if (std::optional<std::string> value = request.Query(name))
      values.emplace(base::AsciiLower(name), *value);
  }
  return values;
}

}  // namespace

base::Result<SearchParams> ReadSearchParams(const http::Request& request) {
  SLUICE_ASSIGN_OR_RETURN(json::object values, CollectParameters(request));
  const Params params(std::move(values));
  SearchParams out;
  index::SearchRequest& query = out.request;
  query.q = params.Text("q");
  query.aq = params.Text("aq");
  query.cq = params.Text("cq");
  query.lq = params.Text("lq");
  query.dq = params.Text("dq");
  SLUICE_ASSIGN_OR_RETURN(query.enable_query_syntax, params.Flag("enableQuerySyntax", true));
  SLUICE_ASSIGN_OR_RETURN(query.first_result, params.Count("firstResult", 0, kMaxFirstResult));
  SLUICE_ASSIGN_OR_RETURN(query.number_of_results,
                          params.Count("numberOfResults", 10, kMaxNumberOfResults));
  SLUICE_ASSIGN_OR_RETURN(query.excerpt_length,
                          params.Count("excerptLength", 200, kMaxExcerptLength));
  query.sort = index::ParseSortCriteria(params.Text("sortCriteria"));
  SLUICE_ASSIGN_OR_RETURN(out.fields_to_include, params.FieldNames("fieldsToInclude"));
  SLUICE_ASSIGN_OR_RETURN(out.fields_to_exclude, params.FieldNames("fieldsToExclude"));
  SLUICE_RETURN_IF_ERROR(ReadList(params, "facets", ReadFacet, &query.facets));
  out.facet_count = query.facets.size();
  SLUICE_RETURN_IF_ERROR(ReadList(params, "groupBy", ReadGroupBy, &query.facets));
  out.organization_id = params.Text("organizationId");
  return out;
}

base::Result<SuggestParams> ReadSuggestParams(const http::Request& request) {
  constexpr uint32_t kMaxSuggestions = 100;
  SLUICE_ASSIGN_OR_RETURN(json::object values, CollectParameters(request));
  const Params params(std::move(values));
  SuggestParams out;
  out.request.text = params.Text("q");
  SLUICE_ASSIGN_OR_RETURN(out.request.count, params.Count("count", 5, kMaxSuggestions));
  out.organization_id = params.Text("organizationId");
  return out;
}

std::string FormatCoveoDate(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  if (epoch_ms < 0 && epoch_ms % 1000 != 0) --seconds;  // floor, for dates before 1970
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buffer[32];
  const size_t n = std::strftime(buffer, sizeof buffer, "%Y/%m/%d@%H:%M:%S", &tm);
  return std::string(buffer, n);
}

}  // namespace sluice::search
