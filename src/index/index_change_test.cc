// Encoded puts (index_change.h): a put encoded beside one index and applied to another, on real
// Xapian databases, compared through Search and GetItem; and bytes that are not an encoded put.
#include "index/index_change.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xapian.h>
#include <zlib.h>

#include "base/random.h"
#include "index/field_schema.h"
#include "index/index_writer.h"
#include "index/search.h"

namespace sluice::index {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

#define ASSERT_OK(expr)                                               \
  do {                                                                \
    const ::sluice::base::Status status_ = (expr);                    \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.ToString(); \
  } while (false)

// `tmp` and `lhs` are declarations, which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(SLUICE_CONCAT(result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                    \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

const FieldKinds kKinds = {{"price", FieldKind::kLong}, {"released", FieldKind::kDate}};
const IdentityRef kAlice{.name = "alice@example.com", .type = "User", .provider = "Email"};

IndexDocument Item(std::string uri, std::string title, std::string body, Metadata metadata = {}) {
  IndexDocument document;
  document.uri = std::move(uri);
  document.source_id = "local-default";
  document.source_name = "Local Files";
  document.title = std::move(title);
  document.body = std::move(body);
  document.file_type = "html";
  document.size = 2048;
  document.date_ms = 1'700'000'000'000;
  document.indexed_ms = 1'700'000'100'000;
  document.ordering_id = 42;
  document.metadata = std::move(metadata);
  document.field_kinds = kKinds;
  return document;
}

// A few items with words, phrases, metadata, a LONG and a DATE field and permissions.
std::vector<IndexDocument> Items() {
  IndexDocument secured =
      Item("https://example.com/secret.html", "Staff memo", "quarterly numbers for alice only",
           {{"author", {"Alice"}}, {"price", {"99"}}});
  PermissionSet alice_only;
  alice_only.allowed = {kAlice};
  secured.permissions = {PermissionLevel{.sets = {alice_only}}};
  IndexDocument clicked = Item("https://example.com/b.html", "Ocean guide",
                               "Whales sing under water. The quarterly report is late.",
                               {{"author", {"Bob"}},
                                {"price", {"3"}},
                                {"released", {"2002-01-31T11:53:12Z"}},
                                {"tags", {"sea", "Blue"}}});
  clicked.click_uri = "https://example.com/view?b";
  clicked.permanent_id = "permanent-b";
  return {Item("https://example.com/a.html", "Giraffe handbook",
               "Tall animals eat leaves. The quarterly report is here.",
               {{"author", {"Ann", "B\xC3\xA9la"}},
                {"price", {"7"}},
                {"released", {"Sun, 06 Nov 1994 08:49:37 GMT"}}}),
          clicked, secured};
}

// Everything a search response shows, one line per hit and facet value, numbers exactly.
std::string Render(const SearchResponse& response) {
  std::ostringstream out;
  out << std::setprecision(17) << "total " << response.total_count << "\n";
  for (const SearchHit& hit : response.hits) {
    out << hit.uri << " | " << hit.title << " | " << hit.click_uri << " | " << hit.excerpt << " | "
        << hit.source_id << " | " << hit.source_name << " | " << hit.file_type << " | "
        << hit.permanent_id << " | " << hit.size << " " << hit.date_ms << " " << hit.indexed_ms
        << " " << hit.ordering_id << " | score " << hit.score << " " << hit.percent_score << " |";
    for (const auto& [name, values] : hit.metadata) {
      out << " " << name << "=";
      for (const std::string& value : values) out << value << ";";
    }
    out << " |";
    for (const auto& [name, numbers] : hit.numeric_metadata) {
      out << " " << name << "=";
      for (double number : numbers) out << number << ";";
    }
    out << " | highlights";
    for (const auto& [start, length] : hit.title_highlights) out << " t" << start << "+" << length;
    for (const auto& [start, length] : hit.excerpt_highlights)
      out << " e" << start << "+" << length;
    out << "\n";
  }
  for (const FacetResult& facet : response.facets) {
    out << "facet " << facet.id << " " << facet.field << " more " << facet.more_values_available
        << "\n";
    for (const FacetValue& value : facet.values) {
      out << "  " << value.value << " [" << value.range.start << ", " << value.range.end << "] "
          << value.count << " " << value.selected << value.excluded << "\n";
    }
  }
  return out.str();
}

std::string Render(const std::optional<StoredItem>& item) {
  if (!item) return "none";
  SearchResponse response;
  response.hits = {item->fields};
  return Render(response) + "body " + item->body + " truncated " +
         std::to_string(item->body_truncated);
}

// The encoded put format as README.md describes it, written independently of index_change.cc,
// so tests can make bytes that are well-formed but wrong in one place.
void PutVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
void PutBytes(std::string_view bytes, std::string& out) {
  PutVarint(bytes.size(), out);
  out.append(bytes);
}
std::string WithChecksum(std::string bytes) {
  const uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return bytes;
}
// The uri, the metadata, the field kinds (by their bytes in the format: 1 is LONG), then the
// given Xapian document bytes.
std::string HandEncoded(std::string_view uri, std::string_view xapian,
                        const Metadata& metadata = {},
                        const std::vector<std::pair<std::string, uint8_t>>& kinds = {
                            {"price", 1}}) {
  std::string out(1, '\1');
  PutBytes(uri, out);
  PutVarint(metadata.size(), out);
  for (const auto& [name, values] : metadata) {
    PutBytes(name, out);
    PutVarint(values.size(), out);
    for (const std::string& value : values) PutBytes(value, out);
  }
  PutVarint(kinds.size(), out);
  for (const auto& [name, kind] : kinds) {
    PutBytes(name, out);
    out.push_back(static_cast<char>(kind));
  }
  PutBytes(xapian, out);
  return WithChecksum(std::move(out));
}

class IndexChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("index_change_test_" + base::NewUuid());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // The two nodes' indexes of one source. Their parents differ, as on two machines, so neither
  // sees the other's field slots.
  std::filesystem::path SenderDir() const { return root_ / "sender" / "source"; }
  std::filesystem::path ReceiverDir() const { return root_ / "receiver" / "source"; }

  // What the node that processes `item` does: build it, store it in its own index, encode it.
  // The body is dropped before encoding, as the pipeline may have done.
  std::string PutAndEncode(IndexWriter& sender, IndexDocument item) {
    auto prepared = PreparedDocument::Build(item);
    EXPECT_TRUE(prepared.ok()) << prepared.status().ToString();
    if (!prepared.ok()) return "";
    base::Status put = sender.Put(item, *prepared);
    EXPECT_TRUE(put.ok()) << put.ToString();
    item.body.clear();
    auto encoded = EncodePut(item, *prepared);
    EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
    return encoded.ok() ? std::move(encoded).value() : "";
  }

  // Puts `items` into the sender's index and applies their encoded puts to the receiver's.
  void Replicate(const std::vector<IndexDocument>& items) {
    ASSERT_OK_AND_ASSIGN(auto sender, IndexWriter::Open(SenderDir()));
    ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
    for (const IndexDocument& item : items) {
      const std::string encoded = PutAndEncode(*sender, item);
      ASSERT_OK(ApplyEncodedPut(*receiver, encoded));
    }
    ASSERT_OK(sender->Commit());
    ASSERT_OK(receiver->Commit());
  }

  static SearchResponse Find(const std::filesystem::path& dir, SearchRequest request) {
    request.number_of_results = 100;
    auto response = Search({dir}, request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::move(response).value() : SearchResponse{};
  }

  static std::vector<std::string> Uris(const std::filesystem::path& dir, std::string aq) {
    SearchRequest request;
    request.aq = std::move(aq);
    std::vector<std::string> uris;
    for (const SearchHit& hit : Find(dir, request).hits) uris.push_back(hit.uri);
    std::sort(uris.begin(), uris.end());
    return uris;
  }

  static FieldSlots StoredSlots(const std::filesystem::path& dir) {
    Xapian::Database db(dir.string());
    return DecodeFieldSlots(db.get_metadata(std::string(kFieldSlotsKey))).value();
  }

  std::filesystem::path root_;
};

// The requests both indexes must answer alike: words, phrases, titles, field expressions on text,
// LONG and DATE fields, sorting, facets of every type, and viewers with and without permissions.
std::vector<SearchRequest> Requests() {
  std::vector<SearchRequest> requests;
  auto add = [&](std::string q, std::string aq, Viewer viewer = {}) {
    SearchRequest request;
    request.q = std::move(q);
    request.aq = std::move(aq);
    request.viewer = std::move(viewer);
    requests.push_back(std::move(request));
  };
  const Viewer alice{.sees_everything = false, .identities = {kAlice}};
  add("quarterly", "");
  add("quarterly", "", alice);
  add("\"quarterly report\"", "");
  add("title:ocean", "");
  add("whale", "");  // stemmed
  add("", "@author==b\xC3\xA9la");
  add("", "@tags==blue @author==bob");
  add("", "@price>5", alice);
  add("", "@price==3..7");
  add("", "@released>=2000-01-01");
  add("", "@filetype==html @source==\"local files\"");
  add("", "@permanentid==permanent-b");
  SearchRequest sorted;
  sorted.sort = {{"price", false}};
  sorted.viewer = alice;
  requests.push_back(sorted);
  SearchRequest faceted;
  faceted.q = "quarterly";
  faceted.viewer = alice;
  FacetRequest author;
  author.id = "author";
  author.field = "author";
  FacetRequest price;
  price.id = "price";
  price.field = "price";
  price.type = FacetRequest::Type::kNumericRange;
  price.ranges = {{.start = 0, .end = 10, .end_inclusive = false, .selected = false},
                  {.start = 10, .end = 100, .end_inclusive = true, .selected = false}};
  FacetRequest released;
  released.id = "released";
  released.field = "released";
  released.type = FacetRequest::Type::kDateRange;
  released.number_of_values = 2;
  faceted.facets = {author, price, released};
  requests.push_back(faceted);
  return requests;
}

TEST_F(IndexChangeTest, AnAppliedPutSearchesAndShowsLikeTheOriginal) {
  const std::vector<IndexDocument> items = Items();
  Replicate(items);
  for (const SearchRequest& request : Requests()) {
    const std::string sender = Render(Find(SenderDir(), request));
    EXPECT_EQ(Render(Find(ReceiverDir(), request)), sender)
        << "q=" << request.q << " aq=" << request.aq;
    EXPECT_THAT(sender, HasSubstr("https://example.com/"))
        << "q=" << request.q << " aq=" << request.aq;
  }
  for (const IndexDocument& item : items) {
    auto sent = GetItem(SenderDir(), item.uri);
    auto received = GetItem(ReceiverDir(), item.uri);
    ASSERT_TRUE(sent.ok() && received.ok());
    ASSERT_TRUE(received->has_value());
    EXPECT_EQ(Render(*received), Render(*sent));
    EXPECT_EQ((*received)->body, item.body);  // stored before the body was dropped
  }
  // What the receiver answers, on its own terms.
  EXPECT_THAT(Uris(ReceiverDir(), "@price>5"), ElementsAre("https://example.com/a.html"));
  EXPECT_THAT(Uris(ReceiverDir(), "@released<2000-01-01"),
              ElementsAre("https://example.com/a.html"));
  SearchRequest numbers;
  numbers.aq = "@author==bob";
  const SearchResponse bob = Find(ReceiverDir(), numbers);
  ASSERT_EQ(bob.hits.size(), 1u);
  EXPECT_THAT(
      bob.hits[0].numeric_metadata,
      ElementsAre(std::pair<std::string, std::vector<double>>{"price", {3.0}},
                  std::pair<std::string, std::vector<double>>{"released", {1012477992000.0}}));
  SearchRequest anonymous;
  anonymous.q = "quarterly";
  EXPECT_EQ(Find(ReceiverDir(), anonymous).total_count, 2u);  // not the secured memo
  anonymous.viewer.identities = {kAlice};
  EXPECT_EQ(Find(ReceiverDir(), anonymous).total_count, 3u);
}

TEST_F(IndexChangeTest, ApplyingThePutAgainOrANewerOneLeavesOneItem) {
  ASSERT_OK_AND_ASSIGN(auto sender, IndexWriter::Open(SenderDir()));
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  IndexDocument item = Item("https://example.com/a.html", "First", "original words");
  const std::string first = PutAndEncode(*sender, item);
  ASSERT_OK(ApplyEncodedPut(*receiver, first));
  ASSERT_OK(ApplyEncodedPut(*receiver, first));
  EXPECT_EQ(receiver->document_count(), 1u);
  item.title = "Second";
  item.body = "replacement words";
  ASSERT_OK(ApplyEncodedPut(*receiver, PutAndEncode(*sender, item)));
  ASSERT_OK(receiver->Commit());
  EXPECT_EQ(receiver->document_count(), 1u);
  SearchRequest request;
  request.q = "words";
  const SearchResponse response = Find(ReceiverDir(), request);
  ASSERT_EQ(response.hits.size(), 1u);
  EXPECT_EQ(response.hits[0].title, "Second");
  request.q = "original";
  EXPECT_EQ(Find(ReceiverDir(), request).total_count, 0u);
  // Deletes find applied items, their children included.
  IndexDocument child = Item("https://example.com/a.html/attachment.pdf", "", "attached");
  ASSERT_OK(ApplyEncodedPut(*receiver, PutAndEncode(*sender, child)));
  ASSERT_OK_AND_ASSIGN(const uint64_t deleted,
                       receiver->DeleteWithChildren("https://example.com/a.html"));
  EXPECT_EQ(deleted, 2u);
}

TEST_F(IndexChangeTest, TheReceivingIndexGivesNumericFieldsItsOwnSlots) {
  // The receiver already has a DOUBLE field, so its first slot is taken; the sender's is free.
  IndexDocument heavy = Item("heavy", "", "local item", {{"weight", {"50"}}});
  heavy.field_kinds = {{"weight", FieldKind::kDouble}};
  {
    ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
    ASSERT_OK(receiver->Put(heavy));
    ASSERT_OK(receiver->Commit());
  }
  IndexDocument cheap = Item("cheap", "", "text", {{"price", {"3"}}});
  IndexDocument dear = Item("dear", "", "text", {{"price", {"70"}}, {"released", {"2020-06-01"}}});
  Replicate({cheap, dear});
  const FieldSlots sent = StoredSlots(SenderDir());
  const FieldSlots received = StoredSlots(ReceiverDir());
  EXPECT_EQ(sent.at("price").slot, kFirstFieldSlot);
  EXPECT_EQ(received.at("weight").slot, kFirstFieldSlot);
  EXPECT_NE(received.at("price").slot, sent.at("price").slot);
  EXPECT_NE(received.at("released").slot, sent.at("released").slot);
  // The sender's slot 16 value of price is not read as the receiver's weight.
  EXPECT_THAT(Uris(ReceiverDir(), "@weight>1"), ElementsAre("heavy"));
  EXPECT_THAT(Uris(ReceiverDir(), "@price>5"), ElementsAre("dear"));
  EXPECT_THAT(Uris(ReceiverDir(), "@price<5"), ElementsAre("cheap"));
  EXPECT_THAT(Uris(ReceiverDir(), "@released>2019-01-01"), ElementsAre("dear"));
  SearchRequest sorted;
  sorted.sort = {{"price", true}};
  std::vector<std::string> order;
  for (const SearchHit& hit : Find(ReceiverDir(), sorted).hits) order.push_back(hit.uri);
  EXPECT_THAT(order, ElementsAre("cheap", "dear", "heavy"));
}

TEST_F(IndexChangeTest, APreparedDocumentStoredByTwoWritersTakesEachOnesSlots) {
  IndexDocument heavy = Item("heavy", "", "local item", {{"weight", {"50"}}});
  heavy.field_kinds = {{"weight", FieldKind::kDouble}};
  const IndexDocument cheap = Item("cheap", "", "text", {{"price", {"3"}}});
  ASSERT_OK_AND_ASSIGN(auto sender, IndexWriter::Open(SenderDir()));
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  ASSERT_OK(receiver->Put(heavy));
  ASSERT_OK_AND_ASSIGN(PreparedDocument prepared, PreparedDocument::Build(cheap));
  ASSERT_OK(sender->Put(cheap, prepared));  // price in the sender's first slot
  ASSERT_OK(receiver->Put(cheap, prepared));
  ASSERT_OK(sender->Commit());
  ASSERT_OK(receiver->Commit());
  EXPECT_THAT(Uris(ReceiverDir(), "@weight>1"), ElementsAre("heavy"));
  EXPECT_THAT(Uris(ReceiverDir(), "@price<5"), ElementsAre("cheap"));
  EXPECT_THAT(Uris(SenderDir(), "@price<5"), ElementsAre("cheap"));
}

TEST_F(IndexChangeTest, APutEncodedBeforeItIsStoredIsTheSamePut) {
  const IndexDocument item = Items()[0];
  ASSERT_OK_AND_ASSIGN(PreparedDocument prepared, PreparedDocument::Build(item));
  ASSERT_OK_AND_ASSIGN(const std::string before, EncodePut(item, prepared));
  IndexDocument without_body = item;
  without_body.body.clear();
  ASSERT_OK_AND_ASSIGN(const std::string no_body, EncodePut(without_body, prepared));
  EXPECT_EQ(no_body, before);  // the body is not part of it
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  ASSERT_OK(ApplyEncodedPut(*receiver, before));
  ASSERT_OK(receiver->Commit());
  EXPECT_THAT(Uris(ReceiverDir(), "@price==7 @released<2000-01-01"), ElementsAre(item.uri));
  ASSERT_OK_AND_ASSIGN(const std::string uri, EncodedPutUri(before));
  EXPECT_EQ(uri, item.uri);
}

TEST_F(IndexChangeTest, ALongUriIsReadAndAppliedWhole) {
  const std::string uri = "https://example.com/" + std::string(400, 'x');  // a hashed term
  ASSERT_OK_AND_ASSIGN(auto sender, IndexWriter::Open(SenderDir()));
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  const std::string encoded = PutAndEncode(*sender, Item(uri, "Long", "long uri words"));
  ASSERT_OK_AND_ASSIGN(const std::string read, EncodedPutUri(encoded));
  EXPECT_EQ(read, uri);
  ASSERT_OK(ApplyEncodedPut(*receiver, encoded));
  ASSERT_OK(ApplyEncodedPut(*receiver, encoded));
  ASSERT_OK(receiver->Commit());
  EXPECT_EQ(receiver->document_count(), 1u);
  ASSERT_OK_AND_ASSIGN(auto item, GetItem(ReceiverDir(), uri));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->body, "long uri words");
}

TEST_F(IndexChangeTest, EveryTruncationAndEveryFlippedByteIsRefused) {
  ASSERT_OK_AND_ASSIGN(auto sender, IndexWriter::Open(SenderDir()));
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  const std::string encoded = PutAndEncode(*sender, Items()[1]);
  ASSERT_GT(encoded.size(), 200u);
  for (size_t size = 0; size < encoded.size(); ++size) {
    const std::string_view prefix = std::string_view(encoded).substr(0, size);
    const base::Status applied = ApplyEncodedPut(*receiver, prefix);
    ASSERT_EQ(applied.code(), base::StatusCode::kDataLoss) << size << ": " << applied.ToString();
    EXPECT_THAT(applied.message(), HasSubstr("encoded index put")) << size;
    if (size > 0) {
      EXPECT_THAT(applied.message(), AnyOf(HasSubstr("checksum"), HasSubstr("too few")));
    }
    ASSERT_FALSE(EncodedPutUri(prefix).ok()) << size;
  }
  for (size_t at = 1; at < encoded.size(); ++at) {
    for (const char flip : {'\x01', '\x80', '\xff'}) {
      std::string garbled = encoded;
      garbled[at] = static_cast<char>(garbled[at] ^ flip);
      const base::Status applied = ApplyEncodedPut(*receiver, garbled);
      ASSERT_EQ(applied.code(), base::StatusCode::kDataLoss) << at << ": " << applied.ToString();
    }
  }
  EXPECT_EQ(receiver->document_count(), 0u);
  EXPECT_EQ(ApplyEncodedPut(*receiver, encoded + "x").code(), base::StatusCode::kDataLoss);
  std::string other_format = encoded;
  other_format[0] = 2;
  const base::Status format = ApplyEncodedPut(*receiver, other_format);
  EXPECT_EQ(format.code(), base::StatusCode::kInvalidArgument);
  EXPECT_THAT(format.message(), HasSubstr("format 2 is not one this Sluice reads"));
  EXPECT_EQ(EncodedPutUri(other_format).status().code(), base::StatusCode::kInvalidArgument);
  ASSERT_OK(ApplyEncodedPut(*receiver, encoded));
  EXPECT_EQ(receiver->document_count(), 1u);
}

TEST_F(IndexChangeTest, WellFormedBytesOfTheWrongDocumentAreRefusedAndLoseNothing) {
  ASSERT_OK_AND_ASSIGN(auto receiver, IndexWriter::Open(ReceiverDir()));
  // An uncommitted change that a refused put must not discard.
  ASSERT_OK(receiver->Put(Item("local", "", "kept words")));
  const IndexDocument item = Item("https://example.com/a.html", "", "text");
  ASSERT_OK_AND_ASSIGN(PreparedDocument prepared, PreparedDocument::Build(item));
  ASSERT_OK_AND_ASSIGN(const std::string xapian, prepared.Serialise());

  // The format as README.md describes it is what EncodePut writes.
  ASSERT_OK_AND_ASSIGN(const std::string encoded, EncodePut(item, prepared));
  IndexDocument price_only = item;
  price_only.field_kinds = {{"price", FieldKind::kLong}};
  ASSERT_OK_AND_ASSIGN(const std::string price_encoded, EncodePut(price_only, prepared));
  EXPECT_EQ(HandEncoded(item.uri, xapian), price_encoded);
  ASSERT_OK(ApplyEncodedPut(*receiver, HandEncoded(item.uri, xapian)));

  auto refused = [&](const std::string& bytes) {
    const base::Status status = ApplyEncodedPut(*receiver, bytes);
    EXPECT_EQ(status.code(), base::StatusCode::kDataLoss) << status.ToString();
    return status.message();
  };
  EXPECT_THAT(refused(HandEncoded("https://example.com/other.html", xapian)),
              HasSubstr("cannot be this item's: its stored uri is not the item's"));
  EXPECT_THAT(refused(HandEncoded("", xapian)), HasSubstr("the uri is empty"));
  EXPECT_THAT(refused(HandEncoded(item.uri, xapian.substr(0, xapian.size() / 2))),
              HasSubstr("not a serialised Xapian document"));
  EXPECT_THAT(refused(HandEncoded(item.uri, "\xff\xff\xff")),
              HasSubstr("not a serialised Xapian document"));

  // Xapian documents made by hand: one lacking the item's own term, one with a term Xapian's
  // index refuses (which, stored, would make Xapian drop the writer's uncommitted changes).
  Xapian::Document no_term;
  no_term.add_value(3, item.uri);
  no_term.add_term("word");
  EXPECT_THAT(refused(HandEncoded(item.uri, no_term.serialise())),
              HasSubstr("lacks the item's identifying term"));
  Xapian::Document long_term = Xapian::Document::unserialise(xapian);
  long_term.add_term(std::string(300, 'z'));
  EXPECT_THAT(refused(HandEncoded(item.uri, long_term.serialise())),
              HasSubstr("a term of 300 bytes"));

  // A numeric field whose name is no field name: its slot could not be recorded readably.
  EXPECT_THAT(refused(HandEncoded(item.uri, xapian, {{"\xff", {"5"}}}, {{"\xff", 1}})),
              HasSubstr("which is not a field name"));
  ASSERT_OK(ApplyEncodedPut(*receiver, HandEncoded(item.uri, xapian, {{"Odd name", {"x"}}},
                                                   {{"Odd name", 0}, {"price", 1}})));

  // A field kind the format does not know, and fields that end early.
  std::string unknown_kind = HandEncoded(item.uri, xapian);
  unknown_kind.resize(unknown_kind.size() - 4);
  const size_t kind_at = 1 + 1 + item.uri.size() + 1 + 1 + 1 + 5;
  ASSERT_EQ(unknown_kind[kind_at], 1);
  unknown_kind[kind_at] = 9;
  EXPECT_THAT(refused(WithChecksum(unknown_kind)), HasSubstr("field price has the unknown kind 9"));
  std::string cut(1, '\1');
  PutVarint(5, cut);
  cut += "ab";
  EXPECT_THAT(refused(WithChecksum(cut)), HasSubstr("the bytes end inside the uri"));
  std::string overlong(1, '\1');
  overlong += std::string("\x81\x00", 2);
  EXPECT_THAT(refused(WithChecksum(overlong)), HasSubstr("is not a valid number"));

  ASSERT_OK(receiver->Commit());
  EXPECT_EQ(receiver->document_count(), 2u);
  receiver.reset();
  ASSERT_OK_AND_ASSIGN(receiver, IndexWriter::Open(ReceiverDir()));
  SearchRequest request;
  request.q = "kept";
  EXPECT_EQ(Find(ReceiverDir(), request).total_count, 1u);
  EXPECT_THAT(Uris(ReceiverDir(), "@uri==local"), ElementsAre("local"));
  EXPECT_THAT(Uris(ReceiverDir(), "@nosuchfield"), IsEmpty());
  EXPECT_FALSE(encoded.empty());
}

}  // namespace
}  // namespace sluice::index
