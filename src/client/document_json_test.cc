#include "client/document_json.h"

#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "codec/base64.h"

namespace sluice::client {
namespace {

namespace json = boost::json;
using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr codec::Compression kAllCompressions[] = {
    codec::Compression::kUncompressed, codec::Compression::kZlib, codec::Compression::kGzip,
    codec::Compression::kDeflate, codec::Compression::kLzma};

// Parses `text`, failing the test (and returning null) when it is not JSON.
json::value Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in: " << text;
  return ec ? json::value() : v;
}

// The members text as an object, as it will read once pasted into a body.
json::object MembersObject(std::string_view members) {
  json::value v = Parse("{" + std::string(members) + "}");
  return v.is_object() ? v.as_object() : json::object();
}

// Every byte value, so that Base64 and the body see the awkward ones.
std::string AllBytes(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((i * 37 + 11) & 0xff);
  return out;
}

TEST(MetadataMembersTest, EmptyInputsGiveNoMembers) {
  std::string ext = ".txt";
  auto members = MetadataMembers("", {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  EXPECT_EQ(*members, "");
  EXPECT_EQ(ext, ".txt");
}

TEST(MetadataMembersTest, SidecarObjectKeepsEveryValueType) {
  std::string ext;
  auto members = MetadataMembers(
      R"({"author":"Ann","year":2024,"ratio":0.5,"draft":false,"tags":["a","b"],"nested":{"x":1},"none":null})",
      {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got, Parse(R"({"author":"Ann","year":2024,"ratio":0.5,"draft":false,)"
                       R"("tags":["a","b"],"nested":{"x":1},"none":null})")
                     .as_object());
  EXPECT_EQ(ext, "");
}

TEST(MetadataMembersTest, PairsOverrideSidecarAndStayStrings) {
  std::string ext;
  auto members =
      MetadataMembers(R"({"author":"Ann","lang":"en","year":2024})",
                      Pairs{{"author", "Bob"}, {"year", "1999"}, {"extra", "a=b"}}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(got.at("author"), "Bob");
  EXPECT_EQ(got.at("lang"), "en");
  EXPECT_EQ(got.at("year"), "1999");  // a command-line value is text
  EXPECT_EQ(got.at("extra"), "a=b");
}

TEST(MetadataMembersTest, LaterPairWinsOverEarlierPair) {
  std::string ext;
  auto members = MetadataMembers("", Pairs{{"k", "1"}, {"k", "2"}}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(got.at("k"), "2");
}

TEST(MetadataMembersTest, TitleWinsOverSidecarAndPairs) {
  std::string ext;
  auto members =
      MetadataMembers(R"({"title":"From sidecar"})", Pairs{{"title", "From pair"}}, "Q3", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(got.at("title"), "Q3");

  // No title given: the sidecar's stays.
  members = MetadataMembers(R"({"title":"From sidecar"})", {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  EXPECT_EQ(MembersObject(*members).at("title"), "From sidecar");
}

TEST(MetadataMembersTest, KeysDifferingInLetterCaseAreOneKey) {
  std::string ext;
  auto members = MetadataMembers(R"({"Title":"From sidecar","Author":"Ann"})",
                                 Pairs{{"AUTHOR", "Bob"}}, "Q3", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.size(), 2u) << *members;
  EXPECT_EQ(got.at("title"), "Q3");
  EXPECT_EQ(got.at("AUTHOR"), "Bob");
}

TEST(MetadataMembersTest, SidecarFileExtensionReplacesOutParam) {
  std::string ext = ".txt";
  auto members = MetadataMembers(R"({"fileExtension":".md","author":"Ann"})", {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  EXPECT_EQ(ext, ".md");
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.size(), 1u);  // not a member: the body's own fileExtension carries it
  EXPECT_FALSE(got.contains("fileExtension"));
  EXPECT_EQ(got.at("author"), "Ann");

  ext = ".txt";
  members = MetadataMembers(R"({"FILEEXTENSION":".html"})", {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  EXPECT_EQ(ext, ".html");
  EXPECT_EQ(*members, "");
}

TEST(MetadataMembersTest, NonStringFileExtensionIsRefused) {
  std::string ext = ".txt";
  auto members = MetadataMembers(R"({"fileExtension":3})", {}, "", &ext);
  ASSERT_FALSE(members.ok());
  EXPECT_EQ(members.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(members.status().message().find("fileExtension"), std::string::npos);
  EXPECT_EQ(ext, ".txt");
}

TEST(MetadataMembersTest, ReservedKeysAreRefusedInAnyCaseNamingTheKey) {
  const std::vector<std::string> keys = {"documentId",
                                         "DOCUMENTID",
                                         "data",
                                         "Data",
                                         "compressedBinaryData",
                                         "CompressedBinaryDataFileId",
                                         "compressionType",
                                         "COMPRESSIONTYPE",
                                         "uri",
                                         "Uri"};
  for (const std::string& key : keys) {
    std::string ext;
    auto from_sidecar = MetadataMembers("{" + JsonString(key) + ":\"x\"}", {}, "", &ext);
    ASSERT_FALSE(from_sidecar.ok()) << key;
    EXPECT_EQ(from_sidecar.status().code(), base::StatusCode::kInvalidArgument) << key;
    EXPECT_NE(from_sidecar.status().message().find("'" + key + "'"), std::string::npos)
        << from_sidecar.status().message();

    auto from_pair = MetadataMembers("", Pairs{{"author", "Ann"}, {key, "x"}}, "", &ext);
    ASSERT_FALSE(from_pair.ok()) << key;
    EXPECT_EQ(from_pair.status().code(), base::StatusCode::kInvalidArgument) << key;
    EXPECT_NE(from_pair.status().message().find("'" + key + "'"), std::string::npos)
        << from_pair.status().message();
  }
}

TEST(MetadataMembersTest, KeysThatOnlyLookReservedAreAccepted) {
  std::string ext;
  auto members =
      MetadataMembers(R"({"datasource":"x","uriHash":"y","documentIdentifier":"z"})", {}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  EXPECT_EQ(MembersObject(*members).size(), 3u);
}

TEST(MetadataMembersTest, InvalidSidecarIsRefused) {
  for (std::string_view bad : {"{", "{\"a\":}", "not json", "{\"a\":1} trailing"}) {
    std::string ext;
    auto members = MetadataMembers(bad, {}, "", &ext);
    ASSERT_FALSE(members.ok()) << bad;
    EXPECT_EQ(members.status().code(), base::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(members.status().message().find("not valid JSON"), std::string::npos)
        << members.status().message();
  }
}

TEST(MetadataMembersTest, NonObjectSidecarIsRefused) {
  for (std::string_view bad : {"[1,2]", "\"title\"", "42", "null", "true"}) {
    std::string ext;
    auto members = MetadataMembers(bad, {}, "", &ext);
    ASSERT_FALSE(members.ok()) << bad;
    EXPECT_EQ(members.status().code(), base::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(members.status().message().find("JSON object"), std::string::npos)
        << members.status().message();
  }
}

TEST(MetadataMembersTest, EscapingSurvivesIntoTheBody) {
  std::string ext;
  auto members = MetadataMembers(R"({"quote":"say \"hi\"\n"})",
                                 Pairs{{"path", "C:\\dir\t\"x\""}, {"名前", "日本語 é"}}, "", &ext);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  const json::object got = MembersObject(*members);
  EXPECT_EQ(got.at("quote"), "say \"hi\"\n");
  EXPECT_EQ(got.at("path"), "C:\\dir\t\"x\"");
  EXPECT_EQ(got.at("名前"), "日本語 é");
}

TEST(InlineDocumentJsonTest, ParsesWithTheRightKeysAndDecodableData) {
  const std::string bytes = AllBytes(1000);
  for (codec::Compression compression : kAllCompressions) {
    ItemDescription item{"file:///docs/a%20b.pdf", ".pdf", R"("title":"Q3","year":2024)"};
    json::value v = Parse(InlineDocumentJson(item, bytes, compression, true));
    ASSERT_TRUE(v.is_object());
    const json::object& body = v.as_object();
    EXPECT_EQ(body.size(), 6u);
    EXPECT_EQ(body.at("documentId"), "file:///docs/a%20b.pdf");
    EXPECT_EQ(body.at("fileExtension"), ".pdf");
    EXPECT_EQ(body.at("compressionType"), json::value(codec::CompressionName(compression)));
    EXPECT_EQ(body.at("title"), "Q3");
    EXPECT_EQ(body.at("year"), 2024);
    ASSERT_TRUE(body.at("compressedBinaryData").is_string());
    auto decoded = codec::DecodeBase64Strict(body.at("compressedBinaryData").as_string());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(InlineDocumentJsonTest, WithoutDocumentIdExtensionOrMembers) {
  ItemDescription item{"ignored-without-id", "", ""};
  json::value v = Parse(InlineDocumentJson(item, "abc", codec::Compression::kGzip, false));
  ASSERT_TRUE(v.is_object());
  const json::object& body = v.as_object();
  EXPECT_EQ(body.size(), 2u);
  EXPECT_FALSE(body.contains("documentId"));
  EXPECT_FALSE(body.contains("fileExtension"));
  EXPECT_EQ(body.at("compressionType"), "GZIP");
  EXPECT_EQ(body.at("compressedBinaryData"), "YWJj");
}

TEST(InlineDocumentJsonTest, EmptyDataIsAnEmptyBase64String) {
  ItemDescription item{"id", ".txt", ""};
  json::value v = Parse(InlineDocumentJson(item, "", codec::Compression::kUncompressed, true));
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.as_object().at("compressedBinaryData"), "");
}

TEST(InlineDocumentJsonTest, SizeMatchesTheBodyForManySizes) {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 20; ++n) sizes.push_back(n);
  sizes.push_back(1000);
  sizes.push_back(65537);
  const std::vector<ItemDescription> items = {
      {"", "", ""},
      {"file:///a", "", ""},
      {"file:///a", ".pdf", ""},
      {"file:///a", "", R"("title":"T")"},
      {"file:///é \"quoted\"\n", ".tar.gz", R"("title":"日本","n":[1,2,{"x":null}])"},
  };
  for (codec::Compression compression : kAllCompressions) {
    for (const ItemDescription& item : items) {
      for (bool with_id : {false, true}) {
        for (size_t n : sizes) {
          const std::string bytes = AllBytes(n);
          const std::string body = InlineDocumentJson(item, bytes, compression, with_id);
          EXPECT_EQ(InlineDocumentJsonSize(item, n, compression, with_id), body.size())
              << "n=" << n << " with_id=" << with_id << " ext=" << item.file_extension
              << " members=" << item.members << " " << codec::CompressionName(compression);
        }
      }
    }
  }
}

TEST(ContainerDocumentJsonTest, NamesTheFileContainer) {
  ItemDescription item{"file:///big.pdf", ".pdf", R"("author":"Ann")"};
  json::value v = Parse(ContainerDocumentJson(item, "f-123\"\\", codec::Compression::kLzma, true));
  ASSERT_TRUE(v.is_object());
  const json::object& body = v.as_object();
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(body.at("documentId"), "file:///big.pdf");
  EXPECT_EQ(body.at("fileExtension"), ".pdf");
  EXPECT_EQ(body.at("compressionType"), "LZMA");
  EXPECT_EQ(body.at("author"), "Ann");
  EXPECT_EQ(body.at("compressedBinaryDataFileId"), "f-123\"\\");
  EXPECT_FALSE(body.contains("compressedBinaryData"));

  json::value bare =
      Parse(ContainerDocumentJson({"x", "", ""}, "f", codec::Compression::kUncompressed, false));
  ASSERT_TRUE(bare.is_object());
  EXPECT_EQ(bare.as_object().size(), 2u);
  EXPECT_EQ(bare.as_object().at("compressionType"), "UNCOMPRESSED");
  EXPECT_EQ(bare.as_object().at("compressedBinaryDataFileId"), "f");
}

uint64_t TotalSize(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  uint64_t total = 0;
  for (const auto& e : a) total += e.size();
  for (const auto& e : b) total += e.size();
  return total;
}

std::vector<std::string> Adds(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    ItemDescription item{"file:///doc" + std::to_string(i), ".txt", R"("title":"T")"};
    out.push_back(InlineDocumentJson(item, AllBytes(i * 7), codec::Compression::kZlib, true));
  }
  return out;
}

std::vector<std::string> Deletes(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back("{\"documentId\":" + JsonString("file:///old" + std::to_string(i)) + "}");
  }
  return out;
}

TEST(BatchFileJsonTest, ParsesWithEveryEntryInOrder) {
  const auto adds = Adds(3);
  const auto deletes = Deletes(2);
  json::value v = Parse(BatchFileJson(adds, deletes));
  ASSERT_TRUE(v.is_object());
  const json::object& batch = v.as_object();
  EXPECT_EQ(batch.size(), 2u);
  ASSERT_TRUE(batch.at("addOrUpdate").is_array());
  ASSERT_TRUE(batch.at("delete").is_array());
  const json::array& a = batch.at("addOrUpdate").as_array();
  const json::array& d = batch.at("delete").as_array();
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(d.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], Parse(adds[i])) << i;
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i], Parse(deletes[i])) << i;
}

TEST(BatchFileJsonTest, EmptyBatch) {
  const std::string body = BatchFileJson({}, {});
  EXPECT_EQ(body, R"({"addOrUpdate":[],"delete":[]})");
  EXPECT_EQ(BatchFileOverhead(0), body.size());
}

TEST(BatchFileJsonTest, OverheadIsExactForOneKindOfEntry) {
  for (size_t n = 1; n <= 6; ++n) {
    const auto adds = Adds(n);
    const auto deletes = Deletes(n);
    EXPECT_EQ(BatchFileOverhead(n) + TotalSize(adds, {}), BatchFileJson(adds, {}).size()) << n;
    EXPECT_EQ(BatchFileOverhead(n) + TotalSize({}, deletes), BatchFileJson({}, deletes).size())
        << n;
  }
}

TEST(BatchFileJsonTest, OverheadNeverUnderestimatesAMixedBatch) {
  // With both kinds the two lists need one comma fewer than entry_count - 1, which
  // BatchFileOverhead cannot know from a count: it may be one byte over, never under (the batch
  // size limit relies on that).
  for (size_t n_adds = 0; n_adds <= 4; ++n_adds) {
    for (size_t n_deletes = 0; n_deletes <= 4; ++n_deletes) {
      const auto adds = Adds(n_adds);
      const auto deletes = Deletes(n_deletes);
      const uint64_t actual = BatchFileJson(adds, deletes).size();
      const uint64_t estimate = BatchFileOverhead(n_adds + n_deletes) + TotalSize(adds, deletes);
      EXPECT_GE(estimate, actual) << n_adds << " adds, " << n_deletes << " deletes";
      EXPECT_LE(estimate, actual + 1) << n_adds << " adds, " << n_deletes << " deletes";
    }
  }
}

TEST(JsonStringTest, QuotesAndBackslashes) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString(R"(say "hi" \ bye)"), R"("say \"hi\" \\ bye")");
}

TEST(JsonStringTest, ControlCharactersAreEscaped) {
  std::string text = "a\nb\tc\rd\be\ff";
  text += '\0';
  text += "\x01\x1f";
  const std::string quoted = JsonString(text);
  for (char c : quoted) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in " << quoted;
  }
  EXPECT_NE(quoted.find("\\n"), std::string::npos);
  EXPECT_NE(quoted.find("\\t"), std::string::npos);
  EXPECT_NE(quoted.find("\\u0000"), std::string::npos);
  json::value v = Parse(quoted);
  ASSERT_TRUE(v.is_string());
  EXPECT_EQ(std::string_view(v.as_string()), text);
}

TEST(JsonStringTest, Utf8PassesThroughUnchanged) {
  const std::string text = "é 日本語 😀 Ω";
  EXPECT_EQ(JsonString(text), "\"" + text + "\"");
  json::value v = Parse(JsonString(text));
  ASSERT_TRUE(v.is_string());
  EXPECT_EQ(std::string_view(v.as_string()), text);
}

}  // namespace
}  // namespace sluice::client
