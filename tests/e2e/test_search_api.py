"""The Search API v2 over HTTP against the real binary: the three ways parameters arrive
(JSON, form body, query string), facets and groupBy in Coveo's shapes, fieldsToInclude and
fieldsToExclude, highlights, lq/dq, 400s that say where an expression is wrong, and the CORS
preflight a search page on another origin sends."""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import SluiceTestCase  # noqa: E402

ITEMS = [
    ("https://example.com/a", "Apples and pears", "ada", "2026-01-10T00:00:00Z"),
    ("https://example.com/b", "Pears only", "ada", "2026-02-10T00:00:00Z"),
    ("https://example.com/c", "Cherries", "bob", "2026-03-10T00:00:00Z"),
]


class SearchApiTest(SluiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for uri, title, author, date in ITEMS:
            status, res = cls.sluice.put_document(uri, {
                "title": title, "data": f"{title}. Grown by {author}.", "author": author,
                "published": date})
            assert status == 202, res
        cls.sluice.wait_for(lambda: cls.sluice.search("")["totalCount"] == len(ITEMS),
                            what="the items to be indexed")

    def titles(self, res):
        return sorted(r["title"] for r in res["results"])

    def test_parameters_as_json_form_and_query_string(self):
        s = self.sluice
        self.assertEqual(self.titles(s.search("pears")), ["Apples and pears", "Pears only"])
        form = urllib.parse.urlencode({"q": "pears", "aq": "@author==ada", "numberOfResults": 1})
        status, _, data = s.request("POST", "/rest/search/v2", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, data)
        res = __import__("json").loads(data)
        self.assertEqual(res["totalCount"], 2)
        self.assertEqual(len(res["results"]), 1)
        query = urllib.parse.urlencode({"q": "cherries", "firstResult": 0})
        status, res = s.json("GET", f"/rest/search/v2?{query}")
        self.assertEqual(status, 200, res)
        self.assertEqual(self.titles(res), ["Cherries"])

    def test_facets_and_group_by(self):
        res = self.sluice.search("", facets=[
            {"facetId": "who", "field": "author", "type": "specific", "numberOfValues": 10,
             "currentValues": [{"value": "bob", "state": "selected"}]},
            {"facetId": "when", "field": "date", "type": "dateRange",
             "generateAutomaticRanges": True, "numberOfValues": 2}],
            groupBy=[{"field": "@author", "maximumNumberOfValues": 5}])
        self.assertEqual(self.titles(res), ["Cherries"])
        who = res["facets"][0]
        self.assertEqual(who["facetId"], "who")
        self.assertEqual({v["value"]: (v["numberOfResults"], v["state"]) for v in who["values"]},
                         {"ada": (2, "idle"), "bob": (1, "selected")})
        when = res["facets"][1]
        self.assertEqual(sum(v["numberOfResults"] for v in when["values"]), 1)
        self.assertRegex(when["values"][0]["start"], r"^\d{4}/\d\d/\d\d@\d\d:\d\d:\d\d$")
        group = res["groupByResults"][0]
        self.assertEqual(group["field"], "author")
        self.assertEqual([(v["value"], v["numberOfResults"]) for v in group["values"]],
                         [("bob", 1)])

    def test_fields_to_include_and_exclude(self):
        res = self.sluice.search("cherries", fieldsToInclude=["author", "@title"])
        self.assertEqual(set(res["results"][0]["raw"]), {"author", "title"})
        res = self.sluice.search("cherries", fieldsToExclude=["author"])
        raw = res["results"][0]["raw"]
        self.assertNotIn("author", raw)
        self.assertIn("sysuri", raw)

    def test_highlights(self):
        hit = self.sluice.search("cherries")["results"][0]
        self.assertEqual(hit["titleHighlights"], [{"offset": 0, "length": 8}])
        excerpt = hit["excerpt"]
        self.assertTrue(hit["excerptHighlights"])
        for h in hit["excerptHighlights"]:
            self.assertEqual(excerpt[h["offset"]:h["offset"] + h["length"]].lower(), "cherries")

    def test_large_and_disjunction_queries(self):
        self.assertEqual(self.titles(self.sluice.search("", lq="cherries bananas kiwis")),
                         ["Cherries"])
        self.assertEqual(self.titles(self.sluice.search("", aq="@author==bob",
                                                        dq="@title==\"Pears only\"")),
                         ["Cherries", "Pears only"])

    def test_relative_dates(self):
        # Items are dated when Sluice received them: just now.
        self.assertEqual(self.sluice.search("", aq="@date>=today-1d")["totalCount"], len(ITEMS))
        self.assertEqual(self.sluice.search("", aq="@date<now-1y")["totalCount"], 0)

    def test_malformed_expressions_are_400_saying_where(self):
        status, res = self.sluice.json("POST", "/rest/search/v2", {"aq": "@author== OR x"})
        self.assertEqual(status, 400, res)
        self.assertEqual(res["statusCode"], 400)
        self.assertIn("aq: the field expression at character 1", res["message"])
        status, res = self.sluice.json("POST", "/rest/search/v2", {"cq": "(pears"})
        self.assertEqual(status, 400, res)
        self.assertIn("never closed", res["message"])
        status, res = self.sluice.json("POST", "/rest/search/v2", {"facets": [{"field": "a b"}]})
        self.assertEqual(status, 400, res)
        self.assertIn("facets[0].field", res["message"])

    def test_query_suggestions(self):
        status, res = self.sluice.json("POST", "/rest/search/v2/querySuggest",
                                       {"q": "ripe che", "count": 5})
        self.assertEqual(status, 200, res)
        self.assertEqual([c["expression"] for c in res["completions"]], ["ripe cherries"])
        self.assertEqual(res["completions"][0]["highlighted"], "{ripe che}[rries]")
        status, res = self.sluice.json("GET", "/rest/search/v2/querySuggest?q=zzz")
        self.assertEqual(status, 200, res)
        self.assertEqual(res["completions"], [])
        status, res = self.sluice.json("POST", "/rest/search/v2/querySuggest", {"q": "p"},
                                       key="wrong")
        self.assertEqual(status, 401, res)

    def test_cors_preflight_and_headers(self):
        status, headers, _ = self.sluice.request(
            "OPTIONS", "/rest/search/v2", None,
            {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,content-type"}, key=None)
        self.assertEqual(status, 204)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        self.assertIn("Authorization", headers.get("Access-Control-Allow-Headers", ""))
        status, headers, _ = self.sluice.request("POST", "/rest/search/v2", {"q": "pears"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")


if __name__ == "__main__":
    import unittest
    unittest.main()
