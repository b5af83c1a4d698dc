#include "client/config.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "base/random.h"

namespace sluice::client {
namespace {

using Config = std::map<std::string, std::string>;

class ClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("client_config_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "config";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(std::string_view text) const {
    std::ofstream(file_, std::ios::binary | std::ios::trunc) << text;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_F(ClientConfigTest, ReadsEveryKey) {
  Write(
      "# Sluice client settings\n"
      "\n"
      "url = http://127.0.0.1:8080\n"
      "   # an indented comment\n"
      "platform-url=https://platform.example.com\n"
      "\t\n"
      "api-key   =   xx-abc=def==  \n"  // the value keeps its own '='
      "\torg\t=\tlocal\r\n"             // tabs and a CRLF line end
      "source = my source\n");
  auto config = ReadClientConfig(file_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, (Config{{"url", "http://127.0.0.1:8080"},
                             {"platform-url", "https://platform.example.com"},
                             {"api-key", "xx-abc=def=="},
                             {"org", "local"},
                             {"source", "my source"}}));
}

TEST_F(ClientConfigTest, OnlyWhatTheFileSets) {
  Write("org = acme\n");
  auto config = ReadClientConfig(file_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, (Config{{"org", "acme"}}));
}

TEST_F(ClientConfigTest, LastLineHasNoNewline) {
  Write("url = http://a\nsource = s");
  auto config = ReadClientConfig(file_);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, (Config{{"url", "http://a"}, {"source", "s"}}));
}

TEST_F(ClientConfigTest, EmptyAndCommentOnlyFilesAreEmpty) {
  Write("");
  auto empty = ReadClientConfig(file_);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  Write("# nothing set\n\n   \n#url = http://x\n");
  auto comments = ReadClientConfig(file_);
  ASSERT_TRUE(comments.ok()) << comments.status().ToString();
  EXPECT_TRUE(comments->empty());
}

TEST_F(ClientConfigTest, UnknownKeyNamesFileAndLine) {
  Write("# settings\nurl = http://a\ncolour = blue\norg = x\n");
  auto config = ReadClientConfig(file_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), base::StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  EXPECT_NE(message.find(file_.string() + ":3"), std::string::npos) << message;
  EXPECT_NE(message.find("'colour'"), std::string::npos) << message;
}

TEST_F(ClientConfigTest, KeysAreCaseSensitiveLikeTheFlags) {
  Write("URL = http://a\n");
  auto config = ReadClientConfig(file_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find(file_.string() + ":1"), std::string::npos)
      << config.status().message();
}

TEST_F(ClientConfigTest, LineWithoutEqualsNamesFileAndLine) {
  Write("url = http://a\n\napi-key xyz\n");
  auto config = ReadClientConfig(file_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), base::StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  EXPECT_NE(message.find(file_.string() + ":3"), std::string::npos) << message;
  EXPECT_NE(message.find("key = value"), std::string::npos) << message;
}

TEST_F(ClientConfigTest, MissingFileIsEmpty) {
  auto config = ReadClientConfig(dir_ / "no-such-dir" / "config");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->empty());
}

TEST(DefaultConfigPathTest, PrefersXdgConfigHome) {
  EXPECT_EQ(DefaultConfigPath("/home/ann", "/xdg/conf"),
            std::filesystem::path("/xdg/conf/sluice/config"));
  EXPECT_EQ(DefaultConfigPath("", "/xdg/conf"), std::filesystem::path("/xdg/conf/sluice/config"));
}

TEST(DefaultConfigPathTest, FallsBackToHome) {
  EXPECT_EQ(DefaultConfigPath("/home/ann", ""),
            std::filesystem::path("/home/ann/.config/sluice/config"));
}

TEST(DefaultConfigPathTest, EmptyWhenNeitherIsKnown) {
  EXPECT_TRUE(DefaultConfigPath("", "").empty());
}

}  // namespace
}  // namespace sluice::client
