#include "telemetry/logger.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/ascii.h"
#include "base/utf8.h"

namespace sluice::telemetry {
namespace {

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int, though a year has four digits
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// A JSON string literal. Control characters are escaped; bytes that are not valid UTF-8 are
// written as U+FFFD, so that every line stays valid JSON whatever a client sent.
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      const size_t length = base::Utf8SequenceLength(s.substr(i));
      if (length == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
    }
  }
  out += '"';
}

void AppendNumber(std::string& out, const std::variant<std::string_view, int64_t, double>& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    out += std::to_string(*i);
    return;
  }
  const double d = std::get<double>(v);
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", d);
  out += text;
}

// key=value, the value quoted when it holds a space, a quote or nothing.
void AppendTextField(std::string& out, const LogField& field) {
  out += ' ';
  out.append(field.key);
  out += '=';
  const auto* s = std::get_if<std::string_view>(&field.value);
  if (s == nullptr) {
    AppendNumber(out, field.value);
    return;
  }
  if (!s->empty() && s->find_first_of(" \"\t\n\r") == std::string_view::npos) {
    out.append(*s);
    return;
  }
  AppendJsonString(out, *s);
}

}  // namespace

std::string Logger::Format(LogLevel level, std::string_view message,
                           std::initializer_list<LogField> fields) const {
  std::string line;
  line.reserve(256);
  if (format_ == LogFormat::kText) {
    line += Timestamp();
    line += ' ';
    for (char c : LevelName(level)) line += static_cast<char>(c - 'a' + 'A');
    line += ' ';
    line.append(message);
    for (const LogField& field : fields) AppendTextField(line, field);
  } else {
    line += R"({"time":")";
    line += Timestamp();
    line += R"(","level":")";
    line.append(LevelName(level));
    line += R"(","msg":)";
    AppendJsonString(line, message);
    for (const LogField& field : fields) {
      line += ',';
      AppendJsonString(line, field.key);
      line += ':';
      if (const auto* s = std::get_if<std::string_view>(&field.value)) {
        AppendJsonString(line, *s);
      } else {
        AppendNumber(line, field.value);
      }
    }
    line += '}';
  }
  line += '\n';
  return line;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  const std::string line = Format(level, message, fields);
  std::lock_guard lock(mu_);
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed stdout loses the line, never the server
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

std::string RedactQuery(std::string_view query) {
  static constexpr std::string_view kSecret[] = {"x-amz-signature", "x-amz-credential",
                                                 "x-amz-security-token", "access_token"};
  std::string out;
  out.reserve(query.size());
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!out.empty()) out += '&';
    const std::string_view name = pair.substr(0, pair.find('='));
    bool secret = false;
    for (std::string_view s : kSecret) secret = secret || base::EqualsIgnoreAsciiCase(name, s);
    if (secret) {
      out.append(name).append("=REDACTED");
    } else {
      out.append(pair);
    }
  }
  return out;
}

}  // namespace sluice::telemetry
