// The JSON API beyond contacts: serial e-mails and their progress, deletion requests and
// their decisions, mail templates through the template check — each with bad input, the
// read scope and another tenant's ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './helpers.mjs';
import { ApiClient, apiKey } from './api_helpers.mjs';

const OTHER = { slug: 'other', company: 'Andere Makler GmbH', email: 'info@andere.example' };

let server;
let api;
let reader;
let other;

before(async () => {
  server = await startServer({ tenants: [OTHER] });
  api = new ApiClient(server, apiKey(server).secret);
  reader = new ApiClient(server, apiKey(server, { scope: 'read', name: 'Lesen' }).secret);
  other = new ApiClient(server, apiKey(server, { tenant: 'other' }).secret);
});
after(async () => { await server?.stop(); });

function fieldsOf(res) {
  return (res.json?.errors || []).map((e) => e.field).sort();
}

async function demoContactIds() {
  return (await api.get('/api/v1/contacts')).json.data.map((c) => c.id);
}

describe('mailings', () => {
  test('bad mailing bodies are refused at the field; a read key may not send', async () => {
    const ids = await demoContactIds();
    const noSubject = await api.post('/api/v1/mailings', { contact_ids: ids });
    assert.equal(noSubject.status, 422);
    assert.deepEqual(fieldsOf(noSubject), ['subject']);
    const both = await api.post('/api/v1/mailings', { subject: 'Hallo', contact_ids: ids, all: true });
    assert.deepEqual(fieldsOf(both), ['contact_ids']);
    const unknown = await api.post('/api/v1/mailings', { subject: 'Hallo', contact_ids: [ids[0], 999999] });
    assert.deepEqual(fieldsOf(unknown), ['contact_ids']);
    assert.match(unknown.json.errors[0].detail, /999999/);
    const badFilter = await api.post('/api/v1/mailings', { subject: 'Hallo', filter: { state: 'vielleicht', farbe: 'blau' } });
    assert.deepEqual(fieldsOf(badFilter), ['filter.farbe', 'filter.state']);
    const badTemplate = await api.post('/api/v1/mailings', { subject: 'Hallo', template: 'gibt-es-nicht', all: true });
    assert.deepEqual(fieldsOf(badTemplate), ['template']);
    assert.equal((await reader.post('/api/v1/mailings', { subject: 'Hallo', all: true })).status, 403);
    assert.deepEqual((await api.get('/api/v1/mailings')).json.data, [], 'nothing was created');
  });

  test('a mailing to chosen contacts is accepted, prepared and delivered; its recipients show their states', async () => {
    const ids = await demoContactIds();
    const created = await api.post('/api/v1/mailings', { subject: 'Ihre Daten bei uns', contact_ids: ids.slice(0, 3) },
                                   { headers: { 'idempotency-key': `mailing-${process.pid}` } });
    assert.equal(created.status, 202, created.body);
    assert.equal(created.headers.get('location'), `/api/v1/mailings/${created.json.id}`);
    assert.equal(created.json.recipients, 3);
    const retry = await api.post('/api/v1/mailings', { subject: 'Ihre Daten bei uns', contact_ids: ids.slice(0, 3) },
                                 { headers: { 'idempotency-key': `mailing-${process.pid}` } });
    assert.equal(retry.json.id, created.json.id, 'a retried POST sends nothing twice');
    let status;
    for (let i = 0; i < 200; i += 1) {
      status = (await reader.get(`/api/v1/mailings/${created.json.id}`)).json;
      if (status.finished) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(status.finished, JSON.stringify(status));
    const c = status.counts;
    assert.equal(c.sent + c.skipped + c.failed, 3, JSON.stringify(c));
    assert.ok(c.sent >= 1);
    const first = await reader.get(`/api/v1/mailings/${created.json.id}/recipients?limit=2`);
    assert.equal(first.json.data.length, 2);
    const rest = await reader.get(`/api/v1/mailings/${created.json.id}/recipients?limit=2&cursor=${first.json.next_cursor}`);
    const all = [...first.json.data, ...rest.json.data];
    assert.deepEqual(all.map((r) => r.contact_id).sort((a, b) => a - b), ids.slice(0, 3).sort((a, b) => a - b));
    for (const r of all) {
      assert.ok(['sent', 'skipped'].includes(r.state), JSON.stringify(r));
      if (r.state === 'skipped') assert.ok(r.skip_reason);
      if (r.state === 'sent') assert.ok(r.sent_at);
    }
    assert.equal((await api.get('/api/v1/mailings')).json.data[0].id, created.json.id);
    const foreign = await other.get(`/api/v1/mailings/${created.json.id}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, (await other.get('/api/v1/mailings/999999')).body);
    assert.equal((await other.get(`/api/v1/mailings/${created.json.id}/recipients`)).status, 404);
  });
});

describe('deletion requests', () => {
  test('a request made on the consent page is listed and decided through the API', async () => {
    const token = server.demoLinks.find((l) => l.name.includes('Jürgen')).token;
    assert.equal((await server.act(token, 'deletion-request', { note: 'Bitte löschen.' })).status, 303);
    const list = await reader.get('/api/v1/deletion-requests');
    assert.equal(list.status, 200);
    assert.equal(list.json.data.length, 1);
    const request = list.json.data[0];
    assert.equal(request.status, 'open');
    assert.equal(request.overdue, false);
    const url = `/api/v1/deletion-requests/${request.id}/decision`;
    assert.deepEqual(fieldsOf(await api.post(url, { decision: 'vergessen' })), ['decision']);
    const noReason = await api.post(url, { decision: 'extend', months: 1 });
    assert.equal(noReason.status, 422);
    assert.ok(fieldsOf(noReason).includes('reason'), noReason.body);
    assert.equal((await reader.post(url, { decision: 'extend', months: 1, reason: 'x' })).status, 403);
    const foreign = await other.post(url, { decision: 'extend', months: 1, reason: 'Prüfung' });
    assert.equal(foreign.status, 404);
    assert.equal((await api.get(`/api/v1/deletion-requests/${request.id}`)).json.extended_months, 0);
    const extended = await api.post(url, { decision: 'extend', months: 1, reason: 'Mehrere Anträge gleichzeitig.' });
    assert.equal(extended.status, 200, extended.body);
    assert.equal(extended.json.extended_months, 1);
    assert.ok(extended.json.due_at > request.due_at);
    assert.deepEqual(fieldsOf(await api.get('/api/v1/deletion-requests?status=maybe')), ['status']);
    const erased = await api.post(url, { decision: 'erase', confirm: true });
    assert.equal(erased.status, 200, erased.body);
    assert.equal(erased.json.status, 'erased');
    assert.equal((await api.get(`/api/v1/contacts/${request.contact_id}`)).status, 404);
    assert.deepEqual((await reader.get('/api/v1/deletion-requests')).json.data, []);
    assert.equal((await reader.get('/api/v1/deletion-requests?status=erased')).json.data[0].id, request.id);
  });
});

describe('templates', () => {
  test('templates are read and changed only through the template check', async () => {
    const list = await reader.get('/api/v1/templates');
    assert.ok(list.json.data.some((t) => t.key === 'kontakt-und-gesuchsdaten' && t.language === 'de'));
    const url = '/api/v1/templates/kontakt-und-gesuchsdaten/de';
    const original = (await reader.get(url)).json;
    const lines = original.body_text.split('\n');
    lines.splice(1, 0, 'Ihr Vorname: {{vornme}}');
    const bad = await api.put(url, { body_text: lines.join('\n') });
    assert.equal(bad.status, 422);
    assert.deepEqual(fieldsOf(bad), ['body_text']);
    assert.match(bad.json.errors[0].detail_de, /vornme.*Zeile 2/);
    assert.equal((await reader.get(url)).json.body_text, original.body_text, 'nothing saved');
    assert.equal((await reader.put(url, { subject: 'x' })).status, 403);
    assert.deepEqual(fieldsOf(await api.put(url, { subject: 42 })), ['subject']);
    const saved = await api.put(url, { subject: 'Ihre Daten bei {{makler_firma}}' });
    assert.equal(saved.status, 200, saved.body);
    assert.equal(saved.json.subject, 'Ihre Daten bei {{makler_firma}}');
    assert.equal((await other.get(url)).json.subject, '', "the other tenant's template is its own");
    assert.equal((await api.get('/api/v1/templates/gibt-es-nicht/de')).status, 404);
  });
});
