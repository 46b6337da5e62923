// RFC 8058 one-click unsubscribe: POST /u/{token} withdraws consent without a CSRF token
// (mail clients post it directly); GET and HEAD change nothing, since mail scanners and
// link previews fetch every URL of a message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { germanDate, stateText, startServer } from './helpers.mjs';

const ONE_CLICK = 'List-Unsubscribe=One-Click';
const REASON = 'Abmeldung per E-Mail (One-Click, RFC 8058)';
const UA = 'ExampleMail/2.0 (one-click)';
const IMPORT = 'Vorname;Nachname;E-Mail\n' +
  ['Uwe;Ungefragt', 'Mia;Multipart', 'Gerd;Gescannt', 'Lena;Loeschantrag', 'Rolf;Rueckkehr']
    .map((n) => `${n};${n.split(';')[0].toLowerCase()}@example.com`).join('\n') + '\n';

let server;
const tok = {};

before(async () => {
  server = await startServer({ imports: [{ tenant: 'demo', csv: IMPORT }] });
  assert.match(server.importReports[0], /^5 inserted/);
  for (const c of await server.discoverContacts(['demo'], 9)) tok[c.email.split(/[.@]/)[0]] = c.token;
  for (const name of ['erika', 'uwe', 'mia', 'gerd', 'lena', 'rolf']) assert.ok(tok[name], name);
});

after(async () => {
  await server?.stop();
});

async function snapshot(t) {
  const doc = await server.export(t);
  delete doc.generated_at;
  return doc;
}

function unsubscribe(t, { body = ONE_CLICK, headers = {} } = {}) {
  return server.post(`/u/${t}`, body, { headers: { 'user-agent': UA, ...headers } });
}

describe('POST /u/{token}', () => {
  test('withdraws a given consent, without CSRF, and says so in plain text', async () => {
    assert.equal((await server.act(tok.erika, 'consent')).status, 303);
    const granted = await server.export(tok.erika);
    const r = await unsubscribe(tok.erika);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.body, /abgemeldet/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');

    const p = await server.page(tok.erika);
    assert.equal(p.state, 'withdrawn');
    assert.equal(stateText(p.body), `Sie haben Ihre Einwilligung widerrufen am ${germanDate(new Date((await server.export(tok.erika)).consents[0].widerrufsdatum))}.`);
    const doc = await server.export(tok.erika);
    assert.equal(doc.legal_basis, 'none');
    assert.equal(doc.consents.length, 1);
    const c = doc.consents[0];
    assert.equal(c.datum, granted.consents[0].datum, 'the consent date stays as evidence');
    assert.match(c.widerrufsdatum, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(c.widerrufsdatum >= c.datum);
    assert.equal(c.widerrufsgrund, REASON);
    assert.equal(c.quelle, 'Kontaktformular');
    const a = doc.activities.at(-1);
    assert.equal(a.type, 'Widerruf');
    assert.equal(a.payload.act, 'withdraw');
    assert.equal(a.payload.ip_prefix, '127.0.0.0/24');
    assert.equal(a.payload.user_agent, UA);
    assert.equal(typeof a.payload.link_token_id, 'number');
    assert.equal(a.payload.consent.widerrufsgrund, REASON);
  });

  test('without any earlier consent records the objection', async () => {
    const r = await unsubscribe(tok.uwe);
    assert.equal(r.status, 200);
    const doc = await server.export(tok.uwe);
    assert.equal(doc.consents.length, 1);
    assert.equal(doc.consents[0].datum, null);
    assert.match(doc.consents[0].widerrufsdatum, /^\d{4}-/);
    assert.equal(doc.consents[0].widerrufsgrund, REASON);
    assert.deepEqual(doc.activities.map((x) => x.type), ['Widerruf']);
    assert.equal((await server.page(tok.uwe)).state, 'withdrawn');
  });

  test('accepts the multipart/form-data body that some mail clients send', async () => {
    assert.equal((await server.act(tok.mia, 'consent')).status, 303);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const res = await fetch(server.url(`/u/${tok.mia}`), { method: 'POST', body: form, redirect: 'manual' });
    assert.equal(res.status, 200);
    assert.equal((await server.page(tok.mia)).state, 'withdrawn');
  });

  test('the person can consent again on the page afterwards', async () => {
    assert.equal((await server.act(tok.rolf, 'consent')).status, 303);
    assert.equal((await unsubscribe(tok.rolf)).status, 200);
    assert.equal((await server.page(tok.rolf)).state, 'withdrawn');
    assert.equal((await server.act(tok.rolf, 'consent')).status, 303);
    const doc = await server.export(tok.rolf);
    assert.equal(doc.consents[0].widerrufsdatum, null);
    assert.equal((await server.page(tok.rolf)).state, 'granted');
    assert.deepEqual(doc.activities.map((x) => x.type), ['Einwilligung', 'Widerruf', 'Einwilligung']);
  });

  test('after a deletion request the request stays open', async () => {
    assert.equal((await server.act(tok.lena, 'deletion-request', { note: 'Bitte löschen' })).status, 303);
    const before = await server.export(tok.lena);
    assert.equal((await unsubscribe(tok.lena)).status, 200);
    const doc = await server.export(tok.lena);
    assert.deepEqual(doc.deletion_request, before.deletion_request);
    assert.equal(doc.deletion_request.status, 'open');
    assert.equal((await server.page(tok.lena)).state, 'deletion_requested');
    assert.notEqual(doc.consents[0].widerrufsdatum, null);
  });
});

describe('GET and HEAD /u/{token} change nothing', () => {
  test('a scanner fetching the unsubscribe URL does not unsubscribe', async () => {
    assert.equal((await server.act(tok.gerd, 'consent')).status, 303);
    const before = await snapshot(tok.gerd);
    const gets = [
      await server.get(`/u/${tok.gerd}`),
      await server.get(`/u/${tok.gerd}?List-Unsubscribe=One-Click`),
      await server.get(`/u/${tok.gerd}`, { headers: { 'user-agent': 'Mozilla/5.0 (compatible; LinkScanner/1.0)' } }),
    ];
    for (const r of gets) {
      assert.ok(r.status >= 400 && r.status < 500, `GET answered ${r.status}`);
      assert.doesNotMatch(r.body, /abgemeldet|unsubscribed/);
    }
    for (const method of ['HEAD', 'OPTIONS']) {
      const r = await fetch(server.url(`/u/${tok.gerd}`), { method, redirect: 'manual' });
      assert.ok(r.status >= 400 && r.status < 500, `${method} answered ${r.status}`);
    }
    assert.deepEqual(await snapshot(tok.gerd), before);
    assert.equal((await server.page(tok.gerd)).state, 'granted');
  });
});

describe('bad unsubscribe links', () => {
  test('unknown, malformed and extended paths are 404s and change nothing', async () => {
    const before = await snapshot(tok.gerd);
    const good = tok.gerd;
    const unknown = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
    const bodies = new Set();
    for (const path of [`/u/${unknown}`, `/u/${'A'.repeat(43)}`, `/u/${good.slice(0, 42)}`, `/u/${good}x`,
                        `/u/${good}/extra`, '/u/']) {
      const r = await unsubscribe(path.slice(3));
      assert.equal(r.status, 404, `${path}: ${r.status}`);
      bodies.add(r.body);
    }
    assert.equal(bodies.size, 1, 'one neutral body for every bad link');
    assert.deepEqual(await snapshot(tok.gerd), before);
    assert.equal((await server.page(tok.gerd)).state, 'granted');
  });

  test('a consent-page path under /u/ is not a way in', async () => {
    const before = await snapshot(tok.gerd);
    const csrf = (await server.page(tok.gerd)).csrf;
    const r = await server.post(`/u/${tok.gerd}/consent`, { csrf, lang: 'de' });
    assert.equal(r.status, 404);
    assert.deepEqual(await snapshot(tok.gerd), before);
  });
});

describe('evidence', () => {
  test('the chain verifies after the one-click withdrawals', () => {
    const r = server.cliResult('evidence', 'verify');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^tenant demo: \d+ activities verified$/m);
  });
});
