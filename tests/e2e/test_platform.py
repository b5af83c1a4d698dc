"""The Platform API subset under /rest against the real binary: sources, privilege
evaluation as the Node client asks for it, index fields (paged by 1000 like the
Node client), API keys with narrower privileges and source scopes, and that all
of it survives a restart."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import API_KEY, SluiceTestCase  # noqa: E402

ORG = "/rest/organizations/local"
FIELDS = f"{ORG}/indexes/fields"


def field_privilege(kind, org="local"):
    """The body the Node client sends before pushing (VIEW) and creating fields."""
    return {"organizationId": org,
            "requestedPrivilege": {"owner": "PLATFORM", "targetDomain": "FIELD",
                                   "type": kind, "targetId": "*"}}


class PlatformTestCase(SluiceTestCase):
    def create_source(self, name, source_type="PUSH", key=API_KEY, **extra):
        return self.sluice.create_source(name, source_type, key=key, **extra)

    def create_key(self, privileges, source_ids=None, name="test key"):
        return self.sluice.create_key(privileges, source_ids, name)


class SourcesTest(PlatformTestCase):
    def test_create_get_list_delete(self):
        s = self.sluice
        created = self.create_source("Catalog of things", "CATALOG", streamEnabled=True)
        source_id = created["id"]
        self.assertRegex(source_id, r"^local-[a-z0-9]{26}$")
        self.assertEqual(created["name"], "Catalog of things")
        self.assertEqual(created["sourceType"], "CATALOG")
        self.assertEqual(created["sourceVisibility"], "SECURED")
        self.assertTrue(created["streamEnabled"])

        status, listed = s.json("GET", f"{ORG}/sources")
        self.assertEqual(status, 200, listed)
        self.assertIn(source_id, [x["id"] for x in listed])
        self.assertIn("local-default", [x["id"] for x in listed])
        status, got = s.json("GET", f"{ORG}/sources/{source_id}")
        self.assertEqual((status, got), (200, created))

        status, _ = s.json("DELETE", f"{ORG}/sources/{source_id}")
        self.assertEqual(status, 204)
        self.assert_error(s.json("GET", f"{ORG}/sources/{source_id}"), 404, "SOURCE_NOT_FOUND",
                          source_id)
        self.assert_error(s.json("DELETE", f"{ORG}/sources/{source_id}"), 404,
                          "SOURCE_NOT_FOUND")
        self.assertNotIn(source_id, [x["id"] for x in s.json("GET", f"{ORG}/sources")[1]])

    def test_bad_requests_get_coveo_errors(self):
        s = self.sluice
        url = f"{ORG}/sources"
        self.assert_error(s.json("POST", url, {"sourceType": "WEB2", "name": "x"}), 412,
                          "INVALID_PARAMETER", "WEB2", "PUSH")
        self.assert_error(s.json("POST", url, {"sourceType": "PUSH"}), 412, "MISSING_PARAMETER",
                          "name")
        self.assert_error(s.json("POST", url, {"sourceType": "PUSH", "name": ""}), 412,
                          "MISSING_PARAMETER", "name")
        self.assert_error(s.json("POST", url, {"name": "x"}), 412, "MISSING_PARAMETER",
                          "sourceType")
        self.assert_error(s.json("POST", url, {"sourceType": "PUSH", "name": "x",
                                               "sourceVisibility": "PUBLIC"}),
                          412, "INVALID_PARAMETER", "PUBLIC")
        self.assert_error(s.json("POST", url, "{nope", {"Content-Type": "application/json"}),
                          400, "INVALID_JSON")
        self.assert_error(s.json("POST", url, {"sourceType": "PUSH", "name": "x"}, key=None),
                          401, "UNAUTHORIZED")
        self.assert_error(s.json("GET", url, key="xx-not-a-key"), 401, "INVALID_TOKEN")
        self.assert_error(s.json("GET", "/rest/organizations/nowhere/sources"), 404,
                          "ORGANIZATION_NOT_FOUND")
        names = [x["name"] for x in s.json("GET", url)[1]]
        self.assertNotIn("x", names, "no refused source may be created")

    def test_a_created_source_accepts_a_push(self):
        s = self.sluice
        source_id = self.create_source("Pushed by API")["id"]
        status, body = s.put_document("http://platform/doc1", {"data": "okapi platypus"},
                                      source=source_id)
        self.assertEqual(status, 202, body)
        res = s.wait_for(lambda: (r := s.search("platypus"))["totalCount"] == 1 and r,
                         what="the item pushed to the new source")
        self.assertEqual(res["results"][0]["raw"]["sourceid"], source_id)

        self.assertEqual(s.json("DELETE", f"{ORG}/sources/{source_id}")[0], 204)
        self.assert_error(s.put_document("http://platform/doc2", {"data": "x"},
                                         source=source_id),
                          412, "SOURCE_DOES_NOT_EXIST")
        s.wait_for(lambda: s.search("platypus")["totalCount"] == 0,
                   what="search to forget the deleted source")

    def test_source_pages(self):
        s = self.sluice
        for i in range(3):
            self.create_source(f"paged {i}")
        status, listed = s.json("GET", f"{ORG}/sources")
        total = len(listed)
        status, page = s.json("GET", f"{ORG}/sources/pages?page=0&perPage=2")
        self.assertEqual(status, 200, page)
        self.assertEqual(page["totalEntries"], total)
        self.assertEqual(page["totalPages"], (total + 1) // 2)
        self.assertEqual([x["id"] for x in page["items"]], [x["id"] for x in listed[:2]])
        self.assert_error(s.json("GET", f"{ORG}/sources/pages?perPage=0"), 412,
                          "INVALID_PARAMETER", "perPage")


class PrivilegeTest(PlatformTestCase):
    def evaluate(self, kind, key=API_KEY, org="local"):
        status, res = self.sluice.json("POST", "/rest/privilege/evaluate",
                                       field_privilege(kind, org), key=key)
        self.assertEqual(status, 200, res)
        return res

    def test_admin_key_is_approved_as_the_node_client_checks(self):
        for kind in ("VIEW", "CREATE", "EDIT"):
            res = self.evaluate(kind)
            self.assertIs(res["approved"], True, res)
            self.assertEqual(res["evaluationReport"], "OPERATION_GRANTED")
            self.assertEqual(res["requestedPrivilege"], field_privilege(kind)["requestedPrivilege"])
            self.assertEqual(res["organizationId"], "local")

    def test_narrow_keys(self):
        push_key = self.create_key(["push"])["value"]
        fields_key = self.create_key(["fields"])["value"]
        search_key = self.create_key(["search"])["value"]
        self.assertIs(self.evaluate("VIEW", push_key)["approved"], True)
        self.assertIs(self.evaluate("CREATE", push_key)["approved"], False)
        self.assertEqual(self.evaluate("EDIT", push_key)["evaluationReport"],
                         "OPERATION_NOT_ALLOWED")
        for kind in ("VIEW", "CREATE", "EDIT"):
            self.assertIs(self.evaluate(kind, fields_key)["approved"], True, kind)
            self.assertIs(self.evaluate(kind, search_key)["approved"], False, kind)

    def test_other_organization_and_bad_requests(self):
        s = self.sluice
        res = self.evaluate("VIEW", org="someone-else")
        self.assertIs(res["approved"], False)
        self.assertEqual(res["evaluationReport"],
                         "OPERATION_FORBIDDEN_FOR_AUTHENTICATION_BOUND_TO_DIFFERENT_ORGANIZATION")
        self.assert_error(s.json("POST", "/rest/privilege/evaluate", field_privilege("VIEW"),
                                 key=None), 401, "UNAUTHORIZED")
        self.assert_error(s.json("POST", "/rest/privilege/evaluate", {"organizationId": "local"}),
                          412, "MISSING_PARAMETER", "requestedPrivilege")
        # Without organizationId the key's own organization is meant (platform-client adds it).
        status, res = s.json("POST", "/rest/privilege/evaluate",
                             {"requestedPrivilege": field_privilege("VIEW")["requestedPrivilege"]})
        self.assertEqual((status, res["approved"], res["organizationId"]), (200, True, "local"))


class FieldsTest(PlatformTestCase):
    def list_all(self, per_page=1000):
        """Pages like the Node client's listAllFieldsFromOrg."""
        fields, page = [], 0
        while True:
            status, res = self.sluice.json(
                "GET", f"{ORG}/indexes/page/fields?page={page}&perPage={per_page}")
            self.assertEqual(status, 200, res)
            fields.extend(res["items"])
            if page >= res["totalPages"] - 1:
                return fields, res
            page += 1

    def test_1_system_fields_are_listed(self):
        fields, res = self.list_all()
        by_name = {f["name"]: f for f in fields}
        for name in ("title", "date", "size", "filetype", "source", "permanentid", "uri",
                     "clickableuri", "indexeddate"):
            self.assertIn(name, by_name)
            self.assertIs(by_name[name]["system"], True)
        self.assertEqual(by_name["permanentid"]["type"], "STRING")
        self.assertEqual(res["totalEntries"], len(fields))
        status, title = self.sluice.json("GET", f"{FIELDS}/title")
        self.assertEqual((status, title["system"]), (200, True))

    def test_2_batches_of_500_then_pages_of_1000(self):
        s = self.sluice
        _, before = self.list_all()
        names = [f"meta_{i:04d}" for i in range(1200)]
        for chunk in range(0, len(names), 500):
            batch = [{"name": n, "type": "LONG" if i % 3 else "STRING"}
                     for i, n in enumerate(names[chunk:chunk + 500], chunk)]
            status, body = s.json("POST", f"{FIELDS}/batch/create", batch)
            self.assertEqual(status, 204, body)
        status, first = s.json("GET", f"{ORG}/indexes/page/fields?page=0&perPage=1000")
        self.assertEqual(status, 200, first)
        total = before["totalEntries"] + 1200
        self.assertEqual(first["totalEntries"], total)
        self.assertEqual(first["totalPages"], (total + 999) // 1000)
        self.assertEqual(len(first["items"]), 1000)
        fields, _ = self.list_all()
        listed = [f["name"] for f in fields]
        self.assertEqual(len(listed), total)
        self.assertEqual(len(set(listed)), total, "no field may be listed twice")
        self.assertTrue(set(names) <= set(listed))
        self.assertEqual(listed, sorted(listed))
        by_name = {f["name"]: f for f in fields}
        self.assertEqual(by_name["meta_0001"]["type"], "LONG")
        self.assertIs(by_name["meta_0001"]["facet"], True)
        self.assertIs(by_name["meta_0000"]["facet"], False)
        self.assert_error(s.json("GET", f"{ORG}/indexes/page/fields?perPage=1001"), 412,
                          "INVALID_PARAMETER", "perPage", "1001")
        status, res = s.json("POST", f"{FIELDS}/search",
                             {"page": 0, "perPage": 10,
                              "filters": {"name": "meta_119", "type": "LONG"}})
        self.assertEqual(status, 200, res)
        self.assertEqual([f["name"] for f in res["items"]],
                         [f"meta_{i:04d}" for i in range(1190, 1200) if i % 3])
        for chunk in range(0, len(names), 200):  # whole URLs stay under the header limit
            deleted = "&".join(f"fields={n}" for n in names[chunk:chunk + 200])
            self.assertEqual(s.json("DELETE", f"{FIELDS}/batch/delete?{deleted}")[0], 204)
        self.assertEqual(self.list_all()[1]["totalEntries"], before["totalEntries"])

    def test_3_one_field_through_its_life(self):
        s = self.sluice
        model = {"name": "price", "type": "DOUBLE", "description": "Price in CAD",
                 "useCacheForNumericQuery": True}
        self.assertEqual(s.json("POST", FIELDS, model)[0], 204)
        status, got = s.json("GET", f"{FIELDS}/price")
        self.assertEqual(status, 200, got)
        self.assertEqual((got["type"], got["description"], got["useCacheForNumericQuery"],
                          got["system"], got["sort"]),
                         ("DOUBLE", "Price in CAD", True, False, True))
        self.assert_error(s.json("POST", FIELDS, model), 409, "FIELD_ALREADY_EXISTS", "price")
        self.assert_error(s.json("POST", f"{FIELDS}/batch/create",
                                 [{"name": "fresh", "type": "STRING"}, model]),
                          409, "FIELD_ALREADY_EXISTS", "price")
        self.assertEqual(s.json("GET", f"{FIELDS}/fresh")[0], 404, "the batch must be atomic")

        self.assertEqual(s.json("PUT", f"{FIELDS}/price",
                                {"type": "DOUBLE", "description": "Price in USD"})[0], 204)
        self.assertEqual(s.json("GET", f"{FIELDS}/price")[1]["description"], "Price in USD")
        self.assert_error(s.json("PUT", f"{FIELDS}/price", {"name": "cost", "type": "DOUBLE"}),
                          412, "INVALID_PARAMETER", "renamed")
        self.assert_error(s.json("PUT", f"{FIELDS}/ghost", {"type": "LONG"}), 404,
                          "FIELD_NOT_FOUND", "ghost")
        self.assertEqual(s.json("PUT", f"{FIELDS}/batch/update",
                                [{"name": "price", "type": "LONG_64"}])[0], 204)
        self.assertEqual(s.json("GET", f"{FIELDS}/price")[1]["type"], "LONG_64")
        self.assert_error(s.json("PUT", f"{FIELDS}/batch/update",
                                 [{"name": "price", "type": "DOUBLE"}, {"name": "ghost"}]),
                          404, "FIELD_NOT_FOUND", "ghost")
        self.assertEqual(s.json("GET", f"{FIELDS}/price")[1]["type"], "LONG_64")

        self.assert_error(s.json("DELETE", f"{FIELDS}/batch/delete?fields=price&fields=ghost"),
                          404, "FIELD_NOT_FOUND", "ghost")
        self.assertEqual(s.json("GET", f"{FIELDS}/price")[0], 200)
        self.assertEqual(s.json("DELETE", f"{FIELDS}/price")[0], 204)
        self.assert_error(s.json("GET", f"{FIELDS}/price"), 404, "FIELD_NOT_FOUND", "price")
        self.assert_error(s.json("DELETE", f"{FIELDS}/price"), 404, "FIELD_NOT_FOUND")

    def test_4_validation(self):
        s = self.sluice
        self.assert_error(s.json("POST", FIELDS, {"name": "Price", "type": "LONG"}), 412,
                          "INVALID_PARAMETER", "Price", "^[a-z][a-z0-9_]{0,254}$")
        self.assert_error(s.json("POST", FIELDS, {"name": "p", "type": "INTEGER"}), 412,
                          "INVALID_PARAMETER", "INTEGER", "LONG_64")
        self.assert_error(s.json("POST", f"{FIELDS}/batch/create",
                                 [{"name": "ok_one"}, {"name": "bad-one"}]),
                          412, "INVALID_PARAMETER", "#2", "bad-one")
        self.assertEqual(s.json("GET", f"{FIELDS}/ok_one")[0], 404)
        self.assert_error(s.json("POST", f"{FIELDS}/batch/create", {"name": "x"}), 412,
                          "INVALID_PARAMETER", "array")
        self.assert_error(s.json("POST", FIELDS, {"name": "title", "type": "STRING"}), 409,
                          "FIELD_ALREADY_EXISTS", "title")
        self.assert_error(s.json("DELETE", f"{FIELDS}/title"), 412, "SYSTEM_FIELD", "title")
        self.assert_error(s.json("PUT", f"{FIELDS}/date", {"type": "DATE"}), 412, "SYSTEM_FIELD")
        self.assert_error(s.json("DELETE", f"{FIELDS}/batch/delete"), 412, "MISSING_PARAMETER",
                          "fields")


class ApiKeysTest(PlatformTestCase):
    def test_search_key_cannot_create_fields_or_sources(self):
        s = self.sluice
        created = self.create_key(["search"], name="search only")
        self.assertEqual(created["privileges"], ["search"])
        self.assertEqual(created["displayName"], "search only")
        self.assertRegex(created["value"], r"^xx[0-9a-f-]{36}$")
        key = created["value"]
        self.assert_error(s.json("POST", f"{FIELDS}/batch/create",
                                 [{"name": "nope", "type": "STRING"}], key=key),
                          403, "ACCESS_DENIED", "CREATE on FIELD", "'fields'")
        self.assert_error(s.json("POST", FIELDS, {"name": "nope"}, key=key), 403,
                          "ACCESS_DENIED")
        self.assert_error(s.json("GET", f"{ORG}/indexes/page/fields", key=key), 403,
                          "ACCESS_DENIED", "VIEW on FIELD")
        self.assert_error(s.json("POST", f"{ORG}/sources", {"sourceType": "PUSH", "name": "n"},
                                 key=key), 403, "ACCESS_DENIED", "CREATE on SOURCE", "'admin'")
        self.assert_error(s.json("POST", f"{ORG}/apikeys", {"privileges": ["admin"]}, key=key),
                          403, "ACCESS_DENIED")
        self.assertEqual(s.json("GET", f"{FIELDS}/nope")[0], 404)
        self.assertEqual(s.json("GET", f"{ORG}/sources", key=key)[0], 200)
        status, res = s.json("POST", "/rest/search/v2", {"q": "anything"}, key=key)
        self.assertEqual(status, 200, res)
        self.assert_error(s.json("PUT", "/push/v1/organizations/local/sources/local-default/"
                                 "documents?documentId=http://k/1", {"data": "x"}, key=key),
                          403, "ACCESS_DENIED", "push")

    def test_fields_key_manages_fields_only(self):
        s = self.sluice
        key = self.create_key(["fields"])["value"]
        self.assertEqual(s.json("POST", FIELDS, {"name": "by_fields_key"}, key=key)[0], 204)
        self.assertEqual(s.json("GET", f"{FIELDS}/by_fields_key", key=key)[0], 200)
        self.assertEqual(s.json("DELETE", f"{FIELDS}/by_fields_key", key=key)[0], 204)
        self.assert_error(s.json("DELETE", f"{ORG}/sources/local-default", key=key), 403,
                          "ACCESS_DENIED")

    def test_list_and_delete_keys(self):
        s = self.sluice
        created = self.create_key(["push", "search", "push"], name="to delete")
        self.assertEqual(created["privileges"], ["push", "search"])
        status, keys = s.json("GET", f"{ORG}/apikeys")
        self.assertEqual(status, 200, keys)
        mine = [k for k in keys if k["id"] == created["id"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["displayName"], "to delete")
        self.assertTrue(all("value" not in k for k in keys), "values are shown only once")
        self.assertEqual(s.json("GET", "/rest/search/v2?q=x", key=created["value"])[0], 200)
        self.assertEqual(s.json("DELETE", f"{ORG}/apikeys/{created['id']}")[0], 204)
        self.assert_error(s.json("GET", "/rest/search/v2?q=x", key=created["value"]), 401,
                          "INVALID_TOKEN")
        self.assert_error(s.json("DELETE", f"{ORG}/apikeys/{created['id']}"), 404,
                          "API_KEY_NOT_FOUND")

    def test_bad_key_requests(self):
        s = self.sluice
        url = f"{ORG}/apikeys"
        self.assert_error(s.json("POST", url, {"displayName": "x"}), 412, "MISSING_PARAMETER",
                          "privileges")
        self.assert_error(s.json("POST", url, {"privileges": []}), 412, "INVALID_PARAMETER")
        self.assert_error(s.json("POST", url, {"privileges": ["superuser"]}), 412,
                          "INVALID_PARAMETER", "superuser", "admin")
        self.assert_error(s.json("POST", url, {"privileges": ["push"], "sourceIds": ["ghost"]}),
                          412, "SOURCE_DOES_NOT_EXIST", "ghost")

    def test_scoped_key_pushes_only_to_its_sources(self):
        s = self.sluice
        mine = self.create_source("Scoped A")["id"]
        other = self.create_source("Scoped B")["id"]
        created = self.create_key(["push"], source_ids=[mine])
        self.assertEqual(created["sourceIds"], [mine])
        key = created["value"]

        def push(source):
            q = urllib.parse.urlencode({"documentId": f"http://scoped/{source}"})
            return s.json("PUT", f"/push/v1/organizations/local/sources/{source}/documents?{q}",
                          {"data": "scoped wombat"}, key=key)

        self.assertEqual(push(mine)[0], 202)
        self.assert_error(push(other), 403, "ACCESS_DENIED", other, mine)
        self.assert_error(push("local-default"), 403, "ACCESS_DENIED")
        status, container = s.json("POST", "/push/v1/organizations/local/files", {}, key=key)
        self.assertEqual(status, 201, container)

    def test_scoped_key_searches_only_its_sources(self):
        s = self.sluice
        mine = self.create_source("Search A")["id"]
        other = self.create_source("Search B")["id"]
        for source in (mine, other):
            q = urllib.parse.urlencode({"documentId": f"http://scopedsearch/{source}"})
            status, _ = s.json("PUT", f"/push/v1/organizations/local/sources/{source}/documents?{q}",
                               {"data": "scoped pangolin"})
            self.assertEqual(status, 202)
        s.wait_for(lambda: s.search("pangolin")["totalCount"] == 2, what="both items indexed")
        key = self.create_key(["search"], source_ids=[mine])["value"]
        status, body = s.json("POST", "/rest/search/v2", {"q": "pangolin"}, key=key)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["uri"] for r in body["results"]], [f"http://scopedsearch/{mine}"])


class RestartTest(PlatformTestCase):
    def test_everything_survives_a_restart(self):
        s = self.sluice
        source_id = self.create_source("Durable")["id"]
        self.assertEqual(s.json("POST", FIELDS, {"name": "durable", "type": "DATE"})[0], 204)
        key = self.create_key(["fields"], name="durable key")["value"]
        s.stop()
        s.start()
        self.assertEqual(s.json("GET", f"{ORG}/sources/{source_id}")[1]["name"], "Durable")
        status, field = s.json("GET", f"{FIELDS}/durable", key=key)
        self.assertEqual((status, field["type"]), (200, "DATE"))


if __name__ == "__main__":
    unittest.main()
