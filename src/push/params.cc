#include "push/params.h"

#include <strings.h>

#include <charconv>
#include <string>

#include "push/errors.h"

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

std::variant<uint64_t, http::Response> RequiredOrderingId(const http::Request& request) {
  auto ordering_id = ParseOrderingId(request);
  if (!ordering_id.ok()) {
    return CoveoError(412, "INVALID_PARAMETER", ordering_id.status().message());
  }
  if (!*ordering_id) {
    return CoveoError(412, "MISSING_PARAMETER", "Parameter 'orderingId' is missing.");
  }
  return **ordering_id;
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

base::Result<uint32_t> ParseCountParameter(std::string_view name, std::string_view raw,
                                           uint32_t min, uint32_t max) {
  uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (raw.empty() || ec != std::errc() || ptr != raw.data() + raw.size() || value < min ||
      value > max) {
    return base::InvalidArgument("Parameter '" + std::string(name) +
                                 "' must be an integer within " + std::to_string(min) + ".." +
                                 std::to_string(max) + " (got '" + std::string(raw) + "').");
  }
  return value;
}

base::Result<Page> ParsePage(const http::Request& request, uint32_t default_per_page,
                             uint32_t max_per_page) {
  Page out{0, default_per_page};
  if (auto raw = request.Query("page")) {
    SLUICE_ASSIGN_OR_RETURN(out.page, ParseCountParameter("page", *raw, 0, UINT32_MAX));
  }
  if (auto raw = request.Query("perPage")) {
    SLUICE_ASSIGN_OR_RETURN(out.per_page, ParseCountParameter("perPage", *raw, 1, max_per_page));
  }
  return out;
}

bool IsJsonContentType(std::optional<std::string_view> content_type) {
  if (!content_type) return true;  // absent: judge by the body
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v.size() == 16 && ::strncasecmp(v.data(), "application/json", 16) == 0;
}

}  // namespace sluice::push
