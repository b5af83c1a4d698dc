// One behaviour for every StateStore: the same tests run against the SQLite store (always) and
// the PostgreSQL store (when SLUICE_TEST_POSTGRES_URI names a database, as
// tests/postgres/with_postgres.sh sets it; each test then gets a schema of its own). Below them,
// the tests that only make sense for a shared database: two stores on one database, the order
// in which journal appends become visible, and an unreachable server.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "store/postgres.h"
#include "store/sqlite.h"
#include "store/state_store.h"

namespace sluice::store {
namespace {

// Above 2^63, as the orderingIds of some connectors are.
constexpr uint64_t kHigh = 10457712023373612345u;
constexpr uint64_t kTop = ~uint64_t{0};

::testing::AssertionResult IsOk(const base::Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.ToString();
}
template <typename T>
::testing::AssertionResult IsOk(const base::Result<T>& r) {
  return IsOk(r.status());
}

// The value, or a failure of the test and T{}.
template <typename T>
T Must(base::Result<T> r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.status().ToString();
    return T{};
  }
  return std::move(r).value();
}

const char* PostgresUri() {
  // Read on the main thread only (test registration and SetUp); nothing sets the environment.
  const char* uri = std::getenv("SLUICE_TEST_POSTGRES_URI");  // NOLINT(concurrency-mt-unsafe)
  return uri != nullptr && *uri != '\0' ? uri : nullptr;
}

// Where one test's state lives; the store can be opened on it again and again.
class Place {
 public:
  virtual ~Place() = default;
  virtual base::Result<std::unique_ptr<StateStore>> Open() = 0;
  // From now on, writing a row of `table` whose `column` is 'poison' fails, so a test can make
  // one statement of a batch fail and see that none of the batch remains.
  virtual base::Status Poison(const std::string& table, const std::string& column) = 0;
};

class SqlitePlace final : public Place {
 public:
  SqlitePlace() : dir_(std::filesystem::path(::testing::TempDir()) / ("conf_" + base::NewUuid())) {
    std::filesystem::create_directories(dir_);
  }
  ~SqlitePlace() override { std::filesystem::remove_all(dir_); }
  SqlitePlace(const SqlitePlace&) = delete;
  SqlitePlace& operator=(const SqlitePlace&) = delete;

  base::Result<std::unique_ptr<StateStore>> Open() override {
    return OpenSqliteStateStore(dir_ / "state.db");
  }
  base::Status Poison(const std::string& table, const std::string& column) override {
    SLUICE_ASSIGN_OR_RETURN(Connection conn, Connection::Open(dir_ / "state.db"));
    return conn.Exec("CREATE TRIGGER poison_" + table + " BEFORE INSERT ON " + table +
                     " WHEN NEW." + column +
                     " = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); "
                     "END");
  }

 private:
  std::filesystem::path dir_;
};

// A schema of its own in the test database, dropped afterwards; the store finds it through
// search_path, set in the URI.
class PostgresPlace final : public Place {
 public:
  explicit PostgresPlace(std::string base_uri) : base_uri_(std::move(base_uri)) {
    std::string id = base::NewUuid();
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    schema_ = "t_" + id;
    uri_ = base_uri_ + (base_uri_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
    created_ = Admin("CREATE SCHEMA " + schema_);
  }
  ~PostgresPlace() override { (void)Admin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"); }
  PostgresPlace(const PostgresPlace&) = delete;
  PostgresPlace& operator=(const PostgresPlace&) = delete;

  const base::Status& created() const { return created_; }
  const std::string& uri() const { return uri_; }
  const std::string& schema() const { return schema_; }

  base::Result<std::unique_ptr<StateStore>> Open() override {
    SLUICE_RETURN_IF_ERROR(created_);
    return OpenPostgresStateStore(uri_);
  }
  base::Status Poison(const std::string& table, const std::string& column) override {
    return Admin("ALTER TABLE " + schema_ + "." + table + " ADD CONSTRAINT poison_" + column +
                 " CHECK (" + column + " <> 'poison')");
  }
  // Runs `sql` on the test database, outside the store.
  base::Status Admin(const std::string& sql) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Open(base_uri_, 1));
    return pool->Autocommit([&](pg::Session& session) { return session.Script(sql); });
  }
  base::Result<int64_t> AdminInt(const std::string& sql) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Open(base_uri_, 1));
    return pool->AutocommitValue<int64_t>([&](pg::Session& session) -> base::Result<int64_t> {
      SLUICE_ASSIGN_OR_RETURN(pg::Rows rows, session.Exec(sql));
      return rows.empty() ? int64_t{-1} : rows.Int(0, 0);
    });
  }

 private:
  std::string base_uri_;
  std::string schema_;
  std::string uri_;
  base::Status created_;
};

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

// PostgreSQL tests exist only with a database to test against (tests/postgres/with_postgres.sh
// provides one; the ctest store_postgres runs them there).
std::vector<Backend> PostgresIfConfigured() {
  if (PostgresUri() == nullptr) return {};
  return {Backend::kPostgres};
}

Operation Op(std::string uri, uint64_t ordering_id, std::string org = "org") {
  Operation op;
  op.organization_id = std::move(org);
  op.source_id = "src";
  op.document_id = std::move(uri);
  op.ordering_id = ordering_id;
  op.payload = R"({"data":"x"})";
  op.received_ms = 1000;
  op.request_id = "req";
  return op;
}

Item MakeItem(std::string uri, uint64_t ordering_id, int64_t indexed_ms = 1,
              ItemState state = ItemState::kIndexed, std::string source = "src") {
  return Item{
      "org", std::move(source), std::move(uri), ordering_id, state, "", "txt", 1, indexed_ms, ""};
}

LogEntry Log(int64_t ms, std::string source, std::string doc, std::string op, std::string task,
             std::string result, std::string request_id, std::string org = "org") {
  return LogEntry{0,
                  ms,
                  std::move(org),
                  std::move(source),
                  std::move(doc),
                  std::move(op),
                  std::move(task),
                  std::move(result),
                  "",
                  std::move(request_id)};
}

FileContainer Container(std::string id, int64_t created_ms, int64_t expires_ms) {
  FileContainer c;
  c.file_id = std::move(id);
  c.organization_id = "org";
  c.created_ms = created_ms;
  c.expires_ms = expires_ms;
  return c;
}

Field MakeField(std::string name, std::string type, int64_t now, std::string org = "org") {
  Field f;
  f.organization_id = std::move(org);
  f.name = std::move(name);
  f.type = std::move(type);
  f.created_ms = now;
  f.updated_ms = now;
  return f;
}

SecurityIdentity Identity(std::string name, uint64_t ordering_id, bool disabled = false,
                          std::string provider = "Email Security Provider") {
  SecurityIdentity id;
  id.organization_id = "org";
  id.provider_id = std::move(provider);
  id.name = std::move(name);
  id.type = "USER";
  id.body_json = R"({"members":[]})";
  id.ordering_id = ordering_id;
  id.disabled = disabled;
  id.updated_ms = 5;
  return id;
}

std::vector<std::string> Uris(const std::vector<Item>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const Item& item : items) out.push_back(item.uri);
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using Strings = std::vector<std::string>;

class StateStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      place_ = std::make_unique<SqlitePlace>();
    } else {
      auto pg = std::make_unique<PostgresPlace>(PostgresUri());
      ASSERT_TRUE(IsOk(pg->created()));
      place_ = std::move(pg);
    }
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    place_.reset();
  }
  void Reopen() {
    store_.reset();
    auto opened = place_->Open();
    ASSERT_TRUE(IsOk(opened));
    store_ = std::move(opened).value();
  }
  // The request ids of the organization's logs matching `q`.
  Strings LogIds(LogQuery q, const std::string& org = "org") {
    q.organization_id = org;
    Strings out;
    auto found = store_->QueryLogs(q);  // a named Result: `*Call()` would dangle in the loop
    EXPECT_TRUE(IsOk(found));
    if (found.ok()) {
      for (const auto& l : *found) out.push_back(l.request_id);
    }
    return out;
  }
  Strings FieldNames(const std::string& org = "org") {
    Strings names;
    auto fields = store_->ListFields(org);
    EXPECT_TRUE(IsOk(fields));
    if (fields.ok()) {
      for (const Field& f : *fields) names.push_back(f.name);
    }
    return names;
  }

  std::unique_ptr<Place> place_;
  std::unique_ptr<StateStore> store_;
};

// --- Catalog -------------------------------------------------------------------------------

TEST_P(StateStoreConformance, OrganizationsAreEnsuredOnce) {
  EXPECT_FALSE(Must(store_->OrganizationExists("org")));
  ASSERT_TRUE(IsOk(store_->EnsureOrganization("org", 1)));
  ASSERT_TRUE(IsOk(store_->EnsureOrganization("org", 2)));  // again: nothing to do, no error
  EXPECT_TRUE(Must(store_->OrganizationExists("org")));
  EXPECT_FALSE(Must(store_->OrganizationExists("Org")));
  EXPECT_FALSE(Must(store_->OrganizationExists("other")));
}

TEST_P(StateStoreConformance, SourcesAreCreatedOnceListedByNameAndDeleted) {
  Source shared{"org", "s1", "beta", "PUSH", 11};
  shared.visibility = "SHARED";
  ASSERT_TRUE(IsOk(store_->CreateSource(shared)));
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s2", "Alpha", "CATALOG", 12})));
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s3", "alpha", "PUSH", 13})));
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"other", "s1", "elsewhere", "PUSH", 14})));
  base::Status again = store_->CreateSource(Source{"org", "s1", "changed", "PUSH", 15});
  EXPECT_EQ(again.code(), base::StatusCode::kAlreadyExists) << again.ToString();

  auto s1 = Must(store_->GetSource("org", "s1"));
  ASSERT_TRUE(s1.has_value());
  EXPECT_EQ(s1->organization_id, "org");
  EXPECT_EQ(s1->name, "beta");
  EXPECT_EQ(s1->type, "PUSH");
  EXPECT_EQ(s1->created_ms, 11);
  EXPECT_EQ(s1->visibility, "SHARED");
  EXPECT_EQ(s1->status, "IDLE");
  auto s2 = Must(store_->GetSource("org", "s2"));
  ASSERT_TRUE(s2.has_value());
  EXPECT_EQ(s2->type, "CATALOG");
  EXPECT_EQ(s2->visibility, "SECURED");
  EXPECT_FALSE(Must(store_->GetSource("org", "nope")).has_value());
  EXPECT_FALSE(Must(store_->GetSource("nope", "s1")).has_value());

  // By name, in byte order: upper case first.
  auto listed = Must(store_->ListSources("org"));
  Strings names;
  for (const Source& s : listed) names.push_back(s.name);
  EXPECT_EQ(names, (Strings{"Alpha", "alpha", "beta"}));
  EXPECT_EQ(Must(store_->ListSources("other")).size(), 1u);
  EXPECT_TRUE(Must(store_->ListSources("nobody")).empty());

  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s1", "REBUILD", 20)));
  ASSERT_TRUE(IsOk(store_->DeleteSource("org", "s1")));
  EXPECT_FALSE(Must(store_->GetSource("org", "s1")).has_value());
  EXPECT_TRUE(Must(store_->GetSource("other", "s1")).has_value());
  base::Status gone = store_->DeleteSource("org", "s1");
  EXPECT_EQ(gone.code(), base::StatusCode::kNotFound);
  EXPECT_NE(gone.message().find("'s1'"), std::string::npos) << gone.message();
  EXPECT_NE(gone.message().find("'org'"), std::string::npos) << gone.message();
  EXPECT_EQ(store_->DeleteSource("nobody", "s2").code(), base::StatusCode::kNotFound);
  // Made again under the same id, it starts without the old open activity.
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s1", "again", "PUSH", 21})));
  EXPECT_EQ(Must(store_->GetSource("org", "s1"))->status, "IDLE");
}

TEST_P(StateStoreConformance, SourceStatusIsTheOpenActivity) {
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s1", "One", "PUSH", 1})));
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s2", "Two", "PUSH", 1})));
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s1", "REBUILD", 2)));
  EXPECT_EQ(Must(store_->GetSource("org", "s1"))->status, "REBUILD");
  EXPECT_EQ(Must(store_->GetSource("org", "s2"))->status, "IDLE");
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s1", "INCREMENTAL", 3)));  // closes REBUILD
  EXPECT_EQ(Must(store_->GetSource("org", "s1"))->status, "INCREMENTAL");
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s2", "REFRESH", 4)));
  auto listed = Must(store_->ListSources("org"));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].status, "INCREMENTAL");
  EXPECT_EQ(listed[1].status, "REFRESH");
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s1", "IDLE", 5)));
  EXPECT_EQ(Must(store_->GetSource("org", "s1"))->status, "IDLE");
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "s1", "IDLE", 6)));  // idle twice: fine
  EXPECT_EQ(Must(store_->GetSource("org", "s1"))->status, "IDLE");
  EXPECT_EQ(Must(store_->GetSource("org", "s2"))->status, "REFRESH");
}

TEST_P(StateStoreConformance, ApiKeysKeepPrivilegesNameAndSourceScope) {
  ApiKey scoped{"k2", "org", "hash2", {"push", "search"}, 2};
  scoped.display_name = "CI pusher";
  scoped.source_ids = {"s2", "s1", "s2"};  // kept once each, listed in order
  ASSERT_TRUE(IsOk(store_->PutApiKey(ApiKey{"k1", "org", "hash1", {"admin"}, 2})));
  ASSERT_TRUE(IsOk(store_->PutApiKey(scoped)));
  ASSERT_TRUE(IsOk(store_->PutApiKey(ApiKey{"k0", "org", "hash0", {}, 3})));
  ASSERT_TRUE(IsOk(store_->PutApiKey(ApiKey{"k3", "other", "hash3", {"search"}, 1})));
  EXPECT_EQ(Must(store_->CountApiKeys()), 4u);

  auto found = Must(store_->FindApiKeyByHash("hash2"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "k2");
  EXPECT_EQ(found->organization_id, "org");
  EXPECT_EQ(found->key_hash, "hash2");
  EXPECT_EQ(found->privileges, (Strings{"push", "search"}));
  EXPECT_EQ(found->created_ms, 2);
  EXPECT_EQ(found->display_name, "CI pusher");
  EXPECT_EQ(found->source_ids, (Strings{"s1", "s2"}));
  auto unscoped = Must(store_->FindApiKeyByHash("hash1"));
  ASSERT_TRUE(unscoped.has_value());
  EXPECT_TRUE(unscoped->source_ids.empty());
  EXPECT_EQ(unscoped->display_name, "");
  EXPECT_TRUE(Must(store_->FindApiKeyByHash("hash0"))->privileges.empty());
  EXPECT_FALSE(Must(store_->FindApiKeyByHash("nope")).has_value());

  // Oldest first; the same instant by id.
  auto listed = Must(store_->ListApiKeys("org"));
  Strings ids;
  for (const ApiKey& k : listed) ids.push_back(k.id);
  EXPECT_EQ(ids, (Strings{"k1", "k2", "k0"}));
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[1].source_ids, (Strings{"s1", "s2"}));
  EXPECT_TRUE(Must(store_->ListApiKeys("nobody")).empty());

  // The same id or the same hash again is refused, and nothing of it is kept.
  ApiKey clash{"k1", "org", "hash9", {"push"}, 9};
  clash.source_ids = {"s9"};
  EXPECT_FALSE(store_->PutApiKey(clash).ok());
  EXPECT_FALSE(store_->PutApiKey(ApiKey{"k9", "org", "hash1", {"push"}, 9}).ok());
  EXPECT_FALSE(Must(store_->FindApiKeyByHash("hash9")).has_value());
  EXPECT_TRUE(Must(store_->FindApiKeyByHash("hash1"))->source_ids.empty());
  EXPECT_EQ(Must(store_->CountApiKeys()), 4u);

  EXPECT_EQ(store_->DeleteApiKey("other", "k2").code(), base::StatusCode::kNotFound);
  ASSERT_TRUE(IsOk(store_->DeleteApiKey("org", "k2")));
  EXPECT_FALSE(Must(store_->FindApiKeyByHash("hash2")).has_value());
  base::Status gone = store_->DeleteApiKey("org", "k2");
  EXPECT_EQ(gone.code(), base::StatusCode::kNotFound);
  EXPECT_NE(gone.message().find("'k2'"), std::string::npos) << gone.message();
  EXPECT_EQ(Must(store_->CountApiKeys()), 3u);
  // A key made again under the deleted id starts without the old scope.
  ASSERT_TRUE(IsOk(store_->PutApiKey(ApiKey{"k2", "org", "hash2b", {"push"}, 4})));
  EXPECT_TRUE(Must(store_->FindApiKeyByHash("hash2b"))->source_ids.empty());
}

TEST_P(StateStoreConformance, ApiKeyWithAScopeThatFailsIsNotKept) {
  ASSERT_TRUE(IsOk(place_->Poison("api_key_sources", "source")));
  ApiKey key{"k1", "org", "hash1", {"push"}, 1};
  key.source_ids = {"s1", "poison"};
  EXPECT_FALSE(store_->PutApiKey(key).ok());
  EXPECT_FALSE(Must(store_->FindApiKeyByHash("hash1")).has_value());
  EXPECT_EQ(Must(store_->CountApiKeys()), 0u);
}

// --- Fields --------------------------------------------------------------------------------

TEST_P(StateStoreConformance, FieldsKeepEveryAttribute) {
  Field all = MakeField("author", "STRING", 7);
  all.facet = true;
  all.multi_value_facet = true;
  all.sort = true;
  all.include_in_query = false;
  all.include_in_results = false;
  all.merge_with_lexicon = true;
  all.description = "who wrote it";
  all.label = "Author";
  all.options_json = R"({"multiValueFacetTokenizers":";","useCacheForSort":true})";
  all.updated_ms = 8;
  Field plain = MakeField("views", "LONG", 9);
  ASSERT_TRUE(IsOk(store_->CreateFields({all, plain})));

  auto read = Must(store_->GetField("org", "author"));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->organization_id, "org");
  EXPECT_EQ(read->name, "author");
  EXPECT_EQ(read->type, "STRING");
  EXPECT_TRUE(read->facet);
  EXPECT_TRUE(read->multi_value_facet);
  EXPECT_TRUE(read->sort);
  EXPECT_FALSE(read->include_in_query);
  EXPECT_FALSE(read->include_in_results);
  EXPECT_TRUE(read->merge_with_lexicon);
  EXPECT_EQ(read->description, "who wrote it");
  EXPECT_EQ(read->label, "Author");
  EXPECT_EQ(read->options_json, all.options_json);
  EXPECT_EQ(read->created_ms, 7);
  EXPECT_EQ(read->updated_ms, 8);
  auto views = Must(store_->GetField("org", "views"));
  ASSERT_TRUE(views.has_value());
  EXPECT_FALSE(views->facet);
  EXPECT_FALSE(views->multi_value_facet);
  EXPECT_FALSE(views->sort);
  EXPECT_TRUE(views->include_in_query);
  EXPECT_TRUE(views->include_in_results);
  EXPECT_FALSE(views->merge_with_lexicon);
  EXPECT_EQ(views->options_json, "{}");
  EXPECT_FALSE(Must(store_->GetField("org", "nope")).has_value());
  EXPECT_FALSE(Must(store_->GetField("other", "author")).has_value());
}

TEST_P(StateStoreConformance, FieldBatchesChangeAllOrNothing) {
  ASSERT_TRUE(
      IsOk(store_->CreateFields({MakeField("views", "LONG", 1), MakeField("author", "STRING", 1),
                                 MakeField("z9", "DATE", 1), MakeField("a_b", "DOUBLE", 1)})));
  ASSERT_TRUE(IsOk(store_->CreateFields({MakeField("views", "STRING", 1, "other")})));
  EXPECT_EQ(FieldNames(), (Strings{"a_b", "author", "views", "z9"}));
  EXPECT_EQ(FieldNames("other"), (Strings{"views"}));

  base::Status dup =
      store_->CreateFields({MakeField("price", "DOUBLE", 2), MakeField("author", "LONG", 2)});
  EXPECT_EQ(dup.code(), base::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("'author'"), std::string::npos) << dup.message();
  dup = store_->CreateFields({MakeField("tag", "STRING", 2), MakeField("tag", "STRING", 2)});
  EXPECT_EQ(dup.code(), base::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("'tag'"), std::string::npos) << dup.message();
  EXPECT_EQ(FieldNames(), (Strings{"a_b", "author", "views", "z9"}));
  EXPECT_EQ(Must(store_->GetField("org", "author"))->type, "STRING");

  Field wider = MakeField("views", "LONG_64", 5);
  wider.sort = true;
  wider.created_ms = 99;  // ignored: a field keeps the time it was created
  base::Status missing = store_->UpdateFields({wider, MakeField("nope", "STRING", 5)});
  EXPECT_EQ(missing.code(), base::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("'nope'"), std::string::npos) << missing.message();
  EXPECT_EQ(Must(store_->GetField("org", "views"))->type, "LONG");
  EXPECT_EQ(store_->UpdateFields({MakeField("author", "LONG", 5, "nobody")}).code(),
            base::StatusCode::kNotFound);
  ASSERT_TRUE(IsOk(store_->UpdateFields({wider})));
  auto updated = Must(store_->GetField("org", "views"));
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->type, "LONG_64");
  EXPECT_TRUE(updated->sort);
  EXPECT_EQ(updated->created_ms, 1);
  EXPECT_EQ(updated->updated_ms, 5);
  EXPECT_EQ(Must(store_->GetField("other", "views"))->type, "STRING");

  base::Status not_there = store_->DeleteFields("org", {"views", "nope"});
  EXPECT_EQ(not_there.code(), base::StatusCode::kNotFound);
  EXPECT_NE(not_there.message().find("'nope'"), std::string::npos) << not_there.message();
  EXPECT_EQ(store_->DeleteFields("org", {"z9", "z9"}).code(), base::StatusCode::kNotFound);
  EXPECT_EQ(FieldNames(), (Strings{"a_b", "author", "views", "z9"}));
  ASSERT_TRUE(IsOk(store_->DeleteFields("org", {"views", "author"})));
  EXPECT_EQ(FieldNames(), (Strings{"a_b", "z9"}));
  EXPECT_EQ(FieldNames("other"), (Strings{"views"}));
  EXPECT_FALSE(Must(store_->GetField("org", "views")).has_value());
  EXPECT_TRUE(FieldNames("nobody").empty());
}

TEST_P(StateStoreConformance, TheFieldCatalogVersionMovesWithEveryFieldChangeOnly) {
  const uint64_t v0 = store_->FieldCatalogVersion();
  EXPECT_EQ(store_->FieldCatalogVersion(), v0);
  ASSERT_TRUE(IsOk(store_->CreateFields({MakeField("price", "LONG", 1)})));
  const uint64_t v1 = store_->FieldCatalogVersion();
  EXPECT_NE(v1, v0);
  // Refused changes change nothing.
  EXPECT_FALSE(store_->CreateFields({MakeField("price", "LONG", 1)}).ok());
  EXPECT_FALSE(store_->UpdateFields({MakeField("nope", "LONG", 1)}).ok());
  EXPECT_FALSE(store_->DeleteFields("org", {"nope"}).ok());
  EXPECT_EQ(store_->FieldCatalogVersion(), v1);
  // Other writes neither.
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "s", "S", "PUSH", 1})));
  std::vector<Operation> ops = {Op("a", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  EXPECT_EQ(store_->FieldCatalogVersion(), v1);
  ASSERT_TRUE(IsOk(store_->UpdateFields({MakeField("price", "DOUBLE", 2)})));
  const uint64_t v2 = store_->FieldCatalogVersion();
  EXPECT_NE(v2, v1);
  ASSERT_TRUE(IsOk(store_->DeleteFields("org", {"price"})));
  const uint64_t v3 = store_->FieldCatalogVersion();
  EXPECT_NE(v3, v2);
  EXPECT_NE(v3, v1);
}

// --- File containers -----------------------------------------------------------------------

TEST_P(StateStoreConformance, FileContainersAreUploadedThenConsumed) {
  ASSERT_TRUE(IsOk(store_->CreateFileContainer(Container("f1", 10, 3610))));
  ASSERT_TRUE(IsOk(store_->CreateFileContainer(Container("f2", 11, 3611))));
  auto fresh = Must(store_->GetFileContainer("f1"));
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->file_id, "f1");
  EXPECT_EQ(fresh->organization_id, "org");
  EXPECT_EQ(fresh->created_ms, 10);
  EXPECT_EQ(fresh->expires_ms, 3610);
  EXPECT_FALSE(fresh->uploaded_ms.has_value());
  EXPECT_EQ(fresh->size, 0u);
  EXPECT_EQ(fresh->sha256_hex, "");
  EXPECT_FALSE(fresh->consumed_ms.has_value());
  EXPECT_FALSE(Must(store_->GetFileContainer("nope")).has_value());
  EXPECT_FALSE(store_->CreateFileContainer(Container("f1", 12, 3612)).ok());
  EXPECT_EQ(Must(store_->GetFileContainer("f1"))->created_ms, 10);

  const uint64_t big = (uint64_t{5} << 32) + 7;  // more than 32 bits
  ASSERT_TRUE(IsOk(store_->MarkFileUploaded("f1", 20, big, "ab12")));
  ASSERT_TRUE(IsOk(store_->MarkFileUploaded("nope", 20, 1, "cd")));  // nothing to mark: fine
  auto uploaded = Must(store_->GetFileContainer("f1"));
  ASSERT_TRUE(uploaded.has_value());
  EXPECT_EQ(uploaded->uploaded_ms, 20);
  EXPECT_EQ(uploaded->size, big);
  EXPECT_EQ(uploaded->sha256_hex, "ab12");
  EXPECT_FALSE(uploaded->consumed_ms.has_value());
  EXPECT_FALSE(Must(store_->GetFileContainer("nope")).has_value());

  AppliedBatch batch;
  batch.consumed_file_ids = {"f1"};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 30)));
  EXPECT_EQ(Must(store_->GetFileContainer("f1"))->consumed_ms, 30);
  EXPECT_FALSE(Must(store_->GetFileContainer("f2"))->consumed_ms.has_value());
  EXPECT_FALSE(Must(store_->GetFileContainer("f2"))->uploaded_ms.has_value());
}

// --- Security identities -------------------------------------------------------------------

TEST_P(StateStoreConformance, SecurityIdentitiesHonourOrderingIds) {
  SecurityIdentity alias = Identity("alias@x.com", 3);
  alias.alias = true;
  alias.type = "GROUP";
  alias.body_json = R"({"mappings":[{"name":"a"}]})";
  EXPECT_EQ(Must(store_->PutSecurityIdentities(
                {Identity("b@x.com", 10), Identity("a@x.com", kHigh), alias})),
            3u);
  EXPECT_EQ(Must(store_->PutSecurityIdentities({})), 0u);
  // Older: not applied. The same orderingId: applied (not older). A newer disable: applied,
  // the body kept for the record.
  SecurityIdentity changed = Identity("b@x.com", 10);
  changed.body_json = R"({"members":["c"]})";
  EXPECT_EQ(Must(store_->PutSecurityIdentities({Identity("b@x.com", 9, true), changed})), 1u);
  SecurityIdentity stale = Identity("a@x.com", kHigh - 1);
  stale.body_json = R"({"stale":true})";
  EXPECT_EQ(Must(store_->PutSecurityIdentities({stale})), 0u);
  EXPECT_EQ(Must(store_->PutSecurityIdentities({Identity("a@x.com", kTop, true)})), 1u);

  auto all = Must(store_->ListSecurityIdentities("org", "", 0, 10));
  ASSERT_EQ(all.size(), 3u);
  // By provider, then name, then type.
  EXPECT_EQ(all[0].name, "a@x.com");
  EXPECT_TRUE(all[0].disabled);
  EXPECT_EQ(all[0].ordering_id, kTop);
  EXPECT_EQ(all[0].body_json, R"({"members":[]})");
  EXPECT_EQ(all[1].name, "alias@x.com");
  EXPECT_TRUE(all[1].alias);
  EXPECT_EQ(all[1].type, "GROUP");
  EXPECT_EQ(all[1].body_json, R"({"mappings":[{"name":"a"}]})");
  EXPECT_EQ(all[2].name, "b@x.com");
  EXPECT_FALSE(all[2].alias);
  EXPECT_FALSE(all[2].disabled);
  EXPECT_EQ(all[2].body_json, R"({"members":["c"]})");
  EXPECT_EQ(all[2].organization_id, "org");
  EXPECT_EQ(all[2].provider_id, "Email Security Provider");
  EXPECT_EQ(all[2].updated_ms, 5);
}

TEST_P(StateStoreConformance, SecurityIdentitiesAreListedByProviderAndPaged) {
  ASSERT_TRUE(IsOk(store_->PutSecurityIdentities(
      {Identity("u2", 1, false, "P2"), Identity("u1", 1, false, "P2"),
       Identity("u1", 1, false, "P1"), Identity("U9", 1, false, "P1")})));
  SecurityIdentity group = Identity("u1", 1, false, "P1");
  group.type = "GROUP";
  ASSERT_TRUE(IsOk(store_->PutSecurityIdentities({group})));  // another type: another identity
  auto key = [](const std::vector<SecurityIdentity>& ids) {
    Strings out;
    for (const auto& id : ids) out.push_back(id.provider_id + "/" + id.name + "/" + id.type);
    return out;
  };
  EXPECT_EQ(key(Must(store_->ListSecurityIdentities("org", "", 0, 100))),
            (Strings{"P1/U9/USER", "P1/u1/GROUP", "P1/u1/USER", "P2/u1/USER", "P2/u2/USER"}));
  EXPECT_EQ(key(Must(store_->ListSecurityIdentities("org", "P2", 0, 100))),
            (Strings{"P2/u1/USER", "P2/u2/USER"}));
  EXPECT_EQ(key(Must(store_->ListSecurityIdentities("org", "", 1, 2))),
            (Strings{"P1/u1/GROUP", "P1/u1/USER"}));
  EXPECT_EQ(key(Must(store_->ListSecurityIdentities("org", "", 4, 10))), (Strings{"P2/u2/USER"}));
  EXPECT_TRUE(Must(store_->ListSecurityIdentities("org", "", 5, 10)).empty());
  EXPECT_TRUE(Must(store_->ListSecurityIdentities("org", "P3", 0, 10)).empty());
  EXPECT_TRUE(Must(store_->ListSecurityIdentities("other", "", 0, 10)).empty());
  EXPECT_TRUE(Must(store_->ListSecurityIdentities("org", "", 0, 0)).empty());
}

TEST_P(StateStoreConformance, DisablingOlderIdentitiesSparesNewerOnesAndOtherProviders) {
  ASSERT_TRUE(IsOk(
      store_->PutSecurityIdentities({Identity("a", 10), Identity("b", kHigh),
                                     Identity("c", 5, true), Identity("d", 10, false, "Other")})));
  // a (10) goes; b (above 2^63) stays; c is already disabled; d is another provider's.
  EXPECT_EQ(
      Must(store_->DisableSecurityIdentitiesOlderThan("org", "Email Security Provider", 11, 6)),
      1u);
  EXPECT_EQ(
      Must(store_->DisableSecurityIdentitiesOlderThan("org", "Email Security Provider", 11, 7)),
      0u);
  auto ids = Must(store_->ListSecurityIdentities("org", "", 0, 10));
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_TRUE(ids[0].disabled);
  EXPECT_EQ(ids[0].updated_ms, 6);
  EXPECT_EQ(ids[0].body_json, R"({"members":[]})");
  EXPECT_FALSE(ids[1].disabled);
  EXPECT_TRUE(ids[2].disabled);
  EXPECT_EQ(ids[2].updated_ms, 5);
  EXPECT_EQ(ids[3].provider_id, "Other");
  EXPECT_FALSE(ids[3].disabled);
  // Above 2^63 too.
  EXPECT_EQ(
      Must(store_->DisableSecurityIdentitiesOlderThan("org", "Email Security Provider", kTop, 8)),
      1u);
  EXPECT_EQ(Must(store_->DisableSecurityIdentitiesOlderThan("other", "Other", kTop, 8)), 0u);
}

TEST_P(StateStoreConformance, SecurityIdentityBatchesApplyAllOrNone) {
  ASSERT_TRUE(IsOk(place_->Poison("security_identities", "name")));
  EXPECT_FALSE(store_->PutSecurityIdentities({Identity("a", 1), Identity("poison", 1)}).ok());
  EXPECT_TRUE(Must(store_->ListSecurityIdentities("org", "", 0, 10)).empty());
  EXPECT_EQ(Must(store_->PutSecurityIdentities({Identity("a", 1)})), 1u);
}

// --- Streams -------------------------------------------------------------------------------

TEST_P(StateStoreConformance, StreamsKeepTheirChunksInOrderAndCloseOnce) {
  ASSERT_TRUE(IsOk(store_->CreateStream(Stream{"s1", "org", "src", kHigh, 1, {}})));
  ASSERT_TRUE(IsOk(store_->CreateStream(Stream{"s2", "org", "src2", 3, 2, {}})));
  auto stream = Must(store_->GetStream("s1"));
  ASSERT_TRUE(stream.has_value());
  EXPECT_EQ(stream->id, "s1");
  EXPECT_EQ(stream->organization_id, "org");
  EXPECT_EQ(stream->source_id, "src");
  EXPECT_EQ(stream->ordering_id, kHigh);
  EXPECT_EQ(stream->opened_ms, 1);
  EXPECT_FALSE(stream->closed_ms.has_value());
  EXPECT_FALSE(Must(store_->GetStream("nope")).has_value());
  EXPECT_FALSE(store_->CreateStream(Stream{"s1", "org", "src", 1, 1, {}}).ok());

  // Handed-out order, not name order.
  for (const char* f : {"f3", "f1", "f2"}) ASSERT_TRUE(IsOk(store_->AddStreamChunk("s1", f)));
  ASSERT_TRUE(IsOk(store_->AddStreamChunk("s2", "g1")));
  EXPECT_EQ(Must(store_->StreamChunks("s1")), (Strings{"f3", "f1", "f2"}));
  EXPECT_EQ(Must(store_->StreamChunks("s2")), (Strings{"g1"}));
  EXPECT_TRUE(Must(store_->StreamChunks("nope")).empty());

  std::vector<Operation> ops = {Op("a", kHigh), Op("b", kHigh)};
  ops[1].kind = OperationKind::kDeleteOlderThan;
  ASSERT_TRUE(IsOk(store_->CloseStream("s1", 7, ops)));
  EXPECT_GT(ops[0].seq, 0);
  EXPECT_GT(ops[1].seq, ops[0].seq);
  EXPECT_EQ(Must(store_->GetStream("s1"))->closed_ms, 7);
  EXPECT_FALSE(Must(store_->GetStream("s2"))->closed_ms.has_value());
  auto journaled = Must(store_->PendingOperations(0, 10));
  ASSERT_EQ(journaled.size(), 2u);
  EXPECT_EQ(journaled[0].seq, ops[0].seq);
  EXPECT_EQ(journaled[1].kind, OperationKind::kDeleteOlderThan);
  EXPECT_EQ(journaled[1].ordering_id, kHigh);

  std::vector<Operation> more = {Op("c", 1)};
  base::Status again = store_->CloseStream("s1", 8, more);
  EXPECT_EQ(again.code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("'s1'"), std::string::npos) << again.message();
  EXPECT_EQ(Must(store_->PendingCount()), 2u);  // the second close journaled nothing
  EXPECT_EQ(Must(store_->GetStream("s1"))->closed_ms, 7);
  EXPECT_EQ(store_->CloseStream("nope", 8, more).code(), base::StatusCode::kFailedPrecondition);
  // A stream closes with no operation too.
  std::vector<Operation> none;
  ASSERT_TRUE(IsOk(store_->CloseStream("s2", 9, none)));
  EXPECT_EQ(Must(store_->GetStream("s2"))->closed_ms, 9);
  EXPECT_EQ(Must(store_->PendingCount()), 2u);
}

TEST_P(StateStoreConformance, AStreamWhoseOperationsFailStaysOpen) {
  ASSERT_TRUE(IsOk(store_->CreateStream(Stream{"s1", "org", "src", 1, 1, {}})));
  ASSERT_TRUE(IsOk(place_->Poison("journal", "document_id")));
  std::vector<Operation> ops = {Op("a", 1), Op("poison", 1)};
  EXPECT_FALSE(store_->CloseStream("s1", 7, ops).ok());
  EXPECT_FALSE(Must(store_->GetStream("s1"))->closed_ms.has_value());
  EXPECT_EQ(Must(store_->PendingCount()), 0u);
  ops = {Op("a", 1)};
  ASSERT_TRUE(IsOk(store_->CloseStream("s1", 8, ops)));
  EXPECT_EQ(Must(store_->GetStream("s1"))->closed_ms, 8);
}

// --- Journal -------------------------------------------------------------------------------

TEST_P(StateStoreConformance, AppendAssignsIncreasingSeqsAndKeepsEveryField) {
  std::vector<Operation> ops;
  const OperationKind kinds[] = {
      OperationKind::kAddOrUpdate,     OperationKind::kDelete, OperationKind::kDeleteWithChildren,
      OperationKind::kDeleteOlderThan, OperationKind::kBatch,  OperationKind::kMerge};
  uint64_t ordering = 0;
  for (OperationKind kind : kinds) {
    Operation op = Op("doc-" + std::string(OperationKindName(kind)), ordering);
    op.kind = kind;
    op.received_ms = 1000 + static_cast<int64_t>(ordering);
    op.request_id = "r" + std::to_string(ordering);
    op.payload = R"({"n":)" + std::to_string(ordering) + R"(,"text":"é ✓"})";
    ordering = ordering == 0 ? kHigh : ordering + 1;
    ops.push_back(op);
  }
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  for (size_t i = 1; i < ops.size(); ++i) EXPECT_GT(ops[i].seq, ops[i - 1].seq);
  EXPECT_GT(ops[0].seq, 0);
  std::vector<Operation> next = {Op("later", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(next)));
  EXPECT_GT(next[0].seq, ops.back().seq);
  std::vector<Operation> none;
  ASSERT_TRUE(IsOk(store_->AppendOperations(none)));

  auto pending = Must(store_->PendingOperations(0, 100));
  ASSERT_EQ(pending.size(), ops.size() + 1);
  for (size_t i = 0; i < ops.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(pending[i].seq, ops[i].seq);
    EXPECT_EQ(pending[i].organization_id, "org");
    EXPECT_EQ(pending[i].source_id, "src");
    EXPECT_EQ(pending[i].kind, ops[i].kind);
    EXPECT_EQ(pending[i].document_id, ops[i].document_id);
    EXPECT_EQ(pending[i].ordering_id, ops[i].ordering_id);
    EXPECT_EQ(pending[i].payload, ops[i].payload);
    EXPECT_EQ(pending[i].received_ms, ops[i].received_ms);
    EXPECT_EQ(pending[i].request_id, ops[i].request_id);
    EXPECT_EQ(pending[i].attempts, 0);
  }
  EXPECT_EQ(Must(store_->PendingCount()), ops.size() + 1);
}

TEST_P(StateStoreConformance, BatchItemsAreJournaledWithTheBatchsProgress) {
  Operation batch = Op("", 7);
  batch.kind = OperationKind::kBatch;
  std::vector<Operation> batches = {batch};
  ASSERT_TRUE(IsOk(store_->AppendOperations(batches)));
  EXPECT_EQ(Must(store_->GetOperation(batches[0].seq))->expanded, 0u);

  std::vector<Operation> items = {Op("a", 7), Op("b", 7)};
  ASSERT_TRUE(IsOk(store_->AppendBatchItems(batches[0].seq, 3, items)));
  EXPECT_GT(items[0].seq, batches[0].seq);
  EXPECT_GT(items[1].seq, items[0].seq);
  EXPECT_EQ(Must(store_->GetOperation(batches[0].seq))->expanded, 3u);
  std::vector<Operation> more = {Op("c", 7)};
  ASSERT_TRUE(IsOk(store_->AppendBatchItems(batches[0].seq, 5, more)));
  auto pending = Must(store_->PendingOperations(0, 10));
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].expanded, 5u);
  EXPECT_EQ(pending[3].document_id, "c");
  EXPECT_EQ(pending[3].expanded, 0u);
  // Reopened, the progress is still there.
  Reopen();
  EXPECT_EQ(Must(store_->GetOperation(batches[0].seq))->expanded, 5u);
}

TEST_P(StateStoreConformance, PendingOperationsPageBySeqAndSkipCompletedOnes) {
  std::vector<Operation> ops;
  ops.reserve(6);
  for (int i = 0; i < 6; ++i) ops.push_back(Op("d" + std::to_string(i), 1));
  for (size_t i = 0; i < ops.size(); ++i) ops[i].received_ms = 100 + static_cast<int64_t>(i);
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  auto seqs = [](const std::vector<Operation>& v) {
    std::vector<int64_t> out;
    out.reserve(v.size());
    for (const Operation& op : v) out.push_back(op.seq);
    return out;
  };
  using Seqs = std::vector<int64_t>;
  EXPECT_EQ(seqs(Must(store_->PendingOperations(0, 2))), (Seqs{ops[0].seq, ops[1].seq}));
  EXPECT_EQ(seqs(Must(store_->PendingOperations(ops[1].seq, 3))),
            (Seqs{ops[2].seq, ops[3].seq, ops[4].seq}));
  EXPECT_TRUE(Must(store_->PendingOperations(ops[5].seq, 10)).empty());
  EXPECT_TRUE(Must(store_->PendingOperations(0, 0)).empty());
  EXPECT_EQ(Must(store_->OldestPendingReceivedMs()), 100);

  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq, ops[2].seq, 987654321};  // an unknown seq is no error
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 500)));
  EXPECT_EQ(seqs(Must(store_->PendingOperations(0, 3))),
            (Seqs{ops[1].seq, ops[3].seq, ops[4].seq}));
  EXPECT_EQ(Must(store_->PendingCount()), 4u);
  EXPECT_EQ(Must(store_->OldestPendingReceivedMs()), 101);

  // Done operations can still be read one by one.
  auto done = Must(store_->GetOperation(ops[0].seq));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->document_id, "d0");
  EXPECT_EQ(done->received_ms, 100);
  EXPECT_FALSE(Must(store_->GetOperation(987654321)).has_value());
  EXPECT_FALSE(Must(store_->GetOperation(0)).has_value());

  batch.completed_seqs = {ops[1].seq, ops[3].seq, ops[4].seq, ops[5].seq};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 600)));
  EXPECT_EQ(Must(store_->PendingCount()), 0u);
  EXPECT_EQ(Must(store_->OldestPendingReceivedMs()), 0);
  EXPECT_TRUE(Must(store_->PendingOperations(0, 10)).empty());
}

TEST_P(StateStoreConformance, AttemptsAreCounted) {
  std::vector<Operation> ops = {Op("a", 1), Op("b", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  ASSERT_TRUE(IsOk(store_->RecordAttempt(ops[0].seq)));
  ASSERT_TRUE(IsOk(store_->RecordAttempt(ops[0].seq)));
  ASSERT_TRUE(IsOk(store_->RecordAttempt(ops[1].seq)));
  ASSERT_TRUE(IsOk(store_->RecordAttempt(987654321)));  // nothing to count: fine
  EXPECT_EQ(Must(store_->GetOperation(ops[0].seq))->attempts, 2);
  EXPECT_EQ(Must(store_->GetOperation(ops[1].seq))->attempts, 1);
  EXPECT_EQ(Must(store_->PendingOperations(0, 10))[0].attempts, 2);
}

TEST_P(StateStoreConformance, AFailedAppendJournalsNothing) {
  std::vector<Operation> first = {Op("a", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(first)));
  ASSERT_TRUE(IsOk(place_->Poison("journal", "document_id")));
  std::vector<Operation> ops = {Op("b", 1), Op("poison", 1), Op("c", 1)};
  EXPECT_FALSE(store_->AppendOperations(ops).ok());
  EXPECT_EQ(Must(store_->PendingCount()), 1u);
  std::vector<Operation> after = {Op("d", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(after)));
  EXPECT_GT(after[0].seq, first[0].seq);
  auto pending = Must(store_->PendingOperations(0, 10));
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[1].document_id, "d");
}

// Writers on several threads; a reader that tails the journal by seq, as the pipeline does,
// must see every operation once, in seq order.
TEST_P(StateStoreConformance, ConcurrentAppendsAreTailedWithoutGaps) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::atomic<int> writers{kThreads};
  std::vector<int64_t> seen;
  std::thread reader([&] {
    int64_t after = 0;
    for (;;) {
      const bool last = writers.load() == 0;  // read before polling: one more poll after the end
      auto page = store_->PendingOperations(after, 1000);
      ASSERT_TRUE(IsOk(page));
      for (const Operation& op : *page) {
        seen.push_back(op.seq);
        after = op.seq;
      }
      if (last && page->empty()) return;
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<std::vector<int64_t>> appended(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<Operation> ops = {Op("t" + std::to_string(t) + "-" + std::to_string(i), 1)};
        if (i % 5 == 0) ops.push_back(Op("t" + std::to_string(t) + "-extra", 1));
        ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
        for (const Operation& op : ops) appended[t].push_back(op.seq);
      }
      writers--;
    });
  }
  for (auto& t : threads) t.join();
  reader.join();
  std::vector<int64_t> all;
  for (const auto& v : appended) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a seq was given twice";
  EXPECT_EQ(seen, all);
  EXPECT_EQ(Must(store_->PendingCount()), all.size());
}

// --- Items ---------------------------------------------------------------------------------

TEST_P(StateStoreConformance, ItemsKeepEveryFieldAndAreReplaced) {
  Item full{"org",     "src", "http://x/a",        kHigh, ItemState::kFailed,
            "Title é", "pdf", (uint64_t{3} << 33), 1234,  "no text",
            42};
  AppliedBatch batch;
  batch.items = {full};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 1)));
  auto item = Must(store_->GetItem("org", "src", "http://x/a"));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->organization_id, "org");
  EXPECT_EQ(item->source_id, "src");
  EXPECT_EQ(item->uri, "http://x/a");
  EXPECT_EQ(item->ordering_id, kHigh);
  EXPECT_EQ(item->state, ItemState::kFailed);
  EXPECT_EQ(item->title, "Title é");
  EXPECT_EQ(item->file_type, "pdf");
  EXPECT_EQ(item->size, uint64_t{3} << 33);
  EXPECT_EQ(item->indexed_ms, 1234);
  EXPECT_EQ(item->reason, "no text");
  EXPECT_EQ(item->op_seq, 42);
  EXPECT_FALSE(Must(store_->GetItem("org", "src", "http://x/A")).has_value());
  EXPECT_FALSE(Must(store_->GetItem("org", "other", "http://x/a")).has_value());
  EXPECT_FALSE(Must(store_->GetItem("other", "src", "http://x/a")).has_value());

  Item newer{"org", "src", "http://x/a", kTop, ItemState::kIndexed, "T2", "html", 5, 2000, "", 43};
  batch.items = {newer};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 2)));
  item = Must(store_->GetItem("org", "src", "http://x/a"));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->ordering_id, kTop);
  EXPECT_EQ(item->state, ItemState::kIndexed);
  EXPECT_EQ(item->title, "T2");
  EXPECT_EQ(item->reason, "");
  EXPECT_EQ(item->op_seq, 43);
  // Deleted items stay as tombstones.
  newer.state = ItemState::kDeleted;
  batch.items = {newer};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 3)));
  EXPECT_EQ(Must(store_->GetItem("org", "src", "http://x/a"))->state, ItemState::kDeleted);
}

TEST_P(StateStoreConformance, PrefixMatchesTheItemAndItsChildrenOnly) {
  AppliedBatch batch;
  for (std::string uri :
       {"file://folder", "file://folder/a", "file://folder/sub/b", "file://folder2",
        "file://fold%er", "file://folder-2", "file://folder.html", "file://folder0",
        "file://folder/", "file://Folder/a", "file://folde"}) {
    batch.items.push_back(MakeItem(uri, 1));
  }
  batch.items.push_back(MakeItem("file://folder/gone", 1, 1, ItemState::kDeleted));
  batch.items.push_back(MakeItem("file://folder/failed", 1, 1, ItemState::kFailed));
  batch.items.push_back(MakeItem("file://folder/elsewhere", 1, 1, ItemState::kIndexed, "src2"));
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 1)));
  EXPECT_EQ(Sorted(Uris(Must(store_->ItemsWithPrefix("org", "src", "file://folder")))),
            (Strings{"file://folder", "file://folder/", "file://folder/a", "file://folder/failed",
                     "file://folder/sub/b"}));
  EXPECT_EQ(Sorted(Uris(Must(store_->ItemsWithPrefix("org", "src", "file://folder/sub")))),
            (Strings{"file://folder/sub/b"}));
  EXPECT_EQ(Sorted(Uris(Must(store_->ItemsWithPrefix("org", "src", "file://fold%er")))),
            (Strings{"file://fold%er"}));
  EXPECT_TRUE(Must(store_->ItemsWithPrefix("org", "src", "file://fold")).empty());
  EXPECT_TRUE(Must(store_->ItemsWithPrefix("org", "src", "file://folder/gone")).empty());
  EXPECT_TRUE(Must(store_->ItemsWithPrefix("other", "src", "file://folder")).empty());
}

TEST_P(StateStoreConformance, ItemsOlderThanCompareOrderingIdsAsUnsigned) {
  AppliedBatch batch;
  batch.items = {MakeItem("zero", 0),
                 MakeItem("small", 5),
                 MakeItem("mid", uint64_t{1} << 63),
                 MakeItem("high", kHigh),
                 MakeItem("top", kTop),
                 MakeItem("gone", 1, 1, ItemState::kDeleted),
                 MakeItem("failed", 2, 1, ItemState::kFailed),
                 MakeItem("elsewhere", 1, 1, ItemState::kIndexed, "src2")};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 1)));
  auto older = [&](uint64_t ordering_id) {
    return Sorted(Uris(Must(store_->ItemsOlderThan("org", "src", ordering_id))));
  };
  EXPECT_TRUE(older(0).empty());
  EXPECT_EQ(older(5), (Strings{"failed", "zero"}));
  EXPECT_EQ(older(uint64_t{1} << 63), (Strings{"failed", "small", "zero"}));
  EXPECT_EQ(older(kHigh), (Strings{"failed", "mid", "small", "zero"}));
  EXPECT_EQ(older(kTop), (Strings{"failed", "high", "mid", "small", "zero"}));
  EXPECT_TRUE(Must(store_->ItemsOlderThan("org", "nope", kTop)).empty());
}

TEST_P(StateStoreConformance, ItemsAreListedNewestFirstAndCounted) {
  AppliedBatch batch;
  batch.items = {MakeItem("b", 1, 300),
                 MakeItem("a", 1, 300),
                 MakeItem("c", 1, 100),
                 MakeItem("d", 1, 200, ItemState::kFailed),
                 MakeItem("e", 1, 400, ItemState::kDeleted),
                 MakeItem("f", 1, 500, ItemState::kIndexed, "src2")};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 1)));
  EXPECT_EQ(Uris(Must(store_->ListItems("org", "src", 0, 100))), (Strings{"a", "b", "d", "c"}));
  EXPECT_EQ(Uris(Must(store_->ListItems("org", "src", 1, 2))), (Strings{"b", "d"}));
  EXPECT_EQ(Uris(Must(store_->ListItems("org", "src", 3, 2))), (Strings{"c"}));
  EXPECT_TRUE(Must(store_->ListItems("org", "src", 4, 2)).empty());
  EXPECT_TRUE(Must(store_->ListItems("org", "src", 0, 0)).empty());
  EXPECT_TRUE(Must(store_->ListItems("other", "src", 0, 10)).empty());
  ItemCounts counts = Must(store_->CountItems("org", "src"));
  EXPECT_EQ(counts.indexed, 3u);
  EXPECT_EQ(counts.failed, 1u);
  counts = Must(store_->CountItems("org", "src2"));
  EXPECT_EQ(counts.indexed, 1u);
  EXPECT_EQ(counts.failed, 0u);
  counts = Must(store_->CountItems("org", "nope"));
  EXPECT_EQ(counts.indexed, 0u);
  EXPECT_EQ(counts.failed, 0u);
}

// Items, logs, completed operations and consumed containers of a batch are written together
// or not at all.
TEST_P(StateStoreConformance, CommitAppliedIsAllOrNothing) {
  std::vector<Operation> ops = {Op("a", 1), Op("b", 1)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  ASSERT_TRUE(IsOk(store_->CreateFileContainer(Container("f1", 1, 2))));
  ASSERT_TRUE(IsOk(place_->Poison("item_logs", "reason")));
  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq, ops[1].seq};
  batch.items = {MakeItem("a", 1), MakeItem("b", 1)};
  batch.logs = {Log(1, "src", "a", "ADD", "INDEXING", "COMPLETED", "r1"),
                Log(1, "src", "b", "ADD", "INDEXING", "COMPLETED", "r2")};
  batch.logs[1].reason = "poison";
  batch.consumed_file_ids = {"f1"};
  EXPECT_FALSE(store_->CommitApplied(batch, 9).ok());
  EXPECT_EQ(Must(store_->PendingCount()), 2u);
  EXPECT_FALSE(Must(store_->GetItem("org", "src", "a")).has_value());
  EXPECT_TRUE(LogIds({}).empty());
  EXPECT_FALSE(Must(store_->GetFileContainer("f1"))->consumed_ms.has_value());

  batch.logs[1].reason = "fine";
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 9)));
  EXPECT_EQ(Must(store_->PendingCount()), 0u);
  EXPECT_TRUE(Must(store_->GetItem("org", "src", "b")).has_value());
  EXPECT_EQ(LogIds({}), (Strings{"r2", "r1"}));
  EXPECT_EQ(Must(store_->GetFileContainer("f1"))->consumed_ms, 9);
}

// --- Logs ----------------------------------------------------------------------------------

TEST_P(StateStoreConformance, LogsKeepEveryFieldNewestFirst) {
  LogEntry entry{0,
                 1234,
                 "org",
                 "src",
                 "http://x/a",
                 "ADD_BY_REFERENCE",
                 "PROCESSING",
                 "WARNING",
                 "mismatched type",
                 "req-1"};
  ASSERT_TRUE(IsOk(store_->AppendLogs({entry})));
  ASSERT_TRUE(IsOk(store_->AppendLogs({})));
  ASSERT_TRUE(
      IsOk(store_->AppendLogs({Log(1000, "src", "b", "ADD", "INDEXING", "COMPLETED", "r2"),
                               Log(999, "src", "c", "ADD", "INDEXING", "COMPLETED", "r3")})));
  LogQuery q;
  q.organization_id = "org";
  auto logs = Must(store_->QueryLogs(q));
  ASSERT_EQ(logs.size(), 3u);
  // Newest written first, whatever their datetime.
  EXPECT_EQ(logs[0].request_id, "r3");
  EXPECT_EQ(logs[1].request_id, "r2");
  EXPECT_GT(logs[0].id, logs[1].id);
  EXPECT_GT(logs[1].id, logs[2].id);
  EXPECT_EQ(logs[2].datetime_ms, 1234);
  EXPECT_EQ(logs[2].organization_id, "org");
  EXPECT_EQ(logs[2].source_id, "src");
  EXPECT_EQ(logs[2].document_id, "http://x/a");
  EXPECT_EQ(logs[2].operation, "ADD_BY_REFERENCE");
  EXPECT_EQ(logs[2].task, "PROCESSING");
  EXPECT_EQ(logs[2].result, "WARNING");
  EXPECT_EQ(logs[2].reason, "mismatched type");
  EXPECT_EQ(logs[2].request_id, "req-1");
}

TEST_P(StateStoreConformance, LogQueriesFilterByEveryDimension) {
  ASSERT_TRUE(IsOk(store_->AppendLogs({
      Log(1000, "s1", "http://x/a", "ADD", "INDEXING", "COMPLETED", "r1"),
      Log(2000, "s1", "http://x/b", "ADD_BY_REFERENCE", "PROCESSING", "ERROR", "r2"),
      Log(3000, "s2", "http://y/a?[1]", "DELETE", "INDEXING", "COMPLETED", "r3"),
      Log(4000, "s2", "http://x/a", "ADD", "CONSUMING", "SKIPPED", "r4"),
      Log(5000, "s1", "http://x/a", "ADD", "INDEXING", "COMPLETED", "r5", "other"),
  })));
  EXPECT_EQ(LogIds({}), (Strings{"r4", "r3", "r2", "r1"}));
  EXPECT_EQ(LogIds({}, "other"), (Strings{"r5"}));
  EXPECT_TRUE(LogIds({}, "nobody").empty());
  LogQuery q;
  q.sources.include = {"s1"};
  EXPECT_EQ(LogIds(q), (Strings{"r2", "r1"}));
  q.sources.exclude = {"s1"};  // include and exclude of one value: nothing
  EXPECT_TRUE(LogIds(q).empty());
  q = {};
  q.sources.exclude = {"s1", "s3"};
  EXPECT_EQ(LogIds(q), (Strings{"r4", "r3"}));
  q = {};
  q.results.exclude = {"COMPLETED"};
  EXPECT_EQ(LogIds(q), (Strings{"r4", "r2"}));
  q = {};
  q.results.include = {"ERROR", "SKIPPED"};
  q.results.exclude = {"SKIPPED"};
  EXPECT_EQ(LogIds(q), (Strings{"r2"}));
  q = {};
  q.operations.include = {"ADD", "DELETE"};
  q.tasks.include = {"INDEXING"};
  EXPECT_EQ(LogIds(q), (Strings{"r3", "r1"}));
  q = {};
  q.operations.exclude = {"ADD"};
  q.tasks.exclude = {"INDEXING"};
  EXPECT_EQ(LogIds(q), (Strings{"r2"}));
  q = {};
  q.from_ms = 2000;
  q.to_ms = 3000;
  EXPECT_EQ(LogIds(q), (Strings{"r3", "r2"}));
  q = {};
  q.from_ms = 3001;
  EXPECT_EQ(LogIds(q), (Strings{"r4"}));
  q = {};
  q.to_ms = 999;
  EXPECT_TRUE(LogIds(q).empty());
  q = {};
  q.offset = 1;
  q.limit = 2;
  EXPECT_EQ(LogIds(q), (Strings{"r3", "r2"}));
  q.offset = 3;
  EXPECT_EQ(LogIds(q), (Strings{"r1"}));
  q.offset = 4;
  EXPECT_TRUE(LogIds(q).empty());
  q.offset = 0;
  q.limit = 0;
  EXPECT_TRUE(LogIds(q).empty());
  q = {};
  q.sources.include = {"s2"};
  q.from_ms = 3500;
  q.limit = 5;
  EXPECT_EQ(LogIds(q), (Strings{"r4"}));
}

TEST_P(StateStoreConformance, LogQueriesMatchDocumentIds) {
  ASSERT_TRUE(IsOk(store_->AppendLogs({
      Log(1, "s", "http://x/a", "ADD", "INDEXING", "COMPLETED", "r1"),
      Log(2, "s", "http://x/b", "ADD", "INDEXING", "COMPLETED", "r2"),
      Log(3, "s", "http://y/a?[1]", "ADD", "INDEXING", "COMPLETED", "r3"),
      Log(4, "s", "http://x/100%_done", "ADD", "INDEXING", "COMPLETED", "r4"),
      Log(5, "s", "http://x/100xydone", "ADD", "INDEXING", "COMPLETED", "r5"),
      Log(6, "s", R"(c:\dir\f.txt)", "ADD", "INDEXING", "COMPLETED", "r6"),
      Log(7, "s", "HTTP://X/A", "ADD", "INDEXING", "COMPLETED", "r7"),
  })));
  LogQuery q;
  q.document_id = "http://x/a";
  EXPECT_EQ(LogIds(q), (Strings{"r1"}));
  q.document_id = "http://x/";
  EXPECT_TRUE(LogIds(q).empty());  // exact
  q.document_id_matching = DocumentIdMatching::kPartial;
  EXPECT_EQ(LogIds(q), (Strings{"r5", "r4", "r2", "r1"}));
  q.document_id = "%_";
  EXPECT_EQ(LogIds(q), (Strings{"r4"}));  // literally
  q.document_id = "X/";
  EXPECT_EQ(LogIds(q), (Strings{"r7"}));  // case matters
  q.document_id = R"(\dir\)";
  EXPECT_EQ(LogIds(q), (Strings{"r6"}));
  q.document_id = "";
  EXPECT_EQ(LogIds(q).size(), 7u);

  q.document_id_matching = DocumentIdMatching::kWildcard;
  q.document_id = "http://y/*?[1]";
  EXPECT_EQ(LogIds(q), (Strings{"r3"}));
  q.document_id = "*b";
  EXPECT_EQ(LogIds(q), (Strings{"r2"}));
  q.document_id = "http://x/*";
  EXPECT_EQ(LogIds(q), (Strings{"r5", "r4", "r2", "r1"}));
  q.document_id = "*100%_done";  // % and _ only match themselves
  EXPECT_EQ(LogIds(q), (Strings{"r4"}));
  q.document_id = "http://x/?";
  EXPECT_TRUE(LogIds(q).empty());  // ? only matches itself
  q.document_id = R"(c:\*.txt)";
  EXPECT_EQ(LogIds(q), (Strings{"r6"}));
  q.document_id = "http://x/a";  // no '*': the whole id
  EXPECT_EQ(LogIds(q), (Strings{"r1"}));
  q.document_id = "HTTP*";
  EXPECT_EQ(LogIds(q), (Strings{"r7"}));
  q.document_id = "*";
  EXPECT_EQ(LogIds(q).size(), 7u);
}

// --- Reopening -----------------------------------------------------------------------------

TEST_P(StateStoreConformance, ReopeningKeepsEverything) {
  ASSERT_TRUE(IsOk(store_->EnsureOrganization("org", 1)));
  ASSERT_TRUE(IsOk(store_->CreateSource(Source{"org", "src", "Src", "PUSH", 1})));
  ASSERT_TRUE(IsOk(store_->SetSourceStatus("org", "src", "REBUILD", 2)));
  ApiKey key{"k1", "org", "hash1", {"push"}, 1};
  key.source_ids = {"src"};
  ASSERT_TRUE(IsOk(store_->PutApiKey(key)));
  ASSERT_TRUE(IsOk(store_->CreateFields({MakeField("price", "DOUBLE", 1)})));
  ASSERT_TRUE(IsOk(store_->CreateFileContainer(Container("f1", 1, 2))));
  ASSERT_TRUE(IsOk(store_->MarkFileUploaded("f1", 3, 4, "ab")));
  ASSERT_TRUE(IsOk(store_->PutSecurityIdentities({Identity("a", kHigh)})));
  ASSERT_TRUE(IsOk(store_->CreateStream(Stream{"st", "org", "src", kHigh, 1, {}})));
  ASSERT_TRUE(IsOk(store_->AddStreamChunk("st", "c1")));
  std::vector<Operation> ops = {Op("a", kHigh), Op("b", 2)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(ops)));
  ASSERT_TRUE(IsOk(store_->RecordAttempt(ops[1].seq)));
  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq};
  batch.items = {MakeItem("a", kHigh)};
  batch.logs = {Log(1, "src", "a", "ADD", "INDEXING", "COMPLETED", "r1")};
  ASSERT_TRUE(IsOk(store_->CommitApplied(batch, 5)));

  Reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_TRUE(Must(store_->OrganizationExists("org")));
  EXPECT_EQ(Must(store_->GetSource("org", "src"))->status, "REBUILD");
  EXPECT_EQ(Must(store_->FindApiKeyByHash("hash1"))->source_ids, (Strings{"src"}));
  EXPECT_EQ(Must(store_->GetField("org", "price"))->type, "DOUBLE");
  EXPECT_EQ(Must(store_->GetFileContainer("f1"))->sha256_hex, "ab");
  EXPECT_EQ(Must(store_->ListSecurityIdentities("org", "", 0, 10))[0].ordering_id, kHigh);
  EXPECT_EQ(Must(store_->GetStream("st"))->ordering_id, kHigh);
  EXPECT_EQ(Must(store_->StreamChunks("st")), (Strings{"c1"}));
  auto pending = Must(store_->PendingOperations(0, 10));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].document_id, "b");
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_EQ(Must(store_->GetOperation(ops[0].seq))->ordering_id, kHigh);
  EXPECT_EQ(Must(store_->GetItem("org", "src", "a"))->ordering_id, kHigh);
  EXPECT_EQ(LogIds({}), (Strings{"r1"}));
  // Seqs go on increasing, never reused.
  std::vector<Operation> later = {Op("c", 3)};
  ASSERT_TRUE(IsOk(store_->AppendOperations(later)));
  EXPECT_GT(later[0].seq, ops[1].seq);
  // The field catalog version still moves with changes after a reopen.
  const uint64_t v = store_->FieldCatalogVersion();
  ASSERT_TRUE(IsOk(store_->CreateFields({MakeField("other", "LONG", 1)})));
  EXPECT_NE(store_->FieldCatalogVersion(), v);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StateStoreConformance, ::testing::Values(Backend::kSqlite),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, StateStoreConformance,
                         ::testing::ValuesIn(PostgresIfConfigured()), BackendName);

// --- PostgreSQL only -----------------------------------------------------------------------

// A TCP port on 127.0.0.1 where nothing listens (bound, then released).
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

TEST(PostgresStateStoreTest, AnUnreachableServerIsUnavailableAndNamedWithoutThePassword) {
  const int port = UnusedPort();
  ASSERT_NE(port, 0);
  const std::string uri =
      "postgres://sluice:s3cret-Pa55@127.0.0.1:" + std::to_string(port) + "/state";
  auto store = OpenPostgresStateStore(uri);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::StatusCode::kUnavailable) << store.status().ToString();
  const std::string& m = store.status().message();
  EXPECT_NE(m.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << m;
  EXPECT_NE(m.find("database state"), std::string::npos) << m;
  EXPECT_NE(m.find("refused"), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cret-Pa55"), std::string::npos) << m;
  // postgresql:// is the same scheme.
  store = OpenPostgresStateStore("postgresql://127.0.0.1:" + std::to_string(port) + "/state");
  EXPECT_EQ(store.status().code(), base::StatusCode::kUnavailable);
}

TEST(PostgresStateStoreTest, AMalformedUriIsInvalid) {
  auto store = OpenPostgresStateStore("postgres://sluice@127.0.0.1/state?no_such_option=1");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::StatusCode::kInvalidArgument) << store.status().ToString();
  EXPECT_NE(store.status().message().find("no_such_option"), std::string::npos)
      << store.status().message();
}

// Several stores on one database.
class PostgresStateStoreSharedTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    place_ = std::make_unique<PostgresPlace>(PostgresUri());
    ASSERT_TRUE(IsOk(place_->created()));
  }
  std::unique_ptr<StateStore> Open() {
    auto store = place_->Open();
    EXPECT_TRUE(IsOk(store));
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<PostgresPlace> place_;
};

TEST_P(PostgresStateStoreSharedTest, TwoStoresOnOneDatabaseSeeEachOthersWrites) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(IsOk(a->CreateSource(Source{"org", "src", "Src", "PUSH", 1})));
  EXPECT_TRUE(Must(b->GetSource("org", "src")).has_value());
  EXPECT_EQ(b->CreateSource(Source{"org", "src", "Src", "PUSH", 1}).code(),
            base::StatusCode::kAlreadyExists);
  ASSERT_TRUE(IsOk(b->PutApiKey(ApiKey{"k", "org", "h", {"push"}, 1})));
  EXPECT_TRUE(Must(a->FindApiKeyByHash("h")).has_value());

  std::vector<Operation> ops = {Op("doc", 1)};
  ASSERT_TRUE(IsOk(a->AppendOperations(ops)));
  auto pending = Must(b->PendingOperations(0, 10));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, ops[0].seq);
  AppliedBatch batch;
  batch.completed_seqs = {ops[0].seq};
  batch.items = {MakeItem("doc", 1)};
  ASSERT_TRUE(IsOk(b->CommitApplied(batch, 2)));
  EXPECT_EQ(Must(a->PendingCount()), 0u);
  EXPECT_TRUE(Must(a->GetItem("org", "src", "doc")).has_value());

  // A field change by one node reaches the other's FieldCatalogVersion within about a second.
  const uint64_t a_before = a->FieldCatalogVersion();
  ASSERT_TRUE(IsOk(b->CreateFields({MakeField("price", "LONG", 1)})));
  EXPECT_TRUE(Must(a->GetField("org", "price")).has_value());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (a->FieldCatalogVersion() == a_before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(a->FieldCatalogVersion(), a_before);
  EXPECT_EQ(a->FieldCatalogVersion(), b->FieldCatalogVersion());
}

// Two nodes append at once; a third tails the journal by seq. Seqs become visible in
// increasing order (the journal lock), so the reader never skips one.
TEST_P(PostgresStateStoreSharedTest, ConcurrentAppendsFromTwoStoresAreTailedInSeqOrder) {
  auto a = Open();
  auto b = Open();
  auto reader_store = Open();
  ASSERT_TRUE(a && b && reader_store);
  constexpr size_t kThreadsPerStore = 4;
  constexpr int kPerThread = 60;
  std::atomic<size_t> writers{2 * kThreadsPerStore};
  std::vector<int64_t> seen;
  std::thread reader([&] {
    int64_t after = 0;
    for (;;) {
      const bool last = writers.load() == 0;
      auto page = reader_store->PendingOperations(after, 1000);
      ASSERT_TRUE(IsOk(page));
      for (const Operation& op : *page) {
        ASSERT_GT(op.seq, after);
        seen.push_back(op.seq);
        after = op.seq;
      }
      if (last && page->empty()) return;
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(2 * kThreadsPerStore);
  std::vector<std::vector<int64_t>> appended(2 * kThreadsPerStore);
  for (size_t t = 0; t < 2 * kThreadsPerStore; ++t) {
    StateStore* store = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([&, t, store] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<Operation> ops;
        for (int n = 0; n <= i % 3; ++n)
          ops.push_back(Op(std::to_string(t) + "-" + std::to_string(i), 1));
        ASSERT_TRUE(IsOk(store->AppendOperations(ops)));
        for (const Operation& op : ops) appended[t].push_back(op.seq);
      }
      writers--;
    });
  }
  for (auto& t : threads) t.join();
  reader.join();
  std::vector<int64_t> all;
  for (const auto& v : appended) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a seq was given twice";
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(seen, all) << "the reader skipped or reordered operations";
}

TEST_P(PostgresStateStoreSharedTest, NodesClaimDisjointWorkAndADeadNodesClaimsAreTakenOver) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  std::vector<Operation> ops = {Op("d1", 1), Op("d2", 1), Op("d3", 1), Op("d4", 1)};
  ASSERT_TRUE(IsOk(a->AppendOperations(ops)));
  constexpr int64_t kTimeout = 1000;
  auto seqs = [](const std::vector<Operation>& claimed) {
    std::vector<int64_t> out;
    for (const Operation& op : claimed) out.push_back(op.seq);
    return out;
  };
  // Oldest first, and never what a live node holds.
  auto first = Must(a->ClaimOperations("node-a", 10'000, kTimeout, 2));
  EXPECT_EQ(seqs(first), (std::vector<int64_t>{ops[0].seq, ops[1].seq}));
  auto second = Must(b->ClaimOperations("node-b", 10'000, kTimeout, 10));
  EXPECT_EQ(seqs(second), (std::vector<int64_t>{ops[2].seq, ops[3].seq}));
  EXPECT_TRUE(Must(b->ClaimOperations("node-b", 10'100, kTimeout, 10)).empty());

  // node-a keeps beating; node-b falls silent and its claims go to node-a.
  ASSERT_TRUE(IsOk(a->Heartbeat("node-a", 11'500)));
  auto taken = Must(a->ClaimOperations("node-a", 11'500, kTimeout, 10));
  EXPECT_EQ(seqs(taken), (std::vector<int64_t>{ops[2].seq, ops[3].seq}));

  // A node that stops hands its claims back at once; done entries are never claimed again.
  AppliedBatch done;
  done.completed_seqs = {ops[0].seq};
  ASSERT_TRUE(IsOk(a->CommitApplied(done, 11'600)));
  ASSERT_TRUE(IsOk(a->ReleaseClaims("node-a")));
  auto after_release = Must(b->ClaimOperations("node-b", 11'700, kTimeout, 10));
  EXPECT_EQ(seqs(after_release), (std::vector<int64_t>{ops[1].seq, ops[2].seq, ops[3].seq}));
}

TEST_P(PostgresStateStoreSharedTest, IndexChangesComeBackInCommitOrderByteForByte) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));  // NUL and high bytes too
  AppliedBatch batch;
  batch.index_changes = {
      IndexChange{0, "org", "src", IndexChangeKind::kPut, "u1", bytes},
      IndexChange{0, "org", "src", IndexChangeKind::kDelete, "u2", ""},
      IndexChange{0, "org", "other", IndexChangeKind::kDeleteWithChildren, "u3", ""}};
  ASSERT_TRUE(IsOk(a->CommitApplied(batch, 1)));
  auto all = Must(b->IndexChangesAfter(0, 10));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].seq, all[1].seq);
  EXPECT_LT(all[1].seq, all[2].seq);
  EXPECT_EQ(all[0].kind, IndexChangeKind::kPut);
  EXPECT_EQ(all[0].uri, "u1");
  EXPECT_EQ(all[0].encoded, bytes);
  EXPECT_EQ(all[1].kind, IndexChangeKind::kDelete);
  EXPECT_EQ(all[2].kind, IndexChangeKind::kDeleteWithChildren);
  EXPECT_EQ(all[2].source_id, "other");
  auto page = Must(b->IndexChangesAfter(all[0].seq, 1));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].seq, all[1].seq);
}

TEST_P(PostgresStateStoreSharedTest, OneNodeAppliesAtATimeAndTheFirstSecretWins) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Must(a->SharedSecret("search-token", "first")), "first");
  EXPECT_EQ(Must(b->SharedSecret("search-token", "second")), "first");

  auto held = Must(a->LockApplying());
  std::atomic<bool> acquired{false};
  std::thread other([&] {
    auto lock = b->LockApplying();
    acquired = lock.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(acquired) << "a second node applied while the first held the lock";
  held.reset();
  other.join();
  EXPECT_TRUE(acquired);
}

TEST_P(PostgresStateStoreSharedTest, NodesStartingTogetherMigrateOnce) {
  constexpr int kNodes = 4;
  constexpr int64_t kMigrationSteps = 2;  // the schema's steps: every one applied exactly once
  std::vector<base::Status> opened(kNodes);
  std::vector<std::thread> threads;
  threads.reserve(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { opened[i] = place_->Open().status(); });
  }
  for (auto& t : threads) t.join();
  for (const base::Status& s : opened) EXPECT_TRUE(IsOk(s));
  EXPECT_EQ(
      Must(place_->AdminInt("SELECT count(*) FROM " + place_->schema() + ".schema_migrations")),
      kMigrationSteps);
  EXPECT_EQ(
      Must(place_->AdminInt("SELECT max(version) FROM " + place_->schema() + ".schema_migrations")),
      kMigrationSteps);
  EXPECT_EQ(Must(place_->AdminInt("SELECT count(*) FROM " + place_->schema() +
                                  ".schema_migrations WHERE applied_at IS NOT NULL")),
            kMigrationSteps);
  // Opening again applies nothing more.
  ASSERT_NE(Open(), nullptr);
  EXPECT_EQ(
      Must(place_->AdminInt("SELECT count(*) FROM " + place_->schema() + ".schema_migrations")),
      kMigrationSteps);
}

TEST_P(PostgresStateStoreSharedTest, ADatabaseFromANewerSluiceIsRefused) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_TRUE(IsOk(
      place_->Admin("INSERT INTO " + place_->schema() + ".schema_migrations VALUES(999, now())")));
  auto store = place_->Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("999"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("newer"), std::string::npos) << store.status().message();
}

TEST_P(PostgresStateStoreSharedTest, ASessionTheServerEndedIsOpenedAgain) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IsOk(store->CreateSource(Source{"org", "src", "Src", "PUSH", 1})));
  // Every session of this store (its URI names them after the schema) ends, as on a restart of
  // the server; pg_terminate_backend waits until they are gone.
  const std::string sessions =
      "FROM pg_stat_activity WHERE application_name = '" + place_->schema() + "'";
  EXPECT_GE(Must(place_->AdminInt("SELECT count(*) " + sessions)), 1);
  EXPECT_GE(Must(place_->AdminInt("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, "
                                  "10000)) " +
                                  sessions)),
            1);
  EXPECT_EQ(Must(place_->AdminInt("SELECT count(*) " + sessions)), 0);
  // The next calls notice and connect again, without failing.
  auto read = store->GetSource("org", "src");
  ASSERT_TRUE(IsOk(read));
  EXPECT_TRUE(read->has_value());
  std::vector<Operation> ops = {Op("a", 1)};
  EXPECT_TRUE(IsOk(store->AppendOperations(ops)));
  EXPECT_GE(Must(place_->AdminInt("SELECT count(*) " + sessions)), 1);
}

TEST_P(PostgresStateStoreSharedTest, BackupPointsToPgDump) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  base::Status backup = store->BackupTo(std::filesystem::path(::testing::TempDir()) / "x.db");
  EXPECT_FALSE(backup.ok());
  EXPECT_NE(backup.message().find("pg_dump"), std::string::npos) << backup.message();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(::testing::TempDir()) / "x.db"));
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresStateStoreSharedTest,
                         ::testing::ValuesIn(PostgresIfConfigured()), BackendName);
// Without a database the suite has no instance, which is expected.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostgresStateStoreSharedTest);

}  // namespace
}  // namespace sluice::store
