#include "client/json_files.h"

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace sluice::client {
namespace {

namespace json = boost::json;

json::object ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in: " << text;
  EXPECT_TRUE(!ec && v.is_object()) << text;
  return !ec && v.is_object() ? v.as_object() : json::object();
}

std::vector<std::string> Keys(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& member : object) keys.emplace_back(member.key());
  return keys;
}

// ReadPushJson's failure, which the test requires.
base::Status Failure(std::string_view text) {
  auto entries = ReadPushJson(text);
  EXPECT_FALSE(entries.ok()) << text;
  return entries.ok() ? base::Status::Ok() : entries.status();
}

TEST(ReadPushJsonTest, SingleDocument) {
  auto entries = ReadPushJson(R"({"DocumentId":"file:///a.txt","title":"T","data":"hello"})");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->adds.size(), 1u);
  EXPECT_TRUE(entries->deletes.empty());
  EXPECT_EQ(entries->adds[0].document_id, "file:///a.txt");
  const json::object doc = ParseObject(entries->adds[0].json);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"documentId", "title", "data"}));
  EXPECT_EQ(doc.at("documentId"), "file:///a.txt");
  EXPECT_EQ(doc.at("title"), "T");
  EXPECT_EQ(doc.at("data"), "hello");
}

TEST(ReadPushJsonTest, DocumentIdIsPlacedFirst) {
  auto entries = ReadPushJson(
      R"({"title":"T","fileExtension":".txt","meta":{"a":[1,2]},"documentId":"file:///b"})");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->adds.size(), 1u);
  const std::string& text = entries->adds[0].json;
  EXPECT_EQ(text.rfind(R"({"documentId":"file:///b",)", 0), 0u) << text;
  const json::object doc = ParseObject(text);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"documentId", "title", "fileExtension", "meta"}));
  EXPECT_EQ(doc.at("meta"), ParseObject(R"({"m":{"a":[1,2]}})").at("m"));
}

TEST(ReadPushJsonTest, UriIsTakenAsDocumentId) {
  auto entries = ReadPushJson(R"({"title":"T","URI":"file:///c"})");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->adds.size(), 1u);
  EXPECT_EQ(entries->adds[0].document_id, "file:///c");
  const json::object doc = ParseObject(entries->adds[0].json);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"documentId", "title"}));
  EXPECT_EQ(doc.at("documentId"), "file:///c");
}

TEST(ReadPushJsonTest, DocumentIdWinsOverUriInEitherOrder) {
  for (std::string_view text : {R"({"uri":"file:///u","documentId":"file:///d"})",
                                R"({"documentId":"file:///d","uri":"file:///u"})"}) {
    auto entries = ReadPushJson(text);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    ASSERT_EQ(entries->adds.size(), 1u);
    EXPECT_EQ(entries->adds[0].document_id, "file:///d") << text;
    EXPECT_EQ(ParseObject(entries->adds[0].json).at("documentId"), "file:///d") << text;
  }
}

TEST(ReadPushJsonTest, ArrayOfDocuments) {
  auto entries = ReadPushJson(
      R"([{"documentId":"file:///1","n":1},{"uri":"file:///2","n":2},{"documentid":"file:///3"}])");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->adds.size(), 3u);
  EXPECT_TRUE(entries->deletes.empty());
  EXPECT_EQ(entries->adds[0].document_id, "file:///1");
  EXPECT_EQ(entries->adds[1].document_id, "file:///2");
  EXPECT_EQ(entries->adds[2].document_id, "file:///3");
  EXPECT_EQ(ParseObject(entries->adds[1].json).at("n"), 2);
  EXPECT_EQ(Keys(ParseObject(entries->adds[2].json)), (std::vector<std::string>{"documentId"}));
}

TEST(ReadPushJsonTest, EmptyArrayHasNoEntries) {
  auto entries = ReadPushJson("[]");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_TRUE(entries->adds.empty());
  EXPECT_TRUE(entries->deletes.empty());
}

TEST(ReadPushJsonTest, BatchWithKeysInAnyCase) {
  for (
      std::string_view text : {
          R"({"addOrUpdate":[{"documentId":"a","title":"A"},{"uri":"b"}],"delete":[{"documentId":"c"}]})",
          R"({"AddOrUpdate":[{"DocumentId":"a","title":"A"},{"Uri":"b"}],"Delete":[{"DOCUMENTID":"c"}]})",
          R"({"delete":[{"documentId":"c"}],"ADDORUPDATE":[{"documentID":"a","title":"A"},{"uri":"b"}]})",
      }) {
    auto entries = ReadPushJson(text);
    ASSERT_TRUE(entries.ok()) << text << ": " << entries.status().ToString();
    ASSERT_EQ(entries->adds.size(), 2u) << text;
    ASSERT_EQ(entries->deletes.size(), 1u) << text;
    EXPECT_EQ(entries->adds[0].document_id, "a");
    EXPECT_EQ(entries->adds[1].document_id, "b");
    EXPECT_EQ(entries->deletes[0].document_id, "c");
    const json::object first = ParseObject(entries->adds[0].json);
    EXPECT_EQ(Keys(first), (std::vector<std::string>{"documentId", "title"})) << text;
    EXPECT_EQ(first.at("title"), "A");
    EXPECT_EQ(Keys(ParseObject(entries->deletes[0].json)),
              (std::vector<std::string>{"documentId"}));
  }
}

TEST(ReadPushJsonTest, BatchWithOnlyOneList) {
  auto deletes = ReadPushJson(R"({"delete":[{"documentId":"x"},{"documentId":"y"}]})");
  ASSERT_TRUE(deletes.ok()) << deletes.status().ToString();
  EXPECT_TRUE(deletes->adds.empty());
  ASSERT_EQ(deletes->deletes.size(), 2u);
  EXPECT_EQ(deletes->deletes[1].document_id, "y");

  auto adds = ReadPushJson(R"({"addOrUpdate":[{"documentId":"x"}],"delete":null})");
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->adds.size(), 1u);
  EXPECT_TRUE(adds->deletes.empty());
}

TEST(ReadPushJsonTest, Utf8DocumentIdIsKept) {
  auto entries = ReadPushJson(R"({"documentId":"file:///é/日本.txt"})");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->adds.size(), 1u);
  EXPECT_EQ(entries->adds[0].document_id, "file:///é/日本.txt");
  EXPECT_EQ(ParseObject(entries->adds[0].json).at("documentId"), "file:///é/日本.txt");
}

TEST(ReadPushJsonTest, MissingDocumentIdNamesTheEntry) {
  base::Status s =
      Failure(R"({"addOrUpdate":[{"documentId":"a"},{"documentId":"b"},{"title":"no id"}]})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("addOrUpdate[2]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("documentId"), std::string::npos) << s.message();

  s = Failure(R"({"addOrUpdate":[],"delete":[{"documentId":"a"},{"x":1}]})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("delete[1]"), std::string::npos) << s.message();

  s = Failure(R"([{"documentId":"a"},{}])");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("[1]"), std::string::npos) << s.message();

  s = Failure(R"({"title":"alone"})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("documentId"), std::string::npos) << s.message();
}

TEST(ReadPushJsonTest, EmptyOrNonStringDocumentIdNamesTheEntryAndKey) {
  base::Status s = Failure(R"({"addOrUpdate":[{"documentId":"a"},{"DocumentId":""}]})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("addOrUpdate[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'DocumentId'"), std::string::npos) << s.message();

  s = Failure(R"({"documentId":42})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'documentId'"), std::string::npos) << s.message();

  s = Failure(R"({"delete":[{"uri":null}]})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("delete[0]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'uri'"), std::string::npos) << s.message();
}

TEST(ReadPushJsonTest, EntryOrListOfTheWrongTypeIsRefused) {
  base::Status s = Failure(R"({"addOrUpdate":[{"documentId":"a"},"b"]})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("addOrUpdate[1]"), std::string::npos) << s.message();

  s = Failure(R"({"delete":{"documentId":"a"}})");
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'delete'"), std::string::npos) << s.message();
}

TEST(ReadPushJsonTest, InvalidJsonIsRefused) {
  for (std::string_view text : {"", "{", R"({"documentId":)", "[{\"documentId\":\"a\"},]",
                                R"({"documentId":"a"} {"documentId":"b"})"}) {
    base::Status s = Failure(text);
    EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find("not valid JSON"), std::string::npos) << s.message();
  }
}

TEST(ReadPushJsonTest, ScalarRootIsRefused) {
  for (std::string_view text : {"42", "\"file:///a\"", "true", "null"}) {
    base::Status s = Failure(text);
    EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find("neither a document nor an array"), std::string::npos)
        << s.message();
  }
}

}  // namespace
}  // namespace sluice::client
