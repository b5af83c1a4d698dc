'use strict';
// Loaded with `node --require ./redirect.cjs` before Coveo's client.
//
// @coveo/push-api-client (dist/APICore.js, dist/help/fileContainer.js) and
// @coveo/platform-client (dist/cjs/utils/createFetcher.js) both call the global
// `fetch` by name at request time; neither uses axios, node:http or its own undici.
// Wrapping globalThis.fetch therefore reroutes every request they make:
//   https://<anything>.cloud.coveo.com/...  ->  $SLUICE_URL/...
// Any other host that is not Sluice itself is refused, so a run can never reach
// the real Coveo cloud (or anything else) by accident. Upload URIs handed out by
// Sluice already name Sluice and pass unchanged.
//
// Every request is also recorded in globalThis.__sluiceWire (method, original and
// rewritten URL, headers, body (whole when small), status) so tests can assert what went on
// the wire; with SLUICE_WIRE_LOG=<file> the same records are appended as JSON lines.

const fs = require('node:fs');

const COVEO_HOST = /^https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*\.cloud\.coveo\.com(?=\/|$)/i;
// Bodies up to this size are kept whole (tests parse them); larger ones as a sample.
const BODY_KEEP_BYTES = 64 * 1024;
const BODY_SAMPLE_CHARS = 400;

const originalFetch = globalThis.fetch;
if (typeof originalFetch !== 'function') {
  throw new Error('redirect.cjs needs a global fetch (Node 18 or later)');
}

const wire = [];
globalThis.__sluiceWire = wire;

// Read at call time: the test file starts Sluice after this module has loaded.
function sluiceOrigin() {
  const raw = process.env.SLUICE_URL;
  if (!raw) {
    throw new Error('SLUICE_URL is not set: start Sluice (sluice.mjs) before the client sends requests');
  }
  return new URL(raw).origin;
}

function rewrite(url) {
  const origin = sluiceOrigin();
  if (COVEO_HOST.test(url)) return url.replace(COVEO_HOST, origin);
  if (new URL(url).origin === origin) return url;
  throw new Error(`redirect.cjs refused a request to ${url}: only *.cloud.coveo.com (rerouted) and ${origin} are allowed`);
}

function headersObject(headers) {
  const out = {};
  if (!headers) return out;
  const entries = headers instanceof Headers || Array.isArray(headers)
    ? [...new Headers(headers).entries()]
    : Object.entries(headers);
  for (const [k, v] of entries) {
    out[k] = /^authorization$/i.test(k) ? String(v).replace(/^(Bearer )(.{4}).*$/, '$1$2…') : String(v);
  }
  return out;
}

function bodySummary(body) {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    const bytes = Buffer.byteLength(body);
    return bytes <= BODY_KEEP_BYTES ? {bytes, text: body} : {bytes, sample: body.slice(0, BODY_SAMPLE_CHARS)};
  }
  if (body instanceof FormData) return {formData: [...body.keys()]};
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return {bytes: body.byteLength};
  return {kind: Object.prototype.toString.call(body)};
}

async function redirectedFetch(input, init) {
  let url;
  if (input instanceof Request) {
    url = input.url;
  } else {
    url = String(input);
  }
  const target = rewrite(url);
  const record = {
    method: (init && init.method) || (input instanceof Request ? input.method : 'GET'),
    url,
    target,
    headers: headersObject((init && init.headers) || (input instanceof Request ? input.headers : undefined)),
    body: bodySummary(init && init.body),
    status: null,
  };
  wire.push(record);
  const forwarded = input instanceof Request ? new Request(target, input) : target;
  try {
    const response = await originalFetch(forwarded, init);
    record.status = response.status;
    record.responseContentType = response.headers.get('content-type');
    return response;
  } catch (error) {
    record.error = String(error && error.cause ? `${error.message}: ${error.cause}` : error);
    throw error;
  } finally {
    if (process.env.SLUICE_WIRE_LOG) {
      fs.appendFileSync(process.env.SLUICE_WIRE_LOG, JSON.stringify(record) + '\n');
    }
  }
}

globalThis.fetch = redirectedFetch;
