// PushSource.setSourceStatus: POST .../sources/{source}/status?statusType=.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {PUSH_PREFIX, assertClientRequest, coveo, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {PushSource, DocumentBuilder} = coveo;

/** The source's status as the Content Browser's JSON reports it. */
async function sourceStatus(sluice) {
  const res = await sluice.request('GET', `/api/v1/organizations/${ORG}/sources`);
  assert.equal(res.status, 200);
  return res.body.sources.find((s) => s.id === SOURCE)?.status;
}

describe('setSourceStatus', () => {
  let sluice;
  let source;
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
  });
  after(() => sluice.stop());

  it('a rebuild wrapped in REBUILD ... IDLE: each status is recorded and items pushed in between are indexed', async () => {
    const word = uniqueWord('status');
    const mark = wireMark();
    await source.setSourceStatus(SOURCE, 'REBUILD');
    const [call] = wireSince(mark);
    const target = assertClientRequest(call, 'POST', `${PUSH_PREFIX}/sources/${SOURCE}/status`);
    assert.equal(target.searchParams.get('statusType'), 'REBUILD');
    assert.equal(call.body.text, '{}', 'the client posts an empty JSON object');
    assert.equal(call.status, 201);
    assert.equal(await sourceStatus(sluice), 'REBUILD');

    const uri = `https://example.com/status/${word}`;
    await source.addOrUpdateDocument(SOURCE, new DocumentBuilder(uri, 'During rebuild').withData(word),
        {createFields: false});
    await sluice.waitForCompleted([uri], 'ADD');
    await waitForCount(sluice, word, 1);

    await source.setSourceStatus(SOURCE, 'IDLE');
    assert.equal(await sourceStatus(sluice), 'IDLE');
  });

  for (const status of ['REFRESH', 'INCREMENTAL']) {
    it(`accepts ${status}`, async () => {
      await source.setSourceStatus(SOURCE, status);
      assert.equal(await sourceStatus(sluice), status);
    });
  }

  it('an unknown status is refused and the client rejects with the server message', async () => {
    const before = await sourceStatus(sluice);
    await assert.rejects(source.setSourceStatus(SOURCE, 'PAUSED'), (error) => {
      assert.equal(error.name, 'Fetch Error');
      const body = JSON.parse(error.body);
      assert.equal(body.statusCode, 412);
      assert.equal(body.errorCode, 'INVALID_PARAMETER');
      assert.match(body.message, /PAUSED/);
      return true;
    });
    assert.equal(await sourceStatus(sluice), before, 'the status did not change');
  });
});
