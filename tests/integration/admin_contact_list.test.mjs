// The address list of the admin UI (/admin/contacts): search (substring, umlaut-insensitive,
// prefix for one or two characters), filters by consent state, legal basis and Kontaktart,
// sort, paging, the selection handed to the serial-mail screen; bad filter values shown at
// the filter; another tenant's contacts never listed; no session → the login page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeEntities, startServer } from './helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const MAKLER = { slug: 'makler', company: 'Makler & Partner GmbH', email: 'info@makler.example' };
const FREMD = { slug: 'fremd', company: 'Fremd Immobilien GmbH', email: 'info@fremd.example' };
const CSV = 'Anrede;Vorname;Nachname;Firma;E-Mail;PLZ;Ort;Kontaktart;Rechtsgrundlage;Einwilligungsdatum;Widerrufsdatum\n' +
  'Frau;Anna;Müller;;anna@example.org;80331;München;Interessent;Einwilligung;01.02.2025;\n' +
  'Herr;Bernd;Mueller;;bernd@example.org;10115;Berlin;Eigentümer;Bestandskunde;;\n' +
  'Frau;Clara;Schmidt;Straßenbau GmbH;clara@example.net;20095;Hamburg;Mieter;Anfrage;01.02.2025;01.03.2025\n' +
  'Herr;Dieter;Hamuth;;dieter@example.net;50667;Köln;Interessent;keine;;\n';
const FREMD_CSV = 'Anrede;Vorname;Nachname;E-Mail;PLZ;Ort\nFrau;Eva;Müller;eva.fremd@example.org;80331;München\n';

let server, broker, fremd;

// The names of the table's rows, in order.
function names(html) {
  return [...html.matchAll(/<th scope="row"><a href="\/admin\/contacts\/\d+">([^<]*)<\/a>/g)]
    .map((m) => decodeEntities(m[1]));
}

function countOf(html) {
  const m = html.match(/id="cl-count">([^<]*)</);
  return m ? decodeEntities(m[1]) : null;
}

async function list(client, query = '') {
  const res = await client.get(`/admin/contacts${query}`);
  assert.equal(res.status, 200, res.body.slice(0, 500));
  return res.body;
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

describe('search', () => {
  test('every contact of the tenant, sorted by name', async () => {
    const html = await list(broker);
    assert.deepEqual(names(html), ['Hamuth, Dieter', 'Müller, Anna', 'Mueller, Bernd', 'Schmidt, Clara']);
    assert.equal(countOf(html), '4 Kontakte');
  });

  test('substring and umlaut-insensitive: "muell", "müller", "strasse"', async () => {
    assert.deepEqual(names(await list(broker, '?q=muell')), ['Müller, Anna', 'Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, `?q=${encodeURIComponent('MÜLLER')}`)),
                     ['Müller, Anna', 'Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, '?q=strasse')), ['Schmidt, Clara']);
    assert.deepEqual(names(await list(broker, '?q=example.net')), ['Hamuth, Dieter', 'Schmidt, Clara']);
    assert.deepEqual(names(await list(broker, `?q=${encodeURIComponent('münch')}`)), ['Müller, Anna']);
  });

  test('one or two characters match the start of the surname or the PLZ', async () => {
    assert.deepEqual(names(await list(broker, '?q=mu')), ['Müller, Anna', 'Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, '?q=8')), ['Müller, Anna']);
    assert.deepEqual(names(await list(broker, '?q=ha')), ['Hamuth, Dieter']);
  });

  test('nothing found says so', async () => {
    const html = await list(broker, '?q=nirgendwo');
    assert.deepEqual(names(html), []);
    assert.match(html, /Keine Kontakte gefunden/);
  });
});

describe('filters, sort and paging', () => {
  test('consent state', async () => {
    assert.deepEqual(names(await list(broker, '?state=granted')), ['Müller, Anna']);
    assert.deepEqual(names(await list(broker, '?state=withdrawn')), ['Schmidt, Clara']);
    assert.deepEqual(names(await list(broker, '?state=none')), ['Hamuth, Dieter', 'Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, '?state=deletion_requested')), []);
    const html = await list(broker, '?state=granted');
    assert.match(html, /<span class="badge badge-granted">erteilt<\/span>/);
  });

  test('legal basis and Kontaktart, also with a search', async () => {
    assert.deepEqual(names(await list(broker, '?basis=existing_customer')), ['Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, '?kontaktart=interessent')), ['Hamuth, Dieter', 'Müller, Anna']);
    assert.deepEqual(names(await list(broker, '?kontaktart=interessent&q=muell')), ['Müller, Anna']);
  });

  test('sort by PLZ, Ort, created and state, both ways', async () => {
    assert.deepEqual(names(await list(broker, '?sort=plz')),
                     ['Mueller, Bernd', 'Schmidt, Clara', 'Hamuth, Dieter', 'Müller, Anna']);
    assert.deepEqual(names(await list(broker, '?sort=ort&dir=desc')),
                     ['Müller, Anna', 'Hamuth, Dieter', 'Schmidt, Clara', 'Mueller, Bernd']);
    assert.deepEqual(names(await list(broker, '?sort=name&dir=desc')),
                     ['Schmidt, Clara', 'Mueller, Bernd', 'Müller, Anna', 'Hamuth, Dieter']);
    assert.deepEqual(names(await list(broker, '?sort=state')),
                     ['Hamuth, Dieter', 'Mueller, Bernd', 'Müller, Anna', 'Schmidt, Clara']);
    const created = names(await list(broker, '?sort=created'));
    assert.equal(created.length, 4);
  });

  test('column headers link to their sort, keeping the filter', async () => {
    const html = await list(broker, '?state=none');
    assert.match(html, /href="\/admin\/contacts\?state=none&amp;sort=plz"/);
    assert.match(html, /aria-sort="ascending"><a href="\/admin\/contacts\?state=none&amp;dir=desc"/);
  });

  test('pages of 50 with next and previous links', async () => {
    const rows = ['Vorname;Nachname;E-Mail'];
    for (let i = 0; i < 55; i += 1) rows.push(`P;Person${String(i).padStart(2, '0')};p${i}@viele.example`);
    const tenant = { slug: 'viele', company: 'Viele GmbH', email: 'info@viele.example' };
    server.addTenant(tenant);
    server.importCsv('viele', `${rows.join('\n')}\n`);
    const client = await adminSession(server, { tenant: 'viele', role: 'broker' });
    const first = await list(client);
    assert.equal(names(first).length, 50);
    assert.equal(countOf(first), '55 Kontakte');
    assert.match(first, /Seite 1 von 2/);
    assert.match(first, /href="\/admin\/contacts\?page=2" rel="next"/);
    const second = await list(client, '?page=2');
    assert.deepEqual(names(second), ['Person50, P', 'Person51, P', 'Person52, P', 'Person53, P', 'Person54, P']);
    assert.match(second, /href="\/admin\/contacts" rel="prev"/);
    assert.doesNotMatch(second, /rel="next"/);
  });

  test('a text search counts to 1,000 only; the plain list counts on', async () => {
    const rows = ['Vorname;Nachname;E-Mail'];
    for (let i = 0; i < 1001; i += 1) rows.push(`S;Suchname${i};s${i}@breit.example`);
    const tenant = { slug: 'breit', company: 'Breit GmbH', email: 'info@breit.example' };
    server.addTenant(tenant);
    server.importCsv('breit', `${rows.join('\n')}\n`);
    const client = await adminSession(server, { tenant: 'breit', role: 'broker' });
    const wide = await list(client, '?q=suchname');
    assert.equal(countOf(wide), 'Mehr als 1.000 Kontakte');
    assert.equal(names(wide).length, 50);
    assert.match(wide, /rel="next"/);
    assert.equal(countOf(await list(client)), '1.001 Kontakte');
    assert.equal(countOf(await list(client, '?q=suchname1000')), '1 Kontakt');
  });
});

describe('bad filter values', () => {
  test('fall back to the default and are named at the filter', async () => {
    const html = await list(broker, '?state=vielleicht&sort=email&dir=hoch&page=0&basis=x&kontaktart=y');
    assert.equal(names(html).length, 4);  // nothing filtered
    assert.match(html, /class="error-summary" role="alert"/);
    assert.match(html, /<span class="field-error" id="cl-err-state">Unbekannter Einwilligungsstatus/);
    assert.match(html, /id="cl-state" name="state" aria-describedby="cl-err-state" aria-invalid="true"/);
    assert.match(html, /id="cl-err-sort">Unbekannte Sortierung/);
    assert.match(html, /id="cl-err-dir">/);
    assert.match(html, /id="cl-err-basis">/);
    assert.match(html, /id="cl-err-kontaktart">/);
    assert.match(html, /id="cl-page">Ungültige Seitenzahl/);
  });

  test('in English with ?lang=en', async () => {
    const english = await adminSession(server, { tenant: 'makler', role: 'broker' });
    const html = await list(english, '?state=maybe&lang=en');
    assert.match(html, /Unknown consent state/);
  });

  test('a search text with control characters is refused at the field', async () => {
    const html = await list(broker, `?q=${encodeURIComponent('a\u0001b')}`);
    assert.match(html, /id="cl-err-q">Der Suchtext ist ungültig/);
    assert.equal(names(html).length, 4);
  });
});

describe('selection for a serial e-mail', () => {
  test('rows carry c<id> checkboxes in a GET form to the serial-mail screen', async () => {
    const html = await list(broker, '?q=muell');
    assert.match(html, /<form method="get" action="\/admin\/mailings\/new" id="cl-selection">/);
    const ids = [...html.matchAll(/name="c(\d+)" value="1"/g)].map((m) => m[1]);
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(html, new RegExp(`href="/admin/mailings/new\\?c${id}=1">E-Mail schreiben`));
  });

  test('"all that match" sends all=1 with the filter', async () => {
    const html = await list(broker, '?q=muell&state=granted');
    const form = html.match(/<form method="get" action="\/admin\/mailings\/new" class="inline" id="cl-all">([\s\S]*?)<\/form>/);
    assert.ok(form, 'the all-matching form');
    assert.match(form[1], /name="all" value="1"/);
    assert.match(form[1], /name="q" value="muell"/);
    assert.match(form[1], /name="state" value="granted"/);
  });

  test('links to the new-contact and import screens', async () => {
    const html = await list(broker);
    assert.match(html, /href="\/admin\/contacts\/new"/);
    assert.match(html, /href="\/admin\/contacts\/import"/);
  });
});

describe('isolation and sessions', () => {
  test("another tenant's contacts are never listed", async () => {
    assert.deepEqual(names(await list(fremd, '?q=muell')), ['Müller, Eva']);
    assert.deepEqual(names(await list(fremd)), ['Müller, Eva']);
    const mine = await list(broker, '?q=eva');
    assert.deepEqual(names(mine), []);
    assert.doesNotMatch(mine, /eva\.fremd/);
  });

  test('without a session the list redirects to the login', async () => {
    const res = await fetch(server.url('/admin/contacts?q=muell'), { redirect: 'manual' });
    assert.ok([302, 303].includes(res.status), String(res.status));
    assert.match(res.headers.get('location'), /^\/admin\/login/);
  });
});
