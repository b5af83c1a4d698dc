// CatalogSource and the Stream API: create (sourceType CATALOG), batchUpdateDocuments
// (PUT .../stream/update?fileId=), batchStreamDocuments (open, chunk, upload, close: a full
// rebuild), PUT .../stream/merge?fileId= and POST .../stream/deleteolderthan/{ms}.
// The steps build on each other, in order, on one catalog source.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {PUSH_PREFIX, assertClientRequest, coveo, searchByUri, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {CatalogSource, PushSource, DocumentBuilder, SourceVisibility} = coveo;
const NO_FIELDS = {createFields: false};

/** A catalog item whose body holds the shared `word` and a word of its own (`${word}n${n}`). */
function product(word, n) {
  return new DocumentBuilder(`https://example.com/catalog/${word}/${n}`, `Product ${n}`)
      .withData(`${word} ${word}n${n} catalog entry`);
}

/** The uris a search for `word` finds, sorted. */
async function urisFor(sluice, word) {
  return [...(await searchByUri(sluice, word)).keys()].sort();
}

/** Uploads `body` to a new file container the way the client does; returns its fileId. */
async function fillContainer(sluice, body) {
  const created = await sluice.request('POST', `${PUSH_PREFIX}/files`);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const {uploadUri, fileId, requiredHeaders} = created.body;
  const upload = await fetch(uploadUri, {method: 'PUT', headers: requiredHeaders, body: JSON.stringify(body)});
  assert.equal(upload.status, 200, await upload.text());
  return fileId;
}

/** Waits until the Logs API has a COMPLETED `operation` entry for `documentId`; returns it. */
function waitForLogged(sluice, documentId, operation) {
  return sluice.waitFor(`a COMPLETED ${operation} log entry for ${documentId}`, async () => {
    const entries = await sluice.logs({documentId, filters: {operations: [operation]}});
    const failed = entries.find((e) => ['ERROR', 'REJECTED'].includes(e.result));
    if (failed) throw new Error(`${operation} of ${documentId} ended ${failed.result}: ${JSON.stringify(failed)}`);
    return entries.find((e) => e.result === 'COMPLETED');
  });
}

describe('catalog source and the Stream API', () => {
  let sluice;
  let catalog;
  let sourceId;
  let streamPath;
  const word = uniqueWord('catalog');
  const uri = (n) => `https://example.com/catalog/${word}/${n}`;
  // An item of the Push source with the same word: no catalog operation may touch it.
  const bystander = `https://example.com/catalog-bystander/${word}`;

  before(async () => {
    sluice = await new Sluice({extraArgs: ['--ignore-queue-delay']}).start();
    catalog = new CatalogSource(API_KEY, ORG);
    const push = new PushSource(API_KEY, ORG);
    await push.addOrUpdateDocument(SOURCE, new DocumentBuilder(bystander, 'Bystander').withData(word), NO_FIELDS);
    await sluice.waitForCompleted([bystander], 'ADD');
  });
  after(() => sluice.stop());

  it('create makes a CATALOG source', async () => {
    const mark = wireMark();
    const created = await catalog.create(`Catalog ${word}`, SourceVisibility.SHARED);
    const [call] = wireSince(mark);
    assert.equal(new URL(call.target).pathname, `/rest/organizations/${ORG}/sources`);
    assert.equal(call.status, 201);
    assert.deepEqual(JSON.parse(call.body.text),
        {name: `Catalog ${word}`, streamEnabled: true, sourceVisibility: 'SHARED', sourceType: 'CATALOG'});
    assert.equal(typeof created.id, 'string');
    assert.ok(created.id.length > 0);
    sourceId = created.id;
    streamPath = `${PUSH_PREFIX}/sources/${sourceId}/stream`;

    const listed = await sluice.request('GET', `/api/v1/organizations/${ORG}/sources`);
    assert.ok(listed.body.sources.some((s) => s.id === sourceId), JSON.stringify(listed.body));
  });

  it('batchUpdateDocuments goes through a file container and PUT stream/update', async () => {
    const mark = wireMark();
    const res = await catalog.batchUpdateDocuments(sourceId,
        {addOrUpdate: [1, 2, 3].map((n) => product(word, n)), delete: []}, NO_FIELDS);
    assert.equal(res.status, 202);
    const answer = await res.json();
    assert.match(String(answer.orderingId), /^\d+$/);
    assert.equal(typeof answer.requestId, 'string');

    const wire = wireSince(mark);
    assert.equal(wire.length, 3, wire.map((r) => `${r.method} ${r.url}`).join(', '));
    assertClientRequest(wire[0], 'POST', `${PUSH_PREFIX}/files`);
    assert.equal(wire[0].status, 201);
    assert.equal(wire[1].status, 200, 'the upload to the uploadUri');
    const target = assertClientRequest(wire[2], 'PUT', `${streamPath}/update`);
    assert.equal(new URL(wire[1].url).pathname, `/blobstore/${ORG}/${target.searchParams.get('fileId')}`);
    assert.equal(wire[2].status, 202);

    await sluice.waitForCompleted([1, 2, 3].map(uri), 'ADD');
    const found = await waitForCount(sluice, word, 4);
    const inCatalog = found.results.filter((r) => r.raw.sourceid === sourceId).map((r) => r.uri).sort();
    assert.deepEqual(inCatalog, [1, 2, 3].map(uri));
  });

  it('batchStreamDocuments opens, fills and closes a stream; the item left out is deleted', async () => {
    const mark = wireMark();
    await catalog.batchStreamDocuments(sourceId,
        {addOrUpdate: [1, 2, 4].map((n) => product(word, n)), delete: []}, NO_FIELDS);

    const wire = wireSince(mark);
    assert.deepEqual(wire.map((r) => `${r.method.toUpperCase()} ${r.status}`),
        ['POST 201', 'POST 200', 'PUT 200', 'POST 200'], 'open, chunk, upload, close');
    assertClientRequest(wire[0], 'POST', `${streamPath}/open`);
    const streamId = new URL(wire[1].target).pathname.split('/').at(-2);
    assertClientRequest(wire[1], 'POST', `${streamPath}/${streamId}/chunk`);
    assert.match(new URL(wire[2].url).pathname, new RegExp(`^/blobstore/${ORG}/`));
    assertClientRequest(wire[3], 'POST', `${streamPath}/${streamId}/close`);
    const uploaded = JSON.parse(wire[2].body.text);
    assert.deepEqual(uploaded.addOrUpdate.map((d) => d.documentId), [1, 2, 4].map(uri));

    await sluice.waitForCompleted([uri(4)], 'ADD');
    const deleted = await waitForLogged(sluice, uri(3), 'DELETE_OLDER_THAN');
    assert.equal(deleted.sourceId, sourceId);
    await waitForCount(sluice, `${word}n3`, 0);
    assert.deepEqual(await urisFor(sluice, word), [...[1, 2, 4].map(uri), bystander].sort());
  });

  it('PUT stream/merge changes the given fields and keeps the rest of the item', async () => {
    const fileId = await fillContainer(sluice, {addOrUpdate: [{documentId: uri(1), title: 'Merged title'}]});
    const res = await sluice.request('PUT', `${streamPath}/merge?fileId=${fileId}`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.match(String(res.body.orderingId), /^\d+$/);
    assert.equal(typeof res.body.requestId, 'string');

    await waitForLogged(sluice, uri(1), 'UPDATE');
    const hit = await sluice.waitFor(`${uri(1)} to show its merged title`, async () => {
      const found = (await searchByUri(sluice, `${word}n1`)).get(uri(1));
      return found?.title === 'Merged title' ? found : null;
    });
    assert.equal(hit.raw.sourceid, sourceId);
    assert.equal((await searchByUri(sluice, `${word}n2`)).get(uri(2))?.title, 'Product 2', 'other items keep theirs');
    assert.deepEqual(await urisFor(sluice, word), [...[1, 2, 4].map(uri), bystander].sort());
  });

  it('POST stream/deleteolderthan/{ms} removes every item of the source', async () => {
    const res = await sluice.request('POST', `${streamPath}/deleteolderthan/${Date.now() + 1000}`);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(typeof res.body.requestId, 'string');

    for (const n of [1, 2, 4]) await waitForLogged(sluice, uri(n), 'DELETE_OLDER_THAN');
    const left = await waitForCount(sluice, word, 1);
    assert.equal(left.results[0].uri, bystander, 'the Push source item stays');
  });

  it('the Stream API refuses a PUSH source with 412', async () => {
    const mark = wireMark();
    await assert.rejects(catalog.batchStreamDocuments(SOURCE, {addOrUpdate: [product(word, 9)], delete: []}, NO_FIELDS),
        (error) => {
          assert.equal(error.name, 'Fetch Error');
          const body = JSON.parse(error.body);
          assert.equal(body.statusCode, 412);
          assert.match(body.message, /CATALOG/);
          return true;
        });
    const wire = wireSince(mark);
    assert.equal(wire.length, 1, 'the client stops after the refused open');
    assertClientRequest(wire[0], 'POST', `${PUSH_PREFIX}/sources/${SOURCE}/stream/open`);
    assert.equal(wire[0].status, 412);

    const merge = await sluice.request('PUT', `${PUSH_PREFIX}/sources/${SOURCE}/stream/merge?fileId=x`);
    assert.equal(merge.status, 412);
    assert.match(merge.body.message, /CATALOG/);
  });
});
