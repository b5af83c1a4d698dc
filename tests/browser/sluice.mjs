// Starts the real `sluice serve` binary (SLUICE_BIN) on a free port with a temporary data
// directory and the admin key in SLUICE_API_KEY, and talks to it with fetch.

import {spawn} from 'node:child_process';
import {closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ADMIN_KEY = 'xx-browser-0000-admin-key';
export const ORG = 'local';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class Sluice {
  async start() {
    const binary = process.env.SLUICE_BIN;
    if (!binary) throw new Error('SLUICE_BIN must name the sluice binary (ctest sets it)');
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-browser-'));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.logPath = path.join(this.dataDir, 'server.log');
    const out = openSync(this.logPath, 'a');
    this.proc = spawn(binary,
        ['serve', '--data-dir', path.join(this.dataDir, 'data'), '--listen', `127.0.0.1:${this.port}`,
          '--public-url', this.url, '--ignore-queue-delay'],
        {env: {...process.env, SLUICE_API_KEY: ADMIN_KEY}, stdio: ['ignore', out, out]});
    closeSync(out);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({code, signal})));
    let exitedEarly = false;
    this.exited.then(() => { exitedEarly = true; });
    // The first line of the log: a JSON line by default, the text banner with --log-format text.
    const ready = [`Sluice listening on ${this.url}"`, `Sluice listening on ${this.url}\n`];
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline && !exitedEarly) {
      if (ready.some((line) => this.serverLog().includes(line))) return this;
      await sleep(50);
    }
    const log = this.serverLog();
    await this.stop();
    throw new Error(`sluice did not start within ${START_TIMEOUT_MS} ms; its output:\n${log}`);
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS); });
      const outcome = await Promise.race([this.exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    }
    if (this.dataDir && !process.env.SLUICE_KEEP_DATA) rmSync(this.dataDir, {recursive: true, force: true});
  }

  serverLog() {
    return this.logPath && existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  /** One request; resolves to {status, headers, body (parsed JSON when it is JSON)}. */
  async request(method, pathAndQuery, {body, key = ADMIN_KEY, headers = {}} = {}) {
    const init = {method, headers: {...headers}};
    if (key !== null) init.headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      init.headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(new URL(pathAndQuery, this.url), init);
    const text = await res.text();
    let parsed = text;
    if ((res.headers.get('content-type') || '').includes('json') && text) parsed = JSON.parse(text);
    return {status: res.status, headers: res.headers, body: parsed};
  }

  /** PUT .../sources/{source}/documents?documentId= with `key`. */
  pushDocument(key, source, documentId, document, query = '') {
    return this.request('PUT',
        `/push/v1/organizations/${ORG}/sources/${encodeURIComponent(source)}/documents?documentId=` +
        `${encodeURIComponent(documentId)}${query}`, {body: document, key});
  }

  /** Logs API lines of one item, newest first. */
  async itemLogs(documentId) {
    const res = await this.request('GET',
        `/logs/v1/organizations/${ORG}?documentId=${encodeURIComponent(documentId)}&perPage=100`);
    if (res.status !== 200) throw new Error(`logs answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.documentLogEntries;
  }

  /** Waits until each item has a final log line (COMPLETED, ERROR or REJECTED); returns them. */
  async waitForOutcomes(documentIds, timeoutMs = 120_000) {
    const found = new Map();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const id of documentIds) {
        if (found.has(id)) continue;
        const done = (await this.itemLogs(id)).find((e) =>
          ['COMPLETED', 'ERROR', 'REJECTED'].includes(e.result) && e.operation !== 'BATCH_FILE');
        if (done) found.set(id, done);
      }
      if (found.size === documentIds.length) return found;
      await sleep(100);
    }
    const missing = documentIds.filter((id) => !found.has(id));
    throw new Error(`timed out waiting for the outcome of ${missing.join(', ')}; server output ends ` +
        `with:\n${this.serverLog().slice(-2000)}`);
  }
}
