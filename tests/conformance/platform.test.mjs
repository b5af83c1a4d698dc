// The client's default options, which reach the Platform API before every push:
// POST /rest/privilege/evaluate, GET /rest/organizations/{org}/indexes/page/fields,
// POST /rest/organizations/{org}/indexes/fields/batch/create, and PushSource.create
// (POST /rest/organizations/{org}/sources).

import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';

import {coveo, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {CatalogSource, PushSource, DocumentBuilder, SourceVisibility} = coveo;
const PLATFORM = '/rest';
const FIELDS_PAGE = `${PLATFORM}/organizations/${ORG}/indexes/page/fields`;
const FIELDS_CREATE = `${PLATFORM}/organizations/${ORG}/indexes/fields/batch/create`;
const EVALUATE = `${PLATFORM}/privilege/evaluate`;

/** Every field Sluice lists, as {name -> type}, read the way the client pages it. */
async function listFields(sluice) {
  const fields = new Map();
  for (let page = 0, pages = 1; page < pages; page++) {
    const res = await sluice.request('GET', `${FIELDS_PAGE}?page=${page}&perPage=1000`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const f of res.body.items) fields.set(f.name, f.type);
    pages = res.body.totalPages;
  }
  return fields;
}

/** The client's Platform API calls since `mark`, as "METHOD pathname" plus their bodies. */
function platformCalls(mark) {
  return wireSince(mark)
      .filter((r) => new URL(r.target).pathname.startsWith(PLATFORM))
      .map((r) => ({
        call: `${r.method.toUpperCase()} ${new URL(r.target).pathname}`,
        url: r.url,
        status: r.status,
        body: r.body?.text ? JSON.parse(r.body.text) : null,
      }));
}

describe('default options (Platform API: privileges, fields, sources)', () => {
  let sluice;
  let source;
  let tempDir;
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-conformance-platform-'));
  });
  after(async () => {
    await sluice.stop();
    rmSync(tempDir, {recursive: true, force: true});
  });

  it('addOrUpdateDocument checks privileges, creates the missing fields, then pushes', async () => {
    const word = uniqueWord('fields');
    const uri = `https://example.com/platform/${word}`;
    const doc = new DocumentBuilder(uri, `Fields ${word}`)
        .withData(word)
        .withMetadata({department: 'legal', headcount: 12, ratio: 0.5, bignumber: 2 ** 40});

    const mark = wireMark();
    assert.equal((await source.addOrUpdateDocument(SOURCE, doc)).status, 202);
    const calls = platformCalls(mark);
    assert.ok(calls[0].url.startsWith('https://platform.cloud.coveo.com/rest/'), calls[0].url);
    const evaluations = calls.filter((c) => c.call === `POST ${EVALUATE}`);
    assert.deepEqual(evaluations.map((c) => c.body.requestedPrivilege.type).sort(), ['CREATE', 'EDIT', 'VIEW', 'VIEW']);
    for (const e of evaluations) {
      assert.equal(e.status, 200);
      assert.equal(e.body.organizationId, ORG);
      assert.deepEqual({...e.body.requestedPrivilege, type: undefined},
          {owner: 'PLATFORM', targetDomain: 'FIELD', targetId: '*', type: undefined});
    }
    assert.ok(calls.some((c) => c.call === `GET ${FIELDS_PAGE}`), 'the client listed the fields');
    const create = calls.find((c) => c.call === `POST ${FIELDS_CREATE}`);
    assert.ok(create, `the client created fields: ${JSON.stringify(calls.map((c) => c.call))}`);
    assert.ok(create.status >= 200 && create.status < 300, `batch/create answered ${create.status}`);
    const requested = new Map(create.body.map((f) => [f.name, f.type]));
    assert.equal(requested.get('department'), 'STRING');
    assert.equal(requested.get('headcount'), 'LONG');
    assert.equal(requested.get('ratio'), 'DOUBLE');
    assert.equal(requested.get('bignumber'), 'LONG_64');

    const fields = await listFields(sluice);
    for (const [name, type] of requested) assert.equal(fields.get(name), type, `field ${name} exists`);
    assert.equal(fields.get('permanentid'), 'STRING');

    await sluice.waitForCompleted([uri], 'ADD');
    const res = await waitForCount(sluice, word, 1);
    assert.equal(res.results[0].raw.department, 'legal');
  });

  it('a second push with the same metadata creates no field', async () => {
    const word = uniqueWord('again');
    const first = new DocumentBuilder(`https://example.com/platform/${word}/1`, 'One').withData(word)
        .withMetadata({colour: 'red'});
    await source.addOrUpdateDocument(SOURCE, first);
    const mark = wireMark();
    const second = new DocumentBuilder(`https://example.com/platform/${word}/2`, 'Two').withData(word)
        .withMetadata({colour: 'blue'});
    assert.equal((await source.addOrUpdateDocument(SOURCE, second)).status, 202);
    const create = platformCalls(mark).find((c) => c.call === `POST ${FIELDS_CREATE}`);
    // The client posts the batch only for fields it did not find in the listing.
    assert.ok(!create || create.body.length === 0, `no field to create, got ${JSON.stringify(create?.body)}`);
    await waitForCount(sluice, word, 2);
  });

  it('batchUpdateDocuments with default options', async () => {
    const word = uniqueWord('pbatch');
    const uris = [1, 2].map((n) => `https://example.com/platform/${word}/${n}`);
    const res = await source.batchUpdateDocuments(SOURCE, {
      addOrUpdate: uris.map((uri, i) => new DocumentBuilder(uri, `P${i}`).withData(word).withMetadata({batchrank: i})),
      delete: [],
    });
    assert.equal(res.status, 202);
    assert.equal((await listFields(sluice)).get('batchrank'), 'LONG');
    await sluice.waitForCompleted(uris, 'ADD');
    await waitForCount(sluice, word, 2);
  });

  it('batchUpdateDocumentsFromFiles with default options', async () => {
    const word = uniqueWord('pfiles');
    const docs = [1, 2, 3].map((n) => ({
      documentId: `https://example.com/platform/${word}/${n}`, title: `F${n}`, data: word, filegroup: 'g',
    }));
    writeFileSync(path.join(tempDir, `${word}.json`), JSON.stringify(docs));
    const errors = [];
    await source.batchUpdateDocumentsFromFiles(SOURCE, [path.join(tempDir, `${word}.json`)])
        .onBatchError((e) => errors.push(e))
        .batch();
    assert.deepEqual(errors, []);
    assert.equal((await listFields(sluice)).get('filegroup'), 'STRING');
    await sluice.waitForCompleted(docs.map((d) => d.documentId), 'ADD');
    await waitForCount(sluice, word, 3);
  });

  it('CatalogSource.batchStreamDocuments with default options creates typed fields the index uses', async () => {
    const word = uniqueWord('pcatalog');
    const catalog = new CatalogSource(API_KEY, ORG);
    const {id} = await catalog.create(`Catalog ${word}`, SourceVisibility.SHARED);
    const uris = [3, 12].map((n) => `https://example.com/platform/${word}/${n}`);
    await catalog.batchStreamDocuments(id, {
      addOrUpdate: uris.map((uri, i) => new DocumentBuilder(uri, `C${i}`).withData(word)
          .withMetadata({stockcount: [3, 12][i]})),
      delete: [],
    });
    assert.equal((await listFields(sluice)).get('stockcount'), 'LONG');
    await sluice.waitForCompleted(uris, 'ADD');
    const res = await sluice.search(word, {aq: '@stockcount>5'});
    assert.deepEqual(res.results.map((r) => r.uri), [uris[1]]);
    assert.equal(res.results[0].raw.stockcount, 12);
  });

  it('PushSource.create makes a source that takes pushes', async () => {
    const word = uniqueWord('newsource');
    const mark = wireMark();
    const created = await source.create(`Conformance ${word}`, SourceVisibility.SHARED);
    const [call] = platformCalls(mark);
    assert.equal(call.call, `POST ${PLATFORM}/organizations/${ORG}/sources`);
    assert.deepEqual(call.body,
        {sourceType: 'PUSH', pushEnabled: true, name: `Conformance ${word}`, sourceVisibility: 'SHARED'});
    assert.equal(typeof created.id, 'string');
    assert.ok(created.id.length > 0);

    const uri = `https://example.com/platform/${word}`;
    const pushed = await source.addOrUpdateDocument(created.id, new DocumentBuilder(uri, 'In a new source').withData(word),
        {createFields: false});
    assert.equal(pushed.status, 202);
    await sluice.waitForCompleted([uri], 'ADD');
    const res = await waitForCount(sluice, word, 1);
    assert.equal(res.results[0].raw.sourceid, created.id);

    const listed = await sluice.request('GET', `/api/v1/organizations/${ORG}/sources`);
    assert.ok(listed.body.sources.some((s) => s.id === created.id && s.name === `Conformance ${word}`),
        JSON.stringify(listed.body));
  });
});
