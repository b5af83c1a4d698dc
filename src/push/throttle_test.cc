#include "push/throttle.h"

#include <filesystem>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "base/random.h"

namespace sluice::push {
namespace {

class ManualClock final : public base::Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = 1'000'000;
};

class ThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("throttle_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static http::Request From(std::string key) {
    http::Request r;
    r.headers.emplace_back("Authorization", "Bearer " + key);
    return r;
  }
  void Journal(int n) {
    std::vector<store::Operation> ops(static_cast<size_t>(n));
    for (auto& op : ops) op.payload = "{}";
    ASSERT_TRUE(store_->AppendOperations(ops).ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
  ManualClock clock_;
};

TEST_F(ThrottleTest, EachKeyHasItsOwnBucketThatRefillsAtTheRate) {
  Throttle throttle(*store_, clock_, ThrottleOptions{2, 3, 0});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(throttle.Admit(From("a"))) << i;
  auto refused = throttle.Admit(From("a"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  auto body = boost::json::parse(refused->body).as_object();
  EXPECT_EQ(body.at("errorCode"), "TOO_MANY_REQUESTS");
  ASSERT_EQ(refused->headers.size(), 1u);
  EXPECT_EQ(refused->headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));
  EXPECT_FALSE(throttle.Admit(From("b")));  // another key is not held back by "a"

  clock_.now += 500;  // half a second at 2/s: one token back
  EXPECT_FALSE(throttle.Admit(From("a")));
  EXPECT_TRUE(throttle.Admit(From("a")));
  clock_.now += 10'000;  // refills up to the burst, no further
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(throttle.Admit(From("a"))) << i;
  EXPECT_TRUE(throttle.Admit(From("a")));
}

TEST_F(ThrottleTest, RetryAfterCoversTheWholeWaitAtLowRates) {
  Throttle throttle(*store_, clock_, ThrottleOptions{0.1, 1, 0});
  EXPECT_FALSE(throttle.Admit(From("a")));
  auto refused = throttle.Admit(From("a"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->headers[0].second, "10");
}

TEST_F(ThrottleTest, AJournalBacklogRefusesEveryKeyUntilItDrains) {
  Throttle throttle(*store_, clock_, ThrottleOptions{0, 0, 5});
  Journal(5);
  EXPECT_FALSE(throttle.Admit(From("a")));
  Journal(1);
  clock_.now += 1000;  // past the cached count
  auto refused = throttle.Admit(From("b"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->headers[0].second, "5");
  EXPECT_NE(refused->body.find("operations waiting"), std::string::npos);
}

TEST_F(ThrottleTest, OffByDefault) {
  Throttle throttle(*store_, clock_, ThrottleOptions{});
  Journal(100);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(throttle.Admit(From("a")));
}

}  // namespace
}  // namespace sluice::push
