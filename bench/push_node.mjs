// The Node side of bench/push_cli.py: what a user of Coveo's Node client
// (@coveo/push-api-client 4.0.1, installed by tests/conformance/install.sh) runs to push a folder
// of files, in two steps, each its own process so each is timed on its own.
//
//   node bench/push_node.mjs convert LIST.jsonl [--concurrency N]
//     The client pushes JSON documents, not files: every line of LIST.jsonl
//     ({"path", "out", "documentId", "title", "fileExtension"}) becomes the file `out` holding
//     {"documentId", "title", "fileExtension", "compressedBinaryData": base64(zlib(file)),
//     "compressionType": "ZLIB"}. zlib runs on libuv's thread pool, N files at a time.
//
//   SLUICE_URL=http://127.0.0.1:PORT SLUICE_API_KEY=... \
//   node --require tests/conformance/redirect.cjs bench/push_node.mjs push JSON_DIR EXPECTED \
//       [--source local-default] [--max-concurrent 10]
//     new PushSource(key, 'local').batchUpdateDocumentsFromFiles(source, [JSON_DIR],
//     {maxConcurrent, createFields: false}) with onBatchUpload / onBatchError, then
//     `await .batch()`, as the client's README shows. redirect.cjs sends the client's
//     https://*.cloud.coveo.com requests to SLUICE_URL.
//
// Each step prints one JSON line of figures on stdout and exits 0 only when every file was
// converted, or every one of EXPECTED documents was acknowledged (202), and nothing failed.

import {mkdirSync, readFileSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import zlib from 'node:zlib';

const deflate = promisify(zlib.deflate);
const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function option(args, name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

async function convert(args) {
  const listPath = args[0];
  const concurrency = Number(option(args, '--concurrency', '4'));
  const tasks = readFileSync(listPath, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  const started = performance.now();
  let next = 0;
  let inputBytes = 0;
  let compressedBytes = 0;
  let jsonBytes = 0;
  const madeDirs = new Set();
  const worker = async () => {
    for (let i; (i = next++) < tasks.length;) {
      const task = tasks[i];
      const raw = await readFile(task.path);
      const compressed = await deflate(raw);
      const doc = {documentId: task.documentId, title: task.title};
      if (task.fileExtension) doc.fileExtension = task.fileExtension;
      doc.compressedBinaryData = compressed.toString('base64');
      doc.compressionType = 'ZLIB';
      const text = JSON.stringify(doc);
      const dir = path.dirname(task.out);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, {recursive: true});
        madeDirs.add(dir);
      }
      await writeFile(task.out, text);
      inputBytes += raw.length;
      compressedBytes += compressed.length;
      jsonBytes += Buffer.byteLength(text);
    }
  };
  await Promise.all(Array.from({length: concurrency}, worker));
  console.log(JSON.stringify({
    files: tasks.length, input_bytes: inputBytes, compressed_bytes: compressedBytes,
    json_bytes: jsonBytes, seconds: (performance.now() - started) / 1000,
  }));
  return 0;
}

// Counts the client's requests in flight (after redirect.cjs has rerouted them), to show how
// many batches the client really sends at once.
function countRequests() {
  const stats = {requests: 0, in_flight_max: 0, uploads: 0, upload_bytes: 0, uploads_in_flight_max: 0};
  let inFlight = 0;
  let uploadsInFlight = 0;
  const inner = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const isUpload = String(input instanceof Request ? input.url : input).includes('/blobstore/');
    stats.requests++;
    stats.in_flight_max = Math.max(stats.in_flight_max, ++inFlight);
    if (isUpload) {
      stats.uploads++;
      if (typeof init?.body === 'string') stats.upload_bytes += Buffer.byteLength(init.body);
      stats.uploads_in_flight_max = Math.max(stats.uploads_in_flight_max, ++uploadsInFlight);
    }
    try {
      return await inner(input, init);
    } finally {
      inFlight--;
      if (isUpload) uploadsInFlight--;
    }
  };
  return stats;
}

async function push(args) {
  const [jsonDir, expectedText] = args;
  const expected = Number(expectedText);
  const source = option(args, '--source', 'local-default');
  const maxConcurrent = Number(option(args, '--max-concurrent', '10'));
  if (!process.env.SLUICE_URL || !process.env.SLUICE_API_KEY) {
    console.error('push_node.mjs push: set SLUICE_URL and SLUICE_API_KEY');
    return 2;
  }
  if (typeof globalThis.__sluiceWire === 'undefined') {
    console.error('push_node.mjs push: run it with node --require tests/conformance/redirect.cjs');
    return 2;
  }
  const require = createRequire(path.join(REPO, 'tests', 'conformance', 'package.json'));
  const {PushSource} = require('@coveo/push-api-client');
  const requests = countRequests();
  const started = performance.now();
  const pushSource = new PushSource(process.env.SLUICE_API_KEY, 'local');
  let acknowledged = 0;
  let batches = 0;
  const errors = [];
  await pushSource.batchUpdateDocumentsFromFiles(source, [jsonDir], {maxConcurrent, createFields: false})
      .onBatchUpload(({batch, res}) => {
        // The client also calls this after a failed batch (with no response): count only 202s.
        if (res?.status === 202) {
          acknowledged += batch.length;
          batches++;
        }
      })
      .onBatchError((error) => errors.push(String(error?.stack ?? error).slice(0, 2000)))
      .batch();
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    documents: acknowledged, batches, errors: errors.length, seconds, ...requests,
    heap_used_bytes: process.memoryUsage().heapUsed,
  }));
  for (const e of errors.slice(0, 5)) console.error(`batch failed: ${e}`);
  if (errors.length > 0 || acknowledged !== expected) {
    console.error(`push_node.mjs: ${acknowledged} of ${expected} documents acknowledged, ` +
        `${errors.length} batch(es) failed`);
    return 1;
  }
  return 0;
}

const [mode, ...rest] = process.argv.slice(2);
const code = mode === 'convert' ? await convert(rest) : mode === 'push' ? await push(rest) : (() => {
  console.error('usage: push_node.mjs convert LIST.jsonl | push JSON_DIR EXPECTED');
  return 2;
})();
process.exitCode = code;
