"""Sluice's promise "no one gets in where they don't belong", attack by attack, against the
real binary: the table A1-A12 of docs/reliability/auth.md (one test class, and one server,
per group of rows; each test is named after its row). The upload URIs are cross-checked
against botocore's SigV4 signer, which Sluice does not share any code with.

Every hostile request goes through `hostile()`, which counts the distinct ones; the suite
ends by printing `auth attacks tried: N`.
"""

import base64
import calendar
import hashlib
import http.client
import json
import os
import sqlite3
import sys
import time
import unittest
import urllib.parse
import uuid

import botocore.auth
import botocore.awsrequest
import botocore.credentials

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import API_KEY, Sluice  # noqa: E402
from test_platform import PlatformTestCase  # noqa: E402

PUSH = "/push/v1/organizations"
SIGNATURE_MISMATCH = "The request signature we calculated does not match"
MISSING_PARAMETERS = "Query-string authentication version 4 requires"

# (method, target, headers, body digest, host) of every hostile request sent.
ATTACKS = set()


def tearDownModule():
    print(f"\nauth attacks tried: {len(ATTACKS)}", file=sys.stderr)


# ---------------------------------------------------------------- raw HTTP

def send(port, method, target, headers=(), body=b"", host=None):
    """One request exactly as given: headers as (name, value) pairs, repeats allowed;
    `host` replaces the Host header ("" sends an empty one, False sends none)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    if host is not False:
        conn.putheader("Host", f"127.0.0.1:{port}" if host is None else host)
    if isinstance(body, str):
        body = body.encode()
    for name, value in headers:
        conn.putheader(name, value)
    if body or method in ("PUT", "POST"):
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body:
        conn.send(body)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, res.getheaders(), data


def hostile(sluice, method, target, headers=(), body=b"", host=None):
    """Sends a request that must be refused, and counts it."""
    body = body.encode() if isinstance(body, str) else body
    ATTACKS.add((method, target, tuple(headers), hashlib.sha256(body).hexdigest(), host))
    return send(sluice.port, method, target, headers, body, host)


def bearer(key):
    return [("Authorization", f"Bearer {key}")]


def json_body(value):
    return [("Content-Type", "application/json")], json.dumps(value).encode()


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def target_of(url):
    u = urllib.parse.urlsplit(url)
    return u.path + "?" + u.query


def with_params(url, change=None, drop=(), add=(), path=None):
    """The request-target of `url` with query parameters changed, dropped or added, each
    value given already percent-encoded."""
    u = urllib.parse.urlsplit(url)
    out = []
    for pair in u.query.split("&"):
        name, value = pair.split("=", 1)
        if name in drop:
            continue
        out.append(f"{name}={(change or {}).get(name, value)}")
    out += [f"{name}={value}" for name, value in add]
    return (path or u.path) + "?" + "&".join(out)


def param(url, name):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))[name]


def amz_date(epoch_seconds):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch_seconds))


# ---------------------------------------------------------------- botocore, the independent signer

def botocore_presign(url, headers, access_key, secret, signed_at, expires, method="PUT",
                     region="us-east-1"):
    """A pre-signed URL from botocore's S3SigV4QueryAuth for `url` (no query), made at
    `signed_at` (X-Amz-Date): add_auth without its clock, so the time is the caller's."""
    signer = botocore.auth.S3SigV4QueryAuth(
        botocore.credentials.Credentials(access_key, secret), "s3", region, expires=expires)
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(headers))
    request.context["timestamp"] = signed_at
    signer._modify_request_before_signing(request)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    signer._inject_signature_to_request(request, signer.signature(string_to_sign, request))
    return request.url


def upload_secret(sluice):
    """The secret that signs upload URIs: keys/upload.secret in the data directory."""
    with open(os.path.join(sluice.data_dir, "keys", "upload.secret")) as f:
        return f.read()


def derived_access_key(secret):
    return "SLUICE" + hashlib.sha256(secret.encode()).hexdigest()[:14].upper()


def batch_file(*docs):
    """A batch file adding (documentId, text) items."""
    return json.dumps({"addOrUpdate": [{"documentId": d, "data": t} for d, t in docs],
                       "delete": []}).encode()


class AuthTestCase(PlatformTestCase):
    """Helpers shared by the rows; each subclass gets its own server."""

    def push(self, document_id, text, key=API_KEY, org="local", source="local-default",
             query=""):
        q = urllib.parse.urlencode({"documentId": document_id})
        return self.sluice.json("PUT", f"{PUSH}/{org}/sources/{source}/documents?{q}{query}",
                                {"data": text}, key=key)

    def search_count(self, q, key=API_KEY):
        status, res = self.sluice.json("POST", "/rest/search/v2", {"q": q}, key=key)
        self.assertEqual(status, 200, res)
        return res["totalCount"]

    def log_ids(self, org="local", key=API_KEY):
        """documentId -> [(operation, result, reason)] of every item log line of `org`."""
        out, page = {}, 0
        while True:
            status, res = self.sluice.json(
                "GET", f"/logs/v1/organizations/{org}?perPage=1000&page={page}", key=key)
            self.assertEqual(status, 200, res)
            for e in res["documentLogEntries"]:
                out.setdefault(e["id"], []).append(
                    (e["operation"], e["result"], e.get("meta", {}).get("reason", "")))
            if not res["hasNextPage"]:
                return out
            page += 1

    def settle(self, org="local", key=API_KEY, source="local-default"):
        """Pushes a sentinel item and waits until it is logged and the journal is empty,
        so that anything an attack had queued before it would show by now."""
        sentinel = f"http://sentinel/{uuid.uuid4()}"
        status, res = self.push(sentinel, "sentinel", key=key, org=org, source=source)
        self.assertEqual(status, 202, res)
        s = self.sluice
        s.wait_for(lambda: sentinel in self.log_ids(org, key), what="the sentinel's log line")
        s.wait_for(lambda: s.json("GET", "/readyz", key=None)[1].get("pendingOperations") == 0,
                   what="an empty journal")

    def container_rows(self):
        """File containers in the state database (read-only; the server keeps running)."""
        db = sqlite3.connect(f"file:{os.path.join(self.sluice.data_dir, 'state.db')}?mode=ro",
                             uri=True)
        try:
            return db.execute("SELECT count(*) FROM file_containers").fetchone()[0]
        finally:
            db.close()

    def assert_refused(self, answer, status, error_code, what=""):
        got_status, _, body = answer
        self.assertEqual(got_status, status, f"{what}: {body!r}")
        parsed = json.loads(body)
        self.assertEqual((parsed["statusCode"], parsed["errorCode"]), (status, error_code),
                         f"{what}: {body!r}")
        return parsed

    def assert_s3_refusal(self, answer, *words, status=403, what=""):
        """S3's refusal: 403 and an XML <Error> whose Code is AccessDenied, as Coveo
        documents for every upload that differs from what the URI signed."""
        got_status, headers, body = answer
        self.assertEqual(got_status, status, f"{what}: {body!r}")
        self.assertEqual(header(headers, "Content-Type"), "application/xml", what)
        self.assertIn(b"<Error><Code>AccessDenied</Code>", body, what)
        for word in words:
            self.assertIn(word.encode(), body, what)

    def assert_no_content(self, file_id, key=API_KEY, org="local"):
        """No refused upload left bytes behind: the container still has nothing in it."""
        status, res = self.sluice.json(
            "PUT", f"{PUSH}/{org}/sources/local-default/documents/batch?fileId={file_id}",
            key=key)
        self.assertEqual((status, res["errorCode"]), (412, "INVALID_PARAMETER"), res)
        self.assertIn("no content yet", res["message"])


# ---------------------------------------------------------------- A1, A2: no key, wrong key

class A1MissingOrMalformedCredentialTest(AuthTestCase):
    def test_a1_unusable_authorization_headers_all_get_the_same_401(self):
        s = self.sluice
        target = f"{PUSH}/local/sources/local-default/documents?documentId=http://a1/item"
        json_headers, body = json_body({"data": "aonewordneverindexed"})
        basic_with_key = base64.b64encode(f"user:{API_KEY}".encode()).decode()
        variants = {
            "empty Bearer": [("Authorization", "Bearer ")],
            "Bearer without a token": [("Authorization", "Bearer")],
            "empty header": [("Authorization", "")],
            "Basic carrying the valid key": [("Authorization", f"Basic {basic_with_key}")],
            "valid key without a scheme": [("Authorization", API_KEY)],
            "valid key under another scheme": [("Authorization", f"Token {API_KEY}")],
            "two headers, valid first": bearer(API_KEY) + bearer("xx-not-a-key"),
            "two headers, valid second": bearer("xx-not-a-key") + bearer(API_KEY),
            "the valid key twice": bearer(API_KEY) + bearer(API_KEY),
            "lower-case bearer, wrong key": [("Authorization", "bearer xx-not-a-key")],
            "a wrong key": bearer("xx-00000000-0000-4000-8000-000000000000"),
            "the valid key with one character changed": bearer(API_KEY[:-1] + "X"),
        }
        answers = {name: hostile(s, "PUT", target, h + json_headers, body)
                   for name, h in variants.items()}
        reference = answers["a wrong key"]
        self.assert_refused(reference, 401, "INVALID_TOKEN")
        ref_headers = sorted((k.lower(), v) for k, v in reference[1] if k.lower() != "x-request-id")
        for name, (status, headers, data) in answers.items():
            with self.subTest(name):
                self.assertEqual(status, 401, data)
                self.assertEqual(data, reference[2], "no variant may answer differently")
                self.assertEqual(sorted((k.lower(), v) for k, v in headers
                                        if k.lower() != "x-request-id"), ref_headers)

        # No credential at all is Coveo's 401 UNAUTHORIZED; so is a key in the query string of
        # the Push API, which only reads the Authorization header.
        no_header = hostile(s, "PUT", target, json_headers, body)
        self.assert_refused(no_header, 401, "UNAUTHORIZED")
        in_query = hostile(s, "PUT", f"{target}&access_token={API_KEY}", json_headers, body)
        self.assertEqual(in_query[2], no_header[2])
        # The Search API takes ?access_token=, but not two of them.
        twice = hostile(s, "GET", f"/rest/search/v2?q=x&access_token={API_KEY}"
                                  "&access_token=xx-not-a-key")
        self.assertEqual((twice[0], twice[2]), (401, reference[2]))

        self.settle()
        self.assertNotIn("http://a1/item", self.log_ids())
        self.assertEqual(self.search_count("aonewordneverindexed"), 0)

    def test_a1_the_scheme_name_is_case_insensitive_as_rfc_7235_says(self):
        # The control for the variants above: the same request with a usable header passes.
        target = f"{PUSH}/local/sources/local-default/documents?documentId=http://a1/ok"
        json_headers, body = json_body({"data": "fine"})
        for scheme in ("Bearer", "bearer", "BEARER"):
            status, _, data = send(self.sluice.port, "PUT", target,
                                   [("Authorization", f"{scheme} {API_KEY}")] + json_headers, body)
            self.assertEqual(status, 202, data)


class A2WrongKeyTest(AuthTestCase):
    # 24 refused keys in a row: above the default failed-auth limit (A2FailedAuthRateLimitTest).
    server_args = ("--auth-failure-limit", "100")

    def test_a2_wrong_keys_get_401_and_no_key_is_ever_written_down(self):
        s = self.sluice
        created = self.create_key(["push", "search"], name="a2 key")["value"]
        valid = [API_KEY, created]
        wrong = [created[:-1] + ("0" if created[-1] != "0" else "1"), created.upper(),
                 created + "0", created[:20], "xx" + str(uuid.uuid4()),
                 "xx-a2-wrong-key-" + "z" * 40]
        marker = "atwomarkerword"
        self.assertEqual(self.push("http://a2/ok", marker, key=created)[0], 202)
        self.assertEqual(s.json("POST", "/rest/search/v2", {"q": marker}, key=created)[0], 200)
        for key in wrong:
            for method, target in [
                    ("PUT", f"{PUSH}/local/sources/local-default/documents?documentId=http://a2/x"),
                    ("POST", "/rest/search/v2"), ("GET", "/rest/organizations/local/apikeys"),
                    ("GET", f"/rest/search/v2?q={marker}&access_token={key}")]:
                json_headers, body = json_body({"data": "x", "q": marker})
                headers = json_headers + ([] if "access_token" in target else bearer(key))
                answer = hostile(s, method, target, headers, body)
                self.assert_refused(answer, 401, "INVALID_TOKEN", f"{method} {target}")
                self.assertNotIn(key.encode(), answer[2])
        self.settle()
        self.assertNotIn("http://a2/x", self.log_ids())

        # Neither the server's output nor anything in its data directory holds key material
        # (only SHA-256 hashes are stored). The scan is shown to work on the pushed marker.
        with open(s.log_path, "rb") as f:
            log = f.read()
        self.assertIn(b"Sluice listening", log)
        files = {}
        for root, _, names in os.walk(s.data_dir):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    files[path] = f.read()
        self.assertTrue(any(b"http://a2/ok" in data for data in files.values()),
                        "the scan must see what the server stored")
        for key in valid + wrong:
            for needle in {key, key[2:], key.replace("-", "")}:
                self.assertNotIn(needle.encode(), log, f"key material in {s.log_path}")
                for path, data in files.items():
                    self.assertNotIn(needle.encode(), data, f"key material in {path}")


class A2FailedAuthRateLimitTest(AuthTestCase):
    """The default limit: 20 refused credentials per minute per client address."""

    def test_a2_an_address_that_keeps_guessing_gets_429(self):
        s = self.sluice
        container = self.sluice.create_container()
        target = "/rest/organizations/local/sources"
        for i in range(20):
            answer = hostile(s, "GET", target, bearer(f"xx-guess-{i:04d}"))
            self.assert_refused(answer, 401, "INVALID_TOKEN", f"guess {i}")
        # The budget drains by one every 60/20 s, so a slow machine may get one more guess.
        for i in range(20, 23):
            refused = hostile(s, "GET", target, bearer(f"xx-guess-{i:04d}"))
            if refused[0] != 401:
                break
        self.assert_refused(refused, 429, "TOO_MANY_REQUESTS")
        retry_after = int(header(refused[1], "Retry-After"))
        self.assertIn(retry_after, (1, 2, 3), "one failure drains every 60/20 s")
        # While refused, no key is checked, so the address cannot confirm a guess; the other
        # routes share the budget.
        self.assertEqual(send(s.port, "GET", target, bearer(API_KEY))[0], 429)
        self.assertEqual(hostile(s, "POST", "/rest/search/v2", bearer("xx-guess-search"))[0], 429)
        # Requests without a credential guess nothing and are answered as usual, uploads too.
        self.assertEqual(send(s.port, "GET", "/healthz")[0], 200)
        self.assertEqual(send(s.port, "GET", target)[0], 401)
        status, _, body = s.upload(container["uploadUri"], b"payload",
                                   container["requiredHeaders"])
        self.assertEqual(status, 200, body)

        time.sleep(retry_after + 0.2)
        status, _, body = send(s.port, "GET", target, bearer(API_KEY))
        self.assertEqual(status, 200, body)


class A2FailedAuthRateLimitOffTest(AuthTestCase):
    server_args = ("--auth-failure-limit", "0")

    def test_a2_the_limit_is_configurable_and_0_turns_it_off(self):
        for i in range(40):
            answer = hostile(self.sluice, "GET", "/rest/organizations/local/sources",
                             bearer(f"xx-unlimited-guess-{i:04d}"))
            self.assert_refused(answer, 401, "INVALID_TOKEN", f"guess {i}")


# ---------------------------------------------------------------- A3, A4: other organizations

class A3A4CrossOrganizationTest(AuthTestCase):
    """Organization "local" (A) and a second one (B), each with its admin key."""

    server_args = ("--ignore-queue-delay",)  # an olderthan that got through would run at once

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.sluice
        created = s.create_organization("Tenant B")
        cls.org_b, cls.key_b = created["id"], created["apiKey"]["value"]
        cls.source_b = s.create_source("B's items", key=cls.key_b, org=cls.org_b)["id"]
        status, res = s.json("PUT", f"{PUSH}/local/sources/local-default/documents"
                                    "?documentId=http://a3/victim", {"data": "victimword"})
        assert status == 202, res
        s.wait_for(lambda: s.json("POST", "/rest/search/v2", {"q": "victimword"})[1]
                   ["totalCount"] == 1, what="A's item")

    def b_container_with(self, content):
        c = self.sluice.create_container(key=self.key_b, org=self.org_b)
        status, _, body = self.sluice.upload(c["uploadUri"], content, c["requiredHeaders"])
        self.assertEqual(status, 200, body)
        return c

    @staticmethod
    def org_routes(org, source, file_id):
        """Every route that acts on one organization: (method, target, body)."""
        docs = f"{PUSH}/{org}/sources/{source}/documents"
        identity = {"identity": {"name": "alice@example.com", "type": "USER"}}
        return [
            ("PUT", f"{docs}?documentId=http://a3/pushed", {"data": "athreeword"}),
            ("PUT", f"/v1/organizations/{org}/sources/{source}/documents"
                    "?documentId=http://a3/legacy", {"data": "athreeword"}),
            ("DELETE", f"{docs}?documentId=http://a3/victim", None),
            ("PUT", f"{docs}/batch?fileId={file_id}", None),
            ("DELETE", f"{docs}/olderthan?orderingId=99999999999999", None),
            ("POST", f"{PUSH}/{org}/sources/{source}/status?statusType=REBUILD", None),
            ("POST", f"{PUSH}/{org}/files", {}),
            ("PUT", f"{PUSH}/{org}/providers/Email%20Security%20Provider/permissions",
             identity),
            ("POST", f"/rest/search/v2?organizationId={org}", {"q": "victimword"}),
            ("GET", f"/rest/search/v2?organizationId={org}&q=victimword", None),
            ("POST", "/rest/search/v2", {"q": "victimword", "organizationId": org}),
            ("POST", f"/rest/search/v2/querySuggest?organizationId={org}", {"q": "vic"}),
            ("GET", f"/logs/v1/organizations/{org}", None),
            ("POST", f"/logs/v1/organizations/{org}", {}),
            ("GET", f"/api/v1/organizations/{org}/sources", None),
            ("GET", f"/api/v1/organizations/{org}/sources/{source}/items", None),
            ("GET", f"/api/v1/organizations/{org}/logs", None),
            ("GET", f"/rest/organizations/{org}/sources", None),
            ("POST", f"/rest/organizations/{org}/sources", {"sourceType": "PUSH", "name": "x"}),
            ("GET", f"/rest/organizations/{org}/apikeys", None),
            ("POST", f"/rest/organizations/{org}/apikeys", {"privileges": ["admin"]}),
            ("GET", f"/rest/organizations/{org}/indexes/page/fields", None),
            ("POST", f"/rest/organizations/{org}/securitycache/entities/list", {}),
        ]

    def test_a3_another_organizations_key_gets_the_same_403_everywhere(self):
        s = self.sluice
        b_file = self.b_container_with(batch_file(("http://a3/from-b", "athreeword")))["fileId"]
        keys_before = len(s.json("GET", "/rest/organizations/local/apikeys")[1])
        containers_before = self.container_rows()
        for method, target, body in self.org_routes("local", "local-default", b_file):
            json_headers, data = json_body(body) if body is not None else ([], b"")
            answer = hostile(s, method, target, bearer(self.key_b) + json_headers, data)
            refusal = self.assert_refused(answer, 403, "ACCESS_DENIED", f"{method} {target}")
            self.assertNotIn("victimword", refusal["message"])

        # Nothing was queued, run, created or deleted in A.
        self.settle()
        logged = self.log_ids()
        for document_id in ("http://a3/pushed", "http://a3/legacy", "http://a3/from-b"):
            self.assertNotIn(document_id, logged)
        self.assertEqual([op for op, _, _ in logged["http://a3/victim"]], ["ADD"])
        self.assertEqual(self.search_count("victimword"), 1)
        self.assertEqual(self.search_count("athreeword"), 0)
        self.assertEqual(self.container_rows(), containers_before, "no container created")
        self.assertEqual(len(s.json("GET", "/rest/organizations/local/apikeys")[1]), keys_before)
        sources = s.json("GET", "/api/v1/organizations/local/sources")[1]["sources"]
        self.assertEqual([x["status"] for x in sources if x["id"] == "local-default"], ["IDLE"])
        status, res = s.json("POST", "/rest/organizations/local/securitycache/entities/list", {})
        self.assertEqual(status, 200, res)
        self.assertNotIn("alice@example.com", json.dumps(res))

    def test_a3_the_same_routes_with_their_own_organization_pass(self):
        # The control for the refusals above: B's key is valid on B's routes of the same shape.
        s = self.sluice
        b_file = self.b_container_with(batch_file(("http://a3/b-own", "bownword")))["fileId"]
        for method, target, body in self.org_routes(self.org_b, self.source_b, b_file):
            json_headers, data = json_body(body) if body is not None else ([], b"")
            status, _, answer = send(s.port, method, target,
                                     bearer(self.key_b) + json_headers, data)
            self.assertIn(status, (200, 201, 202, 204), f"{method} {target}: {answer!r}")

    def test_a3_an_unknown_organization_is_404_whatever_the_key(self):
        # Organization ids are not secrets (search pages carry them); an unknown one says so.
        for key in (API_KEY, self.key_b):
            answer = hostile(self.sluice, "GET", "/rest/organizations/nowhere/sources",
                             bearer(key))
            self.assert_refused(answer, 404, "ORGANIZATION_NOT_FOUND")

    def test_a4_another_organizations_source_under_ones_own_path_is_unknown(self):
        s = self.sluice
        unknown = "local-nosuchsource00000000000"
        for method, suffix, body in [
                ("PUT", "/documents?documentId=http://a4/idor", {"data": "afourword"}),
                ("DELETE", "/documents?documentId=http://a4/idor", None),
                ("DELETE", "/documents/olderthan?orderingId=99999999999999", None),
                ("POST", "/status?statusType=REBUILD", None)]:
            json_headers, data = json_body(body) if body is not None else ([], b"")
            answers = [hostile(s, method, f"{PUSH}/local/sources/{source}{suffix}",
                               bearer(API_KEY) + json_headers, data)
                       for source in (self.source_b, unknown)]
            refusals = [self.assert_refused(a, 412, "SOURCE_DOES_NOT_EXIST", suffix)
                        for a in answers]
            self.assertEqual(refusals[0]["message"].replace(self.source_b, unknown),
                             refusals[1]["message"], "B's source looks like no source at all")
        answer = hostile(s, "GET", f"/api/v1/organizations/local/sources/{self.source_b}/items",
                         bearer(API_KEY))
        self.assert_refused(answer, 404, "SOURCE_DOES_NOT_EXIST")

        self.settle(org=self.org_b, key=self.key_b, source=self.source_b)
        self.assertNotIn("http://a4/idor", self.log_ids(self.org_b, self.key_b))
        self.assertEqual(self.search_count("afourword", key=self.key_b), 0)

    def test_a4_another_organizations_file_container_is_unknown(self):
        s = self.sluice
        c = self.b_container_with(batch_file(("http://a4/b-doc", "bsecretword")))
        unknown = str(uuid.uuid4())
        docs = f"{PUSH}/local/sources/local-default/documents"
        for method, target, body in [
                ("PUT", f"{docs}/batch?fileId={{}}", None),
                ("PUT", f"{docs}?documentId=http://a4/by-ref",
                 {"compressedBinaryDataFileId": "{}", "compressionType": "UNCOMPRESSED"}),
                ("PUT", f"{PUSH}/local/providers/Email%20Security%20Provider/permissions/batch"
                        "?fileId={}", None)]:
            refusals = []
            for file_id in (c["fileId"], unknown):
                json_headers, data = (json_body(json.loads(json.dumps(body).replace("{}", file_id)))
                                      if body is not None else ([], b""))
                answer = hostile(s, method, target.replace("{}", file_id),
                                 bearer(API_KEY) + json_headers, data)
                refusals.append(self.assert_refused(answer, 412, "INVALID_PARAMETER", target))
            self.assertEqual(refusals[0]["message"].replace(c["fileId"], unknown),
                             refusals[1]["message"], "B's container looks like no container")
        # Its upload URI under A's path does not reach it either.
        u = urllib.parse.urlsplit(c["uploadUri"])
        moved = u.path.replace(f"/blobstore/{self.org_b}/", "/blobstore/local/") + "?" + u.query
        self.assert_s3_refusal(hostile(s, "PUT", moved, list(c["requiredHeaders"].items()),
                                       batch_file(("http://a4/overwritten", "x"))),
                               SIGNATURE_MISMATCH)

        # The container is still B's, untouched: B's own batch push uses it.
        status, res = s.json("PUT", f"{PUSH}/{self.org_b}/sources/{self.source_b}/documents/batch"
                                    f"?fileId={c['fileId']}", key=self.key_b)
        self.assertEqual(status, 202, res)
        s.wait_for(lambda: self.search_count("bsecretword", key=self.key_b) == 1,
                   what="B's item")
        self.settle()
        self.assertEqual(self.search_count("bsecretword"), 0)
        self.assertFalse({"http://a4/b-doc", "http://a4/by-ref"} & set(self.log_ids()))


# ---------------------------------------------------------------- A5-A10: the upload URI

class UploadUriTestCase(AuthTestCase):
    def fresh(self):
        return self.sluice.create_container()

    def put(self, target, headers, body=b"x" * 100, method="PUT", host=None):
        return hostile(self.sluice, method, target, list(headers.items())
                       if isinstance(headers, dict) else headers, body, host)


class A5TamperedUploadUriTest(UploadUriTestCase):
    def test_a5_tampered_presigned_url_is_refused_and_writes_nothing(self):
        c, other = self.fresh(), self.fresh()
        url, required = c["uploadUri"], c["requiredHeaders"]
        path = urllib.parse.urlsplit(url).path
        signature = param(url, "X-Amz-Signature")
        credential = param(url, "X-Amz-Credential")
        akid, day, region, service, terminal = credential.split("/")
        date = param(url, "X-Amz-Date")
        later = amz_date(calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ")) + 1)
        enc = urllib.parse.quote
        mismatch = {
            "another container": with_params(url, path=path.replace(c["fileId"],
                                                                     other["fileId"])),
            "another organization": with_params(url, path=path.replace("/local/", "/other/")),
            "the file id in upper case": with_params(url, path=path.replace(
                c["fileId"], c["fileId"].upper())),
            "X-Amz-Expires 3601": with_params(url, {"X-Amz-Expires": "3601"}),
            "X-Amz-Expires 7200": with_params(url, {"X-Amz-Expires": "7200"}),
            "X-Amz-Date one second later": with_params(url, {"X-Amz-Date": later}),
            "X-Amz-SignedHeaders without content-type": with_params(
                url, {"X-Amz-SignedHeaders": "host%3Bx-amz-server-side-encryption"}),
            "signature in upper case": with_params(url, {"X-Amz-Signature": signature.upper()}),
            "signature one digit short": with_params(url, {"X-Amz-Signature": signature[:-1]}),
            "signature one digit longer": with_params(url, {"X-Amz-Signature": signature + "0"}),
            "signature with its last digit changed": with_params(url, {
                "X-Amz-Signature": signature[:-1] + ("0" if signature[-1] != "0" else "1")}),
            "signature of zeros": with_params(url, {"X-Amz-Signature": "0" * 64}),
            "empty signature": with_params(url, {"X-Amz-Signature": ""}),
            "an extra query parameter": with_params(url, add=[("x-id", "PutObject")]),
        }
        for name, target in mismatch.items():
            with self.subTest(name):
                self.assert_s3_refusal(self.put(target, required), SIGNATURE_MISMATCH, what=name)

        structural = {
            "X-Amz-Credential naming another access key": (with_params(url, {
                "X-Amz-Credential": enc("/".join(["AKIDOTHER000000000000", day, region,
                                                  service, terminal]), safe="")}),
                "does not exist in our records"),
            "X-Amz-Credential naming another region": (with_params(url, {
                "X-Amz-Credential": enc("/".join([akid, day, "eu-west-3", service, terminal]),
                                        safe="")}), "is wrong; expecting"),
            "X-Amz-Credential naming another day": (with_params(url, {
                "X-Amz-Credential": enc("/".join([akid, "20200101", region, service, terminal]),
                                        safe="")}), "Invalid credential date"),
            "X-Amz-Credential naming another service": (with_params(url, {
                "X-Amz-Credential": enc("/".join([akid, day, region, "iam", terminal]),
                                        safe="")}), "incorrect service"),
            "X-Amz-Credential with three parts": (with_params(url, {
                "X-Amz-Credential": enc("/".join([akid, day, region]), safe="")}),
                "the Credential is mal-formed"),
            "X-Amz-Algorithm AWS4-HMAC-SHA512": (with_params(url, {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA512"}), "X-Amz-Algorithm only supports"),
            "X-Amz-Date not a date": (with_params(url, {"X-Amz-Date": "20260230T250000Z"}),
                                      "ISO8601"),
            "X-Amz-SignedHeaders host only": (with_params(url, {"X-Amz-SignedHeaders": "host"}),
                                              "headers present in the request which were not "
                                              "signed"),
            "X-Amz-SignedHeaders unsorted": (with_params(url, {
                "X-Amz-SignedHeaders": "x-amz-server-side-encryption%3Bhost%3Bcontent-type"}),
                "sorted"),
            "X-Amz-Expires twice": (with_params(url, add=[("X-Amz-Expires", "3600")]),
                                    "appears more than once"),
            "X-Amz-Signature twice": (with_params(url, add=[("X-Amz-Signature", signature)]),
                                      "appears more than once"),
            "malformed percent-encoding": (with_params(url, {"X-Amz-Credential": "%G0"}),
                                           "malformed percent-encoding"),
            "no query at all": (path, MISSING_PARAMETERS),
        }
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                     "X-Amz-SignedHeaders", "X-Amz-Signature"):
            structural[f"{name} dropped"] = (with_params(url, drop=[name]), MISSING_PARAMETERS)
        for name, (target, reason) in structural.items():
            with self.subTest(name):
                self.assert_s3_refusal(self.put(target, required), reason, what=name)

        # A header-signed S3 request is not a way in: the upload URI takes query auth only.
        header_signed = dict(required, Authorization=(
            f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, "
            f"Signature={signature}"), **{"x-amz-date": date})
        self.assert_s3_refusal(self.put(path, header_signed), MISSING_PARAMETERS)

        # Nothing was written: the refused uploads left the container empty, while the
        # untampered URI still works.
        self.assert_no_content(c["fileId"])
        self.assert_no_content(other["fileId"])
        status, _, body = self.sluice.upload(url, batch_file(("http://a5/ok", "afiveword")),
                                             required)
        self.assertEqual(status, 200, body)


class A6ExpiredUploadUriTest(UploadUriTestCase):
    server_args = ("--container-ttl-seconds", "1")

    def test_a6_expired_presigned_url_is_refused(self):
        c = self.fresh()
        self.assertEqual(param(c["uploadUri"], "X-Amz-Expires"), "1")
        time.sleep(2.1)
        self.assert_s3_refusal(self.put(target_of(c["uploadUri"]), c["requiredHeaders"]),
                               "Request has expired")
        self.assert_no_content(c["fileId"])

    def test_a6_validly_signed_urls_outside_their_time_are_refused(self):
        # botocore signs with Sluice's own secret, so each signature is right and only the
        # time is wrong (ceph s3-tests' x_amz_expires cases; S3's 7-day maximum).
        s = self.sluice
        c = self.fresh()
        secret = upload_secret(s)
        akid = derived_access_key(secret)
        url = f"http://127.0.0.1:{s.port}/blobstore/local/{c['fileId']}"
        now = int(time.time())
        cases = [
            ("X-Amz-Expires 0", now, 0, "X-Amz-Expires must be between 1 and 604800"),
            ("X-Amz-Expires -7", now, -7, "X-Amz-Expires must be non-negative"),
            ("X-Amz-Expires -1000", now, -1000, "X-Amz-Expires must be non-negative"),
            ("X-Amz-Expires 609901", now, 609901, "X-Amz-Expires must be between 1 and 604800"),
            ("signed 2 h ago for 1 h", now - 7200, 3600, "Request has expired"),
            ("signed 8 days ago for 7 days", now - 8 * 86400, 604800, "Request has expired"),
            ("signed for 1 h from 1 h from now", now + 3600, 3600, "Request is not valid yet"),
        ]
        for name, signed_at, expires, reason in cases:
            with self.subTest(name):
                presigned = botocore_presign(url, c["requiredHeaders"], akid, secret,
                                             amz_date(signed_at), expires)
                self.assert_s3_refusal(self.put(target_of(presigned), c["requiredHeaders"]),
                                       reason, what=name)
        self.assert_no_content(c["fileId"])
        # The control: the longest validity S3 allows, signed a minute ago, is accepted.
        presigned = botocore_presign(url, c["requiredHeaders"], akid, secret,
                                     amz_date(now - 60), 604800)
        status, _, body = s.upload(presigned, b"in time", c["requiredHeaders"])
        self.assertEqual(status, 200, body)


class A7ToA10UploadRequestTest(UploadUriTestCase):
    def test_a7_headers_that_differ_from_the_signed_ones_are_refused(self):
        c = self.fresh()
        target, required = target_of(c["uploadUri"]), c["requiredHeaders"]
        sse, ctype = "x-amz-server-side-encryption", "Content-Type"
        mismatch = {
            "no x-amz-server-side-encryption": {ctype: required[ctype]},
            "no Content-Type": {sse: "AES256"},
            "x-amz-server-side-encryption aws:kms": dict(required, **{sse: "aws:kms"}),
            "x-amz-server-side-encryption aes256": dict(required, **{sse: "aes256"}),
            "Content-Type text/plain": dict(required, **{ctype: "text/plain"}),
            "Content-Type with charset=binary": dict(
                required, **{ctype: "application/octet-stream; charset=binary"}),
            "Content-Type in upper case": dict(required, **{ctype: "Application/Octet-Stream"}),
        }
        for name, headers in mismatch.items():
            with self.subTest(name):
                self.assert_s3_refusal(self.put(target, headers), SIGNATURE_MISMATCH, what=name)
        for name, extra in [("an unsigned x-amz-acl", ("x-amz-acl", "public-read")),
                            ("an unsigned x-amz-meta-owner", ("X-Amz-Meta-Owner", "mallory")),
                            ("the encryption header twice", (sse, "AES256"))]:
            with self.subTest(name):
                answer = self.put(target, list(required.items()) + [extra])
                if name.startswith("the encryption"):
                    self.assert_s3_refusal(answer, SIGNATURE_MISMATCH, what=name)
                else:
                    self.assert_s3_refusal(
                        answer, "There were headers present in the request which were not signed",
                        what=name)
        self.assert_no_content(c["fileId"])

        # Values are canonicalised as SigV4 does (outer whitespace trimmed), so these pass.
        status, _, body = self.sluice.upload(
            c["uploadUri"], b"spaced", {sse: "  AES256 ", ctype: "application/octet-stream  "})
        self.assertEqual(status, 200, body)

    def test_a7_signed_headers_are_canonicalised_like_botocore_signs_them(self):
        # Inner runs of spaces collapse to one (SigV4's Trimall): a botocore URL signing
        # x-amz-meta-note "two words" accepts "two    words", refuses "twowords"; a signed
        # x-amz-acl is accepted (ceph s3-tests' presigned PUT with ACL).
        s = self.sluice
        c = self.fresh()
        secret = upload_secret(s)
        signed = dict(c["requiredHeaders"], **{"x-amz-meta-note": "two words",
                                              "x-amz-acl": "private"})
        url = botocore_presign(f"http://127.0.0.1:{s.port}/blobstore/local/{c['fileId']}",
                               signed, derived_access_key(secret), secret,
                               amz_date(time.time()), 600)
        self.assertEqual(param(url, "X-Amz-SignedHeaders"),
                         "content-type;host;x-amz-acl;x-amz-meta-note;x-amz-server-side-encryption")
        self.assert_s3_refusal(self.put(target_of(url), dict(signed, **{
            "x-amz-meta-note": "twowords"})), SIGNATURE_MISMATCH)
        status, _, body = s.upload(url, b"meta", dict(signed, **{"x-amz-meta-note":
                                                                  "two    words"}))
        self.assertEqual(status, 200, body)

    def test_a8_other_methods_on_the_upload_url_are_refused(self):
        c = self.fresh()
        target, required = target_of(c["uploadUri"]), c["requiredHeaders"]
        for method in ("GET", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"):
            with self.subTest(method):
                body = b"" if method in ("GET", "HEAD", "OPTIONS", "DELETE") else b"x" * 100
                status, headers, data = self.put(target, required, body, method=method)
                self.assertEqual(status, 403, data)
                if method != "HEAD":
                    self.assert_s3_refusal((status, headers, data), SIGNATURE_MISMATCH,
                                           what=method)
        self.assert_no_content(c["fileId"])

    def test_a10_another_host_header_is_refused(self):
        s = self.sluice
        c = self.fresh()
        target, required = target_of(c["uploadUri"]), c["requiredHeaders"]
        for name, host in [("localhost", f"localhost:{s.port}"),
                           ("another port", f"127.0.0.1:{s.port + 1}"),
                           ("no port", "127.0.0.1"), ("another name", "sluice.example.com"),
                           ("empty", "")]:
            with self.subTest(name):
                self.assert_s3_refusal(self.put(target, required, host=host), what=name)
        status, _, data = self.put(target, required, host=False)
        self.assertIn(status, (400, 403), data)  # no Host: HTTP/1.1 forbids it
        self.assert_no_content(c["fileId"])


# ---------------------------------------------------------------- A9: replays

class A9ReplayTest(UploadUriTestCase):
    def test_a9_upload_replayed_before_and_after_the_batch_push(self):
        s = self.sluice
        c = self.fresh()
        first = batch_file(("http://a9/first", "firstuploadword"))
        second = batch_file(("http://a9/second", "seconduploadword"))
        for content in (first, second):  # S3 semantics: an upload URI may be used again
            status, _, body = s.upload(c["uploadUri"], content, c["requiredHeaders"])
            self.assertEqual(status, 200, body)
        batch = f"{PUSH}/local/sources/local-default/documents/batch?fileId={c['fileId']}"
        status, res = s.json("PUT", batch)
        self.assertEqual(status, 202, res)
        s.wait_for(lambda: self.search_count("seconduploadword") == 1, what="the last upload")
        self.assertEqual(self.search_count("firstuploadword"), 0, "the last body wins")

        # Once consumed, the container takes no upload and no second batch push.
        self.assert_s3_refusal(self.put(target_of(c["uploadUri"]), c["requiredHeaders"], first),
                               "already used")
        self.assert_refused(hostile(s, "PUT", batch, bearer(API_KEY)), 412, "INVALID_PARAMETER")
        self.settle()
        logged = self.log_ids()
        self.assertNotIn("http://a9/first", logged)
        self.assertEqual([op for op, _, _ in logged["http://a9/second"]], ["ADD"],
                         "processed once")

    def test_a9_the_same_push_twice_changes_nothing(self):
        q = "&orderingId=1000"
        for _ in range(2):
            status, res = self.push("http://a9/same", "replayword", query=q)
            self.assertEqual(status, 202, res)
        status, res = self.push("http://a9/same", "otherreplayword", query=q)
        self.assertEqual(status, 202, res)
        self.settle()
        lines = sorted(self.log_ids()["http://a9/same"])
        self.assertEqual([(op, result) for op, result, _ in lines],
                         [("ADD", "COMPLETED"), ("ADD", "SKIPPED"), ("ADD", "SKIPPED")])
        self.assertIn("not newer than 1000", lines[2][2])
        self.assertEqual(self.search_count("replayword"), 1)
        self.assertEqual(self.search_count("otherreplayword"), 0)


# ---------------------------------------------------------------- A12: revocation, rotation

class A12RevocationTest(AuthTestCase):
    def test_a12_a_deleted_key_is_refused_at_once(self):
        s = self.sluice
        created = self.create_key(["push", "search"], name="revoked soon")
        key = created["value"]
        self.assertEqual(self.push("http://a12/before", "x", key=key)[0], 202)
        self.assertEqual(s.json("POST", "/rest/search/v2", {"q": "x"}, key=key)[0], 200)
        status, _ = s.json("DELETE", f"/rest/organizations/local/apikeys/{created['id']}")
        self.assertEqual(status, 204)
        json_headers, body = json_body({"data": "x"})
        for method, target in [
                ("PUT", f"{PUSH}/local/sources/local-default/documents?documentId=http://a12/x"),
                ("POST", f"{PUSH}/local/files"), ("POST", "/rest/search/v2"),
                ("GET", "/rest/organizations/local/sources")]:
            self.assert_refused(hostile(s, method, target, bearer(key) + json_headers, body),
                                401, "INVALID_TOKEN", target)

    def test_a12_search_tokens_die_with_the_key_that_issued_them(self):
        s = self.sluice
        created = self.create_key(["impersonate", "search"], name="token issuer")
        status, res = s.json("POST", "/rest/search/v2/token",
                             {"userIds": [{"name": "alice@example.com"}]}, key=created["value"])
        self.assertEqual(status, 200, res)
        token = res["token"]
        self.assertEqual(s.json("POST", "/rest/search/v2", {"q": "x"}, key=token)[0], 200)
        s.json("DELETE", f"/rest/organizations/local/apikeys/{created['id']}")
        self.assert_refused(hostile(s, "POST", "/rest/search/v2", bearer(token)
                                    + json_body({"q": "x"})[0], b'{"q":"x"}'),
                            401, "INVALID_TOKEN")


class A12SecretRotationTest(unittest.TestCase):
    def test_a12_a_new_upload_secret_voids_every_outstanding_upload_uri(self):
        s = Sluice().start()
        try:
            old = s.create_container()
            s.stop()
            os.remove(os.path.join(s.data_dir, "keys", "upload.secret"))
            s.start()
            answer = hostile(s, "PUT", target_of(old["uploadUri"]),
                             list(old["requiredHeaders"].items()), b"after rotation")
            self.assertEqual(answer[0], 403, answer[2])
            self.assertIn(b"<Code>AccessDenied</Code>", answer[2])
            self.assertIn(b"does not exist in our records", answer[2])
            new = s.create_container()
            self.assertNotEqual(param(new["uploadUri"], "X-Amz-Credential").split("/")[0],
                                param(old["uploadUri"], "X-Amz-Credential").split("/")[0])
            status, _, body = s.upload(new["uploadUri"], b"fresh", new["requiredHeaders"])
            self.assertEqual(status, 200, body)
        finally:
            s.cleanup()


# ---------------------------------------------------------------- SigV4 against botocore

class SigV4BotocoreCrossCheckTest(UploadUriTestCase):
    def test_sigv4_botocore_recomputes_the_signature_of_an_issued_upload_uri(self):
        s = self.sluice
        c = self.fresh()
        url = c["uploadUri"]
        secret = upload_secret(s)
        akid = param(url, "X-Amz-Credential").split("/")[0]
        self.assertEqual(akid, derived_access_key(secret))
        self.assertNotIn(secret[:8].upper(), akid, "the access key id reveals no secret")
        u = urllib.parse.urlsplit(url)
        recomputed = botocore_presign(f"{u.scheme}://{u.netloc}{u.path}", c["requiredHeaders"],
                                      akid, secret, param(url, "X-Amz-Date"),
                                      int(param(url, "X-Amz-Expires")))
        self.assertEqual(param(recomputed, "X-Amz-Signature"), param(url, "X-Amz-Signature"))
        self.assertEqual(recomputed, url, "the same URL, byte for byte")

    def test_sigv4_sluice_accepts_a_botocore_url_and_refuses_another_secret(self):
        s = self.sluice
        c = self.fresh()
        secret = upload_secret(s)
        url = f"http://127.0.0.1:{s.port}/blobstore/local/{c['fileId']}"
        now = amz_date(time.time())
        forged = botocore_presign(url, c["requiredHeaders"], derived_access_key(secret),
                                  secret[:-1] + ("0" if secret[-1] != "0" else "1"), now, 600)
        self.assert_s3_refusal(self.put(target_of(forged), c["requiredHeaders"]),
                               SIGNATURE_MISMATCH)
        self.assert_no_content(c["fileId"])

        presigned = botocore_presign(url, c["requiredHeaders"], derived_access_key(secret),
                                     secret, now, 600)
        content = batch_file(("http://sigv4/botocore", "botocoresignedword"))
        status, _, body = s.upload(presigned, content, c["requiredHeaders"])
        self.assertEqual(status, 200, body)
        status, res = s.json("PUT", f"{PUSH}/local/sources/local-default/documents/batch"
                                    f"?fileId={c['fileId']}")
        self.assertEqual(status, 202, res)
        s.wait_for(lambda: self.search_count("botocoresignedword") == 1,
                   what="the item uploaded through botocore's URL")


if __name__ == "__main__":
    unittest.main()
