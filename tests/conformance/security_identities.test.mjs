// PushSource.identity (SecurityIdentity over @coveo/platform-client's PushApi):
// PUT/DELETE .../providers/{provider}/permissions, PUT .../mappings,
// PUT .../permissions/batch?fileId= and DELETE .../permissions/olderthan?orderingId=,
// each checked through Sluice's listing POST /rest/organizations/{org}/securitycache/entities/list.

import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {after, before, describe, it} from 'node:test';

import {PUSH_PREFIX, coveo} from './client.mjs';
import {API_KEY, ORG, Sluice, uniqueWord, wireMark, wireSince} from './sluice.mjs';

const {PushSource} = coveo;
// The identity types the client's own models use ('User', 'Group', 'VirtualGroup', 'Unknown').
const {PermissionIdentityType} = createRequire(import.meta.url)('@coveo/platform-client');
const LISTING = `/rest/organizations/${ORG}/securitycache/entities/list`;

/** An identity in the shape of the client's SecurityIdentityModel (name, type, additionalInfo). */
function identity(name, type, additionalInfo = {}) {
  return {name, type, additionalInfo};
}

/** Every entry Sluice lists for `provider`. */
async function listIdentities(sluice, provider) {
  const res = await sluice.request('POST', `${LISTING}?page=0&perPage=100`, {body: {providerIds: [provider]}});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.page, 0);
  assert.equal(res.body.perPage, 100);
  assert.equal(res.body.hasMore, false);
  for (const item of res.body.items) assert.equal(item.provider, provider, JSON.stringify(item));
  return res.body.items;
}

/** The one listed entry named `name` (of `kind`); fails when there is none. */
function entryNamed(items, name, kind = 'IDENTITY') {
  const found = items.filter((i) => i.identity.name === name && i.kind === kind);
  assert.equal(found.length, 1, `one ${kind} named ${name} in ${JSON.stringify(items)}`);
  return found[0];
}

/** Checks that `record` (from the wire log) is the platform client's call to `pathname`; returns its URL. */
function assertPushApiCall(record, method, pathname, status) {
  const target = new URL(record.target);
  assert.equal(record.method.toUpperCase(), method, `method of ${record.url}`);
  assert.match(record.url, /^https:\/\/api\.cloud\.coveo\.com\//, 'the client aimed at Coveo; redirect.cjs rerouted it');
  assert.equal(decodeURIComponent(target.pathname), pathname);
  assert.match(record.headers.Authorization, /^Bearer /);
  assert.equal(record.status, status);
  return target;
}

/** An orderingId from the listing: a string of digits. */
function orderingOf(entry) {
  assert.match(entry.orderingId, /^\d+$/, `orderingId ${JSON.stringify(entry.orderingId)}`);
  return BigInt(entry.orderingId);
}

describe('security identities', () => {
  let sluice;
  let source;
  before(async () => {
    sluice = await new Sluice().start();
    source = new PushSource(API_KEY, ORG);
  });
  after(() => sluice.stop());

  it('createSecurityIdentity stores a GROUP with its members and well-knowns; a second call replaces them', async () => {
    const word = uniqueWord('group');
    const provider = `Conformance Provider ${word}`;
    const name = `legal-${word}`;
    const mark = wireMark();
    const startedMs = Date.now();
    await source.identity.createSecurityIdentity(provider, {
      identity: identity(name, PermissionIdentityType.Group, {department: 'legal'}),
      members: [
        identity(`alice-${word}@example.com`, PermissionIdentityType.User),
        identity(`interns-${word}`, PermissionIdentityType.VirtualGroup, {origin: 'hr'}),
      ],
      wellKnowns: [identity('Everyone', PermissionIdentityType.Group)],
    });
    const [call] = wireSince(mark);
    assertPushApiCall(call, 'PUT', `${PUSH_PREFIX}/providers/${provider}/permissions`, 202);
    assert.equal(call.headers['Content-Type'], 'application/json');
    assert.equal(JSON.parse(call.body.text).identity.type, 'Group', 'the client sends the type as given');

    const first = entryNamed(await listIdentities(sluice, provider), name);
    assert.deepEqual(first.identity, identity(name, 'GROUP', {department: 'legal'}));
    assert.equal(first.kind, 'IDENTITY');
    assert.equal(first.state, 'UP_TO_DATE');
    assert.ok(first.lastUpdateDate >= startedMs - 1000, `lastUpdateDate ${first.lastUpdateDate}`);
    assert.deepEqual(first.members, [
      identity(`alice-${word}@example.com`, 'USER'),
      identity(`interns-${word}`, 'VIRTUAL_GROUP', {origin: 'hr'}),
    ]);
    assert.deepEqual(first.wellKnowns, [identity('Everyone', 'GROUP')]);
    const firstOrdering = orderingOf(first);

    await source.identity.createSecurityIdentity(provider, {
      identity: identity(name, PermissionIdentityType.Group, {department: 'legal'}),
      members: [identity(`bob-${word}@example.com`, PermissionIdentityType.User)],
      wellKnowns: [],
    });
    const items = await listIdentities(sluice, provider);
    assert.equal(items.length, 1, 'the same name and type is one identity');
    const second = items[0];
    assert.deepEqual(second.members, [identity(`bob-${word}@example.com`, 'USER')]);
    assert.deepEqual(second.wellKnowns, []);
    assert.ok(orderingOf(second) > firstOrdering, 'the update has a newer orderingId');
  });

  it('createOrUpdateSecurityIdentityAlias stores an ALIAS with its mappings', async () => {
    const word = uniqueWord('alias');
    const provider = `Conformance Provider ${word}`;
    const name = `asmith-${word}@example.com`;
    const mark = wireMark();
    await source.identity.createOrUpdateSecurityIdentityAlias(provider, {
      identity: identity(name, PermissionIdentityType.User),
      mappings: [
        {...identity(`asmith-${word}`, PermissionIdentityType.User, {domain: 'corp'}), provider: 'Active Directory'},
        {...identity(`a.smith-${word}`, PermissionIdentityType.User), provider: 'Jira Provider'},
      ],
      wellKnowns: [identity('Everyone', PermissionIdentityType.Group)],
    });
    const [call] = wireSince(mark);
    assertPushApiCall(call, 'PUT', `${PUSH_PREFIX}/providers/${provider}/mappings`, 202);

    const alias = entryNamed(await listIdentities(sluice, provider), name, 'ALIAS');
    assert.deepEqual(alias.identity, identity(name, 'USER'));
    assert.equal(alias.state, 'UP_TO_DATE');
    assert.deepEqual(alias.mappings, [
      {...identity(`asmith-${word}`, 'USER', {domain: 'corp'}), provider: 'Active Directory'},
      {...identity(`a.smith-${word}`, 'USER'), provider: 'Jira Provider'},
    ]);
    assert.deepEqual(alias.wellKnowns, [identity('Everyone', 'GROUP')]);
    assert.equal(alias.members, undefined, 'an alias has no members');
    orderingOf(alias);
  });

  it('deleteSecurityIdentity disables the identity and leaves the others', async () => {
    const word = uniqueWord('del');
    const provider = `Conformance Provider ${word}`;
    const gone = `gone-${word}@example.com`;
    const kept = `kept-${word}@example.com`;
    for (const name of [gone, kept]) {
      await source.identity.createSecurityIdentity(provider,
          {identity: identity(name, PermissionIdentityType.User), members: [], wellKnowns: []});
    }
    const created = entryNamed(await listIdentities(sluice, provider), gone);
    assert.equal(created.state, 'UP_TO_DATE');

    const mark = wireMark();
    await source.identity.deleteSecurityIdentity(provider, {identity: identity(gone, PermissionIdentityType.User)});
    const [call] = wireSince(mark);
    assertPushApiCall(call, 'DELETE', `${PUSH_PREFIX}/providers/${provider}/permissions`, 202);
    assert.deepEqual(JSON.parse(call.body.text), {identity: identity(gone, 'User')}, 'the DELETE carries a JSON body');

    const items = await listIdentities(sluice, provider);
    const deleted = entryNamed(items, gone);
    assert.equal(deleted.state, 'DISABLED');
    assert.deepEqual(deleted.identity, identity(gone, 'USER'));
    assert.ok(orderingOf(deleted) > orderingOf(created), 'the delete is a newer change');
    assert.ok(deleted.lastUpdateDate >= created.lastUpdateDate);
    assert.equal(entryNamed(items, kept).state, 'UP_TO_DATE');
  });

  it('manageSecurityIdentities applies a batch file of members, mappings and deletions', async () => {
    const word = uniqueWord('idbatch');
    const provider = `Conformance Provider ${word}`;
    const doomed = `doomed-${word}@example.com`;
    await source.identity.createSecurityIdentity(provider,
        {identity: identity(doomed, PermissionIdentityType.User), members: [], wellKnowns: []});
    assert.equal(entryNamed(await listIdentities(sluice, provider), doomed).state, 'UP_TO_DATE');

    const mark = wireMark();
    const container = await source.platformClient.pushApi.createFileContainer();
    assert.equal(typeof container.fileId, 'string');
    const batch = {
      members: [
        {
          identity: identity(`sales-${word}`, PermissionIdentityType.Group),
          members: [identity(`carol-${word}@example.com`, PermissionIdentityType.User)],
          wellKnowns: [],
        },
        {identity: identity(`dave-${word}@example.com`, PermissionIdentityType.User)},
      ],
      mappings: [{
        identity: identity(`carol-${word}@example.com`, PermissionIdentityType.User),
        mappings: [{...identity(`carol-${word}`, PermissionIdentityType.User), provider: 'Active Directory'}],
        wellKnowns: [],
      }],
      deleted: [{identity: identity(doomed, PermissionIdentityType.User)}],
    };
    const upload = await fetch(container.uploadUri, {
      method: 'PUT', headers: container.requiredHeaders, body: JSON.stringify(batch),
    });
    assert.equal(upload.status, 200, await upload.text());
    await source.identity.manageSecurityIdentities(provider, {fileId: container.fileId});

    const wire = wireSince(mark);
    assert.equal(wire.length, 3, wire.map((r) => `${r.method} ${r.url}`).join(', '));
    assertPushApiCall(wire[0], 'POST', `${PUSH_PREFIX}/files`, 201);
    assert.equal(wire[1].url, container.uploadUri, 'the upload went to the uploadUri unchanged');
    const pushed = assertPushApiCall(wire[2], 'PUT', `${PUSH_PREFIX}/providers/${provider}/permissions/batch`, 202);
    assert.equal(pushed.searchParams.get('fileId'), container.fileId);

    const items = await listIdentities(sluice, provider);
    assert.equal(items.length, 4, JSON.stringify(items));
    const group = entryNamed(items, `sales-${word}`);
    assert.equal(group.identity.type, 'GROUP');
    assert.equal(group.state, 'UP_TO_DATE');
    assert.deepEqual(group.members, [identity(`carol-${word}@example.com`, 'USER')]);
    assert.equal(entryNamed(items, `dave-${word}@example.com`).state, 'UP_TO_DATE');
    const alias = entryNamed(items, `carol-${word}@example.com`, 'ALIAS');
    assert.deepEqual(alias.mappings, [{...identity(`carol-${word}`, 'USER'), provider: 'Active Directory'}]);
    assert.equal(entryNamed(items, doomed).state, 'DISABLED');

    await assert.rejects(source.identity.manageSecurityIdentities(provider, {fileId: container.fileId}), (error) => {
      assert.equal(error.status, 412);
      assert.equal(error.errorCode, 'INVALID_PARAMETER');
      assert.match(error.message, /already used/);
      return true;
    }, 'a file container is used once');
  });

  it('deleteOldSecurityIdentities disables the identities older than the orderingId', async () => {
    const word = uniqueWord('idold');
    const provider = `Conformance Provider ${word}`;
    const bystander = `Conformance Provider ${word} other`;
    const old = [1, 2].map((n) => `old${n}-${word}@example.com`);
    const fresh = `fresh-${word}@example.com`;
    const user = (name) => ({identity: identity(name, PermissionIdentityType.User), members: [], wellKnowns: []});
    for (const name of old) await source.identity.createSecurityIdentity(provider, user(name));
    await source.identity.createSecurityIdentity(bystander, user(old[0]));
    await source.identity.createSecurityIdentity(provider, user(fresh));
    const cutoff = entryNamed(await listIdentities(sluice, provider), fresh).orderingId;

    const mark = wireMark();
    await source.identity.deleteOldSecurityIdentities(provider, {orderingId: Number(cutoff)});
    const [call] = wireSince(mark);
    const target = assertPushApiCall(call, 'DELETE', `${PUSH_PREFIX}/providers/${provider}/permissions/olderthan`, 202);
    assert.equal(target.searchParams.get('orderingId'), cutoff);

    const items = await listIdentities(sluice, provider);
    for (const name of old) assert.equal(entryNamed(items, name).state, 'DISABLED', name);
    assert.equal(entryNamed(items, fresh).state, 'UP_TO_DATE', 'the identity at the orderingId stays');
    assert.equal(entryNamed(await listIdentities(sluice, bystander), old[0]).state, 'UP_TO_DATE',
        'another provider is left alone');
  });

  it('a member of an unknown type is refused with INVALID_JSON and nothing is stored', async () => {
    const word = uniqueWord('robot');
    const provider = `Conformance Provider ${word}`;
    const mark = wireMark();
    await assert.rejects(source.identity.createSecurityIdentity(provider, {
      identity: identity(`bots-${word}`, PermissionIdentityType.Group),
      members: [identity(`r2d2-${word}`, 'Robot')],
      wellKnowns: [],
    }), (error) => {
      // The platform client copies the server's JSON body onto the error it throws.
      assert.equal(error.status, 400);
      assert.equal(error.statusCode, 400);
      assert.equal(error.errorCode, 'INVALID_JSON');
      assert.match(error.message, /members\[0\]\.type/);
      assert.match(error.message, /Robot/);
      return true;
    });
    assert.equal(wireSince(mark)[0].status, 400);
    assert.deepEqual(await listIdentities(sluice, provider), []);
  });
});
