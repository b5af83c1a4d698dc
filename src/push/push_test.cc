#include <filesystem>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "base/clock.h"
#include "base/random.h"
#include "push/access.h"
#include "push/document_body.h"
#include "push/json_body.h"
#include "push/push_api.h"

namespace sluice::push {
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

class FixedClock final : public base::Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = 1000;
};

TEST(OrderingClockTest, DefaultsAreStrictlyIncreasingEvenWithinOneMillisecond) {
  FixedClock clock;
  OrderingClock ordering(clock);
  EXPECT_EQ(ordering.Next(), 1000u);
  EXPECT_EQ(ordering.Next(), 1001u);
  clock.now = 5000;
  EXPECT_EQ(ordering.Next(), 5000u);
}

}  // namespace
}  // namespace sluice::push

namespace sluice::push {
namespace {

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("access_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
    ASSERT_TRUE(store_->EnsureOrganization("org", 1).ok());
    ASSERT_TRUE(store_->EnsureOrganization("other", 1).ok());
    ASSERT_TRUE(
        store_->PutApiKey(store::ApiKey{"a", "org", auth::HashApiKey("xx-admin"), {"admin"}, 1})
            .ok());
    ASSERT_TRUE(
        store_->PutApiKey(store::ApiKey{"s", "org", auth::HashApiKey("xx-search"), {"search"}, 1})
            .ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The status and errorCode Access answers, or 200 when it lets the call through.
  std::pair<int, std::string> Check(std::optional<std::string> authorization, std::string org,
                                    std::string_view privilege, std::string query = "") {
    http::Request request;
    if (authorization) request.headers.emplace_back("Authorization", *authorization);
    request.query = std::move(query);
    auto outcome = Access(*store_).Check(request, org, privilege);
    if (outcome.key) return {200, ""};
    auto body = boost::json::parse(outcome.error.body).as_object();
    return {outcome.error.status, std::string(body.at("errorCode").as_string())};
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
};

TEST_F(AccessTest, AnswersEachFailureWithItsCoveoError) {
  using P = std::pair<int, std::string>;
  EXPECT_EQ(Check("Bearer xx-admin", "org", kPrivilegePush), P(200, ""));
  EXPECT_EQ(Check("bearer xx-admin", "org", kPrivilegePush), P(200, ""));
  EXPECT_EQ(Check(std::nullopt, "org", kPrivilegePush), P(401, "UNAUTHORIZED"));
  EXPECT_EQ(Check("Basic eHg=", "org", kPrivilegePush), P(401, "INVALID_TOKEN"));
  EXPECT_EQ(Check("Bearer xx-unknown", "org", kPrivilegePush), P(401, "INVALID_TOKEN"));
  EXPECT_EQ(Check("Bearer xx-admin", "nope", kPrivilegePush), P(404, "ORGANIZATION_NOT_FOUND"));
  EXPECT_EQ(Check("Bearer xx-admin", "other", kPrivilegePush), P(403, "ACCESS_DENIED"));
  EXPECT_EQ(Check("Bearer xx-search", "org", kPrivilegePush), P(403, "ACCESS_DENIED"));
  EXPECT_EQ(Check("Bearer xx-search", "org", kPrivilegeSearch), P(200, ""));
}

TEST_F(AccessTest, OnlySearchTakesTheKeyFromTheQuery) {
  using P = std::pair<int, std::string>;
  EXPECT_EQ(Check(std::nullopt, "", kPrivilegeSearch, "access_token=xx-search"), P(200, ""));
  EXPECT_EQ(Check(std::nullopt, "org", kPrivilegePush, "access_token=xx-admin"),
            P(401, "UNAUTHORIZED"));
}

}  // namespace
}  // namespace sluice::push
