#include "extract/sandbox.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "extract/pdf_extractor.h"
#include "extract/pdf_test_util.h"

namespace sluice::extract {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_util::PdfInfo;
using testing_util::ScratchDir;
using testing_util::TextPdfBuilder;

constexpr size_t kNoCap = size_t{1} << 30;
const std::filesystem::path kChild = SLUICE_EXTRACT_CHILD;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Lines 3 points apart in a 12 point font: poppler works hard to sort out text that overlaps
// like this, about 20 ms a page (9 s for 400 pages), in little memory.
std::string OverlappingLines() {
  std::string content;
  for (int line = 0; line < 200; ++line) {
    content += "BT /F1 12 Tf 72 " + std::to_string(700 - 3 * line) +
               " Td (The quick brown fox jumps over the lazy dog) Tj ET\n";
  }
  return content;
}

std::string SlowPdf(int pages) {
  const std::string content = OverlappingLines();
  TextPdfBuilder pdf;
  const int stream = pdf.AddContentStream(content);
  for (int page = 0; page < pages; ++page) pdf.AddPageWithContents(std::to_string(stream) + " 0 R");
  return pdf.Finish();
}

// One page showing the same overlapping lines `repeats` times: poppler keeps every character
// of a page until the page ends, about 3 MiB per repeat (200 repeats: 560 MiB).
std::string HungryPdf(int repeats) {
  const std::string content = OverlappingLines();
  TextPdfBuilder pdf;
  const int stream = pdf.AddContentStream(content);
  std::string contents = "[";
  for (int i = 0; i < repeats; ++i) contents += std::to_string(stream) + " 0 R ";
  pdf.AddPageWithContents(contents + "]");
  return pdf.Finish();
}

std::string DocumentPdf() {
  TextPdfBuilder pdf;
  pdf.AddPage({"alpha bravo", "charlie"});
  pdf.AddPage({"delta echo"});
  return pdf.Finish(PdfInfo{.title = "Report",
                            .author = "Zo\xc3\xab",
                            .keywords = "k1, k2",
                            .created = "D:20240301120000+02'00'"});
}

int OpenDescriptors() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

// True when this process has no child at all, not even a zombie.
bool NoChildren() { return waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD; }

class SandboxTest : public ::testing::Test {
 protected:
  base::Result<ExtractedText> InChild(std::string_view pdf, const ChildLimits& limits = {},
                                      size_t cap = kNoCap) {
    const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", pdf);
    return ExtractInChild(kChild, "pdf", fd.get(), limits, cap);
  }
  base::Result<ExtractedText> InProcess(std::string_view pdf, size_t cap = kNoCap) {
    const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", pdf);
    return internal::ExtractPdf(fd.get(), cap);
  }
  // An executable script standing in for the child.
  std::filesystem::path Script(const std::string& name, const std::string& body) {
    auto path = dir_.Write(name, "#!/bin/sh\n" + body + "\n");
    chmod(path.c_str(), 0755);
    return path;
  }

  ScratchDir dir_;
};

void ExpectSame(const base::Result<ExtractedText>& child,
                const base::Result<ExtractedText>& in_process) {
  ASSERT_EQ(child.ok(), in_process.ok()) << child.status().ToString();
  if (!child.ok()) {
    EXPECT_EQ(child.status().code(), in_process.status().code());
    EXPECT_EQ(child.status().message(), in_process.status().message());
    return;
  }
  EXPECT_EQ(child->title, in_process->title);
  EXPECT_EQ(child->body, in_process->body);
  EXPECT_EQ(child->file_type, in_process->file_type);
  EXPECT_EQ(child->truncated, in_process->truncated);
  EXPECT_EQ(child->fields, in_process->fields);
  EXPECT_EQ(child->warnings, in_process->warnings);
}

TEST_F(SandboxTest, ChildGivesWhatTheExtractorGives) {
  auto child = InChild(DocumentPdf());
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ(child->body, "alpha bravo charlie delta echo");
  EXPECT_EQ(child->title, "Report");
  EXPECT_EQ(child->file_type, "pdf");
  ExpectSame(child, InProcess(DocumentPdf()));
}

TEST_F(SandboxTest, ChildKeepsTheCapTruncationAndWarnings) {
  auto capped = InChild(DocumentPdf(), {}, 15);
  ASSERT_TRUE(capped.ok()) << capped.status().ToString();
  EXPECT_TRUE(capped->truncated);
  EXPECT_EQ(capped->body, "alpha bravo cha");  // cut where the cap falls
  ExpectSame(capped, InProcess(DocumentPdf(), 15));

  TextPdfBuilder damaged;
  damaged.AddPage({"damaged but readable"});
  const std::string bytes = damaged.Finish({}, /*xref_shift=*/5);
  auto child = InChild(bytes);
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ(child->warnings.size(), 1u);
  ExpectSame(child, InProcess(bytes));
}

TEST_F(SandboxTest, ExtractorFailuresKeepTheirCodeAndMessage) {
  const std::string garbage(3000, '\x9c');
  auto unreadable = InChild(garbage);
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_THAT(unreadable.status().message(), StartsWith("not a readable PDF: "));
  ExpectSame(unreadable, InProcess(garbage));

  auto empty = InChild("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "not a readable PDF: the file is empty");

  TextPdfBuilder pdf;
  pdf.AddPage({"secret"});
  const auto plain = dir_.Write("plain.pdf", pdf.Finish());
  const auto encrypted = dir_.path() / "encrypted.pdf";
  ASSERT_TRUE(testing_util::QpdfEncrypt(plain, encrypted, "user-secret"));
  const base::UniqueFd fd = ScratchDir::Open(encrypted);
  auto locked = ExtractInChild(kChild, "pdf", fd.get(), {}, kNoCap);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_THAT(locked.status().message(), HasSubstr("encrypted"));
}

TEST_F(SandboxTest, UnknownFormatIsRefusedByTheChild) {
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", DocumentPdf());
  auto text = ExtractInChild(kChild, "djvu", fd.get(), {}, kNoCap);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(text.status().message(), "the extraction child knows no format 'djvu'");
}

TEST_F(SandboxTest, InputOffsetDoesNotMatter) {
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", DocumentPdf());
  ASSERT_EQ(lseek(fd.get(), 0, SEEK_END), static_cast<off_t>(DocumentPdf().size()));
  auto text = ExtractInChild(kChild, "pdf", fd.get(), {}, kNoCap);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->body, "alpha bravo charlie delta echo");
}

TEST_F(SandboxTest, CpuLimitStopsTheChild) {
  const auto start = std::chrono::steady_clock::now();
  auto text = InChild(SlowPdf(400), ChildLimits{.cpu_seconds = 1, .wall_ms = 60'000});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(text.status().message(), "PDF extraction stopped: CPU limit of 1 s reached");
  EXPECT_LT(SecondsSince(start), 4.0);
}

TEST_F(SandboxTest, MemoryLimitStopsTheChild) {
  if (!kChildAddressSpaceLimited) GTEST_SKIP() << "sanitizers reserve address space: no RLIMIT_AS";
  // 128 MiB leaves the child about 60 MiB beyond its own code and libraries: plenty for an
  // ordinary PDF, not for 200 repeats of a crowded page.
  const ChildLimits limits{.memory_bytes = 128 << 20};
  auto ordinary = InChild(DocumentPdf(), limits);
  ASSERT_TRUE(ordinary.ok()) << ordinary.status().ToString();
  EXPECT_EQ(ordinary->body, "alpha bravo charlie delta echo");

  auto text = InChild(HungryPdf(200), limits);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(text.status().message(), "PDF extraction stopped: memory limit of 128 MiB reached");
}

TEST_F(SandboxTest, WallClockLimitKillsTheChild) {
  const auto start = std::chrono::steady_clock::now();
  auto text = InChild(SlowPdf(400), ChildLimits{.wall_ms = 300});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(text.status().message(), "PDF extraction stopped: time limit of 0.3 s reached");
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST_F(SandboxTest, MissingCommandFailsClearly) {
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", DocumentPdf());
  auto text = ExtractInChild(dir_.path() / "no-such-sluice", "pdf", fd.get(), {}, kNoCap);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::StatusCode::kIoError);
  EXPECT_EQ(text.status().message(), "start the extraction child " +
                                         (dir_.path() / "no-such-sluice").string() +
                                         ": No such file or directory");
}

TEST_F(SandboxTest, ChildThatMisbehavesFailsTheItemOnly) {
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", DocumentPdf());
  auto run = [&](const std::filesystem::path& command, size_t cap = kNoCap) {
    return ExtractInChild(command, "pdf", fd.get(), {}, cap);
  };
  auto crashed = run(Script("crash.sh", "ulimit -c 0; kill -SEGV $$"));
  EXPECT_EQ(crashed.status().message(), "PDF extraction stopped: crashed (signal SIGSEGV)");
  EXPECT_EQ(crashed.status().code(), base::StatusCode::kFailedPrecondition);

  auto silent = run("/bin/false");
  EXPECT_EQ(silent.status().message(),
            "PDF extraction stopped: the extraction child exited with status 1 without a result");

  auto nothing = run("/bin/true");
  EXPECT_EQ(nothing.status().message(),
            "PDF extraction stopped: the extraction child exited with status 0 without a result");

  // A whole result followed by a failing exit (as a leak checker's) still counts.
  auto late = run(Script("late.sh", "'" + kChild.string() + "' \"$@\"; exit 23"));
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->body, "alpha bravo charlie delta echo");

  auto garbage = run(Script("garbage.sh", "echo SLX1 is not enough"));
  EXPECT_EQ(garbage.status().message(),
            "PDF extraction stopped: the extraction child sent a malformed result");

  const auto start = std::chrono::steady_clock::now();
  auto flood = run(Script("flood.sh", "exec yes"), 1000);
  EXPECT_EQ(flood.status().message(),
            "PDF extraction stopped: the extraction child sent more than " +
                std::to_string(1000 + (16 << 20)) + " bytes");
  EXPECT_LT(SecondsSince(start), 10.0);
}

TEST_F(SandboxTest, NoDescriptorOrChildLeftBehind) {
  ASSERT_TRUE(NoChildren());
  const base::UniqueFd fd = dir_.WriteAndOpen("in.pdf", DocumentPdf());
  const std::string slow = SlowPdf(100);
  const base::UniqueFd slow_fd = dir_.WriteAndOpen("slow.pdf", slow);
  const int before = OpenDescriptors();
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(ExtractInChild(kChild, "pdf", fd.get(), {}, kNoCap).ok());
    EXPECT_FALSE(ExtractInChild(kChild, "pdf", slow_fd.get(), {.wall_ms = 50}, kNoCap).ok());
    EXPECT_FALSE(ExtractInChild(kChild, "nope", fd.get(), {}, kNoCap).ok());
    EXPECT_FALSE(ExtractInChild("/nonexistent/sluice", "pdf", fd.get(), {}, kNoCap).ok());
    EXPECT_FALSE(ExtractInChild("/bin/false", "pdf", fd.get(), {}, kNoCap).ok());
  }
  EXPECT_EQ(OpenDescriptors(), before);
  EXPECT_TRUE(NoChildren());
}

TEST_F(SandboxTest, ConcurrentExtractionsStayApart) {
  std::vector<base::UniqueFd> fds;
  for (int i = 0; i < 4; ++i) {
    TextPdfBuilder pdf;
    pdf.AddPage({"document number " + std::to_string(i)});
    fds.push_back(dir_.WriteAndOpen("doc" + std::to_string(i) + ".pdf", pdf.Finish()));
  }
  std::vector<std::string> bodies(fds.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < fds.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        auto text = ExtractInChild(kChild, "pdf", fds[i].get(), {}, kNoCap);
        bodies[i] = text.ok() ? text->body : text.status().ToString();
        if (!text.ok()) return;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < fds.size(); ++i) {
    EXPECT_EQ(bodies[i], "document number " + std::to_string(i));
  }
}

TEST(ExtractChildTest, RefusesAWrongCommandLine) {
  char program[] = "sluice", verb[] = "extract-child", format[] = "pdf", cpu[] = "sixty";
  char memory[] = "1000", body[] = "1000";
  char* argv[] = {program, verb, format, cpu, memory, body, nullptr};
  EXPECT_EQ(RunExtractChild(6, argv), 2);
  EXPECT_EQ(RunExtractChild(3, argv), 2);
}

}  // namespace
}  // namespace sluice::extract
