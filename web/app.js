// Sluice console: Sources (status, counts, push instructions, API keys), the Content Browser
// (full-text search with source, file type and date facets; an item's Quick View, properties,
// permission model and log) and the Log Browser (item log lines with filters).
//
// Everything the server returns (titles, URIs, field values, reasons) may have been written by
// whoever pushed the item, so it reaches the page only as text nodes or checked attribute values,
// never as markup. The API key lives in sessionStorage: never in localStorage or the URL.
(function () {
  'use strict';

  const SESSION_KEY = 'sluice.session';
  const LAST_ORG_KEY = 'sluice.lastOrganization';
  const DEFAULT_ORG = 'local';
  const ITEMS_PER_PAGE = 50;
  const RESULTS_PER_PAGE = 20;
  const LOG_LINES_PER_PAGE = 50;
  const FACET_VALUES = 8;

  // Sluice privilege names a key may hold, with what each allows.
  const PRIVILEGES = [
    ['push', 'Push items, file containers and security identities'],
    ['search', 'Search and browse content and logs'],
    ['fields', 'View, create and edit index fields'],
    ['viewallcontent', 'Search every item, whatever its permissions'],
    ['impersonate', 'Issue search tokens for other identities'],
    ['admin', 'Everything: sources, API keys and all of the above'],
  ];
  const LOG_RESULTS = ['COMPLETED', 'WARNING', 'SKIPPED', 'REJECTED', 'ERROR'];
  const LOG_OPERATIONS = ['ADD', 'ADD_BY_REFERENCE', 'UPDATE', 'DELETE', 'DELETE_AND_CHILDREN',
    'DELETE_OLDER_THAN', 'BATCH_FILE'];
  const LOG_TASKS = ['STREAMING', 'CONSUMING', 'CONSUMING_BATCH', 'PROCESSING', 'VALIDATION',
    'MAPPING', 'EXTENSION', 'INDEXING'];
  const HOUR_MS = 3600 * 1000;
  const DAY_MS = 24 * HOUR_MS;
  // The Log Browser's time ranges, newest first; 'all' sends no bounds.
  const LOG_PERIODS = [
    ['hour', 'Past hour', HOUR_MS],
    ['day', 'Past 24 hours', DAY_MS],
    ['week', 'Past 7 days', 7 * DAY_MS],
    ['month', 'Past 30 days', 30 * DAY_MS],
    ['all', 'All time', null],
    ['custom', 'Custom range', null],
  ];
  // The Content Browser's date facet: ranges ending now.
  const DATE_RANGES = [
    ['hour', 'Past hour', HOUR_MS],
    ['day', 'Past 24 hours', DAY_MS],
    ['week', 'Past 7 days', 7 * DAY_MS],
    ['month', 'Past 30 days', 30 * DAY_MS],
    ['year', 'Past year', 365 * DAY_MS],
  ];
  const SORTS = [
    ['relevancy', 'Relevance'],
    ['date descending', 'Newest first'],
    ['date ascending', 'Oldest first'],
    ['@size descending', 'Largest first'],
  ];

  // ---------------------------------------------------------------------------------------------
  // Session

  function loadSession() {
    try {
      const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      if (session && typeof session.org === 'string' && typeof session.apiKey === 'string' &&
          session.org && session.apiKey) {
        return session;
      }
    } catch (e) {
      // Unreadable (edited by hand, or storage disabled): sign in again.
    }
    return null;
  }

  function saveSession(org, apiKey) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({org, apiKey}));
    sessionStorage.setItem(LAST_ORG_KEY, org);
  }

  function clearSession() {
    sessionStorage.removeItem(SESSION_KEY);
    keyInfo = null;
  }

  function lastOrganization() {
    return sessionStorage.getItem(LAST_ORG_KEY) || DEFAULT_ORG;
  }

  // What the server says about the signed-in key ({keyId, privileges, sourceIds, ...}), read once
  // per sign-in.
  let keyInfo = null;

  async function currentKey() {
    if (!keyInfo) keyInfo = await callApi('GET', `${organizationApi()}/session`);
    return keyInfo;
  }

  function isAdmin(key) {
    return Array.isArray(key.privileges) && key.privileges.includes('admin');
  }

  // ---------------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, errorCode, message) {
      super(message);
      this.status = status;
      this.errorCode = errorCode;
    }
  }

  // Calls a Sluice endpoint with the session's key; the fetch Response when it succeeded.
  // Throws ApiError carrying the server's {statusCode, errorCode, message} when it answers an error.
  async function send(method, path, body, accept) {
    const session = loadSession();
    if (!session) throw new ApiError(401, 'NOT_SIGNED_IN', 'Sign in to use the console.');
    const init = {
      method,
      headers: {'Authorization': 'Bearer ' + session.apiKey, 'Accept': accept || 'application/json'},
      cache: 'no-store',
      credentials: 'omit',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'NETWORK_ERROR',
          `Could not reach Sluice for ${method} ${path}: ${e.message}. Is the server running?`);
    }
    if (response.ok) return response;
    const data = parseJson(await response.text());
    const message = data && typeof data.message === 'string' && data.message ?
        data.message :
        `${method} ${path} answered ${response.status} ${response.statusText}.`;
    const code = data && typeof data.errorCode === 'string' ? data.errorCode : '';
    throw new ApiError(response.status, code, message);
  }

  function parseJson(text) {
    try {
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  // The parsed JSON answer (an object or array); null for an empty answer (204).
  async function callApi(method, path, body) {
    const response = await send(method, path, body);
    const text = await response.text();
    if (!text) return null;
    const data = parseJson(text);
    if (data === null || typeof data !== 'object') {
      throw new ApiError(response.status, 'UNEXPECTED_RESPONSE',
          `${method} ${path} answered ${response.status} without JSON.`);
    }
    return data;
  }

  const enc = encodeURIComponent;

  function organizationApi() {
    return `/api/v1/organizations/${enc(loadSession().org)}`;
  }

  function platformApi() {
    return `/rest/organizations/${enc(loadSession().org)}`;
  }

  function sourceApi(sourceId) {
    return `${organizationApi()}/sources/${enc(sourceId)}`;
  }

  async function listSources() {
    const data = await callApi('GET', `${organizationApi()}/sources`);
    return Array.isArray(data.sources) ? data.sources : [];
  }

  // ---------------------------------------------------------------------------------------------
  // Routes. Every page is an address, so back, forward and reload work:
  //   #/sources, #/sources/<id>[?tab=items|keys&page=], #/sources/<id>/item?uri=..&tab=..,
  //   #/browse?q=&source=&filetype=&date=&sort=&page=, #/logs?uri=&source=&result=..., #/keys

  const routes = {
    sources: () => '#/sources',
    source: (sourceId, tab, page) => withParams(`#/sources/${enc(sourceId)}`, {tab, page}),
    item: (sourceId, uri, tab) => withParams(`#/sources/${enc(sourceId)}/item`, {uri, tab}),
    browse: (params) => withParams('#/browse', params || {}),
    logs: (params) => withParams('#/logs', params || {}),
    keys: () => '#/keys',
  };

  // Parameters with empty values (and page 1) are left out; arrays repeat the name.
  function withParams(path, params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === '') continue;
      if (name === 'page' && Number(value) <= 1) continue;
      if (Array.isArray(value)) {
        for (const v of value) search.append(name, String(v));
      } else {
        search.set(name, String(value));
      }
    }
    const text = search.toString();
    return text ? `${path}?${text}` : path;
  }

  function parseRoute(hash) {
    const raw = hash.replace(/^#/, '');
    const question = raw.indexOf('?');
    const path = question < 0 ? raw : raw.slice(0, question);
    const params = new URLSearchParams(question < 0 ? '' : raw.slice(question + 1));
    let segments;
    try {
      segments = path.split('/').filter((segment) => segment !== '').map(decodeURIComponent);
    } catch (e) {
      return {view: 'notFound'};
    }
    const page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
    const section = segments[0] || 'sources';
    if (segments.length <= 1) {
      if (section === 'sources') return {view: 'sources', section};
      if (section === 'browse') return {view: 'browse', section, params, page};
      if (section === 'logs') return {view: 'logs', section, params, page};
      if (section === 'keys') return {view: 'keys', section};
      return {view: 'notFound'};
    }
    if (section !== 'sources') return {view: 'notFound'};
    const sourceId = segments[1];
    if (segments.length === 2) {
      // The Content Browser of earlier versions searched from a source's page.
      if (params.get('q')) return {view: 'redirect', to: routes.browse({q: params.get('q')})};
      return {view: 'source', section, sourceId, tab: params.get('tab') || 'overview', page};
    }
    if (segments.length === 3 && segments[2] === 'item') {
      return {view: 'item', section: 'browse', sourceId, uri: params.get('uri') || '',
        tab: params.get('tab') || 'quickview'};
    }
    if (segments.length === 3 && segments[2] === 'logs') {
      return {view: 'redirect', to: routes.logs({source: sourceId})};
    }
    return {view: 'notFound'};
  }

  // ---------------------------------------------------------------------------------------------
  // DOM building. Strings always become text nodes; there is no path from data to markup.

  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'innerHTML' || name === 'outerHTML') {
        throw new Error('h(): markup is never built from strings');
      }
      if (name === 'href' && !String(value).startsWith('#')) {
        throw new Error('h(): only in-page links here; use externalLink() for item URIs');
      }
      if (name.startsWith('on')) {
        node.addEventListener(name.slice(2), value);
      } else if (name.includes('-') || name === 'role' || name === 'for') {
        node.setAttribute(name, String(value));
      } else {
        node[name] = value;
      }
    }
    appendChildren(node, children);
    return node;
  }

  function appendChildren(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
  }

  function replaceChildren(node, ...children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    appendChildren(node, children);
  }

  // An http(s) URI as a normalised href, or null for anything else (javascript:, data:, file:...).
  function safeHttpUrl(uri) {
    if (typeof uri !== 'string' || !/^https?:\/\//i.test(uri)) return null;
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // A link that opens an item's own URI; plain text when the URI is not http(s).
  function externalLink(uri) {
    const href = safeHttpUrl(uri);
    if (!href) return h('span', {className: 'uri'}, breakableUri(uri));
    const link = h('a', {className: 'uri', target: '_blank', rel: 'noopener noreferrer'},
        breakableUri(uri));
    link.href = href;
    return link;
  }

  function text(value) {
    if (value === null || value === undefined) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  function muted(content) {
    return h('span', {className: 'muted'}, content);
  }

  const DASH = '\u2014';

  function humanSize(bytes) {
    const n = Number(bytes);
    if (bytes === null || bytes === undefined || bytes === '' || !Number.isFinite(n) || n < 0) {
      return DASH;
    }
    if (n < 1024) return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
  }

  function sizeCell(bytes) {
    const shown = humanSize(bytes);
    const exact = shown === DASH ? '' : `${Number(bytes).toLocaleString()} bytes`;
    return h('td', {className: 'number', title: exact}, shown);
  }

  function formatCount(value) {
    const n = Number(value);
    return value === null || value === undefined || !Number.isFinite(n) ? DASH : n.toLocaleString();
  }

  function toDate(value) {
    if (value === null || value === undefined || value === '' || value === 0) return null;
    const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  // Milliseconds since the epoch (number or digit string) or an ISO date, shown in local time.
  function dateNode(value) {
    const date = toDate(value);
    if (!date) return value ? text(value) : muted(DASH);
    const iso = date.toISOString();
    const format = date.getFullYear() === new Date().getFullYear() ? DATE_FORMAT :
        Object.assign({year: 'numeric'}, DATE_FORMAT);
    return h('time', {dateTime: iso, title: iso}, date.toLocaleString(undefined, format));
  }

  const DATE_FORMAT = {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    second: '2-digit'};

  // "3 min ago", with the exact time as a tooltip.
  function relativeDateNode(value) {
    const date = toDate(value);
    if (!date) return muted('never');
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    let shown;
    if (seconds < 45) {
      shown = 'just now';
    } else if (seconds < 3600) {
      shown = `${Math.max(1, Math.round(seconds / 60))} min ago`;
    } else if (seconds < 86400) {
      shown = `${Math.round(seconds / 3600)} h ago`;
    } else if (seconds < 30 * 86400) {
      shown = `${Math.round(seconds / 86400)} d ago`;
    } else {
      shown = date.toLocaleDateString();
    }
    return h('time', {dateTime: date.toISOString(), title: date.toLocaleString()}, shown);
  }

  // The item's own title, or '' when it has none (the server repeats the URI in that case).
  function itemTitle(item) {
    const title = text(item.title).trim();
    return title && title !== text(item.uri) ? title : '';
  }

  function badge(value, kind) {
    return h('span', {className: `badge badge-${kind}`}, text(value) || '?');
  }

  function stateBadge(state) {
    const kind = {INDEXED: 'ok', FAILED: 'error', PENDING: 'pending', DELETED: 'muted'}[state];
    return badge(state, kind || 'muted');
  }

  function resultBadge(result) {
    const kind = {COMPLETED: 'ok', SUCCESS: 'ok', ERROR: 'error', FAILED: 'error',
      REJECTED: 'error', SKIPPED: 'warn', WARNING: 'warn'}[result];
    return badge(result, kind || 'muted');
  }

  function statusBadge(status) {
    return badge(status || 'IDLE', status && status !== 'IDLE' ? 'info' : 'muted');
  }

  // A heading is a label, or {label, className} to align or size its column.
  function table(caption, headings, rows, className) {
    const headingCell = (heading) => typeof heading === 'object' ?
        h('th', {scope: 'col', className: heading.className}, heading.label) :
        h('th', {scope: 'col'}, heading);
    return h('div', {className: 'table-wrap'},
        h('table', {className},
            h('caption', {className: 'visually-hidden'}, caption),
            h('thead', {}, h('tr', {}, headings.map(headingCell))),
            h('tbody', {}, rows)));
  }

  // A URI as text that may wrap after its separators (/ ? & = # .) rather than inside a word;
  // the <wbr> elements are built here, never parsed from the string.
  function breakableUri(uri) {
    const parts = [];
    for (const piece of text(uri).split(/(?<=[\/?&=#.])/)) {
      if (parts.length) parts.push(h('wbr', {}));
      parts.push(piece);
    }
    return parts;
  }

  function breadcrumbs(...crumbs) {
    const parts = [];
    for (const crumb of crumbs) {
      if (parts.length) parts.push(h('span', {className: 'separator', 'aria-hidden': 'true'}, ' \u203a '));
      parts.push(crumb.href ? h('a', {href: crumb.href}, crumb.label) :
                              h('span', {'aria-current': 'page'}, crumb.label));
    }
    return h('nav', {className: 'breadcrumbs', 'aria-label': 'Breadcrumbs'}, parts);
  }

  function pageHeader(title, subtitle, ...actions) {
    return h('div', {className: 'page-header'},
        h('div', {className: 'page-heading'}, h('h1', {}, title),
            subtitle ? h('p', {className: 'page-subtitle'}, subtitle) : null),
        actions.length ? h('div', {className: 'page-actions'}, actions) : null);
  }

  function tabs(label, entries, active) {
    return h('nav', {className: 'tabs', 'aria-label': label}, entries.map(([name, title, href]) =>
      h('a', {href, className: name === active ? 'tab active' : 'tab',
        'aria-current': name === active ? 'page' : null, 'data-tab': name}, title)));
  }

  // "Items 51–100 of 234" with previous / next links (links, so back and forward work).
  function pager(noun, offset, shown, total, pageSize, hrefForPage, hasMore) {
    const page = Math.floor(offset / pageSize) + 1;
    const first = shown ? offset + 1 : 0;
    const range = `${first.toLocaleString()}\u2013${(offset + shown).toLocaleString()}`;
    const summary = total === null ? `${noun} ${range}` :
                                     `${noun} ${range} of ${total.toLocaleString()}`;
    const previous = offset > 0 ?
        h('a', {href: hrefForPage(page - 1), rel: 'prev'}, '\u2039 Previous') :
        h('span', {className: 'disabled'}, '\u2039 Previous');
    const next = hasMore ? h('a', {href: hrefForPage(page + 1), rel: 'next'}, 'Next \u203a') :
                           h('span', {className: 'disabled'}, 'Next \u203a');
    return h('div', {className: 'pager'}, h('span', {className: 'pager-summary'}, summary), previous,
        next);
  }

  // Highlights [{offset, length}] ranges of `value` with <mark>, as text nodes.
  function highlighted(value, highlights) {
    const source = text(value);
    if (!Array.isArray(highlights) || highlights.length === 0) return source;
    const ranges = highlights
        .map((range) => ({start: Number(range.offset), end: Number(range.offset) + Number(range.length)}))
        .filter((range) => Number.isInteger(range.start) && Number.isInteger(range.end) &&
            range.start >= 0 && range.end > range.start)
        .sort((a, b) => a.start - b.start);
    const parts = [];
    let position = 0;
    for (const range of ranges) {
      const start = Math.max(range.start, position);
      const end = Math.min(range.end, source.length);
      if (start >= end) continue;
      parts.push(source.slice(position, start), h('mark', {}, source.slice(start, end)));
      position = end;
    }
    parts.push(source.slice(position));
    return parts;
  }

  // A value to copy: shown as code, with a button that puts it on the clipboard.
  function copyable(value, label, multiline) {
    const code = multiline ? h('pre', {className: 'code', tabIndex: 0}, value) :
                             h('code', {className: 'copy-value'}, value);
    const button = h('button', {type: 'button', className: 'copy-button',
      'aria-label': `Copy ${label}`}, 'Copy');
    button.addEventListener('click', () => copyText(value, code, button));
    return h('div', {className: multiline ? 'copyable copyable-block' : 'copyable'}, code, button);
  }

  async function copyText(value, node, button) {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = 'Copied';
    } catch (e) {
      // No clipboard access (an insecure origin): select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(node);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  }

  // A modal dialog; `onClose` runs when it closes, however.
  function openDialog(title, body, buttons, onClose) {
    const dialog = h('dialog', {className: 'dialog', 'aria-label': title},
        h('h2', {}, title), body, h('div', {className: 'dialog-actions'}, buttons));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (onClose) onClose(dialog.returnValue);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    return dialog;
  }

  function confirmDialog(title, message, confirmLabel) {
    return new Promise((resolve) => {
      const cancel = h('button', {type: 'button', className: 'secondary'}, 'Cancel');
      const confirm = h('button', {type: 'button', className: 'danger'}, confirmLabel);
      const dialog = openDialog(title, h('p', {}, message), [cancel, confirm],
          (value) => resolve(value === 'confirm'));
      cancel.addEventListener('click', () => dialog.close('cancel'));
      confirm.addEventListener('click', () => dialog.close('confirm'));
    });
  }

  function field(label, control, hint) {
    return h('div', {className: 'form-field'},
        h('label', {for: control.id}, label), control,
        hint ? h('p', {className: 'hint small'}, hint) : null);
  }

  let nextId = 0;
  const uniqueId = (prefix) => `${prefix}-${++nextId}`;

  function checkbox(name, value, label, checked, description) {
    const id = uniqueId(name);
    return h('label', {className: 'check', for: id},
        h('input', {type: 'checkbox', id, name, value, checked}),
        h('span', {className: 'check-label'}, label,
            description ? h('span', {className: 'check-description'}, description) : null));
  }

  function checkedValues(form, name) {
    return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`)).map((i) => i.value);
  }

  // Runs `action` for a form submit, disabling the form's buttons meanwhile and showing a failure
  // in `errorBox`.
  function formAction(form, errorBox, action) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const buttons = Array.from(form.querySelectorAll('button'));
      buttons.forEach((b) => { b.disabled = true; });
      replaceChildren(errorBox);
      try {
        await action();
      } catch (error) {
        showError(errorBox, error, 'The request');
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Sources

  async function sourcesView(route, context) {
    const [sources, key, ready] = await Promise.all([listSources(), currentKey(), readiness()]);
    if (!context.isCurrent()) return null;
    document.title = 'Sources \u00b7 Sluice';
    const org = loadSession().org;
    const admin = isAdmin(key);
    const formSlot = h('div', {});
    const addButton = admin ?
        h('button', {type: 'button', onclick: () => {
          replaceChildren(formSlot, addSourceForm(() => replaceChildren(formSlot)));
          formSlot.querySelector('input').focus();
        }}, 'Add source') :
        null;
    const pending = ready ? Number(ready.pendingOperations) : NaN;
    const backlog = !Number.isFinite(pending) ? null :
        pending === 0 ? 'Nothing waiting: every push is processed' :
        `${pending.toLocaleString()} operation${pending === 1 ? '' : 's'} waiting to be processed`;
    const facts = h('dl', {className: 'facts'},
        h('div', {}, h('dt', {}, 'Organization ID'), h('dd', {}, copyable(org, 'the organization ID'))),
        h('div', {}, h('dt', {}, 'Push API'),
            h('dd', {}, copyable(`${location.origin}/push/v1/organizations/${org}`, 'the Push API URL'))),
        backlog ? h('div', {}, h('dt', {}, 'Journal'), h('dd', {}, backlog)) : null);

    let body;
    if (sources.length === 0) {
      body = h('p', {className: 'empty'}, `Organization \u201c${org}\u201d has no sources yet.`);
    } else {
      const rows = sources.map((source) => {
        const id = text(source.id);
        const name = text(source.name) || id;
        const failed = Number(source.failedCount) || 0;
        return h('tr', {'data-source-id': id},
            h('td', {},
                h('a', {href: routes.source(id), className: 'strong'}, name),
                h('div', {className: 'mono muted small'}, id)),
            h('td', {}, text(source.type)),
            h('td', {}, statusBadge(source.status)),
            h('td', {className: 'number'}, formatCount(source.itemCount)),
            h('td', {className: failed > 0 ? 'number failed-count' : 'number'},
                failed > 0 ? h('a', {href: routes.logs({source: id, result: 'ERROR'})},
                    formatCount(failed)) : formatCount(failed)),
            h('td', {className: 'nowrap'}, relativeDateNode(source.lastActivity)));
      });
      body = table('Sources of the organization',
          ['Source', 'Type', 'Status', {label: 'Items', className: 'number'},
            {label: 'Failed', className: 'number'}, 'Last activity'],
          rows, 'sources-table');
    }
    return h('div', {},
        pageHeader('Sources', 'Where pushed items land. Counts update as the pipeline processes them.',
            addButton),
        facts, formSlot, body);
  }

  async function readiness() {
    try {
      const response = await fetch('/readyz', {cache: 'no-store', credentials: 'omit'});
      return response.ok ? await response.json() : null;
    } catch (e) {
      return null;
    }
  }

  function addSourceForm(onCancel) {
    const name = h('input', {id: uniqueId('source-name'), name: 'name', required: true,
      maxLength: 255, spellcheck: false, placeholder: 'e.g. Product documentation'});
    const type = h('select', {id: uniqueId('source-type'), name: 'sourceType'},
        h('option', {value: 'PUSH'}, 'Push'), h('option', {value: 'CATALOG'}, 'Catalog (Stream API)'));
    const visibility = h('select', {id: uniqueId('source-visibility'), name: 'sourceVisibility'},
        h('option', {value: 'SECURED'}, 'Secured (item permissions apply)'),
        h('option', {value: 'SHARED'}, 'Shared (everyone sees every item)'),
        h('option', {value: 'PRIVATE'}, 'Private'));
    const errors = h('div', {});
    const cancel = h('button', {type: 'button', className: 'secondary', onclick: onCancel}, 'Cancel');
    const form = h('form', {className: 'panel form', 'aria-label': 'Add a source'},
        h('h2', {}, 'Add a source'),
        h('div', {className: 'form-row'}, field('Name', name), field('Type', type),
            field('Content security', visibility)),
        errors,
        h('div', {className: 'form-actions'}, h('button', {type: 'submit'}, 'Add source'), cancel));
    formAction(form, errors, async () => {
      const created = await callApi('POST', `${platformApi()}/sources`,
          {name: name.value.trim(), sourceType: type.value, sourceVisibility: visibility.value});
      navigate(routes.source(text(created.id)));
    });
    return form;
  }

  // ---------------------------------------------------------------------------------------------
  // One source: overview (what a pusher needs), items, API keys.

  async function sourceView(route, context) {
    const {sourceId, tab, page} = route;
    const [sources, key] = await Promise.all([listSources(), currentKey()]);
    if (!context.isCurrent()) return null;
    const source = sources.find((s) => s.id === sourceId);
    if (!source) {
      throw new ApiError(404, 'SOURCE_DOES_NOT_EXIST',
          `Source \u201c${sourceId}\u201d does not exist in organization \u201c${loadSession().org}\u201d.`);
    }
    const name = text(source.name) || sourceId;
    document.title = `${name} \u00b7 Sluice`;
    const failed = Number(source.failedCount) || 0;
    const stats = h('div', {className: 'stats'},
        stat('Status', statusBadge(source.status)),
        stat('Items', formatCount(source.itemCount)),
        stat('Failed', failed > 0 ?
            h('a', {href: routes.logs({source: sourceId, result: 'ERROR'}), className: 'failed-count'},
                formatCount(failed)) :
            formatCount(failed)),
        stat('Last activity', relativeDateNode(source.lastActivity)),
        stat('Type', text(source.type)));
    let body;
    if (tab === 'items') {
      body = await itemTable(sourceId, page);
    } else if (tab === 'keys') {
      body = await keysPanel(key, [source], sourceId);
    } else {
      body = pushInstructions(sourceId);
    }
    if (!context.isCurrent()) return null;
    return h('div', {},
        breadcrumbs({label: 'Sources', href: routes.sources()}, {label: name}),
        pageHeader(name, h('span', {}, 'Source ID ', h('code', {className: 'mono'}, sourceId)),
            h('a', {href: routes.browse({sourceId}), className: 'button secondary'},
                'Browse content'),
            h('a', {href: routes.logs({source: sourceId}), className: 'button secondary'}, 'View log')),
        stats,
        tabs('Source views', [
          ['overview', 'Push', routes.source(sourceId)],
          ['items', 'Items', routes.source(sourceId, 'items')],
          ['keys', 'API keys', routes.source(sourceId, 'keys')],
        ], tab),
        body);
  }

  function stat(label, value) {
    return h('div', {className: 'stat'}, h('div', {className: 'stat-label'}, label),
        h('div', {className: 'stat-value'}, value));
  }

  // The large-item procedure (file container, upload, item by reference) for this source, as
  // commands that run as they are once KEY holds a key with the push privilege.
  function pushCommands(sourceId) {
    const org = loadSession().org;
    const api = `${location.origin}/push/v1/organizations/${org}`;
    return [
      '# Organization and source of this push; KEY is an API key with the push privilege.',
      `API='${api}'`,
      `SOURCE='${sourceId}'`,
      ': "${KEY:?export KEY=<API key>}" "${FILE:=page.html}" "${DOC:=https://example.com/page.html}"',
      '',
      '# 1. Create a file container: the answer holds uploadUri and fileId.',
      'curl -sS --fail-with-body -X POST "$API/files" -H "Authorization: Bearer $KEY" \\',
      '  -H \'Content-Type: application/json\' -d \'{}\' > container.json',
      'UPLOAD=$(python3 -c \'import json;print(json.load(open("container.json"))["uploadUri"])\')',
      'FILE_ID=$(python3 -c \'import json;print(json.load(open("container.json"))["fileId"])\')',
      '',
      '# 2. PUT the zlib-compressed file to uploadUri with exactly these two headers.',
      'python3 -c \'import sys,zlib;sys.stdout.buffer.write(zlib.compress(open(sys.argv[1],"rb").read()))\' "$FILE" > item.zlib',
      'curl -sS --fail-with-body -X PUT "$UPLOAD" -H \'Content-Type: application/octet-stream\' \\',
      '  -H \'x-amz-server-side-encryption: AES256\' --data-binary @item.zlib',
      '',
      '# 3. Push the item by reference to the container (documentId is the item\'s URI).',
      'DOC_ID=$(python3 -c \'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))\' "$DOC")',
      'curl -sS --fail-with-body -X PUT \\',
      '  "$API/sources/$SOURCE/documents?documentId=$DOC_ID&compressionType=ZLIB" \\',
      '  -H "Authorization: Bearer $KEY" -H \'Content-Type: application/json\' \\',
      '  -d "{\\"compressedBinaryDataFileId\\": \\"$FILE_ID\\", \\"fileExtension\\": \\".${FILE##*.}\\"}"',
    ].join('\n');
  }

  function pushInstructions(sourceId) {
    const org = loadSession().org;
    return h('div', {},
        h('section', {className: 'panel'},
            h('h2', {}, 'What a pusher needs'),
            h('dl', {className: 'summary'},
                h('dt', {}, 'Organization ID'), h('dd', {}, copyable(org, 'the organization ID')),
                h('dt', {}, 'Source ID'), h('dd', {}, copyable(sourceId, 'the source ID')),
                h('dt', {}, 'Push API'),
                h('dd', {}, copyable(`${location.origin}/push/v1/organizations/${org}`,
                    'the Push API URL')),
                h('dt', {}, 'API key'),
                h('dd', {}, 'One with the ', h('code', {}, 'push'), ' privilege, limited to this ' +
                    'source: create it under ', h('a', {href: routes.source(sourceId, 'keys')},
                    'API keys'), '.')),
            h('p', {className: 'hint'},
                'Coveo\u2019s clients work unchanged: point their Push API and Platform URLs at ' +
                'this server. Items appear in the counts once processed; failures are in the ',
                h('a', {href: routes.logs({source: sourceId})}, 'Log Browser'), '.')),
        h('section', {className: 'panel'},
            h('h2', {}, 'Push a large item with curl'),
            h('p', {className: 'hint'},
                'The file container procedure: create a container, upload the compressed bytes ' +
                'to its uploadUri, then push the item by reference. Set KEY (and FILE, DOC) first.'),
            copyable(pushCommands(sourceId), 'the commands', true)));
  }

  async function itemTable(sourceId, page) {
    const offset = (page - 1) * ITEMS_PER_PAGE;
    const data = await callApi('GET',
        `${sourceApi(sourceId)}/items?offset=${offset}&limit=${ITEMS_PER_PAGE}`);
    const items = Array.isArray(data.items) ? data.items : [];
    const total = Number(data.totalCount) || 0;
    if (items.length === 0) {
      return total > 0 && offset > 0 ?
          h('p', {className: 'empty'}, `Page ${page} is past the last of the ${total} items. `,
              h('a', {href: routes.source(sourceId, 'items')}, 'Go to the first page')) :
          h('p', {className: 'empty'}, 'This source has no items yet.');
    }
    const rows = items.map((item) => {
      const failed = item.state === 'FAILED';
      const uri = text(item.uri);
      const title = itemTitle(item);
      return h('tr', {className: failed ? 'failed' : ''},
          h('td', {className: 'item-cell'},
              h('a', {href: routes.item(sourceId, uri),
                className: title ? 'item-link' : 'item-link uri'}, title || breakableUri(uri)),
              title ? h('div', {className: 'uri muted'}, breakableUri(uri)) : null,
              item.reason ? h('div', {className: 'reason'}, text(item.reason)) : null),
          h('td', {}, text(item.fileType) || muted(DASH)),
          failed && !Number(item.size) ? h('td', {className: 'number'}, muted(DASH)) :
                                         sizeCell(item.size),
          h('td', {className: 'nowrap'}, dateNode(item.indexedDate)),
          h('td', {}, stateBadge(item.state)));
    });
    const hasMore = offset + items.length < total;
    const pageHref = (p) => routes.source(sourceId, 'items', p);
    return h('div', {},
        pager('Items', offset, items.length, total, ITEMS_PER_PAGE, pageHref, hasMore),
        table(`Items of source ${sourceId}`,
            ['Item', 'Type', {label: 'Size', className: 'number'}, 'Processed', 'State'], rows,
            'items-table'),
        pager('Items', offset, items.length, total, ITEMS_PER_PAGE, pageHref, hasMore));
  }

  // ---------------------------------------------------------------------------------------------
  // API keys: the organization's, or those of one source (`sourceId`), with a creation form.

  async function keysView(route, context) {
    const [key, sources] = await Promise.all([currentKey(), listSources()]);
    if (!context.isCurrent()) return null;
    document.title = 'API keys \u00b7 Sluice';
    const panel = await keysPanel(key, sources, null);
    if (!context.isCurrent()) return null;
    return h('div', {},
        pageHeader('API keys', 'Keys that push, search or administer this organization. A key ' +
            'is shown once, when it is created; Sluice keeps only its SHA-256.'),
        panel);
  }

  async function keysPanel(key, sources, sourceId) {
    if (!isAdmin(key)) {
      return h('p', {className: 'notice info'},
          'Managing API keys needs a key with the admin privilege; this session\u2019s key has ',
          (key.privileges || []).join(', ') || 'none', '.');
    }
    const keys = await callApi('GET', `${platformApi()}/apikeys`);
    const shown = (Array.isArray(keys) ? keys : []).filter((k) =>
      !sourceId || (Array.isArray(k.sourceIds) && k.sourceIds.includes(sourceId)));
    const names = new Map(sources.map((s) => [s.id, text(s.name) || s.id]));
    const rows = shown.map((k) => {
      const own = k.id === key.keyId;
      const revoke = own ?
          muted('This session') :
          h('button', {type: 'button', className: 'danger small-button',
            onclick: () => revokeKey(k)}, 'Revoke');
      const scope = Array.isArray(k.sourceIds) && k.sourceIds.length ?
          k.sourceIds.map((id) => h('div', {className: 'small'}, names.get(id) || id)) :
          muted('All sources');
      return h('tr', {'data-key-id': text(k.id)},
          h('td', {}, h('div', {className: 'strong'}, text(k.displayName) || muted('(no name)')),
              h('div', {className: 'mono muted small'}, text(k.id))),
          h('td', {}, h('code', {className: 'fingerprint'}, text(k.fingerprint) || DASH)),
          h('td', {}, (k.privileges || []).map((p) => badge(p, p === 'admin' ? 'warn' : 'muted'))),
          h('td', {}, scope),
          h('td', {className: 'nowrap'}, dateNode(k.createdDate)),
          h('td', {className: 'actions-cell'}, revoke));
    });
    const list = rows.length ?
        table('API keys', ['Name', 'Fingerprint', 'Privileges', 'Sources', 'Created', ''], rows,
            'keys-table') :
        h('p', {className: 'empty'}, sourceId ? 'No key is limited to this source yet.' :
            'No API keys.');
    return h('div', {}, createKeyForm(sources, sourceId), h('h2', {}, sourceId ?
        'Keys limited to this source' : 'Keys'), list,
    h('p', {className: 'hint small'}, 'The fingerprint is the start of the key\u2019s SHA-256: ',
        h('code', {}, 'printf %s "$KEY" | sha256sum | cut -c1-16'), '.'));
  }

  function sourceLabel(sources, sourceId) {
    const source = sources.find((s) => s.id === sourceId);
    return source ? text(source.name) || sourceId : sourceId;
  }

  function createKeyForm(sources, sourceId) {
    const name = h('input', {id: uniqueId('key-name'), name: 'displayName', maxLength: 255,
      spellcheck: false, placeholder: 'e.g. Crawler for the docs site'});
    const defaults = new Set(sourceId ? ['push'] : ['search']);
    const privileges = h('fieldset', {className: 'checks'}, h('legend', {}, 'Privileges'),
        PRIVILEGES.map(([p, description]) => checkbox('privilege', p, p, defaults.has(p), description)));
    const scope = h('fieldset', {className: 'checks'}, h('legend', {}, 'Sources'),
        sourceId ?
            checkbox('source', sourceId, sourceLabel(sources, sourceId), true, 'Only this source') :
            [h('p', {className: 'hint small'}, 'None checked: every source of the organization.'),
              sources.map((s) => checkbox('source', s.id, text(s.name) || s.id, false, s.id))]);
    const errors = h('div', {});
    const form = h('form', {className: 'panel form', 'aria-label': 'Create an API key'},
        h('h2', {}, sourceId ? 'Create a key for this source' : 'Create a key'),
        field('Name', name), h('div', {className: 'form-row'}, privileges, scope), errors,
        h('div', {className: 'form-actions'}, h('button', {type: 'submit'}, 'Create key')));
    formAction(form, errors, async () => {
      const chosen = checkedValues(form, 'privilege');
      if (chosen.length === 0) throw new Error('Choose at least one privilege.');
      const created = await callApi('POST', `${platformApi()}/apikeys`, {
        displayName: name.value.trim(), privileges: chosen,
        sourceIds: checkedValues(form, 'source'),
      });
      showNewKey(created);
    });
    return form;
  }

  // The key's value, once: it is in this dialog only, and gone when it closes.
  function showNewKey(created) {
    const done = h('button', {type: 'button'}, 'I have copied the key');
    const dialog = openDialog('API key created', h('div', {className: 'new-key'},
        h('p', {className: 'notice warn'}, 'Copy the key now: it is shown only once. Sluice keeps ' +
            'only its SHA-256 and cannot show it again.'),
        copyable(text(created.value), 'the API key'),
        h('dl', {className: 'summary'},
            h('dt', {}, 'Name'), h('dd', {}, text(created.displayName) || muted('(no name)')),
            h('dt', {}, 'ID'), h('dd', {className: 'mono'}, text(created.id)),
            h('dt', {}, 'Fingerprint'), h('dd', {className: 'mono'}, text(created.fingerprint)),
            h('dt', {}, 'Privileges'), h('dd', {}, (created.privileges || []).join(', ')),
            h('dt', {}, 'Sources'), h('dd', {}, (created.sourceIds || []).join(', ') || 'All'))),
    [done], () => render());
    done.addEventListener('click', () => dialog.close());
  }

  async function revokeKey(k) {
    const label = text(k.displayName) || text(k.id);
    const ok = await confirmDialog('Revoke API key',
        `Revoke \u201c${label}\u201d? Clients that use it are refused (401) from now on.`, 'Revoke key');
    if (!ok) return;
    try {
      await callApi('DELETE', `${platformApi()}/apikeys/${enc(text(k.id))}`);
      showMessage(`API key \u201c${label}\u201d was revoked.`, 'info');
      render(true);
    } catch (error) {
      showMessage(`Revoking the key failed: ${errorDescription(error)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Content Browser: /rest/search/v2 with Coveo facets.

  // "YYYY/MM/DD@HH:mm:ss" in UTC, as Coveo's date facets take them.
  function coveoDate(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}@` +
        `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  function browseState(route) {
    const p = route.params;
    return {
      q: (p.get('q') || '').trim(),
      source: p.getAll('source'),
      sourceId: p.getAll('sourceId'),
      filetype: p.getAll('filetype'),
      date: p.get('date') || '',
      sort: SORTS.some(([value]) => value === p.get('sort')) ? p.get('sort') : 'relevancy',
      page: route.page,
    };
  }

  function browseHref(state, changes) {
    const next = Object.assign({}, state, {page: 1}, changes);
    return routes.browse({q: next.q, source: next.source, filetype: next.filetype,
      date: next.date, sort: next.sort === 'relevancy' ? '' : next.sort, page: next.page});
  }

  function searchRequest(state, key, now) {
    const specific = (id, selected) => ({
      facetId: id, field: id, type: 'specific', numberOfValues: FACET_VALUES,
      sortCriteria: 'occurrences', freezeCurrentValues: false, isFieldExpanded: false,
      preventAutoSelect: true, injectionDepth: 1000,
      currentValues: selected.map((value) => ({value, state: 'selected'})),
    });
    const dateValues = DATE_RANGES.map(([name, , span]) => ({
      start: coveoDate(now - span), end: coveoDate(now), endInclusive: true,
      state: state.date === name ? 'selected' : 'idle',
    }));
    const request = {
      q: state.q,
      numberOfResults: RESULTS_PER_PAGE,
      firstResult: (state.page - 1) * RESULTS_PER_PAGE,
      sortCriteria: state.sort,
      excerptLength: 240,
      facets: [
        specific('source', state.source),
        specific('filetype', state.filetype),
        {facetId: 'date', field: 'date', type: 'dateRange', generateAutomaticRanges: false,
          numberOfValues: DATE_RANGES.length, currentValues: dateValues},
      ],
    };
    if (key.viewAllContent) request.viewAllContent = true;
    return request;
  }

  const unique = (values) => Array.from(new Set(values));

  async function browseView(route, context) {
    const state = browseState(route);
    const [key, sources] = await Promise.all([currentKey(), listSources()]);
    const names = new Map(sources.map((s) => [s.id, text(s.name) || s.id]));
    // A source named by its id (the links of a source's page): @source holds the source's name or
    // its id, so both are selected until the answer tells which one the index has.
    const candidates = state.sourceId.flatMap((id) => [id, names.get(id)]).filter(Boolean);
    const now = Date.now();
    const request = searchRequest(
        Object.assign({}, state, {source: unique(state.source.concat(candidates))}), key, now);
    let data;
    try {
      data = await callApi('POST', '/rest/search/v2', request);
    } catch (error) {
      // A server that does not know viewAllContent for this key still searches what the key sees.
      if (!request.viewAllContent || !(error instanceof ApiError) || error.status === 401) throw error;
      delete request.viewAllContent;
      data = await callApi('POST', '/rest/search/v2', request);
    }
    if (!context.isCurrent()) return null;
    document.title = state.q ? `\u201c${state.q}\u201d \u00b7 Content Browser \u00b7 Sluice` :
                               'Content Browser \u00b7 Sluice';
    const results = Array.isArray(data.results) ? data.results : [];
    const total = Number(data.totalCount) || 0;
    const facets = Array.isArray(data.facets) ? data.facets : [];
    const byId = new Map(facets.filter((f) => f && typeof f === 'object').map((f) => [f.facetId, f]));
    if (state.sourceId.length) {
      const sourceFacet = byId.get('source');
      const found = new Set((sourceFacet && Array.isArray(sourceFacet.values) ?
        sourceFacet.values : []).map((v) => text(v.value)));
      state.source = unique(state.source.concat(
          state.sourceId.map((id) => found.has(id) ? id : names.get(id) || id)));
      state.sourceId = [];
      history.replaceState(null, '', browseHref(state, {page: state.page}));
    }
    const sourceLabel = (value) => names.get(value) || value;

    const column = h('aside', {className: 'facets', 'aria-label': 'Facets'},
        specificFacet('Source', 'source', byId.get('source'), state, sourceLabel),
        specificFacet('File type', 'filetype', byId.get('filetype'), state, (v) => v),
        dateFacet(byId.get('date'), state, request.facets[2].currentValues));
    const selectedCount = state.source.length + state.filetype.length + (state.date ? 1 : 0);

    const listing = results.length === 0 ?
        h('p', {className: 'empty'}, state.q ? `No item matches \u201c${state.q}\u201d` : 'No items',
            selectedCount ? ' with the selected facets.' : '.') :
        h('ol', {className: 'results', start: (state.page - 1) * RESULTS_PER_PAGE + 1},
            results.map((result) => resultCard(result, sourceLabel)));
    const pageHref = (p) => browseHref(state, {page: p});
    const firstResult = (state.page - 1) * RESULTS_PER_PAGE;
    const resultsPager = () => pager('Results', firstResult, results.length, total,
        RESULTS_PER_PAGE, pageHref, firstResult + results.length < total);
    const paged = results.length > 0 && (state.page > 1 || total > RESULTS_PER_PAGE);

    return h('div', {},
        pageHeader('Content Browser', 'Every item of the organization, as the Search API ' +
            'returns it. Open an item for its Quick View, properties and log.'),
        searchBar(state),
        h('div', {className: 'with-facets'}, column,
            h('section', {className: 'results-column', 'aria-label': 'Results'},
                h('div', {className: 'results-toolbar'},
                    h('span', {className: 'muted'}, `${total.toLocaleString()} result${total === 1 ? '' : 's'}`),
                    selectedCount ?
                        h('a', {href: browseHref(state, {source: [], filetype: [], date: ''}),
                          className: 'clear'}, 'Clear facets') :
                        null,
                    h('span', {className: 'spacer'}), sortSelect(state)),
                paged ? resultsPager() : null, listing, paged ? resultsPager() : null)));
  }

  function searchBar(state) {
    const input = h('input', {type: 'search', name: 'q', value: state.q, id: 'browse-q',
      placeholder: 'Search the content (words, "phrases", @field==value)',
      'aria-label': 'Search words'});
    const onsubmit = (event) => {
      event.preventDefault();
      navigate(browseHref(state, {q: input.value.trim()}));
    };
    return h('form', {className: 'search', role: 'search', onsubmit}, input,
        h('button', {type: 'submit'}, 'Search'));
  }

  function sortSelect(state) {
    const select = h('select', {id: 'browse-sort', 'aria-label': 'Sort by'},
        SORTS.map(([value, label]) => h('option', {value, selected: value === state.sort}, label)));
    select.addEventListener('change', () => navigate(browseHref(state, {sort: select.value})));
    return h('label', {className: 'sort', for: 'browse-sort'}, 'Sort by ', select);
  }

  function facetBox(title, id, content) {
    return h('section', {className: 'facet', 'data-facet': id, 'aria-label': title},
        h('h2', {className: 'facet-title'}, title), content);
  }

  function facetValue(label, count, selected, href, title) {
    return h('li', {},
        h('a', {href, className: selected ? 'facet-value selected' : 'facet-value', role: 'checkbox',
          'aria-checked': selected ? 'true' : 'false', title},
        h('span', {className: 'facet-check', 'aria-hidden': 'true'}),
        h('span', {className: 'facet-label'}, label),
        h('span', {className: 'facet-count'}, formatCount(count))));
  }

  // A "specific" facet: the values the response counted, selected ones first.
  function specificFacet(title, id, facet, state, label) {
    const selected = state[id];
    const values = facet && Array.isArray(facet.values) ? facet.values : [];
    const seen = new Set(values.map((v) => text(v.value)));
    // A selected value the response left out still shows, so it can be cleared.
    const shown = values.concat(selected.filter((v) => !seen.has(v))
        .map((value) => ({value, state: 'selected', numberOfResults: null})));
    if (shown.length === 0) {
      return facetBox(title, id, h('p', {className: 'facet-empty'}, facet ? 'No values' :
          'Not counted by this server'));
    }
    const items = shown.map((v) => {
      const value = text(v.value);
      const isSelected = selected.includes(value);
      const next = isSelected ? selected.filter((s) => s !== value) : selected.concat([value]);
      return facetValue(label(value) || '(none)', v.numberOfResults, isSelected,
          browseHref(state, {[id]: next}), value);
    });
    return facetBox(title, id, h('ul', {className: 'facet-values'}, items));
  }

  // The date facet: the ranges the console asked for, with the response's counts.
  function dateFacet(facet, state, requested) {
    const values = facet && Array.isArray(facet.values) ? facet.values : [];
    const items = DATE_RANGES.map(([name, label], i) => {
      const wanted = requested[i];
      const found = values.find((v) => v && v.start === wanted.start && v.end === wanted.end) ||
          (values.length === DATE_RANGES.length ? values[i] : null);
      const isSelected = state.date === name;
      return facetValue(label, found ? found.numberOfResults : null, isSelected,
          browseHref(state, {date: isSelected ? '' : name}), `${wanted.start} \u2013 ${wanted.end} UTC`);
    });
    return facetBox('Date', 'date', h('ul', {className: 'facet-values'}, items));
  }

  function resultCard(result, sourceLabel) {
    const raw = result.raw && typeof result.raw === 'object' ? result.raw : {};
    const uri = text(result.uri);
    const title = text(result.title) || uri;
    const sourceName = sourceLabel(text(raw.source));
    const sourceId = text(raw.sourceid) || sourceName;
    const details = [
      sourceName ? h('span', {}, sourceName) : null,
      raw.filetype ? h('span', {}, text(raw.filetype)) : null,
      raw.size !== undefined ? h('span', {}, humanSize(raw.size)) : null,
      raw.date || raw.indexeddate ? h('span', {}, dateNode(raw.date || raw.indexeddate)) : null,
    ].filter(Boolean);
    const titleText = highlighted(title, result.titleHighlights);
    const link = (label, tab) => h('a', {href: routes.item(sourceId, uri, tab)}, label);
    return h('li', {className: 'result'},
        h('div', {className: 'result-title'},
            sourceId ? h('a', {href: routes.item(sourceId, uri), className: 'result-link'}, titleText) :
                       titleText),
        h('div', {className: 'result-uri'}, externalLink(text(result.clickUri) || uri)),
        result.excerpt ?
            h('p', {className: 'excerpt'}, highlighted(result.excerpt, result.excerptHighlights)) :
            null,
        h('div', {className: 'result-meta'}, details),
        sourceId ? h('div', {className: 'result-actions'}, link('Quick view', 'quickview'),
            link('Properties', 'fields'), link('Log', 'log')) : null);
  }

  // ---------------------------------------------------------------------------------------------
  // One item: Quick View, properties (fields, item JSON, permissions) and its log.

  async function itemView(route, context) {
    const {sourceId, uri, tab} = route;
    if (!uri) {
      return h('div', {}, breadcrumbs({label: 'Content Browser', href: routes.browse()}),
          h('p', {className: 'notice error'}, 'No item URI in the address: open an item from a list.'));
    }
    document.title = `${uri} \u00b7 Sluice`;
    const [item, sources] = await Promise.all([
      callApi('GET', `${sourceApi(sourceId)}/items/detail?uri=${enc(uri)}`), listSources()]);
    if (!context.isCurrent()) return null;
    const source = sources.find((s) => s.id === sourceId);
    const sourceName = source ? text(source.name) || sourceId : sourceId;
    const title = itemTitle(item) || uri;
    document.title = `${title} \u00b7 Sluice`;
    const failed = item.state === 'FAILED';
    const orderingId = text(item.orderingId);
    const operation = item.operation && typeof item.operation === 'object' ? item.operation : null;

    const summaryRows = [
      ['URI', externalLink(text(item.uri) || uri)],
      ['Source', h('a', {href: routes.source(sourceId)}, sourceName)],
      ['State', stateBadge(item.state)],
      item.reason ? ['Reason', h('span', {className: 'reason'}, text(item.reason))] : null,
      ['File type', text(item.fileType) || muted(DASH)],
      ['Size', failed && !Number(item.size) ? muted(DASH) : humanSize(item.size)],
      [item.state === 'INDEXED' ? 'Indexed' : 'Processed', dateNode(item.indexedDate)],
      operation ? ['Pushed', [dateNode(operation.receivedDate), ' ', muted(`(${text(operation.kind)})`)]] :
                  null,
      ['Ordering ID', orderingId && orderingId !== '0' ? orderingId : muted(DASH)],
    ].filter(Boolean);
    const summary = h('dl', {className: failed ? 'summary item-summary failed' : 'summary item-summary'},
        summaryRows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));

    const properties = ['fields', 'json', 'permissions'];
    const topTab = properties.includes(tab) ? 'properties' : (tab === 'log' ? 'log' : 'quickview');
    let body;
    if (topTab === 'properties') {
      body = h('div', {},
          tabs('Properties', [
            ['fields', 'Fields', routes.item(sourceId, uri, 'fields')],
            ['json', 'Item JSON', routes.item(sourceId, uri, 'json')],
            ['permissions', 'Permissions', routes.item(sourceId, uri, 'permissions')],
          ], tab),
          tab === 'json' ? itemJson(item) :
              tab === 'permissions' ? permissionsView(item.permissions) : fieldsTable(item.fields));
      body.firstChild.classList.add('subtabs');
    } else if (topTab === 'log') {
      body = h('div', {});
      loadItemLog(body, sourceId, uri, context);
    } else {
      body = quickView(sourceId, item);
    }

    return h('div', {},
        breadcrumbs({label: 'Content Browser', href: routes.browse()},
            {label: sourceName, href: routes.browse({sourceId})}, {label: title}),
        h('h1', {className: 'item-title'}, itemTitle(item) ? title : breakableUri(uri)),
        summary,
        tabs('Item views', [
          ['quickview', 'Quick view', routes.item(sourceId, uri, 'quickview')],
          ['properties', 'Properties', routes.item(sourceId, uri, 'fields')],
          ['log', 'Log', routes.item(sourceId, uri, 'log')],
        ], topTab),
        body);
  }

  function quickView(sourceId, item) {
    const original = item.original && typeof item.original === 'object' ? item.original : {};
    const actions = [];
    if (original.available) {
      actions.push(h('button', {type: 'button', id: 'download-original',
        onclick: (e) => downloadOriginal(e.currentTarget, sourceId, item.uri, false)},
      'Download original'));
      if (original.kind === 'compressedBinaryData' || original.kind === 'compressedBinaryDataFileId') {
        actions.push(h('button', {type: 'button', className: 'secondary',
          onclick: (e) => downloadOriginal(e.currentTarget, sourceId, item.uri, true)},
        `As pushed (${text(original.compressionType) || 'compressed'})`));
      }
    }
    const note = original.available ?
        h('span', {className: 'muted small'}, `Pushed as ${text(original.kind)}` +
            (original.fileExtension ? `, ${text(original.fileExtension)}` : '')) :
        h('span', {className: 'muted small', id: 'original-unavailable'},
            text(original.reason) || 'The original is not available.');
    const content = text(item.text);
    return h('div', {},
        h('div', {className: 'toolbar'}, actions, note),
        h('div', {id: 'download-status', role: 'status'}),
        !content ?
            h('p', {className: 'empty'}, item.state === 'FAILED' ?
                'The item failed before any text was extracted; the reason is above and in its log.' :
                'No text was extracted from this item.') :
            h('div', {className: 'quickview'},
                item.textTruncated ?
                    h('p', {className: 'notice warn'}, 'The text is longer than shown: this is its first 1 MiB.') :
                    null,
                h('pre', {className: 'extracted-text', tabIndex: 0}, content)));
  }

  async function downloadOriginal(button, sourceId, uri, asPushed) {
    const status = document.getElementById('download-status');
    button.disabled = true;
    try {
      const response = await send('GET',
          `${sourceApi(sourceId)}/items/original?uri=${enc(uri)}${asPushed ? '&as=pushed' : ''}`,
          undefined, 'application/octet-stream');
      const blob = await response.blob();
      const disposition = response.headers.get('Content-Disposition') || '';
      const match = /filename="([^"]+)"/.exec(disposition);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = match ? match[1] : 'item';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      replaceChildren(status);
    } catch (error) {
      showError(status, error, 'The download');
    } finally {
      button.disabled = false;
    }
  }

  function fieldsTable(fields) {
    if (!fields || typeof fields !== 'object' || Object.keys(fields).length === 0) {
      return h('p', {className: 'empty'}, 'This item has no fields in the index.');
    }
    const rows = Object.keys(fields).sort().map((name) => {
      const value = fields[name];
      const shown = Array.isArray(value) ?
          h('ul', {className: 'values'}, value.map((v) => h('li', {}, text(v)))) :
          fieldValue(name, value);
      return h('tr', {}, h('th', {scope: 'row', className: 'field-name'}, name),
          h('td', {className: 'field-value'}, shown));
    });
    return table('Fields of the item', ['Field', 'Value'], rows, 'fields-table');
  }

  // Date fields hold milliseconds since the epoch: show the date, keeping the stored number.
  const DATE_FIELDS = new Set(['date', 'indexeddate', 'sysdate', 'sysindexeddate']);

  function fieldValue(name, value) {
    const isEpochMs = (typeof value === 'number' && Number.isFinite(value) && value > 0) ||
        (typeof value === 'string' && /^\d{10,}$/.test(value));
    if (DATE_FIELDS.has(name.toLowerCase()) && isEpochMs) {
      return [dateNode(value), ' ', muted(`(${text(value)})`)];
    }
    if (name === 'clickableuri' && safeHttpUrl(text(value))) return externalLink(text(value));
    return text(value);
  }

  // The item as JSON: what Sluice stores about it, the index fields and the pushed body.
  function itemJson(item) {
    const copy = Object.assign({}, item);
    delete copy.text;
    const json = JSON.stringify(copy, null, 2);
    return h('div', {}, h('p', {className: 'hint'}, 'The item as the console reads it: state, ' +
        'index fields, permission model and the body as pushed (content keys summarised).'),
    copyable(json, 'the item JSON', true));
  }

  // The canonical permission model: levels of permission sets, each with allowed and denied
  // identities (document/permissions.h).
  function permissionsView(levels) {
    if (!Array.isArray(levels) || levels.length === 0) {
      return h('p', {className: 'notice info'}, 'This item was pushed without permissions: ' +
          'every search can return it.');
    }
    const identityRows = (list, allowed) => (Array.isArray(list) ? list : []).map((p) =>
      h('tr', {className: allowed ? '' : 'denied'},
          h('td', {}, badge(allowed ? 'Allowed' : 'Denied', allowed ? 'ok' : 'error')),
          h('td', {className: 'mono'}, text(p.identity)),
          h('td', {}, text(p.identityType)),
          h('td', {}, text(p.securityProvider) || muted('any provider'))));
    return h('div', {className: 'permissions'},
        h('p', {className: 'hint'}, 'An identity must be allowed by every level and denied by ' +
            'none to see the item; within a level, one permission set that allows it is enough.'),
        levels.map((level, li) => h('section', {className: 'panel permission-level'},
            h('h3', {}, text(level.name) || `Level ${li + 1}`),
            (Array.isArray(level.permissionSets) ? level.permissionSets : []).map((set, si) =>
              h('div', {className: 'permission-set'},
                  h('h4', {}, `Permission set ${si + 1}`, set.allowAnonymous ?
                      [' ', badge('Anonymous allowed', 'warn')] : null),
                  table(`Permission set ${si + 1}`, ['', 'Identity', 'Type', 'Provider'],
                      identityRows(set.allowedPermissions, true)
                          .concat(identityRows(set.deniedPermissions, false)),
                      'identities-table'))))));
  }

  async function loadItemLog(container, sourceId, uri, context) {
    replaceChildren(container, h('p', {className: 'loading'}, 'Loading the log\u2026'));
    try {
      const params = new URLSearchParams({sourceId, documentId: uri, perPage: '100'});
      const data = await callApi('GET',
          `/logs/v1/organizations/${enc(loadSession().org)}?${params}`);
      if (!context.isCurrent()) return;
      const entries = Array.isArray(data.documentLogEntries) ? data.documentLogEntries : [];
      replaceChildren(container, entries.length ?
          [logTable(entries, false), h('p', {className: 'hint small'},
            h('a', {href: routes.logs({uri, source: sourceId, period: 'all'})},
                'Open in the Log Browser'))] :
          h('p', {className: 'empty'}, 'No log lines for this item yet.'));
    } catch (error) {
      if (context.isCurrent()) showError(container, error, 'Loading the log');
    }
  }

  // Log lines; with `showItem` (the Log Browser) each line names its item and source, and a
  // failure's reason sits under the item so that it is never scrolled out of view.
  function logTable(entries, showItem, sourceNames) {
    const headings = ['Time', 'Result'].concat(showItem ? ['Item', 'Source'] : [],
        ['Operation', 'Task'], showItem ? [] : ['Reason']);
    const rows = entries.map((entry) => {
      const meta = entry.meta && typeof entry.meta === 'object' ? entry.meta : {};
      const reason = text(meta.reason || entry.reason);
      const bad = ['ERROR', 'REJECTED'].includes(entry.result);
      const id = text(entry.id);
      const source = text(entry.sourceId);
      return h('tr', {className: bad ? 'failed' : ''},
          h('td', {className: 'nowrap'}, dateNode(entry.datetime)),
          h('td', {}, resultBadge(entry.result)),
          showItem ? h('td', {className: 'uri-cell'}, id ?
              h('a', {href: routes.item(source, id, 'log'), className: 'uri'}, breakableUri(id)) :
              muted(DASH), reason ? h('div', {className: 'reason'}, reason) : null) : null,
          showItem ? h('td', {title: source}, (sourceNames && sourceNames.get(source)) || source) :
                     null,
          h('td', {className: 'small'}, text(entry.operation)),
          h('td', {className: 'small'}, text(entry.task)),
          showItem ? null : h('td', {className: 'reason-cell'}, reason));
    });
    return table(showItem ? 'Log lines' : 'Log of the item', headings, rows, 'log-table');
  }

  // ---------------------------------------------------------------------------------------------
  // Log Browser: the Logs API with its filters.

  function logState(route) {
    const p = route.params;
    const period = LOG_PERIODS.some(([name]) => name === p.get('period')) ? p.get('period') : 'week';
    const matching = ['EXACT', 'PARTIAL', 'WILDCARD'].includes(p.get('match')) ? p.get('match') : 'PARTIAL';
    return {
      uri: p.get('uri') || '', match: matching, source: p.getAll('source'),
      operation: p.getAll('operation'), result: p.getAll('result'), task: p.getAll('task'),
      period, from: p.get('from') || '', to: p.get('to') || '', page: route.page,
    };
  }

  function logHref(state, changes) {
    const s = Object.assign({}, state, {page: 1}, changes);
    return routes.logs({uri: s.uri, match: s.uri && s.match !== 'PARTIAL' ? s.match : '',
      source: s.source, operation: s.operation, result: s.result, task: s.task,
      period: s.period === 'week' ? '' : s.period,
      from: s.period === 'custom' ? s.from : '', to: s.period === 'custom' ? s.to : '', page: s.page});
  }

  // A datetime-local value ("2026-11-27T10:30") as a W3C date-time in UTC.
  function localToIso(value) {
    const date = value ? new Date(value) : null;
    return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
  }

  async function logsView(route, context) {
    const state = logState(route);
    const sources = await listSources();
    const query = new URLSearchParams({page: String(state.page - 1), perPage: String(LOG_LINES_PER_PAGE)});
    if (state.uri) {
      query.set('documentId', state.uri);
      query.set('documentIdMatching', state.match);
    }
    const span = (LOG_PERIODS.find(([name]) => name === state.period) || [])[2];
    if (span) {
      query.set('from', new Date(Date.now() - span).toISOString());
    } else if (state.period === 'custom') {
      const from = localToIso(state.from);
      const to = localToIso(state.to);
      if (from) query.set('from', from);
      if (to) query.set('to', to);
    }
    const filters = {sourcesIds: state.source, operations: state.operation, results: state.result,
      tasks: state.task};
    const data = await callApi('POST',
        `/logs/v1/organizations/${enc(loadSession().org)}?${query}`, filters);
    if (!context.isCurrent()) return null;
    document.title = 'Log Browser \u00b7 Sluice';
    const entries = Array.isArray(data.documentLogEntries) ? data.documentLogEntries : [];
    const offset = (state.page - 1) * LOG_LINES_PER_PAGE;
    const pageHref = (p) => logHref(state, {page: p});
    const logPager = () => pager('Lines', offset, entries.length, null, LOG_LINES_PER_PAGE, pageHref,
        Boolean(data.hasNextPage));
    const names = new Map(sources.map((s) => [s.id, text(s.name) || s.id]));
    const column = h('aside', {className: 'facets', 'aria-label': 'Log filters'},
        choiceFacet('Source', 'source', sources.map((s) => [s.id, names.get(s.id)]), state),
        choiceFacet('Result', 'result', LOG_RESULTS.map((r) => [r, r]), state),
        choiceFacet('Operation', 'operation', LOG_OPERATIONS.map((o) => [o, o]), state),
        choiceFacet('Task', 'task', LOG_TASKS.map((t) => [t, t]), state));
    const paged = state.page > 1 || Boolean(data.hasNextPage);
    const listing = entries.length ?
        [paged ? logPager() : null, logTable(entries, true, names), paged ? logPager() : null] :
        h('p', {className: 'empty'}, 'No log line matches these filters.');
    return h('div', {},
        pageHeader('Log Browser', 'Each line is one item passing one stage of the pipeline. ' +
            'Failed items say why.'),
        logFilterBar(state),
        h('div', {className: 'with-facets'}, column,
            h('section', {className: 'results-column', 'aria-label': 'Log lines'}, listing)));
  }

  // A facet of the Log Browser: checkboxes that add or remove a value of the filter.
  function choiceFacet(title, id, choices, state) {
    const selected = state[id];
    const items = choices.map(([value, label]) => {
      const isSelected = selected.includes(value);
      const next = isSelected ? selected.filter((s) => s !== value) : selected.concat([value]);
      return h('li', {},
          h('a', {href: logHref(state, {[id]: next}), role: 'checkbox', title: value,
            'aria-checked': isSelected ? 'true' : 'false',
            className: isSelected ? 'facet-value selected' : 'facet-value'},
          h('span', {className: 'facet-check', 'aria-hidden': 'true'}),
          h('span', {className: 'facet-label'}, label)));
    });
    return facetBox(title, id, items.length ? h('ul', {className: 'facet-values'}, items) :
        h('p', {className: 'facet-empty'}, 'None'));
  }

  function logFilterBar(state) {
    const uri = h('input', {type: 'search', id: 'log-uri', value: state.uri, spellcheck: false,
      placeholder: 'Filter by item URI', 'aria-label': 'Item URI'});
    const match = h('select', {id: 'log-match', 'aria-label': 'URI matching'},
        [['PARTIAL', 'contains'], ['EXACT', 'is exactly'], ['WILDCARD', 'matches (* wildcard)']]
            .map(([value, label]) => h('option', {value, selected: value === state.match}, label)));
    const period = h('select', {id: 'log-period', 'aria-label': 'Time range'},
        LOG_PERIODS.map(([value, label]) => h('option', {value, selected: value === state.period}, label)));
    const from = h('input', {type: 'datetime-local', id: 'log-from', value: state.from,
      'aria-label': 'From'});
    const to = h('input', {type: 'datetime-local', id: 'log-to', value: state.to, 'aria-label': 'To'});
    const custom = h('span', {className: 'custom-range', hidden: state.period !== 'custom'},
        from, ' to ', to);
    period.addEventListener('change', () => { custom.hidden = period.value !== 'custom'; });
    const onsubmit = (event) => {
      event.preventDefault();
      navigate(logHref(state, {uri: uri.value.trim(), match: match.value, period: period.value,
        from: from.value, to: to.value}));
    };
    const any = state.uri || state.source.length || state.operation.length || state.result.length ||
        state.task.length || state.period !== 'week';
    return h('form', {className: 'search log-filters', role: 'search', onsubmit},
        uri, match, period, custom, h('button', {type: 'submit'}, 'Apply'),
        any ? h('a', {href: routes.logs(), className: 'clear'}, 'Reset filters') : null);
  }

  // ---------------------------------------------------------------------------------------------
  // Page frame: sign-in form, navigation, messages, rendering on navigation.

  function notFoundView() {
    document.title = 'Not found \u00b7 Sluice';
    return h('div', {}, h('h1', {}, 'Nothing here'),
        h('p', {}, 'This address names no page of the console. ',
            h('a', {href: routes.sources()}, 'Go to the sources')));
  }

  const VIEWS = {
    sources: sourcesView,
    source: sourceView,
    item: itemView,
    browse: browseView,
    logs: logsView,
    keys: keysView,
    notFound: notFoundView,
  };

  const $ = (id) => document.getElementById(id);

  function showMessage(message, kind) {
    const box = $('message');
    box.className = `notice ${kind || 'error'}`;
    replaceChildren(box, message);
    box.hidden = false;
  }

  function hideMessage() {
    $('message').hidden = true;
  }

  function errorDescription(error) {
    if (!(error instanceof ApiError)) return text(error && error.message) || text(error);
    const details = [error.errorCode, error.status ? `HTTP ${error.status}` : ''].filter(Boolean);
    return details.length ? `${error.message} (${details.join(', ')})` : error.message;
  }

  // The session cannot work at all: the key is refused or the organization does not exist.
  function isSessionError(error) {
    return error instanceof ApiError &&
        (error.status === 401 || error.errorCode === 'ORGANIZATION_NOT_FOUND');
  }

  // Shows a failure in `container`; a session failure brings the sign-in form back instead,
  // with the server's message. `append` keeps what the container already shows.
  function showError(container, error, doing, append) {
    if (isSessionError(error)) {
      signOut(error.status === 401 ?
          `${error.message} Sign in again with a valid API key.` :
          `${error.message} Sign in with the organization the key belongs to.`);
      return;
    }
    const box = h('div', {className: 'notice error', role: 'alert'},
        h('strong', {}, `${doing} failed: `), errorDescription(error));
    if (append) {
      container.appendChild(box);
    } else {
      replaceChildren(container, box);
    }
  }

  function updateFrame(session, section) {
    $('session-info').hidden = !session;
    $('sidenav').hidden = !session;
    replaceChildren($('session-org'), session ? session.org : '');
    replaceChildren($('session-key'), session && keyInfo ?
        `Key ${text(keyInfo.displayName) || text(keyInfo.keyId).slice(0, 8)}` : '');
    for (const link of $('sidenav').querySelectorAll('a[data-section]')) {
      const active = link.getAttribute('data-section') === section;
      link.classList.toggle('active', active);
      if (active) {
        link.setAttribute('aria-current', 'page');
      } else {
        link.removeAttribute('aria-current');
      }
    }
  }

  function showSignIn(message, kind) {
    document.title = 'Sign in \u00b7 Sluice';
    replaceChildren($('view'));
    updateFrame(null);
    $('sign-in').hidden = false;
    $('sign-in-org').value = lastOrganization();
    $('sign-in-key').value = '';
    if (message) showMessage(message, kind);
    $('sign-in-key').focus();
  }

  function signOut(message, kind) {
    clearSession();
    renderCount++;  // Drops answers still on their way for the signed-out session.
    showSignIn(message, kind);
  }

  async function onSignIn(event) {
    event.preventDefault();
    hideMessage();
    const org = $('sign-in-org').value.trim();
    const apiKey = $('sign-in-key').value.trim();
    if (!org) {
      showMessage('Enter the organization (the default one is \u201clocal\u201d).');
      return;
    }
    if (!/^[\x21-\x7e]+$/.test(apiKey)) {
      showMessage('An API key is letters, digits and punctuation, without spaces. ' +
          'Paste the key printed when it was created.');
      return;
    }
    // Checks the key and organization before leaving the form, so a typo is answered here
    // rather than by an error on whatever page the address names.
    saveSession(org, apiKey);
    keyInfo = null;
    const button = $('sign-in-form').querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await currentKey();
    } catch (error) {
      if (isSessionError(error) || (error instanceof ApiError && error.status === 403)) {
        clearSession();
        showMessage(error.status === 401 ?
            `The key was refused: ${error.message} Check that it is the whole key, for ` +
                `organization \u201c${org}\u201d.` :
            `${error.message} Check the organization name.`);
        $('sign-in-key').focus();
        return;
      }
      // Anything else (server down, a failing page) is shown by the page itself.
    } finally {
      button.disabled = false;
    }
    $('sign-in-key').value = '';
    $('sign-in').hidden = true;
    navigate(location.hash && location.hash !== '#' ? location.hash : routes.sources());
  }

  // Goes to `hash`; renders even when it is the current address (a repeated search).
  function navigate(hash) {
    if (location.hash === hash) {
      render();
    } else {
      location.hash = hash;  // The hashchange listener renders.
    }
  }

  let renderCount = 0;

  // Renders the page the address names. `keepMessage` leaves a notice shown (after an action).
  async function render(keepMessage) {
    const generation = ++renderCount;
    const context = {isCurrent: () => generation === renderCount};
    if (keepMessage !== true) hideMessage();
    const session = loadSession();
    if (!session) {
      showSignIn();
      return;
    }
    $('sign-in').hidden = true;
    const view = $('view');
    const route = parseRoute(location.hash);
    if (route.view === 'redirect') {
      location.replace(route.to);
      return;
    }
    updateFrame(session, route.section);
    if (!view.firstChild) replaceChildren(view, h('p', {className: 'loading'}, 'Loading\u2026'));
    view.setAttribute('aria-busy', 'true');
    // Which address the view shows, once shown: lets automation wait for a page to settle.
    view.removeAttribute('data-rendered');
    try {
      const content = await VIEWS[route.view](route, context);
      if (context.isCurrent() && content) {
        replaceChildren(view, content);
        updateFrame(session, route.section);
      }
    } catch (error) {
      if (!context.isCurrent()) return;
      document.title = 'Error \u00b7 Sluice';
      showError(view, error, 'Loading this page');
      if (loadSession()) {
        view.appendChild(h('p', {}, h('a', {href: routes.sources()}, 'Go to the sources')));
      }
    } finally {
      if (context.isCurrent()) {
        view.removeAttribute('aria-busy');
        view.setAttribute('data-rendered', location.hash);
      }
    }
  }

  function start() {
    $('sign-in-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', (event) => {
      event.preventDefault();
      signOut('Signed out. The API key was removed from this tab.', 'info');
    });
    window.addEventListener('hashchange', () => render());
    render();
  }

  start();
})();
