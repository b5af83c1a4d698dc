// The OpenAPI description the server answers at /openapi.json (web/openapi.json, embedded)
// against the routes a real server registers, both ways: every route is described, every
// described operation is a route, and each operation names its summary, its responses and
// every path capture. A failure names the route.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "app/server.h"
#include "app/test_http.h"
#include "web/assets.h"

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kKey = "xx-openapi-test-key";
// The HTTP methods OpenAPI 3.0 names in a Path Item, lower case.
constexpr std::string_view kMethods[] = {"get",     "put",  "post",  "delete",
                                         "options", "head", "patch", "trace"};
// The other members a Path Item may have here.
constexpr std::string_view kPathItemMembers[] = {"summary", "description", "parameters", "servers"};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// How a failure names a route: "PUT /blobstore/{org}/{file}".
std::string RouteName(std::string_view method, std::string_view path) {
  return Upper(method) + " " + std::string(path);
}

// The {captures} of a route pattern, in order.
std::vector<std::string> Captures(std::string_view pattern) {
  std::vector<std::string> out;
  for (size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

// What `value` stands for: itself, or the target of its local "$ref" ("#/components/...");
// nullptr when that target does not exist.
const json::value* Deref(const json::value& doc, const json::value& value) {
  const json::object* object = value.if_object();
  const json::value* ref = object == nullptr ? nullptr : object->if_contains("$ref");
  if (ref == nullptr) return &value;
  if (!ref->is_string()) return nullptr;
  std::string_view pointer = ref->as_string();
  if (!pointer.starts_with("#")) return nullptr;
  boost::system::error_code ec;
  const json::value* target = doc.find_pointer(pointer.substr(1), ec);
  return ec ? nullptr : target;
}

struct Operation {
  std::string method;  // lower case, as the description spells it
  std::string path;
  const json::object* path_item;
  const json::object* operation;
  std::string Name() const { return RouteName(method, path); }
};

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-openapi-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    ServeConfig config;
    config.data_dir = dir_;
    config.listen = "127.0.0.1:0";
    config.public_url = "http://127.0.0.1";
    config.api_key = std::string(kKey);
    auto server = Server::Open(config);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    for (const auto& route : server_->Routes()) routes_.emplace(route.method, route.pattern);
    ASSERT_FALSE(routes_.empty());

    const web::Asset* asset = web::FindAsset("/openapi.json");
    ASSERT_NE(asset, nullptr) << "web/openapi.json is not embedded";
    boost::system::error_code ec;
    doc_ = json::parse(asset->body, ec);
    ASSERT_FALSE(ec) << "web/openapi.json is not JSON: " << ec.message();
    ASSERT_TRUE(doc_.is_object());
    const json::value* paths = doc_.as_object().if_contains("paths");
    ASSERT_TRUE(paths != nullptr && paths->is_object()) << "web/openapi.json has no paths";
    paths_ = &paths->as_object();
  }

  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  bool IsRoute(std::string_view method, const std::string& path) const {
    return routes_.contains({Upper(method), path}) || routes_.contains({"*", path});
  }

  // Every operation of the description; a Path Item member that is neither a method nor one of
  // kPathItemMembers fails the test (a misspelt method would otherwise describe nothing).
  std::vector<Operation> Operations() const {
    std::vector<Operation> out;
    for (const auto& [path, item] : *paths_) {
      if (!item.is_object()) {
        ADD_FAILURE() << std::string(path) << ": the Path Item is not an object";
        continue;
      }
      for (const auto& [member, operation] : item.as_object()) {
        if (OneOf(member, kPathItemMembers)) continue;
        if (!OneOf(member, kMethods) || !operation.is_object()) {
          ADD_FAILURE() << std::string(path) << ": '" << std::string(member)
                        << "' is not an HTTP method with an Operation object";
          continue;
        }
        out.push_back(Operation{std::string(member), std::string(path), &item.as_object(),
                                &operation.as_object()});
      }
    }
    return out;
  }

  // The names of the `in: path` parameters of the Path Item and the operation.
  std::set<std::string> PathParameters(const Operation& op) const {
    std::set<std::string> names;
    for (const json::object* holder : {op.path_item, op.operation}) {
      const json::value* list = holder->if_contains("parameters");
      if (list == nullptr) continue;
      if (!list->is_array()) {
        ADD_FAILURE() << op.Name() << ": 'parameters' is not an array";
        continue;
      }
      for (const json::value& entry : list->as_array()) {
        const json::value* parameter = Deref(doc_, entry);
        if (parameter == nullptr || !parameter->is_object()) {
          ADD_FAILURE() << op.Name()
                        << ": a parameter's $ref names nothing: " << json::serialize(entry);
          continue;
        }
        const json::object& p = parameter->as_object();
        const json::value* in = p.if_contains("in");
        const json::value* name = p.if_contains("name");
        if (in == nullptr || !in->is_string() || in->as_string() != "path") continue;
        if (name == nullptr || !name->is_string()) {
          ADD_FAILURE() << op.Name() << ": a path parameter has no name";
          continue;
        }
        names.emplace(name->as_string());
        const json::value* required = p.if_contains("required");
        EXPECT_TRUE(required != nullptr && required->is_bool() && required->as_bool())
            << op.Name() << ": path parameter '" << std::string(name->as_string())
            << "' must be required";
      }
    }
    return names;
  }

  fs::path dir_;
  std::unique_ptr<Server> server_;
  std::set<std::pair<std::string, std::string>> routes_;  // (method, pattern)
  json::value doc_;
  const json::object* paths_ = nullptr;
};

TEST_F(OpenApiTest, IsOpenApi303) {
  const json::value* version = doc_.as_object().if_contains("openapi");
  ASSERT_TRUE(version != nullptr && version->is_string());
  EXPECT_EQ(std::string_view(version->as_string()), "3.0.3");
}

TEST_F(OpenApiTest, DescribesEveryRoute) {
  for (const auto& [method, pattern] : routes_) {
    const json::value* item = paths_->if_contains(pattern);
    if (item == nullptr || !item->is_object()) {
      ADD_FAILURE() << RouteName(method, pattern) << " is a route that web/openapi.json omits";
      continue;
    }
    if (method == "*") {
      // Any method reaches the handler: the description names those it really serves.
      bool any = std::any_of(item->as_object().begin(), item->as_object().end(),
                             [](const auto& member) { return OneOf(member.key(), kMethods); });
      EXPECT_TRUE(any) << RouteName(method, pattern)
                       << " takes every method, yet web/openapi.json describes none";
    } else {
      EXPECT_TRUE(item->as_object().contains(Lower(method)))
          << RouteName(method, pattern) << " is a route that web/openapi.json omits";
    }
  }
}

TEST_F(OpenApiTest, DescribesOnlyRoutes) {
  std::vector<Operation> operations = Operations();
  EXPECT_FALSE(operations.empty());
  for (const Operation& op : operations) {
    EXPECT_TRUE(IsRoute(op.method, op.path))
        << op.Name() << " is described in web/openapi.json but the server has no such route";
  }
}

TEST_F(OpenApiTest, EveryOperationHasASummaryAndAResponse) {
  for (const Operation& op : Operations()) {
    const json::value* summary = op.operation->if_contains("summary");
    EXPECT_TRUE(summary != nullptr && summary->is_string() && !summary->as_string().empty())
        << op.Name() << " has no summary";
    const json::value* responses = op.operation->if_contains("responses");
    EXPECT_TRUE(responses != nullptr && responses->is_object() && !responses->as_object().empty())
        << op.Name() << " describes no response";
  }
}

TEST_F(OpenApiTest, EveryCaptureIsAPathParameter) {
  for (const Operation& op : Operations()) {
    std::set<std::string> parameters = PathParameters(op);
    std::vector<std::string> captures = Captures(op.path);
    for (const std::string& capture : captures) {
      EXPECT_TRUE(parameters.contains(capture))
          << op.Name() << ": {" << capture << "} has no `in: path` parameter";
    }
    for (const std::string& parameter : parameters) {
      EXPECT_NE(std::find(captures.begin(), captures.end(), parameter), captures.end())
          << op.Name() << ": path parameter '" << parameter << "' is no {capture} of the path";
    }
  }
}

TEST_F(OpenApiTest, IsServedAtOpenApiJson) {
  ASSERT_TRUE(server_->Start().ok());
  test_http::Reply reply = test_http::Call(server_->port(), "GET", "/openapi.json");
  EXPECT_EQ(reply.status, 200) << reply.head;
  EXPECT_NE(Lower(reply.head).find("\r\ncontent-type: application/json"), std::string::npos)
      << reply.head;
  EXPECT_EQ(reply.body, web::FindAsset("/openapi.json")->body);
}

}  // namespace
}  // namespace sluice::app
