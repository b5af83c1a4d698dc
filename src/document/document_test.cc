#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "document/document_body.h"
#include "document/json_body.h"

namespace sluice::document {
namespace {

TEST(JsonBodyTest, FoldsKeysAtEveryLevel) {
  auto v = ParseCaseInsensitiveJson(
      R"({"FileExtension":".html","Permissions":[{"AllowAnonymous":true}]})");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(boost::json::serialize(*v),
            R"({"fileextension":".html","permissions":[{"allowanonymous":true}]})");
}

TEST(JsonBodyTest, RejectsKeysThatCollideAfterFolding) {
  auto v = ParseCaseInsensitiveJson(R"({"title":"a","nested":{"X":1,"x":2}})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("duplicate key 'x'"), std::string::npos);
  EXPECT_FALSE(ParseCaseInsensitiveJson(R"({"Data":"a","DATA":"b"})").ok());
}

TEST(JsonBodyTest, ReportsWhereTheSyntaxBreaks) {
  auto v = ParseCaseInsensitiveJson("{\"a\": tru}");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("at byte"), std::string::npos);
  EXPECT_FALSE(ParseCaseInsensitiveJson("{} extra").ok());
  EXPECT_FALSE(ParseCaseInsensitiveJson(std::string(100, '[') + std::string(100, ']')).ok());
}

// Found by fuzz/push_json_fuzzer: "5E22222" was read as infinity and journaled as
// "Infinity", which is not JSON.
TEST(JsonBodyTest, RefusesNumbersBeyondTheRangeOfADouble) {
  for (const char* text : {"5E22222", R"({"size":1e400})", R"({"size":[-1e999]})"}) {
    auto v = ParseCaseInsensitiveJson(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find("out of range"), std::string::npos) << text;
  }
  auto in_range = ParseCaseInsensitiveJson(R"({"small":1e-400,"big":1.7e308})");
  ASSERT_TRUE(in_range.ok()) << in_range.status().ToString();
  EXPECT_TRUE(ParseCaseInsensitiveJson(boost::json::serialize(*in_range)).ok());
}

base::Result<DocumentBody> Validate(std::string_view json, std::string_view id = "http://x",
                                    std::optional<codec::Compression> q = std::nullopt) {
  auto v = ParseCaseInsensitiveJson(json);
  if (!v.ok()) return v.status();
  return ValidateDocumentBody(std::move(*v), id, q);
}

TEST(DocumentBodyTest, ResolvesCompressionQueryFirstThenBodyThenZlib) {
  EXPECT_EQ(Validate(R"({"data":"x"})")->fields.at("compressiontype").as_string(), "ZLIB");
  EXPECT_EQ(Validate(R"({"compressionType":"gzip"})")->fields.at("compressiontype").as_string(),
            "GZIP");
  EXPECT_EQ(Validate(R"({"compressionType":"gzip"})", "http://x", codec::Compression::kDeflate)
                ->fields.at("compressiontype")
                .as_string(),
            "DEFLATE");
  EXPECT_FALSE(Validate(R"({"compressionType":"brotli"})").ok());
}

TEST(DocumentBodyTest, TakesTheSeedBodyAndItsFileId) {
  auto body = Validate(R"({'FileExtension':'.html'})");
  EXPECT_FALSE(body.ok());  // single quotes are not JSON
  body = Validate(R"({"FileExtension":".html","CompressedBinaryDataFileId":"abc"})");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body->file_id, "abc");
}

TEST(DocumentBodyTest, RejectsWhatCoveoRejects) {
  EXPECT_FALSE(Validate(R"({"meta":{"a":1}})").ok());
  EXPECT_FALSE(Validate(R"({"meta":[[1]]})").ok());
  EXPECT_TRUE(Validate(R"({"meta":[1,"a",true]})").ok());
  EXPECT_FALSE(Validate(R"({"fileExtension":"html"})").ok());
  EXPECT_FALSE(Validate(R"({"documentId":"http://other"})").ok());
  EXPECT_FALSE(Validate(R"({"compressedBinaryData":"not base64!"})").ok());
  EXPECT_FALSE(Validate(R"({"data":5})").ok());
  EXPECT_FALSE(Validate(R"([1])").ok());
}

}  // namespace
}  // namespace sluice::document
