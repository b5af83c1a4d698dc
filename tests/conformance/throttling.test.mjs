// Throttling: with --rate-limit 1 --rate-burst 2 Sluice gives each API key a token bucket
// (1 request/s, 2 at once) and answers 429 TOO_MANY_REQUESTS with Retry-After beyond it.
// The client retries 429s on its own (exponential backoff); its options only tune the delays.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {DOCUMENTS_PATH, coveo, searchByUri, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {PushSource, DocumentBuilder} = coveo;
const NO_FIELDS = {createFields: false};

/** The client's requests to the documents route since `mark`. */
function documentCalls(mark) {
  return wireSince(mark).filter((r) => new URL(r.target).pathname === DOCUMENTS_PATH);
}

describe('throttling per API key', () => {
  let sluice;
  let source;
  before(async () => {
    sluice = await new Sluice({extraArgs: ['--rate-limit', '1', '--rate-burst', '2']}).start();
    source = new PushSource(API_KEY, ORG, {retryAfter: 200, maxRetries: 20});
  });
  after(() => sluice.stop());

  it('six concurrent pushes are throttled with 429, retried by the client, and all indexed', async () => {
    const word = uniqueWord('throttle');
    const uris = [1, 2, 3, 4, 5, 6].map((n) => `https://example.com/throttle/${word}/${n}`);
    const mark = wireMark();
    const started = Date.now();
    const responses = await Promise.all(uris.map((uri, i) =>
      source.addOrUpdateDocument(SOURCE, new DocumentBuilder(uri, `Throttled ${i + 1}`).withData(word), NO_FIELDS)));
    const elapsed = Date.now() - started;
    assert.deepEqual(responses.map((r) => r.status), [202, 202, 202, 202, 202, 202]);

    const calls = documentCalls(mark);
    const refused = calls.filter((r) => r.status === 429);
    const accepted = calls.filter((r) => r.status === 202);
    assert.ok(refused.length >= 1, `at least one 429, got ${calls.map((r) => r.status)}`);
    assert.equal(refused.length + accepted.length, calls.length, `only 202 and 429: ${calls.map((r) => r.status)}`);
    assert.deepEqual(accepted.map((r) => new URL(r.target).searchParams.get('documentId')).sort(), [...uris].sort(),
        'each document was accepted exactly once');
    for (const r of refused) assert.match(r.responseContentType, /json/, 'the 429 carries a JSON body');
    // Two tokens at once, then one a second: the sixth cannot be admitted before about 4 s.
    assert.ok(elapsed >= 3000, `six pushes took ${elapsed} ms, faster than 1 request/s allows`);

    await sluice.waitForCompleted(uris, 'ADD');
    await waitForCount(sluice, word, 6);
  });

  it('a 429 names TOO_MANY_REQUESTS and carries Retry-After; only the admitted pushes are indexed', async () => {
    const word = uniqueWord('burst');
    const uris = [1, 2, 3, 4, 5].map((n) => `https://example.com/burst/${word}/${n}`);
    const answers = await Promise.all(uris.map((uri) =>
      sluice.request('PUT', `${DOCUMENTS_PATH}?documentId=${encodeURIComponent(uri)}`,
          {body: {documentId: uri, title: 'Burst', data: word}})));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.every((s) => s === 202 || s === 429), `only 202 and 429: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 202).length <= 2, `at most the burst of 2 is admitted: ${statuses}`);
    const refused = answers.filter((a) => a.status === 429);
    assert.ok(refused.length >= 3, `at least three of five refused: ${statuses}`);
    for (const r of refused) {
      assert.match(r.headers['retry-after'], /^[1-9]\d*$/, `Retry-After is whole seconds: ${r.headers['retry-after']}`);
      assert.equal(r.body.statusCode, 429);
      assert.equal(r.body.errorCode, 'TOO_MANY_REQUESTS');
      assert.match(r.body.message, /requests per second/);
    }

    const admitted = uris.filter((_, i) => statuses[i] === 202);
    if (admitted.length > 0) await sluice.waitForCompleted(admitted, 'ADD');
    await waitForCount(sluice, word, admitted.length);
    const found = await searchByUri(sluice, word);
    assert.deepEqual([...found.keys()].sort(), [...admitted].sort(), 'a refused push left nothing behind');
  });
});
