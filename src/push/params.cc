#include "push/params.h"

#include <strings.h>

#include <charconv>
#include <string>

namespace sluice::push {

base::Result<std::optional<uint64_t>> ParseOrderingId(const http::Request& request) {
  auto raw = request.Query("orderingId");
  if (!raw) return std::optional<uint64_t>();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (raw->empty() || ec != std::errc() || ptr != raw->data() + raw->size()) {
    return base::InvalidArgument(
        "Parameter 'orderingId' must be an unsigned 64-bit integer (got '" + *raw + "').");
  }
  return std::optional<uint64_t>(value);
}

base::Result<int64_t> ParseQueueDelayMinutes(const http::Request& request) {
  int64_t minutes = 15;  // Coveo's default grace period
  auto raw = request.Query("queueDelay");
  if (!raw) return minutes;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), minutes);
  if (raw->empty() || ec != std::errc() || ptr != raw->data() + raw->size() || minutes < 0 ||
      minutes > int64_t{7} * 24 * 60) {
    return base::InvalidArgument(
        "Parameter 'queueDelay' must be a number of minutes within 0..10080 (got '" + *raw + "').");
  }
  return minutes;
}

bool IsJsonContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return true;  // absent: judge by the body
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v.size() == 16 && ::strncasecmp(v.data(), "application/json", 16) == 0;
}

}  // namespace sluice::push
