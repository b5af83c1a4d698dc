#include "client/progress.h"

#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace sluice::client {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

class ManualClock final : public base::Clock {
 public:
  int64_t NowMs() const override { return now.load(); }
  std::atomic<int64_t> now{1'000'000};
};

// A FILE* whose bytes the test can read back.
class Output {
 public:
  Output() : file_(open_memstream(&buf_, &size_)) {}
  ~Output() {
    std::fclose(file_);
    std::free(buf_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::FILE* file() const { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

size_t Occurrences(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string_view::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

// The status line last drawn: between the last "\r" and the "\x1b[K" after it.
std::string LastStatus(const std::string& text) {
  size_t start = text.rfind('\r');
  if (start == std::string::npos) return "";
  size_t end = text.find("\x1b[K", start);
  return text.substr(start + 1, end - start - 1);
}

size_t Columns(std::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Str(const boost::json::value& v) { return std::string(v.as_string()); }

std::vector<boost::json::value> JsonLines(const std::string& text) {
  std::vector<boost::json::value> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    EXPECT_NE(end, std::string::npos) << "unterminated line";
    if (end == std::string::npos) break;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text.substr(pos, end - pos), ec);
    EXPECT_FALSE(ec) << text.substr(pos, end - pos);
    lines.push_back(std::move(v));
    pos = end + 1;
  }
  return lines;
}

TEST(ProgressTest, TerminalRedrawsAtMostEvery100Ms) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kTerminal, out.file(), clock, 200);
  p.AddPlanned(10, 10 * kKiB);  // the first event draws
  EXPECT_EQ(Occurrences(out.Text(), "\x1b[K"), 1u);
  for (int i = 0; i < 3; ++i) p.Pushed("a", kKiB, "inline");
  clock.now += 99;
  p.Started("b");
  EXPECT_EQ(Occurrences(out.Text(), "\x1b[K"), 1u);
  EXPECT_EQ(LastStatus(out.Text()).find("  0/10 items"), 0u) << LastStatus(out.Text());
  clock.now += 1;
  p.Pushed("b", kKiB, "inline");
  EXPECT_EQ(Occurrences(out.Text(), "\x1b[K"), 2u);
  EXPECT_EQ(LastStatus(out.Text()).find("  4/10 items  4.0 KiB/10.0 KiB"), 0u)
      << LastStatus(out.Text());
  EXPECT_EQ(out.Text().find('\n'), std::string::npos);  // redrawn in place, never scrolled
}

TEST(ProgressTest, TerminalStatusShowsCountsRateEtaAndFile) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kTerminal, out.file(), clock, 120);
  p.AddPlanned(2003, kGiB);
  p.Pushed("docs/a.bin", 256 * kMiB, "container");
  for (int i = 0; i < 1232; ++i) p.Unchanged("docs/same.txt", 0);  // skipped count as done
  p.Unchanged("docs/b.bin", 256 * kMiB);
  clock.now += 10'000;  // 512 MiB in 10 s: 51.2 MiB/s, 512 MiB left: 10 s
  p.Started("docs/big.pdf");
  EXPECT_EQ(LastStatus(out.Text()),
            "  1,234/2,003 items  512.0 MiB/1.0 GiB  51.2 MiB/s  ETA 0:10  docs/big.pdf");
}

TEST(ProgressTest, EtaBeyondAnHourShowsHours) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kTerminal, out.file(), clock, 200);
  p.AddPlanned(3, 100 * kGiB);
  clock.now += 1000;
  p.Pushed("a", kMiB, "inline");  // 102,399 MiB left at 1 MiB/s
  EXPECT_NE(LastStatus(out.Text()).find("  1.0 MiB/s  ETA 28:26:39"), std::string::npos)
      << LastStatus(out.Text());
  clock.now += 1000;
  p.AddPlanned(0, 0);
  clock.now += 1000;
  p.Pushed("b", 100 * kGiB - 1 * kMiB, "container");
  EXPECT_TRUE(LastStatus(out.Text()).ends_with("100.0 GiB/100.0 GiB  33.3 GiB/s  ETA 0:00"))
      << LastStatus(out.Text());
}

TEST(ProgressTest, StatusLineIsCutToTheWidthFromThePathsLeft) {
  ManualClock clock;
  Output out;
  const std::string path = "very/long/directory/name/that/goes/on/and/on/and/on/report-2024.pdf";
  {
    Progress p(ProgressStyle::kTerminal, out.file(), clock, 70);
    p.AddPlanned(2, 2 * kKiB);
    clock.now += 100;
    p.Started(path);
  }
  std::string line = LastStatus(out.Text());
  EXPECT_EQ(Columns(line), 69u) << line;
  EXPECT_EQ(line.find("  0/2 items  0 B/2.0 KiB"), 0u) << line;
  EXPECT_NE(line.find("  \xE2\x80\xA6"), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with("/on/report-2024.pdf")) << line;

  // Too narrow for any of the path: the counts alone, cut to the width.
  Output narrow;
  Progress p(ProgressStyle::kTerminal, narrow.file(), clock, 12);
  p.AddPlanned(2, 2 * kKiB);
  clock.now += 100;
  p.Started(path);
  EXPECT_EQ(LastStatus(narrow.Text()), "  0/2 items");
}

TEST(ProgressTest, TerminalPrintsFailuresAndRetriesAboveTheStatusLine) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kTerminal, out.file(), clock, 100);
  p.AddPlanned(2, 2 * kKiB);
  p.Started("docs/c.pdf");
  p.Failed("docs/c.pdf", "HTTP 400: bad item");
  p.Retrying("PUT docs/d.pdf", "HTTP 429", 2500);
  p.Note("waiting for 1 item to be processed");
  std::string text = out.Text();
  EXPECT_NE(text.find("\r\x1b[KFAILED  docs/c.pdf: HTTP 400: bad item\n\r  1/2 items"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\r\x1b[Kretry  PUT docs/d.pdf: HTTP 429; again in 2.5 s\n\r  1/2 items"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\r\x1b[Kwaiting for 1 item to be processed\n\r  1/2 items"),
            std::string::npos)
      << text;

  clock.now += 1000;
  p.Finish();
  text = out.Text();
  EXPECT_TRUE(
      text.ends_with("\r\x1b[Kpushed 0 items (0 B) in 1.0 s, 0 B/s; 1 retry; 1 failed:\n"
                     "  docs/c.pdf: HTTP 400: bad item\n"))
      << text;
  p.Finish();  // once only
  EXPECT_EQ(out.Text(), text);
}

TEST(ProgressTest, LinesStyleWritesALinePerEvent) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kLines, out.file(), clock);
  p.AddPlanned(4, 3 * kMiB);
  p.Started("docs/a.html");
  p.Pushed("docs/a.html", 12'595, "batch");
  p.Pushed("docs/big.bin", kMiB - 1, "container");  // 1023.999 KiB rounds into MiB
  p.Pushed("docs/tiny.txt", 512, "inline");
  p.Unchanged("docs/b.html", 100);
  p.Failed("docs/c.pdf", "HTTP 400");
  p.Retrying("PUT docs/d.pdf", "HTTP 429", 2000);
  p.Note("waiting for 3 items to be processed");
  clock.now += 12'300;
  p.Finish();
  EXPECT_EQ(out.Text(),
            "pushed  docs/a.html  12.3 KiB  batch\n"
            "pushed  docs/big.bin  1.0 MiB  container\n"
            "pushed  docs/tiny.txt  512 B  inline\n"
            "unchanged  docs/b.html\n"
            "FAILED  docs/c.pdf: HTTP 400\n"
            "retry  PUT docs/d.pdf: HTTP 429; again in 2.0 s\n"
            "waiting for 3 items to be processed\n"
            "pushed 3 items (1.0 MiB) in 12.3 s, 84.3 KiB/s; 1 unchanged; 1 retry; 1 failed:\n"
            "  docs/c.pdf: HTTP 400\n");
  EXPECT_EQ(p.pushed(), 3u);
  EXPECT_EQ(p.failed(), 1u);
}

TEST(ProgressTest, ControlCharactersInPathsCannotBreakLines) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kLines, out.file(), clock);
  p.Failed("evil\nname\x1b[31m\xff.txt", "bad\rreason");
  EXPECT_EQ(out.Text(), "FAILED  evil?name?[31m\xEF\xBF\xBD.txt: bad?reason\n");
}

TEST(ProgressTest, QuietStyleShowsOnlyFailuresAndTheSummary) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kQuiet, out.file(), clock);
  p.AddPlanned(3, 3 * kKiB);
  p.Started("docs/a.html");
  p.Pushed("docs/a.html", kKiB, "batch");
  p.Unchanged("docs/b.html", kKiB);
  p.Retrying("PUT docs/c.pdf", "HTTP 503", 1000);
  p.Note("waiting");
  p.Failed("docs/c.pdf", "too large");
  clock.now += 2000;
  p.Finish();
  EXPECT_EQ(out.Text(),
            "FAILED  docs/c.pdf: too large\n"
            "pushed 1 item (1.0 KiB) in 2.0 s, 512 B/s; 1 unchanged; 1 retry; 1 failed:\n"
            "  docs/c.pdf: too large\n");
}

TEST(ProgressTest, SummaryWithoutFailuresEndsWithoutAList) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kQuiet, out.file(), clock);
  for (int i = 0; i < 2000; ++i) p.Pushed("f", 536'870, "batch");  // ~1 GiB
  clock.now += 12'300;
  p.Finish();
  EXPECT_EQ(out.Text(), "pushed 2,000 items (1.0 GiB) in 12.3 s, 83.3 MiB/s\n");
}

TEST(ProgressTest, SummaryListsEveryFailure) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kLines, out.file(), clock);
  for (int i = 0; i < 25; ++i)
    p.Failed("docs/f" + std::to_string(i), "reason " + std::to_string(i));
  p.Finish();
  std::string text = out.Text();
  size_t summary = text.find("pushed 0 items (0 B) in 0.0 s; 25 failed:\n");
  ASSERT_NE(summary, std::string::npos) << text;
  for (int i = 0; i < 25; ++i) {
    std::string line = "\n  docs/f" + std::to_string(i) + ": reason " + std::to_string(i) + "\n";
    EXPECT_NE(text.find(line, summary), std::string::npos) << line;
  }
}

TEST(ProgressTest, JsonLinesParseAndHoldTheCounts) {
  ManualClock clock;
  Output out;
  Progress p(ProgressStyle::kJson, out.file(), clock);
  const std::string odd = "docs/\"quoted\"\t\\name\n.html";
  p.AddPlanned(4, 4 * kKiB);
  p.Started("docs/a.html");
  p.Pushed(odd, 1234, "batch");
  p.Pushed("docs/b.pdf", 5678, "container");
  p.Unchanged("docs/c.html", 10);
  p.Failed("docs/\xff.pdf", "HTTP 400: \"bad\"");
  p.Retrying("PUT x", "HTTP 429", 1500);
  p.Note("waiting");
  clock.now += 2500;
  p.Finish();

  std::vector<boost::json::value> lines = JsonLines(out.Text());
  ASSERT_EQ(lines.size(), 7u) << out.Text();
  EXPECT_EQ(lines[0].at("event"), "pushed");
  EXPECT_EQ(Str(lines[0].at("path")), odd);
  EXPECT_EQ(lines[0].at("bytes"), 1234);
  EXPECT_EQ(lines[0].at("how"), "batch");
  EXPECT_EQ(lines[2].at("event"), "unchanged");
  EXPECT_EQ(lines[2].at("path"), "docs/c.html");
  EXPECT_EQ(lines[3].at("event"), "failed");
  EXPECT_EQ(lines[3].at("path"), "docs/\xEF\xBF\xBD.pdf");  // invalid UTF-8 repaired
  EXPECT_EQ(lines[3].at("reason"), "HTTP 400: \"bad\"");
  EXPECT_EQ(lines[4].at("event"), "retry");
  EXPECT_EQ(lines[4].at("what"), "PUT x");
  EXPECT_EQ(lines[4].at("delay_ms"), 1500);
  EXPECT_EQ(lines[5].at("event"), "note");

  const boost::json::value& s = lines[6];
  EXPECT_EQ(s.at("event"), "summary");
  EXPECT_EQ(s.at("pushed"), 2);
  EXPECT_EQ(s.at("unchanged"), 1);
  EXPECT_EQ(s.at("failed"), 1);
  EXPECT_EQ(s.at("bytes"), 1234 + 5678);
  EXPECT_EQ(s.at("seconds"), 2.5);
  EXPECT_EQ(s.at("retries"), 1);
  ASSERT_EQ(s.at("failures").as_array().size(), 1u);
  EXPECT_EQ(s.at("failures").at(0).at("path"), "docs/\xEF\xBF\xBD.pdf");
  EXPECT_EQ(s.at("failures").at(0).at("reason"), "HTTP 400: \"bad\"");
}

TEST(ProgressTest, ConcurrentReportsAreCountedExactly) {
  constexpr int kThreads = 4;
  constexpr int kEvents = 1000;
  for (ProgressStyle style : {ProgressStyle::kJson, ProgressStyle::kTerminal}) {
    ManualClock clock;
    Output out;
    Progress p(style, out.file(), clock, 100);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEvents; ++i) {
          std::string path = "t" + std::to_string(t) + "/" + std::to_string(i);
          switch (i % 4) {
            case 0:
              p.Started(path);
              p.Pushed(path, 10, "batch");
              break;
            case 1:
              p.Unchanged(path, 10);
              break;
            case 2:
              p.Failed(path, "boom");
              break;
            default:
              p.Retrying(path, "HTTP 429", 100);
              clock.now += 7;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    p.Finish();
    EXPECT_EQ(p.pushed(), static_cast<uint64_t>(kThreads * kEvents / 4));
    EXPECT_EQ(p.failed(), static_cast<uint64_t>(kThreads * kEvents / 4));
    std::string text = out.Text();
    if (style == ProgressStyle::kJson) {
      std::vector<boost::json::value> lines = JsonLines(text);
      ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kEvents + 1));
      const boost::json::value& s = lines.back();
      EXPECT_EQ(s.at("pushed"), kThreads * kEvents / 4);
      EXPECT_EQ(s.at("unchanged"), kThreads * kEvents / 4);
      EXPECT_EQ(s.at("failed"), kThreads * kEvents / 4);
      EXPECT_EQ(s.at("retries"), kThreads * kEvents / 4);
      EXPECT_EQ(s.at("bytes"), 10 * kThreads * kEvents / 4);
      EXPECT_EQ(s.at("failures").as_array().size(), static_cast<size_t>(kThreads * kEvents / 4));
    } else {
      EXPECT_EQ(Occurrences(text, "FAILED  "), static_cast<size_t>(kThreads * kEvents / 4));
      EXPECT_NE(text.find("pushed 1,000 items (9.8 KiB)"), std::string::npos);
      EXPECT_NE(text.find("; 1,000 unchanged; 1,000 retries; 1,000 failed:\n"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sluice::client
