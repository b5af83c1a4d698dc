// Query parameters and headers the Push API endpoints share, parsed with the
// Coveo error a client can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace sluice::push {

// ?orderingId=: an unsigned 64-bit integer, or nullopt when absent.
base::Result<std::optional<uint64_t>> ParseOrderingId(const http::Request& request);

// ?queueDelay= in minutes (0..10080), Coveo's default of 15 when absent.
base::Result<int64_t> ParseQueueDelayMinutes(const http::Request& request);

// True when Content-Type is absent or application/json (any parameters).
bool IsJsonContentType(std::optional<std::string_view> content_type);

}  // namespace sluice::push
