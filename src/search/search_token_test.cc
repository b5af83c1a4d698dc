#include "search/search_token.h"

#include <sys/stat.h>

#include <filesystem>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/random.h"
#include "document/json_body.h"
#include "search/search_caller.h"
#include "search/token_api.h"

namespace sluice::search {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15

class FixedClock final : public base::Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = kNowMs;
};

class SearchTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("search_token_" + base::NewUuid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  SearchTokenSigner Signer(const std::string& file = "search-token.key") {
    auto signer = SearchTokenSigner::LoadOrCreate(dir_ / file);
    EXPECT_TRUE(signer.ok()) << signer.status().ToString();
    return std::move(signer).value();
  }

  static SearchToken Alice() {
    SearchToken t;
    t.organization_id = "org";
    t.api_key_id = "key-1";
    t.source_ids = {"src-a"};
    t.user_ids = {{"alice@example.com", "User", std::string(kEmailSecurityProvider)},
                  {"Sales", "Group", "Corp"}};
    t.user_display_name = "Alice Smith";
    t.search_hub = "SupportHub";
    t.filter = "@source==KnowledgeBase";
    t.issued_at_s = kNowMs / 1000;
    t.expires_at_s = kNowMs / 1000 + 3600;
    return t;
  }

  fs::path dir_;
};

TEST_F(SearchTokenTest, RoundTripsEveryClaim) {
  SearchTokenSigner signer = Signer();
  const std::string token = signer.Sign(Alice());
  EXPECT_TRUE(LooksLikeSearchToken(token)) << token;
  auto verified = signer.Verify(token, kNowMs, "org");
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  const SearchToken& t = *verified;
  EXPECT_EQ(t.organization_id, "org");
  EXPECT_EQ(t.api_key_id, "key-1");
  EXPECT_EQ(t.source_ids, std::vector<std::string>{"src-a"});
  ASSERT_EQ(t.user_ids.size(), 2u);
  EXPECT_EQ(t.user_ids[0].name, "alice@example.com");
  EXPECT_EQ(t.user_ids[0].provider, "Email Security Provider");
  EXPECT_EQ(t.user_ids[1].type, "Group");
  EXPECT_EQ(t.user_display_name, "Alice Smith");
  EXPECT_EQ(t.search_hub, "SupportHub");
  EXPECT_EQ(t.filter, "@source==KnowledgeBase");
  EXPECT_EQ(t.expires_at_s, kNowMs / 1000 + 3600);
  // An empty organization accepts the token's own.
  EXPECT_TRUE(signer.Verify(token, kNowMs, "").ok());
}

TEST_F(SearchTokenTest, IsAStandardHs256Jwt) {
  const std::string token = Signer().Sign(Alice());
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');
  ASSERT_NE(first, last);
  // base64url of {"alg":"HS256","typ":"JWT"}, no padding anywhere.
  EXPECT_EQ(token.substr(0, first), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
  EXPECT_EQ(token.find('='), std::string::npos);
  EXPECT_EQ(token.size() - last - 1, 43u);  // 32 bytes of HMAC-SHA256
}

TEST_F(SearchTokenTest, RefusesATamperedToken) {
  SearchTokenSigner signer = Signer();
  const std::string token = signer.Sign(Alice());
  const size_t first = token.find('.');
  const size_t last = token.rfind('.');

  // Another user in the payload, the original signature kept.
  SearchToken mallory = Alice();
  mallory.user_ids[0].name = "mallory@example.com";
  const std::string forged_payload = signer.Sign(mallory);
  const std::string forged =
      forged_payload.substr(0, forged_payload.rfind('.')) + token.substr(last);
  auto refused = signer.Verify(forged, kNowMs, "org");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("signature"), std::string::npos);

  // One flipped character of the signature.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer.Verify(flipped, kNowMs, "org").status().code(),
            base::StatusCode::kUnauthenticated);

  // "alg":"none" with no signature.
  const std::string unsigned_token =
      "eyJhbGciOiJub25lIn0" + token.substr(first, last - first) + ".";
  EXPECT_EQ(signer.Verify(unsigned_token, kNowMs, "org").status().code(),
            base::StatusCode::kUnauthenticated);

  // Not a token at all.
  for (std::string_view junk : {"", "abc", "a.b", "xx3f0c1a52-9d1e-4c8b-a7f2-5b0e6d4c2a19"}) {
    EXPECT_EQ(signer.Verify(junk, kNowMs, "org").status().code(),
              base::StatusCode::kUnauthenticated)
        << junk;
  }
}

TEST_F(SearchTokenTest, RefusesATokenOfAnotherSecret) {
  const std::string token = Signer("one.key").Sign(Alice());
  auto refused = Signer("two.key").Verify(token, kNowMs, "org");
  EXPECT_EQ(refused.status().code(), base::StatusCode::kUnauthenticated);
}

TEST_F(SearchTokenTest, RefusesAnExpiredToken) {
  SearchTokenSigner signer = Signer();
  const std::string token = signer.Sign(Alice());
  EXPECT_TRUE(signer.Verify(token, kNowMs + 3599'000, "org").ok());
  auto expired = signer.Verify(token, kNowMs + 3600'000, "org");
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
}

TEST_F(SearchTokenTest, RefusesAnotherOrganization) {
  SearchTokenSigner signer = Signer();
  auto refused = signer.Verify(signer.Sign(Alice()), kNowMs, "elsewhere");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("'org'"), std::string::npos);
}

TEST_F(SearchTokenTest, TheSecretIsCreatedOncePrivateAndKept) {
  const std::string token = Signer().Sign(Alice());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "search-token.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  // A restart reads the same secret, so issued tokens stay valid.
  EXPECT_TRUE(Signer().Verify(token, kNowMs, "org").ok());
}

TEST_F(SearchTokenTest, ATruncatedSecretIsRefusedNotReplaced) {
  ASSERT_TRUE(base::WriteFileAtomic(dir_ / "search-token.key", "short", 0600).ok());
  auto signer = SearchTokenSigner::LoadOrCreate(dir_ / "search-token.key");
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(*base::ReadFile(dir_ / "search-token.key"), "short");
}

// RestTokenParams ------------------------------------------------------------

base::Result<TokenParams> Parse(std::string_view body) {
  auto json = document::ParseCaseInsensitiveJson(body);
  EXPECT_TRUE(json.ok()) << body;
  return ParseTokenParams(*json);
}

TEST(TokenParamsTest, ReadsCoveosBodyWithItsDefaults) {
  auto p = Parse(R"({"UserIds":[{"name":"alice@example.com"},
                                {"Name":"Sales","Provider":"Corp","Type":"VIRTUAL_GROUP"}],
                     "validFor":900000,"searchHub":"hub","filter":"@a==b",
                     "userDisplayName":"Alice","userGroups":["x"],"salesforceUser":"ignored"})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& users = p->claims.user_ids;
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].provider, "Email Security Provider");
  EXPECT_EQ(users[0].type, "User");
  EXPECT_EQ(users[1].provider, "Corp");
  EXPECT_EQ(users[1].type, "VirtualGroup");
  EXPECT_EQ(p->valid_for_ms, 900000);
  EXPECT_EQ(p->claims.search_hub, "hub");
  EXPECT_EQ(p->claims.filter, "@a==b");
  EXPECT_EQ(p->claims.user_display_name, "Alice");
  EXPECT_EQ(p->claims.user_groups, std::vector<std::string>{"x"});
  EXPECT_EQ(Parse(R"({"userIds":[{"name":"a"}]})")->valid_for_ms, 86'400'000);
}

TEST(TokenParamsTest, NamesTheBadField) {
  auto error = [](std::string_view body) {
    auto p = Parse(body);
    EXPECT_FALSE(p.ok()) << body;
    return p.ok() ? std::string() : p.status().message();
  };
  EXPECT_EQ(Parse(R"({})").status().code(), base::StatusCode::kNotFound);
  EXPECT_NE(error(R"({})").find("userIds"), std::string::npos);
  EXPECT_NE(error(R"({"userIds":[]})").find("userIds"), std::string::npos);
  EXPECT_NE(error(R"({"userIds":"alice"})").find("userIds"), std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a"},{"provider":"p"}]})").find("userIds[1].name"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":""}]})").find("userIds[0].name"), std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a","type":"Robot"}]})").find("userIds[0].type"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a","provider":3}]})").find("userIds[0].provider"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a"}],"validFor":60000})").find("validFor"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a"}],"validFor":86400001})").find("validFor"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a"}],"validFor":"1h"})").find("validFor"),
            std::string::npos);
  EXPECT_NE(error(R"({"userIds":[{"name":"a"}],"filter":["x"]})").find("filter"),
            std::string::npos);
  EXPECT_NE(error(R"([1])").find("object"), std::string::npos);
}

// SearchAuthenticator over a real store --------------------------------------

class AuthenticatorTest : public SearchTokenTest {
 protected:
  void SetUp() override {
    SearchTokenTest::SetUp();
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
    ASSERT_TRUE(store_->EnsureOrganization("org", 1).ok());
    ASSERT_TRUE(store_->EnsureOrganization("other", 1).ok());
    AddKey("key-1", "xx-impersonate", {"impersonate"}, {"src-a"});
    AddKey("key-2", "xx-search", {"search"});
    AddKey("key-3", "xx-all", {"search", "viewallcontent"});
    AddKey("key-4", "xx-admin", {"admin"});
    signer_.emplace(Signer());
    auth_.emplace(*store_, *signer_, clock_);
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    SearchTokenTest::TearDown();
  }
  void AddKey(std::string id, std::string value, std::vector<std::string> privileges,
              std::vector<std::string> sources = {}) {
    ASSERT_TRUE(store_
                    ->PutApiKey(store::ApiKey{std::move(id), "org", auth::HashApiKey(value),
                                              std::move(privileges), 1, "", std::move(sources)})
                    .ok());
  }
  std::variant<SearchCaller, http::Response> Call(const std::string& bearer,
                                                  std::string_view org = "") {
    http::Request request;
    request.headers.emplace_back("Authorization", "Bearer " + bearer);
    return auth_->Authenticate(request, org);
  }
  // The status and errorCode of a refusal.
  std::pair<int, std::string> Refusal(const std::string& bearer, std::string_view org = "") {
    auto outcome = Call(bearer, org);
    const auto* error = std::get_if<http::Response>(&outcome);
    if (error == nullptr) return {200, ""};
    auto body = boost::json::parse(error->body).as_object();
    EXPECT_EQ(body.at("statusCode").as_int64(), error->status);
    return {error->status, std::string(body.at("errorCode").as_string())};
  }

  FixedClock clock_;
  std::unique_ptr<store::StateStore> store_;
  std::optional<SearchTokenSigner> signer_;
  std::optional<SearchAuthenticator> auth_;
};

TEST_F(AuthenticatorTest, KeysSearchAsAnonymousUnlessTheyMayViewAllContent) {
  auto plain = Call("xx-search");
  ASSERT_TRUE(std::holds_alternative<SearchCaller>(plain));
  const SearchCaller& anonymous = std::get<SearchCaller>(plain);
  EXPECT_EQ(anonymous.organization_id, "org");
  EXPECT_FALSE(anonymous.viewer.sees_everything);
  EXPECT_TRUE(anonymous.viewer.identities.empty());
  EXPECT_TRUE(std::get<SearchCaller>(Call("xx-all")).viewer.sees_everything);
  EXPECT_TRUE(std::get<SearchCaller>(Call("xx-admin")).viewer.sees_everything);

  using P = std::pair<int, std::string>;
  EXPECT_EQ(Refusal("xx-impersonate"), P(403, "ACCESS_DENIED"));  // no `search`
  EXPECT_EQ(Refusal("xx-unknown"), P(401, "INVALID_TOKEN"));
  EXPECT_EQ(Refusal("xx-search", "other"), P(403, "ACCESS_DENIED"));
  EXPECT_EQ(Refusal("xx-search", "nowhere"), P(404, "ORGANIZATION_NOT_FOUND"));
  http::Request none;
  auto missing = auth_->Authenticate(none, "");
  ASSERT_TRUE(std::holds_alternative<http::Response>(missing));
  EXPECT_EQ(std::get<http::Response>(missing).status, 401);
}

TEST_F(AuthenticatorTest, ATokenSearchesAsItsUsersWithItsScopeAndFilter) {
  ASSERT_TRUE(store_
                  ->PutSecurityIdentities({store::SecurityIdentity{
                      "org", "Corp", "Sales", "GROUP", false,
                      R"({"members":[{"name":"ALICE@example.com","type":"User"}]})", 1}})
                  .ok());
  SearchToken t = Alice();
  t.user_ids.resize(1);
  const std::string token = signer_->Sign(t);
  auto outcome = Call(token, "org");
  ASSERT_TRUE(std::holds_alternative<SearchCaller>(outcome))
      << std::get<http::Response>(outcome).body;
  const SearchCaller& caller = std::get<SearchCaller>(outcome);
  EXPECT_EQ(caller.organization_id, "org");
  EXPECT_EQ(caller.source_ids, std::vector<std::string>{"src-a"});
  EXPECT_EQ(caller.filter, "@source==KnowledgeBase");
  EXPECT_FALSE(caller.viewer.sees_everything);
  std::vector<std::string> names;
  for (const auto& id : caller.viewer.identities) names.push_back(id.name);
  EXPECT_EQ(names, (std::vector<std::string>{"alice@example.com", "Sales"}));

  // Also as ?access_token=, as Coveo's Search API takes it.
  http::Request query;
  query.query = "access_token=" + token;
  EXPECT_TRUE(std::holds_alternative<SearchCaller>(auth_->Authenticate(query, "")));
}

TEST_F(AuthenticatorTest, RefusesBadTokensWithCoveosErrors) {
  using P = std::pair<int, std::string>;
  const std::string token = signer_->Sign(Alice());
  EXPECT_EQ(Refusal(token), P(200, ""));
  EXPECT_EQ(Refusal(token, "other"), P(403, "ACCESS_DENIED"));
  EXPECT_EQ(Refusal(token, "nowhere"), P(404, "ORGANIZATION_NOT_FOUND"));
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Refusal(tampered), P(401, "INVALID_TOKEN"));
  clock_.now = kNowMs + 3600'000;
  EXPECT_EQ(Refusal(token), P(419, "EXPIRED_TOKEN"));
  clock_.now = kNowMs;

  // A token dies with the key that issued it.
  ASSERT_TRUE(store_->DeleteApiKey("org", "key-1").ok());
  EXPECT_EQ(Refusal(token), P(401, "INVALID_TOKEN"));
}

TEST_F(AuthenticatorTest, ATokenOfAKeyWithoutImpersonateIsRefused) {
  SearchToken t = Alice();
  t.api_key_id = "key-2";  // a search key: it could never have issued one
  EXPECT_EQ(Refusal(signer_->Sign(t)), (std::pair<int, std::string>(401, "INVALID_TOKEN")));
}

}  // namespace
}  // namespace sluice::search
