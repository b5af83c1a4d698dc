#include "pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <zlib.h>

#include "base/random.h"
#include "index/search.h"
#include "pipeline/batch_expander.h"

namespace sluice::pipeline {
namespace {

std::string Zlib(std::string_view text) {
  uLongf size = compressBound(text.size());
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()),
           text.size());
  out.resize(size);
  return out;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The real store, except that the first `failures` opens fail as a disk would.
class FlakyBlobStore final : public blob::BlobStore {
 public:
  explicit FlakyBlobStore(blob::BlobStore& real) : real_(real) {}
  base::Result<std::unique_ptr<blob::BlobWriter>> Create(std::string_view key) override {
    return real_.Create(key);
  }
  base::Result<std::unique_ptr<blob::BlobReader>> Open(std::string_view key) override {
    if (failures > 0) {
      --failures;
      return base::IoError("read blob: Input/output error");
    }
    return real_.Open(key);
  }
  base::Status Remove(std::string_view key) override { return real_.Remove(key); }

  std::atomic<int> failures{0};

 private:
  blob::BlobStore& real_;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("pipeline_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
    blob::MasterKey key{};
    real_blobs_ = std::move(blob::OpenLocalBlobStore(dir_ / "blobs", key)).value();
    blobs_ = std::make_unique<FlakyBlobStore>(*real_blobs_);
    PipelineOptions options;
    options.index_root = dir_ / "index";
    options.retry_delay_ms = 10;
    options.max_attempts = 3;
    pipeline_ = std::make_unique<Pipeline>(*store_, *blobs_, clock_, options);
    pipeline_->Start();
  }
  void TearDown() override {
    pipeline_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Push(store::OperationKind kind, std::string uri, uint64_t ordering_id,
            std::string payload = "{}") {
    store::Operation op;
    op.organization_id = "org";
    op.source_id = "src";
    op.kind = kind;
    op.document_id = std::move(uri);
    op.ordering_id = ordering_id;
    op.payload = std::move(payload);
    op.request_id = "r";
    op.received_ms = clock_.NowMs();
    std::vector<store::Operation> ops = {op};
    ASSERT_TRUE(store_->AppendOperations(ops).ok());
    pipeline_->Wake();
  }
  void Add(std::string uri, uint64_t ordering_id, std::string text) {
    Push(store::OperationKind::kAddOrUpdate, std::move(uri), ordering_id,
         R"({"data":")" + text + R"(","compressiontype":"ZLIB"})");
  }
  void Drain() {
    for (int i = 0; i < 3000; ++i) {  // up to 30 s: sanitizer builds are slow
      if (*store_->PendingCount() == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the pipeline did not drain the journal";
  }
  uint64_t Hits(std::string q) {
    index::SearchRequest request;
    request.q = std::move(q);
    return index::Search({SourceIndexDir(dir_ / "index", "org", "src")}, request)->total_count;
  }
  // Stores an HTML page as file container `file_id` and pushes it as http://x/c.
  void PushContainer(const std::string& file_id, const std::string& words) {
    auto writer = std::move(real_blobs_->Create(store::ContainerBlobKey(file_id))).value();
    ASSERT_TRUE(
        writer->Append(Zlib("<html><title>T</title><body>" + words + "</body></html>")).ok());
    ASSERT_TRUE(writer->Commit().ok());
    store::FileContainer container;
    container.file_id = file_id;
    container.organization_id = "org";
    container.expires_ms = clock_.NowMs() + 60000;
    ASSERT_TRUE(store_->CreateFileContainer(container).ok());
    Push(store::OperationKind::kAddOrUpdate, "http://x/c", 1,
         R"({"compressedbinarydatafileid":")" + file_id +
             R"(","compressiontype":"ZLIB","fileextension":".html"})");
  }
  std::vector<std::string> Results(const std::string& uri) {
    std::vector<std::string> out;
    store::LogQuery query;
    query.organization_id = "org";
    query.document_id = uri;
    auto logs = store_->QueryLogs(query);
    for (const auto& l : *logs) out.push_back(l.operation + "/" + l.result + "/" + l.reason);
    return out;
  }

  std::filesystem::path dir_;
  base::SystemClock clock_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<blob::BlobStore> real_blobs_;
  std::unique_ptr<FlakyBlobStore> blobs_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, IndexesAnInlineItem) {
  Add("http://x/a", 1, "hello aardvark");
  Drain();
  EXPECT_EQ(Hits("aardvark"), 1u);
  auto item = store_->GetItem("org", "src", "http://x/a");
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ((*item)->state, store::ItemState::kIndexed);
  EXPECT_EQ((*item)->file_type, "txt");
  EXPECT_EQ(Results("http://x/a"), std::vector<std::string>{"ADD/COMPLETED/"});
}

TEST_F(PipelineTest, SkipsAnUpdateThatIsNotNewer) {
  Add("http://x/a", 9, "newer bison");
  Drain();
  Add("http://x/a", 9, "same yak");
  Add("http://x/a", 5, "older moose");
  Drain();
  EXPECT_EQ(Hits("bison"), 1u);
  EXPECT_EQ(Hits("yak"), 0u);
  EXPECT_EQ(Hits("moose"), 0u);
  auto results = Results("http://x/a");
  // The two workers may finish the last two in either order.
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results,
            (std::vector<std::string>{"ADD/COMPLETED/", "ADD/SKIPPED/orderingId 5 not newer than 9",
                                      "ADD/SKIPPED/orderingId 9 not newer than 9"}));
}

TEST_F(PipelineTest, OrderingIdsAboveTwoToThe63rdCompareAsUnsigned) {
  Add("http://x/big", 10457712023373612345u, "crawler otter");
  Drain();
  Add("http://x/big", 1700000000000, "epoch puffin");
  Drain();
  EXPECT_EQ(Hits("otter"), 1u);
  EXPECT_EQ(Hits("puffin"), 0u);
}

TEST_F(PipelineTest, DeleteLeavesATombstoneThatKeepsOlderAddsOut) {
  Add("http://x/a", 5, "first lemur");
  Drain();
  Push(store::OperationKind::kDelete, "http://x/a", 10);
  Drain();
  EXPECT_EQ(Hits("lemur"), 0u);
  Add("http://x/a", 7, "late gecko");
  Drain();
  EXPECT_EQ(Hits("gecko"), 0u);
  auto item = store_->GetItem("org", "src", "http://x/a");
  EXPECT_EQ((*item)->state, store::ItemState::kDeleted);
  Add("http://x/a", 11, "fresh ibis");
  Drain();
  EXPECT_EQ(Hits("ibis"), 1u);
}

TEST_F(PipelineTest, DeleteWithChildrenTakesTheUriPrefixOnly) {
  Add("file://folder", 1, "parent word");
  Add("file://folder/a", 1, "child word");
  Add("file://folder/sub/b", 1, "grandchild word");
  Add("file://folder2", 1, "sibling word");
  Drain();
  EXPECT_EQ(Hits("word"), 4u);
  Push(store::OperationKind::kDeleteWithChildren, "file://folder", 2);
  Drain();
  EXPECT_EQ(Hits("word"), 1u);
  EXPECT_EQ(Hits("sibling"), 1u);
  EXPECT_EQ(Results("file://folder/sub/b"),
            (std::vector<std::string>{"DELETE_AND_CHILDREN/COMPLETED/", "ADD/COMPLETED/"}));
}

TEST_F(PipelineTest, DeleteOlderThanWaitsItsQueueDelayThenDeletesOlderItems) {
  Add("http://x/old", 100, "old pear");
  Add("http://x/mid", 200, "mid pear");
  Add("http://x/new", 300, "new pear");
  Drain();
  auto started = std::chrono::steady_clock::now();
  Push(store::OperationKind::kDeleteOlderThan, "", 250, R"({"queuedelayms":300})");
  Drain();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_EQ(Hits("pear"), 1u);
  EXPECT_EQ(Hits("new"), 1u);
  EXPECT_EQ(Results("http://x/old")[0], "DELETE_OLDER_THAN/COMPLETED/");
  // The tombstones sit just below the threshold.
  Add("http://x/old", 240, "late plum");
  Add("http://x/mid", 260, "fresh plum");
  Drain();
  EXPECT_EQ(Hits("late"), 0u);
  EXPECT_EQ(Hits("fresh"), 1u);
}

TEST_F(PipelineTest, CorruptDataFailsTheItemWithTheReason) {
  std::string zlib = Zlib(std::string(100000, 'a'));
  std::string truncated = zlib.substr(0, zlib.size() / 2);
  Push(store::OperationKind::kAddOrUpdate, "http://x/bad", 1,
       R"({"compressedbinarydata":")" + Base64(truncated) +
           R"(","compressiontype":"ZLIB","fileextension":".txt"})");
  Push(store::OperationKind::kAddOrUpdate, "http://x/good", 1,
       R"({"compressedbinarydata":")" + Base64(Zlib("compressed walnut")) +
           R"(","compressiontype":"ZLIB","fileextension":".txt"})");
  Drain();
  auto bad = store_->GetItem("org", "src", "http://x/bad");
  ASSERT_TRUE(bad->has_value());
  EXPECT_EQ((*bad)->state, store::ItemState::kFailed);
  EXPECT_NE((*bad)->reason.find("truncated"), std::string::npos) << (*bad)->reason;
  EXPECT_EQ(Hits("walnut"), 1u);
}

TEST_F(PipelineTest, AFileContainerIsReadThenRemoved) {
  PushContainer("f1", "container quail");
  Drain();
  EXPECT_EQ(Hits("quail"), 1u);
  EXPECT_EQ(Results("http://x/c"), std::vector<std::string>{"ADD_BY_REFERENCE/COMPLETED/"});
  EXPECT_TRUE((*store_->GetFileContainer("f1"))->consumed_ms.has_value());
  EXPECT_EQ(blobs_->Open(store::ContainerBlobKey("f1")).status().code(),
            base::StatusCode::kNotFound);
}

TEST_F(PipelineTest, AnIoErrorIsRetriedNotBlamedOnTheItem) {
  blobs_->failures = 2;
  PushContainer("f2", "patient heron");
  Drain();
  EXPECT_EQ(Hits("heron"), 1u);
  EXPECT_EQ(blobs_->failures, 0);
}

TEST_F(PipelineTest, RetriesStopAfterMaxAttempts) {
  blobs_->failures = 100;
  PushContainer("f3", "doomed stork");
  Drain();
  auto item = store_->GetItem("org", "src", "http://x/c");
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ((*item)->state, store::ItemState::kFailed);
  EXPECT_NE((*item)->reason.find("gave up after 3 attempts"), std::string::npos) << (*item)->reason;
  EXPECT_EQ(blobs_->failures, 97);
}

TEST_F(PipelineTest, AMergeChangesTheNamedFieldsAndKeepsTheRest) {
  Push(store::OperationKind::kAddOrUpdate, "http://x/m", 1,
       R"({"data":"original wombat","title":"Old","color":"red","compressiontype":"ZLIB"})");
  Drain();
  Push(store::OperationKind::kMerge, "http://x/m", 2, R"({"title":"New","size_label":"L"})");
  Drain();
  auto item = index::GetItem(SourceIndexDir(dir_ / "index", "org", "src"), "http://x/m");
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((*item)->fields.title, "New");
  EXPECT_EQ(Hits("wombat"), 1u);  // the text stayed
  const auto& metadata = (*item)->fields.metadata;
  auto has = [&](const std::string& name, const std::string& value) {
    return std::any_of(metadata.begin(), metadata.end(), [&](const auto& m) {
      return m.first == name && m.second == std::vector<std::string>{value};
    });
  };
  EXPECT_TRUE(has("color", "red"));
  EXPECT_TRUE(has("size_label", "L"));
  EXPECT_EQ(Results("http://x/m").front(), "UPDATE/COMPLETED/");  // newest first
}

TEST_F(PipelineTest, AMergeIntoAnUnknownItemCreatesIt) {
  Push(store::OperationKind::kMerge, "http://x/new", 5,
       R"({"title":"Fresh","data":"lonely ibis"})");
  Drain();
  EXPECT_EQ(Hits("ibis"), 1u);
}

TEST_F(PipelineTest, AMergeIntoAnItemFromAUsedContainerKeepsItsText) {
  PushContainer("f9", "container marmot");
  Drain();
  ASSERT_EQ(Hits("marmot"), 1u);
  Push(store::OperationKind::kMerge, "http://x/c", 2, R"({"title":"Renamed"})");
  Drain();
  EXPECT_EQ(Hits("marmot"), 1u);
  EXPECT_EQ(Hits("title:renamed"), 1u);
}

// The end state of a stream's close. Whether the kept item was briefly deleted depends on
// thread timing, so the log check below catches that race only when it happens.
TEST_F(PipelineTest, AStreamCloseKeepsWhatItSentAndDeletesTheRest) {
  Add("http://x/kept", 1, "kept lynx");
  Add("http://x/gone", 1, "gone lynx");
  Drain();
  // A stream's close: the batch of what it sent, then delete-older-than at the stream's id.
  auto writer = std::move(real_blobs_->Create(store::ContainerBlobKey("b1"))).value();
  ASSERT_TRUE(
      writer->Append(R"({"addOrUpdate":[{"documentId":"http://x/kept","data":"kept lynx"}]})")
          .ok());
  ASSERT_TRUE(writer->Commit().ok());
  store::FileContainer container;
  container.file_id = "b1";
  container.organization_id = "org";
  container.expires_ms = clock_.NowMs() + 60000;
  ASSERT_TRUE(store_->CreateFileContainer(container).ok());
  std::vector<store::Operation> ops(2);
  for (auto& op : ops) {
    op.organization_id = "org";
    op.source_id = "src";
    op.ordering_id = 10;
    op.received_ms = clock_.NowMs();
  }
  ops[0].kind = store::OperationKind::kBatch;
  ops[0].payload = R"({"compressedbinarydatafileid":"b1"})";
  ops[1].kind = store::OperationKind::kDeleteOlderThan;
  ops[1].payload = R"({"queuedelayms":0})";
  ASSERT_TRUE(store_->AppendOperations(ops).ok());
  pipeline_->Wake();
  Drain();
  EXPECT_EQ(Hits("lynx"), 1u);
  // The kept item was never deleted in between: its only DELETE_OLDER_THAN line is absent.
  for (const auto& line : Results("http://x/kept")) {
    EXPECT_EQ(line.find("DELETE_OLDER_THAN"), std::string::npos) << line;
  }
  EXPECT_EQ(Results("http://x/gone").front(), "DELETE_OLDER_THAN/COMPLETED/");  // newest first
}

// Expanding a batch again (after a crash, or on another node) journals only what the
// interrupted expansion had not, and reports its refused entries again.
TEST(BatchExpanderTest, AResumedExpansionJournalsOnlyTheRest) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("expand_" + base::NewUuid());
  std::filesystem::create_directories(dir);
  auto store = std::move(store::OpenSqliteStateStore(dir / "state.db")).value();
  blob::MasterKey key{};
  auto blobs = std::move(blob::OpenLocalBlobStore(dir / "blobs", key)).value();
  auto writer = std::move(blobs->Create(store::ContainerBlobKey("b1"))).value();
  ASSERT_TRUE(writer
                  ->Append(R"({"addOrUpdate":[{"documentId":"d1","data":"x"},)"
                           R"({"documentId":"d2","data":"x"},{"data":"no id"},)"
                           R"({"documentId":"d4","data":"x"}],"delete":[{"documentId":"d5"}]})")
                  .ok());
  ASSERT_TRUE(writer->Commit().ok());
  std::vector<store::Operation> batch(1);
  batch[0].organization_id = "org";
  batch[0].source_id = "src";
  batch[0].kind = store::OperationKind::kBatch;
  batch[0].ordering_id = 3;
  batch[0].payload = R"({"compressedbinarydatafileid":"b1"})";
  ASSERT_TRUE(store->AppendOperations(batch).ok());
  // An expansion that journaled the first two entries, then stopped.
  std::vector<store::Operation> first(2, batch[0]);
  first[0].kind = first[1].kind = store::OperationKind::kAddOrUpdate;
  first[0].document_id = "d1";
  first[1].document_id = "d2";
  ASSERT_TRUE(store->AppendBatchItems(batch[0].seq, 2, first).ok());

  auto outcome = ExpandBatch(batch[0], *blobs, *store, 1 << 20, 0);  // batch[0].expanded is 0
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->operations, 4u);
  ASSERT_EQ(outcome->rejected.size(), 1u);
  auto pending = store->PendingOperations(batch[0].seq, 100);
  ASSERT_TRUE(pending.ok());
  std::vector<std::string> journaled;
  for (const auto& op : *pending) journaled.push_back(op.document_id);
  EXPECT_EQ(journaled, (std::vector<std::string>{"d1", "d2", "d4", "d5"}));
  EXPECT_EQ((*store->GetOperation(batch[0].seq))->expanded, 5u);

  // Once more: nothing new.
  ASSERT_TRUE(ExpandBatch(batch[0], *blobs, *store, 1 << 20, 0).ok());
  EXPECT_EQ(store->PendingOperations(batch[0].seq, 100)->size(), 4u);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::pipeline
