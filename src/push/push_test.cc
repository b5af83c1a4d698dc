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

TEST_F(AccessTest, TwoCredentialsAreNoCredential) {
  using P = std::pair<int, std::string>;
  http::Request request;
  request.headers = {{"Authorization", "Bearer xx-admin"}, {"authorization", "Bearer xx-nope"}};
  EXPECT_EQ(BearerToken(request, false), std::optional<std::string>(""));
  auto outcome = Access(*store_).Check(request, "org", kPrivilegePush);
  EXPECT_FALSE(outcome.key);
  EXPECT_EQ(outcome.error.status, 401);
  // Even the same valid key twice: which header counts must never be a guess.
  request.headers = {{"Authorization", "Bearer xx-admin"}, {"Authorization", "Bearer xx-admin"}};
  EXPECT_FALSE(Access(*store_).Check(request, "org", kPrivilegePush).key);
  EXPECT_EQ(
      Check(std::nullopt, "", kPrivilegeSearch, "access_token=xx-search&access_token=xx-nope"),
      P(401, "INVALID_TOKEN"));
}

TEST_F(AccessTest, OnlySearchTakesTheKeyFromTheQuery) {
  using P = std::pair<int, std::string>;
  EXPECT_EQ(Check(std::nullopt, "", kPrivilegeSearch, "access_token=xx-search"), P(200, ""));
  EXPECT_EQ(Check(std::nullopt, "org", kPrivilegePush, "access_token=xx-admin"),
            P(401, "UNAUTHORIZED"));
}

}  // namespace
}  // namespace sluice::push

namespace sluice::push {
namespace {

class FailedAuthLimiterTest : public ::testing::Test {
 protected:
  static http::Request From(std::string address, std::optional<std::string> authorization) {
    http::Request r;
    r.remote_address = std::move(address);
    if (authorization) r.headers.emplace_back("Authorization", *authorization);
    return r;
  }
  // Sends a request the handler refuses with `status`; returns what the caller got.
  int Send(FailedAuthLimiter& limiter, const http::Request& r, int status = 401) {
    if (auto refused = limiter.Admit(r)) return refused->status;
    limiter.Observe(r, http::Response::Json(status, "{}"));
    return status;
  }

  FixedClock clock_;
};

TEST_F(FailedAuthLimiterTest, RefusesAnAddressThatUsedUpItsFailures) {
  FailedAuthLimiter limiter(clock_, FailedAuthOptions{3, 60'000});
  const auto guess = From("10.0.0.1", "Bearer xx-guess");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Send(limiter, guess), 401) << i;
  auto refused = limiter.Admit(guess);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(boost::json::parse(refused->body).at("errorCode"), "TOO_MANY_REQUESTS");
  // One failure drains every 20 s (3 per minute).
  EXPECT_EQ(refused->headers,
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "20"}}));
  // While refused, even a valid key is not checked: a guess must not be confirmable.
  EXPECT_EQ(Send(limiter, From("10.0.0.1", "Bearer xx-valid"), 200), 429);
  EXPECT_EQ(Send(limiter, From("10.0.0.1", std::nullopt)), 401);       // no credential: no guess
  EXPECT_EQ(Send(limiter, From("10.0.0.2", "Bearer xx-guess")), 401);  // another address

  clock_.now += 19'000;
  EXPECT_EQ(Send(limiter, guess), 429);
  clock_.now += 1'000;
  EXPECT_EQ(Send(limiter, guess), 401);  // the budget refilled by one, which it used
  EXPECT_EQ(Send(limiter, guess), 429);
  clock_.now += 60'000;
  EXPECT_EQ(Send(limiter, From("10.0.0.1", "Bearer xx-valid"), 200), 200);
}

TEST_F(FailedAuthLimiterTest, CountsOnlyRefusedCredentials) {
  FailedAuthLimiter limiter(clock_, FailedAuthOptions{2, 60'000});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Send(limiter, From("a", std::nullopt)), 401);            // no credential
    EXPECT_EQ(Send(limiter, From("a", "Bearer xx-other"), 403), 403);  // valid, not allowed
    EXPECT_EQ(Send(limiter, From("a", "Bearer xx-ok"), 200), 200);
  }
  http::Request query_token = From("a", std::nullopt);
  query_token.query = "access_token=xx-bad";
  EXPECT_EQ(Send(limiter, query_token), 401);
  EXPECT_EQ(Send(limiter, query_token), 401);
  EXPECT_EQ(Send(limiter, query_token), 429);
}

TEST_F(FailedAuthLimiterTest, ZeroTurnsItOff) {
  FailedAuthLimiter limiter(clock_, FailedAuthOptions{0, 60'000});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Send(limiter, From("a", "Bearer xx-guess")), 401);
}

}  // namespace
}  // namespace sluice::push
