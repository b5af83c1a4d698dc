#include "push/errors.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sluice::push {
namespace {

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

http::Response CoveoError(int status, std::string_view error_code, std::string_view message) {
  boost::json::object body;
  body["statusCode"] = status;
  body["errorCode"] = error_code;
  body["message"] = message;
  return http::Response::Json(status, boost::json::serialize(body));
}

http::Response S3Error(int status, std::string_view code, std::string_view message,
                       std::string_view resource, std::string_view request_id) {
  http::Response r;
  r.status = status;
  r.content_type = "application/xml";
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + XmlEscape(code) +
           "</Code><Message>" + XmlEscape(message) + "</Message><Resource>" + XmlEscape(resource) +
           "</Resource><RequestId>" + XmlEscape(request_id) + "</RequestId></Error>";
  return r;
}

http::Response ServerError(int status, std::string_view message) {
  switch (status) {
    case 400:
      return CoveoError(400, "INVALID_REQUEST", message);
    case 413:
      return CoveoError(413, "REQUEST_ENTITY_TOO_LARGE", message);
    case 431:
      return CoveoError(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", message);
    default:
      return CoveoError(status, "INTERNAL_SERVER_ERROR", message);
  }
}

http::Response FromStatus(const base::Status& status) {
  using base::StatusCode;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return CoveoError(400, "INVALID_JSON", status.message());
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
      return CoveoError(412, "INVALID_PARAMETER", status.message());
    case StatusCode::kAlreadyExists:
      return CoveoError(409, "ALREADY_EXISTS", status.message());
    case StatusCode::kPermissionDenied:
      return CoveoError(403, "ACCESS_DENIED", status.message());
    case StatusCode::kUnauthenticated:
      return CoveoError(401, "INVALID_TOKEN", status.message());
    case StatusCode::kResourceExhausted:
      return CoveoError(413, "REQUEST_ENTITY_TOO_LARGE", status.message());
    case StatusCode::kStorageFull: {
      http::Response r = CoveoError(
          503, "SERVICE_UNAVAILABLE",
          "The server's disk is full, so nothing was accepted; retry once space is freed: " +
              status.message());
      r.headers.emplace_back("Retry-After", std::to_string(kStorageFullRetrySeconds));
      return r;
    }
    case StatusCode::kUnavailable:
      return CoveoError(503, "SERVICE_UNAVAILABLE", status.message());
    case StatusCode::kOk:
    case StatusCode::kDataLoss:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      break;
  }
  return CoveoError(500, "INTERNAL_SERVER_ERROR",
                    "Failed to process request due to an internal error: " + status.message());
}

}  // namespace sluice::push
