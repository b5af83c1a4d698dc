// Field terms, value slots, field expressions and sorting by field, through IndexWriter and
// Search on real Xapian databases.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xapian.h>

#include "base/random.h"
#include "index/field_schema.h"
#include "index/index_writer.h"
#include "index/search.h"

namespace sluice::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

IndexDocument Item(std::string uri, Metadata metadata, FieldKinds kinds = {},
                   std::string body = "text") {
  IndexDocument document;
  document.uri = std::move(uri);
  document.source_id = "local-default";
  document.source_name = "Local Files";
  document.body = std::move(body);
  document.file_type = "html";
  document.metadata = std::move(metadata);
  document.field_kinds = std::move(kinds);
  return document;
}

std::vector<std::string> Uris(const SearchResponse& response) {
  std::vector<std::string> uris;
  for (const SearchHit& hit : response.hits) uris.push_back(hit.uri);
  return uris;
}

class IndexFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("fields_test_" + base::NewUuid());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  std::filesystem::path Dir(const std::string& name = "source") const { return root_ / name; }

  void PutAll(const std::vector<IndexDocument>& items, const std::string& name = "source") {
    auto writer = IndexWriter::Open(Dir(name));
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (const IndexDocument& item : items) {
      base::Status status = (*writer)->Put(item);
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
    ASSERT_TRUE((*writer)->Commit().ok());
  }

  SearchResponse Find(const SearchRequest& request, std::vector<std::filesystem::path> dirs = {}) {
    if (dirs.empty()) dirs = {Dir()};
    auto response = Search(dirs, request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::move(response).value() : SearchResponse{};
  }

  // The uris matching `aq`, in index order ascending (sorted by uri for stable comparisons).
  std::vector<std::string> Aq(const std::string& aq, std::vector<std::filesystem::path> dirs = {}) {
    SearchRequest request;
    request.aq = aq;
    request.number_of_results = 100;
    std::vector<std::string> uris = Uris(Find(request, std::move(dirs)));
    std::sort(uris.begin(), uris.end());
    return uris;
  }

  FieldSlots StoredSlots(const std::string& name) const {
    Xapian::Database db(Dir(name).string());
    return DecodeFieldSlots(db.get_metadata(std::string(kFieldSlotsKey))).value();
  }

  std::filesystem::path root_;
};

const FieldKinds kPriceLong = {{"price", FieldKind::kLong}};

TEST_F(IndexFieldsTest, EveryMetadataValueIsAFieldTermMatchedCaseInsensitively) {
  PutAll({Item("a", {{"author", {"Bob"}}, {"tags", {"Red", "Green"}}}),
          Item("b", {{"author", {"Ann Lee"}}, {"tags", {"blue"}}}),
          Item("c", {{"author", {"Émile"}}}), Item("d", {})});
  EXPECT_THAT(Aq("@author==bob"), ElementsAre("a"));
  EXPECT_THAT(Aq("@AUTHOR=BOB"), ElementsAre("a"));
  EXPECT_THAT(Aq("@author==\"ann lee\""), ElementsAre("b"));
  EXPECT_THAT(Aq("@author==ann"), IsEmpty());  // exact, not a word match
  EXPECT_THAT(Aq("@author==émile"), ElementsAre("c"));
  EXPECT_THAT(Aq("@tags==green"), ElementsAre("a"));
  EXPECT_THAT(Aq("@author==(bob, \"Ann Lee\")"), ElementsAre("a", "b"));
  EXPECT_THAT(Aq("@author<>bob"), ElementsAre("b", "c", "d"));
  EXPECT_THAT(Aq("@author<>(bob,émile)"), ElementsAre("b", "d"));
  EXPECT_THAT(Aq("@author"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Aq("@tags==red @tags==green"), ElementsAre("a"));  // ANDed
  EXPECT_THAT(Aq("@nosuchfield==bob"), IsEmpty());
  // The item's own properties are fields too.
  EXPECT_THAT(Aq("@source==\"local files\""), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Aq("@filetype==html @sysuri==c"), ElementsAre("c"));
}

TEST_F(IndexFieldsTest, FieldExpressionsCombineWithWordsAndBooleanOperators) {
  PutAll({Item("a", {{"author", {"bob"}}}, {}, "quarterly report"),
          Item("b", {{"author", {"ann"}}}, {}, "quarterly report"),
          Item("c", {{"author", {"carl"}}}, {}, "holiday photos")});
  EXPECT_THAT(Aq("(@author==bob OR @author==carl)"), ElementsAre("a", "c"));
  EXPECT_THAT(Aq("NOT @author==bob"), ElementsAre("b", "c"));
  EXPECT_THAT(Aq("-@author==bob"), ElementsAre("b", "c"));
  EXPECT_THAT(Aq("report -@author==bob"), ElementsAre("b"));
  SearchRequest request;
  request.q = "report";
  request.aq = "@author<>ann";
  request.cq = "@source==\"Local Files\"";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("a"));
  request.q = "report @author==ann";
  request.aq = "";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("b"));
  request.cq = "@source==elsewhere";
  EXPECT_THAT(Uris(Find(request)), IsEmpty());
  // A query that does not parse ("AND" at the end) is read as words; its expressions still count.
  request.q = "quarterly AND @author==bob AND";
  request.cq = "";
  EXPECT_THAT(Uris(Find(request)), IsEmpty());  // the plain word "and" is in no item
  request.q = "quarterly @author==bob AND";
  PutAll({Item("d", {{"author", {"bob"}}}, {}, "quarterly and yearly")}, "other");
  EXPECT_THAT(Uris(Find(request, {Dir("other")})), ElementsAre("d"));
}

TEST_F(IndexFieldsTest, FieldExpressionsDoNotChangeRelevanceOrHighlights) {
  PutAll({Item("a", {{"author", {"bob"}}}, {}, "report report report")});
  SearchRequest words;
  words.q = "report";
  SearchRequest with_field = words;
  with_field.aq = "@author==bob";
  SearchResponse plain = Find(words);
  SearchResponse filtered = Find(with_field);
  ASSERT_EQ(plain.hits.size(), 1u);
  ASSERT_EQ(filtered.hits.size(), 1u);
  EXPECT_DOUBLE_EQ(filtered.hits[0].score, plain.hits[0].score);
  EXPECT_DOUBLE_EQ(filtered.hits[0].percent_score, plain.hits[0].percent_score);
  EXPECT_EQ(filtered.hits[0].excerpt, plain.hits[0].excerpt);
}

TEST_F(IndexFieldsTest, LongValuesAreHashedIntoTermsThatStillMatchExactly) {
  const std::string long_value(300, 'x');
  PutAll({Item("long", {{"note", {long_value + "A"}}}),
          Item("other", {{"note", {long_value + "B"}}})});
  EXPECT_THAT(Aq("@note==\"" + long_value + "a\""), ElementsAre("long"));
  EXPECT_THAT(Aq("@note==\"" + long_value + "\""), IsEmpty());
  const std::string long_name(250, 'n');  // a legal field name longer than a term
  PutAll({Item("named", {{long_name, {"v"}}})}, "other");
  EXPECT_THAT(Aq("@" + long_name + "==v", {Dir("other")}), ElementsAre("named"));
  EXPECT_THAT(Aq("@" + long_name, {Dir("other")}), ElementsAre("named"));
}

TEST_F(IndexFieldsTest, NumericComparisonsUseTheSlotOfDeclaredFields) {
  PutAll({Item("p3", {{"price", {"3"}}, {"qty", {"3"}}}, kPriceLong),
          Item("p7", {{"price", {"7"}}, {"qty", {"7"}}}, kPriceLong),
          Item("p10", {{"price", {"10"}}}, kPriceLong),
          Item("cheap", {{"price", {"cheap"}}}, kPriceLong), Item("none", {}, kPriceLong)});
  EXPECT_THAT(Aq("@price>5"), ElementsAre("p10", "p7"));
  EXPECT_THAT(Aq("@price>7"), ElementsAre("p10"));
  EXPECT_THAT(Aq("@price>=7"), ElementsAre("p10", "p7"));
  EXPECT_THAT(Aq("@price<7"), ElementsAre("p3"));
  EXPECT_THAT(Aq("@price<=7"), ElementsAre("p3", "p7"));
  EXPECT_THAT(Aq("@price<=6.5"), ElementsAre("p3"));
  EXPECT_THAT(Aq("@price==7"), ElementsAre("p7"));
  EXPECT_THAT(Aq("@price==7.0"), ElementsAre("p7"));  // numerically equal
  EXPECT_THAT(Aq("@price==3..7"), ElementsAre("p3", "p7"));
  EXPECT_THAT(Aq("@price==(3,10)"), ElementsAre("p10", "p3"));
  EXPECT_THAT(Aq("@price<>7"), ElementsAre("cheap", "none", "p10", "p3"));
  // A value that is not a number of the field's kind stays searchable as text.
  EXPECT_THAT(Aq("@price==cheap"), ElementsAre("cheap"));
  // A comparison needs a number or a date: "cheap" is refused, not read as matching nothing.
  SearchRequest compare_text;
  compare_text.aq = "@price>cheap";
  EXPECT_EQ(Search({Dir()}, compare_text).status().code(), base::StatusCode::kInvalidArgument);
  // qty is not declared numeric: it is text only, and comparisons on it match nothing.
  EXPECT_THAT(Aq("@qty==7"), ElementsAre("p7"));
  EXPECT_THAT(Aq("@qty>1"), IsEmpty());
  EXPECT_THAT(Aq("@unknown<5"), IsEmpty());
  EXPECT_THAT(StoredSlots("source"), ElementsAre(Pair("price", testing::_)));
  EXPECT_EQ(StoredSlots("source").at("price").slot, kFirstFieldSlot);
}

TEST_F(IndexFieldsTest, DoubleAndDateFieldsCompareAsNumbers) {
  const FieldKinds kinds = {{"weight", FieldKind::kDouble}, {"released", FieldKind::kDate}};
  PutAll(
      {Item("old", {{"weight", {"0.5"}}, {"released", {"Sun, 06 Nov 1994 08:49:37 GMT"}}}, kinds),
       Item("mid", {{"weight", {"2.5E0"}}, {"released", {"2002/01/31 11:53:12"}}}, kinds),
       Item("new", {{"weight", {"10"}}, {"released", {"2020-06-01T00:00:00.000Z"}}}, kinds)});
  EXPECT_THAT(Aq("@weight>0.5"), ElementsAre("mid", "new"));
  EXPECT_THAT(Aq("@weight==2.5"), ElementsAre("mid"));
  EXPECT_THAT(Aq("@released>=2000-01-01"), ElementsAre("mid", "new"));
  EXPECT_THAT(Aq("@released<2002/01/31@11:53:12"), ElementsAre("old"));
  EXPECT_THAT(Aq("@released==2002/01/31@11:53:12"), ElementsAre("mid"));
  EXPECT_THAT(Aq("@released>\"Jan 31 2002 11:53AM\""), ElementsAre("mid", "new"));
  EXPECT_THAT(Aq("@released==1990-01-01..2010-12-31"), ElementsAre("mid", "old"));
  EXPECT_THAT(Aq("@released>1012477992000"), ElementsAre("new"));  // epoch ms
  // The item's own date, size and indexed date have fixed slots.
  IndexDocument dated = Item("dated", {});
  dated.date_ms = 5000;
  dated.size = 2048;
  PutAll({dated}, "other");
  EXPECT_THAT(Aq("@date>=5000 @size>1024 @date", {Dir("other")}), ElementsAre("dated"));
  EXPECT_THAT(Aq("@sysdate<5000", {Dir("other")}), IsEmpty());
}

TEST_F(IndexFieldsTest, HitsCarryTheNumbersOfNumericAndDateFields) {
  const FieldKinds kinds = {{"price", FieldKind::kLong}, {"released", FieldKind::kDate}};
  PutAll({Item("a",
               {{"price", {"7"}},
                {"released", {"2002-01-31T11:53:12Z"}},
                {"sizes", {"1", "2"}},
                {"author", {"bob"}}},
               kinds),
          Item("b", {{"price", {"7", "many"}}}, kinds)});
  SearchRequest request;
  request.aq = "@price==7";
  request.sort = {{"price", true}};
  SearchResponse response = Find(request);
  ASSERT_EQ(response.hits.size(), 2u);
  const SearchHit& a = response.hits[0].uri == "a" ? response.hits[0] : response.hits[1];
  const SearchHit& b = response.hits[0].uri == "a" ? response.hits[1] : response.hits[0];
  EXPECT_THAT(a.numeric_metadata, ElementsAre(Pair("price", ElementsAre(7.0)),
                                              Pair("released", ElementsAre(1012477992000.0))));
  EXPECT_THAT(b.numeric_metadata, IsEmpty());  // "many" is not a number: all shown as text
  EXPECT_EQ(a.metadata.size(), 4u);            // the text stays as it was pushed
}

TEST_F(IndexFieldsTest, SortsBySlottedFieldsWithMissingValuesLast) {
  PutAll({Item("p7", {{"price", {"7"}}}, kPriceLong), Item("p3", {{"price", {"3"}}}, kPriceLong),
          Item("none", {}, kPriceLong), Item("p10", {{"price", {"10"}}}, kPriceLong)});
  SearchRequest request;
  request.sort = {{"price", /*ascending=*/true}};
  EXPECT_THAT(Uris(Find(request)), ElementsAre("p3", "p7", "p10", "none"));
  request.sort = {{"price", /*ascending=*/false}};
  EXPECT_THAT(Uris(Find(request)), ElementsAre("p10", "p7", "p3", "none"));
  request.aq = "@price>=5";
  EXPECT_THAT(Uris(Find(request)), ElementsAre("p10", "p7"));
  request.number_of_results = 1;
  request.first_result = 1;
  EXPECT_THAT(Uris(Find(request)), ElementsAre("p7"));
}

TEST_F(IndexFieldsTest, SlotsSurviveReopeningAndNewFieldsGetTheNextOne) {
  PutAll({Item("a", {{"price", {"5"}}}, kPriceLong)});
  const FieldKinds both = {{"price", FieldKind::kLong}, {"weight", FieldKind::kDouble}};
  PutAll({Item("b", {{"weight", {"1.5"}}, {"price", {"9"}}}, both)});
  FieldSlots slots = StoredSlots("source");
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots.at("price").slot, kFirstFieldSlot);
  EXPECT_EQ(slots.at("price").kind, FieldKind::kLong);
  EXPECT_EQ(slots.at("weight").slot, kFirstFieldSlot + 1);
  EXPECT_EQ(slots.at("weight").kind, FieldKind::kDouble);
  EXPECT_THAT(Aq("@price>4"), ElementsAre("a", "b"));
  EXPECT_THAT(Aq("@weight>1"), ElementsAre("b"));
}

TEST_F(IndexFieldsTest, SourcesOfOneOrganizationAgreeOnSlots) {
  const FieldKinds kinds = {{"price", FieldKind::kLong}, {"weight", FieldKind::kDouble}};
  // Each writer alone would give its first field slot 16.
  PutAll({Item("a-price", {{"price", {"5"}}}, kinds)}, "a");
  PutAll({Item("b-weight", {{"weight", {"2"}}}, kinds)}, "b");
  PutAll({Item("b-price", {{"price", {"8"}}, {"weight", {"4"}}}, kinds)}, "b");
  EXPECT_EQ(StoredSlots("a").at("price").slot, StoredSlots("b").at("price").slot);
  EXPECT_NE(StoredSlots("b").at("price").slot, StoredSlots("b").at("weight").slot);
  const std::vector<std::filesystem::path> both = {Dir("a"), Dir("b")};
  EXPECT_THAT(Aq("@price>1", both), ElementsAre("a-price", "b-price"));
  EXPECT_THAT(Aq("@weight>1", both), ElementsAre("b-price", "b-weight"));
  SearchRequest request;
  request.sort = {{"price", false}};
  EXPECT_THAT(Uris(Find(request, both)), ElementsAre("b-price", "a-price", "b-weight"));
}

TEST_F(IndexFieldsTest, ANewSlotIsCommittedSoOtherSourcesSeeIt) {
  auto a = IndexWriter::Open(Dir("a"));
  auto b = IndexWriter::Open(Dir("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  const FieldKinds kinds = {{"price", FieldKind::kLong}, {"weight", FieldKind::kDouble}};
  // Both writers open at once, neither has committed: as in one batch of the pipeline.
  ASSERT_TRUE((*a)->Put(Item("a", {{"price", {"1"}}}, kinds)).ok());
  ASSERT_TRUE((*b)->Put(Item("b", {{"weight", {"1"}}}, kinds)).ok());
  ASSERT_TRUE((*a)->Commit().ok());
  ASSERT_TRUE((*b)->Commit().ok());
  EXPECT_NE(StoredSlots("a").at("price").slot, StoredSlots("b").at("weight").slot);
}

TEST(ParseSortCriteriaTest, ReadsCoveoSortCriteria) {
  auto keys = [](std::string_view criteria) {
    std::vector<std::pair<std::string, bool>> out;
    for (const SortKey& key : ParseSortCriteria(criteria))
      out.emplace_back(key.field, key.ascending);
    return out;
  };
  EXPECT_THAT(keys("relevancy"), IsEmpty());
  EXPECT_THAT(keys(""), IsEmpty());
  EXPECT_THAT(keys("date descending"), ElementsAre(Pair("date", false)));
  EXPECT_THAT(keys("Date Ascending"), ElementsAre(Pair("date", true)));
  EXPECT_THAT(keys("dateascending"), ElementsAre(Pair("date", true)));
  EXPECT_THAT(keys("date"), ElementsAre(Pair("date", false)));
  EXPECT_THAT(keys("@Price descending"), ElementsAre(Pair("price", false)));
  EXPECT_THAT(keys("@price"), ElementsAre(Pair("price", true)));
  EXPECT_THAT(keys("@price ascending, date descending"),
              ElementsAre(Pair("price", true), Pair("date", false)));
  EXPECT_THAT(keys("@price ascending,relevancy"), ElementsAre(Pair("price", true)));
  EXPECT_THAT(keys("@price sideways"), IsEmpty());
  EXPECT_THAT(keys("@9lives ascending"), IsEmpty());
}

}  // namespace
}  // namespace sluice::index
