// Sluice Content Browser: sources -> items of a source -> one item (fields, extracted text, log),
// a search box over the Search API, and a source's log.
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
  const LOG_LINES_PER_PAGE = 100;

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
  }

  function lastOrganization() {
    return sessionStorage.getItem(LAST_ORG_KEY) || DEFAULT_ORG;
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

  // Calls a Sluice endpoint with the session's key and returns the parsed JSON object.
  // Throws ApiError carrying the server's {statusCode, errorCode, message} when it answers an error.
  async function callApi(method, path, body) {
    const session = loadSession();
    if (!session) throw new ApiError(401, 'NOT_SIGNED_IN', 'Sign in to browse the content.');
    const init = {
      method,
      headers: {'Authorization': 'Bearer ' + session.apiKey, 'Accept': 'application/json'},
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
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' && data.message ?
          data.message :
          `${method} ${path} answered ${response.status} ${response.statusText}.`;
      const code = data && typeof data.errorCode === 'string' ? data.errorCode : '';
      throw new ApiError(response.status, code, message);
    }
    if (data === null || typeof data !== 'object') {
      throw new ApiError(response.status, 'UNEXPECTED_RESPONSE',
          `${method} ${path} answered ${response.status} without a JSON object.`);
    }
    return data;
  }

  const enc = encodeURIComponent;

  function organizationApi() {
    return `/api/v1/organizations/${enc(loadSession().org)}`;
  }

  function sourceApi(sourceId) {
    return `${organizationApi()}/sources/${enc(sourceId)}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Routes: #/sources, #/sources/<id>[?q=..&page=..], #/sources/<id>/item?uri=..,
  // #/sources/<id>/logs[?page=..]

  const routes = {
    sources: () => '#/sources',
    items: (sourceId, query, page) => withParams(`#/sources/${enc(sourceId)}`, {q: query, page}),
    item: (sourceId, uri) => `#/sources/${enc(sourceId)}/item?uri=${enc(uri)}`,
    logs: (sourceId, page) => withParams(`#/sources/${enc(sourceId)}/logs`, {page}),
  };

  function withParams(path, params) {
    const search = new URLSearchParams();
    if (params.q) search.set('q', params.q);
    if (params.page > 1) search.set('page', String(params.page));
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
    if (segments.length === 0 || (segments.length === 1 && segments[0] === 'sources')) {
      return {view: 'sources'};
    }
    if (segments[0] !== 'sources') return {view: 'notFound'};
    const sourceId = segments[1];
    if (segments.length === 2) {
      return {view: 'items', sourceId, query: (params.get('q') || '').trim(), page};
    }
    if (segments.length === 3 && segments[2] === 'item') {
      return {view: 'item', sourceId, uri: params.get('uri') || ''};
    }
    if (segments.length === 3 && segments[2] === 'logs') return {view: 'logs', sourceId, page};
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
      } else if (name.includes('-') || name === 'role') {
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

  // Milliseconds since the epoch (number or digit string) or an ISO date, shown in local time.
  function dateNode(value) {
    if (value === null || value === undefined || value === '' || value === 0) return muted(DASH);
    const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
    if (Number.isNaN(date.getTime())) return text(value);
    const iso = date.toISOString();
    return h('time', {dateTime: iso, title: iso}, date.toLocaleString());
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
    const kind = {COMPLETED: 'ok', SUCCESS: 'ok', ERROR: 'error', FAILED: 'error', SKIPPED: 'warn',
      WARNING: 'warn'}[result];
    return badge(result, kind || 'muted');
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
    const parts = [h('a', {href: routes.sources()}, 'Sources')];
    for (const crumb of crumbs) {
      parts.push(h('span', {className: 'separator', 'aria-hidden': 'true'}, ' \u203a '));
      parts.push(crumb.href ? h('a', {href: crumb.href}, crumb.label) :
                              h('span', {'aria-current': 'page'}, crumb.label));
    }
    return h('nav', {className: 'breadcrumbs', 'aria-label': 'Breadcrumbs'}, parts);
  }

  // "Items 51–100 of 234" with previous / next links (links, so back and forward work).
  function pager(noun, offset, shown, total, pageSize, hrefForPage, hasMore) {
    const page = Math.floor(offset / pageSize) + 1;
    const first = shown ? offset + 1 : 0;
    const summary = total === null ?
        `${noun} ${first.toLocaleString()}\u2013${(offset + shown).toLocaleString()}` :
        `${noun} ${first.toLocaleString()}\u2013${(offset + shown).toLocaleString()} of ${
          total.toLocaleString()}`;
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

  // ---------------------------------------------------------------------------------------------
  // Views. Each returns the finished element; `context.isCurrent()` turns false once the user has
  // navigated elsewhere, so late answers are dropped.

  async function sourcesView() {
    const data = await callApi('GET', `${organizationApi()}/sources`);
    const sources = Array.isArray(data.sources) ? data.sources : [];
    document.title = 'Sources \u00b7 Sluice';
    const heading = h('h1', {}, 'Sources');
    if (sources.length === 0) {
      return h('div', {}, heading, h('p', {className: 'empty'},
          `Organization \u201c${loadSession().org}\u201d has no sources yet. ` +
          'Push an item and its source appears here.'));
    }
    const rows = sources.map((source) => {
      const id = text(source.id);
      const name = text(source.name) || id;
      const failed = Number(source.failedCount) || 0;
      return h('tr', {},
          h('td', {},
              h('a', {href: routes.items(id)}, name),
              name !== id ? h('div', {className: 'muted small'}, id) : null),
          h('td', {}, text(source.type)),
          h('td', {className: 'number'}, formatCount(source.itemCount)),
          h('td', {className: failed > 0 ? 'number failed-count' : 'number'},
              formatCount(source.failedCount)));
    });
    return h('div', {}, heading,
        table('Sources of the organization', ['Source', 'Type',
          {label: 'Indexed', className: 'number'}, {label: 'Failed', className: 'number'}],
        rows, 'sources-table'));
  }

  function sourceHeader(sourceId, activeTab) {
    const tab = (label, href, name) =>
      h('a', {href, className: name === activeTab ? 'tab active' : 'tab',
        'aria-current': name === activeTab ? 'page' : null}, label);
    return [
      breadcrumbs({label: sourceId}),
      h('h1', {}, sourceId),
      h('nav', {className: 'tabs', 'aria-label': 'Source views'},
          tab('Items', routes.items(sourceId), 'items'),
          tab('Log', routes.logs(sourceId), 'logs')),
    ];
  }

  function searchForm(sourceId, query) {
    const input = h('input', {type: 'search', name: 'q', value: query,
      placeholder: 'Search the organization\u2019s items', 'aria-label': 'Search words'});
    const onsubmit = (event) => {
      event.preventDefault();
      navigate(routes.items(sourceId, input.value.trim()));
    };
    return h('form', {className: 'search', role: 'search', onsubmit}, input,
        h('button', {type: 'submit'}, 'Search'),
        query ? h('a', {href: routes.items(sourceId), className: 'clear'}, 'Show all items') : null);
  }

  async function itemsView(route, context) {
    const {sourceId, query, page} = route;
    document.title = `${sourceId} \u00b7 Sluice`;
    const body = query ? await searchResults(sourceId, query, page) :
                         await itemTable(sourceId, page);
    if (!context.isCurrent()) return null;
    return h('div', {}, sourceHeader(sourceId, 'items'), searchForm(sourceId, query), body);
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
              h('a', {href: routes.items(sourceId)}, 'Go to the first page')) :
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
    const pageHref = (p) => routes.items(sourceId, '', p);
    return h('div', {},
        pager('Items', offset, items.length, total, ITEMS_PER_PAGE, pageHref, hasMore),
        table(`Items of source ${sourceId}`,
            ['Item', 'Type', {label: 'Size', className: 'number'}, 'Processed', 'State'], rows,
            'items-table'),
        pager('Items', offset, items.length, total, ITEMS_PER_PAGE, pageHref, hasMore));
  }

  async function searchResults(sourceId, query, page) {
    const firstResult = (page - 1) * RESULTS_PER_PAGE;
    const data = await callApi('POST', '/rest/search/v2',
        {q: query, numberOfResults: RESULTS_PER_PAGE, firstResult});
    const results = Array.isArray(data.results) ? data.results : [];
    const total = Number(data.totalCount) || 0;
    const note = h('p', {className: 'hint'},
        'The search covers every source of the organization; each result names its source.');
    if (results.length === 0) {
      return h('div', {}, note,
          h('p', {className: 'empty'}, `No item matches \u201c${query}\u201d.`));
    }
    const list = h('ol', {className: 'results', start: firstResult + 1}, results.map((result) => {
      const raw = result.raw && typeof result.raw === 'object' ? result.raw : {};
      const uri = text(result.uri);
      const title = text(result.title) || uri;
      const resultSource = text(raw.source);
      const resultSourceId = text(raw.sourceid) || resultSource;
      const details = [
        resultSource ? `Source ${resultSource}` : null,
        raw.filetype ? text(raw.filetype) : null,
        raw.size !== undefined ? humanSize(raw.size) : null,
      ].filter(Boolean).join(' \u00b7 ');
      return h('li', {className: 'result'},
          h('div', {className: 'result-title'},
              resultSourceId ? h('a', {href: routes.item(resultSourceId, uri)}, title) : title),
          h('div', {}, externalLink(text(result.clickUri) || uri)),
          result.excerpt ?
              h('p', {className: 'excerpt'}, highlighted(result.excerpt, result.excerptHighlights)) :
              null,
          h('div', {className: 'muted small'}, details,
              raw.date || raw.indexeddate ? [' \u00b7 ', dateNode(raw.date || raw.indexeddate)] :
                                            null));
    }));
    const pageHref = (p) => routes.items(sourceId, query, p);
    const resultsPager = () => pager('Results', firstResult, results.length, total,
        RESULTS_PER_PAGE, pageHref, firstResult + results.length < total);
    return h('div', {}, note, resultsPager(), list, resultsPager());
  }

  async function itemView(route, context) {
    const {sourceId, uri} = route;
    if (!uri) {
      return h('div', {}, breadcrumbs({label: sourceId, href: routes.items(sourceId)}),
          h('p', {className: 'notice error'}, 'No item URI in the address: open an item from the list.'));
    }
    document.title = `${uri} \u00b7 Sluice`;
    const item = await callApi('GET',
        `${sourceApi(sourceId)}/items/detail?uri=${enc(uri)}`);
    const title = itemTitle(item) || uri;
    document.title = `${title} \u00b7 Sluice`;
    const failed = item.state === 'FAILED';
    const orderingId = text(item.orderingId);

    const summaryRows = [
      ['URI', externalLink(text(item.uri) || uri)],
      ['State', stateBadge(item.state)],
      item.reason ? ['Reason', h('span', {className: 'reason'}, text(item.reason))] : null,
      ['File type', text(item.fileType) || muted(DASH)],
      ['Size', failed && !Number(item.size) ? muted(DASH) : humanSize(item.size)],
      [item.state === 'INDEXED' ? 'Indexed' : 'Processed', dateNode(item.indexedDate)],
      ['Ordering ID', orderingId && orderingId !== '0' ? orderingId : muted(DASH)],
    ].filter(Boolean);
    const summary = h('dl', {className: item.state === 'FAILED' ? 'summary failed' : 'summary'},
        summaryRows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));

    const log = h('div', {});
    loadLogLines(log, {sourceId, documentId: uri, showDocument: false}, context);

    return h('div', {},
        breadcrumbs({label: sourceId, href: routes.items(sourceId)}, {label: title}),
        h('h1', {className: 'item-title'}, itemTitle(item) ? title : breakableUri(uri)),
        summary,
        h('h2', {}, 'Fields'), fieldsTable(item.fields),
        h('h2', {}, 'Extracted text'), extractedText(item),
        h('h2', {}, 'Log'), log);
  }

  function fieldsTable(fields) {
    if (!fields || typeof fields !== 'object' || Object.keys(fields).length === 0) {
      return h('p', {className: 'empty'}, 'This item has no fields.');
    }
    const rows = Object.keys(fields).sort().map((name) => {
      const value = fields[name];
      const shown = Array.isArray(value) ?
          h('ul', {className: 'values'}, value.map((v) => h('li', {}, text(v)))) :
          fieldValue(name, value);
      return h('tr', {}, h('th', {scope: 'row', className: 'field-name'}, name),
          h('td', {className: 'field-value'}, shown));
    });
    return table('Fields of the item', ['Field', 'Value'], rows);
  }

  // Date fields hold milliseconds since the epoch: show the date, keeping the stored number.
  const DATE_FIELDS = new Set(['date', 'indexeddate', 'sysdate', 'sysindexeddate']);

  function fieldValue(name, value) {
    const isEpochMs = (typeof value === 'number' && Number.isFinite(value) && value > 0) ||
        (typeof value === 'string' && /^\d{10,}$/.test(value));
    if (DATE_FIELDS.has(name.toLowerCase()) && isEpochMs) {
      return [dateNode(value), ' ', muted(`(${text(value)})`)];
    }
    return text(value);
  }

  function extractedText(item) {
    const content = text(item.text);
    if (!content) return h('p', {className: 'empty'}, 'No text was extracted from this item.');
    return h('div', {},
        item.textTruncated ?
            h('p', {className: 'notice warn'},
                'The text is longer than shown: this is its first 1 MiB.') :
            null,
        h('pre', {className: 'extracted-text', tabIndex: 0}, content));
  }

  async function logsView(route, context) {
    const {sourceId, page} = route;
    document.title = `Log of ${sourceId} \u00b7 Sluice`;
    const log = h('div', {});
    await loadLogLines(log, {sourceId, page, showDocument: true}, context);
    if (!context.isCurrent()) return null;
    return h('div', {}, sourceHeader(sourceId, 'logs'), log);
  }

  // Fills `container` with log lines. With `page`, shows that page with previous/next links (the
  // source's log); without, shows the first lines and a button to fetch more (an item's log).
  async function loadLogLines(container, options, context) {
    const {sourceId, documentId, page, showDocument} = options;
    const headings = ['Time'].concat(showDocument ? ['Item'] : [],
        ['Operation', 'Task', 'Result', 'Reason']);
    const rowFor = (entry) => h('tr', {className: entry.result === 'ERROR' ? 'failed' : ''},
        h('td', {className: 'nowrap'}, dateNode(entry.datetime)),
        showDocument ?
            h('td', {className: 'uri-cell'}, entry.documentId ?
                h('a', {href: routes.item(sourceId, text(entry.documentId)), className: 'uri'},
                    breakableUri(entry.documentId)) :
                muted(DASH)) :
            null,
        h('td', {}, text(entry.operation)),
        h('td', {}, text(entry.task)),
        h('td', {}, resultBadge(entry.result)),
        h('td', {className: 'reason-cell'}, text(entry.reason)));

    const fetchLines = async (offset) => {
      const params = new URLSearchParams({source: sourceId});
      if (documentId) params.set('documentId', documentId);
      params.set('offset', String(offset));
      params.set('limit', String(LOG_LINES_PER_PAGE));
      const data = await callApi('GET', `${organizationApi()}/logs?${params}`);
      return Array.isArray(data.entries) ? data.entries : [];
    };

    replaceChildren(container, h('p', {className: 'loading'}, 'Loading the log\u2026'));
    const offset = page ? (page - 1) * LOG_LINES_PER_PAGE : 0;
    let entries;
    try {
      entries = await fetchLines(offset);
    } catch (error) {
      if (context.isCurrent()) showError(container, error, 'Loading the log');
      return;
    }
    if (!context.isCurrent()) return;
    if (entries.length === 0) {
      replaceChildren(container, offset > 0 ?
          h('p', {className: 'empty'}, 'No log lines on this page. ',
              h('a', {href: routes.logs(sourceId)}, 'Go to the first page')) :
          h('p', {className: 'empty'}, 'No log lines yet.'));
      return;
    }
    const logTable = table(documentId ? 'Log of the item' : 'Log of the source', headings,
        entries.map(rowFor), 'log-table');
    const full = entries.length === LOG_LINES_PER_PAGE;
    if (page) {
      const pageHref = (p) => routes.logs(sourceId, p);
      replaceChildren(container,
          pager('Lines', offset, entries.length, null, LOG_LINES_PER_PAGE, pageHref, full), logTable,
          pager('Lines', offset, entries.length, null, LOG_LINES_PER_PAGE, pageHref, full));
      return;
    }
    replaceChildren(container, logTable);
    if (full) {
      container.appendChild(moreLogLinesButton(container, logTable, fetchLines, rowFor, context));
    }
  }

  function moreLogLinesButton(container, tableWrap, fetchLines, rowFor, context) {
    let loaded = LOG_LINES_PER_PAGE;
    const button = h('button', {type: 'button', className: 'secondary'},
        `Show the next ${LOG_LINES_PER_PAGE} lines`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      let entries;
      try {
        entries = await fetchLines(loaded);
      } catch (error) {
        button.disabled = false;
        if (context.isCurrent()) showError(container, error, 'Loading more of the log', true);
        return;
      }
      loaded += entries.length;
      const tbody = tableWrap.getElementsByTagName('tbody')[0];
      for (const entry of entries) tbody.appendChild(rowFor(entry));
      if (entries.length < LOG_LINES_PER_PAGE) {
        button.remove();
      } else {
        button.disabled = false;
      }
    });
    return button;
  }

  function notFoundView() {
    document.title = 'Not found \u00b7 Sluice';
    return h('div', {}, h('h1', {}, 'Nothing here'),
        h('p', {}, 'This address names no page of the Content Browser. ',
            h('a', {href: routes.sources()}, 'Go to the sources')));
  }

  const VIEWS = {
    sources: sourcesView,
    items: itemsView,
    item: itemView,
    logs: logsView,
    notFound: notFoundView,
  };

  // ---------------------------------------------------------------------------------------------
  // Page frame: sign-in form, messages, rendering on navigation.

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

  // Shows an API failure in `container`; a session failure brings the sign-in form back instead,
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

  function updateSessionInfo(session) {
    $('session-info').hidden = !session;
    replaceChildren($('session-org'), session ? session.org : '');
  }

  function showSignIn(message, kind) {
    document.title = 'Sign in \u00b7 Sluice';
    replaceChildren($('view'));
    updateSessionInfo(null);
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
      showMessage('Enter the organization to browse (the default one is \u201clocal\u201d).');
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
    const button = $('sign-in-form').querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await callApi('GET', `${organizationApi()}/sources`);
    } catch (error) {
      if (isSessionError(error)) {
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

  async function render() {
    const generation = ++renderCount;
    const context = {isCurrent: () => generation === renderCount};
    hideMessage();
    const session = loadSession();
    if (!session) {
      showSignIn();
      return;
    }
    updateSessionInfo(session);
    $('sign-in').hidden = true;
    const view = $('view');
    const route = parseRoute(location.hash);
    replaceChildren(view, h('p', {className: 'loading'}, 'Loading\u2026'));
    try {
      const content = await VIEWS[route.view](route, context);
      if (context.isCurrent() && content) replaceChildren(view, content);
    } catch (error) {
      if (!context.isCurrent()) return;
      document.title = 'Error \u00b7 Sluice';
      showError(view, error, 'Loading this page');
      if (loadSession()) view.appendChild(errorWayBack(route));
    }
  }

  // Links out of a page that failed to load: its source when it has one, and the sources.
  function errorWayBack(route) {
    const links = [];
    if (route.sourceId && route.view !== 'items') {
      links.push(h('a', {href: routes.items(route.sourceId)}, `Go to source ${route.sourceId}`),
          ' \u00b7 ');
    }
    links.push(h('a', {href: routes.sources()}, 'Go to the sources'));
    return h('p', {}, links);
  }

  function start() {
    $('sign-in-form').addEventListener('submit', onSignIn);
    $('sign-out').addEventListener('click', (event) => {
      event.preventDefault();
      signOut('Signed out. The API key was removed from this tab.', 'info');
    });
    window.addEventListener('hashchange', render);
    render();
  }

  start();
})();
