#include "document/batch_reader.h"

#include <string>
#include <vector>

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace sluice::document {
namespace {

struct Read {
  base::Status status;
  std::vector<std::string> items;  // "A:{...}" or "D:{...}"
};

Read ReadInChunks(std::string_view text, size_t chunk) {
  Read out;
  BatchReader reader([&](BatchSection section, boost::json::value item) {
    out.items.push_back((section == BatchSection::kAddOrUpdate ? "A:" : "D:") +
                        boost::json::serialize(item));
    return base::Status::Ok();
  });
  for (size_t i = 0; i < text.size(); i += chunk) {
    out.status = reader.Write(text.substr(i, chunk));
    if (!out.status.ok()) return out;
  }
  out.status = reader.Finish();
  return out;
}

TEST(BatchReaderTest, EmitsEachItemWithFoldedKeysWhateverTheChunking) {
  std::string batch =
      R"({"AddOrUpdate":[{"DocumentId":"a","Data":"x"},{"documentId":"b","meta":[1,2]}],)"
      R"("other":{"ignored":true},"Delete":[{"documentId":"c","deleteChildren":true}]})";
  for (size_t chunk : {size_t{1}, size_t{7}, batch.size()}) {
    Read r = ReadInChunks(batch, chunk);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.items, (std::vector<std::string>{R"(A:{"documentid":"a","data":"x"})",
                                                 R"(A:{"documentid":"b","meta":[1,2]})",
                                                 R"(D:{"documentid":"c","deletechildren":true})"}))
        << "chunk " << chunk;
  }
}

TEST(BatchReaderTest, AnEmptyBatchIsFine) {
  EXPECT_TRUE(ReadInChunks(R"({"addOrUpdate":[],"delete":[]})", 4).status.ok());
  EXPECT_TRUE(ReadInChunks("{}", 4).status.ok());
}

TEST(BatchReaderTest, RefusesWhatIsNotABatch) {
  EXPECT_FALSE(ReadInChunks("[1,2]", 4).status.ok());
  EXPECT_FALSE(ReadInChunks(R"({"addOrUpdate":{"documentId":"a"}})", 4).status.ok());
  Read truncated = ReadInChunks(R"({"addOrUpdate":[{"documentId":"a"},{"docu)", 4);
  ASSERT_FALSE(truncated.status.ok());
  EXPECT_EQ(truncated.items.size(), 1u);  // what came before the damage was read
  Read dup = ReadInChunks(R"({"addOrUpdate":[{"a":1,"A":2}]})", 3);
  EXPECT_NE(dup.status.message().find("duplicate key"), std::string::npos);
}

TEST(BatchReaderTest, ACallbackErrorStopsTheReading) {
  int seen = 0;
  BatchReader reader([&](BatchSection, boost::json::value) {
    return ++seen == 2 ? base::IoError("journal is full") : base::Status::Ok();
  });
  base::Status s =
      reader.Write(R"({"delete":[{"documentId":"a"},{"documentId":"b"},{"documentId":"c"}]})");
  EXPECT_EQ(s.message(), "journal is full");
  EXPECT_EQ(seen, 2);
}

TEST(BatchReaderTest, StreamsTwoHundredThousandItems) {
  // Items are handed over as they complete; nothing here keeps them.
  size_t count = 0;
  BatchReader reader([&](BatchSection, boost::json::value) {
    ++count;
    return base::Status::Ok();
  });
  ASSERT_TRUE(reader.Write(R"({"addOrUpdate":[)").ok());
  std::string item = R"({"documentId":"http://x/item","data":")" + std::string(100, 'w') + R"("},)";
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(reader.Write(item).ok());
  ASSERT_TRUE(reader.Write(R"({"documentId":"last"}]})").ok());
  ASSERT_TRUE(reader.Finish().ok());
  EXPECT_EQ(count, 200001u);
}

}  // namespace
}  // namespace sluice::document
