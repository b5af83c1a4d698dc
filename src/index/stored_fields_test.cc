#include "index/stored_fields.h"

#include <string>

#include <gtest/gtest.h>

#include "index/digest.h"

namespace sluice::index {
namespace {

TEST(StoredFieldsTest, RoundTripsEveryFieldAndAppliesDefaults) {
  IndexDocument document;
  document.uri = "https://example.com/a.html";
  document.source_id = "local-default";
  document.source_name = "Local";
  document.body = "0123456789";
  document.file_type = "html";
  document.size = 18446744073709551615u;  // above INT64_MAX: must survive as unsigned
  document.date_ms = -5;
  document.indexed_ms = 1700000000000;
  document.ordering_id = 42;
  document.metadata = {{"author", {"Ann", "Bob"}}, {"empty", {}}};

  auto item = DecodeStoredFields(EncodeStoredFields(document, 4));
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  const SearchHit& hit = item->fields;
  EXPECT_EQ(hit.uri, document.uri);
  EXPECT_EQ(hit.title, document.uri);  // no title: the uri stands in
  EXPECT_EQ(hit.click_uri, document.uri);
  EXPECT_EQ(hit.permanent_id, Sha256Hex(document.uri));
  EXPECT_EQ(hit.permanent_id.size(), 64u);
  EXPECT_EQ(hit.source_id, "local-default");
  EXPECT_EQ(hit.source_name, "Local");
  EXPECT_EQ(hit.file_type, "html");
  EXPECT_EQ(hit.size, document.size);
  EXPECT_EQ(hit.date_ms, -5);
  EXPECT_EQ(hit.indexed_ms, 1700000000000);
  EXPECT_EQ(hit.ordering_id, 42u);
  EXPECT_EQ(hit.metadata, document.metadata);
  EXPECT_EQ(item->body, "0123");
  EXPECT_TRUE(item->body_truncated);
}

TEST(StoredFieldsTest, KeepsGivenClickUriAndPermanentId) {
  IndexDocument document;
  document.uri = "u";
  document.title = "T";
  document.click_uri = "https://c";
  document.permanent_id = "p1";
  auto item = DecodeStoredFields(EncodeStoredFields(document));
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->fields.title, "T");
  EXPECT_EQ(item->fields.click_uri, "https://c");
  EXPECT_EQ(item->fields.permanent_id, "p1");
  EXPECT_FALSE(item->body_truncated);
}

TEST(StoredFieldsTest, RejectsDataThatIsNotStoredFields) {
  EXPECT_EQ(DecodeStoredFields("not json").status().code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredFields("[1]").status().code(), base::StatusCode::kDataLoss);
  auto missing = DecodeStoredFields(R"({"v":1,"uri":"u"})");
  EXPECT_EQ(missing.status().code(), base::StatusCode::kDataLoss);
  EXPECT_NE(missing.status().message().find("source_id"), std::string::npos)
      << missing.status().message();
}

TEST(StoredFieldsTest, RejectsAnotherLayoutVersion) {
  IndexDocument document;
  document.uri = "u";
  std::string data = EncodeStoredFields(document);
  data.replace(data.find("\"v\":1"), 5, "\"v\":9");
  auto item = DecodeStoredFields(data);
  EXPECT_EQ(item.status().code(), base::StatusCode::kDataLoss);
  EXPECT_NE(item.status().message().find("version 9"), std::string::npos);
}

}  // namespace
}  // namespace sluice::index
