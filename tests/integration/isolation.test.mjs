// A link reaches exactly one contact of exactly one tenant (DESIGN.md §1.6, §6): another
// tenant's data, controller and search profiles are out of reach, and so are another
// contact's search profiles in the same tenant. Links printed by `consentd contacts link`
// work and are bound to their tenant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, formFields, profileFields, profileIdsOf, startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const OTHER = {
  slug: 'other', company: 'Andere Makler GmbH', street: 'Hauptstraße 1', postalCode: '20095', city: 'Hamburg',
  email: 'datenschutz@andere-makler.example', privacyUrl: 'https://andere-makler.example/datenschutz',
  imprintUrl: 'https://andere-makler.example/impressum',
};
// The same e-mail address as a demo contact: a different person record in another tenant.
const OTHER_CSV = 'Anrede;Vorname;Nachname;E-Mail;PLZ;Ort\n' +
  'Herr;Otto;Anders;otto.anders@example.org;20095;Hamburg\n' +
  'Frau;Erika;Mustermann;erika.mustermann@example.com;20095;Hamburg\n';

let server;
let contacts;  // [{ id, tenant, token, email }]
const who = {};
const profile = {};  // search profile ids by owner

before(async () => {
  server = await startServer({ tenants: [OTHER], imports: [{ tenant: 'other', csv: OTHER_CSV }] });
  assert.match(server.importReports[0], /^2 inserted/);
  contacts = await server.discoverContacts(['demo', 'other'], 8);
  const find = (tenant, email) => contacts.find((c) => c.tenant === tenant && c.email === email);
  who.erika = find('demo', 'erika.mustermann@example.com');
  who.juergen = find('demo', 'juergen.mueller@example.com');
  who.otto = find('other', 'otto.anders@example.org');
  who.otherErika = find('other', 'erika.mustermann@example.com');
  for (const [k, v] of Object.entries(who)) assert.ok(v, `${k} in ${JSON.stringify(contacts)}`);
  for (const [name, c] of Object.entries(who)) {
    const r = await server.act(c.token, 'search-profiles', profileFields({ bemerkung: `Profil von ${name}` }));
    assert.equal(r.status, 303, name);
    [profile[name]] = profileIdsOf((await server.page(c.token)).body);
  }
});

after(async () => {
  await server?.stop();
});

async function snapshot(tok) {
  const doc = await server.export(tok);
  delete doc.generated_at;
  return doc;
}

async function snapshotAll() {
  return Promise.all(Object.values(who).map((c) => snapshot(c.token)));
}

describe('links from `consentd contacts link`', () => {
  test('every contact id belongs to exactly one tenant; a link for another tenant\'s id is refused', () => {
    assert.equal(contacts.length, 6);
    assert.equal(new Set(contacts.map((c) => c.id)).size, 6, 'no id issued in two tenants');
    assert.equal(contacts.filter((c) => c.tenant === 'other').length, 2);
    const r = server.cliResult('contacts', 'link', String(who.erika.id), '--tenant', 'other');
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout, /\/c\//);
    const s = server.cliResult('contacts', 'link', String(who.otto.id), '--tenant', 'demo');
    assert.notEqual(s.status, 0);
    assert.doesNotMatch(s.stdout, /\/c\//);
  });

  test('a printed link opens that contact\'s page, with the configured base URL', async () => {
    const out = server.cli('--base-url', 'https://einwilligung.example', 'contacts', 'link', String(who.otto.id), '--tenant', 'other');
    const m = out.trim().match(/^https:\/\/einwilligung\.example\/c\/([A-Za-z0-9_-]{43})$/);
    assert.ok(m, out);
    const p = await server.page(m[1]);
    assert.equal(p.status, 200);
    assert.ok(p.body.includes('otto.anders@example.org'));
    assert.ok(p.body.includes('Sehr geehrter Herr Anders,'));
  });

  test('a new link leaves the older one valid; each act records the link it came through', async () => {
    const first = who.juergen.token;
    const second = server.link(who.juergen.id, 'demo');
    assert.notEqual(second, first);
    for (const tok of [first, second]) assert.ok((await server.page(tok)).body.includes('juergen.mueller@example.com'));
    assert.equal((await server.act(first, 'consent')).status, 303);
    assert.equal((await server.act(second, 'withdraw')).status, 303);
    const doc = await server.export(second);
    const [consent, withdraw] = doc.activities.slice(-2);
    assert.equal(consent.type, 'Einwilligung');
    assert.equal(withdraw.type, 'Widerruf');
    assert.notEqual(consent.payload.link_token_id, withdraw.payload.link_token_id);
    // The CSRF token of one link is not valid for another link, even of the same contact.
    const csrfFirst = (await server.page(first)).csrf;
    const r = await server.post(`/c/${second}/consent`, { csrf: csrfFirst, lang: 'de' });
    assert.equal(r.status, 403);
  });
});

describe('tenants are strictly apart', () => {
  test('each page shows its own controller and consent wording, never the other\'s', async () => {
    const other = decodeEntities((await server.page(who.otherErika.token)).body);
    assert.ok(other.includes('Andere Makler GmbH, Hauptstraße 1, 20095 Hamburg'));
    assert.ok(other.includes('href="https://andere-makler.example/datenschutz"'));
    assert.ok(other.includes('Ich willige ein, dass Andere Makler GmbH mich'));
    assert.ok(!other.includes('Musterimmobilien'));
    assert.ok(other.includes(`Profil von otherErika`));
    assert.ok(!other.includes('Profil von erika'));
    const demo = decodeEntities((await server.page(who.erika.token)).body);
    assert.ok(demo.includes('Musterimmobilien GmbH & Co. KG'));
    assert.ok(!demo.includes('Andere Makler'));
    const exp = await server.export(who.otherErika.token);
    assert.equal(exp.controller.company, 'Andere Makler GmbH');
    assert.equal(exp.contact.ort, 'Hamburg');
    assert.deepEqual(exp.search_profiles.map((p) => p.id), [profile.otherErika]);
  });

  test('the same e-mail address in two tenants is two separate people', async () => {
    const demoBefore = await snapshot(who.erika.token);
    assert.equal((await server.act(who.otherErika.token, 'consent')).status, 303);
    assert.equal((await server.page(who.otherErika.token)).state, 'granted');
    assert.deepEqual(await snapshot(who.erika.token), demoBefore);
    assert.equal((await server.page(who.erika.token)).state, 'none');
    const p = await server.page(who.erika.token);
    const r = await server.post(`/c/${who.erika.token}/contact`, { ...formFields(p.body, `/c/${who.erika.token}/contact`), ort: 'Potsdam', plz: '14467' });
    assert.equal(r.status, 303);
    assert.equal((await server.export(who.otherErika.token)).contact.ort, 'Hamburg');
  });

  test('another tenant\'s search profile can be neither changed nor deleted (404)', async () => {
    const before = await snapshotAll();
    for (const [tok, id] of [[who.otto.token, profile.erika], [who.erika.token, profile.otto],
                             [who.otherErika.token, profile.erika], [who.erika.token, profile.otherErika]]) {
      const csrf = (await server.page(tok)).csrf;
      const upd = await server.post(`/c/${tok}/search-profiles/${id}`, { csrf, lang: 'de', ...profileFields({ bemerkung: 'übernommen' }) });
      assert.equal(upd.status, 404, `update ${id}`);
      const del = await server.post(`/c/${tok}/search-profiles/${id}/delete`, { csrf, lang: 'de' });
      assert.equal(del.status, 404, `delete ${id}`);
      assert.ok(!profileIdsOf((await server.page(tok)).body).includes(id));
    }
    assert.deepEqual(await snapshotAll(), before, 'nothing changed, no activity written');
  });
});

// Every route of the consent page that takes an id, walked with tenant A's link against
// tenant B's ids (and another contact's ids in A): the answer is the one for an id that does
// not exist — same status, same type, same bytes — and nothing changes. The admin UI's
// routes follow below; the API adds its own.
describe('route matrix: a foreign id answers exactly like a missing one', () => {
  const ROUTES = [
    ['GET', (tok, id) => `/c/${tok}/search-profiles/${id}`],
    ['POST', (tok, id) => `/c/${tok}/search-profiles/${id}`],
    ['GET', (tok, id) => `/c/${tok}/search-profiles/${id}/delete`],
    ['POST', (tok, id) => `/c/${tok}/search-profiles/${id}/delete`],
  ];

  async function call(method, path, tok) {
    if (method === 'GET') return server.get(path);
    const csrf = (await server.page(tok)).csrf;
    return server.post(path, { csrf, lang: 'de', ...profileFields({ bemerkung: 'fremd' }) });
  }

  test('tenant A\'s link with tenant B\'s ids, and contact X\'s link with contact Y\'s ids', async () => {
    const before = await snapshotAll();
    const cases = [[who.erika.token, profile.otto, 'other tenant'], [who.erika.token, profile.otherErika, 'other tenant, same address'],
                   [who.otto.token, profile.erika, 'other tenant'], [who.juergen.token, profile.erika, 'other contact']];
    for (const [tok, foreignId, what] of cases) {
      for (const [method, route] of ROUTES) {
        const missing = await call(method, route(tok, 987654321), tok);
        const foreign = await call(method, route(tok, foreignId), tok);
        const label = `${method} ${route('TOKEN', foreignId)} (${what})`;
        assert.equal(foreign.status, missing.status, label);
        assert.ok(foreign.status === 404 || foreign.status === 405, `${label}: ${foreign.status}`);
        assert.equal(foreign.headers.get('content-type'), missing.headers.get('content-type'), label);
        assert.equal(foreign.body, missing.body, `${label}: body differs from a missing id's`);
        assert.ok(!foreign.body.includes('fremd') && !foreign.body.includes('Profil von'), `${label}: leaks data`);
      }
    }
    assert.deepEqual(await snapshotAll(), before, 'nothing changed, no activity written');
  });
});

describe('within one tenant a link reaches one contact only', () => {
  test('contact X cannot update or delete contact Y\'s search profile (404), Y\'s profile unchanged', async () => {
    const before = await snapshotAll();
    const x = who.juergen.token, y = profile.erika;
    const csrf = (await server.page(x)).csrf;
    const upd = await server.post(`/c/${x}/search-profiles/${y}`, { csrf, lang: 'de', ...profileFields({ preis_bis: '1' }) });
    assert.equal(upd.status, 404);
    assert.ok(upd.body.includes('Dieser Link ist nicht (mehr) gültig'), 'the neutral page');
    const del = await server.post(`/c/${x}/search-profiles/${y}/delete`, { csrf, lang: 'de' });
    assert.equal(del.status, 404);
    assert.deepEqual(await snapshotAll(), before);
    const erika = await server.export(who.erika.token);
    assert.deepEqual(erika.search_profiles.map((p) => [p.id, p.bemerkung, p.preis_bis]),
                     [[y, 'Profil von erika', 350000]]);
  });

  test('another contact\'s profile id with invalid form data is a 404 too, not a 422', async () => {
    const before = await snapshotAll();
    const x = who.juergen.token;
    const csrf = (await server.page(x)).csrf;
    const r = await server.post(`/c/${x}/search-profiles/${profile.erika}`,
                                { csrf, lang: 'de', ...profileFields({ preis_von: 'abc' }) });
    assert.equal(r.status, 404);
    assert.deepEqual(await snapshotAll(), before);
  });

  test('ids that do not exist or are not numbers are 404s', async () => {
    const before = await snapshotAll();
    const x = who.juergen.token;
    const csrf = (await server.page(x)).csrf;
    for (const id of ['999999', '0', '-1', 'abc', `${profile.erika}abc`, '99999999999999999999', `${profile.erika}.0`]) {
      const upd = await server.post(`/c/${x}/search-profiles/${id}`, { csrf, lang: 'de', ...profileFields() });
      assert.equal(upd.status, 404, `update ${id}`);
      const del = await server.post(`/c/${x}/search-profiles/${id}/delete`, { csrf, lang: 'de' });
      assert.equal(del.status, 404, `delete ${id}`);
    }
    assert.deepEqual(await snapshotAll(), before);
  });

  test('the owner can still change and delete the very same profile ids', async () => {
    const tok = who.erika.token, id = profile.erika;
    const p = await server.page(tok);
    const upd = await server.post(`/c/${tok}/search-profiles/${id}`, { ...formFields(p.body, `/c/${tok}/search-profiles/${id}`), preis_bis: '420.000' });
    assert.equal(upd.status, 303);
    assert.equal((await server.export(tok)).search_profiles[0].preis_bis, 420000);
    const del = await server.act(tok, `search-profiles/${id}/delete`);
    assert.equal(del.status, 303);
    assert.deepEqual((await server.export(tok)).search_profiles, []);
  });
});

describe('evidence per tenant', () => {
  test('`consentd evidence verify` counts each tenant\'s own activities', async () => {
    const counts = { demo: 0, other: 0 };
    for (const c of contacts) counts[c.tenant] += (await server.export(c.token)).activities.length;
    assert.ok(counts.other > 0);
    const r = server.cliResult('evidence', 'verify');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^tenant demo: ${counts.demo} activities verified$`, 'm'));
    assert.match(r.stdout, new RegExp(`^tenant other: ${counts.other} activities verified$`, 'm'));
  });
});

// The admin UI's routes that take an id, walked by a logged-in admin of tenant "demo" with
// ids of tenant "other": each answers with exactly the bytes of an id that does not exist,
// and nothing changes — neither the people's data nor what "other"'s own admins see.
describe('admin route matrix: a foreign id answers exactly like a missing one', () => {
  const MISSING = 987654321;
  const TEMPLATE = 'kontakt-und-gesuchsdaten%3Ade';
  let demoAdmin, otherAdmin;
  const foreign = {};  // ids of tenant "other": contact, mailing, deletion, job

  before(async () => {
    demoAdmin = await adminSession(server, { tenant: 'demo', role: 'admin' });
    otherAdmin = await adminSession(server, { tenant: 'other', role: 'admin' });
    foreign.contact = who.otto.id;
    await otherAdmin.get(`/admin/mailings/new?c${foreign.contact}=1`);
    const sent = await otherAdmin.post('/admin/mailings/new', [[`c${foreign.contact}`, '1'],
      ['template', 'kontakt-und-gesuchsdaten:de'], ['subject', 'Nur für Andere Makler'], ['action', 'send']]);
    assert.equal(sent.status, 303, sent.body.slice(0, 300));
    foreign.mailing = Number(sent.location.match(/^\/admin\/mailings\/(\d+)/)[1]);
    const asked = await server.act(who.otto.token, 'deletion-request', { note: 'Bitte löschen' });
    assert.ok(asked.status === 303 || asked.status === 200, `deletion request answered ${asked.status}`);
    const inbox = await otherAdmin.get('/admin/deletions');
    foreign.deletion = Number(inbox.body.match(/href="\/admin\/deletions\/(\d+)"/)[1]);
    const form = new FormData();
    form.append('file', new Blob(['E-Mail;Nachname\nida.import@example.org;Import\n'], { type: 'text/csv' }), 'k.csv');
    const upload = await otherAdmin.request('POST', `/admin/contacts/import?csrf=${encodeURIComponent(otherAdmin.csrf)}`, { body: form });
    assert.equal(upload.status, 303, upload.body.slice(0, 300));
    foreign.job = Number(upload.location.match(/^\/admin\/contacts\/import\/(\d+)$/)[1]);
  });

  // [method, path of an id, form fields of a POST]
  const ROUTES = [
    ['GET', (id) => `/admin/contacts/${id}`],
    ['POST', (id) => `/admin/contacts/${id}`, { ort: 'Fremdort', nachname: 'Fremd' }],
    ['POST', (id) => `/admin/contacts/${id}/consent`, { source: 'Telefon', note: 'fremd', date: '2026-11-01' }],
    ['POST', (id) => `/admin/contacts/${id}/withdrawal`, { source: 'Telefon', note: 'fremd', date: '2026-11-01' }],
    ['POST', (id) => `/admin/contacts/${id}/revoke-links`, {}],
    ['POST', (id) => `/admin/contacts/${id}/search-profiles`, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus' }],
    ['GET', (id) => `/admin/contacts/${id}/erase`],
    ['POST', (id) => `/admin/contacts/${id}/erase`, { reason: 'fremd', confirm: 'yes' }],
    ['GET', (id) => `/admin/mailings/mail-preview?template=${TEMPLATE}&contact=${id}`],
  ].map((r) => ['contact', ...r]).concat([
    ['mailing', 'GET', (id) => `/admin/mailings/${id}`],
    ['mailing', 'GET', (id) => `/admin/mailings/${id}/status`],
    ['deletion', 'GET', (id) => `/admin/deletions/${id}`],
    ['deletion', 'POST', (id) => `/admin/deletions/${id}`, { decision: 'erase', confirm: '1' }],
    ['deletion', 'POST', (id) => `/admin/deletions/${id}`, { decision: 'reject', reason: 'fremd' }],
    ['job', 'GET', (id) => `/admin/contacts/import/${id}`],
    ['job', 'GET', (id) => `/admin/contacts/import/${id}/status`],
  ]);

  // Polls one of tenant "other"'s JSON status routes until `done` says so.
  async function settled(path, done) {
    const deadline = Date.now() + 30_000;
    while (!done(JSON.parse((await otherAdmin.get(path)).body))) {
      assert.ok(Date.now() < deadline, `${path} did not settle`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // What tenant "other" itself sees of its objects.
  async function otherView() {
    const pages = [`/admin/contacts/${foreign.contact}`, `/admin/deletions/${foreign.deletion}`,
                   `/admin/contacts/import/${foreign.job}/status`];
    return Promise.all(pages.map(async (p) => {
      const res = await otherAdmin.get(p);
      assert.equal(res.status, 200, p);
      return res.body;
    }));
  }

  test('tenant A\'s admin with tenant B\'s contact, mailing, deletion and import ids', async () => {
    // Let B's import and mailing finish first, so that nothing of theirs moves any more.
    await settled(`/admin/contacts/import/${foreign.job}/status`, (s) => s.state !== 'running');
    await settled(`/admin/mailings/${foreign.mailing}/status`, (s) => s.finished);
    const before = [await snapshotAll(), await otherView()];
    await demoAdmin.get('/admin/contacts');  // the session's CSRF token for the POSTs
    for (const [kind, method, route, fields] of ROUTES) {
      const call = (id) => (method === 'GET' ? demoAdmin.get(route(id)) : demoAdmin.post(route(id), fields));
      const missing = await call(MISSING);
      const other = await call(foreign[kind]);
      const label = `${method} ${route(foreign[kind])} (${kind} of tenant other)`;
      assert.equal(other.status, 404, label);
      assert.equal(missing.status, 404, label);
      assert.equal(other.headers.get('content-type'), missing.headers.get('content-type'), label);
      assert.equal(other.body, missing.body, `${label}: body differs from a missing id's`);
      for (const leak of ['Anders', 'otto.anders', 'Nur für Andere Makler', 'ida.import', 'k.csv']) {
        assert.ok(!other.body.includes(leak), `${label}: leaks ${leak}`);
      }
    }
    assert.deepEqual([await snapshotAll(), await otherView()], before, 'nothing changed');
  });
});
