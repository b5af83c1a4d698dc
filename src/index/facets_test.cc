// Search features beyond matching words, through IndexWriter and Search on real Xapian
// databases: facets, secured search, strict expressions, lq/dq, plain-words q, highlights.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/random.h"
#include "index/index_writer.h"
#include "index/search.h"

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

IndexDocument Item(std::string uri, std::string author, std::string file_type, int64_t date_ms,
                   std::string body = "common text") {
  IndexDocument document;
  document.uri = std::move(uri);
  document.source_id = "local-default";
  document.source_name = "Local Files";
  document.title = document.uri;
  document.body = std::move(body);
  document.file_type = std::move(file_type);
  document.date_ms = date_ms;
  if (!author.empty()) document.metadata = {{"author", {std::move(author)}}};
  return document;
}

std::vector<std::string> Uris(const SearchResponse& response) {
  std::vector<std::string> uris;
  for (const SearchHit& hit : response.hits) uris.push_back(hit.uri);
  std::sort(uris.begin(), uris.end());
  return uris;
}

std::map<std::string, uint64_t> Counts(const FacetResult& facet) {
  std::map<std::string, uint64_t> counts;
  for (const FacetValue& value : facet.values) counts[value.value] = value.count;
  return counts;
}

FacetRequest Specific(std::string field, std::vector<std::string> selected = {}) {
  FacetRequest facet;
  facet.id = field;
  facet.field = std::move(field);
  facet.selected = std::move(selected);
  return facet;
}

class SearchFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("facets_test_" + base::NewUuid());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void PutAll(const std::vector<IndexDocument>& items) {
    auto writer = IndexWriter::Open(dir_);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (const IndexDocument& item : items) ASSERT_TRUE((*writer)->Put(item).ok());
    ASSERT_TRUE((*writer)->Commit().ok());
  }

  SearchResponse Find(SearchRequest request) {
    request.number_of_results = 100;
    auto response = Search({dir_}, request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::move(response).value() : SearchResponse{};
  }

  base::Status Error(SearchRequest request) { return Search({dir_}, request).status(); }

  void PutFiveAuthors() {
    PutAll({Item("a1", "Alice", "pdf", 1000), Item("a2", "alice", "html", 2000),
            Item("b1", "Bob", "pdf", 3000), Item("c1", "Carol", "txt", 4000),
            Item("n1", "", "pdf", 5000, "other words")});
  }

  std::filesystem::path dir_;
};

TEST_F(SearchFeaturesTest, SpecificFacetCountsValuesCaseInsensitively) {
  PutFiveAuthors();
  SearchRequest request;
  request.facets = {Specific("author"), Specific("filetype")};
  SearchResponse response = Find(request);
  ASSERT_EQ(response.facets.size(), 2u);
  EXPECT_EQ(response.facets[0].id, "author");
  EXPECT_THAT(Counts(response.facets[0]),
              UnorderedElementsAre(Pair("Alice", 2), Pair("Bob", 1), Pair("Carol", 1)));
  EXPECT_EQ(response.facets[0].values[0].value, "Alice");  // most items first
  EXPECT_THAT(Counts(response.facets[1]),
              UnorderedElementsAre(Pair("pdf", 3), Pair("html", 1), Pair("txt", 1)));
}

TEST_F(SearchFeaturesTest, FacetsCountOnlyMatchingItems) {
  PutFiveAuthors();
  SearchRequest request;
  request.q = "other";
  request.facets = {Specific("filetype")};
  EXPECT_THAT(Counts(Find(request).facets[0]), UnorderedElementsAre(Pair("pdf", 1)));
}

TEST_F(SearchFeaturesTest, SelectionFiltersResultsButNotItsOwnCounts) {
  PutFiveAuthors();
  SearchRequest request;
  request.facets = {Specific("filetype", {"PDF"}), Specific("author")};
  SearchResponse response = Find(request);
  EXPECT_THAT(Uris(response), ElementsAre("a1", "b1", "n1"));
  EXPECT_EQ(response.total_count, 3u);
  // filetype still shows every value, as if unselected, with pdf marked selected.
  EXPECT_THAT(Counts(response.facets[0]),
              UnorderedElementsAre(Pair("pdf", 3), Pair("html", 1), Pair("txt", 1)));
  for (const FacetValue& value : response.facets[0].values) {
    EXPECT_EQ(value.selected, value.value == "pdf") << value.value;
  }
  // author counts only the pdf items.
  EXPECT_THAT(Counts(response.facets[1]), UnorderedElementsAre(Pair("Alice", 1), Pair("Bob", 1)));
}

TEST_F(SearchFeaturesTest, TwoSelectionsIntersect) {
  PutFiveAuthors();
  SearchRequest request;
  request.facets = {Specific("filetype", {"pdf", "html"}), Specific("author", {"alice"})};
  SearchResponse response = Find(request);
  EXPECT_THAT(Uris(response), ElementsAre("a1", "a2"));
  // author's counts see both selected file types, not its own selection.
  EXPECT_THAT(Counts(response.facets[1]), UnorderedElementsAre(Pair("Alice", 2), Pair("Bob", 1)));
}

TEST_F(SearchFeaturesTest, ExcludedValuesLeaveTheirItemsOut) {
  PutFiveAuthors();
  SearchRequest request;
  FacetRequest types = Specific("filetype");
  types.excluded = {"PDF", "gif"};
  request.facets = {types, Specific("author")};
  SearchResponse response = Find(request);
  EXPECT_THAT(Uris(response), ElementsAre("a2", "c1"));
  // Its own counts still show pdf, marked excluded; "gif", which no item has, shows too.
  std::map<std::string, bool> excluded;
  for (const FacetValue& value : response.facets[0].values) excluded[value.value] = value.excluded;
  EXPECT_THAT(excluded, UnorderedElementsAre(Pair("pdf", true), Pair("html", false),
                                             Pair("txt", false), Pair("gif", true)));
  EXPECT_THAT(Counts(response.facets[1]), UnorderedElementsAre(Pair("alice", 1), Pair("Carol", 1)));
}

TEST_F(SearchFeaturesTest, NumberOfValuesCutsButKeepsSelected) {
  PutFiveAuthors();
  SearchRequest request;
  FacetRequest authors = Specific("author", {"carol"});
  authors.number_of_values = 1;
  authors.order = FacetRequest::Order::kAlphaAscending;
  request.facets = {authors};
  const FacetResult facet = Find(request).facets[0];
  EXPECT_TRUE(facet.more_values_available);
  ASSERT_EQ(facet.values.size(), 2u);
  EXPECT_EQ(facet.values[0].value, "Alice");
  EXPECT_EQ(facet.values[1].value, "Carol");
  EXPECT_TRUE(facet.values[1].selected);
}

TEST_F(SearchFeaturesTest, AllowedValuesLimitWhatIsCounted) {
  PutFiveAuthors();
  SearchRequest request;
  FacetRequest types = Specific("filetype");
  types.allowed_values = {"HTML", "txt"};
  request.facets = {types};
  EXPECT_THAT(Counts(Find(request).facets[0]),
              UnorderedElementsAre(Pair("html", 1), Pair("txt", 1)));
}

TEST_F(SearchFeaturesTest, DateRangesCountAndSelect) {
  PutFiveAuthors();
  SearchRequest request;
  FacetRequest dates;
  dates.id = "when";
  dates.field = "date";
  dates.type = FacetRequest::Type::kDateRange;
  dates.ranges = {
      FacetRequest::Range{.start = 1000, .end = 3000, .end_inclusive = false, .selected = true},
      FacetRequest::Range{.start = 3000, .end = 5000, .end_inclusive = true, .selected = false}};
  request.facets = {dates};
  SearchResponse response = Find(request);
  EXPECT_THAT(Uris(response), ElementsAre("a1", "a2"));
  ASSERT_EQ(response.facets[0].values.size(), 2u);
  EXPECT_EQ(response.facets[0].values[0].count, 2u);
  EXPECT_TRUE(response.facets[0].values[0].selected);
  EXPECT_EQ(response.facets[0].values[1].count, 3u);
}

TEST_F(SearchFeaturesTest, AutomaticRangesSpanTheValues) {
  PutFiveAuthors();
  SearchRequest request;
  FacetRequest dates;
  dates.field = "date";
  dates.type = FacetRequest::Type::kNumericRange;
  dates.number_of_values = 2;
  request.facets = {dates};
  const FacetResult facet = Find(request).facets[0];
  ASSERT_EQ(facet.values.size(), 2u);
  EXPECT_EQ(facet.values[0].range.start, 1000);
  EXPECT_EQ(facet.values[0].range.end, 3000);
  EXPECT_EQ(facet.values[0].count, 2u);
  EXPECT_EQ(facet.values[1].range.end, 5000);
  EXPECT_TRUE(facet.values[1].range.end_inclusive);
  EXPECT_EQ(facet.values[1].count, 3u);
}

IndexDocument Secured(std::string uri, std::vector<PermissionLevel> levels) {
  IndexDocument item = Item(std::move(uri), "", "txt", 1000);
  item.permissions = std::move(levels);
  return item;
}

PermissionLevel Allow(std::vector<IdentityRef> allowed, bool anonymous = false) {
  PermissionSet set;
  set.allowed = std::move(allowed);
  set.allow_anonymous = anonymous;
  return PermissionLevel{.sets = {set}};
}

TEST_F(SearchFeaturesTest, ViewersSeeOnlyWhatTheirPermissionsAllow) {
  const IdentityRef alice{.name = "alice@example.com", .type = "User", .provider = "Email"};
  const IdentityRef staff{.name = "staff", .type = "Group", .provider = "Email"};
  PutAll({Item("public", "", "txt", 1000), Secured("alice-only", {Allow({alice})}),
          Secured("staff-only", {Allow({staff})}), Secured("anonymous", {Allow({}, true)})});
  SearchRequest request;
  request.facets = {Specific("filetype")};

  SearchResponse anonymous = Find(request);
  EXPECT_THAT(Uris(anonymous), ElementsAre("anonymous", "public"));
  EXPECT_EQ(anonymous.total_count, 2u);
  EXPECT_THAT(Counts(anonymous.facets[0]), ElementsAre(Pair("txt", 2)));  // counts are trimmed

  request.viewer.identities = {alice};
  EXPECT_THAT(Uris(Find(request)), ElementsAre("alice-only", "anonymous", "public"));
  request.viewer.identities = {alice, staff};
  EXPECT_EQ(Find(request).total_count, 4u);

  request.viewer = Viewer{.sees_everything = true, .identities = {}};
  EXPECT_EQ(Find(request).total_count, 4u);
}

TEST_F(SearchFeaturesTest, MalformedExpressionsSayWhere) {
  PutFiveAuthors();
  SearchRequest request;
  request.aq = "@author== AND x";
  base::Status status = Error(request);
  EXPECT_EQ(status.code(), base::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("aq: the field expression at character 1"));
  EXPECT_THAT(status.message(), HasSubstr("a value must follow the operator"));

  request.aq = "";
  request.cq = "(@author==bob";
  EXPECT_THAT(Error(request).message(), HasSubstr("cq: the \"(\" at character 1 is never closed"));

  request.cq = "";
  request.q = "@date>soon";
  EXPECT_THAT(Error(request).message(), HasSubstr("\"soon\" is not a number or a date"));

  // Other end-user syntax errors in q read as words; the same text in aq is refused.
  request.q = "common AND";
  EXPECT_TRUE(Error(request).ok());
  request.q = "";
  request.aq = "common AND";
  EXPECT_THAT(Error(request).message(), HasSubstr("aq: the query does not parse"));
}

TEST_F(SearchFeaturesTest, LargeQueryMatchesAnyWordAndDisjunctionAdds) {
  PutFiveAuthors();
  SearchRequest request;
  request.lq = "other unrelated words";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("n1"));

  request.lq = "";
  request.aq = "@author==bob";
  request.dq = "@author==carol";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("b1", "c1"));
}

TEST_F(SearchFeaturesTest, WithoutQuerySyntaxOperatorsAreWords) {
  PutAll({Item("x", "", "txt", 1000, "cats and dogs"), Item("y", "", "txt", 1000, "cats only")});
  SearchRequest request;
  request.q = "cats OR @author==nobody";
  request.enable_query_syntax = false;
  // Every word is required, "OR" and the expression included: nothing has "nobody".
  EXPECT_EQ(Find(request).total_count, 0u);
  request.q = "cats AND dogs";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("x"));
}

TEST_F(SearchFeaturesTest, ExcerptHighlightsCountUtf16Units) {
  PutAll({Item("x", "", "txt", 1000, "𝄞 émile likes cheese")});
  SearchRequest request;
  request.q = "cheese";
  SearchResponse response = Find(request);
  ASSERT_EQ(response.hits.size(), 1u);
  // "𝄞" is two UTF-16 units, "é" one: "cheese" starts at 2 + 1 + 6 + 6 = 15.
  EXPECT_THAT(response.hits[0].excerpt_highlights,
              ElementsAre(std::pair<uint32_t, uint32_t>{15, 6}));
}

TEST_F(SearchFeaturesTest, SuggestionsCompleteTheLastWordWithVisibleWords) {
  const IdentityRef alice{.name = "alice", .type = "User", .provider = ""};
  PutAll({Item("p1", "", "txt", 1000, "pear pearl"), Item("p2", "", "txt", 1000, "pearl"),
          Item("p3", "", "txt", 1000, "peanut"),
          Secured("s1", {Allow({alice})})});  // its body is "common text"
  // A secured item with a word of its own.
  IndexDocument secret = Secured("s2", {Allow({alice})});
  secret.body = "pearmain";
  PutAll({secret});

  SuggestRequest request;
  request.text = "fresh Pea";
  auto anonymous = Suggest({dir_}, request);
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().ToString();
  std::vector<std::string> expressions;
  for (const Suggestion& s : *anonymous) expressions.push_back(s.expression);
  // Most frequent first ("pearl" is in two items); "pearmain" only a secured item holds.
  EXPECT_THAT(expressions, ElementsAre("fresh pearl", "fresh peanut", "fresh pear"));
  EXPECT_EQ((*anonymous)[0].typed, "fresh pea");
  EXPECT_EQ((*anonymous)[0].frequency, 2u);

  request.viewer.identities = {alice};
  auto as_alice = Suggest({dir_}, request);
  ASSERT_TRUE(as_alice.ok());
  EXPECT_EQ(as_alice->size(), 4u);

  request.count = 1;
  EXPECT_EQ(Suggest({dir_}, request)->size(), 1u);
  request.text = "pear ";  // nothing typed of a next word
  EXPECT_TRUE(Suggest({dir_}, request)->empty());
}

}  // namespace
}  // namespace sluice::index
