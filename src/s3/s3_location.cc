#include "s3/s3_location.h"

#include <algorithm>

#include "base/ascii.h"
#include "blob/blob_store.h"

namespace sluice::s3 {
namespace {

// S3's rules for bucket names: 3 to 63 of [a-z0-9.-], starting and ending with a letter or digit.
bool IsValidBucketName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.size() < 3 || name.size() > 63) return false;
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

// "http://host[:port]" without path, query, user info or fragment.
base::Status CheckEndpoint(std::string_view endpoint) {
  const bool http = endpoint.starts_with("http://");
  const bool https = endpoint.starts_with("https://");
  std::string_view host = endpoint.substr(http ? 7 : https ? 8 : 0);
  if ((!http && !https) || host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) {
    return base::InvalidArgument("--blob-store endpoint '" + std::string(endpoint) +
                                 "' must be http://host[:port] or https://host[:port], no path");
  }
  return base::Status::Ok();
}

std::string_view HostOf(std::string_view origin) { return origin.substr(origin.find("://") + 3); }

}  // namespace

base::Result<S3Location> ParseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return base::InvalidArgument("--blob-store '" + std::string(url) +
                                 "' must be `local` or s3://BUCKET[/PREFIX][?endpoint=URL&region="
                                 "R&path_style=true]");
  }
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Location location;
  const size_t slash = rest.find('/');
  location.bucket = std::string(rest.substr(0, slash));
  if (!IsValidBucketName(location.bucket)) {
    return base::InvalidArgument("--blob-store bucket '" + location.bucket +
                                 "' is not a valid S3 bucket name (3-63 of a-z 0-9 . -)");
  }
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    if (!prefix.empty()) {
      if (!blob::ValidateBlobKey(prefix).ok()) {
        return base::InvalidArgument("--blob-store prefix '" + std::string(prefix) +
                                     "' must be segments of A-Z a-z 0-9 . _ - separated by '/'");
      }
      location.prefix = std::string(prefix);
    }
  }
  bool has_endpoint = false;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (name == "endpoint") {
      SLUICE_RETURN_IF_ERROR(CheckEndpoint(value));
      location.endpoint = value;
      has_endpoint = true;
    } else if (name == "region") {
      if (value.empty() || value.find_first_of("/ ") != std::string::npos) {
        return base::InvalidArgument("--blob-store region '" + value + "' is not a region name");
      }
      location.region = value;
    } else if (name == "path_style") {
      if (value != "true" && value != "false") {
        return base::InvalidArgument("--blob-store path_style must be true or false, got '" +
                                     value + "'");
      }
      location.path_style = value == "true";
    } else {
      return base::InvalidArgument("--blob-store parameter '" + std::string(name) +
                                   "' is unknown (endpoint, region and path_style are)");
    }
  }
  if (!has_endpoint) location.endpoint = "https://s3." + location.region + ".amazonaws.com";
  return location;
}

ObjectAddress AddressOf(const S3Location& location, std::string_view key) {
  std::string object_key = location.prefix.empty() ? "" : location.prefix + "/";
  object_key.append(key);
  ObjectAddress address;
  if (location.path_style) {
    address.origin = location.endpoint;
    address.path = "/" + location.bucket + "/" + object_key;
  } else {
    const size_t host_start = location.endpoint.find("://") + 3;
    address.origin = location.endpoint.substr(0, host_start) + location.bucket + "." +
                     location.endpoint.substr(host_start);
    address.path = "/" + object_key;
  }
  address.host = std::string(HostOf(address.origin));
  return address;
}

std::string DescribeS3Location(const S3Location& location) {
  std::string out = "s3://" + location.bucket;
  if (!location.prefix.empty()) out += "/" + location.prefix;
  out += "?endpoint=" + location.endpoint + "&region=" + location.region;
  out += location.path_style ? "&path_style=true" : "&path_style=false";
  return out;
}

}  // namespace sluice::s3
