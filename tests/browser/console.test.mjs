// The console in Debian's chromium against the real sluice binary: sign in, add a source, create
// a key limited to it, push with that key (a large item with the page's own curl commands, an
// inline item with permissions, a compressed inline item, an item whose title is markup, a corrupt
// item), then search, facet, open an item (Quick View, original, properties, permissions, log),
// find the failed item in the Log Browser with its reason, and revoke the key. Every page is
// screenshot (SLUICE_SCREENSHOTS=1: into docs/console-*.png).

import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import zlib from 'node:zlib';

import {chromium} from 'playwright-core';

import {ADMIN_KEY, ORG, Sluice} from './sluice.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORD = 'quokka';  // in every pushed item, so one search finds them all
const SOURCE_NAME = 'Product docs';
const DOCS = 'https://docs.example.com';
const URIS = {
  guide: `${DOCS}/guide.html`,  // pushed with the page's curl commands (file container)
  secured: `${DOCS}/handbook.html`,  // inline data with permissions and metadata
  notes: `${DOCS}/notes.txt`,  // inline zlib compressedBinaryData
  markup: `${DOCS}/markup.html`,  // title and text full of markup
  broken: `${DOCS}/broken.html`,  // compressedBinaryData that is not zlib: fails in processing
};
const MARKUP_TITLE = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">Tricky';
const NOTES_TEXT = `Release notes\n${WORD} support lands in 2.0.\n`;
const GUIDE_HTML = `<!doctype html><html><head><title>Installation guide</title></head>
<body><h1>Installing</h1><p>The ${WORD} installer copies everything in place.</p></body></html>`;

const shotDir = process.env.SLUICE_SCREENSHOTS === '1' ? path.resolve(HERE, '../../docs') :
                                                         mkdtempSync(path.join(os.tmpdir(), 'sluice-shots-'));

describe('the console in a real browser', () => {
  let sluice;
  let browser;
  let page;
  let sourceId;
  let pushKey;
  let pushKeyId;
  let workDir;
  const pageErrors = [];
  const consoleErrors = [];
  const dialogs = [];

  before(async () => {
    sluice = await new Sluice().start();
    workDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-browser-work-'));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      // Root cannot use chromium's sandbox.
      args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
    });
    const context = await browser.newContext({
      viewport: {width: 1360, height: 860}, colorScheme: 'light', acceptDownloads: true,
      locale: 'en-US', timezoneId: 'UTC',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (sluice) await sluice.stop();
    if (workDir) rmSync(workDir, {recursive: true, force: true});
    if (process.env.SLUICE_SCREENSHOTS !== '1') rmSync(shotDir, {recursive: true, force: true});
  });

  const shot = (name) => page.screenshot({path: path.join(shotDir, `console-${name}.png`)});
  const view = () => page.locator('#view');
  // Waits for the page to show `text` inside `selector`.
  const waitForText = (selector, text) => page.locator(selector, {hasText: text}).first().waitFor();
  const hash = () => page.evaluate(() => location.hash);
  // Waits until the view shows the page the address names (the console marks it when done).
  const settled = () => page.waitForFunction(() =>
    document.getElementById('view').getAttribute('data-rendered') === location.hash);

  it('asks for the API key once and keeps it in sessionStorage only', async () => {
    await page.goto(`${sluice.url}/`);
    await page.locator('#sign-in').waitFor();
    await page.fill('#sign-in-org', ORG);
    await page.fill('#sign-in-key', 'xx-not-a-key');
    await page.click('#sign-in-form button[type=submit]');
    await waitForText('#message', 'refused');

    await page.fill('#sign-in-key', ADMIN_KEY);
    await page.click('#sign-in-form button[type=submit]');
    await waitForText('.sources-table', 'local-default');
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('sluice.session'), local: JSON.stringify(localStorage),
      url: location.href,
    }));
    assert.equal(JSON.parse(stored.session).apiKey, ADMIN_KEY);
    assert.ok(!stored.local.includes(ADMIN_KEY), 'the key is not in localStorage');
    assert.ok(!stored.url.includes(ADMIN_KEY), 'the key is not in the address');

    // A reload keeps the session without asking again.
    await page.reload();
    await waitForText('.sources-table', 'local-default');
    assert.ok(await page.locator('#sign-in').isHidden());
  });

  it('adds a push source from the Sources page', async () => {
    await page.click('.page-actions button:has-text("Add source")');
    const form = page.locator('form[aria-label="Add a source"]');
    await form.locator('input[name=name]').fill(SOURCE_NAME);
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() => /^#\/sources\/local-[a-z0-9]{26}$/.test(location.hash));
    sourceId = decodeURIComponent((await hash()).slice('#/sources/'.length));
    await waitForText('#view h1', SOURCE_NAME);

    const res = await sluice.request('GET', `/rest/organizations/${ORG}/sources/${sourceId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.name, SOURCE_NAME);
    assert.equal(res.body.sourceType, 'PUSH');
  });

  it('shows what a pusher needs: organization, source and the large-item commands', async () => {
    const panel = view().locator('.panel', {hasText: 'What a pusher needs'});
    const values = await panel.locator('.copy-value').allTextContents();
    assert.ok(values.includes(ORG), `the organization id is shown: ${values}`);
    assert.ok(values.includes(sourceId), `the source id is shown: ${values}`);
    const commands = await view().locator('pre.code').textContent();
    for (const part of [`/push/v1/organizations/${ORG}`, `SOURCE='${sourceId}'`, '"$API/files"',
      'Content-Type: application/octet-stream', 'x-amz-server-side-encryption: AES256',
      'compressionType=ZLIB', 'compressedBinaryDataFileId']) {
      assert.ok(commands.includes(part), `the commands contain ${part}`);
    }
    await shot('source');
  });

  it('creates an API key limited to the source, shows it once, then only its fingerprint', async () => {
    await view().locator('.tabs a[data-tab=keys]').click();
    const form = page.locator('form[aria-label="Create an API key"]');
    await form.waitFor();
    await form.locator('input[name=displayName]').fill('Docs crawler');
    assert.ok(await form.locator('input[name=privilege][value=push]').isChecked(), 'push is preset');
    assert.ok(await form.locator(`input[name=source][value="${sourceId}"]`).isChecked(),
        'the key is limited to this source');
    await form.locator('button[type=submit]').click();

    const dialog = page.locator('dialog.dialog');
    await dialog.waitFor();
    pushKey = (await dialog.locator('.copy-value').textContent()).trim();
    assert.match(pushKey, /^xx[0-9a-f-]{36}$/);
    const fingerprint = createHash('sha256').update(pushKey).digest('hex').slice(0, 16);
    assert.ok((await dialog.textContent()).includes(fingerprint), 'the dialog shows the fingerprint');
    await shot('api-key');
    await dialog.locator('button', {hasText: 'I have copied the key'}).click();
    await dialog.waitFor({state: 'detached'});

    const row = view().locator('.keys-table tbody tr', {hasText: 'Docs crawler'});
    await row.waitFor();
    pushKeyId = await row.getAttribute('data-key-id');
    assert.equal((await row.locator('.fingerprint').textContent()).trim(), fingerprint);
    assert.ok((await row.textContent()).includes(SOURCE_NAME));
    assert.ok(!(await page.content()).includes(pushKey), 'the key value is gone from the page');

    const keys = (await sluice.request('GET', `/rest/organizations/${ORG}/apikeys`)).body;
    const created = keys.find((k) => k.id === pushKeyId);
    assert.deepEqual(created.privileges, ['push']);
    assert.deepEqual(created.sourceIds, [sourceId]);
  });

  it('pushes with that key: the page\'s curl commands, inline items, a markup title, a corrupt item', async () => {
    // The large-item procedure exactly as the page shows it.
    await view().locator('.tabs a[data-tab=overview]').click();
    await settled();
    const commands = await view().locator('pre.code').textContent();
    writeFileSync(path.join(workDir, 'guide.html'), GUIDE_HTML);
    const {stdout} = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', commands], {
      cwd: workDir, env: {...process.env, KEY: pushKey, FILE: 'guide.html', DOC: URIS.guide},
    });
    assert.match(stdout, /\{/, `the commands end with the Push API's answer: ${stdout}`);

    const push = async (uri, body, query = '') => {
      const res = await sluice.pushDocument(pushKey, sourceId, uri, body, query);
      assert.equal(res.status, 202, `${uri}: ${JSON.stringify(res.body)}`);
    };
    await push(URIS.secured, {
      title: 'Security handbook', fileExtension: '.html', author: 'Ada Lovelace', category: 'policy',
      data: `<html><body><p>Only staff read the ${WORD} handbook.</p></body></html>`,
      permissions: [{
        allowAnonymous: false,
        allowedPermissions: [{identity: 'alice@example.com', identityType: 'User'}],
        deniedPermissions: [{identity: 'contractors', identityType: 'Group', securityProvider: 'Email'}],
      }],
    });
    await push(URIS.notes, {
      title: 'Release notes', fileExtension: '.txt',
      compressedBinaryData: zlib.deflateSync(Buffer.from(NOTES_TEXT)).toString('base64'),
    }, '&compressionType=ZLIB');
    await push(URIS.markup, {
      title: MARKUP_TITLE, fileExtension: '.html',
      data: `<p>${WORD} &lt;b&gt;bold&lt;/b&gt; and <b>real</b> markup</p>`,
    });
    await push(URIS.broken, {
      title: 'Broken upload', fileExtension: '.html',
      compressedBinaryData: Buffer.from(`this is not zlib data about ${WORD}`).toString('base64'),
    }, '&compressionType=ZLIB');

    // The key is limited to its source.
    const elsewhere = await sluice.pushDocument(pushKey, 'local-default', `${DOCS}/elsewhere`, {data: 'x'});
    assert.equal(elsewhere.status, 403, JSON.stringify(elsewhere.body));

    const outcomes = await sluice.waitForOutcomes(Object.values(URIS));
    for (const [name, uri] of Object.entries(URIS)) {
      assert.equal(outcomes.get(uri).result, name === 'broken' ? 'ERROR' : 'COMPLETED',
          `${name}: ${JSON.stringify(outcomes.get(uri))}`);
    }
  });

  it('lists the source with its type, counts, last activity and status', async () => {
    const status = (type) => sluice.request('POST', `/push/v1/organizations/${ORG}/sources/` +
        `${encodeURIComponent(sourceId)}/status?statusType=${type}`, {key: pushKey});
    assert.equal((await status('REBUILD')).status, 201);
    await page.click('#sidenav a[data-section=sources]');
    await settled();
    const row = view().locator(`.sources-table tr[data-source-id="${sourceId}"]`);
    await row.waitFor();
    const cells = (await row.locator('td').allTextContents()).map((t) => t.trim());
    assert.ok(cells[0].includes(SOURCE_NAME) && cells[0].includes(sourceId), cells[0]);
    assert.equal(cells[1], 'PUSH');
    assert.equal(cells[2], 'REBUILD', 'the open activity');
    assert.equal(cells[3], '4', 'four items indexed');
    assert.equal(cells[4], '1', 'one failed');
    assert.match(cells[5], /just now|min ago/);
    await shot('sources');
    assert.equal((await status('IDLE')).status, 201);
    await page.reload();
    await settled();
    assert.equal((await row.locator('td').nth(2).textContent()).trim(), 'IDLE');
  });

  it('browses a source\'s content from its page', async () => {
    await view().locator(`.sources-table tr[data-source-id="${sourceId}"] a`).first().click();
    await settled();
    await view().locator('.page-actions a', {hasText: 'Browse content'}).click();
    await settled();
    await view().locator('[data-facet=source] .facet-value.selected', {hasText: SOURCE_NAME}).waitFor();
    assert.equal(await view().locator('.result').count(), 4, 'every indexed item of the source');
    assert.ok(!(await hash()).includes('sourceId='), 'the address names the facet value');
  });

  it('searches the Content Browser, narrows with a facet and sorts', async () => {
    await page.click('#sidenav a[data-section=browse]');
    await settled();
    await page.fill('#browse-q', WORD);
    await page.click('form.search button[type=submit]');
    await settled();
    await page.waitForFunction((w) => location.hash.includes(`q=${w}`), WORD);
    await view().locator('ol.results').waitFor();
    const titles = await view().locator('.result-title').allTextContents();
    for (const expected of ['Installation guide', 'Security handbook', 'Release notes', MARKUP_TITLE]) {
      assert.ok(titles.includes(expected), `"${expected}" is among ${JSON.stringify(titles)}`);
    }
    assert.ok(!titles.includes('Broken upload'), 'the failed item is not searchable');

    const sourceValue = view().locator('[data-facet=source] .facet-value', {hasText: SOURCE_NAME});
    await sourceValue.waitFor();
    assert.match(await sourceValue.locator('.facet-count').textContent(), /^4$/);
    await sourceValue.click();
    await settled();
    await page.waitForFunction(() => location.hash.includes('source='));
    await view().locator('[data-facet=source] .facet-value.selected', {hasText: SOURCE_NAME}).waitFor();
    const metas = await view().locator('.result-meta').allTextContents();
    assert.equal(metas.length, 4);
    for (const meta of metas) assert.ok(meta.includes(SOURCE_NAME), meta);

    const typeValue = view().locator('[data-facet=filetype] .facet-value', {hasText: 'txt'});
    assert.match(await typeValue.locator('.facet-count').textContent(), /^1$/);
    const pastHour = view().locator('[data-facet=date] .facet-value', {hasText: 'Past hour'});
    assert.match(await pastHour.locator('.facet-count').textContent(), /^4$/);

    await page.selectOption('#browse-sort', 'date descending');
    await settled();
    await page.waitForFunction(() => location.hash.includes('sort=date+descending'));
    await view().locator('ol.results').waitFor();
    assert.equal(await view().locator('.result').count(), 4);
    await shot('content-browser');
  });

  it('renders a title made of markup as text, and no script runs', async () => {
    const title = view().locator('.result-title', {hasText: '<script>'});
    assert.equal((await title.textContent()).trim(), MARKUP_TITLE);
    const state = await page.evaluate(() => ({
      pwned: window.__pwned, scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img[src="x"]').length,
    }));
    assert.equal(state.pwned, undefined);
    assert.equal(state.scripts, 1, 'only the console\'s own script element');
    assert.equal(state.images, 0);

    await title.locator('a').click();
    await settled();
    await waitForText('#view h1', '<script>');
    assert.equal((await view().locator('h1').textContent()).trim(), MARKUP_TITLE);
    assert.ok((await view().locator('.extracted-text').textContent()).includes('<b>bold</b>'),
        'escaped markup in the text stays text');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(dialogs, [], 'no alert, confirm or prompt opened');
  });

  it('opens an item: Quick View with the extracted text, and why the original is gone', async () => {
    await page.goBack();
    await settled();
    await view().locator('ol.results').waitFor();
    await view().locator('.result-title a', {hasText: 'Installation guide'}).click();
    await settled();
    await waitForText('#view h1', 'Installation guide');
    const quick = await view().locator('.extracted-text').textContent();
    assert.ok(quick.includes(`The ${WORD} installer copies everything in place.`), quick);
    assert.ok(!quick.includes('<p>'), 'the Quick View shows the converted text, not the HTML');
    // Pushed by reference: the container's bytes are deleted once processed.
    assert.match(await view().locator('#original-unavailable').textContent(), /file container/);
  });

  it('downloads an item\'s original bytes', async () => {
    await page.goto(`${sluice.url}/#/sources/${encodeURIComponent(sourceId)}/item?uri=${encodeURIComponent(URIS.notes)}`);
    await settled();
    await waitForText('#view h1', 'Release notes');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-original')]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    assert.equal(readFileSync(await download.path(), 'utf8'), NOTES_TEXT);
    await shot('quick-view');
  });

  it('shows an item\'s properties: fields, item JSON and permission model', async () => {
    await page.goto(`${sluice.url}/#/sources/${encodeURIComponent(sourceId)}/item?uri=${encodeURIComponent(URIS.secured)}`);
    await settled();
    await waitForText('#view h1', 'Security handbook');
    await view().locator('.tabs a[data-tab=properties]').click();
    await settled();
    const fields = view().locator('.fields-table');
    await fields.waitFor();
    const fieldText = await fields.textContent();
    for (const part of ['author', 'Ada Lovelace', 'category', 'policy', 'filetype']) {
      assert.ok(fieldText.includes(part), `the fields show ${part}`);
    }
    await shot('properties');

    await view().locator('.subtabs a[data-tab=json]').click();
    await settled();
    const json = JSON.parse(await view().locator('pre.code').textContent());
    assert.equal(json.uri, URIS.secured);
    assert.equal(json.pushedBody.author, 'Ada Lovelace');
    assert.equal(json.permissions[0].permissionSets[0].allowedPermissions[0].identity, 'alice@example.com');

    await view().locator('.subtabs a[data-tab=permissions]').click();
    await settled();
    const rows = view().locator('.identities-table tbody tr');
    await rows.first().waitFor();
    const text = (await rows.allTextContents()).join('\n');
    assert.match(text, /Allowed\s*alice@example\.com\s*User/);
    assert.match(text, /Denied\s*contractors\s*Group\s*Email/);
    await shot('permissions');

    // Content with permissions is for keys that may view all content (admin is one).
    const searcher = await sluice.request('POST', `/rest/organizations/${ORG}/apikeys`,
        {body: {displayName: 'searcher', privileges: ['search']}});
    assert.equal(searcher.status, 201, JSON.stringify(searcher.body));
    const detail = (uri, key) => sluice.request('GET', `/api/v1/organizations/${ORG}/sources/` +
        `${encodeURIComponent(sourceId)}/items/detail?uri=${encodeURIComponent(uri)}`, {key});
    const refused = await detail(URIS.secured, searcher.body.value);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal((await detail(URIS.notes, searcher.body.value)).status, 200);

    await view().locator('.tabs a[data-tab=log]').click();
    await settled();
    const log = view().locator('.log-table');
    await log.waitFor();
    assert.match(await log.textContent(), /COMPLETED/);
  });

  it('finds the failed item in the Log Browser with its reason', async () => {
    const [logged] = (await sluice.itemLogs(URIS.broken)).filter((e) => e.result === 'ERROR');
    assert.ok(logged && logged.meta.reason, 'the Logs API has a reason');

    await page.click('#sidenav a[data-section=logs]');
    await settled();
    await view().locator('.log-table').waitFor();
    await view().locator('.log-table tr.failed .reason', {hasText: logged.meta.reason}).waitFor();
    await shot('log-browser');
    await view().locator('[data-facet=result] .facet-value', {hasText: 'ERROR'}).click();
    await settled();
    await page.waitForFunction(() => location.hash.includes('result=ERROR'));
    await view().locator('[data-facet=result] .facet-value.selected').waitFor();
    const rows = view().locator('.log-table tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1, 'one failed line');
    const cells = (await rows.first().locator('td').allTextContents()).map((t) => t.trim());
    assert.equal(cells[1], 'ERROR');
    assert.ok(cells[2].startsWith(URIS.broken), cells[2]);
    assert.equal((await rows.first().locator('.reason').textContent()).trim(), logged.meta.reason);
    assert.equal(cells[3], SOURCE_NAME);
    assert.equal(cells[5], 'PROCESSING');

    // Filtering by URI and source keeps it; another URI does not.
    await page.fill('#log-uri', 'broken');
    await page.click('form.log-filters button[type=submit]');
    await settled();
    await page.waitForFunction(() => location.hash.includes('uri=broken'));
    await view().locator('.log-table').waitFor();
    await view().locator('[data-facet=source] .facet-value', {hasText: SOURCE_NAME}).click();
    await settled();
    await page.waitForFunction(() => location.hash.includes('source=local-'));
    await view().locator('[data-facet=source] .facet-value.selected').waitFor();
    assert.equal(await view().locator('.log-table tbody tr').count(), 1);

    await page.fill('#log-uri', 'no-such-item');
    await page.click('form.log-filters button[type=submit]');
    await settled();
    await waitForText('#view .empty', 'No log line matches');
  });

  it('revokes the key; it is refused from then on', async () => {
    await page.click('#sidenav a[data-section=keys]');
    await settled();
    const row = view().locator(`.keys-table tr[data-key-id="${pushKeyId}"]`);
    await row.locator('button', {hasText: 'Revoke'}).click();
    await page.locator('dialog.dialog button', {hasText: 'Revoke key'}).click();
    await row.waitFor({state: 'detached'});
    await waitForText('#message', 'was revoked');
    const res = await sluice.pushDocument(pushKey, sourceId, `${DOCS}/after-revoke`, {data: 'x'});
    assert.equal(res.status, 401, JSON.stringify(res.body));
  });

  it('signs out, forgetting the key, with no script error or CSP violation on the way', async () => {
    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sluice.session')), null);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors.filter((m) => !/status of 401/.test(m)), [],
        'no console error apart from the refused key at sign-in');
    assert.deepEqual(dialogs, []);
  });
});
