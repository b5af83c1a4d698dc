// PushSource.deleteDocument (with and without children) and deleteDocumentsOlderThan.

import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {after, before, describe, it} from 'node:test';

import {DOCUMENTS_PATH, assertClientRequest, coveo, searchByUri, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {PushSource, DocumentBuilder} = coveo;
const NO_FIELDS = {createFields: false};

describe('deleting items', () => {
  let sluice;
  let source;
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
  });
  after(() => sluice.stop());

  async function push(uri, word, parent) {
    const doc = new DocumentBuilder(uri, uri.split('/').pop()).withData(`${word} ${uri}`);
    if (parent) doc.withParentID(parent);
    const res = await source.addOrUpdateDocument(SOURCE, doc, NO_FIELDS);
    assert.equal(res.status, 202);
  }

  it('deleteDocument removes one item and leaves the others', async () => {
    const word = uniqueWord('single');
    const keep = `https://example.com/del/${word}/keep`;
    const gone = `https://example.com/del/${word}/gone`;
    await push(keep, word);
    await push(gone, word);
    await waitForCount(sluice, word, 2);

    const mark = wireMark();
    const res = await source.deleteDocument(SOURCE, gone);
    assert.equal(res.status, 202);
    const [call] = wireSince(mark);
    const target = assertClientRequest(call, 'DELETE', DOCUMENTS_PATH);
    assert.equal(target.searchParams.get('documentId'), gone);
    assert.equal(target.searchParams.get('deleteChildren'), 'false');
    assert.equal(call.body, null, 'a DELETE without a body');

    await sluice.waitForCompleted([gone], 'DELETE');
    const left = await waitForCount(sluice, word, 1);
    assert.equal(left.results[0].uri, keep);
  });

  it('deleteDocument with deleteChildren removes the item and every item below it', async () => {
    const word = uniqueWord('family');
    const parent = `https://example.com/del/${word}/parent`;
    const children = [1, 2].map((n) => `${parent}/child${n}`);
    const grandchild = `${children[0]}/grandchild`;
    const stranger = `https://example.com/del/${word}/stranger`;
    await push(parent, word);
    for (const child of children) await push(child, word, parent);
    await push(grandchild, word, children[0]);
    await push(stranger, word);
    await waitForCount(sluice, word, 5);

    const mark = wireMark();
    assert.equal((await source.deleteDocument(SOURCE, parent, true)).status, 202);
    const target = assertClientRequest(wireSince(mark)[0], 'DELETE', DOCUMENTS_PATH);
    assert.equal(target.searchParams.get('deleteChildren'), 'true');

    await sluice.waitForCompleted([parent], 'DELETE_AND_CHILDREN');
    const left = await waitForCount(sluice, word, 1);
    assert.equal(left.results[0].uri, stranger);
  });

  it('deleteDocumentsOlderThan removes the items pushed before the date and keeps the newer ones', async () => {
    const word = uniqueWord('older');
    const old = [1, 2, 3].map((n) => `https://example.com/old/${word}/${n}`);
    const fresh = `https://example.com/old/${word}/fresh`;
    for (const uri of old) await push(uri, word);
    // Default orderingIds are the push time in ms: step clear of the old ones on both sides.
    await sleep(50);
    const cutoff = new Date();
    await sleep(50);
    await push(fresh, word);
    await waitForCount(sluice, word, 4);

    const mark = wireMark();
    assert.equal((await source.deleteDocumentsOlderThan(SOURCE, cutoff)).status, 202);
    const [call] = wireSince(mark);
    const target = assertClientRequest(call, 'DELETE', `${DOCUMENTS_PATH}/olderthan`);
    assert.equal(target.searchParams.get('orderingId'), String(cutoff.getTime()));
    assert.equal(target.searchParams.get('queueDelay'), null,
        'the client sends no queueDelay; Sluice runs it at once only because of --ignore-queue-delay');

    await sluice.waitFor('a COMPLETED DELETE_OLDER_THAN log entry', async () => {
      const entries = await sluice.logs({filters: {operations: ['DELETE_OLDER_THAN']}});
      const failed = entries.find((e) => ['ERROR', 'REJECTED'].includes(e.result));
      if (failed) throw new Error(`DELETE_OLDER_THAN failed: ${JSON.stringify(failed)}`);
      return entries.find((e) => e.result === 'COMPLETED');
    });
    const left = await waitForCount(sluice, word, 1);
    assert.equal(left.results[0].uri, fresh);
    const hits = await searchByUri(sluice, word);
    for (const uri of old) assert.ok(!hits.has(uri), `${uri} is gone`);
  });
});
