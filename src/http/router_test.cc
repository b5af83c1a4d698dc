#include "http/router.h"

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

Response Named(std::string name) { return Response::Json(200, std::move(name)); }

TEST(RouterTest, CapturesPathParametersAndFallsBack) {
  Router router;
  router.Add("PUT", "/push/v1/organizations/{org}/sources/{source}/documents",
             [](Request&) { return Named("doc"); });
  router.Add("*", "/blob/{org}/{id}", [](Request&) { return Named("any"); });
  router.SetNotFound([](Request&) { return Named("none"); });

  Request r;
  r.method = "PUT";
  r.path = "/push/v1/organizations/local/sources/src-1/documents";
  auto m = router.Find(r);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ((*m.handler)(r).body, "doc");
  EXPECT_EQ(r.path_params["org"], "local");
  EXPECT_EQ(r.path_params["source"], "src-1");

  r.method = "DELETE";
  r.path = "/blob/o/x";
  EXPECT_EQ((*router.Find(r).handler)(r).body, "any");

  r.path = "/push/v1/organizations/local";
  EXPECT_EQ((*router.Find(r).handler)(r).body, "none");
}

TEST(RouterTest, GuardRunsAroundRoutesAddedAfterIt) {
  Router router;
  router.Add("GET", "/before", [](Request&) { return Named("before"); });
  std::vector<std::string> observed;
  router.SetGuard(Router::Guard{[](const Request& r) -> std::optional<Response> {
                                  if (r.query == "refuse") return Response::Json(429, "refused");
                                  return std::nullopt;
                                },
                                [&observed](const Request& r, const Response& res) {
                                  observed.push_back(r.path + res.body);
                                }});
  router.Add("GET", "/after", [](Request&) { return Named("after"); });
  router.AddStreaming("PUT", "/upload",
                      [](Request&) -> std::variant<Response, std::unique_ptr<BodySink>> {
                        return Response::Json(403, "denied");
                      });

  Request r;
  r.method = "GET";
  r.path = "/before";
  r.query = "refuse";
  EXPECT_EQ((*router.Find(r).handler)(r).body, "before");  // added before SetGuard
  r.path = "/after";
  EXPECT_EQ((*router.Find(r).handler)(r).status, 429);
  r.query = "";
  EXPECT_EQ((*router.Find(r).handler)(r).body, "after");
  r.method = "PUT";
  r.path = "/upload";
  auto first = (*router.Find(r).streaming)(r);
  EXPECT_EQ(std::get<Response>(first).status, 403);
  r.query = "refuse";
  EXPECT_EQ(std::get<Response>((*router.Find(r).streaming)(r)).status, 429);
  EXPECT_EQ(observed, (std::vector<std::string>{"/afterafter", "/uploaddenied"}));
}

TEST(RequestTest, QueryParametersAreDecodedAndLenient) {
  Request r;
  r.query = "documentId=https%3A%2F%2Fx.com%2Fa%20b&orderingId=5&raw=http://y/100%&sp=a+b";
  EXPECT_EQ(*r.Query("documentId"), "https://x.com/a b");
  EXPECT_EQ(*r.Query("orderingId"), "5");
  EXPECT_EQ(*r.Query("raw"), "http://y/100%");
  EXPECT_EQ(*r.Query("sp"), "a b");
  EXPECT_FALSE(r.Query("missing").has_value());
  r.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(*r.Header("content-type"), "application/json");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_EQ(*PercentDecode("a%2Fb", false), "a/b");
  EXPECT_FALSE(PercentDecode("a%2", false).ok());
  EXPECT_FALSE(PercentDecode("a%zz", false).ok());
}

}  // namespace
}  // namespace sluice::http
