// Starts the real `sluice serve` binary for one test file and talks to it over HTTP
// (node:http, not fetch, so the test's own checks never show up in the client's
// wire log that redirect.cjs keeps).

import {spawn} from 'node:child_process';
import {mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const API_KEY = 'xx-conformance-0000-test-key';
export const ORG = 'local';
export const SOURCE = 'local-default';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const DEFAULT_WAIT_MS = 120_000;

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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One HTTP request to Sluice; resolves to {status, headers, body (parsed JSON or text)}. */
export function request(baseUrl, method, pathAndQuery, {body, headers = {}, key = API_KEY} = {}) {
  const url = new URL(pathAndQuery, baseUrl);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders = {...headers};
  if (key !== null) allHeaders.Authorization = `Bearer ${key}`;
  if (payload !== undefined) {
    allHeaders['Content-Type'] ??= 'application/json';
    allHeaders['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers: allHeaders, timeout: 300_000}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        if ((res.headers['content-type'] || '').includes('json') && text) {
          try {
            parsed = JSON.parse(text);
          } catch {
            // Leave the text as is: the assertion that uses it will show it.
          }
        }
        resolve({status: res.statusCode, headers: res.headers, body: parsed});
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export class Sluice {
  constructor({extraArgs = []} = {}) {
    this.binary = process.env.SLUICE_BIN;
    if (!this.binary) throw new Error('SLUICE_BIN must name the sluice binary (ctest sets it)');
    this.extraArgs = extraArgs;
  }

  /** Starts the server and points redirect.cjs at it through SLUICE_URL. */
  async start() {
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-conformance-'));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.logPath = path.join(this.dataDir, 'server.log');
    // Output goes to a file, not a pipe nobody drains, so the server never blocks on it.
    const out = openSync(this.logPath, 'a');
    this.proc = spawn(
      this.binary,
      ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`, '--ignore-queue-delay',
        ...this.extraArgs],
      {env: {...process.env, SLUICE_API_KEY: API_KEY}, stdio: ['ignore', out, out]});
    closeSync(out);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({code, signal})));
    let exitedEarly = false;
    this.exited.then(() => { exitedEarly = true; });

    // The first line of the log: a JSON line by default, the text banner with --log-format text.
    const ready = [`Sluice listening on ${this.url}"`, `Sluice listening on ${this.url}\n`];
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline && !exitedEarly) {
      const log = existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
      if (ready.some((line) => log.includes(line))) {
        process.env.SLUICE_URL = this.url;
        return this;
      }
      await sleep(50);
    }
    const log = existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
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
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  request(method, pathAndQuery, options) {
    return request(this.url, method, pathAndQuery, options);
  }

  /** Search API v2: POST /rest/search/v2 {"q": ...}. */
  async search(q, extra = {}) {
    const res = await this.request('POST', '/rest/search/v2', {body: {q, numberOfResults: 100, ...extra}});
    if (res.status !== 200) throw new Error(`search '${q}' answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /**
   * Logs API: POST /logs/v1/organizations/{org}?documentId=&perPage=1000 with a
   * filter body; returns documentLogEntries[].
   */
  async logs({documentId, matching, filters = {}} = {}) {
    const query = new URLSearchParams({perPage: '1000'});
    if (documentId !== undefined) query.set('documentId', documentId);
    if (matching !== undefined) query.set('documentIdMatching', matching);
    const res = await this.request('POST', `/logs/v1/organizations/${ORG}?${query}`, {body: filters});
    if (res.status !== 200) throw new Error(`logs answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.documentLogEntries;
  }

  /** Polls `probe` until it returns something truthy; fails with `what` after the timeout. */
  async waitFor(what, probe, timeoutMs = DEFAULT_WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await probe();
      if (last) return last;
      await sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last answer ` +
        `${JSON.stringify(last)}; server output ends with:\n${this.serverLog().slice(-2000)}`);
  }

  /** Waits until every listed document has a COMPLETED log entry for `operation`; returns them. */
  async waitForCompleted(documentIds, operation) {
    const found = new Map();
    await this.waitFor(`COMPLETED ${operation} log entries for ${documentIds.length} document(s)`, async () => {
      for (const id of documentIds) {
        if (found.has(id)) continue;
        const entries = await this.logs({documentId: id});
        const failed = entries.find((e) => e.operation === operation && ['ERROR', 'REJECTED'].includes(e.result));
        if (failed) throw new Error(`${operation} of ${id} ended ${failed.result}: ${JSON.stringify(failed)}`);
        const done = entries.find((e) => e.operation === operation && e.result === 'COMPLETED');
        if (done) found.set(id, done);
      }
      return found.size === documentIds.length;
    });
    return documentIds.map((id) => found.get(id));
  }
}

/** A word no other test uses, so searches see only this test's items. */
export function uniqueWord(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`.replace(/[^a-z0-9]/gi, '');
}

/** The client's requests recorded by redirect.cjs since `from` (an index into the log). */
export function wireSince(from) {
  return globalThis.__sluiceWire.slice(from);
}

export function wireMark() {
  return globalThis.__sluiceWire.length;
}
