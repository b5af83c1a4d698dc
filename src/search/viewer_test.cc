#include "search/viewer.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "base/random.h"

namespace sluice::search {
namespace {

namespace fs = std::filesystem;
using index::IdentityRef;

// Identities pushed through the real SQLite store, expanded from what it lists.
class ViewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("viewer_" + base::NewUuid());
    fs::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
    ASSERT_TRUE(store_->EnsureOrganization("org", 1).ok());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // `body` is the canonical body_json push::ParseIdentityBody writes.
  void Put(std::string provider, std::string name, std::string type, std::string body,
           bool alias = false, std::string org = "org") {
    ASSERT_TRUE(store_
                    ->PutSecurityIdentities({store::SecurityIdentity{
                        std::move(org), std::move(provider), std::move(name), std::move(type),
                        alias, std::move(body), ++ordering_}})
                    .ok());
  }
  void Group(std::string provider, std::string name, std::string members,
             std::string type = "GROUP") {
    Put(std::move(provider), std::move(name), std::move(type),
        R"({"additionalInfo":{},"wellKnowns":[],"members":)" + members + "}");
  }
  void Disable(std::string provider, std::string name, std::string type) {
    store::SecurityIdentity id{"org", std::move(provider), std::move(name), std::move(type), false,
                               "{}",  ++ordering_};
    id.disabled = true;
    ASSERT_TRUE(store_->PutSecurityIdentities({id}).ok());
  }
  static std::string Member(std::string_view name, std::string_view type = "USER") {
    return R"({"name":")" + std::string(name) + R"(","type":")" + std::string(type) +
           R"(","additionalInfo":{}})";
  }

  // "TYPE provider/name" of every identity the users hold, sorted.
  std::set<std::string> Expand(std::vector<IdentityRef> users) {
    auto viewer = ExpandViewer(*store_, "org", users);
    EXPECT_TRUE(viewer.ok()) << viewer.status().ToString();
    std::set<std::string> out;
    if (!viewer.ok()) return out;
    EXPECT_FALSE(viewer->sees_everything);
    for (const auto& id : viewer->identities) {
      EXPECT_TRUE(out.insert(id.type + " " + id.provider + "/" + id.name).second)
          << "twice: " << id.name;
    }
    return out;
  }
  static IdentityRef Email(std::string name) {
    return {std::move(name), "User", "Email Security Provider"};
  }

  fs::path dir_;
  std::unique_ptr<store::StateStore> store_;
  uint64_t ordering_ = 0;
};

using Set = std::set<std::string>;

TEST_F(ViewerTest, AUserWithoutStoredIdentitiesHoldsItselfOnly) {
  EXPECT_EQ(Expand({Email("alice@example.com")}), Set{"USER /alice@example.com"});
  // Only a user of the Email Security Provider stands for every provider.
  EXPECT_EQ(Expand({{"alice", "user", "Corp"}}), Set{"USER Corp/alice"});
  EXPECT_EQ(Expand({}), Set{});
}

TEST_F(ViewerTest, NestedGroupsAreFollowedUpward) {
  Group("Corp", "Sales", "[" + Member("alice@example.com") + "]");
  Group("Corp", "Europe", "[" + Member("Sales", "GROUP") + "," + Member("bob@example.com") + "]");
  Group("Corp", "Everyone", "[" + Member("Europe", "GROUP") + "]", "VIRTUAL_GROUP");
  Group("Corp", "Engineering", "[" + Member("bob@example.com") + "]");
  EXPECT_EQ(Expand({Email("alice@example.com")}),
            (Set{"USER /alice@example.com", "GROUP Corp/Sales", "GROUP Corp/Europe",
                 "VIRTUAL_GROUP Corp/Everyone"}));
  EXPECT_EQ(Expand({Email("bob@example.com")}),
            (Set{"USER /bob@example.com", "GROUP Corp/Europe", "GROUP Corp/Engineering",
                 "VIRTUAL_GROUP Corp/Everyone"}));
  EXPECT_EQ(Expand({{"carol", "User", "Corp"}}), Set{"USER Corp/carol"});
}

TEST_F(ViewerTest, MembersBelongToTheGroupsProvider) {
  Group("Corp", "Sales", "[" + Member("alice") + "]");
  EXPECT_EQ(Expand({{"alice", "User", "Corp"}}), (Set{"USER Corp/alice", "GROUP Corp/Sales"}));
  EXPECT_EQ(Expand({{"alice", "User", "Other"}}), Set{"USER Other/alice"});
}

TEST_F(ViewerTest, ACycleOfGroupsEndsAndHoldsEachOnce) {
  Group("Corp", "A", "[" + Member("alice") + "," + Member("C", "GROUP") + "]");
  Group("Corp", "B", "[" + Member("A", "GROUP") + "]");
  Group("Corp", "C", "[" + Member("B", "GROUP") + "]");
  EXPECT_EQ(Expand({{"alice", "User", "Corp"}}),
            (Set{"USER Corp/alice", "GROUP Corp/A", "GROUP Corp/B", "GROUP Corp/C"}));
}

TEST_F(ViewerTest, DisabledIdentitiesGrantNothing) {
  Group("Corp", "Sales", "[" + Member("alice") + "]");
  Group("Corp", "Europe", "[" + Member("Sales", "GROUP") + "]");
  Put("Corp", "alice", "USER",
      R"({"members":[],"wellKnowns":[{"name":"Staff","type":"GROUP","additionalInfo":{}}]})");
  ASSERT_EQ(Expand({{"alice", "User", "Corp"}}).size(), 4u);

  Disable("Corp", "Sales", "GROUP");  // and with it the way to Europe
  Disable("Corp", "alice", "USER");   // its wellKnowns go; the user, vouched for, stays
  EXPECT_EQ(Expand({{"alice", "User", "Corp"}}), Set{"USER Corp/alice"});

  // A wellKnown that is itself deleted is not granted either.
  Put("Corp", "bob", "USER",
      R"({"members":[],"wellKnowns":[{"name":"Sales","type":"GROUP","additionalInfo":{}}]})");
  EXPECT_EQ(Expand({{"bob", "User", "Corp"}}), Set{"USER Corp/bob"});
}

TEST_F(ViewerTest, WellKnownsAreGrantedAndExpandedInTheirProvider) {
  Put("Corp", "alice", "USER",
      R"({"members":[],"wellKnowns":[{"name":"Staff","type":"GROUP","additionalInfo":{}}]})");
  Group("Corp", "Everyone", "[" + Member("Staff", "GROUP") + "]");
  EXPECT_EQ(Expand({{"alice", "User", "Corp"}}),
            (Set{"USER Corp/alice", "GROUP Corp/Staff", "GROUP Corp/Everyone"}));
}

TEST_F(ViewerTest, AliasesJoinAPersonsIdentitiesInBothDirections) {
  // Coveo's own example: a push provider's aliceSmith is the Email provider's aSmith.
  Put("Corp", "aliceSmith@example.com", "USER",
      R"({"wellKnowns":[],"mappings":[{"name":"aSmith@example.com","type":"USER",)"
      R"("additionalInfo":{},"provider":"Email Security Provider"}]})",
      /*alias=*/true);
  Group("Corp", "Sales", "[" + Member("aliceSmith@example.com") + "]");
  Group("Wiki", "Editors", "[" + Member("aSmith@example.com") + "]");
  const Set both = {"USER /aSmith@example.com", "USER Corp/aliceSmith@example.com",
                    "GROUP Corp/Sales", "GROUP Wiki/Editors"};
  // Signed in with the email address: the alias maps from it.
  EXPECT_EQ(Expand({Email("aSmith@example.com")}), both);
  // Signed in as the push provider's user: the alias maps to the email one.
  EXPECT_EQ(Expand({{"aliceSmith@example.com", "User", "Corp"}}), both);

  // A mapping without a provider maps to that name in any provider.
  Put("Ldap", "CN=Bob", "USER",
      R"({"wellKnowns":[],"mappings":[{"name":"bob","type":"USER","additionalInfo":{}}]})", true);
  EXPECT_EQ(Expand({{"bob", "User", "Jira"}}),
            (Set{"USER Jira/bob", "USER Ldap/CN=Bob", "USER /bob"}));
  // A disabled alias maps nothing.
  Disable("Ldap", "CN=Bob", "USER");
  EXPECT_EQ(Expand({{"bob", "User", "Jira"}}), Set{"USER Jira/bob"});
}

TEST_F(ViewerTest, NamesFoldCaseAndTypesFoldCaseAndUnderscores) {
  Group("Corp", "Team", "[" + Member("Alice@Example.COM", "user") + "]", "VirtualGroup");
  Group("Corp", "Parent", "[" + Member("TEAM", "virtual_group") + "]");
  Group("Corp", "NotAUser", "[" + Member("alice@example.com", "GROUP") + "]");
  EXPECT_EQ(Expand({{"ALICE@example.com", "USER", "email security provider"}}),
            (Set{"USER /ALICE@example.com", "VIRTUAL_GROUP Corp/Team", "GROUP Corp/Parent"}));
}

TEST_F(ViewerTest, OtherOrganizationsIdentitiesAreIgnored) {
  ASSERT_TRUE(store_->EnsureOrganization("other", 1).ok());
  Put("Corp", "Sales", "GROUP", R"({"members":[)" + Member("alice") + "]}", false, "other");
  EXPECT_EQ(Expand({{"alice", "User", "Corp"}}), Set{"USER Corp/alice"});
}

TEST(ViewerBoundsTest, TooDeepANestingIsAnErrorNotAShorterList) {
  // A chain G1 ⊃ user, G2 ⊃ G1, ... one level past the bound.
  std::vector<store::SecurityIdentity> stored;
  for (int i = 1; i <= kMaxExpansionDepth + 1; ++i) {
    const std::string member =
        i == 1 ? R"({"name":"u","type":"USER"})"
               : R"({"name":"G)" + std::to_string(i - 1) + R"(","type":"GROUP"})";
    stored.push_back(store::SecurityIdentity{"org", "P", "G" + std::to_string(i), "GROUP", false,
                                             R"({"members":[)" + member + "]}", 1});
  }
  auto deep = ExpandIdentities(stored, {{"u", "USER", "P"}});
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), base::StatusCode::kResourceExhausted);
  stored.pop_back();
  auto ok = ExpandIdentities(stored, {{"u", "USER", "P"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->identities.size(), static_cast<size_t>(kMaxExpansionDepth) + 1);
}

TEST(ViewerBoundsTest, TooManyIdentitiesIsAnErrorNotAShorterList) {
  std::vector<store::SecurityIdentity> stored;
  for (size_t i = 0; i < kMaxViewerIdentities; ++i) {
    stored.push_back(store::SecurityIdentity{"org", "P", "G" + std::to_string(i), "GROUP", false,
                                             R"({"members":[{"name":"u","type":"USER"}]})", 1});
  }
  auto many = ExpandIdentities(stored, {{"u", "USER", "P"}});
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().code(), base::StatusCode::kResourceExhausted);
  stored.pop_back();
  auto ok = ExpandIdentities(stored, {{"u", "USER", "P"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->identities.size(), kMaxViewerIdentities);
}

}  // namespace
}  // namespace sluice::search
