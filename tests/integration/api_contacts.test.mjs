// The JSON API for contacts (/api/v1/contacts): keys and scopes, problem+json errors at the
// field, Idempotency-Key, ETag/If-Match, upsert by the CRM's id, consents recorded from
// elsewhere, erasure, and strict separation of tenants.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './helpers.mjs';
import { ApiClient, apiKey } from './api_helpers.mjs';

const OTHER = { slug: 'other', company: 'Andere Makler GmbH', email: 'info@andere.example' };

let server;
let api;      // write key of the demo tenant
let reader;   // read key of the demo tenant
let other;    // write key of tenant "other"

const sqlValue = (query) => server.sqlValue(query);

function contactCount() {
  return Number(sqlValue('SELECT count(*) FROM contacts WHERE erased_at IS NULL'));
}

let serial = 0;
function newContact(overrides = {}) {
  serial += 1;
  return { email: `api${serial}-${process.pid}@example.com`, nachname: `Api${serial}`, vorname: 'Ina',
           ...overrides };
}

before(async () => {
  server = await startServer({ tenants: [OTHER] });
  api = new ApiClient(server, apiKey(server, { scope: 'write' }).secret);
  reader = new ApiClient(server, apiKey(server, { scope: 'read', name: 'Nur lesen' }).secret);
  other = new ApiClient(server, apiKey(server, { tenant: 'other', scope: 'write' }).secret);
});
after(async () => { await server?.stop(); });

function assertProblem(res, status) {
  assert.equal(res.status, status, res.body);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.json.status, status);
  assert.ok(res.json.title, 'a problem has a title');
}

function fieldsOf(res) {
  return (res.json.errors || []).map((e) => e.field).sort();
}

describe('API keys', () => {
  test('no key, a malformed one, an unknown one and a revoked one are all 401', async () => {
    const anonymous = new ApiClient(server, null);
    const none = await anonymous.get('/api/v1/contacts');
    assertProblem(none, 401);
    assert.match(none.headers.get('www-authenticate'), /^Bearer realm="consentd"/);
    for (const secret of ['nonsense', `cdk_${'A'.repeat(43)}`]) {
      const res = await new ApiClient(server, secret).get('/api/v1/contacts');
      assertProblem(res, 401);
      assert.match(res.headers.get('www-authenticate'), /error="invalid_token"/);
    }
    const key = apiKey(server, { name: 'Bald widerrufen' });
    const doomed = new ApiClient(server, key.secret);
    assert.equal((await doomed.get('/api/v1/contacts')).status, 200);
    assert.match(server.cli('apikey', 'revoke', String(key.id), '--tenant', 'demo'), /revoked/);
    assertProblem(await doomed.get('/api/v1/contacts'), 401);
    assert.match(server.cli('apikey', 'list', '--tenant', 'demo'), new RegExp(`^${key.id}\\s.*revoked`, 'm'));
  });

  test('a read key reads but may not write, and nothing is written', async () => {
    assert.equal((await reader.get('/api/v1/contacts')).status, 200);
    const before = contactCount();
    const res = await reader.post('/api/v1/contacts', newContact());
    assertProblem(res, 403);
    assert.equal(contactCount(), before);
  });

  test('every call is audited with its key, reads included', async () => {
    const created = await api.post('/api/v1/contacts', newContact());
    assert.equal(created.status, 201);
    await api.get(`/api/v1/contacts/${created.json.id}`);
    const keyed = `SELECT count(*) FROM audit_log a JOIN api_keys k ON k.id = a.api_key_id
                   WHERE k.name = 'CRM-Sync' AND k.tenant_id = a.tenant_id`;
    assert.equal(Number(sqlValue(`${keyed} AND a.action = 'contact.create'
                                   AND a.target = 'contact:${created.json.id}'`)), 1);
    // Reads are written without waiting for them; give the writer a moment.
    let reads = 0;
    for (let i = 0; i < 50 && reads === 0; i += 1) {
      reads = Number(sqlValue(`${keyed} AND a.action = 'api.read'
                                AND a.target = '/contacts/${created.json.id}'`));
      if (reads === 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(reads, 1);
  });
});

describe('creating contacts', () => {
  test('a created contact answers 201 with Location and ETag, and its evidence names the API', async () => {
    const res = await api.post('/api/v1/contacts', newContact({ plz: '10115', ort: 'Berlin', legal_basis: 'own_enquiry',
                                                                telefon: '030 1234567' }));
    assert.equal(res.status, 201, res.body);
    assert.equal(res.headers.get('location'), `/api/v1/contacts/${res.json.id}`);
    assert.match(res.headers.get('etag'), /^"[0-9a-f]{32}"$/);
    // The answer is the contact as stored: the same body and ETag as reading it back.
    const read = await api.get(`/api/v1/contacts/${res.json.id}`);
    assert.deepEqual(res.json, read.json);
    assert.equal(res.headers.get('etag'), read.headers.get('etag'));
    assert.equal(res.json.telefon, '+49 30 1234567', 'normalized as stored');
    assert.equal(res.json.legal_basis, 'own_enquiry');
    assert.equal(res.json.consent_state, 'none');
    const activities = await api.get(`/api/v1/contacts/${res.json.id}/activities`);
    assert.equal(activities.status, 200);
    const [created] = activities.json.data;
    assert.equal(created.type, 'Datenänderung');
    assert.equal(created.payload.channel, 'api');
    assert.equal(created.payload.contact.ort, 'Berlin');
    assert.ok(created.payload.api_key_id > 0);
  });

  test('bad bodies get a problem at the field and change nothing', async () => {
    const before = contactCount();
    assertProblem(await api.post('/api/v1/contacts', '{"email": '), 400);
    assertProblem(await api.post('/api/v1/contacts', '[1, 2]'), 400);
    assertProblem(await api.post('/api/v1/contacts', 'email=a@b.de', { contentType: 'text/plain' }), 415);
    const wrongTypes = await api.post('/api/v1/contacts', newContact({ nachname: 42, plz: ['1'] }));
    assertProblem(wrongTypes, 422);
    assert.deepEqual(fieldsOf(wrongTypes), ['nachname', 'plz']);
    assert.match(wrongTypes.json.errors[0].detail, /string/);
    assert.match(wrongTypes.json.errors[0].detail_de, /Zeichenkette/);
    const unknown = await api.post('/api/v1/contacts', newContact({ nachnahme: 'Tippfehler' }));
    assert.deepEqual(fieldsOf(unknown), ['nachnahme']);
    const invalid = await api.post('/api/v1/contacts', newContact({ email: 'kein-at', vorname: 'x'.repeat(300) }));
    assertProblem(invalid, 422);
    assert.deepEqual(fieldsOf(invalid), ['email', 'vorname']);
    const consent = await api.post('/api/v1/contacts', newContact({ legal_basis: 'consent' }));
    assert.deepEqual(fieldsOf(consent), ['legal_basis'], 'consent is its own act with evidence');
    assert.equal(contactCount(), before);
  });

  test('a taken e-mail address or external id is a 422 at that field', async () => {
    const first = await api.post('/api/v1/contacts', newContact({ external_id: `crm-taken-${process.pid}` }));
    assert.equal(first.status, 201);
    const sameEmail = await api.post('/api/v1/contacts', newContact({ email: first.json.email }));
    assert.deepEqual(fieldsOf(sameEmail), ['email']);
    const sameId = await api.post('/api/v1/contacts', newContact({ external_id: `crm-taken-${process.pid}` }));
    assert.deepEqual(fieldsOf(sameId), ['external_id']);
    const both = await api.post('/api/v1/contacts',
      newContact({ email: first.json.email, external_id: `crm-taken-${process.pid}` }));
    assert.deepEqual(fieldsOf(both), ['email', 'external_id']);
  });

  test('a retried POST with the same Idempotency-Key creates one contact and replays the answer', async () => {
    const body = newContact();
    const headers = { 'idempotency-key': `create-${process.pid}` };
    const before = contactCount();
    const first = await api.post('/api/v1/contacts', body, { headers });
    const retry = await api.post('/api/v1/contacts', body, { headers });
    assert.equal(first.status, 201);
    assert.equal(retry.status, 201);
    assert.equal(retry.json.id, first.json.id);
    assert.equal(retry.headers.get('etag'), first.headers.get('etag'));
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(contactCount(), before + 1);
    const reused = await api.post('/api/v1/contacts', newContact(), { headers });
    assertProblem(reused, 422);
    assert.equal(contactCount(), before + 1);
    const otherKey = await new ApiClient(server, apiKey(server).secret)
      .post('/api/v1/contacts', body, { headers });
    assert.deepEqual(fieldsOf(otherKey), ['email'], 'keys are per API key: this one ran and met the taken address');
  });
});

describe('reading and updating', () => {
  test('PATCH needs If-Match; a stale ETag is 412 and changes nothing', async () => {
    const created = await api.post('/api/v1/contacts', newContact({ ort: 'Hamburg' }));
    const url = `/api/v1/contacts/${created.json.id}`;
    const etag = (await api.get(url)).headers.get('etag');
    assert.equal(etag, created.headers.get('etag'));
    assertProblem(await api.patch(url, { ort: 'Bremen' }), 428);
    const writerA = await api.patch(url, { ort: 'Bremen' }, { headers: { 'if-match': etag } });
    assert.equal(writerA.status, 200, writerA.body);
    assert.equal(writerA.json.ort, 'Bremen');
    assert.notEqual(writerA.headers.get('etag'), etag);
    const writerB = await api.patch(url, { ort: 'Kiel' }, { headers: { 'if-match': etag } });
    assertProblem(writerB, 412);
    assert.equal((await api.get(url)).json.ort, 'Bremen', 'B did not overwrite A');
    const bad = await api.patch(url, { telefon: 'keine Nummer' }, { headers: { 'if-match': writerA.headers.get('etag') } });
    assert.deepEqual(fieldsOf(bad), ['telefon']);
    assert.equal((await api.get(url)).headers.get('etag'), writerA.headers.get('etag'));
  });

  test('PUT by external id creates, then updates the same contact', async () => {
    const url = `/api/v1/contacts-by-external-id/${encodeURIComponent(`FF-${process.pid}/7`)}`;
    assertProblem(await api.get(url), 404);
    const created = await api.put(url, newContact({ ort: 'Köln' }));
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json.external_id, `FF-${process.pid}/7`);
    const updated = await api.put(url, { email: created.json.email, nachname: 'Umbenannt' });
    assert.equal(updated.status, 200, updated.body);
    assert.equal(updated.json.id, created.json.id);
    assert.equal(updated.json.nachname, 'Umbenannt');
    const byId = await api.get(url);
    assert.equal(byId.json.id, created.json.id);
    const stale = await api.put(url, { ort: 'Bonn' }, { headers: { 'if-match': created.headers.get('etag') } });
    assertProblem(stale, 412);
    const mismatch = await api.put(url, { external_id: 'anders' });
    assert.deepEqual(fieldsOf(mismatch), ['external_id']);
  });

  test('the list filters like the address list and pages with a cursor', async () => {
    const all = [];
    let path = '/api/v1/contacts?limit=2';
    for (let pages = 0; path && pages < 100; pages += 1) {
      const res = await reader.get(path);
      assert.equal(res.status, 200, res.body);
      assert.ok(res.json.data.length <= 2);
      all.push(...res.json.data.map((c) => c.id));
      const link = res.headers.get('link');
      assert.equal(Boolean(link), res.json.next_cursor !== null);
      path = res.json.next_cursor ? link.match(/^<([^>]+)>/)[1] : null;
    }
    assert.equal(all.length, contactCount());
    assert.deepEqual([...all].sort((a, b) => a - b), all, 'id order');
    assert.equal(new Set(all).size, all.length, 'no contact twice');
    const muell = await reader.get('/api/v1/contacts?q=muell');
    assert.deepEqual(muell.json.data.map((c) => c.nachname), ['Müller']);
    const paged = await reader.get('/api/v1/contacts?q=example&limit=1');
    assert.equal(paged.json.data.length, 1);
    const next = await reader.get(`/api/v1/contacts?q=example&limit=1&cursor=${paged.json.next_cursor}`);
    assert.ok(next.json.data[0].id > paged.json.data[0].id);
    const bad = await reader.get('/api/v1/contacts?limit=500&state=vielleicht&colour=blue');
    assertProblem(bad, 422);
    assert.deepEqual(fieldsOf(bad), ['colour', 'limit', 'state']);
  });
});

describe('consents, erasure and tenants', () => {
  test('consent obtained by the CRM is a new act with its source and evidence', async () => {
    const created = await api.post('/api/v1/contacts', newContact());
    const url = `/api/v1/contacts/${created.json.id}/consents`;
    const today = new Date().toISOString().slice(0, 10);
    const evidence = { form_url: 'https://crm.example/formular/7', ip: '203.0.113.9', doi_confirmed_at: `${today}T09:00:00Z` };
    const bad = await api.post(url, { action: 'grant', source: 'Fax', note: '', date: '2999-01-01', evidence: 'ja' });
    assertProblem(bad, 422);
    assert.deepEqual(fieldsOf(bad), ['evidence']);
    const invalid = await api.post(url, { action: 'grant', source: 'Fax', note: '', date: '2999-01-01' });
    assert.deepEqual(fieldsOf(invalid), ['date', 'note', 'source']);
    const granted = await api.post(url, { action: 'grant', source: 'Kontaktformular', note: 'Formular im CRM', date: today, evidence });
    assert.equal(granted.status, 201, granted.body);
    assert.equal(granted.json.data[0].quelle, 'Kontaktformular');
    assert.equal((await api.get(`/api/v1/contacts/${created.json.id}`)).json.consent_state, 'granted');
    // The list shows the state kept on the contact row: the same as the single read.
    const listedAs = async (state) =>
      (await api.get(`/api/v1/contacts?state=${state}&q=${encodeURIComponent(created.json.email)}`)).json.data.map((c) => [c.id, c.consent_state]);
    assert.deepEqual(await listedAs('granted'), [[created.json.id, 'granted']]);
    const activities = (await api.get(`/api/v1/contacts/${created.json.id}/activities`)).json.data;
    const act = activities.at(-1);
    assert.equal(act.type, 'Einwilligung');
    assert.deepEqual(act.payload.evidence, evidence);
    const withdrawn = await api.post(url, { action: 'withdraw', source: 'Telefon', note: 'Anruf bei Frau X' });
    assert.equal(withdrawn.status, 201, withdrawn.body);
    assert.equal((await api.get(`/api/v1/contacts/${created.json.id}`)).json.consent_state, 'withdrawn');
    assert.deepEqual(await listedAs('withdrawn'), [[created.json.id, 'withdrawn']]);
    assert.deepEqual(await listedAs('granted'), []);
    const profiles = await api.get(`/api/v1/contacts/${created.json.id}/search-profiles`);
    assert.deepEqual(profiles.json, { data: [] });
  });

  test('the CRM adds, replaces and removes search profiles, each a Suchprofil activity', async () => {
    const created = await api.post('/api/v1/contacts', newContact({ nachname: 'Sucht' }));
    const base = `/api/v1/contacts/${created.json.id}/search-profiles`;
    const wrongTypes = await api.post(base, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'wohnung',
                                              preis_bis: -5, zimmer_von: 2.555, plz: 10115, farbe: 'blau' });
    assertProblem(wrongTypes, 422);
    assert.deepEqual(fieldsOf(wrongTypes), ['farbe', 'plz', 'preis_bis', 'zimmer_von']);
    const wrongValues = await api.post(base, { vermarktungsart: 'TAUSCH', nutzungsart: 'WOHNEN', objektart: 'wohnung',
                                               preis_von: 500000, preis_bis: 400000 });
    assert.deepEqual(fieldsOf(wrongValues), ['preis_von', 'vermarktungsart']);
    assert.equal((await reader.post(base, { vermarktungsart: 'KAUF' })).status, 403);
    assert.deepEqual((await api.get(base)).json, { data: [] }, 'nothing was stored');

    const added = await api.post(base, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'wohnung',
                                         objekttyp: 'ETAGE', plz: '10115', ort: 'Berlin', radius_km: 10,
                                         preis_bis: 450000, zimmer_von: 2.5, bemerkung: 'Mit Balkon' });
    assert.equal(added.status, 201, added.body);
    const url = `${base}/${added.json.id}`;
    assert.equal(added.headers.get('location'), url);
    assert.deepEqual([added.json.preis_bis, added.json.zimmer_von, added.json.radius_km, added.json.objekttyp],
                     [450000, 2.5, 10, 'ETAGE']);
    assert.deepEqual((await api.get(url)).json, added.json);

    const replaced = await api.put(url, { vermarktungsart: 'MIETE_PACHT', nutzungsart: 'WOHNEN', objektart: 'haus' });
    assert.equal(replaced.status, 200, replaced.body);
    assert.deepEqual([replaced.json.vermarktungsart, replaced.json.objekttyp, replaced.json.preis_bis, replaced.json.ort],
                     ['MIETE_PACHT', '', null, ''], 'members left out are cleared');
    const activities = async () => (await api.get(`/api/v1/contacts/${created.json.id}/activities`)).json.data;
    const update = (await activities()).at(-1);
    assert.equal(update.type, 'Suchprofil');
    assert.equal(update.payload.act, 'broker_update_search_profile');
    assert.equal(update.payload.channel, 'api');
    assert.equal(update.payload.before.preis_bis, 450000);
    assert.equal(update.payload.after.vermarktungsart, 'MIETE_PACHT');

    const missing = await other.get('/api/v1/contacts/999999');
    for (const res of [await other.get(url), await other.put(url, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus' }),
                       await other.delete(url), await other.post(base, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus' }),
                       await api.get(`${base}/999999`)]) {
      assert.equal(res.status, 404);
      assert.equal(res.body, missing.body);
    }
    assert.equal((await api.get(url)).json.vermarktungsart, 'MIETE_PACHT', "another tenant's key changed nothing");

    assert.equal((await api.delete(url)).status, 204);
    assert.deepEqual((await api.get(base)).json, { data: [] });
    assertProblem(await api.delete(url), 404);
    const removal = (await activities()).at(-1);
    assert.equal(removal.payload.act, 'broker_delete_search_profile');
    assert.equal(removal.payload.before.vermarktungsart, 'MIETE_PACHT');
    const method = await api.request('PATCH', url);
    assert.equal(method.headers.get('allow'), 'GET, HEAD, PUT, DELETE');
  });

  test('DELETE erases the contact; afterwards it is gone from every route', async () => {
    const created = await api.post('/api/v1/contacts', newContact({ nachname: 'Weg' }));
    const url = `/api/v1/contacts/${created.json.id}`;
    assertProblem(await api.delete(url, { headers: { 'if-match': '"0000"' } }), 412);
    const erased = await api.delete(url);
    assert.equal(erased.status, 204);
    for (const path of [url, `${url}/consents`, `${url}/activities`]) assertProblem(await api.get(path), 404);
    assert.equal(sqlValue(`SELECT nachname || '|' || email FROM contacts WHERE id = ${created.json.id}`), '|');
    assertProblem(await api.delete(url), 404);
  });

  test("another tenant's ids answer exactly like ids that do not exist, and nothing changes", async () => {
    const mine = await api.post('/api/v1/contacts', newContact({ ort: 'Potsdam' }));
    const id = mine.json.id;
    const missing = await other.get('/api/v1/contacts/999999');
    assertProblem(missing, 404);
    for (const path of [`/api/v1/contacts/${id}`, `/api/v1/contacts/${id}/consents`,
                        `/api/v1/contacts/${id}/activities`, `/api/v1/contacts/${id}/search-profiles`]) {
      const res = await other.get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body, missing.body, path);
    }
    const patch = await other.patch(`/api/v1/contacts/${id}`, { ort: 'Gestohlen' }, { headers: { 'if-match': '*' } });
    assert.equal(patch.body, missing.body);
    const consent = await other.post(`/api/v1/contacts/${id}/consents`,
      { action: 'withdraw', source: 'Telefon', note: 'fremd' });
    assert.equal(consent.body, missing.body);
    assert.equal((await other.delete(`/api/v1/contacts/${id}`)).body, missing.body);
    const list = await other.get('/api/v1/contacts?q=potsdam');
    assert.deepEqual(list.json.data, []);
    const still = await api.get(`/api/v1/contacts/${id}`);
    assert.equal(still.json.ort, 'Potsdam');
    assert.equal(still.headers.get('etag'), mine.headers.get('etag'));
  });

  test('unknown routes and methods are problems too', async () => {
    assertProblem(await api.get('/api/v1/nothing'), 404);
    assertProblem(await api.get('/api/v2/contacts'), 404);
    const method = await api.request('PUT', '/api/v1/contacts');
    assertProblem(method, 405);
    assert.equal(method.headers.get('allow'), 'GET, HEAD, POST');
    const consents = await api.request('PUT', '/api/v1/contacts/1/consents');
    assert.equal(consents.headers.get('allow'), 'GET, HEAD, POST');
  });

  test('HEAD answers like GET without the body', async () => {
    const created = await api.post('/api/v1/contacts', newContact());
    const got = await api.get(`/api/v1/contacts/${created.json.id}`);
    const head = await api.request('HEAD', `/api/v1/contacts/${created.json.id}`);
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers.get('etag'), got.headers.get('etag'));
    assert.equal(head.headers.get('content-type'), got.headers.get('content-type'));
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(got.body)));
    assert.equal((await api.request('HEAD', '/api/v1/contacts/999999')).status, 404);
  });
});
