#include <filesystem>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "base/clock.h"
#include "base/random.h"
#include "platform/fields.h"
#include "platform/platform_api.h"
#include "platform/privileges.h"
#include "push/access.h"

namespace sluice::platform {
namespace {

namespace json = boost::json;

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(FieldNameTest, AcceptsOnlyCoveoFieldNames) {
  for (const std::string& name :
       std::vector<std::string>{"a", "price_2", "z9", std::string(255, 'x')}) {
    EXPECT_TRUE(ValidateFieldName(name).ok()) << name;
  }
  for (const std::string& name : std::vector<std::string>{"", "Price", "2a", "_a", "a-b", "a b",
                                                          "é", std::string(256, 'x')}) {
    base::Status s = ValidateFieldName(name);
    EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(Contains(s.message(), "'" + name + "'")) << s.message();
  }
}

base::Result<store::Field> Parse(std::string_view model) {
  return FieldFromJson(json::parse(model), "org", 42);
}

TEST(FieldModelTest, AppliesCoveoDefaultsByType) {
  auto text = Parse(R"({"name":"author","type":"STRING"})");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_FALSE(text->facet);
  EXPECT_FALSE(text->sort);
  EXPECT_TRUE(text->include_in_query);
  EXPECT_TRUE(text->include_in_results);
  auto number = Parse(R"({"name":"views","type":"LONG_64"})");
  ASSERT_TRUE(number.ok());
  EXPECT_TRUE(number->facet);
  EXPECT_TRUE(number->sort);
  auto untyped = Parse(R"({"name":"tag"})");
  ASSERT_TRUE(untyped.ok());
  EXPECT_EQ(untyped->type, "STRING");
  EXPECT_EQ(untyped->organization_id, "org");
  EXPECT_EQ(untyped->created_ms, 42);
}

TEST(FieldModelTest, KeepsEveryOptionThroughTheRoundTrip) {
  auto f = Parse(R"({"name":"tags","type":"STRING","facet":true,"multiValueFacet":true,
      "multiValueFacetTokenizers":";","stemming":true,"description":"Tags","label":"Tag",
      "includeInResults":false,"system":false,"dateFormat":null})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->facet);
  EXPECT_TRUE(f->multi_value_facet);
  EXPECT_FALSE(f->include_in_results);
  EXPECT_EQ(json::parse(f->options_json),
            json::parse(R"({"multiValueFacetTokenizers":";","stemming":true})"));
  json::object out = FieldToJson(*f);
  EXPECT_EQ(out.at("multiValueFacetTokenizers"), ";");
  EXPECT_EQ(out.at("stemming"), true);
  EXPECT_EQ(out.at("description"), "Tags");
  EXPECT_EQ(out.at("label"), "Tag");
  EXPECT_EQ(out.at("includeInResults"), false);
  EXPECT_EQ(out.at("system"), false);
  EXPECT_EQ(out.at("type"), "STRING");
}

TEST(FieldModelTest, RefusesBadModelsNamingWhatIsWrong) {
  struct Case {
    std::string_view model;
    std::string_view says;
  };
  for (auto [model, says] :
       {Case{R"({"name":"x","type":"INTEGER"})", "'INTEGER'"},
        Case{R"({"name":"x","facet":"yes"})", "'facet'"},
        Case{R"({"name":"x","type":"LONG","mergeWithLexicon":true})", "mergeWithLexicon"},
        Case{R"({"name":"x","system":true})", "'system'"}, Case{R"({"type":"LONG"})", "'name'"},
        Case{R"({"name":"My Field"})", "'My Field'"}, Case{R"({"name":7})", "'name'"},
        Case{R"(["x"])", "JSON object"}}) {
    auto f = Parse(model);
    ASSERT_FALSE(f.ok()) << model;
    EXPECT_EQ(f.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(f.status().message(), says)) << model << ": " << f.status().message();
  }
}

TEST(SystemFieldTest, IncludesWhatPushClientsLookFor) {
  std::vector<store::Field> system = SystemFields("org");
  auto find = [&](std::string_view name) {
    return std::find_if(system.begin(), system.end(),
                        [&](const store::Field& f) { return f.name == name; });
  };
  for (std::string_view name : {"title", "date", "size", "filetype", "source", "permanentid", "uri",
                                "clickableuri", "indexeddate"}) {
    auto it = find(name);
    ASSERT_NE(it, system.end()) << name;
    EXPECT_TRUE(IsSystemField(name));
    EXPECT_EQ(FieldToJson(*it).at("system"), true);
  }
  EXPECT_EQ(find("permanentid")->type, "STRING");  // the Node client insists on it
  EXPECT_EQ(find("date")->type, "DATE");
  EXPECT_FALSE(IsSystemField("price"));
}

std::vector<store::Field> ManyFields(int count) {
  std::vector<store::Field> fields = SystemFields("org");
  for (int i = 0; i < count; ++i) {
    store::Field f;
    f.name = "f" + std::string(4 - std::to_string(i).size(), '0') + std::to_string(i);
    f.type = i % 2 == 0 ? "STRING" : "LONG";
    f.facet = i % 2 == 1;
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<std::string> Names(const json::object& page) {
  std::vector<std::string> out;
  for (const auto& item : page.at("items").as_array()) {
    out.emplace_back(item.at("name").as_string());
  }
  return out;
}

TEST(FieldListingTest, PagesAThousandAtATime) {
  FieldListing listing;
  listing.per_page = kMaxFieldsPerPage;
  json::object first = ListPage(ManyFields(1200), listing);
  EXPECT_EQ(first.at("totalEntries"), 1215);
  EXPECT_EQ(first.at("totalPages"), 2);
  ASSERT_EQ(first.at("items").as_array().size(), 1000u);
  EXPECT_EQ(Names(first).front(), "author");
  listing.page = 1;
  json::object second = ListPage(ManyFields(1200), listing);
  std::vector<std::string> names = Names(second);
  ASSERT_EQ(names.size(), 215u);
  EXPECT_EQ(names.back(), "urihash");
  std::set<std::string> all(names.begin(), names.end());
  for (const auto& n : Names(first)) EXPECT_TRUE(all.insert(n).second) << n << " listed twice";
  EXPECT_EQ(all.size(), 1215u);
  listing.page = 2;
  EXPECT_TRUE(ListPage(ManyFields(1200), listing).at("items").as_array().empty());
  EXPECT_EQ(ListPage({}, FieldListing{}).at("totalPages"), 0);
}

TEST(FieldListingTest, FiltersAndOrders) {
  using V = std::vector<std::string>;
  FieldListing listing;
  listing.name_contains = "URI";
  EXPECT_EQ(Names(ListPage(ManyFields(3), listing)),
            (V{"clickableuri", "printableuri", "uri", "urihash"}));
  listing = {};
  listing.origin = FieldOrigin::kUser;
  listing.descending = true;
  EXPECT_EQ(Names(ListPage(ManyFields(3), listing)), (V{"f0002", "f0001", "f0000"}));
  listing.descending = false;
  listing.facet = FlagFilter::kTrueOnly;
  EXPECT_EQ(Names(ListPage(ManyFields(3), listing)), (V{"f0001"}));
  listing = {};
  listing.type = "DATE";
  EXPECT_EQ(Names(ListPage(ManyFields(3), listing)), (V{"date", "indexeddate"}));
  listing = {};
  listing.names = {"f0002", "title", "missing"};
  EXPECT_EQ(Names(ListPage(ManyFields(3), listing)), (V{"f0002", "title"}));
}

http::Request WithQuery(std::string query) {
  http::Request request;
  request.query = std::move(query);
  return request;
}

TEST(FieldListingTest, ReadsQueryParametersAndRefusesBadOnes) {
  auto listing =
      ListingFromQuery(WithQuery("page=3&perPage=1000&order=desc&type=LONG&origin=USER"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->page, 3u);
  EXPECT_EQ(listing->per_page, 1000u);
  EXPECT_TRUE(listing->descending);
  EXPECT_EQ(listing->type, "LONG");
  EXPECT_EQ(listing->origin, FieldOrigin::kUser);
  EXPECT_EQ(ListingFromQuery(WithQuery(""))->per_page, kDefaultFieldsPerPage);
  for (auto [query, says] : {std::pair{"perPage=1001", "'1001'"},
                             {"perPage=0", "'perPage'"},
                             {"page=-1", "'page'"},
                             {"perPage=ten", "'ten'"},
                             {"type=TEXT", "'TEXT'"},
                             {"sortBy=type", "'type'"},
                             {"origin=MINE", "'MINE'"}}) {
    auto bad = ListingFromQuery(WithQuery(query));
    ASSERT_FALSE(bad.ok()) << query;
    EXPECT_TRUE(Contains(bad.status().message(), says)) << bad.status().message();
  }
}

TEST(FieldListingTest, ReadsFieldListingOptions) {
  auto listing = ListingFromJson(json::parse(
      R"({"page":1,"perPage":5,"sortBy":"name","order":"DESC",
          "filters":{"name":"ur","type":"STRING","origin":"SYSTEM","facet":"FALSE_ONLY",
                     "fieldNames":["uri"]}})"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  EXPECT_EQ(listing->page, 1u);
  EXPECT_EQ(listing->per_page, 5u);
  EXPECT_TRUE(listing->descending);
  EXPECT_EQ(listing->name_contains, "ur");
  EXPECT_EQ(listing->origin, FieldOrigin::kSystem);
  EXPECT_EQ(listing->facet, FlagFilter::kFalseOnly);
  EXPECT_EQ(listing->names, std::vector<std::string>{"uri"});
  EXPECT_FALSE(ListingFromJson(json::parse(R"({"perPage":5000})")).ok());
  EXPECT_FALSE(ListingFromJson(json::parse(R"({"perPage":"5"})")).ok());
  EXPECT_FALSE(ListingFromJson(json::parse(R"({"filters":{"projectId":"p"}})")).ok());
}

store::ApiKey KeyWith(std::vector<std::string> privileges) {
  return store::ApiKey{"id", "org", "hash", std::move(privileges), 0};
}

TEST(PrivilegeTest, MapsCoveoPrivilegesToSluicePrivileges) {
  const PrivilegeRequest field_view{"PLATFORM", "FIELD", "VIEW"};
  const PrivilegeRequest field_create{"PLATFORM", "FIELD", "CREATE"};
  const PrivilegeRequest field_edit{"PLATFORM", "FIELD", "EDIT"};
  const PrivilegeRequest source_view{"PLATFORM", "SOURCE", "VIEW"};
  const PrivilegeRequest source_create{"PLATFORM", "SOURCE", "CREATE"};
  const PrivilegeRequest key_edit{"PLATFORM", "API_KEY", "EDIT"};
  const PrivilegeRequest other_owner{"SEARCH_API", "FIELD", "VIEW"};

  auto admin = KeyWith({"admin"});
  for (const auto& r :
       {field_view, field_create, field_edit, source_view, source_create, key_edit, other_owner}) {
    EXPECT_TRUE(IsGranted(admin, r)) << Describe(r);
  }
  auto push_key = KeyWith({"push"});
  EXPECT_TRUE(IsGranted(push_key, field_view));
  EXPECT_FALSE(IsGranted(push_key, field_create));
  EXPECT_TRUE(IsGranted(push_key, source_view));
  EXPECT_FALSE(IsGranted(push_key, source_create));
  EXPECT_FALSE(IsGranted(push_key, other_owner));
  auto fields_key = KeyWith({"fields"});
  EXPECT_TRUE(IsGranted(fields_key, field_view));
  EXPECT_TRUE(IsGranted(fields_key, field_create));
  EXPECT_TRUE(IsGranted(fields_key, field_edit));
  EXPECT_FALSE(IsGranted(fields_key, source_view));
  auto search_key = KeyWith({"search"});
  EXPECT_FALSE(IsGranted(search_key, field_view));
  EXPECT_TRUE(IsGranted(search_key, source_view));
  EXPECT_FALSE(IsGranted(search_key, source_create));
  EXPECT_FALSE(IsGranted(KeyWith({"push", "search", "fields"}), key_edit));

  EXPECT_EQ(GrantingPrivileges(field_view),
            (std::vector<std::string_view>{"fields", "push", "admin"}));
  EXPECT_EQ(GrantingPrivileges(source_create), std::vector<std::string_view>{"admin"});
}

TEST(SourceIdTest, LooksLikeCoveosAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string id = NewSourceId("myorg");
    ASSERT_EQ(id.size(), 6u + 26u) << id;
    EXPECT_EQ(id.substr(0, 6), "myorg-");
    for (char c : id.substr(6)) EXPECT_TRUE(std::isdigit(c) || std::islower(c)) << id;
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(OrganizationIdTest, KeepsTheNamesLettersAndDigitsAndAddsRandomOnes) {
  std::string id = NewOrganizationId("My Org, Inc.");
  ASSERT_EQ(id.size(), 8u + 12u) << id;
  EXPECT_EQ(id.substr(0, 8), "myorginc");
  for (char c : id.substr(8)) EXPECT_TRUE(std::isdigit(c) || std::islower(c)) << id;
  EXPECT_NE(NewOrganizationId("My Org, Inc."), id);
  EXPECT_EQ(NewOrganizationId("--").substr(0, 12), "organization");
  EXPECT_EQ(NewOrganizationId(std::string(100, 'a')).size(), 30u + 12u);
}

// A store on disk with one organization, two sources and keys of each kind.
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("platform_" + base::NewUuid());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStateStore(dir_ / "state.db")).value();
    ASSERT_TRUE(store_->EnsureOrganization("org", 1).ok());
    ASSERT_TRUE(store_->CreateSource(store::Source{"org", "s1", "One", "PUSH", 1}).ok());
    ASSERT_TRUE(store_->CreateSource(store::Source{"org", "s2", "Two", "PUSH", 1}).ok());
    AddKey("xx-admin", {"admin"});
    AddKey("xx-search", {"search"});
    store::ApiKey scoped{"scoped", "org", auth::HashApiKey("xx-scoped"), {"push"}, 1};
    scoped.source_ids = {"s1"};
    ASSERT_TRUE(store_->PutApiKey(scoped).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void AddKey(const std::string& value, std::vector<std::string> privileges) {
    ASSERT_TRUE(store_
                    ->PutApiKey(store::ApiKey{value, "org", auth::HashApiKey(value),
                                              std::move(privileges), 1})
                    .ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::StateStore> store_;
};

using SourceScopeTest = StoreFixture;

TEST_F(SourceScopeTest, ScopedKeysActOnlyOnTheirSources) {
  auto check = [&](std::string key, std::optional<std::string> source) {
    http::Request request;
    request.headers.emplace_back("Authorization", "Bearer " + key);
    if (source) request.path_params["source"] = *source;
    return push::Access(*store_).Check(request, "org", push::kPrivilegePush);
  };
  EXPECT_TRUE(check("xx-scoped", "s1").key.has_value());
  EXPECT_TRUE(check("xx-scoped", std::nullopt).key.has_value());  // file containers
  EXPECT_TRUE(check("xx-admin", "s2").key.has_value());
  auto denied = check("xx-scoped", "s2");
  ASSERT_FALSE(denied.key.has_value());
  EXPECT_EQ(denied.error.status, 403);
  auto body = json::parse(denied.error.body).as_object();
  EXPECT_EQ(body.at("errorCode"), "ACCESS_DENIED");
  EXPECT_TRUE(Contains(std::string(body.at("message").as_string()), "'s2'"));
}

class FixedClock final : public base::Clock {
 public:
  int64_t NowMs() const override { return 1700000000000; }
};

class PlatformApiTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    api_ = std::make_unique<PlatformApi>(*store_, clock_);
    api_->Register(router_);
  }
  // Runs one request through the router: the status and the parsed body (null when empty).
  std::pair<int, json::value> Call(std::string method, std::string target, std::string body = "",
                                   std::string key = "xx-admin") {
    http::Request request;
    request.method = std::move(method);
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    request.headers.emplace_back("Authorization", "Bearer " + key);
    request.body = std::move(body);
    http::Router::Match match = router_.Find(request);
    EXPECT_NE(match.handler, nullptr) << target;
    http::Response response = (*match.handler)(request);
    return {response.status, response.body.empty() ? json::value() : json::parse(response.body)};
  }

  FixedClock clock_;
  http::Router router_;
  std::unique_ptr<PlatformApi> api_;
};

TEST_F(PlatformApiTest, CreatesListsAndDeletesSources) {
  auto [status, created] =
      Call("POST", "/rest/organizations/org/sources",
           R"({"sourceType":"CATALOG","name":"Products","sourceVisibility":"SHARED"})");
  ASSERT_EQ(status, 201) << json::serialize(created);
  std::string id(created.at("id").as_string());
  EXPECT_EQ(id.rfind("org-", 0), 0u) << id;
  EXPECT_EQ(created.at("sourceVisibility"), "SHARED");
  EXPECT_EQ(created.at("streamEnabled"), true);
  EXPECT_EQ(created.at("createdDate"), "2023-11-14T22:13:20.000Z");
  auto stored = store_->GetSource("org", id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->type, "CATALOG");

  EXPECT_EQ(Call("GET", "/rest/organizations/org/sources").second.as_array().size(), 3u);
  EXPECT_EQ(Call("GET", "/rest/organizations/org/sources/" + id).second.at("name"), "Products");
  auto page = Call("GET", "/rest/organizations/org/sources/pages?perPage=2&page=1").second;
  EXPECT_EQ(page.at("totalEntries"), 3);
  EXPECT_EQ(page.at("totalPages"), 2);
  EXPECT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(Call("DELETE", "/rest/organizations/org/sources/" + id).first, 204);
  auto [gone, error] = Call("GET", "/rest/organizations/org/sources/" + id);
  EXPECT_EQ(gone, 404);
  EXPECT_EQ(error.at("errorCode"), "SOURCE_NOT_FOUND");
  EXPECT_EQ(Call("DELETE", "/rest/organizations/org/sources/" + id).first, 404);
}

TEST_F(PlatformApiTest, RefusesBadSources) {
  auto bad = [&](std::string body, std::string key = "xx-admin") {
    return Call("POST", "/rest/organizations/org/sources", std::move(body), std::move(key));
  };
  auto [s1, web] = bad(R"({"sourceType":"WEB2","name":"x"})");
  EXPECT_EQ(s1, 412);
  EXPECT_TRUE(Contains(std::string(web.at("message").as_string()), "'WEB2'"));
  EXPECT_EQ(bad(R"({"sourceType":"PUSH"})").second.at("errorCode"), "MISSING_PARAMETER");
  EXPECT_EQ(bad(R"({"sourceType":"PUSH","name":"x","sourceVisibility":"PUBLIC"})").first, 412);
  EXPECT_EQ(bad("{not json").first, 400);
  EXPECT_EQ(bad(R"({"sourceType":"PUSH","name":"x"})", "xx-search").first, 403);
  EXPECT_EQ(store_->ListSources("org")->size(), 2u);
}

TEST_F(PlatformApiTest, BatchCreateIsAllOrNothing) {
  const std::string batch = "/rest/organizations/org/indexes/fields/batch/create";
  ASSERT_EQ(Call("POST", batch, R"([{"name":"price","type":"DOUBLE"}])").first, 204);
  auto [status, error] =
      Call("POST", batch, R"([{"name":"brand","type":"STRING"},{"name":"price","type":"LONG"}])");
  EXPECT_EQ(status, 409);
  EXPECT_EQ(error.at("errorCode"), "FIELD_ALREADY_EXISTS");
  EXPECT_TRUE(Contains(std::string(error.at("message").as_string()), "'price'"));
  EXPECT_FALSE(store_->GetField("org", "brand")->has_value());
  EXPECT_EQ((*store_->GetField("org", "price"))->type, "DOUBLE");
  EXPECT_EQ(Call("POST", batch, R"([{"name":"title","type":"STRING"}])").first, 409);
  auto [invalid, why] = Call("POST", batch, R"([{"name":"ok"},{"name":"Bad"}])");
  EXPECT_EQ(invalid, 412);
  EXPECT_TRUE(Contains(std::string(why.at("message").as_string()), "#2")) << why;
  EXPECT_FALSE(store_->GetField("org", "ok")->has_value());
}

TEST_F(PlatformApiTest, EvaluatesPrivilegesAsTheNodeClientAsks) {
  auto evaluate = [&](std::string type, std::string key, std::string org = "org") {
    std::string body = R"({"organizationId":")" + org +
                       R"(","requestedPrivilege":{"owner":"PLATFORM","targetDomain":"FIELD",
                          "type":")" +
                       type + R"(","targetId":"*"}})";
    auto [status, out] = Call("POST", "/rest/privilege/evaluate", body, key);
    EXPECT_EQ(status, 200) << json::serialize(out);
    return out;
  };
  EXPECT_EQ(evaluate("VIEW", "xx-scoped").at("approved"), true);
  EXPECT_EQ(evaluate("CREATE", "xx-scoped").at("approved"), false);
  EXPECT_EQ(evaluate("CREATE", "xx-scoped").at("evaluationReport"), "OPERATION_NOT_ALLOWED");
  EXPECT_EQ(evaluate("EDIT", "xx-admin").at("approved"), true);
  EXPECT_EQ(evaluate("VIEW", "xx-search").at("approved"), false);
  json::value other = evaluate("VIEW", "xx-admin", "elsewhere");
  EXPECT_EQ(other.at("approved"), false);
  EXPECT_EQ(other.at("evaluationReport"),
            "OPERATION_FORBIDDEN_FOR_AUTHENTICATION_BOUND_TO_DIFFERENT_ORGANIZATION");
}

TEST_F(PlatformApiTest, NeverDeletesTheLastAdminKey) {
  auto [status, error] = Call("DELETE", "/rest/organizations/org/apikeys/xx-admin");
  EXPECT_EQ(status, 412);
  EXPECT_EQ(error.at("errorCode"), "LAST_ADMIN_KEY");
  auto [created, key] = Call("POST", "/rest/organizations/org/apikeys",
                             R"({"displayName":"second admin","privileges":["admin"]})");
  ASSERT_EQ(created, 201) << json::serialize(key);
  EXPECT_EQ(Call("DELETE", "/rest/organizations/org/apikeys/xx-admin").first, 204);
  std::string value(key.at("value").as_string());
  auto [left, listed] = Call("GET", "/rest/organizations/org/apikeys", "", value);
  ASSERT_EQ(left, 200);
  for (const auto& k : listed.as_array()) EXPECT_FALSE(k.as_object().contains("value"));
  EXPECT_EQ(listed.as_array().size(), 3u);  // search, scoped and the new admin key
}

TEST_F(PlatformApiTest, AnAdminCreatesAnOrganizationItsKeysCannotReach) {
  EXPECT_EQ(Call("POST", "/rest/organizations?name=Second", "", "xx-search").first, 403);
  EXPECT_EQ(Call("POST", "/rest/organizations", "").second.at("errorCode"), "MISSING_PARAMETER");
  auto [status, created] = Call("POST", "/rest/organizations?name=Second%20org");
  ASSERT_EQ(status, 201) << json::serialize(created);
  const std::string org(created.at("id").as_string());
  EXPECT_EQ(org.rfind("secondorg", 0), 0u) << org;
  EXPECT_TRUE(*store_->OrganizationExists(org));
  const json::object& key = created.at("apiKey").as_object();
  EXPECT_EQ(key.at("organizationId").as_string(), org);
  EXPECT_EQ(key.at("privileges"), json::array({"admin"}));
  const std::string value(key.at("value").as_string());
  auto stored = store_->FindApiKeyByHash(auth::HashApiKey(value));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->organization_id, org);

  // Each organization's keys stay in their own.
  EXPECT_EQ(Call("GET", "/rest/organizations/" + org + "/sources").first, 403);
  EXPECT_EQ(Call("GET", "/rest/organizations/org/sources", "", value).first, 403);
  EXPECT_EQ(Call("GET", "/rest/organizations/" + org + "/sources", "", value).second,
            json::array());
  EXPECT_EQ(Call("POST", "/rest/organizations/" + org + "/sources",
                 R"({"sourceType":"PUSH","name":"Theirs"})", value)
                .first,
            201);
}

}  // namespace
}  // namespace sluice::platform
