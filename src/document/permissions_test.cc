#include "document/permissions.h"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "document/json_body.h"

namespace sluice::document {
namespace {

base::Result<Permissions> Normalize(std::string_view json) {
  auto v = ParseCaseInsensitiveJson(json);
  if (!v.ok()) return v.status();
  return NormalizePermissions(*v);
}

TEST(PermissionsTest, SetsBecomeOneLevel) {
  auto p = Normalize(R"([{"AllowAnonymous":false,
      "AllowedPermissions":[{"Identity":"a@x.com","IdentityType":"User","SecurityProvider":"Email"}],
      "DeniedPermissions":[{"identity":"G","identityType":"GrOup"}]}])");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->count, 2u);
  EXPECT_EQ(
      boost::json::serialize(p->levels),
      R"([{"name":"Level 1","permissionSets":[{"allowAnonymous":false,)"
      R"("allowedPermissions":[{"identity":"a@x.com","identityType":"User","securityProvider":"Email"}],)"
      R"("deniedPermissions":[{"identity":"G","identityType":"Group"}]}]}])");
}

TEST(PermissionsTest, LevelsKeepTheirNamesAndOrder) {
  auto p = Normalize(R"([
      {"name":"L1","permissionSets":[{"allowedPermissions":[{"identity":"u","identityType":"VIRTUAL_GROUP"}]}]},
      {"name":"L2","permissionSets":[{"allowAnonymous":true}]}])");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->count, 1u);
  ASSERT_EQ(p->levels.size(), 2u);
  EXPECT_EQ(p->levels[0].at("name").as_string(), "L1");
  EXPECT_EQ(
      p->levels[0].at("permissionSets").at(0).at("allowedPermissions").at(0).at("identityType"),
      "VirtualGroup");
  EXPECT_EQ(p->levels[1].at("permissionSets").at(0).at("allowAnonymous"), true);
}

TEST(PermissionsTest, AcceptsLegacySpellingsAndSingleObjects) {
  auto p =
      Normalize(R"({"AllowedPermissions":{"Name":"u","Type":"USER"},"AllowedAnonymous":true})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->count, 1u);
  const auto& set = p->levels[0].at("permissionSets").at(0);
  EXPECT_EQ(set.at("allowedPermissions").at(0).at("identity"), "u");
  EXPECT_EQ(set.at("allowAnonymous"), false);  // the misspelt key is ignored
  EXPECT_TRUE(Normalize("[]").ok());
}

TEST(PermissionsTest, RejectsWhatCannotBeEvaluated) {
  auto bad_type =
      Normalize(R"([{"allowedPermissions":[{"identity":"u","identityType":"Robot"}]}])");
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("permissions[0].allowedPermissions[0].identityType"),
            std::string::npos)
      << bad_type.status().message();
  EXPECT_FALSE(Normalize(R"([{"allowedPermissions":[{"identityType":"User"}]}])").ok());
  EXPECT_FALSE(Normalize(R"([{"allowAnonymous":"yes"}])").ok());
  EXPECT_FALSE(Normalize(R"(["u"])").ok());
  auto mixed = Normalize(R"([{"permissionSets":[]},{"allowAnonymous":true}])");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("mixes"), std::string::npos);
}

TEST(PermissionsTest, CountsEveryIdentityOverEverySet) {
  std::string many = R"([{"allowedPermissions":[)";
  for (int i = 0; i < 5001; ++i) {
    many += (i ? "," : "") + std::string(R"({"identity":"u)") + std::to_string(i) + R"("})";
  }
  many += "]}]";
  auto p = Normalize(many);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->count, 5001u);
  EXPECT_GT(p->count, kMaxPermissionsPerItem);
}

}  // namespace
}  // namespace sluice::document
