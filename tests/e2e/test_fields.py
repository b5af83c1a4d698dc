"""Typed index fields against the real binary: a numeric and a date field created through
/rest, items pushed with that metadata, and field expressions, field sorts and typed `raw`
values in the Search API."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import SluiceTestCase  # noqa: E402

FIELDS = "/rest/organizations/local/indexes/fields"


class TypedFieldsTest(SluiceTestCase):
    def test_numeric_and_date_fields_filter_sort_and_show_as_numbers(self):
        s = self.sluice
        status, res = s.json("POST", f"{FIELDS}/batch/create",
                             [{"name": "price", "type": "LONG"},
                              {"name": "released", "type": "DATE"}])
        self.assertEqual(status, 204, res)
        items = {"http://shop/cheap": {"data": "gadget marmoset", "price": 3,
                                       "released": "Sun, 06 Nov 1994 08:49:37 GMT",
                                       "author": "Ann Lee"},
                 "http://shop/dear": {"data": "gadget marmoset", "price": 9,
                                      "released": "2002-01-31T11:53:12Z", "author": "Bob"}}
        for uri, body in items.items():
            self.assertEqual(s.put_document(uri, body)[0], 202)
        s.wait_for(lambda: s.search("marmoset")["totalCount"] == 2, what="both items")

        res = s.search("", aq="@price>5")
        self.assertEqual(res["totalCount"], 1, res)
        dear = res["results"][0]
        self.assertEqual(dear["uri"], "http://shop/dear")
        self.assertEqual(dear["raw"]["price"], 9)
        self.assertEqual(dear["raw"]["released"], 1012477992000)  # epoch ms
        self.assertEqual(dear["raw"]["author"], "Bob")

        self.assertEqual(s.search("marmoset", aq="@released<1995-01-01")["totalCount"], 1)
        self.assertEqual(s.search("", aq="@author==\"ann lee\"", cq="@price==1..5")
                         ["totalCount"], 1)
        self.assertEqual(s.search("gadget @author<>bob")["results"][0]["uri"], "http://shop/cheap")
        ordered = s.search("marmoset", sortCriteria="@price descending")["results"]
        self.assertEqual([r["uri"] for r in ordered], ["http://shop/dear", "http://shop/cheap"])
        ordered = s.search("marmoset", sortCriteria="@price ascending")["results"]
        self.assertEqual([r["uri"] for r in ordered], ["http://shop/cheap", "http://shop/dear"])

        # The same through the query string of a GET.
        query = urllib.parse.urlencode({"aq": "@price<5"})
        status, res = s.json("GET", f"/rest/search/v2?{query}")
        self.assertEqual(status, 200, res)
        self.assertEqual([r["uri"] for r in res["results"]], ["http://shop/cheap"])


if __name__ == "__main__":
    unittest.main()
