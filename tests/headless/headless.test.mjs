// Coveo's unchanged Headless search engine (@coveo/headless) against the real sluice binary: the
// first search, facet values, a facet selection, the pager and a query, each through the
// controllers a search page uses. Headless reaches Sluice through `search.proxyBaseUrl`.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {
  buildFacet, buildPager, buildResultList, buildSearchBox, buildSearchEngine, loadFieldActions,
} from '@coveo/headless';

import {API_KEY, ORG, SOURCE, Sluice} from '../conformance/sluice.mjs';

const SEARCH_TIMEOUT_MS = 30_000;
const AUTHORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'];
// A word only some items contain (the q test), and nothing else does.
const RARE_WORD = 'heliotrope';

/** The 30 pushed items: uneven author and file type counts, so a wrong count cannot pass. */
function buildItems() {
  const items = [];
  for (let i = 0; i < 30; i++) {
    const n = String(i).padStart(2, '0');
    const author = i < 13 ? AUTHORS[0] : i < 22 ? AUTHORS[1] : AUTHORS[2];  // 13, 9, 8
    const filetype = ['html', 'html', 'html', 'txt', 'txt', 'csv'][i % 6];  // 15, 10, 5
    const words = `Item ${n} about lighthouses and tides${i % 4 === 1 ? ` and a ${RARE_WORD} garden` : ''}`;
    const data = filetype === 'html' ? `<html><head><title>Item ${n}</title></head><body><p>${words}</p></body></html>`
        : filetype === 'csv' ? `name,text\nitem${n},${words}\n` : `${words}\n`;
    items.push({uri: `https://example.com/headless/${n}`, title: `Item ${n}`, author, filetype, data,
      hasRareWord: i % 4 === 1});
  }
  return items;
}

const ITEMS = buildItems();
const BY_URI = new Map(ITEMS.map((item) => [item.uri, item]));

/** {value -> count} of `key` over `items`. */
function countsOf(items, key) {
  const counts = {};
  for (const item of items) counts[item[key]] = (counts[item[key]] ?? 0) + 1;
  return counts;
}

/** [[value, count]] of `key` over `items`, most frequent first (ties: alphanumeric). */
function byOccurrences(items, key) {
  return Object.entries(countsOf(items, key)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** [[value, count]] of `key` over `items`, in ascending alphanumeric order. */
function byValue(items, key) {
  return Object.entries(countsOf(items, key)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** [[value, numberOfResults]] of a facet controller's values, in the order it shows them. */
function facetCounts(facet) {
  return facet.state.values.map((v) => [v.value, v.numberOfResults]);
}

async function pushItems(sluice) {
  const base = `${sluice.url}/push/v1/organizations/${ORG}/sources/${SOURCE}/documents`;
  for (const item of ITEMS) {
    const res = await fetch(`${base}?documentId=${encodeURIComponent(item.uri)}`, {
      method: 'PUT',
      headers: {'Authorization': `Bearer ${API_KEY}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({title: item.title, author: item.author, fileExtension: `.${item.filetype}`,
        data: item.data}),
    });
    assert.equal(res.status, 202, `push of ${item.uri}: ${await res.text()}`);
  }
  await sluice.waitFor(`all ${ITEMS.length} items to be searchable`, async () => {
    const res = await fetch(`${sluice.url}/rest/search/v2`, {
      method: 'POST',
      headers: {'Authorization': `Bearer ${API_KEY}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({q: '', numberOfResults: 1}),
    });
    return res.status === 200 && (await res.json()).totalCount === ITEMS.length;
  });
}

/** A key that may only search, as a search page would hold; created with the admin key. */
async function createSearchKey(sluice) {
  const res = await fetch(`${sluice.url}/rest/organizations/${ORG}/apikeys`, {
    method: 'POST',
    headers: {'Authorization': `Bearer ${API_KEY}`, 'Content-Type': 'application/json'},
    body: JSON.stringify({displayName: 'Headless search page', privileges: ['search']}),
  });
  const body = await res.json();
  assert.equal(res.status, 201, `API key creation: ${JSON.stringify(body)}`);
  assert.deepEqual(body.privileges, ['search']);
  return body.value;
}

/**
 * A search page's engine aimed at `sluice`, analytics off, with a search-only key. Every search
 * request Headless sends is kept; the last response Sluice gave is engine.state.search.response.
 */
function searchPage(sluice, accessToken) {
  const wire = {requests: []};
  const engine = buildSearchEngine({
    configuration: {
      organizationId: ORG,
      accessToken,
      analytics: {enabled: false},
      search: {proxyBaseUrl: `${sluice.url}/rest/search/v2`},
      preprocessRequest: (request, clientOrigin) => {
        if (clientOrigin === 'searchApiFetch') {
          wire.requests.push({method: request.method, url: request.url, body: JSON.parse(request.body)});
        }
        return request;
      },
    },
    loggerOptions: {level: 'error'},
  });
  // filetype is not among Headless' default fieldsToInclude.
  engine.dispatch(loadFieldActions(engine).registerFieldsToInclude(['author', 'filetype']));
  return {
    engine,
    wire,
    results: buildResultList(engine),
    pager: buildPager(engine),
    // Explicit sorts, so the order of the values is defined and checked too.
    authorFacet: buildFacet(engine, {options: {field: 'author', facetId: 'author', sortCriteria: 'occurrences'}}),
    filetypeFacet: buildFacet(engine,
        {options: {field: 'filetype', facetId: 'filetype', sortCriteria: 'alphanumeric'}}),
    searchBox: buildSearchBox(engine, {options: {numberOfSuggestions: 0}}),
    lastResponse() {
      return engine.state.search.response;
    },
  };
}

/** Runs `act` (which starts one search) and resolves once Headless has applied its outcome. */
function runSearch(page, act) {
  const {engine} = page;
  return new Promise((resolve, reject) => {
    let sawLoading = false;
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Headless did not finish a search within ${SEARCH_TIMEOUT_MS} ms`));
    }, SEARCH_TIMEOUT_MS);
    const check = () => {
      const search = engine.state.search;
      if (search.isLoading) {
        sawLoading = true;
        return;
      }
      if (!sawLoading) return;
      clearTimeout(timer);
      unsubscribe();
      if (search.error) {
        reject(new Error(`Headless reports a search error ${JSON.stringify(search.error)}`));
      } else {
        resolve(search);
      }
    };
    unsubscribe = engine.subscribe(check);
    act();
    check();
  });
}

/** The uris of the results Headless shows, checked to be pushed items and distinct. */
function shownUris(page) {
  const uris = page.results.state.results.map((r) => r.uri);
  for (const uri of uris) assert.ok(BY_URI.has(uri), `result ${uri} is a pushed item`);
  assert.equal(new Set(uris).size, uris.length, `results are distinct: ${uris}`);
  return uris;
}

/** A facet value from the controller, failing with what Sluice answered when it is missing. */
function facetValue(page, facet, value) {
  const found = facet.state.values.find((v) => v.value === value);
  assert.ok(found, `the ${facet.state.facetId} facet offers '${value}'; its values are ` +
      `${JSON.stringify(facet.state.values)}; Sluice answered facets ` +
      `${JSON.stringify(page.lastResponse()?.facets)}`);
  return found;
}

describe('@coveo/headless search engine', () => {
  let sluice;
  let searchKey;
  before(async () => {
    sluice = await new Sluice().start();
    await pushItems(sluice);
    searchKey = await createSearchKey(sluice);
  });
  after(() => sluice?.stop());

  it('the first search shows the pushed items, their count and their fields', async () => {
    const page = searchPage(sluice, searchKey);
    const search = await runSearch(page, () => page.engine.executeFirstSearch());

    assert.equal(page.wire.requests.length, 1, 'one search request');
    const sent = page.wire.requests[0];
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, `${sluice.url}/rest/search/v2?organizationId=${ORG}`);

    assert.equal(search.response.totalCountFiltered, ITEMS.length);
    assert.equal(search.response.totalCount, ITEMS.length);
    assert.equal(page.pager.state.currentPage, 1);
    assert.equal(page.pager.state.maxPage, 3, '30 results, 10 a page');
    assert.equal(page.pager.state.hasNextPage, true);
    const uris = shownUris(page);
    assert.equal(uris.length, 10);
    for (const result of page.results.state.results) {
      const item = BY_URI.get(result.uri);
      assert.equal(result.title, item.title);
      assert.equal(result.raw.author, item.author, `raw.author of ${result.uri}`);
      assert.equal(result.raw.filetype, item.filetype, `raw.filetype of ${result.uri}`);
      assert.equal(result.searchUid, search.response.searchUid, 'Headless tags results with the searchUid');
    }
    assert.ok(search.response.searchUid, 'Sluice names the search');
  });

  it('facets count the pushed author and file type values', async () => {
    const page = searchPage(sluice, searchKey);
    await runSearch(page, () => page.engine.executeFirstSearch());

    const sentFacets = page.wire.requests[0].body.facets ?? [];
    assert.deepEqual(sentFacets.map((f) => f.field).sort(), ['author', 'filetype'], 'Headless asks for both facets');

    assert.deepEqual(facetCounts(page.authorFacet), byOccurrences(ITEMS, 'author'),
        `author facet; Sluice answered facets ${JSON.stringify(page.lastResponse().facets)}`);
    assert.deepEqual(facetCounts(page.filetypeFacet), byValue(ITEMS, 'filetype'),
        `filetype facet; Sluice answered facets ${JSON.stringify(page.lastResponse().facets)}`);
    for (const facet of [page.authorFacet, page.filetypeFacet]) {
      assert.ok(facet.state.values.every((v) => v.state === 'idle'), `nothing selected yet in ${facet.state.facetId}`);
      assert.equal(facet.state.hasActiveValues, false);
    }
  });

  it('selecting a facet value keeps only its items, across pages, and narrows the other facet', async () => {
    const page = searchPage(sluice, searchKey);
    await runSearch(page, () => page.engine.executeFirstSearch());
    const ada = facetValue(page, page.authorFacet, AUTHORS[0]);

    const search = await runSearch(page, () => page.authorFacet.toggleSelect(ada));
    const sent = page.wire.requests.at(-1).body.facets.find((f) => f.facetId === 'author');
    assert.deepEqual(sent.currentValues.filter((v) => v.state === 'selected').map((v) => v.value), [AUTHORS[0]],
        'Headless sends the selection in facets[].currentValues');

    const adaItems = ITEMS.filter((item) => item.author === AUTHORS[0]);
    assert.equal(search.response.totalCountFiltered, adaItems.length,
        `results of ${AUTHORS[0]} only; Sluice answered totalCountFiltered ${search.response.totalCountFiltered}`);
    const firstPage = shownUris(page);
    assert.equal(firstPage.length, 10);
    for (const uri of firstPage) assert.equal(BY_URI.get(uri).author, AUTHORS[0], `author of ${uri}`);

    const selected = facetValue(page, page.authorFacet, AUTHORS[0]);
    assert.equal(selected.state, 'selected', 'Sluice returns the value as selected');
    assert.equal(selected.numberOfResults, adaItems.length);
    assert.equal(page.authorFacet.state.hasActiveValues, true);
    // A facet's own selection does not narrow its counts: the other authors stay offered to add.
    assert.deepEqual(facetCounts(page.authorFacet), byOccurrences(ITEMS, 'author'),
        `the author facet still counts every author; Sluice answered facets ${JSON.stringify(page.lastResponse().facets)}`);
    assert.deepEqual(facetCounts(page.filetypeFacet), byValue(adaItems, 'filetype'),
        `the filetype facet counts ${AUTHORS[0]}'s items only; Sluice answered facets ` +
        `${JSON.stringify(page.lastResponse().facets)}`);

    await runSearch(page, () => page.pager.nextPage());
    assert.equal(page.pager.state.currentPage, 2);
    assert.equal(page.pager.state.maxPage, 2, '13 results, 10 a page');
    const secondPage = shownUris(page);
    assert.equal(secondPage.length, adaItems.length - 10);
    assert.deepEqual([...firstPage, ...secondPage].sort(), adaItems.map((item) => item.uri).sort(),
        'the two pages hold every item of the selection once');
    assert.equal(facetValue(page, page.authorFacet, AUTHORS[0]).state, 'selected', 'still selected on page 2');
  });

  it('the pager walks the results page by page without overlap', async () => {
    const page = searchPage(sluice, searchKey);
    await runSearch(page, () => page.engine.executeFirstSearch());
    const pages = [shownUris(page)];

    for (const expectedPage of [2, 3]) {
      await runSearch(page, () => page.pager.nextPage());
      const sent = page.wire.requests.at(-1).body;
      assert.equal(sent.firstResult, (expectedPage - 1) * 10, 'Headless asks for the next firstResult');
      assert.equal(sent.numberOfResults, 10);
      assert.equal(page.pager.state.currentPage, expectedPage);
      assert.equal(page.engine.state.pagination.firstResult, (expectedPage - 1) * 10);
      assert.equal(page.engine.state.search.response.totalCountFiltered, ITEMS.length, 'the count stays');
      const uris = shownUris(page);
      assert.equal(uris.length, 10, `page ${expectedPage} is full`);
      for (const earlier of pages) {
        assert.deepEqual(uris.filter((uri) => earlier.includes(uri)), [], `page ${expectedPage} repeats no result`);
      }
      pages.push(uris);
    }
    assert.equal(page.pager.state.hasNextPage, false, 'page 3 of 30 results is the last');
    assert.deepEqual(pages.flat().sort(), ITEMS.map((item) => item.uri).sort(), 'three pages show every item');

    await runSearch(page, () => page.pager.previousPage());
    assert.equal(page.pager.state.currentPage, 2);
    assert.deepEqual(shownUris(page), pages[1], 'going back shows the same second page');
  });

  it('a query finds exactly the items containing its word', async () => {
    const page = searchPage(sluice, searchKey);
    await runSearch(page, () => page.engine.executeFirstSearch());
    await runSearch(page, () => {
      page.searchBox.updateText(RARE_WORD);
      page.searchBox.submit();
    });

    assert.equal(page.wire.requests.at(-1).body.q, RARE_WORD);
    const expected = ITEMS.filter((item) => item.hasRareWord).map((item) => item.uri).sort();
    assert.equal(expected.length, 8);
    assert.equal(page.engine.state.search.response.totalCountFiltered, expected.length);
    assert.equal(page.engine.state.search.queryExecuted, RARE_WORD);
    assert.deepEqual(shownUris(page).sort(), expected);
  });

  it('the search box suggests completions of the typed word', async () => {
    const page = searchPage(sluice, searchKey);
    const box = buildSearchBox(page.engine, {options: {
      numberOfSuggestions: 5,
      highlightOptions: {
        exactMatchDelimiters: {open: '<typed>', close: '</typed>'},
        notMatchDelimiters: {open: '<added>', close: '</added>'},
      },
    }});
    box.updateText(RARE_WORD.slice(0, 5));
    const deadline = Date.now() + SEARCH_TIMEOUT_MS;
    while (box.state.suggestions.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(box.state.suggestions.map((s) => s.rawValue), [RARE_WORD],
        'the only pushed word starting with the typed letters');
    // Headless turns Sluice's "{typed}[added]" into the delimiters asked for.
    assert.equal(box.state.suggestions[0].highlightedValue,
        `<typed>${RARE_WORD.slice(0, 5)}</typed><added>${RARE_WORD.slice(5)}</added>`);
  });
});
