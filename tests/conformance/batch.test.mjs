// PushSource.batchUpdateDocuments and batchUpdateDocumentsFromFiles: file container,
// pre-signed upload, then PUT .../documents/batch?fileId=.

import assert from 'node:assert/strict';
import {mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';

import {DOCUMENTS_PATH, PUSH_PREFIX, assertClientRequest, coveo, searchByUri, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {PushSource, DocumentBuilder} = coveo;
const NO_FIELDS = {createFields: false};
const MIB = 1024 * 1024;

/** Checks the three requests of one file-container upload; returns the fileId. */
function assertContainerUpload([create, upload, batch], sluiceUrl) {
  assertClientRequest(create, 'POST', `${PUSH_PREFIX}/files`);
  assert.equal(create.status, 201);

  const uploadUrl = new URL(upload.url);
  assert.equal(uploadUrl.origin, sluiceUrl, 'Sluice hands out upload URIs that point at itself');
  assert.equal(upload.url, upload.target, 'redirect.cjs left the upload URI alone');
  assert.match(uploadUrl.pathname, new RegExp(`^/blobstore/${ORG}/`));
  assert.ok(uploadUrl.searchParams.get('X-Amz-Signature'), 'the upload URI is pre-signed');
  assert.deepEqual(upload.headers, {
    'x-amz-server-side-encryption': 'AES256',
    'Content-Type': 'application/octet-stream',
  }, 'the client sends exactly the requiredHeaders');
  assert.equal(upload.status, 200);

  const target = assertClientRequest(batch, 'PUT', `${DOCUMENTS_PATH}/batch`);
  assert.equal(batch.status, 202);
  const fileId = target.searchParams.get('fileId');
  assert.equal(uploadUrl.pathname, `/blobstore/${ORG}/${fileId}`);
  return fileId;
}

describe('batch updates through file containers', () => {
  let sluice;
  let source;
  const tempDirs = [];
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
  });
  after(async () => {
    await sluice.stop();
    for (const dir of tempDirs) rmSync(dir, {recursive: true, force: true});
  });

  it('batchUpdateDocuments adds and deletes items in one batch', async () => {
    const word = uniqueWord('batch');
    const doomed = `https://example.com/batch/${word}/doomed`;
    await source.addOrUpdateDocument(SOURCE, new DocumentBuilder(doomed, 'Doomed').withData(word), NO_FIELDS);
    await waitForCount(sluice, word, 1);

    const added = [1, 2, 3].map((n) => `https://example.com/batch/${word}/${n}`);
    const mark = wireMark();
    const response = await source.batchUpdateDocuments(SOURCE, {
      addOrUpdate: added.map((uri, i) =>
        new DocumentBuilder(uri, `Batch item ${i + 1}`).withData(`${word} number ${i + 1}`).withMetadata({rank: i + 1})),
      delete: [{documentId: doomed, deleteChildren: false}],
    }, NO_FIELDS);
    assert.equal(response.status, 202);

    const wire = wireSince(mark);
    assert.equal(wire.length, 3, `three requests, got ${wire.map((r) => `${r.method} ${r.url}`)}`);
    assertContainerUpload(wire, sluice.url);
    const uploaded = JSON.parse(wire[1].body.text);
    assert.deepEqual(uploaded.delete, [{documentId: doomed, deleteChildren: false}]);
    assert.equal(uploaded.addOrUpdate.length, 3);

    await sluice.waitForCompleted(added, 'ADD');
    await sluice.waitForCompleted([doomed], 'DELETE');
    const res = await waitForCount(sluice, word, 3);
    const byUri = new Map(res.results.map((r) => [r.uri, r]));
    added.forEach((uri, i) => assert.equal(String(byUri.get(uri)?.raw.rank), String(i + 1), uri));
    assert.ok(!byUri.has(doomed));

    const batches = await sluice.logs({filters: {operations: ['BATCH_FILE']}});
    const mine = batches.find((e) => e.meta.reason === '4 operations');
    assert.ok(mine, `a BATCH_FILE log entry for 4 operations: ${JSON.stringify(batches)}`);
    assert.equal(mine.result, 'COMPLETED');
  });

  it('batchUpdateDocumentsFromFiles uploads a folder of JSON files over 5 MiB in several containers', async () => {
    const word = uniqueWord('files');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-conformance-json-'));
    tempDirs.push(dir);
    mkdirSync(path.join(dir, 'nested'));
    // 24 files x 25 items x ~10 KiB: about 6 MiB of JSON, so the client must split it
    // into at least two file containers (it caps each at 5 MiB).
    const files = 24;
    const perFile = 25;
    const filler = 'lorem ipsum dolor sit amet '.repeat(380);
    const uris = [];
    for (let f = 0; f < files; f++) {
      const docs = [];
      for (let i = 0; i < perFile; i++) {
        const uri = `https://example.com/files/${word}/${f}/${i}`;
        uris.push(uri);
        docs.push({
          documentId: uri,
          title: `File ${f} item ${i}`,
          data: `${word} ${word}f${f}i${i} ${filler}`,
          author: 'Generator',
          fileExtension: '.txt',
          shard: `s${f % 3}`,
        });
      }
      const where = f % 2 ? path.join(dir, 'nested') : dir;
      writeFileSync(path.join(where, `items-${String(f).padStart(2, '0')}.json`), JSON.stringify(docs));
    }
    writeFileSync(path.join(dir, 'notes.txt'), 'not JSON: the client skips it');
    const totalBytes = ['', 'nested'].flatMap((sub) => readdirSync(path.join(dir, sub))
        .filter((n) => n.endsWith('.json')).map((n) => statSync(path.join(dir, sub, n)).size))
        .reduce((a, b) => a + b, 0);
    assert.ok(totalBytes > 5 * MIB, `the folder holds ${totalBytes} bytes of JSON`);

    const mark = wireMark();
    const uploaded = [];
    const errors = [];
    await source.batchUpdateDocumentsFromFiles(SOURCE, [dir], NO_FIELDS)
        .onBatchUpload(({batch, res}) => uploaded.push({count: batch.length, status: res?.status}))
        .onBatchError((error) => errors.push(error))
        .batch();
    assert.deepEqual(errors, []);
    assert.ok(uploaded.length >= 2, `at least two batches, got ${uploaded.length}`);
    assert.equal(uploaded.reduce((n, b) => n + b.count, 0), uris.length);
    assert.ok(uploaded.every((b) => b.status === 202), JSON.stringify(uploaded));

    // Batches go out concurrently, so match containers, uploads and batch calls by fileId.
    const wire = wireSince(mark);
    const creates = wire.filter((r) => r.url.endsWith(`${PUSH_PREFIX}/files`));
    const uploads = wire.filter((r) => r.url.includes('/blobstore/'));
    const batchCalls = wire.filter((r) => r.url.includes('/documents/batch?'));
    assert.equal(wire.length, creates.length + uploads.length + batchCalls.length, 'nothing else went out');
    assert.equal(creates.length, uploaded.length, 'one container per batch');
    const uploadedIds = uploads.map((r) => new URL(r.url).pathname.split('/').pop()).sort();
    const pushedIds = batchCalls.map((r) => new URL(r.target).searchParams.get('fileId')).sort();
    assert.deepEqual(pushedIds, uploadedIds, 'every uploaded container is pushed once');
    for (const r of uploads) {
      assert.equal(r.status, 200);
      assert.ok(r.body.bytes <= 5 * MIB + 64 * 1024, `an upload of ${r.body.bytes} bytes stays near the 5 MiB cap`);
    }

    const res = await waitForCount(sluice, word, uris.length);
    assert.equal(res.totalCount, uris.length);
    // The index commits before the log entries are written, so the log can trail the search.
    const logged = new Set();
    await sluice.waitFor(`a COMPLETED ADD log entry for each of ${uris.length} items`, async () => {
      const added = await sluice.logs({documentId: `https://example.com/files/${word}/`, matching: 'PARTIAL',
        filters: {operations: ['ADD'], results: ['COMPLETED']}});
      for (const e of added) logged.add(e.id);
      return logged.size >= uris.length;
    });
    assert.deepEqual([...logged].sort(), [...uris].sort(), 'a COMPLETED ADD log entry per item, and no other');

    const sample = await searchByUri(sluice, `${word}f7i3`);
    const hit = sample.get(`https://example.com/files/${word}/7/3`);
    assert.ok(hit, 'one item from a nested file is searchable by its own words');
    assert.equal(hit.title, 'File 7 item 3');
    assert.equal(hit.raw.shard, 's1');
    assert.equal(hit.raw.author, 'Generator');
  });
});
