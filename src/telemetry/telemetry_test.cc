#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "telemetry/logger.h"
#include "telemetry/metrics.h"

namespace sluice::telemetry {
namespace {

namespace json = boost::json;

json::object ParseLine(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
  return v.is_object() ? v.as_object() : json::object{};
}

TEST(LoggerTest, JsonLineHoldsTimeLevelMessageAndFields) {
  Logger logger(LogFormat::kJson);
  json::object o = ParseLine(logger.Format(LogLevel::kWarning, "request",
                                           {{"status", 429}, {"path", "/a b"}, {"seconds", 0.25}}));
  EXPECT_EQ(o.at("level"), "warning");
  EXPECT_EQ(o.at("msg"), "request");
  EXPECT_EQ(o.at("status"), 429);
  EXPECT_EQ(o.at("path"), "/a b");
  EXPECT_DOUBLE_EQ(o.at("seconds").as_double(), 0.25);
  const std::string time(o.at("time").as_string());
  ASSERT_EQ(time.size(), 24u) << time;  // 2026-11-27T16:40:00.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
}

TEST(LoggerTest, JsonLineStaysValidForControlCharactersQuotesAndBrokenUtf8) {
  Logger logger(LogFormat::kJson);
  const std::string hostile = std::string("a\"b\\c\nd\x01") + "\xff\xfe" + "\xc3\xa9";
  json::object o = ParseLine(logger.Format(LogLevel::kInfo, hostile, {{"k", hostile}}));
  EXPECT_EQ(o.at("msg"), "a\"b\\c\nd\x01\xEF\xBF\xBD\xEF\xBF\xBD\xC3\xA9");
  EXPECT_EQ(o.at("k"), o.at("msg"));
}

TEST(LoggerTest, TextLineIsKeyValueWithQuotedValuesWhereNeeded) {
  Logger logger(LogFormat::kText);
  const std::string line =
      logger.Format(LogLevel::kError, "stopped", {{"reason", "disk full"}, {"code", 3}});
  EXPECT_NE(line.find(" ERROR stopped reason=\"disk full\" code=3\n"), std::string::npos) << line;
}

TEST(LoggerTest, LinesFromManyThreadsNeverInterleave) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  Logger logger(LogFormat::kJson, fds[1]);
  constexpr int kThreads = 4;
  constexpr int kLines = 200;
  std::string collected;
  std::thread reader([&] {
    char buffer[65536];
    int idle = 0;
    while (idle < 200) {
      ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n > 0) {
        collected.append(buffer, static_cast<size_t>(n));
        idle = 0;
      } else {
        ++idle;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  });
  std::vector<std::thread> writers;
  const std::string payload(300, 'x');
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) logger.Info("line", {{"thread", t}, {"payload", payload}});
    });
  }
  for (auto& w : writers) w.join();
  reader.join();
  ::close(fds[0]);
  ::close(fds[1]);
  size_t lines = 0;
  size_t start = 0;
  while (start < collected.size()) {
    size_t end = collected.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    ParseLine(collected.substr(start, end - start + 1));
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, size_t{kThreads * kLines});
}

TEST(RedactQueryTest, BlanksSignaturesAndCredentialsOnly) {
  EXPECT_EQ(RedactQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2026&"
                        "X-Amz-Signature=abcdef&documentId=x"),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&"
            "X-Amz-Signature=REDACTED&documentId=x");
  EXPECT_EQ(RedactQuery("access_token=t0k3n&q=a"), "access_token=REDACTED&q=a");
  EXPECT_EQ(RedactQuery(""), "");
  EXPECT_EQ(RedactQuery("documentId=file%3A%2F%2Fa"), "documentId=file%3A%2F%2Fa");
}

// The value of the sample `name` (with its labels, as rendered), or -1 when absent.
double Sample(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + name.size() + 1));
    at += name.size();
  }
  return -1;
}

TEST(MetricsTest, CountersMoveAndRenderInTheTextFormat) {
  Metrics metrics;
  metrics.RequestDone("/push/v1/organizations/{org}/files", "POST", 201, 0.003, 2, 300);
  metrics.RequestDone("/push/v1/organizations/{org}/files", "POST", 201, 0.004, 2, 300);
  metrics.RequestDone("", "GET", 429, 0.0001, 0, 10);
  metrics.Uploaded(1000);
  metrics.OperationsAccepted(3);
  metrics.ItemLogged("ADD", "INDEXING", "COMPLETED");
  metrics.ItemLogged("ADD", "PROCESSING", "ERROR");
  metrics.ItemLogged("ADD", "CONSUMING", "SKIPPED");
  metrics.ItemLogged("BATCH_FILE", "CONSUMING_BATCH", "ERROR");
  metrics.Decompressed(100, 1000);
  metrics.Extracted("html", 0.002);
  metrics.SetGaugeSource([] {
    Gauges g;
    g.pending_operations = 7;
    g.oldest_pending_seconds = 1.5;
    g.index_bytes = 4096;
    g.data_dir_free_bytes = 123456789;
    return g;
  });
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE sluice_http_requests_total counter"), std::string::npos);
  EXPECT_EQ(Sample(text,
                   "sluice_http_requests_total{method=\"POST\",route=\"/push/v1/"
                   "organizations/{org}/files\",status=\"201\"}"),
            2);
  EXPECT_EQ(Sample(text, "sluice_http_throttled_total{route=\"(none)\"}"), 1);
  EXPECT_EQ(Sample(text,
                   "sluice_http_request_duration_seconds_count{method=\"POST\",route=\"/"
                   "push/v1/organizations/{org}/files\"}"),
            2);
  EXPECT_EQ(Sample(text,
                   "sluice_http_request_duration_seconds_bucket{method=\"POST\",route=\"/"
                   "push/v1/organizations/{org}/files\",le=\"0.005\"}"),
            2);
  EXPECT_EQ(Sample(text, "sluice_uploaded_bytes_total"), 1000);
  EXPECT_EQ(Sample(text, "sluice_operations_accepted_total"), 3);
  EXPECT_EQ(Sample(text, "sluice_items_completed_total"), 1);
  EXPECT_EQ(Sample(text, "sluice_items_failed_total{result=\"ERROR\",stage=\"PROCESSING\"}"), 1);
  EXPECT_EQ(Sample(text, "sluice_stale_operations_skipped_total"), 1);
  EXPECT_EQ(Sample(text, "sluice_decompression_bytes_total{direction=\"out\"}"), 1000);
  EXPECT_EQ(Sample(text, "sluice_extraction_duration_seconds_count{format=\"html\"}"), 1);
  EXPECT_EQ(Sample(text, "sluice_journal_pending_operations"), 7);
  EXPECT_EQ(Sample(text, "sluice_journal_oldest_pending_age_seconds"), 1.5);
  EXPECT_EQ(Sample(text, "sluice_index_size_bytes"), 4096);
  EXPECT_EQ(Sample(text, "sluice_data_dir_free_bytes"), 123456789);
}

}  // namespace
}  // namespace sluice::telemetry
