#include "document/document_id.h"

#include <string>

#include <gtest/gtest.h>

#include "document/document_body.h"
#include "document/json_body.h"

namespace sluice::document {
namespace {

TEST(DocumentIdTest, AnyPrintableUtf8IsAnOpaqueName) {
  for (std::string_view id :
       {"http://x/a", "../../etc/passwd", "file:///x/%2e%2e/%2e%2e/", "http://x/a?q=1#frag",
        "caf\xc3\xa9", "cafe\xcc\x81", "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8d\xa3", "a b"}) {
    EXPECT_TRUE(ValidateDocumentId(id).ok()) << id << ": " << ValidateDocumentId(id).ToString();
  }
  EXPECT_TRUE(ValidateDocumentId(std::string(kMaxDocumentIdBytes, 'a')).ok());
}

TEST(DocumentIdTest, RefusesWhatCannotBeCarriedSafely) {
  auto message = [](std::string_view id) { return ValidateDocumentId(id).message(); };
  EXPECT_EQ(message(""), "documentId is empty");
  EXPECT_EQ(message(std::string("a\0b", 3)),
            "documentId contains the control character 0x00 at byte 1; NUL, CR, LF and other "
            "control characters are not allowed");
  EXPECT_NE(message("a\r\nSet-Cookie: x").find("0x0d at byte 1"), std::string::npos);
  EXPECT_NE(message("a\nb").find("0x0a at byte 1"), std::string::npos);
  EXPECT_NE(message("a\x7f").find("0x7f"), std::string::npos);
  EXPECT_EQ(message(std::string(kMaxDocumentIdBytes + 1, 'a')),
            "documentId is 8193 bytes long; at most 8192 are allowed");
  EXPECT_EQ(message("http://x/\xff"), "documentId is not valid UTF-8 (byte 0xff at byte 9)");
  EXPECT_NE(message("\xc0\xaf").find("not valid UTF-8"), std::string::npos);      // overlong
  EXPECT_NE(message("\xed\xa0\x80").find("not valid UTF-8"), std::string::npos);  // surrogate
  EXPECT_NE(message("\xe6\x9d").find("not valid UTF-8"), std::string::npos);      // cut short
}

// Batch items reach the same rule through ValidateDocumentBody.
TEST(DocumentIdTest, DocumentBodyValidationAppliesIt) {
  auto body = ParseCaseInsensitiveJson(R"({"data":"x"})");
  ASSERT_TRUE(body.ok());
  auto refused = ValidateDocumentBody(*body, std::string("http://x/\0", 10), std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("control character 0x00"), std::string::npos);
  EXPECT_TRUE(ValidateDocumentBody(*body, "../../etc/passwd", std::nullopt).ok());
}

}  // namespace
}  // namespace sluice::document
