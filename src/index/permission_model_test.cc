// The permission evaluation rules of Push API §2.5, and the slot encoding round trip.
#include "index/permission_model.h"

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

IdentityRef User(std::string name, std::string provider = "") {
  return IdentityRef{.name = std::move(name), .type = "User", .provider = std::move(provider)};
}
IdentityRef Group(std::string name, std::string provider = "") {
  return IdentityRef{.name = std::move(name), .type = "Group", .provider = std::move(provider)};
}

PermissionSet Set(std::vector<IdentityRef> allowed, std::vector<IdentityRef> denied = {},
                  bool anonymous = false) {
  PermissionSet set;
  set.allow_anonymous = anonymous;
  set.allowed = std::move(allowed);
  set.denied = std::move(denied);
  return set;
}

std::vector<PermissionLevel> OneLevel(std::vector<PermissionSet> sets) {
  return {PermissionLevel{.sets = std::move(sets)}};
}

bool MaySee(const std::vector<IdentityRef>& identities,
            const std::vector<PermissionLevel>& levels) {
  Viewer viewer;
  viewer.identities = identities;
  PermissionEvaluator evaluator(viewer);
  const bool decided = evaluator.MaySee(levels);
  // The encoded form must decide the same.
  EXPECT_EQ(evaluator.MaySeeEncoded(EncodePermissions(levels)), decided);
  return decided;
}

TEST(PermissionModelTest, NoPermissionsIsPublic) {
  EXPECT_TRUE(MaySee({}, {}));
  EXPECT_EQ(EncodePermissions({}), "");
}

TEST(PermissionModelTest, AllowedUserSeesOthersDoNot) {
  auto levels = OneLevel({Set({User("alice@example.com", "Email")})});
  EXPECT_TRUE(MaySee({User("alice@example.com", "Email")}, levels));
  EXPECT_FALSE(MaySee({User("bob@example.com", "Email")}, levels));
  EXPECT_FALSE(MaySee({}, levels));  // anonymous
}

TEST(PermissionModelTest, NamesAndTypesFoldProvidersMayBeMissing) {
  auto levels =
      OneLevel({Set({IdentityRef{.name = "Sales", .type = "VIRTUAL_GROUP", .provider = "Email"}})});
  EXPECT_TRUE(
      MaySee({IdentityRef{.name = "sales", .type = "VirtualGroup", .provider = "EMAIL"}}, levels));
  EXPECT_TRUE(
      MaySee({IdentityRef{.name = "sales", .type = "virtualgroup", .provider = ""}}, levels));
  EXPECT_FALSE(MaySee({Group("sales", "Email")}, levels));  // another type
  EXPECT_FALSE(MaySee({IdentityRef{.name = "sales", .type = "VirtualGroup", .provider = "AD"}},
                      levels));  // another provider
  auto any_provider = OneLevel({Set({User("alice")})});
  EXPECT_TRUE(MaySee({User("ALICE", "Whatever")}, any_provider));
}

TEST(PermissionModelTest, DenyWinsOverAllow) {
  auto levels = OneLevel({Set({Group("staff")}, {User("mallory")})});
  EXPECT_TRUE(MaySee({User("alice"), Group("staff")}, levels));
  EXPECT_FALSE(MaySee({User("mallory"), Group("staff")}, levels));
}

TEST(PermissionModelTest, EverySetMustAllow) {
  auto levels = OneLevel({Set({Group("staff")}), Set({Group("managers")})});
  EXPECT_FALSE(MaySee({Group("staff")}, levels));
  EXPECT_TRUE(MaySee({Group("staff"), Group("managers")}, levels));
}

TEST(PermissionModelTest, AnonymousSetsAllowEveryoneButStillDeny) {
  auto levels = OneLevel({Set({}, {User("mallory")}, /*anonymous=*/true)});
  EXPECT_TRUE(MaySee({}, levels));
  EXPECT_TRUE(MaySee({User("alice")}, levels));
  EXPECT_FALSE(MaySee({User("mallory")}, levels));
}

TEST(PermissionModelTest, FirstDecidingLevelWins) {
  std::vector<PermissionLevel> levels = {
      PermissionLevel{.sets = {Set({User("alice")}, {User("bob")})}},
      PermissionLevel{.sets = {Set({User("bob"), User("carol")})}}};
  EXPECT_TRUE(MaySee({User("alice")}, levels));  // allowed by level 1
  EXPECT_FALSE(MaySee({User("bob")}, levels));   // denied by level 1, level 2 never asked
  EXPECT_TRUE(MaySee({User("carol")}, levels));  // level 1 says nothing; level 2 allows
  EXPECT_FALSE(MaySee({User("dave")}, levels));  // no level decides
}

TEST(PermissionModelTest, ViewAllSeesEverything) {
  Viewer viewer;
  viewer.sees_everything = true;
  PermissionEvaluator evaluator(viewer);
  EXPECT_TRUE(evaluator.MaySee(OneLevel({Set({User("alice")})})));
  EXPECT_TRUE(evaluator.MaySeeEncoded("garbage"));
}

TEST(PermissionModelTest, EncodingRoundTripsAndRejectsGarbage) {
  std::vector<PermissionLevel> levels = {
      PermissionLevel{.sets = {Set({User("a", "P")}, {Group("g")}, true), Set({User("b")})}},
      PermissionLevel{.sets = {}}};
  auto decoded = DecodePermissions(EncodePermissions(levels));
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->size(), 2u);
  ASSERT_EQ((*decoded)[0].sets.size(), 2u);
  EXPECT_TRUE((*decoded)[0].sets[0].allow_anonymous);
  EXPECT_EQ((*decoded)[0].sets[0].allowed[0].provider, "P");
  EXPECT_EQ((*decoded)[0].sets[0].denied[0].name, "g");
  EXPECT_EQ((*decoded)[0].sets[1].allowed[0].name, "b");
  EXPECT_TRUE((*decoded)[1].sets.empty());
  EXPECT_FALSE(DecodePermissions("S").has_value());        // a set before any level
  EXPECT_FALSE(DecodePermissions("LSA\x05").has_value());  // a cut identity
  Viewer anyone;
  EXPECT_FALSE(PermissionEvaluator(anyone).MaySeeEncoded("LSA\x05"));
}

}  // namespace
}  // namespace sluice::index
