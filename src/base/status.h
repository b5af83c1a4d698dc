// Status and Result<T>: how every Sluice function reports a failure. Exceptions
// from libraries are caught in the adapter that calls them and turned into these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice::base {

// Few codes, each with one meaning; the HTTP layers map them to wire errors.
enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller sent something malformed
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // the thing exists and may not be created again
  kPermissionDenied,    // the caller is known but not allowed
  kUnauthenticated,     // the caller could not be identified
  kFailedPrecondition,  // the system is not in a state that allows it
  kResourceExhausted,   // a size, rate or count limit was reached
  kStorageFull,         // the disk has no space left: retry once space is freed
  kDataLoss,            // stored bytes are corrupt or truncated
  kIoError,             // the operating system refused a read or write
  kUnavailable,         // try again later
  kInternal,            // a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with what the caller was doing: "open blob x: No such file".
  Status WithContext(std::string_view context) const;
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status StorageFull(std::string m) { return {StatusCode::kStorageFull, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// An I/O error carrying strerror(errno) and what was being done; ENOSPC and
// EDQUOT are StorageFull, the rest IoError.
Status ErrnoError(std::string_view what, int error_number);

// A value or the Status explaining why there is none (shaped like std::expected).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const { return ok() ? OkStatus() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  static const Status& OkStatus() {
    static const Status kOk;  // NOLINT: immutable, trivially destroyed in practice
    return kOk;
  }
  std::variant<T, Status> v_;
};

}  // namespace sluice::base

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

#define SLUICE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::sluice::base::Status sluice_status_ = (expr);  \
    if (!sluice_status_.ok()) return sluice_status_; \
  } while (false)

// `tmp` and `lhs` are declarations, which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// SLUICE_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error when MakeX fails.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, expr)
