// What a client is told about a body that is not JSON: the rule it breaks and where.
#include <gtest/gtest.h>

#include "document/json_body.h"

namespace sluice::document {
namespace {

std::string ErrorOf(std::string_view text) {
  auto v = ParseCaseInsensitiveJson(text);
  EXPECT_FALSE(v.ok()) << text;
  EXPECT_EQ(v.status().code(), base::StatusCode::kInvalidArgument) << text;
  return v.ok() ? "" : v.status().message();
}

TEST(JsonErrorsTest, NameTheRuleAndTheByte) {
  EXPECT_EQ(ErrorOf("\xef\xbb\xbf{\"data\":\"x\"}"),
            "the body starts with a UTF-8 byte order mark (EF BB BF), which JSON does not allow");
  EXPECT_EQ(ErrorOf(R"({"data":"x","n":NaN})"),
            "the body is not valid JSON (NaN or Infinity, which are not JSON numbers, at byte 16)");
  EXPECT_EQ(ErrorOf(R"({"n":-Infinity})"),
            "the body is not valid JSON (NaN or Infinity, which are not JSON numbers, at byte 6)");
  EXPECT_EQ(ErrorOf("{\"data\":\"\xff\xfe\"}"),
            "the body is not valid JSON (a byte that is not valid UTF-8 at byte 9)");
  EXPECT_EQ(ErrorOf("{\"title\":\"\xc0\xaf\"}"),  // overlong '/'
            "the body is not valid JSON (a byte that is not valid UTF-8 at byte 10)");
  EXPECT_EQ(ErrorOf("{\"data\":\"a\x01\"}"),
            "the body is not valid JSON (an unescaped control character at byte 10)");
  for (std::string_view lone :
       {R"({"data":"\ud800"})", R"({"data":"\uDBFFx"})", R"({"data":"\udc00"})"}) {
    EXPECT_NE(ErrorOf(lone).find("a lone UTF-16 surrogate escape"), std::string::npos) << lone;
  }
  EXPECT_EQ(ErrorOf(R"({"data":"x)"), "the body is not valid JSON (incomplete JSON at byte 10)");
  EXPECT_EQ(ErrorOf(R"({"data":"x"} trailing)"),
            "the body is not valid JSON (extra data at byte 13)");
  EXPECT_EQ(ErrorOf(std::string(100000, '[')), "the body is not valid JSON (too deep at byte 64)");
  // A surrogate pair is fine.
  auto pair = ParseCaseInsensitiveJson(R"({"data":"\ud83c\udf63"})");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->at("data").as_string(), "\xf0\x9f\x8d\xa3");
}

}  // namespace
}  // namespace sluice::document
