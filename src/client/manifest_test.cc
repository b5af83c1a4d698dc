#include "client/manifest.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"

namespace sluice::client {
namespace {

ManifestEntry Entry(std::string document_id, uint64_t ordering_id, uint64_t size = 100) {
  ManifestEntry e;
  e.document_id = std::move(document_id);
  e.path = "docs/" + e.document_id;
  e.size = size;
  e.mtime_ns = 1'700'000'000'123'456'789;
  e.sha256_hex = std::string(64, 'a');
  e.ordering_id = ordering_id;
  return e;
}

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("manifest_" + base::NewUuid());
    file_ = dir_ / "state" / "sluice" / "target.tsv";  // directories do not exist yet
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Manifest> OpenOrDie() {
    auto m = Manifest::Open(file_);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  std::string Text() const { return base::ReadFile(file_).value(); }
  void AppendRaw(std::string_view bytes) const {
    std::ofstream(file_, std::ios::app | std::ios::binary) << bytes;
  }
  static size_t Lines(std::string_view text) { return std::count(text.begin(), text.end(), '\n'); }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_F(ManifestTest, RecordFindSupersedeForget) {
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->path(), file_);
  EXPECT_EQ(Text(), "sluice-manifest 1\n");
  EXPECT_FALSE(m->Find("a"));

  ASSERT_TRUE(m->Record({Entry("a", 1, 10), Entry("b", 1, 20)}).ok());
  ASSERT_TRUE(m->Find("a"));
  EXPECT_EQ(m->Find("a")->size, 10u);
  EXPECT_EQ(m->Find("a")->path, "docs/a");
  EXPECT_EQ(m->Find("a")->mtime_ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(m->Find("b")->size, 20u);

  ASSERT_TRUE(m->Record({Entry("a", 2, 11)}).ok());  // a later push supersedes
  EXPECT_EQ(m->Find("a")->size, 11u);
  EXPECT_EQ(m->Find("a")->ordering_id, 2u);

  ASSERT_TRUE(m->Forget("b").ok());
  EXPECT_FALSE(m->Find("b"));
  size_t lines = Lines(Text());
  ASSERT_TRUE(m->Forget("never-recorded").ok());  // writes nothing
  EXPECT_EQ(Lines(Text()), lines);

  EXPECT_EQ(m->Record({Entry("", 1)}).code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(Lines(Text()), lines);
}

TEST_F(ManifestTest, ReopenKeepsEverything) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Record({Entry("a", 1, 10), Entry("b", 1, 20), Entry("c", 1, 30)}).ok());
    ASSERT_TRUE(m->Record({Entry("a", 2, 12)}).ok());
    ASSERT_TRUE(m->Forget("c").ok());
  }
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->Find("a"));
  EXPECT_EQ(m->Find("a")->size, 12u);
  EXPECT_EQ(m->Find("a")->ordering_id, 2u);
  EXPECT_EQ(m->Find("a")->sha256_hex, std::string(64, 'a'));
  EXPECT_EQ(m->Find("b")->size, 20u);
  EXPECT_FALSE(m->Find("c"));
}

TEST_F(ManifestTest, TornLastLineIsIgnoredAndCutOff) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Record({Entry("doc-1", 1), Entry("doc-10", 1)}).ok());
  }
  // A crash in the middle of appending "F\tdoc-10\n": completed by a later append, the
  // fragment would forget doc-1 instead.
  AppendRaw("F\tdoc-1");
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->Find("doc-1"));
    EXPECT_TRUE(m->Find("doc-10"));
    EXPECT_EQ(Text().back(), '\n');  // the fragment is gone
    ASSERT_TRUE(m->Record({Entry("doc-2", 1)}).ok());
  }
  // Half an entry line is ignored the same way.
  AppendRaw("A\t7\t100\t5\taaaa\tdoc-");
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->Find("doc-1"));
  EXPECT_TRUE(m->Find("doc-10"));
  EXPECT_TRUE(m->Find("doc-2"));
  EXPECT_FALSE(m->Find("doc-"));
}

TEST_F(ManifestTest, MalformedLinesInTheMiddleAreSkipped) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Record({Entry("a", 1)}).ok());
  }
  AppendRaw("A\tnot-a-number\t1\t1\tff\tx\tp\n");
  AppendRaw("Z\twhat\n");
  AppendRaw("A\t1\t1\t1\tff\tbad\\q\tp\n");  // unknown escape
  AppendRaw("A\t1\t2\t3\tff\tb\tdocs/b\n");
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->Find("a"));
  EXPECT_FALSE(m->Find("x"));
  EXPECT_FALSE(m->Find("bad\\q"));
  ASSERT_TRUE(m->Find("b"));
  EXPECT_EQ(m->Find("b")->mtime_ns, 3);
}

TEST_F(ManifestTest, RebuildSurvivesReopenUntilFinished) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->UnfinishedRebuild());
    ASSERT_TRUE(m->BeginRebuild(1234).ok());
    EXPECT_EQ(m->UnfinishedRebuild(), 1234u);
  }
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->UnfinishedRebuild(), 1234u);
    ASSERT_TRUE(m->FinishRebuild(999).ok());  // another rebuild's end leaves this one open
    EXPECT_EQ(m->UnfinishedRebuild(), 1234u);
    ASSERT_TRUE(m->FinishRebuild(1234).ok());
    EXPECT_FALSE(m->UnfinishedRebuild());
  }
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->UnfinishedRebuild());
}

TEST_F(ManifestTest, CompactionDropsSupersededLinesAndKeepsTheLatest) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(m->Record({Entry("a", i, 100 + i)}).ok());
    ASSERT_TRUE(m->Record({Entry("b", 5, 7), Entry("c", 5, 8)}).ok());
    ASSERT_TRUE(m->Forget("c").ok());
    ASSERT_TRUE(m->BeginRebuild(77).ok());
  }
  std::string before = Text();
  EXPECT_EQ(Lines(before), 1u + 10 + 2 + 1 + 1);
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    std::string after = Text();
    EXPECT_LT(after.size(), before.size());
    EXPECT_EQ(Lines(after), 1u + 2 + 1);  // header, a, b, the open rebuild
    EXPECT_EQ(m->Find("a")->ordering_id, 10u);
    EXPECT_EQ(m->Find("a")->size, 110u);
    EXPECT_EQ(m->Find("b")->size, 7u);
    EXPECT_FALSE(m->Find("c"));
    EXPECT_EQ(m->UnfinishedRebuild(), 77u);
    ASSERT_TRUE(m->Record({Entry("d", 11)}).ok());  // appends to the new file
  }
  EXPECT_FALSE(std::filesystem::exists(file_.string() + ".tmp"));
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->Find("a")->ordering_id, 10u);
  EXPECT_TRUE(m->Find("d"));
  EXPECT_EQ(m->UnfinishedRebuild(), 77u);
}

TEST_F(ManifestTest, NoCompactionWhileMostLinesAreLive) {
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Record({Entry("a", 1), Entry("b", 1), Entry("c", 1)}).ok());
    ASSERT_TRUE(m->Record({Entry("a", 2)}).ok());  // 1 of 4 lines superseded
  }
  std::string before = Text();
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_EQ(Text(), before);
}

TEST_F(ManifestTest, TabsNewlinesAndBackslashesRoundTrip) {
  ManifestEntry e = Entry("file:///a\tb\nc\\d\\t", 3);
  e.path = "dir\\with\ttab\nand newline\\n";
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Record({e}).ok());
    EXPECT_EQ(m->Find(e.document_id)->path, e.path);
  }
  EXPECT_EQ(Lines(Text()), 2u);  // the entry stays on one line
  EXPECT_NE(Text().find("file:///a\\tb\\nc\\\\d\\\\t"), std::string::npos);
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->Find(e.document_id));
    EXPECT_EQ(m->Find(e.document_id)->path, e.path);
    EXPECT_FALSE(m->Find("file:///a"));
    ASSERT_TRUE(m->Forget(e.document_id).ok());
  }
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->Find(e.document_id));
}

TEST_F(ManifestTest, WrongHeaderIsAnErrorNamingTheFile) {
  std::filesystem::create_directories(file_.parent_path());
  std::ofstream(file_) << "sluice-manifest 2\nA\t1\t1\t1\tff\ta\tp\n";
  auto m = Manifest::Open(file_);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find(file_.string()), std::string::npos) << m.status().ToString();
  EXPECT_EQ(Text(), "sluice-manifest 2\nA\t1\t1\t1\tff\ta\tp\n");  // left as it was

  std::ofstream(file_) << "some other file";
  EXPECT_FALSE(Manifest::Open(file_).ok());
}

TEST_F(ManifestTest, EmptyOrHalfWrittenHeaderStartsAFreshManifest) {
  std::filesystem::create_directories(file_.parent_path());
  std::ofstream(file_) << "sluice-man";
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  EXPECT_EQ(Text(), "sluice-manifest 1\n");
}

TEST_F(ManifestTest, DefaultPathUsesXdgStateHomeOrHome) {
  // printf 'https://push.example.com\nmyorg\nmysource' | sha256sum | cut -c1-16
  const std::string name = "9f5ffc7419a8f277.tsv";
  EXPECT_EQ(DefaultManifestPath("https://push.example.com", "myorg", "mysource", "/home/ann", ""),
            std::filesystem::path("/home/ann/.local/state/sluice/manifests/" + name));
  EXPECT_EQ(DefaultManifestPath("https://push.example.com", "myorg", "mysource", "/home/ann",
                                "/var/state"),
            std::filesystem::path("/var/state/sluice/manifests/" + name));
  // A relative XDG_STATE_HOME is invalid by the XDG spec and ignored.
  EXPECT_EQ(
      DefaultManifestPath("https://push.example.com", "myorg", "mysource", "/home/ann", "relative"),
      std::filesystem::path("/home/ann/.local/state/sluice/manifests/" + name));
  // Each part of the target changes the name.
  EXPECT_NE(DefaultManifestPath("https://push.example.com", "myorg", "other", "/h", ""),
            DefaultManifestPath("https://push.example.com", "myorg", "mysource", "/h", ""));
  EXPECT_NE(DefaultManifestPath("https://push.example.com", "myorgm", "ysource", "/h", ""),
            DefaultManifestPath("https://push.example.com", "myorg", "mysource", "/h", ""));
}

TEST_F(ManifestTest, ConcurrentRecordsAreAllKept) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  {
    auto m = OpenOrDie();
    ASSERT_TRUE(m);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&m, t] {
        for (int i = 0; i < kPerThread; i += 2) {
          std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          std::string next = "t" + std::to_string(t) + "-" + std::to_string(i + 1);
          EXPECT_TRUE(m->Record({Entry(id, 1, i), Entry(next, 1, i + 1)}).ok());
          EXPECT_TRUE(m->Find(id));
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }
  EXPECT_EQ(Lines(Text()), 1u + kThreads * kPerThread);
  auto m = OpenOrDie();
  ASSERT_TRUE(m);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto e = m->Find("t" + std::to_string(t) + "-" + std::to_string(i));
      ASSERT_TRUE(e) << t << " " << i;
      EXPECT_EQ(e->size, static_cast<uint64_t>(i));
    }
  }
}

}  // namespace
}  // namespace sluice::client
