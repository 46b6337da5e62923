// Webhooks to the CRM: a receiver on loopback checks every signature, gets every event of a
// whole consent-page journey in order, and, after being down for a while, gets every event
// it missed — none lost, none reordered per contact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { TestServer, formFields, profileFields, setUpServer } from './helpers.mjs';
import { ApiClient, apiKey } from './api_helpers.mjs';

// consentd with fast webhook retries, allowed to post over http to loopback.
class WebhookServer extends TestServer {
  constructor() {
    super();
    this.configFile = join(this.dir, 'consentd.toml');
    writeFileSync(this.configFile,
                  '[webhooks]\nallow_http = ["127.0.0.1"]\nretry_base_seconds = 1\npoll_ms = 100\n');
  }

  args(args, db = this.db) {
    return ['--config', this.configFile, ...super.args(args, db)];
  }
}

// The CRM's end: records the events whose signature verifies; `down()` stops listening.
class Receiver {
  constructor() {
    this.events = [];
    this.rejected = [];
    this.secret = null;
    this.port = 0;
  }

  async up() {
    this.server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['consentd-signature'] || '');
        const expected = sig && createHmac('sha256', this.secret).update(`${sig[1]}.${body}`).digest('hex');
        if (!sig || sig[2] !== expected || Math.abs(Date.now() / 1000 - Number(sig[1])) > 300) {
          this.rejected.push(body);
          res.writeHead(400).end();
          return;
        }
        const event = JSON.parse(body);
        assert.equal(req.headers['consentd-event-id'], event.id);
        assert.equal(req.headers['consentd-event-type'], event.type);
        this.events.push(event);
        res.writeHead(204).end();
      });
    });
    await new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = this.server.address().port;
  }

  async down() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Waits until an event satisfies `predicate`; returns every event so far.
  async waitUntil(predicate, what) {
    for (let i = 0; i < 300 && !this.events.some(predicate); i += 1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(this.events.some(predicate), `${what}: not arrived; got ${JSON.stringify(this.events.map((e) => e.type))}`);
    return this.events;
  }
}

const OTHER = { slug: 'other', company: 'Andere Makler GmbH', email: 'info@andere.example' };

let server;
let receiver;
let api;

const seqOf = (event) => Number(event.id.split('_').at(-1));

// The event each activity type is (a link being issued is none), as the docs list them.
const EVENT_OF = { Einwilligung: 'consent.given', Widerruf: 'consent.withdrawn', Datenänderung: 'contact.updated',
                   Suchprofil: 'search_profile.changed', Löschantrag: 'deletion.requested',
                   Löschentscheidung: 'deletion.decided', Löschung: 'contact.erased', 'E-Mail versendet': 'mail.sent',
                   'E-Mail nicht zugestellt': 'mail.failed' };

before(async () => {
  receiver = new Receiver();
  await receiver.up();
  server = await setUpServer(new WebhookServer(), { tenants: [OTHER] });
  const out = server.cli('webhook', 'add', '--tenant', 'demo', '--url', `http://127.0.0.1:${receiver.port}/hook`);
  receiver.secret = out.match(/^(whsec_\S+)$/m)[1];
  api = new ApiClient(server, apiKey(server).secret);
});
after(async () => {
  await server?.stop();
  await receiver?.down().catch(() => {});
});

describe('webhooks', () => {
  test('endpoints must be https unless the operator allows the host, and events must be known', () => {
    for (const [url, events] of [['http://crm.example/hook', '*'], ['ftp://127.0.0.1/x', '*'],
                                 ['https://user@crm.example/hook', '*'], ['https://crm.example/hook', 'consent.maybe']]) {
      const r = server.cliResult('webhook', 'add', '--tenant', 'demo', '--url', url, '--events', events);
      assert.notEqual(r.status, 0, `${url} ${events}`);
      assert.match(r.stderr, /(url|events): /);
    }
    assert.equal(server.cli('webhook', 'list', '--tenant', 'demo').trim().split('\n').length, 1);
  });

  test('a whole consent-page journey arrives signed, in order, with before and after', async () => {
    const erika = server.demoLinks.find((l) => l.name.includes('Erika')).token;
    assert.equal((await server.act(erika, 'consent')).status, 303);
    const page = await server.page(erika);
    const fields = formFields(page.body, `/c/${erika}/contact`);
    assert.equal((await server.post(`/c/${erika}/contact`, { ...fields, ort: 'Potsdam', plz: '14467' })).status, 303);
    assert.equal((await server.act(erika, 'search-profiles', profileFields())).status, 303);
    assert.equal((await server.act(erika, 'withdraw', { reason: 'Ich suche nicht mehr.' })).status, 303);
    assert.equal((await server.act(erika, 'deletion-request', { note: 'Bitte löschen.' })).status, 303);
    const events = await receiver.waitUntil((e) => e.type === 'deletion.requested', 'journey');
    // Every act of the journey, as the contact's evidence lists them, is one event, in order.
    const contact = events[0].contact.id;
    const activities = (await api.get(`/api/v1/contacts/${contact}/activities`)).json.data
      .filter((a) => EVENT_OF[a.type] && a.seq > seqOf(events[0]) - 1);
    assert.deepEqual(events.map((e) => e.type), activities.map((a) => EVENT_OF[a.type]));
    assert.deepEqual(events.map(seqOf), activities.map((a) => a.seq));
    for (const type of ['consent.given', 'contact.updated', 'search_profile.changed', 'consent.withdrawn']) {
      assert.ok(events.some((e) => e.type === type), type);
    }
    assert.deepEqual(receiver.rejected, [], 'every signature verifies');
    assert.ok(events.every((e) => e.contact.id === contact));
    const seqs = events.map(seqOf);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'in chain order');
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'one id per event');
    const updated = events.find((e) => e.type === 'contact.updated');
    const changes = Object.fromEntries(updated.data.changes.map((c) => [c.field, c]));
    assert.equal(changes.ort.before, 'Berlin');
    assert.equal(changes.ort.after, 'Potsdam');
  });

  test('while the receiver is down nothing is lost; afterwards everything arrives in order', async () => {
    const before = receiver.events.length;
    await receiver.down();
    const created = [];
    for (let i = 0; i < 3; i += 1) {
      const c = await api.post('/api/v1/contacts', { email: `down${i}-${process.pid}@example.com`, nachname: `Down${i}`, external_id: `crm-down-${i}` });
      assert.equal(c.status, 201, c.body);
      created.push(c);
    }
    for (const c of created) {
      const r = await api.patch(`/api/v1/contacts/${c.json.id}`, { ort: 'Leipzig' }, { headers: { 'if-match': c.headers.get('etag') } });
      assert.equal(r.status, 200, r.body);
    }
    assert.equal((await api.delete(`/api/v1/contacts/${created[0].json.id}`)).status, 204);
    // Let several attempts fail.
    await new Promise((r) => setTimeout(r, 2500));
    assert.match(server.cli('webhook', 'list', '--tenant', 'demo'), /failing \(\d+\)/);
    const failed = server.sql("SELECT count(*) FROM webhook_attempts WHERE outcome = 'failed'");
    assert.match(failed, /[1-9]/);
    await receiver.up();
    const events = (await receiver.waitUntil((e) => e.type === 'contact.erased', 'after the outage')).slice(before);
    await new Promise((r) => setTimeout(r, 300));  // nothing more may come
    assert.equal(receiver.events.length - before, 7, 'each event once');
    const seqs = events.map(seqOf);
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'in chain order');
    for (const c of created) {
      const mine = events.filter((e) => e.contact.id === c.json.id).map((e) => e.type);
      // Creation is a data change too (its data says act "create_contact" — unless the person
      // was erased before the event went out: then data is null).
      const expected = c === created[0] ? ['contact.updated', 'contact.updated', 'contact.erased']
                                        : ['contact.updated', 'contact.updated'];
      assert.deepEqual(mine, expected, `events of contact ${c.json.id}`);
      assert.ok(events.filter((e) => e.contact.id === c.json.id).every((e) => e.contact.external_id === c.json.external_id));
    }
    const survivor = events.find((e) => e.contact.id === created[1].json.id);
    assert.equal(survivor.data.act, 'create_contact');
    const ofErased = events.filter((e) => e.contact.id === created[0].json.id);
    assert.ok(ofErased.filter((e) => e.type !== 'contact.erased').every((e) => e.data === null));
    assert.doesNotMatch(JSON.stringify(ofErased), /down0-|Down0|Leipzig/,
                        'nothing of the erased person leaves consentd');
    const erased = events.find((e) => e.type === 'contact.erased');
    assert.equal(erased.contact.external_id, 'crm-down-0', 'the CRM can find whom to erase');
    assert.deepEqual(receiver.rejected, []);
  });

  test('the CRM manages its endpoints through the API', async () => {
    const second = new Receiver();
    await second.up();
    try {
      const url = `http://127.0.0.1:${second.port}/only-consents`;
      const fieldsOf = (r) => r.json.errors.map((e) => e.field).sort();
      for (const [body, fields] of [[{ url: 'http://crm.example/hook' }, ['url']],
                                    [{ url, events: '*' }, ['events']],
                                    [{ url, events: ['consent.maybe'] }, ['events']],
                                    [{ url, colour: 'blue' }, ['colour']]]) {
        const bad = await api.post('/api/v1/webhook-endpoints', body);
        assert.equal(bad.status, 422, JSON.stringify(body));
        assert.deepEqual(fieldsOf(bad), fields, JSON.stringify(body));
      }
      const before = server.sqlValue('SELECT count(*) FROM webhook_endpoints');
      const added = await api.post('/api/v1/webhook-endpoints', { url, events: ['consent.given'] });
      assert.equal(added.status, 201, added.body);
      assert.match(added.json.secret, /^whsec_/);
      assert.equal(added.headers.get('location'), `/api/v1/webhook-endpoints/${added.json.id}`);
      assert.deepEqual(added.json.events, ['consent.given']);
      assert.equal(Number(server.sqlValue('SELECT count(*) FROM webhook_endpoints')), Number(before) + 1);
      second.secret = added.json.secret;
      const self = `/api/v1/webhook-endpoints/${added.json.id}`;
      const listed = (await api.get('/api/v1/webhook-endpoints')).json.data.find((e) => e.id === added.json.id);
      assert.equal(listed.state, 'ok');
      assert.equal(listed.secret, undefined, 'the secret is shown once');
      // Only the chosen event type arrives there, signed with the new secret.
      const contact = await api.post('/api/v1/contacts', { email: 'hook-api@example.com', nachname: 'Hook' });
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await api.post(`/api/v1/contacts/${contact.json.id}/consents`,
                                   { action: 'grant', source: 'Telefon', note: 'Anruf', date: today })).status, 201);
      const events = await second.waitUntil((e) => e.type === 'consent.given' && e.contact.id === contact.json.id, 'consent');
      assert.deepEqual([...new Set(events.map((e) => e.type))], ['consent.given']);
      assert.deepEqual(second.rejected, []);
      const log = await api.get(`${self}/attempts?limit=5`);
      assert.equal(log.status, 200);
      assert.equal(log.json.data[0].outcome, 'delivered');
      assert.equal(log.json.data[0].status_code, 204);
      // Another tenant's key sees nothing of it and changes nothing.
      const other = new ApiClient(server, apiKey(server, { tenant: OTHER.slug }).secret);
      const missing = await other.get('/api/v1/webhook-endpoints/999999');
      for (const r of [await other.get(self), await other.get(`${self}/attempts`),
                       await other.patch(self, { active: false }), await other.delete(self)]) {
        assert.equal(r.status, 404);
        assert.equal(r.body, missing.body);
      }
      assert.deepEqual((await other.get('/api/v1/webhook-endpoints')).json.data, []);
      // Pause, resume, remove.
      assert.deepEqual(fieldsOf(await api.patch(self, { active: 'nein' })), ['active']);
      const paused = await api.patch(self, { active: false });
      assert.equal(paused.json.state, 'paused');
      assert.equal((await api.patch(self, { active: true })).json.state, 'ok');
      assert.equal((await api.delete(self)).status, 204);
      assert.equal((await api.get(self)).status, 404);
      assert.equal(server.sqlValue('SELECT count(*) FROM webhook_endpoints'), before);
    } finally {
      await second.down();
    }
  });
});
