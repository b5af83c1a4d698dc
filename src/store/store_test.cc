#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/journal.h"
#include "store/state_store.h"

namespace sluice::store {
namespace {

// Above 2^63, as the orderingIds of some connectors are.
constexpr uint64_t kCrawlingModuleId = 10457712023373612345u;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("store_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    store_ = Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<StateStore> Open() {
    auto s = OpenSqliteStateStore(dir_ / "state.db");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }
  static Operation Add(std::string uri, uint64_t ordering_id) {
    Operation op;
    op.organization_id = "org";
    op.source_id = "src";
    op.document_id = std::move(uri);
    op.ordering_id = ordering_id;
    op.payload = R"({"data":"x"})";
    return op;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StateStore> store_;
};

TEST(OrderingKeyTest, PreservesUnsignedOrderAcrossTheSignBoundary) {
  const uint64_t values[] = {
      0, 1, (uint64_t{1} << 63) - 1, uint64_t{1} << 63, kCrawlingModuleId, ~uint64_t{0}};
  for (size_t i = 0; i + 1 < std::size(values); ++i) {
    EXPECT_LT(OrderingKey(values[i]), OrderingKey(values[i + 1]));
    EXPECT_EQ(OrderingIdFromKey(OrderingKey(values[i])), values[i]);
  }
}

TEST_F(StoreTest, JournalSurvivesReopenUntilCompleted) {
  std::vector<Operation> ops = {Add("a", 5), Add("b", kCrawlingModuleId)};
  ASSERT_TRUE(store_->AppendOperations(ops).ok());
  EXPECT_LT(ops[0].seq, ops[1].seq);

  store_ = Open();
  auto pending = store_->PendingOperations(0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[1].ordering_id, kCrawlingModuleId);
  EXPECT_EQ((*pending)[0].payload, R"({"data":"x"})");

  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq};
  batch.items.push_back(Item{"org", "src", "a", 5, ItemState::kIndexed, "A", "html", 10, 1, ""});
  batch.logs.push_back(LogEntry{0, 1, "org", "src", "a", "ADD", "INDEXING", "COMPLETED", "", "r"});
  ASSERT_TRUE(store_->CommitApplied(batch, 100).ok());

  store_ = Open();
  pending = store_->PendingOperations(0, 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].document_id, "b");
  auto item = store_->GetItem("org", "src", "a");
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((*item)->title, "A");
  LogQuery query;
  query.organization_id = "org";
  query.document_id = "a";
  auto logs = store_->QueryLogs(query);
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ((*logs)[0].result, "COMPLETED");
}

TEST_F(StoreTest, PrefixMatchesChildrenButNotSiblings) {
  AppliedBatch batch;
  for (std::string uri : {"file://folder", "file://folder/a", "file://folder/sub/b",
                          "file://folder2", "file://fold%er"}) {
    batch.items.push_back(Item{"org", "src", uri, 1, ItemState::kIndexed, "", "txt", 1, 1, ""});
  }
  ASSERT_TRUE(store_->CommitApplied(batch, 1).ok());
  auto items = store_->ItemsWithPrefix("org", "src", "file://folder");
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 3u);
  auto counts = store_->CountItems("org", "src");
  EXPECT_EQ(counts->indexed, 5u);
}

TEST_F(StoreTest, SourcesAndKeys) {
  ASSERT_TRUE(store_->CreateSource(Source{"org", "s1", "One", "PUSH", 1}).ok());
  EXPECT_EQ(store_->CreateSource(Source{"org", "s1", "One", "PUSH", 1}).code(),
            base::StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetSource("org", "s1")->has_value());
  EXPECT_FALSE(store_->GetSource("org", "s2")->has_value());
  ASSERT_TRUE(store_->PutApiKey(ApiKey{"k1", "org", "hash", {"push", "search"}, 1}).ok());
  auto key = store_->FindApiKeyByHash("hash");
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->privileges, (std::vector<std::string>{"push", "search"}));
}

TEST_F(StoreTest, JournalGroupsConcurrentAppends) {
  std::atomic<int> appended{0};
  Journal journal(*store_, [&] { appended++; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::vector<Operation> ops = {Add("t" + std::to_string(t) + "-" + std::to_string(i), 1)};
        ASSERT_TRUE(journal.Append(ops).ok());
        ASSERT_GT(ops[0].seq, 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store_->PendingCount(), 200u);
  EXPECT_LE(journal.groups_committed(), 200u);
  EXPECT_EQ(static_cast<uint64_t>(appended.load()), journal.groups_committed());
}

}  // namespace
}  // namespace sluice::store

namespace sluice::store {
namespace {

TEST_F(StoreTest, LogQueriesFilterByEveryDimension) {
  std::vector<LogEntry> logs = {
      {0, 1000, "org", "s1", "http://x/a", "ADD", "INDEXING", "COMPLETED", "", "r1"},
      {0, 2000, "org", "s1", "http://x/b", "ADD_BY_REFERENCE", "PROCESSING", "ERROR", "bad", "r2"},
      {0, 3000, "org", "s2", "http://y/a?[1]", "DELETE", "INDEXING", "COMPLETED", "", "r3"},
      {0, 4000, "org", "s2", "http://x/a", "ADD", "CONSUMING", "SKIPPED", "old", "r4"},
      {0, 5000, "other", "s1", "http://x/a", "ADD", "INDEXING", "COMPLETED", "", "r5"},
  };
  ASSERT_TRUE(store_->AppendLogs(logs).ok());
  auto ids = [&](LogQuery q) {
    q.organization_id = "org";
    std::vector<std::string> out;
    for (const auto& l : *store_->QueryLogs(q)) out.push_back(l.request_id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"r4", "r3", "r2", "r1"}));
  LogQuery q;
  q.sources.include = {"s1"};
  EXPECT_EQ(ids(q), (V{"r2", "r1"}));
  q = {};
  q.results.exclude = {"COMPLETED"};
  EXPECT_EQ(ids(q), (V{"r4", "r2"}));
  q = {};
  q.operations.include = {"ADD", "DELETE"};
  q.tasks.include = {"INDEXING"};
  EXPECT_EQ(ids(q), (V{"r3", "r1"}));
  q = {};
  q.from_ms = 2000;
  q.to_ms = 3000;
  EXPECT_EQ(ids(q), (V{"r3", "r2"}));
  q = {};
  q.document_id = "http://x/a";
  EXPECT_EQ(ids(q), (V{"r4", "r1"}));
  q.document_id_matching = DocumentIdMatching::kPartial;
  q.document_id = "x/";
  EXPECT_EQ(ids(q), (V{"r4", "r2", "r1"}));
  q.document_id_matching = DocumentIdMatching::kWildcard;
  q.document_id = "http://y/*?[1]";
  EXPECT_EQ(ids(q), (V{"r3"}));
  q.document_id = "*b";
  EXPECT_EQ(ids(q), (V{"r2"}));
  q = {};
  q.offset = 1;
  q.limit = 2;
  EXPECT_EQ(ids(q), (V{"r3", "r2"}));
}

}  // namespace
}  // namespace sluice::store
