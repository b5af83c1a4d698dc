#include "push/identity_body.h"

#include <gtest/gtest.h>

#include "document/json_body.h"

namespace sluice::push {
namespace {

base::Result<store::SecurityIdentity> Parse(std::string_view json, IdentityBodyKind kind) {
  auto v = document::ParseCaseInsensitiveJson(json);
  if (!v.ok()) return v.status();
  return ParseIdentityBody(*v, kind);
}

TEST(IdentityBodyTest, GroupWithMembersAndWellKnowns) {
  auto id = Parse(R"({"Identity":{"Name":"Sales","Type":"group","AdditionalInfo":{"k":"v"}},
      "Members":[{"name":"a@x.com","type":"User"}],"wellKnowns":[{"name":"Everyone","type":"VirtualGroup"}]})",
                  IdentityBodyKind::kMembers);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->name, "Sales");
  EXPECT_EQ(id->type, "GROUP");
  EXPECT_FALSE(id->alias);
  EXPECT_FALSE(id->disabled);
  EXPECT_EQ(
      id->body_json,
      R"({"additionalInfo":{"k":"v"},"wellKnowns":[{"name":"Everyone","type":"VIRTUAL_GROUP",)"
      R"("additionalInfo":{}}],"members":[{"name":"a@x.com","type":"USER","additionalInfo":{}}]})");
}

TEST(IdentityBodyTest, AliasKeepsItsMappingsProvider) {
  auto id = Parse(R"({"identity":{"name":"asmith","type":"USER"},
      "mappings":[{"name":"asmith@x.com","type":"USER","provider":"Email Security Provider"}]})",
                  IdentityBodyKind::kMapped);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(id->alias);
  EXPECT_NE(id->body_json.find(R"("provider":"Email Security Provider")"), std::string::npos);
}

TEST(IdentityBodyTest, DeleteTakesTheLegacyBareIdentity) {
  auto id = Parse(R"({"Name":"old","Type":"USER"})", IdentityBodyKind::kDeleted);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(id->disabled);
  EXPECT_EQ(id->name, "old");
  EXPECT_FALSE(Parse(R"({"Name":"old"})", IdentityBodyKind::kMembers).ok());
}

TEST(IdentityBodyTest, NamesTheBadPlace) {
  auto bad =
      Parse(R"({"identity":{"name":"g","type":"GROUP"},"members":[{"name":"u","type":"Robot"}]})",
            IdentityBodyKind::kMembers);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("body.members[0].type"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(Parse(R"({"identity":{"type":"USER"}})", IdentityBodyKind::kMembers).ok());
  EXPECT_FALSE(
      Parse(R"({"identity":{"name":"u","additionalInfo":{"n":1}}})", IdentityBodyKind::kMembers)
          .ok());
}

TEST(IdentityBodyTest, BatchCollectsEverySectionOrNothing) {
  auto batch = document::ParseCaseInsensitiveJson(R"({
      "Members":[{"identity":{"name":"g","type":"GROUP"},"members":[]}],
      "Mappings":[{"identity":{"name":"m","type":"USER"},"mappings":[]}],
      "Deleted":[{"identity":{"name":"d","type":"USER"}}]})");
  ASSERT_TRUE(batch.ok());
  auto ids = ParseIdentityBatch(*batch);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_FALSE((*ids)[0].alias);
  EXPECT_TRUE((*ids)[1].alias);
  EXPECT_TRUE((*ids)[2].disabled);
  auto bad = document::ParseCaseInsensitiveJson(R"({"members":[{"identity":{"name":"g"}}, 3]})");
  auto refused = ParseIdentityBatch(*bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("members[1]"), std::string::npos);
}

}  // namespace
}  // namespace sluice::push
