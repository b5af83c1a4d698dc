// Coveo's Node client, unchanged, plus the assertions every test file shares.

import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';

import {ORG, SOURCE} from './sluice.mjs';

const require = createRequire(import.meta.url);
export const coveo = require('@coveo/push-api-client');
// package.json is not in the package's "exports"; read it beside dist/.
const packageJson = path.join(path.dirname(require.resolve('@coveo/push-api-client')), '..', 'package.json');
export const CLIENT_VERSION = JSON.parse(readFileSync(packageJson, 'utf8')).version;

/** Where the client sends document operations once redirect.cjs has rerouted them. */
export const PUSH_PREFIX = `/push/v1/organizations/${ORG}`;
export const DOCUMENTS_PATH = `${PUSH_PREFIX}/sources/${SOURCE}/documents`;

/** Asserts that `record` (from the wire log) is the client's own JSON request to Sluice. */
export function assertClientRequest(record, method, pathname) {
  const target = new URL(record.target);
  assert.equal(record.method.toUpperCase(), method, `method of ${record.url}`);
  assert.equal(target.pathname, pathname);
  assert.match(record.url, /^https:\/\/api\.cloud\.coveo\.com\//, 'the client aimed at Coveo; redirect.cjs rerouted it');
  assert.equal(record.headers['User-Agent'], `CoveoSDKNodeJS/${CLIENT_VERSION}`);
  assert.equal(record.headers['Content-Type'], 'application/json');
  assert.match(record.headers.Authorization, /^Bearer /);
  return target;
}

/** Search results for `word`, as {uri -> result}. */
export async function searchByUri(sluice, word) {
  const res = await sluice.search(word);
  return new Map(res.results.map((r) => [r.uri, r]));
}

/** Waits until a search for `word` finds exactly `count` items; returns the response. */
export function waitForCount(sluice, word, count) {
  return sluice.waitFor(`a search for '${word}' to find ${count} item(s)`, async () => {
    const res = await sluice.search(word);
    return res.totalCount === count ? res : null;
  });
}
