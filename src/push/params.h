// Query parameters and headers the Push and Platform API endpoints share, parsed
// with the Coveo error a client can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "base/status.h"
#include "http/message.h"

namespace sluice::push {

// ?orderingId=: an unsigned 64-bit integer, or nullopt when absent.
base::Result<std::optional<uint64_t>> ParseOrderingId(const http::Request& request);

// ?orderingId= where the call needs one (the olderthan calls): the value, or the 412
// (MISSING_PARAMETER or INVALID_PARAMETER) to send.
std::variant<uint64_t, http::Response> RequiredOrderingId(const http::Request& request);

// ?queueDelay= in minutes (0..10080), Coveo's default of 15 when absent.
base::Result<int64_t> ParseQueueDelayMinutes(const http::Request& request);

// A whole decimal number within min..max; the message names the parameter and the value.
base::Result<uint32_t> ParseCountParameter(std::string_view name, std::string_view raw,
                                           uint32_t min, uint32_t max);

// ?page= (from 0) and ?perPage= (1..max_per_page) of a paged listing.
struct Page {
  uint32_t page = 0;
  uint32_t per_page = 100;
};
base::Result<Page> ParsePage(const http::Request& request, uint32_t default_per_page,
                             uint32_t max_per_page);

// True when Content-Type is absent or application/json (any parameters).
bool IsJsonContentType(std::optional<std::string_view> content_type);

}  // namespace sluice::push
