#include "auth/api_key.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace sluice::auth {
namespace {

bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(ApiKeyTest, GeneratedKeysLookLikeCoveoKeys) {
  const std::string key = GenerateApiKey();
  ASSERT_EQ(key.size(), 2u + 36u) << key;
  EXPECT_EQ(key.substr(0, 2), "xx");
  const std::string uuid = key.substr(2);
  for (size_t dash : {8u, 13u, 18u, 23u}) EXPECT_EQ(uuid[dash], '-') << key;
  EXPECT_EQ(uuid[14], '4') << "version nibble of " << key;
  EXPECT_NE(std::string_view("89ab").find(uuid[19]), std::string_view::npos)
      << "variant nibble of " << key;
  std::string hex_only = uuid;
  std::erase(hex_only, '-');
  EXPECT_TRUE(IsLowerHex(hex_only)) << key;
}

TEST(ApiKeyTest, GeneratedKeysAreDistinct) {
  std::set<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.insert(GenerateApiKey());
  EXPECT_EQ(keys.size(), 1000u);
}

TEST(ApiKeyTest, HashIsLowerHexSha256OfTheKey) {
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string key = GenerateApiKey();
  const std::string hash = HashApiKey(key);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_TRUE(IsLowerHex(hash)) << hash;
  EXPECT_EQ(hash, HashApiKey(key));
  EXPECT_NE(hash, HashApiKey(GenerateApiKey()));
}

TEST(ApiKeyTest, StoredHashMatchesOnlyTheSameKey) {
  const std::string key = GenerateApiKey();
  const std::string stored = HashApiKey(key);
  EXPECT_TRUE(ConstantTimeEquals(HashApiKey(key), stored));
  std::string almost = key;
  almost.back() = almost.back() == '0' ? '1' : '0';
  EXPECT_FALSE(ConstantTimeEquals(HashApiKey(almost), stored));
}

}  // namespace
}  // namespace sluice::auth
