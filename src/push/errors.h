// Wire-format errors: the Coveo JSON shape for the Push and Platform APIs, and
// S3's XML for the upload endpoint.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace sluice::push {

// {"statusCode": 412, "errorCode": "SOURCE_DOES_NOT_EXIST", "message": "..."}
http::Response CoveoError(int status, std::string_view error_code, std::string_view message);

// <Error><Code>AccessDenied</Code><Message>...</Message><Resource>...</Resource>...</Error>
http::Response S3Error(int status, std::string_view code, std::string_view message,
                       std::string_view resource, std::string_view request_id);

// The Coveo error for a failure the server itself detected (bad framing, body too large).
http::Response ServerError(int status, std::string_view message);

// How long a client should wait before retrying while the disk is full.
inline constexpr int kStorageFullRetrySeconds = 30;

// Maps an internal failure to the closest Coveo error (400/412/413/429/500/503);
// a full disk is 503 with Retry-After.
http::Response FromStatus(const base::Status& status);

}  // namespace sluice::push
