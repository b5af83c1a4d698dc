#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/random.h"
#include "index/digest.h"
#include "index/index_writer.h"
#include "index/search.h"
#include "index/text.h"

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

#define ASSERT_OK(expr)                                               \
  do {                                                                \
    const ::sluice::base::Status status_ = (expr);                    \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(SLUICE_CONCAT(result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                    \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

IndexDocument Item(std::string uri, std::string title, std::string body, int64_t date_ms = 0) {
  IndexDocument document;
  document.uri = std::move(uri);
  document.source_id = "local-default";
  document.source_name = "Local";
  document.title = std::move(title);
  document.body = std::move(body);
  document.file_type = "html";
  document.date_ms = date_ms;
  return document;
}

std::vector<std::string> Uris(const SearchResponse& response) {
  std::vector<std::string> uris;
  for (const SearchHit& hit : response.hits) uris.push_back(hit.uri);
  return uris;
}

bool IsValidUtf8(const std::string& text) {
  bool truncated = false;
  return ValidUtf8Prefix(text, text.size(), &truncated) == text && !truncated;
}

// `count` filler words that no test searches for, so documents can have equal lengths.
std::string Filler(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "lorem" + std::to_string(i % 50) + " ";
  return text;
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("index_test_" + base::NewUuid());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  std::filesystem::path Dir(const std::string& name = "source") const { return root_ / name; }

  // Opens a writer on Dir(name), puts the items and commits.
  void PutAll(const std::vector<IndexDocument>& items, const std::string& name = "source") {
    ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir(name)));
    for (const IndexDocument& item : items) ASSERT_OK(writer->Put(item));
    ASSERT_OK(writer->Commit());
  }

  SearchResponse Find(SearchRequest request, std::vector<std::filesystem::path> dirs = {}) {
    if (dirs.empty()) dirs = {Dir()};
    auto response = Search(dirs, request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::move(response).value() : SearchResponse{};
  }

  SearchResponse Find(const std::string& q) {
    SearchRequest request;
    request.q = q;
    return Find(request);
  }

  std::filesystem::path root_;
};

TEST_F(IndexTest, FindsItemsByBodyWordAndByTitleWord) {
  PutAll({Item("https://example.com/a.html", "Giraffe handbook", "Tall animals eat leaves."),
          Item("https://example.com/b.html", "Ocean guide", "Whales sing under water.")});
  EXPECT_THAT(Uris(Find("leaves")), ElementsAre("https://example.com/a.html"));
  EXPECT_THAT(Uris(Find("giraffe")), ElementsAre("https://example.com/a.html"));
  EXPECT_THAT(Uris(Find("whales")), ElementsAre("https://example.com/b.html"));
  EXPECT_THAT(Uris(Find("whales leaves")), IsEmpty());  // words are ANDed
  EXPECT_THAT(Uris(Find("title:whales")), IsEmpty());   // a body word is not a title word
  EXPECT_THAT(Uris(Find("title:ocean")), ElementsAre("https://example.com/b.html"));
  EXPECT_EQ(Find("leaves").total_count, 1u);
}

TEST_F(IndexTest, TitleMatchRanksAboveBodyMatch) {
  PutAll({Item("body", "Plain notes", Filler(40) + "zebra " + Filler(10)),
          Item("title", "Zebra notes", Filler(51))});
  SearchResponse response = Find("zebra");
  EXPECT_THAT(Uris(response), ElementsAre("title", "body"));
  ASSERT_EQ(response.hits.size(), 2u);
  EXPECT_GT(response.hits[0].score, response.hits[1].score);
  EXPECT_GT(response.hits[0].percent_score, 0);
  EXPECT_LE(response.hits[0].percent_score, 100);
}

TEST_F(IndexTest, PhraseQueryMatchesWordsInOrderOnly) {
  PutAll({Item("ordered", "", "the quick brown fox jumps"),
          Item("reversed", "", "the brown quick fox jumps")});
  EXPECT_THAT(Uris(Find("\"quick brown\"")), ElementsAre("ordered"));
  EXPECT_THAT(Uris(Find("quick brown")), UnorderedElementsAre("ordered", "reversed"));
}

TEST_F(IndexTest, ExclusionOrAndWildcardFollowQuerySyntax) {
  PutAll({Item("banana", "", "apple banana"), Item("cherry", "", "apple cherry"),
          Item("elephant", "", "elephants never forget")});
  EXPECT_THAT(Uris(Find("apple -banana")), ElementsAre("cherry"));
  // Only exclusions: everything except the excluded items.
  EXPECT_THAT(Uris(Find("-apple")), ElementsAre("elephant"));
  EXPECT_THAT(Uris(Find("-banana -\"never forget\"")), ElementsAre("cherry"));
  EXPECT_THAT(Uris(Find("banana OR cherry")), UnorderedElementsAre("banana", "cherry"));
  EXPECT_THAT(Uris(Find("eleph*")), ElementsAre("elephant"));
}

TEST_F(IndexTest, QueryThatDoesNotParseIsReadAsWords) {
  PutAll({Item("fruit", "", "apples and oranges"), Item("other", "", "apples only")});
  // "AND" with nothing after it is a syntax error; as plain words it needs "and" too.
  EXPECT_THAT(Uris(Find("apples AND")), ElementsAre("fruit"));
  EXPECT_THAT(Uris(Find("\"apples and")), ElementsAre("fruit"));
}

TEST_F(IndexTest, EmptyQueryReturnsEveryItemNewestFirst) {
  PutAll(
      {Item("old", "", "x", 1000), Item("newest", "", "y", 3000), Item("middle", "", "z", 2000)});
  SearchResponse response = Find("");
  EXPECT_EQ(response.total_count, 3u);
  EXPECT_THAT(Uris(response), ElementsAre("newest", "middle", "old"));
  EXPECT_THAT(Uris(Find("   ")), ElementsAre("newest", "middle", "old"));
}

TEST_F(IndexTest, SortByDateOrdersMatchesEitherWay) {
  PutAll({Item("old", "Report report report", "report", 1000),
          Item("new", "", "a long text with one report in it", 5000)});
  SearchRequest request;
  request.q = "report";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("old", "new"));  // relevance
  request.sort = {{"date", /*ascending=*/false}};
  EXPECT_THAT(Uris(Find(request)), ElementsAre("new", "old"));
  request.sort = {{"date", /*ascending=*/true}};
  EXPECT_THAT(Uris(Find(request)), ElementsAre("old", "new"));
}

TEST_F(IndexTest, PagingReturnsTheRequestedSliceAndTheFullCount) {
  std::vector<IndexDocument> items;
  for (int i = 0; i < 25; ++i) items.push_back(Item("item" + std::to_string(i), "", "page", i));
  PutAll(items);
  SearchRequest request;
  request.q = "page";
  request.sort = {{"date", /*ascending=*/false}};
  request.first_result = 10;
  request.number_of_results = 10;
  SearchResponse second_page = Find(request);
  EXPECT_EQ(second_page.total_count, 25u);
  ASSERT_EQ(second_page.hits.size(), 10u);
  EXPECT_EQ(second_page.hits.front().uri, "item14");
  EXPECT_EQ(second_page.hits.back().uri, "item5");
  request.first_result = 20;
  SearchResponse last_page = Find(request);
  EXPECT_EQ(last_page.total_count, 25u);
  EXPECT_THAT(Uris(last_page), ElementsAre("item4", "item3", "item2", "item1", "item0"));
  request.number_of_results = 0;  // count only
  SearchResponse count_only = Find(request);
  EXPECT_EQ(count_only.total_count, 25u);
  EXPECT_THAT(count_only.hits, IsEmpty());
}

TEST_F(IndexTest, PutWithTheSameUriReplacesTheItem) {
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  ASSERT_OK(writer->Put(Item("doc", "First", "original wording")));
  ASSERT_OK(writer->Put(Item("doc", "Second", "revised wording")));
  EXPECT_EQ(writer->document_count(), 1u);
  ASSERT_OK(writer->Commit());
  EXPECT_THAT(Uris(Find("original")), IsEmpty());
  SearchResponse response = Find("revised");
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_EQ(response.hits[0].title, "Second");
  EXPECT_EQ(Find("").total_count, 1u);
}

TEST_F(IndexTest, DeleteRemovesTheItemAndAcceptsUnknownUris) {
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  ASSERT_OK(writer->Put(Item("keep", "", "shared word")));
  ASSERT_OK(writer->Put(Item("gone", "", "shared word")));
  ASSERT_OK(writer->Commit());
  ASSERT_OK(writer->Delete("gone"));
  ASSERT_OK(writer->Delete("never-existed"));
  ASSERT_OK(writer->Commit());
  EXPECT_EQ(writer->document_count(), 1u);
  EXPECT_THAT(Uris(Find("shared")), ElementsAre("keep"));
}

TEST_F(IndexTest, DeleteWithChildrenDeletesTheItemAndEverythingBelowIt) {
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  for (const char* uri : {"file://folder", "file://folder/a", "file://folder2", "file://folder2/x",
                          "file://folderx/y", "file://other/folder/z"}) {
    ASSERT_OK(writer->Put(Item(uri, "", "content")));
  }
  ASSERT_OK(writer->Commit());
  // Not yet committed: deletion must see it too.
  ASSERT_OK(writer->Put(Item("file://folder/sub/b", "", "content")));
  ASSERT_OK_AND_ASSIGN(uint64_t deleted, writer->DeleteWithChildren("file://folder"));
  EXPECT_EQ(deleted, 3u);
  ASSERT_OK(writer->Commit());
  EXPECT_THAT(Uris(Find("content")),
              UnorderedElementsAre("file://folder2", "file://folder2/x", "file://folderx/y",
                                   "file://other/folder/z"));
  ASSERT_OK_AND_ASSIGN(uint64_t none, writer->DeleteWithChildren("file://nothing"));
  EXPECT_EQ(none, 0u);
  // Children without the parent item itself.
  ASSERT_OK_AND_ASSIGN(uint64_t children, writer->DeleteWithChildren("file://folder2/"));
  EXPECT_EQ(children, 0u);  // "file://folder2/x" does not start with "file://folder2//"
  EXPECT_EQ(writer->DeleteWithChildren("").status().code(), base::StatusCode::kInvalidArgument);
}

TEST_F(IndexTest, LongUrisAreStoredFoundAndDeleted) {
  const std::string parent = "file://" + std::string(300, 'p');
  const std::string child = parent + "/" + std::string(300, 'c');
  const std::string sibling = parent + "x/" + std::string(10, 's');
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  for (const std::string& uri : {parent, child, sibling}) {
    ASSERT_OK(writer->Put(Item(uri, "", "long")));
  }
  ASSERT_OK(writer->Put(Item(child, "", "long replaced")));  // replace via the hashed id
  ASSERT_OK(writer->Commit());
  EXPECT_EQ(writer->document_count(), 3u);
  ASSERT_OK_AND_ASSIGN(auto item, GetItem(Dir(), child));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->fields.uri, child);
  EXPECT_EQ(item->body, "long replaced");
  ASSERT_OK_AND_ASSIGN(uint64_t deleted, writer->DeleteWithChildren(parent));
  EXPECT_EQ(deleted, 2u);
  ASSERT_OK(writer->Commit());
  EXPECT_THAT(Uris(Find("long")), ElementsAre(sibling));
}

TEST_F(IndexTest, ExcerptShowsTheMatchWithinTheRequestedLength) {
  std::string body = Filler(400) + "the hidden needle sits here " + Filler(400);
  PutAll({Item("doc", "Haystack", body)});
  for (uint32_t length : {40u, 100u, 200u}) {
    SearchRequest request;
    request.q = "needle";
    request.excerpt_length = length;
    SearchResponse response = Find(request);
    ASSERT_EQ(response.hits.size(), 1u);
    const std::string& excerpt = response.hits[0].excerpt;
    EXPECT_THAT(excerpt, HasSubstr("needle")) << "length " << length;
    EXPECT_LE(excerpt.size(), length + 9) << excerpt;
    EXPECT_GE(excerpt.size(), length / 2) << excerpt;
    EXPECT_EQ(excerpt.find('<'), std::string::npos) << excerpt;
  }
}

TEST_F(IndexTest, ExcerptIsPlainTextWithoutEscaping) {
  PutAll({Item("doc", "", "Tom & Jerry <cartoon>\n\n  \"classic\"")});
  SearchResponse response = Find("jerry");
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_EQ(response.hits[0].excerpt, "Tom & Jerry <cartoon> \"classic\"");
}

TEST_F(IndexTest, ExcerptNeverSplitsAMultibyteCharacter) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\xF0\x9F\x98\x80 ";
  body += "\xC3\xA9l\xC3\xA9phant ";
  for (int i = 0; i < 200; ++i) body += "\xC3\xBC\xC3\xBC\xC3\xBC\xE2\x82\xAC ";
  PutAll({Item("doc", "", body)});
  for (uint32_t length = 1; length <= 60; ++length) {
    for (const std::string q : {"", "\xC3\xA9l\xC3\xA9phant"}) {
      SearchRequest request;
      request.q = q;
      request.excerpt_length = length;
      SearchResponse response = Find(request);
      ASSERT_EQ(response.hits.size(), 1u);
      const std::string& excerpt = response.hits[0].excerpt;
      EXPECT_TRUE(IsValidUtf8(excerpt)) << "length " << length << " q " << q << ": " << excerpt;
      EXPECT_LE(excerpt.size(), length + 9) << excerpt;
    }
  }
}

TEST_F(IndexTest, EmptyQueryExcerptIsTheStartOfTheText) {
  PutAll({Item("doc", "", "First words\nof the text, then much more that does not fit.")});
  SearchRequest request;
  request.excerpt_length = 25;
  SearchResponse response = Find(request);
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_EQ(response.hits[0].excerpt, "First words of the text,...");
}

TEST_F(IndexTest, TitleHighlightsMarkQueryWords) {
  PutAll({Item("doc", "Caf\xC3\xA9 owners: Zebras and zebra-crossings", "plain body")});
  SearchRequest request;
  request.q = "zebra caf\xC3\xA9";
  SearchResponse response = Find(request);
  ASSERT_EQ(response.hits.size(), 1u);
  // "Café" (4 UTF-16 units, 5 bytes), "Zebras" (stemmed match), "zebra" (exact); not
  // "crossings". Offsets count UTF-16 units, as JavaScript clients index the title.
  EXPECT_THAT(response.hits[0].title_highlights,
              ElementsAre(std::pair<uint32_t, uint32_t>{0, 4}, std::pair<uint32_t, uint32_t>{13, 6},
                          std::pair<uint32_t, uint32_t>{24, 5}));
  request.q = "own*";
  response = Find(request);
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_THAT(response.hits[0].title_highlights, ElementsAre(std::pair<uint32_t, uint32_t>{5, 6}));
}

TEST_F(IndexTest, GetItemReturnsStoredFieldsAndBody) {
  IndexDocument document = Item("https://example.com/a.html", "", "The whole body text.", 123);
  document.size = 4096;
  document.indexed_ms = 456;
  document.ordering_id = 789;
  PutAll({document});
  ASSERT_OK_AND_ASSIGN(auto item, GetItem(Dir(), "https://example.com/a.html"));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->body, "The whole body text.");
  EXPECT_FALSE(item->body_truncated);
  EXPECT_EQ(item->fields.uri, document.uri);
  EXPECT_EQ(item->fields.title, document.uri);  // no title: the uri is shown
  EXPECT_EQ(item->fields.click_uri, document.uri);
  EXPECT_EQ(item->fields.permanent_id, Sha256Hex(document.uri));
  EXPECT_EQ(item->fields.source_id, "local-default");
  EXPECT_EQ(item->fields.source_name, "Local");
  EXPECT_EQ(item->fields.file_type, "html");
  EXPECT_EQ(item->fields.size, 4096u);
  EXPECT_EQ(item->fields.date_ms, 123);
  EXPECT_EQ(item->fields.indexed_ms, 456);
  EXPECT_EQ(item->fields.ordering_id, 789u);

  ASSERT_OK_AND_ASSIGN(auto absent, GetItem(Dir(), "https://example.com/b.html"));
  EXPECT_FALSE(absent.has_value());
  ASSERT_OK_AND_ASSIGN(auto no_source, GetItem(Dir("missing"), "https://example.com/a.html"));
  EXPECT_FALSE(no_source.has_value());
}

TEST_F(IndexTest, MetadataRoundTrips) {
  IndexDocument document = Item("doc", "Title", "body");
  document.metadata = {
      {"author", {"Ann", "B\xC3\xA9la"}}, {"tags", {"a", "b", "c"}}, {"empty", {}}};
  PutAll({document});
  SearchResponse response = Find("body");
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_EQ(response.hits[0].metadata, document.metadata);
  ASSERT_OK_AND_ASSIGN(auto item, GetItem(Dir(), "doc"));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->fields.metadata, document.metadata);
}

TEST_F(IndexTest, SearchesSeveralSourcesTogether) {
  PutAll({Item("a1", "", "common alpha", 1)}, "a");
  PutAll({Item("b1", "", "common beta", 2), Item("b2", "", "common gamma", 3)}, "b");
  SearchRequest request;
  request.q = "common";
  SearchResponse both = Find(request, {Dir("a"), Dir("b"), Dir("missing")});
  EXPECT_EQ(both.total_count, 3u);
  EXPECT_THAT(Uris(both), UnorderedElementsAre("a1", "b1", "b2"));
  request.q = "";
  EXPECT_THAT(Uris(Find(request, {Dir("a"), Dir("b")})), ElementsAre("b2", "b1", "a1"));
  request.q = "alpha";
  EXPECT_THAT(Uris(Find(request, {Dir("b")})), IsEmpty());
}

TEST_F(IndexTest, TwentyMegabyteBodyIsFoundByAWordNearItsEnd) {
  std::string body;
  body.reserve(21 << 20);
  for (int i = 0; body.size() < (20u << 20); ++i) body += "word" + std::to_string(i % 997) + " ";
  body += "quetzalcoatl at the very end";
  PutAll({Item("huge", "Big", body)});
  SearchResponse response = Find("quetzalcoatl");
  EXPECT_THAT(Uris(response), ElementsAre("huge"));
  ASSERT_OK_AND_ASSIGN(auto item, GetItem(Dir(), "huge"));
  ASSERT_TRUE(item.has_value());
  EXPECT_TRUE(item->body_truncated);
  EXPECT_LE(item->body.size(), size_t{1} << 20);
  EXPECT_GT(item->body.size(), (size_t{1} << 20) - 16);
  EXPECT_TRUE(body.starts_with(item->body));
}

TEST_F(IndexTest, CommittedItemsSurviveReopeningTheWriter) {
  PutAll({Item("first", "", "durable")});
  {
    ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
    EXPECT_EQ(writer->document_count(), 1u);
    ASSERT_OK(writer->Put(Item("second", "", "durable")));
    ASSERT_OK(writer->Commit());
  }
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  EXPECT_EQ(writer->document_count(), 2u);
  EXPECT_THAT(Uris(Find("durable")), UnorderedElementsAre("first", "second"));
}

TEST_F(IndexTest, UncommittedChangesAreInvisibleToReaders) {
  PutAll({Item("committed", "", "visible")});
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  ASSERT_OK(writer->Put(Item("pending", "", "visible")));
  EXPECT_THAT(Uris(Find("visible")), ElementsAre("committed"));
  ASSERT_OK(writer->Commit());
  EXPECT_THAT(Uris(Find("visible")), UnorderedElementsAre("committed", "pending"));
}

TEST_F(IndexTest, MissingOrEmptyDirectoryGivesNoResults) {
  SearchResponse missing = Find(SearchRequest{}, {Dir("missing")});
  EXPECT_EQ(missing.total_count, 0u);
  EXPECT_THAT(missing.hits, IsEmpty());
  std::filesystem::create_directories(Dir("empty"));
  SearchResponse empty = Find(SearchRequest{}, {Dir("empty")});
  EXPECT_EQ(empty.total_count, 0u);
}

TEST_F(IndexTest, SecondWriterOnTheSameIndexIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  auto second = IndexWriter::Open(Dir());
  EXPECT_EQ(second.status().code(), base::StatusCode::kUnavailable) << second.status().ToString();
}

TEST_F(IndexTest, PutRejectsAnEmptyUri) {
  ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
  EXPECT_EQ(writer->Put(Item("", "t", "b")).code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->document_count(), 0u);
}

TEST_F(IndexTest, ReadersSearchWhileTheWriterCommits) {
  PutAll({Item("seed", "", "steady")});
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int> searches{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      SearchRequest request;
      request.q = "steady";
      while (writing.load()) {
        auto response = Search({Dir()}, request);
        if (!response.ok() || response->total_count == 0) {
          if (failures.fetch_add(1) == 0) {
            std::lock_guard<std::mutex> lock(first_failure_mutex);
            first_failure = response.ok() ? "no results" : response.status().ToString();
          }
        }
        searches.fetch_add(1);
      }
    });
  }
  {
    ASSERT_OK_AND_ASSIGN(auto writer, IndexWriter::Open(Dir()));
    for (int i = 0; i < 40; ++i) {
      ASSERT_OK(writer->Put(Item("item" + std::to_string(i), "", "steady churn")));
      ASSERT_OK(writer->Commit());
    }
  }
  writing.store(false);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(Find("steady").total_count, 41u);
}

// Reading twenty 200 kB items lasts far longer than the writer's back-to-back commits, so every
// attempt but the last, which holds the commits back through the shared gate, is overtaken.
TEST_F(IndexTest, ReadSlowerThanTwoCommitsSucceedsThroughTheCommitGate) {
  std::vector<IndexDocument> large;
  for (int i = 0; i < 20; ++i) {
    large.push_back(Item("large" + std::to_string(i), "", "steady " + Filler(30000)));
  }
  PutAll(large);
  CommitGate gate;
  std::atomic<bool> reading{true};
  std::atomic<int> commits{0};
  std::thread writer_thread([&] {
    auto writer = IndexWriter::Open(Dir(), &gate);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (int i = 0; reading.load(); ++i) {
      ASSERT_OK((*writer)->Put(Item("churn" + std::to_string(i % 8), "", "churn")));
      ASSERT_OK((*writer)->Commit());
      commits.fetch_add(1);
    }
  });
  SearchRequest request;
  request.q = "steady";
  request.number_of_results = 20;
  // Reads go on until the writer has committed many times while they ran, however fast either is.
  int reads = 0;
  int succeeded = 0;
  std::string first_failure;
  for (; reads < 8 || (commits.load() <= 16 && reads < 100000); ++reads) {
    auto response = Search({Dir()}, request, &gate);
    if (response.ok() && response->hits.size() == 20) {
      ++succeeded;
    } else if (first_failure.empty()) {
      first_failure = response.ok() ? "too few hits" : response.status().ToString();
    }
  }
  reading.store(false);
  writer_thread.join();
  EXPECT_EQ(succeeded, reads) << first_failure;
  EXPECT_GT(commits.load(), 16);  // the writer did commit while the reads ran
}

}  // namespace
}  // namespace sluice::index
