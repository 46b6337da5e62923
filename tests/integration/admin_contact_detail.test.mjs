// The contact screens of the admin UI: create a contact by hand, the detail page with its
// consent record, links and evidence timeline, editing master data, recording a consent or
// withdrawal declared by phone or on paper, revoking links, erasing; bad input at the
// fields, forged and missing CSRF tokens, and another tenant's ids (the same 404).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeEntities, startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const MAKLER = { slug: 'makler', company: 'Makler & Partner GmbH', email: 'info@makler.example' };
const FREMD = { slug: 'fremd', company: 'Fremd Immobilien GmbH', email: 'info@fremd.example' };
const CSV = 'Anrede;Vorname;Nachname;E-Mail;Rechtsgrundlage\n' +
  'Frau;Anna;Adler;anna.adler@example.org;Bestandskunde\n' +
  'Herr;Bernd;Berger;bernd.berger@example.org;Anfrage\n';
const FREMD_CSV = 'Anrede;Vorname;Nachname;E-Mail\nHerr;Otto;Olsen;otto.olsen@example.org\n';

let server, broker, fremd;

// The id of a contact created through the form (the 303's location).
async function createContact(client, fields) {
  await client.get('/admin/contacts/new');
  const res = await client.post('/admin/contacts/new', fields);
  assert.equal(res.status, 303, res.body.slice(0, 500));
  const m = res.location.match(/^\/admin\/contacts\/(\d+)\?done=cd_created$/);
  assert.ok(m, res.location);
  return Number(m[1]);
}

function fieldErrorOf(html, id) {
  const m = html.match(new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`));
  return m ? decodeEntities(m[1]) : null;
}

before(async () => {
  server = await startServer({ demo: false, tenants: [MAKLER, FREMD],
                               imports: [{ tenant: 'makler', csv: CSV },
                                         { tenant: 'fremd', csv: FREMD_CSV }] });
  broker = await adminSession(server, { tenant: 'makler', role: 'broker' });
  fremd = await adminSession(server, { tenant: 'fremd', role: 'broker' });
});

after(async () => {
  await server?.stop();
});

describe('new contact', () => {
  test('bad input shows errors at the fields and saves nothing', async () => {
    const page = await broker.get('/admin/contacts/new');
    assert.equal(page.status, 200);
    assert.match(page.body, /<label for="cd-new-kontaktart">/);
    const res = await broker.post('/admin/contacts/new',
                                  { email: 'kein-at', plz: '123', nachname: '', legal_basis: 'consent' });
    assert.equal(res.status, 422);
    assert.ok(fieldErrorOf(res.body, 'cd-new-email'));
    assert.ok(fieldErrorOf(res.body, 'cd-new-plz'));
    assert.ok(fieldErrorOf(res.body, 'cd-new-nachname'));
    assert.ok(fieldErrorOf(res.body, 'cd-new-legal_basis'));
    assert.match(res.body, /value="kein-at"/);
    const list = await broker.get('/admin/contacts?q=kein-at');
    assert.doesNotMatch(list.body, /kein-at<\/td>/);
  });

  test('a taken e-mail address is an error at the field', async () => {
    await broker.get('/admin/contacts/new');
    const res = await broker.post('/admin/contacts/new',
                                  { email: 'ANNA.adler@example.org', nachname: 'Zwei' });
    assert.equal(res.status, 422);
    assert.match(fieldErrorOf(res.body, 'cd-new-email'), /bereits/);
  });

  test('creates the contact with Kontaktart, Sprache and legal basis', async () => {
    const id = await createContact(broker, {
      anrede: 'Frau', vorname: 'Clara', nachname: 'Conrad', email: 'clara@example.org',
      kontaktart: 'eigentuemer', sprache: 'en', legal_basis: 'own_enquiry', plz: '50667', ort: 'Köln',
    });
    const page = await broker.get(`/admin/contacts/${id}?done=cd_created`);
    assert.equal(page.status, 200);
    const body = decodeEntities(page.body);
    assert.match(body, /Der Kontakt wurde angelegt/);
    assert.match(body, /<option value="eigentuemer" selected>/);
    assert.match(body, /<option value="en" selected>/);
    assert.match(body, /Eigene Anfrage/);
    assert.match(body, /<summary><strong>Datenänderung<\/strong>/);
    assert.match(body, new RegExp(`href="/admin/mailings/new\\?c${id}=1"`));
  });
});

describe('contact detail', () => {
  let id;
  before(async () => {
    id = await createContact(broker, { vorname: 'Dora', nachname: 'Dietz', email: 'dora@example.org' });
  });

  test('edits master data with errors at the fields, then saves an e-mail change', async () => {
    await broker.get(`/admin/contacts/${id}`);
    let res = await broker.post(`/admin/contacts/${id}`, { email: 'bernd.berger@example.org', plz: '1' });
    assert.equal(res.status, 422);
    assert.ok(fieldErrorOf(res.body, 'cd-master-email'));
    assert.ok(fieldErrorOf(res.body, 'cd-master-plz'));
    res = await broker.post(`/admin/contacts/${id}`, { email: 'dora.neu@example.org', ort: 'Bonn' });
    assert.equal(res.status, 303);
    const page = decodeEntities((await broker.follow(res)).body);
    assert.match(page, /value="dora.neu@example.org"/);
    assert.match(page, /dora@example.org/);  // the before value, in the evidence
    assert.match(page, /broker_edit/);
  });

  test('records a consent by phone as a new act with the evidence expandable', async () => {
    await broker.get(`/admin/contacts/${id}`);
    let res = await broker.post(`/admin/contacts/${id}/consent`, { source: 'Fax', note: '', date: '2999-01-01' });
    assert.equal(res.status, 422);
    assert.ok(fieldErrorOf(res.body, 'cd-consent-source'));
    assert.ok(fieldErrorOf(res.body, 'cd-consent-note'));
    assert.ok(fieldErrorOf(res.body, 'cd-consent-date'));
    res = await broker.post(`/admin/contacts/${id}/consent`,
                            { source: 'Telefon', note: 'Anruf, Frau Dietz stimmt zu', date: '2026-01-15' });
    assert.equal(res.status, 303);
    const page = decodeEntities((await broker.follow(res)).body);
    assert.match(page, /<dt>Quelle<\/dt><dd>Telefon<\/dd>/);
    assert.match(page, /<dt>Datum der Einwilligung<\/dt><dd>15\.01\.2026<\/dd>/);
    assert.match(page, /<summary><strong>Einwilligung<\/strong>/);
    assert.match(page, /Anruf, Frau Dietz stimmt zu/);
    assert.match(page, /<dt>Kettenhash<\/dt><dd><code>[0-9a-f]{64}<\/code>/);
  });

  test('records a withdrawal the person told the broker', async () => {
    await broker.get(`/admin/contacts/${id}`);
    const res = await broker.post(`/admin/contacts/${id}/withdrawal`, { source: 'Schriftlich', note: 'Brief vom 20.11.' });
    assert.equal(res.status, 303);
    const page = decodeEntities((await broker.follow(res)).body);
    assert.match(page, /Widerruf gegenüber dem Makler \(Schriftlich\)/);
    assert.match(page, /<summary><strong>Widerruf<\/strong>/);
  });

  test('revokes all links; they show as revoked, without token text', async () => {
    const token = server.link(id, 'makler');
    let page = await broker.get(`/admin/contacts/${id}`);
    assert.match(page.body, /<td>aktiv<\/td>/);
    assert.ok(!page.body.includes(token));
    const res = await broker.post(`/admin/contacts/${id}/revoke-links`, {});
    assert.equal(res.status, 303);
    page = await broker.follow(res);
    assert.match(page.body, /<td>widerrufen<\/td>/);
    assert.doesNotMatch(page.body, /<td>aktiv<\/td>/);
    const consent = await server.get(`/c/${token}`);
    assert.equal(consent.status, 404);
  });

  test('adds, edits and deletes a search profile, each with its evidence; errors at the fields', async () => {
    const profileError = (html, fieldId) => {
      const m = html.match(new RegExp(`<p class="error" id="${fieldId}-error">([^<]*)</p>`));
      return m ? decodeEntities(m[1]) : null;
    };
    let page = await broker.get(`/admin/contacts/${id}`);
    assert.match(page.body, /<label for="cd-profile-new-vermarktungsart">/);
    let res = await broker.post(`/admin/contacts/${id}/search-profiles`,
                                { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: '', plz: '12', preis_von: 'viel' });
    assert.equal(res.status, 422);
    assert.ok(profileError(res.body, 'cd-profile-new-objektart'));
    assert.ok(profileError(res.body, 'cd-profile-new-plz'));
    assert.ok(profileError(res.body, 'cd-profile-new-preis_von'));
    assert.match(res.body, /<details class="cd-profile" id="cd-profile-new" open>/);
    assert.match(res.body, /href="#cd-profile-new-plz"/, 'the error summary links to the field');
    res = await broker.post(`/admin/contacts/${id}/search-profiles`,
                            { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus', plz: '53111', ort: 'Bonn',
                              preis_bis: '600.000', zimmer_von: '4' });
    assert.equal(res.status, 303, res.body.slice(0, 300));
    page = await broker.follow(res);
    let body = decodeEntities(page.body);
    assert.match(body, /Das Suchprofil wurde angelegt/);
    assert.match(body, /<summary>Haus · Kauf · 53111 Bonn · bis 600\.000 € · ab 4 Zi\.<\/summary>/);
    assert.match(body, /broker_add_search_profile/);
    const profileId = Number(page.body.match(/id="cd-profile-(\d+)"/)[1]);

    res = await broker.post(`/admin/contacts/${id}/search-profiles/${profileId}`,
                            { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus', zimmer_von: '5', zimmer_bis: '3' });
    assert.equal(res.status, 422);
    assert.ok(profileError(res.body, `cd-profile-${profileId}-zimmer_von`));
    assert.match(res.body, new RegExp(`<details class="cd-profile" id="cd-profile-${profileId}" open>`));
    res = await broker.post(`/admin/contacts/${id}/search-profiles/${profileId}`,
                            { vermarktungsart: 'MIETE_PACHT', nutzungsart: 'WOHNEN', objektart: 'wohnung', ort: 'Köln' });
    assert.equal(res.status, 303);
    body = decodeEntities((await broker.follow(res)).body);
    assert.match(body, /<summary>Wohnung · Miete\/Pacht · Köln<\/summary>/);
    assert.match(body, /broker_update_search_profile/);

    res = await broker.post(`/admin/contacts/${id}/search-profiles/${profileId}/delete`, {});
    assert.equal(res.status, 303);
    body = decodeEntities((await broker.follow(res)).body);
    assert.match(body, /Das Suchprofil wurde gelöscht/);
    assert.doesNotMatch(body, new RegExp(`id="cd-profile-${profileId}"`));
    assert.match(body, /broker_delete_search_profile/);
    res = await broker.post(`/admin/contacts/${id}/search-profiles/${profileId}/delete`, {});
    assert.equal(res.status, 404, 'a deleted profile is gone');
    for (const csrf of [null, 'forged']) {
      res = await broker.post(`/admin/contacts/${id}/search-profiles`,
                              { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus' }, { csrf });
      assert.equal(res.status, 403);
    }
    assert.equal(server.sqlValue(`SELECT count(*) FROM search_profiles WHERE contact_id = ${id}`), '0');
  });

  test('forged and missing CSRF tokens change nothing', async () => {
    await broker.get(`/admin/contacts/${id}`);
    for (const csrf of [null, 'forged']) {
      const res = await broker.post(`/admin/contacts/${id}`, { ort: 'Forged' }, { csrf });
      assert.equal(res.status, 403);
      const consent = await broker.post(`/admin/contacts/${id}/consent`,
                                        { source: 'Telefon', note: 'x', date: '2026-01-01' }, { csrf });
      assert.equal(consent.status, 403);
    }
    const page = await broker.get(`/admin/contacts/${id}`);
    assert.doesNotMatch(page.body, /Forged/);
  });
});

describe('erasure', () => {
  test('asks for a reason and a confirmation, then erases', async () => {
    const id = await createContact(broker, { vorname: 'Emil', nachname: 'Ernst', email: 'emil@example.org' });
    const confirm = await broker.get(`/admin/contacts/${id}/erase`);
    assert.equal(confirm.status, 200);
    let res = await broker.post(`/admin/contacts/${id}/erase`, { reason: 'Wunsch der Person' });
    assert.equal(res.status, 422);
    res = await broker.post(`/admin/contacts/${id}/erase`, { reason: 'Wunsch der Person', confirm: 'yes' });
    assert.equal(res.status, 303, res.body.slice(0, 300));
    const page = decodeEntities((await broker.follow(res)).body);
    assert.doesNotMatch(page, /emil@example.org/);
    assert.match(page, /wurde gelöscht/);
  });
});

describe('tenant isolation', () => {
  test("another tenant's contact id is the same 404 as a missing one, and nothing changes", async () => {
    const id = await createContact(broker, { vorname: 'Fritz', nachname: 'Fuchs', email: 'fritz@example.org' });
    const missing = await fremd.get('/admin/contacts/999999999');
    assert.equal(missing.status, 404);
    const foreign = await fremd.get(`/admin/contacts/${id}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, missing.body);
    await fremd.get('/admin/contacts');
    for (const [path, fields] of [[`/admin/contacts/${id}`, { ort: 'Fremd' }],
                                  [`/admin/contacts/${id}/consent`, { source: 'Telefon', note: 'x', date: '2026-01-01' }],
                                  [`/admin/contacts/${id}/withdrawal`, { source: 'Telefon', note: 'x' }],
                                  [`/admin/contacts/${id}/revoke-links`, {}],
                                  [`/admin/contacts/${id}/search-profiles`, { vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus' }],
                                  [`/admin/contacts/${id}/erase`, { reason: 'x', confirm: 'yes' }]]) {
      const res = await fremd.post(path, fields);
      assert.equal(res.status, 404, path);
    }
    const page = decodeEntities((await broker.get(`/admin/contacts/${id}`)).body);
    assert.doesNotMatch(page, /Fremd/);
    assert.match(page, /fritz@example.org/);
  });
});
