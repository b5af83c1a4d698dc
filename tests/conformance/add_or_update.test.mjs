// PushSource.addOrUpdateDocument: one item per PUT .../documents?documentId=.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import zlib from 'node:zlib';

import {DOCUMENTS_PATH, assertClientRequest, coveo, waitForCount} from './client.mjs';
import {API_KEY, ORG, SOURCE, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {
  PushSource, DocumentBuilder, PermissionSetBuilder, UserSecurityIdentityBuilder, GroupSecurityIdentityBuilder,
} = coveo;

// The Platform API (field creation) is optional here; see platform.test.mjs for the defaults.
const NO_FIELDS = {createFields: false};

describe('addOrUpdateDocument', () => {
  let sluice;
  let source;
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
  });
  after(() => sluice.stop());

  it('pushes an item with metadata and a permission set; it becomes searchable with its fields', async () => {
    const word = uniqueWord('meta');
    const uri = `https://example.com/add/${word}`;
    const doc = new DocumentBuilder(uri, `Quarterly report ${word}`)
        .withData(`<p>The body mentions ${word} and nothing else of note.</p>`)
        .withFileExtension('.html')
        .withAuthor('Ada Lovelace')
        .withClickableUri(`https://example.com/view/${word}`)
        .withDate('2024-03-01T12:00:00.000Z')
        .withMetadata({category: 'finance', pagecount: 42, tags: ['alpha', 'beta']})
        .withPermissionSet(new PermissionSetBuilder(false)
            .withAllowedPermissions(new UserSecurityIdentityBuilder('alice@example.com'))
            .withDeniedPermissions(new GroupSecurityIdentityBuilder('contractors', 'Email Security Provider')));

    const mark = wireMark();
    const response = await source.addOrUpdateDocument(SOURCE, doc, NO_FIELDS);
    assert.equal(response.status, 202);

    const wire = wireSince(mark);
    assert.equal(wire.length, 1, `one request, got ${wire.map((r) => `${r.method} ${r.url}`)}`);
    const target = assertClientRequest(wire[0], 'PUT', DOCUMENTS_PATH);
    assert.equal(target.searchParams.get('documentId'), uri);
    const sent = JSON.parse(wire[0].body.text);
    assert.equal(sent.documentId, uri, 'the client repeats documentId in the body');
    assert.equal(sent.permissions[0].allowedPermissions[0].identity, 'alice@example.com');

    const [logged] = await sluice.waitForCompleted([uri], 'ADD');
    assert.equal(logged.sourceId, SOURCE);

    const res = await waitForCount(sluice, word, 1);
    const hit = res.results[0];
    assert.equal(hit.uri, uri);
    assert.equal(hit.title, `Quarterly report ${word}`);
    assert.equal(hit.clickUri, `https://example.com/view/${word}`);
    assert.equal(hit.raw.category, 'finance');
    assert.equal(String(hit.raw.pagecount), '42');
    assert.deepEqual(hit.raw.tags, ['alpha', 'beta']);
    assert.equal(hit.raw.author, 'Ada Lovelace');
    assert.equal(hit.raw.permanentid, sent.permanentid, 'the permanentid the client computed is kept');
    assert.equal(hit.raw.permissions, undefined, 'permissions are security, not a field');
  });

  it('accepts a complex permission model (permission levels)', async () => {
    const word = uniqueWord('levels');
    const uri = `https://example.com/add/${word}`;
    const doc = new DocumentBuilder(uri, `Levels ${word}`)
        .withData(`secured ${word}`)
        .withPermissionLevel('managers', [
          new PermissionSetBuilder(false).withAllowedPermissions(new UserSecurityIdentityBuilder(['bob@example.com'])),
        ])
        .withPermissionLevel('everyone', [new PermissionSetBuilder(true)]);
    assert.equal((await source.addOrUpdateDocument(SOURCE, doc, NO_FIELDS)).status, 202);
    await sluice.waitForCompleted([uri], 'ADD');
    const res = await waitForCount(sluice, word, 1);
    assert.equal(res.results[0].uri, uri);
  });

  // The compression types Coveo documents for compressedBinaryData; LZMA has no
  // encoder in Node's standard library, so it is left to the C++ codec tests.
  const encoders = {
    ZLIB: (b) => zlib.deflateSync(b),
    GZIP: (b) => zlib.gzipSync(b),
    DEFLATE: (b) => zlib.deflateRawSync(b),
    UNCOMPRESSED: (b) => b,
  };
  for (const [compressionType, encode] of Object.entries(encoders)) {
    it(`withCompressedBinaryData(${compressionType}) is decoded, extracted and indexed`, async () => {
      const word = uniqueWord(compressionType.toLowerCase());
      const uri = `https://example.com/binary/${word}`;
      const html = `<html><head><title>Packed ${word}</title></head>` +
          `<body><h1>Packed</h1><p>${'filler text '.repeat(200)} ${word}</p></body></html>`;
      const data = encode(Buffer.from(html)).toString('base64');
      const doc = new DocumentBuilder(uri, `Binary ${word}`)
          .withCompressedBinaryData(data, compressionType)
          .withFileExtension('.html');

      const mark = wireMark();
      assert.equal((await source.addOrUpdateDocument(SOURCE, doc, NO_FIELDS)).status, 202);
      const [put] = wireSince(mark);
      assert.match(put.body.text, new RegExp(`"compressionType":"${compressionType}"`));

      await sluice.waitForCompleted([uri], 'ADD');
      const res = await waitForCount(sluice, word, 1);
      assert.equal(res.results[0].uri, uri);
      assert.equal(res.results[0].raw.filetype, 'html');
    });
  }

  it('pushing the same documentId again replaces the item', async () => {
    const before = uniqueWord('old');
    const after = uniqueWord('new');
    const uri = `https://example.com/replace/${before}`;
    await source.addOrUpdateDocument(SOURCE, new DocumentBuilder(uri, 'v1').withData(before), NO_FIELDS);
    await waitForCount(sluice, before, 1);
    await source.addOrUpdateDocument(SOURCE, new DocumentBuilder(uri, 'v2').withData(after), NO_FIELDS);
    const res = await waitForCount(sluice, after, 1);
    assert.equal(res.results[0].title, 'v2');
    assert.equal((await sluice.search(before)).totalCount, 0, 'the first version is gone');
    // The index commits before the log entries are written, so the log can trail the search.
    const completed = async () => (await sluice.logs({documentId: uri}))
        .filter((e) => e.result === 'COMPLETED').map((e) => e.operation);
    await sluice.waitFor('two COMPLETED log entries', async () => (await completed()).length >= 2);
    const ops = await completed();
    assert.equal(ops.length, 2, `two completed operations, got ${ops}`);
  });

  it('a wrong API key is refused and the client surfaces the server error', async () => {
    const stranger = new PushSource('xx-not-a-key', ORG);
    const doc = new DocumentBuilder('https://example.com/refused', 'Refused').withData('nothing');
    await assert.rejects(stranger.addOrUpdateDocument(SOURCE, doc, NO_FIELDS), (error) => {
      assert.equal(error.name, 'Fetch Error');
      const body = JSON.parse(error.body);
      assert.ok([401, 403].includes(body.statusCode), `statusCode ${body.statusCode}`);
      assert.equal(typeof body.errorCode, 'string');
      assert.equal(typeof body.message, 'string');
      return true;
    });
  });
});
