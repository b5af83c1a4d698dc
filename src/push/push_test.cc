#include <filesystem>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "base/clock.h"
#include "base/random.h"
#include "push/access.h"
#include "push/push_api.h"

namespace sluice::push {
namespace {

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
