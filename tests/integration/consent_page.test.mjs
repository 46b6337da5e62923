// The personal consent page end to end, through the real server: every act of the seed
// (Fall 1 consent, Fall 2 data correction, search profiles, withdrawal, Fall 3 deletion
// request, Fall 4 reopening), the Art. 15/20 export, no state change on GET, and the
// evidence chain after all of it (`consentd evidence verify`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import {
  datesSince, decodeEntities, formFields, germanDatePlusOneMonth, profileFields,
  profileIdsOf, sha256Hex, sqlShellMissing, startServer, stateText, STORE,
} from './helpers.mjs';

const UA = 'consentd-integration-test/1.0 (consent_page)';
const PURPOSE = 'Akquisition und Vermittlung von Immobilien';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

// Alters the stored payload of the first activity, past the application. On PostgreSQL as
// superuser (row-level security hides the rows from everyone else), whatever the payload
// column's type (text or jsonb), and only if exactly one row changed.
const TAMPER = {
  sqlite: "UPDATE activity_payloads SET payload = replace(payload, 'Kontaktformular', 'Telefon') " +
          'WHERE activity_id = (SELECT min(activity_id) FROM activity_payloads);',
  postgres: `DO $$
    DECLARE
      payload_type text := (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                            WHERE attrelid = 'activity_payloads'::regclass AND attname = 'payload');
      changed int;
    BEGIN
      EXECUTE format('UPDATE activity_payloads SET payload = replace(payload::text, %L, %L)::%s '
                     'WHERE activity_id = (SELECT min(activity_id) FROM activity_payloads)',
                     'Kontaktformular', 'Telefon', payload_type);
      GET DIAGNOSTICS changed = ROW_COUNT;
      IF changed <> 1 THEN RAISE EXCEPTION 'tampered with % rows, not 1', changed; END IF;
    END $$;`,
};

const IMPORT = [
  'Anrede;Vorname;Nachname;E-Mail;PLZ;Ort',
  ...Array.from({ length: 8 }, (_, i) => `Frau;Paula;Parallel${i};parallel${i}@example.com;10115;Berlin`),
].join('\n') + '\n';

let server;
const token = {};  // demo contacts by first name
let contacts;      // every contact of the demo tenant: { id, tenant, token, email }

before(async () => {
  server = await startServer({ imports: [{ tenant: 'demo', csv: IMPORT }] });
  for (const l of server.demoLinks) token[l.name.split(' ').at(-2)] = l.token;
  assert.deepEqual(Object.keys(token).sort(), ['Alex', 'Ayşe', 'Erika', 'Jürgen']);
  assert.match(server.importReports[0], /^8 inserted, 0 updated, 0 unchanged, 0 rejected/);
  contacts = await server.discoverContacts(['demo'], 12);
});

after(async () => {
  await server?.stop();
});

// Export of `tok` minus the fields that change on every call.
async function snapshot(tok) {
  const doc = await server.export(tok);
  delete doc.generated_at;
  return doc;
}

function activityTypes(doc) {
  return doc.activities.map((a) => a.type);
}

describe('the page as it first opens', () => {
  test('is German by default, with the security headers and the controller identity', async () => {
    const p = await server.page(token.Erika);
    assert.equal(p.status, 200);
    assert.equal(p.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = p.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(p.headers.get('referrer-policy'), 'no-referrer');
    assert.match(p.headers.get('x-robots-tag'), /noindex/);
    assert.equal(p.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(p.headers.get('cache-control'), 'no-store');

    assert.match(p.body, /<html lang="de">/);
    assert.ok(p.body.includes('Sehr geehrte Frau Mustermann,'), 'personal German salutation');
    const text = decodeEntities(p.body);
    assert.ok(text.includes('Musterimmobilien GmbH & Co. KG'));
    assert.ok(text.includes('Friedrichstraße 100, 10117 Berlin'));
    assert.ok(text.includes('mailto:datenschutz@musterimmobilien.example'));
    assert.ok(text.includes('href="https://musterimmobilien.example/datenschutz"'));
    assert.ok(text.includes('href="https://musterimmobilien.example/impressum"'));
    assert.ok(text.includes(PURPOSE));
    assert.ok(text.includes('Ich willige ein, dass Musterimmobilien GmbH & Co. KG mich zum Zweck der Akquisition'));
    assert.equal(p.state, 'none');
    assert.equal(stateText(p.body), 'Uns liegt derzeit keine Einwilligung von Ihnen vor.');
    assert.ok(text.includes('erika.mustermann@example.com'));
    // Every form carries the CSRF token and the language.
    const forms = [...p.body.matchAll(/<form method="post" action="([^"]+)"[\s\S]*?<\/form>/g)];
    assert.ok(forms.length >= 4, `forms: ${forms.map((f) => f[1])}`);
    for (const f of forms) {
      assert.ok(f[0].includes(`name="csrf" value="${p.csrf}"`), `csrf in ${f[1]}`);
      assert.ok(f[0].includes('name="lang" value="de"'), `lang in ${f[1]}`);
      assert.ok(f[1].startsWith(`/c/${token.Erika}/`), f[1]);
    }
    assert.match(p.csrf, /^[0-9a-f]{32,}$/);
  });

  test('is English with Accept-Language: en or ?lang=en, German when German is preferred', async () => {
    const byHeader = await server.page(token.Erika, { headers: { 'accept-language': 'en' } });
    assert.equal(byHeader.status, 200);
    assert.match(byHeader.body, /<html lang="en">/);
    assert.ok(byHeader.body.includes('Hello Erika Mustermann,'));
    assert.ok(decodeEntities(byHeader.body).includes('I agree that Musterimmobilien GmbH & Co. KG may contact me'));
    assert.ok(byHeader.body.includes('name="lang" value="en"'));

    const byQuery = await server.page(token.Erika, { lang: 'en' });
    assert.match(byQuery.body, /<html lang="en">/);

    const germanFirst = await server.page(token.Erika, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' } });
    assert.match(germanFirst.body, /<html lang="de">/);
    const queryWins = await server.page(token.Erika, { lang: 'de', headers: { 'accept-language': 'en' } });
    assert.match(queryWins.body, /<html lang="de">/);
  });

  test('GET and HEAD never change anything (mail scanners open links)', async () => {
    const tok = token.Alex;
    const before = await snapshot(tok);
    for (const path of ['', '/consent', '/withdraw', '/deletion-request', '/contact', '/search-profiles',
                        '/export', '?done=consent']) {
      const r = await server.get(`/c/${tok}${path}`);
      assert.ok([200, 404].includes(r.status), `${path}: ${r.status}`);
    }
    for (const path of ['', '/consent', '/withdraw']) {
      const r = await fetch(server.url(`/c/${tok}${path}`), { method: 'HEAD' });
      assert.ok(r.status < 500, `HEAD ${path}: ${r.status}`);
    }
    assert.equal((await server.get(`/c/${tok}/consent`)).status, 404);
    assert.deepEqual(await snapshot(tok), before);
    assert.deepEqual(before.consents, []);
    assert.deepEqual(before.activities, []);
    assert.equal((await server.page(tok)).state, 'none');
  });
});

describe('Fall 1: consent, and Fall 4: reopening the page', () => {
  let since;

  test('POST /consent records the consent and redirects with 303', async () => {
    since = new Date();
    const r = await server.act(token.Erika, 'consent', {}, { headers: { 'user-agent': UA } });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${token.Erika}?done=consent&lang=de#flash`);
    const p = await server.get(r.location);
    assert.equal(p.status, 200);
    assert.ok(p.body.includes('Vielen Dank! Ihre Einwilligung wurde gespeichert.'));
  });

  test('the export holds the consent record and an "Einwilligung" activity as evidence', async () => {
    const doc = await server.export(token.Erika);
    assert.equal(doc.legal_basis, 'consent');
    assert.equal(doc.consents.length, 1);
    const c = doc.consents[0];
    assert.equal(c.quelle, 'Kontaktformular');
    assert.equal(c.zweck, PURPOSE);
    assert.match(c.datum, ISO);
    assert.ok(Math.abs(Date.parse(c.datum) - since.getTime()) < 60_000, c.datum);
    assert.equal(c.widerrufsdatum, null);
    assert.equal(c.widerrufsgrund, '');
    assert.equal(c.text_version, 1);
    assert.match(c.text_sha256, /^[0-9a-f]{64}$/);

    assert.deepEqual(activityTypes(doc), ['Einwilligung']);
    const a = doc.activities[0];
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    const pl = a.payload;
    assert.equal(pl.act, 'consent');
    assert.match(pl.time, ISO);
    assert.equal(pl.ip_prefix, '127.0.0.0/24');
    assert.equal(pl.user_agent, UA);
    assert.equal(typeof pl.link_token_id, 'number');
    assert.equal(pl.consent.quelle, 'Kontaktformular');
    assert.equal(pl.consent.zweck, PURPOSE);
    assert.equal(pl.consent.datum, c.datum);
    // The evidence holds the text consented to, and its hash is the hash of that text.
    assert.equal(pl.consent_text.version, 1);
    assert.equal(pl.consent_text.sha256, c.text_sha256);
    assert.equal(sha256Hex(pl.consent_text.body), pl.consent_text.sha256);
    const page = decodeEntities((await server.page(token.Erika)).body);
    assert.ok(page.includes(pl.consent_text.body), 'the text shown is the text recorded');
    // No raw IP address anywhere in the evidence.
    assert.doesNotMatch(JSON.stringify(doc), /127\.0\.0\.1/);
  });

  test('reopening says consent exists since today and still offers every act', async () => {
    const p = await server.page(token.Erika);
    assert.equal(p.state, 'granted');
    const text = stateText(p.body);
    const dates = datesSince(since);
    assert.ok(dates.some((d) => text === `Ihre Einwilligung liegt uns bereits vor, seit dem ${d}.`), text);
    assert.ok(p.body.includes('Einwilligung erneut bestätigen'));
    for (const action of ['withdraw', 'contact', 'search-profiles', 'deletion-request']) {
      assert.match(p.body, new RegExp(`action="/c/${token.Erika}/${action}[#"]`), action);
    }
    assert.ok(p.body.includes(`href="/c/${token.Erika}/export"`));
  });
});

describe('Fall 2: correcting contact data, then consent', () => {
  test('changed fields are saved normalised, with a "Datenänderung" activity and consent', async () => {
    const tok = token.Jürgen;
    const p = await server.page(tok);
    const form = formFields(p.body, `/c/${tok}/contact`);
    assert.equal(form.anrede, 'Herr');
    assert.equal(form.titel, 'Dr.');
    assert.equal(form.mobil, '+49 171 2345678');
    const r = await server.post(`/c/${tok}/contact`, {
      ...form, telefon: '030 1234567', strasse: 'Marienplatz', hausnummer: '8',
      email: 'attacker@example.net',  // a new address waits for its confirmation
    });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${tok}?done=contact_email&lang=de#flash`);

    const doc = await server.export(tok);
    assert.equal(doc.contact.telefon, '+49 30 1234567');
    assert.equal(doc.contact.strasse, 'Marienplatz');
    assert.equal(doc.contact.hausnummer, '8');
    assert.equal(doc.contact.email, 'juergen.mueller@example.com');
    assert.equal(doc.contact.vorname, 'Jürgen');
    assert.equal(doc.contact.mobil, '+49 171 2345678');
    assert.deepEqual(activityTypes(doc), ['Datenänderung', 'Einwilligung']);
    const changes = doc.activities[0].payload.changes;
    assert.deepEqual(changes.map((c) => c.field).sort(), ['hausnummer', 'strasse', 'telefon']);
    assert.deepEqual(changes.find((c) => c.field === 'telefon'), { field: 'telefon', before: '', after: '+49 30 1234567' });
    assert.equal(doc.activities[0].payload.act, 'correct_data');
    assert.equal(doc.activities[0].payload.ip_prefix, '127.0.0.0/24');
    assert.equal(doc.consents.length, 1);
    assert.equal(doc.consents[0].quelle, 'Kontaktformular');
    assert.equal(doc.consents[0].widerrufsdatum, null);

    const again = await server.page(tok);
    assert.equal(again.state, 'granted');
    const shown = formFields(again.body, `/c/${tok}/contact`);
    assert.equal(shown.telefon, '+49 30 1234567');
    assert.equal(shown.strasse, 'Marienplatz');
  });

  test('submitting the form unchanged consents without a "Datenänderung"', async () => {
    const tok = token.Ayşe;
    const p = await server.page(tok);
    const r = await server.post(`/c/${tok}/contact`, formFields(p.body, `/c/${tok}/contact`));
    assert.equal(r.status, 303);
    const doc = await server.export(tok);
    assert.deepEqual(activityTypes(doc), ['Einwilligung']);
    assert.equal(doc.contact.vorname, 'Ayşe');
    assert.equal(doc.contact.nachname, 'Özdemir');
    assert.equal((await server.page(tok)).state, 'granted');
  });
});

describe('search profiles', () => {
  let id;

  test('a new profile reads German numbers and is recorded as "Suchprofil"', async () => {
    const r = await server.act(token.Erika, 'search-profiles', profileFields({
      preis_von: '200.000', preis_bis: '350.000 €', wohnflaeche_von: '100 m²', zimmer_von: '2,5',
      zimmer_bis: '4', grundstuecksflaeche_bis: '1.200,5', bemerkung: 'Garten wäre schön',
    }));
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${token.Erika}?done=profile_added&lang=de#flash`);
    const doc = await server.export(token.Erika);
    assert.equal(doc.search_profiles.length, 1);
    const sp = doc.search_profiles[0];
    id = sp.id;
    assert.equal(sp.vermarktungsart, 'KAUF');
    assert.equal(sp.nutzungsart, 'WOHNEN');
    assert.equal(sp.objektart, 'haus');
    assert.equal(sp.objekttyp, 'EINFAMILIENHAUS');
    assert.equal(sp.plz, '10557');
    assert.equal(sp.ort, 'Berlin');
    assert.equal(sp.radius_km, 25);
    assert.equal(sp.preis_von, 200000);
    assert.equal(sp.preis_bis, 350000);
    assert.equal(sp.wohnflaeche_von, 100);
    assert.equal(sp.wohnflaeche_bis, null);
    assert.equal(sp.grundstuecksflaeche_bis, 1200.5);
    assert.equal(sp.zimmer_von, 2.5);
    assert.equal(sp.zimmer_bis, 4);
    assert.equal(sp.bemerkung, 'Garten wäre schön');
    const last = doc.activities.at(-1);
    assert.equal(last.type, 'Suchprofil');
    assert.equal(last.payload.act, 'add_search_profile');
    assert.equal(last.payload.after.preis_bis, 350000);

    const p = await server.page(token.Erika);
    assert.deepEqual(profileIdsOf(p.body), [id]);
    assert.ok(p.body.includes('bis 350.000 €'), 'summary in German number format');
    // The edit form shows the stored values in German format again.
    const form = formFields(p.body, `/c/${token.Erika}/search-profiles/${id}`);
    assert.equal(form.preis_bis, '350.000');
    assert.equal(form.zimmer_von, '2,5');
    assert.equal(form.objekttyp, 'EINFAMILIENHAUS');
  });

  test('updating a profile records before and after', async () => {
    const p = await server.page(token.Erika);
    const form = formFields(p.body, `/c/${token.Erika}/search-profiles/${id}`);
    const r = await server.post(`/c/${token.Erika}/search-profiles/${id}`, { ...form, preis_bis: '400.000 €', zimmer_von: '3' });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${token.Erika}?done=profile_saved&lang=de#flash`);
    const doc = await server.export(token.Erika);
    assert.equal(doc.search_profiles.length, 1);
    const sp = doc.search_profiles[0];
    assert.equal(sp.id, id);
    assert.equal(sp.preis_bis, 400000);
    assert.equal(sp.zimmer_von, 3);
    assert.equal(sp.bemerkung, 'Garten wäre schön', 'untouched fields survive the round trip');
    assert.equal(sp.grundstuecksflaeche_bis, 1200.5);
    const last = doc.activities.at(-1);
    assert.equal(last.type, 'Suchprofil');
    assert.equal(last.payload.act, 'update_search_profile');
    assert.equal(last.payload.before.preis_bis, 350000);
    assert.equal(last.payload.after.preis_bis, 400000);
  });

  test('deleting a profile removes it and records what it was', async () => {
    const second = await server.act(token.Erika, 'search-profiles', profileFields({
      vermarktungsart: 'MIETE_PACHT', objektart: 'wohnung', objekttyp: 'PENTHOUSE', preis_bis: '2.500',
    }));
    assert.equal(second.status, 303);
    const ids = profileIdsOf((await server.page(token.Erika)).body);
    assert.equal(ids.length, 2);
    const r = await server.act(token.Erika, `search-profiles/${id}/delete`);
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${token.Erika}?done=profile_deleted&lang=de#flash`);
    const doc = await server.export(token.Erika);
    assert.deepEqual(doc.search_profiles.map((s) => s.objekttyp), ['PENTHOUSE']);
    const last = doc.activities.at(-1);
    assert.equal(last.type, 'Suchprofil');
    assert.equal(last.payload.act, 'delete_search_profile');
    assert.equal(last.payload.before.id, id);
    assert.deepEqual(profileIdsOf((await server.page(token.Erika)).body), ids.filter((x) => x !== id));
    // Deleting it again: it is gone.
    assert.equal((await server.act(token.Erika, `search-profiles/${id}/delete`)).status, 404);
  });
});

describe('withdrawal', () => {
  test('withdraw sets Widerrufsdatum and reason, keeps the consent date, records "Widerruf"', async () => {
    const beforeDoc = await server.export(token.Erika);
    const since = new Date();
    const r = await server.act(token.Erika, 'withdraw', { reason: 'Ich suche nicht mehr.' });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${token.Erika}?done=withdraw&lang=de#flash`);
    const p = await server.page(token.Erika);
    assert.equal(p.state, 'withdrawn');
    assert.ok(datesSince(since).some((d) => stateText(p.body) === `Sie haben Ihre Einwilligung widerrufen am ${d}.`),
              stateText(p.body));
    const doc = await server.export(token.Erika);
    assert.equal(doc.legal_basis, 'none');
    const c = doc.consents[0];
    assert.equal(c.datum, beforeDoc.consents[0].datum);
    assert.match(c.widerrufsdatum, ISO);
    assert.equal(c.widerrufsgrund, 'Ich suche nicht mehr.');
    const last = doc.activities.at(-1);
    assert.equal(last.type, 'Widerruf');
    assert.equal(last.payload.act, 'withdraw');
    assert.equal(last.payload.consent.widerrufsgrund, 'Ich suche nicht mehr.');
  });

  test('consent can be given again after a withdrawal', async () => {
    const r = await server.act(token.Erika, 'consent');
    assert.equal(r.status, 303);
    const doc = await server.export(token.Erika);
    assert.equal(doc.consents.length, 1);
    assert.equal(doc.consents[0].widerrufsdatum, null);
    assert.equal(doc.consents[0].widerrufsgrund, '');
    assert.equal((await server.page(token.Erika)).state, 'granted');
  });

  test('withdraw without a reason records the default reason', async () => {
    const r = await server.act(token.Ayşe, 'withdraw');
    assert.equal(r.status, 303);
    const doc = await server.export(token.Ayşe);
    assert.equal(doc.consents[0].widerrufsgrund, 'Widerruf durch die betroffene Person');
  });
});

describe('Fall 3: deletion request', () => {
  test('revokes consent with reason "Löschantrag" and sets a due date one calendar month later', async () => {
    const tok = token.Jürgen;
    const since = new Date();
    const r = await server.act(tok, 'deletion-request', { note: 'Bitte alles löschen.' });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/c/${tok}?done=deletion&lang=de#flash`);
    const p = await server.page(tok);
    assert.equal(p.state, 'deletion_requested');
    const due = [...new Set([germanDatePlusOneMonth(since), germanDatePlusOneMonth(new Date())])];
    assert.ok(due.some((d) => stateText(p.body).endsWith(`bis zum ${d}.`)), stateText(p.body));
    assert.ok(p.body.includes('Ihr Löschantrag liegt uns vor.'));
    assert.ok(!p.body.includes(`action="/c/${tok}/deletion-request"`), 'no second deletion form');

    const doc = await server.export(tok);
    const c = doc.consents[0];
    assert.match(c.widerrufsdatum, ISO);
    assert.equal(c.widerrufsgrund, 'Löschantrag');
    assert.equal(doc.deletion_request.status, 'open');
    assert.match(doc.deletion_request.received_at, ISO);
    // The address confirmation of Fall 2 adds its "E-Mail versendet" whenever the delivery
    // worker sends it, which may be after this act.
    const last = doc.activities.filter((a) => a.type !== 'E-Mail versendet').at(-1);
    assert.equal(last.type, 'Löschantrag');
    assert.equal(last.payload.act, 'deletion_request');
    assert.equal(last.payload.deletion_request.note, 'Bitte alles löschen.');
    assert.equal(last.payload.deletion_request.due_at, doc.deletion_request.due_at);
    assert.match(last.payload.message_to_broker, /Löschung/);
  });

  test('the due date is exactly one calendar month after receipt', async () => {
    const { deletion_request: dr } = await server.export(token.Jürgen);
    const r = new Date(dr.received_at), d = new Date(dr.due_at);
    assert.equal(d.toISOString().slice(11), r.toISOString().slice(11), 'same time of day');
    const expected = germanDatePlusOneMonth(r).split('.').reverse().join('-');
    assert.equal(dr.due_at.slice(0, 10), expected);
  });

  test('Fall 4 after a deletion request: data can still be changed; a second request adds nothing', async () => {
    const tok = token.Jürgen;
    const p = await server.page(tok);
    const r = await server.post(`/c/${tok}/contact`, { ...formFields(p.body, `/c/${tok}/contact`), ort: 'Augsburg', plz: '86150' });
    assert.equal(r.status, 303);
    const doc = await server.export(tok);
    assert.equal(doc.contact.ort, 'Augsburg');
    assert.equal(doc.deletion_request.status, 'open');
    const count = doc.activities.filter((a) => a.type === 'Löschantrag').length;
    const again = await server.post(`/c/${tok}/deletion-request`, { csrf: p.csrf, lang: 'de' });
    assert.equal(again.status, 303);
    const after = await server.export(tok);
    assert.equal(after.activities.filter((a) => a.type === 'Löschantrag').length, count);
    assert.equal(after.deletion_request.received_at, doc.deletion_request.received_at);
  });
});

describe('export', () => {
  test('is a JSON attachment with every part of the person\'s data', async () => {
    const r = await server.get(`/c/${token.Erika}/export`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.match(r.headers.get('content-disposition'), /^attachment/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    const doc = JSON.parse(r.body);
    for (const key of ['format', 'controller', 'contact', 'consents', 'search_profiles', 'activities']) {
      assert.ok(key in doc, key);
    }
    assert.equal(doc.format, 'consentd-export-v1');
    assert.equal(doc.controller.company, 'Musterimmobilien GmbH & Co. KG');
    assert.equal(doc.contact.email, 'erika.mustermann@example.com');
    assert.deepEqual(activityTypes(doc),
                     ['Einwilligung', 'Suchprofil', 'Suchprofil', 'Suchprofil', 'Suchprofil', 'Widerruf', 'Einwilligung']);
    const times = doc.activities.map((a) => a.time);
    assert.deepEqual([...times].sort(), times, 'activities in order');
    for (const a of doc.activities) {
      assert.equal(typeof a.payload.link_token_id, 'number');
      assert.equal(a.payload.ip_prefix, '127.0.0.0/24');
      assert.match(a.payload.time, ISO);
    }
    // Another contact's export holds nothing of Erika.
    const other = await server.get(`/c/${token.Alex}/export`);
    assert.ok(!other.body.includes('erika'), 'no data of another contact');
  });
});

describe('evidence', () => {
  test('concurrent acts of many contacts all land and keep the chain intact', async () => {
    const parallel = contacts.filter((c) => c.email.startsWith('parallel'));
    assert.equal(parallel.length, 8);
    const pages = await Promise.all(parallel.map((c) => server.page(c.token)));
    const results = await Promise.all(parallel.flatMap((c, i) => [
      server.post(`/c/${c.token}/consent`, { csrf: pages[i].csrf, lang: 'de' }),
      server.post(`/c/${c.token}/search-profiles`, { csrf: pages[i].csrf, lang: 'de', ...profileFields() }),
    ]));
    assert.deepEqual(results.map((r) => r.status), results.map(() => 303));
    for (const c of parallel) {
      const doc = await server.export(c.token);
      assert.deepEqual(activityTypes(doc).sort(), ['Einwilligung', 'Suchprofil']);
    }
  });

  // The delivery worker may still add an "E-Mail versendet" (the address confirmation sent
  // above) between the exports and the verify: compare again until both saw the same chain.
  test('`consentd evidence verify` verifies exactly the activities the exports show', async () => {
    assert.equal(contacts.length, 12);
    const deadline = Date.now() + 10_000;
    for (;;) {
      let total = 0;
      for (const c of contacts) total += (await server.export(c.token)).activities.length;
      assert.ok(total >= 25, `total ${total}`);
      const r = server.cliResult('evidence', 'verify');
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const expected = new RegExp(`^tenant demo: ${total} activities verified$`, 'm');
      if (expected.test(r.stdout) || Date.now() > deadline) {
        assert.match(r.stdout, expected);
        break;
      }
      await delay(100);
    }
  });

  test('`consentd evidence verify` exits 3 once a stored payload is altered', { skip: sqlShellMissing() }, () => {
    server.sql(TAMPER[STORE]);
    const r = server.cliResult('evidence', 'verify');
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /tenant demo: BROKEN at activity 1/);
  });
});
