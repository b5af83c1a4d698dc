#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/journal.h"
#include "store/sqlite.h"
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

// Prepare reuses compiled statements: a statement comes back reset, with no row and no binding
// left from its last use, and two live statements of the same SQL do not share state.
TEST_F(StoreTest, ReusedStatementsStartClean) {
  auto conn = Connection::Open(dir_ / "cache.db");
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k INTEGER, v TEXT)").ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')").ok());
  const std::string kSelect = "SELECT v FROM t WHERE k >= ? ORDER BY k";
  {
    auto first = conn->Prepare(kSelect);
    ASSERT_TRUE(first.ok());
    first->Bind(1, int64_t{2});
    ASSERT_TRUE(*first->Step());
    EXPECT_EQ(first->Text(0), "two");
    // Still live (mid-result): the same SQL again gets its own statement.
    auto second = conn->Prepare(kSelect);
    ASSERT_TRUE(second.ok());
    second->Bind(1, int64_t{3});
    ASSERT_TRUE(*second->Step());
    EXPECT_EQ(second->Text(0), "three");
    ASSERT_TRUE(*first->Step());
    EXPECT_EQ(first->Text(0), "three");
  }
  // Both went back to the cache mid-result; the next one starts from the first row, and an
  // unbound parameter is NULL again (k >= NULL matches nothing).
  auto again = conn->Prepare(kSelect);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again->Step());
  auto bound = conn->Prepare(kSelect);
  ASSERT_TRUE(bound.ok());
  bound->Bind(1, int64_t{1});
  ASSERT_TRUE(*bound->Step());
  EXPECT_EQ(bound->Text(0), "one");
}

TEST_F(StoreTest, OldestPendingIsTheFirstOperationNotYetApplied) {
  EXPECT_EQ(*store_->OldestPendingReceivedMs(), 0);
  std::vector<Operation> ops = {Add("a", 1), Add("b", 2)};
  ops[0].received_ms = 1000;
  ops[1].received_ms = 2000;
  ASSERT_TRUE(store_->AppendOperations(ops).ok());
  EXPECT_EQ(*store_->OldestPendingReceivedMs(), 1000);
  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq};
  ASSERT_TRUE(store_->CommitApplied(batch, 3000).ok());
  EXPECT_EQ(*store_->OldestPendingReceivedMs(), 2000);
}

// The backup is an ordinary database holding what was committed when it was taken; the store
// goes on taking writes that the backup does not hold.
TEST_F(StoreTest, BackupIsASnapshotThatOpensAsAStore) {
  std::vector<Operation> ops = {Add("a", 1), Add("b", 2)};
  ASSERT_TRUE(store_->AppendOperations(ops).ok());
  ASSERT_TRUE(store_->BackupTo(dir_ / "backup.db").ok());
  std::vector<Operation> later = {Add("c", 3)};
  ASSERT_TRUE(store_->AppendOperations(later).ok());
  auto backup = OpenSqliteStateStore(dir_ / "backup.db");
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(*(*backup)->PendingCount(), 2u);
  EXPECT_EQ(*store_->PendingCount(), 3u);
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
  for (std::string uri :
       {"file://folder", "file://folder/a", "file://folder/sub/b", "file://folder2",
        "file://fold%er", "file://folder-2", "file://folder.html", "file://folder0"}) {
    batch.items.push_back(Item{"org", "src", uri, 1, ItemState::kIndexed, "", "txt", 1, 1, ""});
  }
  ASSERT_TRUE(store_->CommitApplied(batch, 1).ok());
  auto items = store_->ItemsWithPrefix("org", "src", "file://folder");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].uri, "file://folder");
  EXPECT_EQ((*items)[1].uri, "file://folder/a");
  EXPECT_EQ((*items)[2].uri, "file://folder/sub/b");
  auto counts = store_->CountItems("org", "src");
  EXPECT_EQ(counts->indexed, 8u);
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
  Journal journal(*store_, [&](size_t) { appended++; });
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
    auto found = store_->QueryLogs(q);  // a named Result: `*Call()` would dangle in the loop
    for (const auto& l : *found) out.push_back(l.request_id);
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

namespace sluice::store {
namespace {

TEST_F(StoreTest, SourcesKeepTheirVisibilityAndCanBeDeleted) {
  Source shared{"org", "s1", "One", "PUSH", 1};
  shared.visibility = "SHARED";
  ASSERT_TRUE(store_->CreateSource(shared).ok());
  ASSERT_TRUE(store_->CreateSource(Source{"org", "s2", "Two", "CATALOG", 2}).ok());
  EXPECT_EQ((*store_->GetSource("org", "s1"))->visibility, "SHARED");
  EXPECT_EQ((*store_->GetSource("org", "s2"))->visibility, "SECURED");
  ASSERT_TRUE(store_->SetSourceStatus("org", "s1", "REBUILD", 3).ok());

  ASSERT_TRUE(store_->DeleteSource("org", "s1").ok());
  EXPECT_FALSE(store_->GetSource("org", "s1")->has_value());
  EXPECT_EQ(store_->ListSources("org")->size(), 1u);
  base::Status again = store_->DeleteSource("org", "s1");
  EXPECT_EQ(again.code(), base::StatusCode::kNotFound);
  EXPECT_NE(again.message().find("'s1'"), std::string::npos) << again.message();
  EXPECT_EQ(store_->DeleteSource("other", "s2").code(), base::StatusCode::kNotFound);

  // A source made again under the same id starts without the old open activity.
  ASSERT_TRUE(store_->CreateSource(Source{"org", "s1", "One again", "PUSH", 4}).ok());
  EXPECT_EQ((*store_->GetSource("org", "s1"))->status, "IDLE");
}

TEST_F(StoreTest, ApiKeysKeepNameAndSourceScopeAndCanBeDeleted) {
  ApiKey scoped{"k2", "org", "hash2", {"push"}, 2};
  scoped.display_name = "CI pusher";
  scoped.source_ids = {"s2", "s1"};
  ASSERT_TRUE(store_->PutApiKey(ApiKey{"k1", "org", "hash1", {"admin"}, 1}).ok());
  ASSERT_TRUE(store_->PutApiKey(scoped).ok());
  ASSERT_TRUE(store_->PutApiKey(ApiKey{"k3", "other", "hash3", {"search"}, 3}).ok());

  auto found = store_->FindApiKeyByHash("hash2");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->display_name, "CI pusher");
  EXPECT_EQ((*found)->source_ids, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE((*store_->FindApiKeyByHash("hash1"))->source_ids.empty());

  auto listed = store_->ListApiKeys("org");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "k1");
  EXPECT_EQ((*listed)[1].source_ids.size(), 2u);

  EXPECT_EQ(store_->DeleteApiKey("other", "k2").code(), base::StatusCode::kNotFound);
  ASSERT_TRUE(store_->DeleteApiKey("org", "k2").ok());
  EXPECT_FALSE(store_->FindApiKeyByHash("hash2")->has_value());
  EXPECT_EQ(store_->DeleteApiKey("org", "k2").code(), base::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountApiKeys(), 2u);
}

Field MakeField(std::string name, std::string type, int64_t now) {
  Field f;
  f.organization_id = "org";
  f.name = std::move(name);
  f.type = std::move(type);
  f.created_ms = now;
  f.updated_ms = now;
  return f;
}

std::vector<std::string> FieldNames(StateStore& store, const std::string& org) {
  std::vector<std::string> names;
  auto fields = store.ListFields(org);  // a named Result: `*Call()` would dangle in the loop
  for (const Field& f : *fields) names.push_back(f.name);
  return names;
}

TEST_F(StoreTest, TheFieldCatalogVersionMovesWithEveryFieldChange) {
  uint64_t v0 = store_->FieldCatalogVersion();
  Field f;
  f.organization_id = "org";
  f.name = "price";
  f.type = "LONG";
  ASSERT_TRUE(store_->CreateFields({f}).ok());
  uint64_t v1 = store_->FieldCatalogVersion();
  EXPECT_NE(v1, v0);
  EXPECT_FALSE(store_->CreateFields({f}).ok());  // exists: nothing changed
  EXPECT_EQ(store_->FieldCatalogVersion(), v1);
  f.type = "DOUBLE";
  ASSERT_TRUE(store_->UpdateFields({f}).ok());
  uint64_t v2 = store_->FieldCatalogVersion();
  EXPECT_NE(v2, v1);
  ASSERT_TRUE(store_->DeleteFields("org", {"price"}).ok());
  EXPECT_NE(store_->FieldCatalogVersion(), v2);
}

TEST_F(StoreTest, FieldBatchesChangeAllOrNothing) {
  using Names = std::vector<std::string>;
  Field author = MakeField("author", "STRING", 1);
  author.facet = true;
  author.description = "who wrote it";
  author.options_json = R"({"multiValueFacetTokenizers":";"})";
  ASSERT_TRUE(store_->CreateFields({MakeField("views", "LONG", 1), author}).ok());
  EXPECT_EQ(FieldNames(*store_, "org"), (Names{"author", "views"}));
  auto read = store_->GetField("org", "author");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_TRUE((*read)->facet);
  EXPECT_FALSE((*read)->sort);
  EXPECT_TRUE((*read)->include_in_results);
  EXPECT_EQ((*read)->description, "who wrote it");
  EXPECT_EQ((*read)->options_json, R"({"multiValueFacetTokenizers":";"})");

  base::Status dup = store_->CreateFields({MakeField("price", "DOUBLE", 2), author});
  EXPECT_EQ(dup.code(), base::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("'author'"), std::string::npos) << dup.message();
  dup = store_->CreateFields({MakeField("tag", "STRING", 2), MakeField("tag", "STRING", 2)});
  EXPECT_EQ(dup.code(), base::StatusCode::kAlreadyExists);
  EXPECT_EQ(FieldNames(*store_, "org"), (Names{"author", "views"}));

  Field wider = MakeField("views", "LONG_64", 5);
  wider.sort = true;
  base::Status missing = store_->UpdateFields({wider, MakeField("nope", "STRING", 5)});
  EXPECT_EQ(missing.code(), base::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("'nope'"), std::string::npos) << missing.message();
  EXPECT_EQ((*store_->GetField("org", "views"))->type, "LONG");
  ASSERT_TRUE(store_->UpdateFields({wider}).ok());
  auto updated = *store_->GetField("org", "views");
  EXPECT_EQ(updated->type, "LONG_64");
  EXPECT_TRUE(updated->sort);
  EXPECT_EQ(updated->created_ms, 1);
  EXPECT_EQ(updated->updated_ms, 5);

  EXPECT_EQ(store_->DeleteFields("org", {"views", "nope"}).code(), base::StatusCode::kNotFound);
  EXPECT_EQ(FieldNames(*store_, "org"), (Names{"author", "views"}));
  EXPECT_TRUE(FieldNames(*store_, "other").empty());
  ASSERT_TRUE(store_->DeleteFields("org", {"views", "author"}).ok());
  EXPECT_TRUE(FieldNames(*store_, "org").empty());
  EXPECT_FALSE(store_->GetField("org", "views")->has_value());
}

// The sources and api_keys tables as the first release created them.
constexpr std::string_view kFirstReleaseTables = R"sql(
CREATE TABLE organizations(id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE sources(
  org TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  created_ms INTEGER NOT NULL, PRIMARY KEY(org, id));
CREATE TABLE api_keys(
  id TEXT PRIMARY KEY, org TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  privileges TEXT NOT NULL, created_ms INTEGER NOT NULL);
INSERT INTO sources VALUES('local', 'local-default', 'local-default', 'PUSH', 7);
INSERT INTO api_keys VALUES('k', 'local', 'oldhash', 'admin', 7);
)sql";

TEST_F(StoreTest, OpensTheDatabaseOfAnEarlierVersion) {
  store_.reset();
  std::filesystem::remove(dir_ / "state.db");
  {
    auto conn = Connection::Open(dir_ / "state.db");
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(conn->Exec(kFirstReleaseTables).ok());
  }
  for (int open = 0; open < 2; ++open) {  // the upgrade must also be idempotent
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    auto source = store_->GetSource("local", "local-default");
    ASSERT_TRUE(source.ok() && source->has_value()) << source.status().ToString();
    EXPECT_EQ((*source)->visibility, "SECURED");
    EXPECT_EQ((*source)->created_ms, 7);
    auto key = store_->FindApiKeyByHash("oldhash");
    ASSERT_TRUE(key.ok() && key->has_value()) << key.status().ToString();
    EXPECT_EQ((*key)->privileges, (std::vector<std::string>{"admin"}));
    EXPECT_EQ((*key)->display_name, "");
    EXPECT_TRUE((*key)->source_ids.empty());
  }
  Source shared{"local", "s2", "Two", "PUSH", 8};
  shared.visibility = "SHARED";
  ASSERT_TRUE(store_->CreateSource(shared).ok());
  EXPECT_EQ((*store_->GetSource("local", "s2"))->visibility, "SHARED");
  ASSERT_TRUE(store_->CreateFields({MakeField("price", "DOUBLE", 9)}).ok());
}

SecurityIdentity Identity(std::string name, uint64_t ordering_id, bool disabled = false) {
  SecurityIdentity id;
  id.organization_id = "org";
  id.provider_id = "Email Security Provider";
  id.name = std::move(name);
  id.type = "USER";
  id.body_json = R"({"members":[]})";
  id.ordering_id = ordering_id;
  id.disabled = disabled;
  id.updated_ms = 5;
  return id;
}

TEST_F(StoreTest, SecurityIdentitiesHonourOrderingIdsAndDisableOlderOnes) {
  auto applied = store_->PutSecurityIdentities(
      {Identity("a@x.com", 10), Identity("b@x.com", kCrawlingModuleId)});
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 2u);
  // Stale: ordering 9 < 10. Newer disable of b: applied, the body kept for the record.
  EXPECT_EQ(*store_->PutSecurityIdentities({Identity("a@x.com", 9, true)}), 0u);
  auto list = store_->ListSecurityIdentities("org", "", 0, 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_FALSE((*list)[0].disabled);
  EXPECT_EQ((*list)[1].ordering_id, kCrawlingModuleId);

  auto disabled =
      store_->DisableSecurityIdentitiesOlderThan("org", "Email Security Provider", 11, 6);
  ASSERT_TRUE(disabled.ok());
  EXPECT_EQ(*disabled, 1u);  // a (10) but not b (above 2^63)
  list = store_->ListSecurityIdentities("org", "Email Security Provider", 0, 10);
  EXPECT_TRUE((*list)[0].disabled);
  EXPECT_EQ((*list)[0].body_json, R"({"members":[]})");
  EXPECT_FALSE((*list)[1].disabled);
  EXPECT_TRUE(store_->ListSecurityIdentities("org", "Other", 0, 10)->empty());
}

TEST_F(StoreTest, StreamCloseJournalsItsOperationsOnce) {
  ASSERT_TRUE(store_->CreateStream(Stream{"s1", "org", "src", kCrawlingModuleId, 1, {}}).ok());
  ASSERT_TRUE(store_->AddStreamChunk("s1", "f1").ok());
  ASSERT_TRUE(store_->AddStreamChunk("s1", "f2").ok());
  EXPECT_EQ(*store_->StreamChunks("s1"), (std::vector<std::string>{"f1", "f2"}));
  auto stream = store_->GetStream("s1");
  ASSERT_TRUE(stream.ok() && stream->has_value());
  EXPECT_EQ((*stream)->ordering_id, kCrawlingModuleId);
  EXPECT_FALSE((*stream)->closed_ms);

  std::vector<Operation> ops = {Add("a", kCrawlingModuleId)};
  ASSERT_TRUE(store_->CloseStream("s1", 7, ops).ok());
  EXPECT_GT(ops[0].seq, 0);
  EXPECT_EQ(*(*store_->GetStream("s1"))->closed_ms, 7);
  auto again = store_->CloseStream("s1", 8, ops);
  EXPECT_EQ(again.code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->PendingCount(), 1u);  // the second close journaled nothing
  auto op = store_->GetOperation(ops[0].seq);
  ASSERT_TRUE(op.ok() && op->has_value());
  EXPECT_EQ((*op)->document_id, "a");
  EXPECT_FALSE(store_->GetOperation(12345)->has_value());
}

}  // namespace
}  // namespace sluice::store
