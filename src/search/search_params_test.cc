// Reading Search API v2 parameters from JSON bodies, form bodies and query strings.
#include "search/search_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

http::Request Post(std::string body, std::string content_type = "application/json",
                   std::string query = "") {
  http::Request request;
  request.method = "POST";
  request.query = std::move(query);
  request.target = "/rest/search/v2" + (request.query.empty() ? "" : "?" + request.query);
  request.headers = {{"Content-Type", std::move(content_type)}};
  request.body = std::move(body);
  return request;
}

TEST(SearchParamsTest, JsonBodyWithAnyKeyCase) {
  auto params = ReadSearchParams(Post(
      R"({"Q":"fish","aq":"@author==bob","NumberOfResults":25,"firstResult":"10",
          "enableQuerySyntax":false,"sortCriteria":"date ascending","lq":"l","dq":"d"})"));
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->request.q, "fish");
  EXPECT_EQ(params->request.aq, "@author==bob");
  EXPECT_EQ(params->request.lq, "l");
  EXPECT_EQ(params->request.dq, "d");
  EXPECT_EQ(params->request.number_of_results, 25u);
  EXPECT_EQ(params->request.first_result, 10u);
  EXPECT_FALSE(params->request.enable_query_syntax);
  ASSERT_EQ(params->request.sort.size(), 1u);
  EXPECT_TRUE(params->request.sort[0].ascending);
}

TEST(SearchParamsTest, FormBodyAndQueryStringBodyWins) {
  auto params = ReadSearchParams(
      Post("q=red+fish&numberOfResults=5000&fieldsToInclude=%5B%22Author%22%2C%22%40size%22%5D",
           "application/x-www-form-urlencoded; charset=UTF-8", "q=ignored&cq=%40source%3D%3Dweb"));
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->request.q, "red fish");
  EXPECT_EQ(params->request.cq, "@source==web");
  EXPECT_EQ(params->request.number_of_results, kMaxNumberOfResults);  // capped
  EXPECT_THAT(params->fields_to_include, ElementsAre("author", "size"));
}

TEST(SearchParamsTest, FacetsAsHeadlessSendsThem) {
  auto params = ReadSearchParams(Post(R"({"facets":[
      {"facetId":"author-1","field":"author","type":"specific","numberOfValues":5,
       "sortCriteria":"alphanumeric",
       "currentValues":[{"value":"Ada","state":"selected"},{"value":"Bob","state":"idle"},
                        {"value":"Eve","state":"excluded"}]},
      {"facetId":"when","field":"date","type":"dateRange","generateAutomaticRanges":false,
       "currentValues":[{"start":"2026/01/01@00:00:00","end":"2026/02/01@00:00:00",
                         "endInclusive":false,"state":"selected"}]}],
      "groupBy":[{"field":"@filetype","maximumNumberOfValues":3,"allowedValues":["pdf"]}]})"));
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  ASSERT_EQ(params->request.facets.size(), 3u);
  EXPECT_EQ(params->facet_count, 2u);
  const index::FacetRequest& author = params->request.facets[0];
  EXPECT_EQ(author.id, "author-1");
  EXPECT_EQ(author.number_of_values, 5u);
  EXPECT_EQ(author.order, index::FacetRequest::Order::kAlphaAscending);
  EXPECT_THAT(author.selected, ElementsAre("Ada"));
  EXPECT_THAT(author.excluded, ElementsAre("Eve"));
  const index::FacetRequest& when = params->request.facets[1];
  EXPECT_EQ(when.type, index::FacetRequest::Type::kDateRange);
  ASSERT_EQ(when.ranges.size(), 1u);
  EXPECT_EQ(when.ranges[0].start, 1767225600000.0);  // 2026-01-01T00:00:00Z
  EXPECT_TRUE(when.ranges[0].selected);
  const index::FacetRequest& group = params->request.facets[2];
  EXPECT_EQ(group.field, "filetype");
  EXPECT_EQ(group.number_of_values, 3u);
  EXPECT_THAT(group.allowed_values, ElementsAre("pdf"));
}

TEST(SearchParamsTest, BadInputNamesThePlace) {
  EXPECT_THAT(ReadSearchParams(Post("{")).status().message(), HasSubstr("the body is not JSON"));
  EXPECT_THAT(ReadSearchParams(Post(R"({"numberOfResults":"ten"})")).status().message(),
              HasSubstr("'numberOfResults' must be a whole number"));
  EXPECT_THAT(ReadSearchParams(Post(R"({"facets":[{"field":"bad name"}]})")).status().message(),
              HasSubstr("facets[0].field must be a field name"));
  EXPECT_THAT(ReadSearchParams(Post(R"({"facets":[{"field":"date","type":"dateRange",
          "currentValues":[{"start":"soon","end":"later","state":"selected"}]}]})"))
                  .status()
                  .message(),
              HasSubstr("facets[0].currentValues[0].start must be a date"));
  EXPECT_THAT(ReadSearchParams(Post(R"({"enableQuerySyntax":"maybe"})")).status().message(),
              HasSubstr("'enableQuerySyntax' must be true or false"));
}

TEST(SearchParamsTest, UnknownParametersAreIgnored) {
  auto params = ReadSearchParams(Post(R"({"q":"x","searchHub":"web","debug":true,"locale":"fr"})"));
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->request.q, "x");
}

TEST(SearchParamsTest, SuggestParameters) {
  auto params = ReadSuggestParams(Post(R"({"q":"sea","count":3,"locale":"en"})"));
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->request.text, "sea");
  EXPECT_EQ(params->request.count, 3u);
  EXPECT_THAT(ReadSuggestParams(Post(R"({"count":-1})")).status().message(),
              HasSubstr("'count' must be a whole number"));
}

TEST(SearchParamsTest, CoveoDates) {
  EXPECT_EQ(FormatCoveoDate(1767225600000), "2026/01/01@00:00:00");
  EXPECT_EQ(FormatCoveoDate(-1), "1969/12/31@23:59:59");
}

}  // namespace
}  // namespace sluice::search
