#include "document/merge.h"

#include <gtest/gtest.h>

namespace sluice::document {
namespace {

TEST(MergeBodiesTest, ReplacesNamedKeysAndKeepsTheRest) {
  auto merged = MergeBodies(
      R"({"title":"Old","price":5,"data":"text","compressiontype":"ZLIB","fileextension":".txt"})",
      R"({"price":7,"color":["red","blue"],"compressiontype":"ZLIB"})");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(*merged, R"({"title":"Old","price":7,"data":"text","compressiontype":"ZLIB",)"
                     R"("fileextension":".txt","color":["red","blue"]})");
}

TEST(MergeBodiesTest, NewContentReplacesTheOldContent) {
  auto merged = MergeBodies(R"({"compressedbinarydatafileid":"f1","compressiontype":"GZIP"})",
                            R"({"data":"new","compressiontype":"ZLIB"})");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, R"({"data":"new","compressiontype":"ZLIB"})");
}

TEST(MergeBodiesTest, RefusesWhatIsNotAnObject) {
  EXPECT_FALSE(MergeBodies("[]", "{}").ok());
  EXPECT_FALSE(MergeBodies("{}", "nope").ok());
}

}  // namespace
}  // namespace sluice::document
