// Logger: the server's own lines (requests, start, stop, trouble), one line per event on one
// file descriptor (stdout), written whole with a single write(2) so lines from many threads
// never interleave. JSON lines by default, for journald, containers and log shippers; text
// for people. Callers pass only what may be logged: never an API key, a signature or an item's
// content.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::telemetry {

enum class LogFormat { kJson, kText };
enum class LogLevel { kInfo, kWarning, kError };

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t, double> value;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
};

class Logger {
 public:
  explicit Logger(LogFormat format, int fd = 1) : format_(format), fd_(fd) {}

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);
  void Info(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kInfo, message, fields);
  }
  void Warning(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kWarning, message, fields);
  }
  void Error(std::string_view message, std::initializer_list<LogField> fields = {}) {
    Log(LogLevel::kError, message, fields);
  }

  // The line Log writes, without writing it.
  std::string Format(LogLevel level, std::string_view message,
                     std::initializer_list<LogField> fields) const;

 private:
  LogFormat format_;
  int fd_;
  std::mutex mu_;  // one writer at a time, so that a short write is finished before the next
};

// The query string with the values of credentials and signatures replaced by "REDACTED"
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, access_token), for access lines.
std::string RedactQuery(std::string_view query);

}  // namespace sluice::telemetry
