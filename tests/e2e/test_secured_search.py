"""Secured search against the real binary: the `impersonate` and `viewallcontent` privileges,
search tokens from POST /rest/search/v2/token, and who sees which item when searching with a
token or a key (SecuredSearchTest, which needs the Search API to filter by the caller's viewer).
"""

import base64
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import API_KEY, Sluice  # noqa: E402
from test_platform import PlatformTestCase  # noqa: E402

ORG = "/rest/organizations/local"
TOKEN = "/rest/search/v2/token"
PUSH = "/push/v1/organizations/local"
EMAIL = "Email Security Provider"


def jwt_part(token, index):
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def user(name, provider=None, type_=None):
    u = {"name": name}
    if provider is not None:
        u["provider"] = provider
    if type_ is not None:
        u["type"] = type_
    return u


class SecuredTestCase(PlatformTestCase):
    def issue(self, key, body, query=""):
        return self.sluice.json("POST", TOKEN + query, body, key=key)

    def token_for(self, key, *users, **extra):
        status, res = self.issue(key, dict(userIds=list(users), **extra))
        self.assertEqual(status, 200, res)
        return res["token"]


class PrivilegesTest(SecuredTestCase):
    def evaluate(self, key, domain):
        body = {"organizationId": "local",
                "requestedPrivilege": {"owner": "SEARCH_API", "targetDomain": domain,
                                       "type": "ENABLE", "targetId": "*"}}
        status, res = self.sluice.json("POST", "/rest/privilege/evaluate", body, key=key)
        self.assertEqual(status, 200, res)
        return res["approved"]

    def test_new_keys_take_the_new_privileges(self):
        created = self.create_key(["impersonate", "viewallcontent", "search"])
        self.assertEqual(sorted(created["privileges"]), ["impersonate", "search", "viewallcontent"])
        listed = {k["id"]: k for k in self.sluice.json("GET", f"{ORG}/apikeys")[1]}
        self.assertEqual(sorted(listed[created["id"]]["privileges"]),
                         ["impersonate", "search", "viewallcontent"])
        self.assert_error(self.sluice.json("POST", f"{ORG}/apikeys",
                                           {"displayName": "x", "privileges": ["impersonation"]}),
                          412, "INVALID_PARAMETER", "impersonation", "impersonate",
                          "viewallcontent")

    def test_privilege_evaluation_names_the_search_api_privileges(self):
        impersonate = self.create_key(["impersonate"])["value"]
        view_all = self.create_key(["viewallcontent"])["value"]
        search = self.create_key(["search"])["value"]
        self.assertIs(self.evaluate(impersonate, "IMPERSONATE_SEARCH_API"), True)
        self.assertIs(self.evaluate(impersonate, "VIEW_ALL_CONTENT"), False)
        self.assertIs(self.evaluate(view_all, "VIEW_ALL_CONTENT"), True)
        self.assertIs(self.evaluate(view_all, "IMPERSONATE_SEARCH_API"), False)
        self.assertIs(self.evaluate(search, "IMPERSONATE_SEARCH_API"), False)
        self.assertIs(self.evaluate(search, "VIEW_ALL_CONTENT"), False)
        self.assertIs(self.evaluate(API_KEY, "IMPERSONATE_SEARCH_API"), True)  # admin
        self.assertIs(self.evaluate(API_KEY, "VIEW_ALL_CONTENT"), True)


class TokenEndpointTest(SecuredTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, res = cls.sluice.json("POST", f"{ORG}/apikeys",
                                      {"displayName": "backend", "privileges": ["impersonate"],
                                       "sourceIds": ["local-default"]})
        assert status == 201, res
        cls.key_id, cls.key = res["id"], res["value"]

    def test_401_without_a_valid_key(self):
        body = {"userIds": [user("alice@example.com")]}
        self.assert_error(self.issue(None, body), 401, "UNAUTHORIZED")
        self.assert_error(self.issue("xx-not-a-key", body), 401, "INVALID_TOKEN")
        # A search token is no key: it cannot issue tokens.
        token = self.token_for(self.key, user("alice@example.com"))
        self.assert_error(self.issue(token, body), 401, "INVALID_TOKEN")

    def test_403_without_impersonate(self):
        body = {"userIds": [user("alice@example.com")]}
        for privileges in (["search"], ["push", "fields", "search", "viewallcontent"]):
            key = self.create_key(privileges)["value"]
            self.assert_error(self.issue(key, body), 403, "ACCESS_DENIED", "impersonate")
        self.assert_error(self.issue(self.key, body, "?organizationId=nowhere"), 404,
                          "ORGANIZATION_NOT_FOUND")

    def test_400_names_the_bad_field(self):
        def bad(body, error_code, *words):
            self.assert_error(self.issue(self.key, body), 400, error_code, *words)

        bad({}, "MISSING_PARAMETER", "userIds")
        bad({"userDisplayName": "Alice"}, "MISSING_PARAMETER", "userIds")
        bad({"userIds": []}, "INVALID_PARAMETER", "userIds")
        bad({"userIds": "alice@example.com"}, "INVALID_PARAMETER", "userIds")
        bad({"userIds": [user("alice@example.com"), {"provider": EMAIL}]}, "INVALID_PARAMETER",
            "userIds[1].name")
        bad({"userIds": [user("")]}, "INVALID_PARAMETER", "userIds[0].name")
        bad({"userIds": [user("a", type_="Robot")]}, "INVALID_PARAMETER", "userIds[0].type",
            "Robot")
        bad({"userIds": [user("a")], "validFor": 1000}, "INVALID_PARAMETER", "validFor",
            "900000")
        bad({"userIds": [user("a")], "validFor": 86400001}, "INVALID_PARAMETER", "validFor",
            "86400000")
        bad({"userIds": [user("a")], "filter": 3}, "INVALID_PARAMETER", "filter")
        bad({"userIds": [user(f"u{i}") for i in range(101)]}, "INVALID_PARAMETER", "userIds",
            "100")
        bad({"userIds": [user("a")], "filter": "@x==" + "y" * 20000}, "INVALID_PARAMETER",
            "Authorization header")
        self.assert_error(self.sluice.json("POST", TOKEN, "{nope", key=self.key,
                                           headers={"Content-Type": "application/json"}),
                          400, "INVALID_JSON")
        self.assert_error(self.sluice.json("POST", TOKEN, None, key=self.key), 400,
                          "MISSING_PARAMETER", "userIds")

    def test_an_impersonate_key_gets_a_signed_token(self):
        status, res = self.issue(self.key, {
            "userIds": [user("alice@example.com"),
                        user("Sales", provider="Corp", type_="virtual_group")],
            "validFor": 3600000, "searchHub": "SupportHub", "filter": "@source==KB",
            "userDisplayName": "Alice Smith", "pipeline": "internal",
            "salesforceUser": "ignored"})
        self.assertEqual(status, 200, res)
        self.assertEqual(list(res), ["token"])
        token = res["token"]
        self.assertEqual(jwt_part(token, 0), {"alg": "HS256", "typ": "JWT"})
        claims = jwt_part(token, 1)
        self.assertEqual(claims["organization"], "local")
        self.assertEqual(claims["apiKeyId"], self.key_id)
        self.assertEqual(claims["sourceIds"], ["local-default"])
        self.assertEqual(claims["userIds"], [
            {"name": "alice@example.com", "provider": EMAIL, "type": "User"},
            {"name": "Sales", "provider": "Corp", "type": "VirtualGroup"}])
        self.assertEqual(claims["exp"] - claims["iat"], 3600)
        self.assertEqual((claims["searchHub"], claims["filter"], claims["userDisplayName"],
                          claims["pipeline"]),
                         ("SupportHub", "@source==KB", "Alice Smith", "internal"))
        self.assertEqual(len(base64.urlsafe_b64decode(token.split(".")[2] + "=")), 32)

    def test_defaults_keys_in_any_case_and_the_admin_key(self):
        token = self.token_for(API_KEY, {"Name": "bob@example.com"})  # admin implies impersonate
        claims = jwt_part(token, 1)
        self.assertEqual(claims["userIds"], [{"name": "bob@example.com", "provider": EMAIL,
                                              "type": "User"}])
        self.assertEqual(claims["exp"] - claims["iat"], 24 * 3600)  # Coveo's default and maximum
        self.assertEqual(claims["sourceIds"], [])
        self.assertNotIn("filter", claims)
        token = self.token_for(self.key, user("bob@example.com"), ValidFor=900000)
        self.assertEqual(jwt_part(token, 1)["exp"] - jwt_part(token, 1)["iat"], 900)

    def test_the_signing_key_is_private_to_the_data_dir(self):
        path = os.path.join(self.sluice.data_dir, "keys", "search-token.key")
        info = os.stat(path)
        self.assertEqual(stat.S_IMODE(info.st_mode), 0o600)
        self.assertEqual(info.st_size, 32)
        with open(path, "rb") as f:
            secret = f.read()
        with open(self.sluice.log_path, "rb") as f:
            self.assertNotIn(secret, f.read())


# Items pushed to local-default, and who may see them. Every item holds the word "okapi".
ITEMS = {
    "http://secured/public": None,
    "http://secured/anonymous": [{"allowAnonymous": True, "allowedPermissions": [],
                                  "deniedPermissions": []}],
    "http://secured/alice": [{"allowedPermissions": [
        {"identity": "alice@example.com", "identityType": "User"}]}],
    "http://secured/bob": [{"allowedPermissions": [
        {"identity": "bob@example.com", "identityType": "User",
         "securityProvider": EMAIL}]}],
    "http://secured/sales": [{"allowedPermissions": [
        {"identity": "Sales", "identityType": "Group", "securityProvider": "Corp"}]}],
    "http://secured/sales-but-not-carol": [{"allowedPermissions": [
        {"identity": "Sales", "identityType": "Group", "securityProvider": "Corp"}],
        "deniedPermissions": [{"identity": "carol@example.com", "identityType": "User"}]}],
}
RED = {"http://secured/alice", "http://secured/public"}
PUBLIC = {"http://secured/public", "http://secured/anonymous"}


class SecuredSearchTest(SecuredTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.sluice
        status, res = s.json("PUT", f"{PUSH}/providers/Corp/permissions", {
            "identity": {"name": "Sales", "type": "GROUP"},
            "members": [{"name": "alice@example.com", "type": "USER"},
                        {"name": "carol@example.com", "type": "USER"}]})
        assert status == 202, res
        for uri, permissions in ITEMS.items():
            body = {"data": f"okapi item {uri}", "title": uri,
                    "color": "red" if uri in RED else "blue"}
            if permissions is not None:
                body["permissions"] = permissions
            status, res = s.put_document(uri, body)
            assert status == 202, res
        status, res = s.json("POST", f"{ORG}/apikeys",
                             {"displayName": "backend", "privileges": ["impersonate"]})
        assert status == 201, res
        cls.key_id, cls.key = res["id"], res["value"]
        s.wait_for(lambda: s.search("okapi", numberOfResults=100)["totalCount"] == len(ITEMS),
                   what="every secured item indexed (the admin key sees all)")

    def seen(self, credential, **params):
        status, res = self.sluice.json("POST", "/rest/search/v2",
                                       dict(q="okapi", numberOfResults=100, **params),
                                       key=credential)
        self.assertEqual(status, 200, res)
        self.assertEqual(res["totalCount"], len(res["results"]))
        return {r["uri"] for r in res["results"]}

    def test_each_user_sees_what_permissions_allow(self):
        alice = self.token_for(self.key, user("alice@example.com"))
        bob = self.token_for(self.key, user("bob@example.com", provider=EMAIL, type_="User"))
        carol = self.token_for(self.key, user("CAROL@example.com"))  # names fold case
        dave = self.token_for(self.key, user("dave@example.com"))
        self.assertEqual(self.seen(alice), PUBLIC | {
            "http://secured/alice", "http://secured/sales", "http://secured/sales-but-not-carol"})
        self.assertEqual(self.seen(bob), PUBLIC | {"http://secured/bob"})
        self.assertEqual(self.seen(carol), PUBLIC | {"http://secured/sales"})
        self.assertEqual(self.seen(dave), PUBLIC)

    def test_keys_see_anonymous_items_unless_they_may_view_all_content(self):
        search = self.create_key(["search"])["value"]
        view_all = self.create_key(["search", "viewallcontent"])["value"]
        self.assertEqual(self.seen(search), PUBLIC)
        self.assertEqual(self.seen(view_all), set(ITEMS))
        self.assertEqual(self.seen(API_KEY), set(ITEMS))  # admin
        # The console's item list names secured items too: view-all keys only.
        items = "/api/v1/organizations/local/sources/local-default/items"
        self.assert_error(self.sluice.json("GET", items, key=search), 403, "ACCESS_DENIED",
                          "viewallcontent")
        status, res = self.sluice.json("GET", items, key=view_all)
        self.assertEqual(status, 200, res)
        self.assertTrue(set(ITEMS) <= {i["uri"] for i in res["items"]}, res)

    def test_the_token_filter_applies_to_every_search(self):
        alice = self.token_for(self.key, user("alice@example.com"), filter="@color==red")
        self.assertEqual(self.seen(alice), RED)
        self.assertEqual(self.seen(alice, cq="@color==blue"), set())

    def test_a_token_also_works_as_access_token(self):
        alice = self.token_for(self.key, user("alice@example.com"))
        status, res = self.sluice.json("GET", f"/rest/search/v2?q=okapi&numberOfResults=100"
                                              f"&access_token={alice}", key=None)
        self.assertEqual(status, 200, res)
        self.assertIn("http://secured/alice", {r["uri"] for r in res["results"]})
        self.assertNotIn("http://secured/bob", {r["uri"] for r in res["results"]})

    def test_refused_tokens(self):
        alice = self.token_for(self.key, user("alice@example.com"))
        # Another user in the claims, the signature kept: refused, never searched as bob.
        header, payload, signature = alice.split(".")
        claims = jwt_part(alice, 1)
        claims["userIds"][0]["name"] = "bob@example.com"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        self.assert_error(self.sluice.json("POST", "/rest/search/v2", {"q": "okapi"},
                                           key=f"{header}.{forged}.{signature}"),
                          401, "INVALID_TOKEN", "signature")
        self.assert_error(self.sluice.json("POST", "/rest/search/v2?organizationId=elsewhere",
                                           {"q": "okapi"}, key=alice),
                          404, "ORGANIZATION_NOT_FOUND")
        # A token dies with the key that issued it.
        key = self.create_key(["impersonate"])
        token = self.token_for(key["value"], user("alice@example.com"))
        self.assertEqual(self.sluice.json("POST", "/rest/search/v2", {"q": "okapi"},
                                          key=token)[0], 200)
        self.assertEqual(self.sluice.json("DELETE", f"{ORG}/apikeys/{key['id']}")[0], 204)
        self.assert_error(self.sluice.json("POST", "/rest/search/v2", {"q": "okapi"},
                                           key=token), 401, "INVALID_TOKEN")


class TokenAcrossRestartTest(unittest.TestCase):
    def test_a_token_stays_valid_after_a_restart(self):
        s = Sluice().start()
        try:
            status, res = s.json("POST", TOKEN, {"userIds": [{"name": "alice@example.com"}]})
            self.assertEqual(status, 200, res)
            token = res["token"]
            s.stop()
            s.start()
            status, res = s.json("POST", "/rest/search/v2", {"q": "okapi"}, key=token)
            self.assertEqual(status, 200, res)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
