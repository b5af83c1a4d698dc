// Small pieces shared by the search module's handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "index/document.h"

namespace sluice::search {

// A count parameter: `fallback` when absent or not a number, at most `max`.
uint32_t ParseCount(const std::optional<std::string>& raw, uint32_t fallback, uint32_t max);

// The string at `key`, or "" when it is absent or not a string.
std::string StringMember(const boost::json::object& o, std::string_view key);

// Metadata as JSON: one value as itself, several as an array.
boost::json::object MetadataObject(const index::Metadata& metadata);

}  // namespace sluice::search
