#include "search/json_fields.h"

#include <charconv>

#include <boost/json/array.hpp>

namespace sluice::search {

namespace json = boost::json;

uint32_t ParseCount(const std::optional<std::string>& raw, uint32_t fallback, uint32_t max) {
  if (!raw) return fallback;
  uint32_t v = fallback;
  std::from_chars(raw->data(), raw->data() + raw->size(), v);
  return std::min(v, max);
}

std::string StringMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

json::object MetadataObject(const index::Metadata& metadata) {
  json::object out;
  for (const auto& [name, values] : metadata) {
    if (values.size() == 1) {
      out[name] = values[0];
    } else {
      json::array a;
      for (const auto& v : values) a.emplace_back(v);
      out[name] = std::move(a);
    }
  }
  return out;
}

}  // namespace sluice::search
