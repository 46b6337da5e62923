// What the consent page does with input it must refuse: invalid values come back as 422
// with the page again and a German message at the field, and nothing is saved; a missing
// or forged CSRF token is a 403 and nothing is saved; unknown and malformed links are one
// neutral 404 page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  csrfOf, decodeEntities, errorIds, fieldError, formFields, isValidUtf8, profileFields,
  profileIdsOf, startServer,
} from './helpers.mjs';

const IMPORT = 'Anrede;Vorname;Nachname;E-Mail;Telefon;Straße;Hausnummer;PLZ;Ort\n' +
  'Herr;Bernd;Beispiel;bernd.beispiel@example.com;030 7654321;Hauptstraße;5;10115;Berlin\n' +
  'Frau;Clara;Csrf;clara.csrf@example.com;;;;20095;Hamburg\n';

let server;
let bernd;  // { token } of the contact the 422 cases use
let clara;  // the contact the 403 cases use
let profileId;

before(async () => {
  server = await startServer({ imports: [{ tenant: 'demo', csv: IMPORT }] });
  assert.match(server.importReports[0], /^2 inserted/);
  const found = await server.discoverContacts(['demo'], 6);
  bernd = found.find((c) => c.email === 'bernd.beispiel@example.com');
  clara = found.find((c) => c.email === 'clara.csrf@example.com');
  assert.ok(bernd && clara, JSON.stringify(found));
  const r = await server.act(bernd.token, 'search-profiles', profileFields());
  assert.equal(r.status, 303);
  [profileId] = profileIdsOf((await server.page(bernd.token)).body);
  assert.ok(profileId);
});

after(async () => {
  await server?.stop();
});

async function snapshot(tok) {
  const doc = await server.export(tok);
  delete doc.generated_at;
  return doc;
}

// A form body: `fields` URL-encoded, then `raw` pairs appended as they are (pre-encoded).
function body(fields, raw = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (!(k in raw)) params.append(k, v);
  let s = params.toString();
  for (const [k, v] of Object.entries(raw)) s += `&${k}=${v}`;
  return s;
}

// Posts `overrides` on top of the form as the page shows it, expects a 422 with `message`
// at `field` of `formId`, and that nothing at all changed.
async function expectRefused({ action, formId, field, overrides = {}, raw = {}, message, lang = 'de' }) {
  const tok = bernd.token;
  const before = await snapshot(tok);
  const page = await server.page(tok);
  const form = formFields(page.body, `/c/${tok}/${action}`);
  assert.ok(form, `form ${action}`);
  const r = await server.post(`/c/${tok}/${action}`, body({ ...form, lang, ...overrides }, raw));
  assert.equal(r.status, 422, `${field}: ${r.status} ${r.location ?? ''}`);
  assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(fieldError(r.body, formId, field), message, `message at ${formId}-${field}; errors: ${errorIds(r.body)}`);
  assert.match(r.body, new RegExp(`id="${formId}-${field}"[^>]*aria-invalid="true"`));
  assert.match(r.body, new RegExp(`<html lang="${lang}">`));
  assert.ok(csrfOf(r.body), 'the page comes back with its forms');
  assert.deepEqual(await snapshot(tok), before, 'nothing saved');
  return r;
}

describe('contact form: 422, German message at the field, nothing saved', () => {
  const cases = [
    { name: 'invalid phone number', field: 'telefon', overrides: { telefon: '12' },
      message: 'Bitte geben Sie eine gültige Telefonnummer ein, z. B. 030 1234567 oder +49 171 1234567.' },
    { name: 'letters as mobile number', field: 'mobil', overrides: { mobil: 'abc' },
      message: 'Bitte geben Sie eine gültige Telefonnummer ein, z. B. 030 1234567 oder +49 171 1234567.' },
    { name: 'PLZ "123"', field: 'plz', overrides: { plz: '123' },
      message: 'Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).' },
    { name: 'PLZ with letters', field: 'plz', overrides: { plz: '1011A' },
      message: 'Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).' },
    { name: 'Anrede not in the list', field: 'anrede', overrides: { anrede: 'Dr' },
      message: 'Bitte wählen Sie eine Anrede aus der Liste.' },
    { name: 'country code with a digit', field: 'land', overrides: { land: 'd1' },
      message: 'Bitte geben Sie das Land als Ländercode an, z. B. DE.' },
    { name: 'country name instead of code', field: 'land', overrides: { land: 'Deutschland' },
      message: 'Bitte geben Sie das Land als Ländercode an, z. B. DE.' },
    { name: '300 characters of Nachname', field: 'nachname', overrides: { nachname: 'x'.repeat(300) },
      message: 'Bitte höchstens 100 Zeichen eingeben.' },
    { name: '101 umlauts of Vorname (counted as characters, not bytes)', field: 'vorname',
      overrides: { vorname: 'ä'.repeat(101) }, message: 'Bitte höchstens 100 Zeichen eingeben.' },
    { name: 'invalid UTF-8 bytes %FF%FE', field: 'nachname', raw: { nachname: '%FF%FE' },
      message: 'Die Eingabe enthält ungültige Zeichen.' },
    { name: 'overlong UTF-8 encoding of "/"', field: 'ort', raw: { ort: '%C0%AF' },
      message: 'Die Eingabe enthält ungültige Zeichen.' },
    { name: 'a line break in a one-line field', field: 'strasse', overrides: { strasse: 'Haupt\nstraße' },
      message: 'Bitte keine Zeilenumbrüche oder Steuerzeichen eingeben.' },
    { name: 'a NUL byte', field: 'vorname', raw: { vorname: 'Bernd%00' },
      message: 'Bitte keine Zeilenumbrüche oder Steuerzeichen eingeben.' },
    { name: 'neither Nachname nor Firma', field: 'nachname', overrides: { nachname: '  ', firma: '' },
      message: 'Bitte geben Sie Ihren Nachnamen (oder eine Firma) an.' },
    { name: 'one bad field among good ones saves none of them', field: 'plz',
      overrides: { vorname: 'Bernhard', ort: 'Potsdam', plz: '1234' },
      message: 'Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await expectRefused({ action: 'contact', formId: 'contact', ...c });
      // No consent either: the contact form consents only when it saves.
      assert.doesNotMatch(r.body, /data-state="granted"/);
    });
  }

  test('the 422 page shows what was typed, so it can be corrected', async () => {
    const r = await expectRefused({ action: 'contact', formId: 'contact', field: 'telefon',
      overrides: { telefon: '0000 nope', ort: 'Potsdam' },
      message: 'Bitte geben Sie eine gültige Telefonnummer ein, z. B. 030 1234567 oder +49 171 1234567.' });
    const shown = formFields(r.body, `/c/${bernd.token}/contact`);
    assert.equal(shown.telefon, '0000 nope');
    assert.equal(shown.ort, 'Potsdam');
  });

  test('an error summary at the top lists every error and links to its field', async () => {
    const r = await expectRefused({ action: 'contact', formId: 'contact', field: 'plz',
      overrides: { plz: '123', telefon: '12' },
      message: 'Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).' });
    const summary = r.body.match(/<div class="notice error" role="alert" id="error-summary">([\s\S]*?)<\/div>/);
    assert.ok(summary, 'error summary rendered');
    assert.ok(summary[1].includes('Bitte prüfen Sie Ihre Eingaben:'));
    assert.ok(summary[1].includes('href="#contact-plz"'));
    assert.ok(summary[1].includes('href="#contact-telefon"'));
  });

  test('in English with lang=en', async () => {
    await expectRefused({ action: 'contact', formId: 'contact', field: 'plz', overrides: { plz: '123' },
      lang: 'en', message: 'Please enter a valid postal code (five digits in Germany).' });
  });

  test('the 422 page stays valid UTF-8 when the input was not', async () => {
    const r = await expectRefused({ action: 'contact', formId: 'contact', field: 'nachname', raw: { nachname: '%FF%FE' },
      message: 'Die Eingabe enthält ungültige Zeichen.' });
    assert.ok(isValidUtf8(r.bytes), 'response declared charset=utf-8 must be UTF-8');
  });
});

describe('search-profile form: 422, German message at the field, nothing saved', () => {
  const number = 'Bitte geben Sie eine Zahl ein, z. B. 350.000 oder 2,5.';
  const range = 'Der Von-Wert darf nicht größer als der Bis-Wert sein.';
  const cases = [
    { name: '"abc" as price', field: 'preis_von', overrides: { preis_von: 'abc' }, message: number },
    { name: '"abc" as rooms', field: 'zimmer_bis', overrides: { zimmer_bis: 'abc' }, message: number },
    { name: 'three decimals', field: 'wohnflaeche_von', overrides: { wohnflaeche_von: '12,345' }, message: number },
    { name: 'price von > bis', field: 'preis_von', overrides: { preis_von: '500.000 €', preis_bis: '300.000 €' }, message: range },
    { name: 'rooms von > bis ("4" > "2,5")', field: 'zimmer_von', overrides: { zimmer_von: '4', zimmer_bis: '2,5' }, message: range },
    { name: 'living area von > bis', field: 'wohnflaeche_von', overrides: { wohnflaeche_von: '120 m²', wohnflaeche_bis: '80' }, message: range },
    { name: 'plot area von > bis', field: 'grundstuecksflaeche_von',
      overrides: { grundstuecksflaeche_von: '1.000', grundstuecksflaeche_bis: '999,99' }, message: range },
    { name: 'a price over a billion euros', field: 'preis_bis', overrides: { preis_bis: '1.000.000.000.001' },
      message: 'Diese Zahl ist zu groß.' },
    { name: 'PLZ "123"', field: 'plz', overrides: { plz: '123' },
      message: 'Bitte geben Sie eine gültige Postleitzahl ein (in Deutschland fünf Ziffern).' },
    { name: 'radius in fractions of a km', field: 'radius_km', overrides: { radius_km: '2,5' },
      message: 'Bitte geben Sie den Umkreis in ganzen Kilometern an.' },
    { name: 'missing Vermarktungsart', field: 'vermarktungsart', overrides: { vermarktungsart: '' },
      message: 'Bitte wählen Sie einen Eintrag aus.' },
    { name: 'Vermarktungsart not in the list', field: 'vermarktungsart', overrides: { vermarktungsart: 'SCHENKUNG' },
      message: 'Bitte wählen Sie einen Eintrag aus der Liste.' },
    { name: 'Objekttyp of another Objektart', field: 'objekttyp', overrides: { objektart: 'haus', objekttyp: 'PENTHOUSE' },
      message: 'Bitte wählen Sie einen Eintrag aus der Liste.' },
    { name: '1001 characters of Bemerkung', field: 'bemerkung', overrides: { bemerkung: 'b'.repeat(1001) },
      message: 'Bitte höchstens 1000 Zeichen eingeben.' },
    { name: 'invalid UTF-8 in Ort', field: 'ort', raw: { ort: '%FF%FE' }, message: 'Die Eingabe enthält ungültige Zeichen.' },
    { name: 'invalid UTF-8 in a number', field: 'preis_bis', raw: { preis_bis: '1%FF' }, message: 'Die Eingabe enthält ungültige Zeichen.' },
  ];
  for (const c of cases) {
    test(`new profile: ${c.name}`, async () => {
      const r = await expectRefused({ action: 'search-profiles', formId: 'profile-new', ...c });
      assert.match(r.body, /<details class="profile" id="profile-new" open>/, 'the failed form is open');
    });
  }

  test('updating a profile with von > bis: 422 at that profile\'s form, profile unchanged', async () => {
    const r = await expectRefused({ action: `search-profiles/${profileId}`, formId: `profile-${profileId}`,
      field: 'preis_von', overrides: { preis_von: '900.000', preis_bis: '100.000' }, message: range });
    assert.match(r.body, new RegExp(`<details class="profile" id="profile-${profileId}" open>`));
  });

  test('updating a profile with "abc" in English', async () => {
    await expectRefused({ action: `search-profiles/${profileId}`, formId: `profile-${profileId}`,
      field: 'zimmer_von', overrides: { zimmer_von: 'abc' }, lang: 'en', message: 'Please enter a number, e.g. 350,000 or 2.5.' });
  });
});

describe('markup and fields the form does not offer', () => {
  test('HTML typed into a field is stored as text and escaped on the page', async () => {
    const tok = clara.token;
    const page = await server.page(tok);
    const evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const r = await server.post(`/c/${tok}/contact`, { ...formFields(page.body, `/c/${tok}/contact`), vorname: evil });
    assert.equal(r.status, 303);
    const after = await server.page(tok);
    assert.ok(!after.body.includes('<script>alert(1)'), 'no raw script tag');
    assert.ok(!after.body.includes('<img src=x'), 'no raw img tag');
    assert.equal(formFields(after.body, `/c/${tok}/contact`).vorname, evil);
    assert.equal((await server.export(tok)).contact.vorname, evil);
  });

  test('the contact form cannot change Kontaktart or Sprache, nor the e-mail address directly', async () => {
    const tok = bernd.token;
    const before = await snapshot(tok);
    const page = await server.page(tok);
    const r = await server.post(`/c/${tok}/contact`, {
      ...formFields(page.body, `/c/${tok}/contact`),
      kontaktart: 'eigentuemer', sprache: 'en',
    });
    assert.equal(r.status, 303);
    const after = await snapshot(tok);
    assert.equal(after.contact.email, before.contact.email);
    assert.equal(after.contact.kontaktart, before.contact.kontaktart, 'Kontaktart is the broker\'s, not on the page');
    assert.equal(after.contact.sprache, before.contact.sprache, 'Sprache is not on the page');
    const changes = after.activities.filter((a) => a.type === 'Datenänderung').flatMap((a) => a.payload.changes);
    assert.deepEqual(changes, []);
  });

  test('a body over the size limit is refused and saves nothing', async () => {
    const tok = clara.token;
    const before = await snapshot(tok);
    const page = await server.page(tok);
    const r = await server.post(`/c/${tok}/search-profiles`,
                                { csrf: page.csrf, lang: 'de', ...profileFields(), bemerkung: 'x'.repeat(300 * 1024) });
    assert.equal(r.status, 413);
    assert.deepEqual(await snapshot(tok), before);
  });
});

describe('CSRF: missing or forged → 403, nothing saved', () => {
  const actions = () => ['consent', 'withdraw', 'deletion-request', 'contact', 'search-profiles',
                         `search-profiles/${profileId}`, `search-profiles/${profileId}/delete`];

  async function expectForbidden(tok, csrf, label) {
    const before = await snapshot(tok);
    const stateBefore = (await server.page(tok)).state;
    for (const action of actions()) {
      const fields = { lang: 'de', ...profileFields(), nachname: 'Gefälscht', reason: 'x', note: 'y' };
      if (csrf !== undefined) fields.csrf = csrf;
      const r = await server.post(`/c/${tok}/${action}`, fields);
      assert.equal(r.status, 403, `${label} ${action}: ${r.status}`);
      assert.equal(r.location, null);
      assert.ok(decodeEntities(r.body).includes('Es wurde nichts gespeichert.'), `${label} ${action}`);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    assert.deepEqual(await snapshot(tok), before, `${label}: nothing saved`);
    assert.equal((await server.page(tok)).state, stateBefore);
  }

  test('without a csrf field', async () => {
    await expectForbidden(bernd.token, undefined, 'missing');
  });

  test('with an empty csrf field', async () => {
    await expectForbidden(bernd.token, '', 'empty');
  });

  test('with a made-up csrf value', async () => {
    const real = (await server.page(bernd.token)).csrf;
    const forged = real.slice(0, -1) + (real.at(-1) === '0' ? '1' : '0');
    await expectForbidden(bernd.token, forged, 'one digit off');
    await expectForbidden(bernd.token, 'f'.repeat(real.length), 'all f');
  });

  test('with the csrf value of another link', async () => {
    const other = (await server.page(clara.token)).csrf;
    assert.notEqual(other, (await server.page(bernd.token)).csrf);
    await expectForbidden(bernd.token, other, 'other link');
  });

  test('the csrf value in the query string instead of the body does not count', async () => {
    const tok = bernd.token;
    const before = await snapshot(tok);
    const csrf = (await server.page(tok)).csrf;
    const r = await server.post(`/c/${tok}/consent?csrf=${csrf}`, { lang: 'de' });
    assert.equal(r.status, 403);
    assert.deepEqual(await snapshot(tok), before);
  });
});

describe('unknown and malformed links: one neutral 404 page', () => {
  test('every kind of bad link gets the same body, with no hint which kind', async () => {
    const good = bernd.token;
    const unknown = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
    const paths = [
      `/c/${unknown}`,                    // well-formed, not issued
      `/c/${'A'.repeat(43)}`,
      `/c/${good.slice(0, 42)}`,          // one character short
      `/c/${good}x`,                      // one character long
      `/c/${good.slice(0, 42)}!`,         // character outside base64url
      `/c/${good.slice(0, 42)}%2F`,
      '/c/',
      '/c/..%2F..%2Fetc%2Fpasswd',
      `/c/${unknown}/export`,
      `/c/${good.slice(0, 42)}/export`,
      `/c/${good}/nonexistent`,
      '/nothing-here',
    ];
    const responses = [];
    for (const path of paths) {
      const r = await server.get(path);
      assert.equal(r.status, 404, `${path}: ${r.status}`);
      assert.equal(r.headers.get('cache-control'), 'no-store', path);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
      assert.match(r.headers.get('x-robots-tag') ?? '', /noindex/, path);
      responses.push([path, r.body]);
    }
    const [, first] = responses[0];
    assert.ok(first.includes('Dieser Link ist nicht (mehr) gültig'));
    for (const [path, b] of responses) assert.equal(b, first, `body of ${path} differs`);
    for (const [path, b] of responses) assert.ok(!b.includes(good.slice(0, 20)), `${path} echoes the token`);
  });

  test('the neutral page follows the language and still says nothing specific', async () => {
    const a = await server.get(`/c/${'A'.repeat(43)}`, { headers: { 'accept-language': 'en' } });
    const b = await server.get(`/c/${'A'.repeat(10)}`, { headers: { 'accept-language': 'en' } });
    assert.equal(a.status, 404);
    assert.equal(b.status, 404);
    assert.match(a.body, /<html lang="en">/);
    assert.equal(a.body, b.body);
  });

  test('POSTs to an unknown link save nothing and do not reveal it is unknown', async () => {
    const unknown = 'Z'.repeat(43);
    const csrf = (await server.page(bernd.token)).csrf;
    const withoutCsrf = await server.post(`/c/${unknown}/consent`, { lang: 'de' });
    const knownWithoutCsrf = await server.post(`/c/${bernd.token}/consent`, { lang: 'de' });
    assert.equal(withoutCsrf.status, knownWithoutCsrf.status);
    const withOtherCsrf = await server.post(`/c/${unknown}/consent`, { lang: 'de', csrf });
    assert.equal(withOtherCsrf.status, 403);
    const unsub = await server.post(`/u/${unknown}`, 'List-Unsubscribe=One-Click');
    assert.equal(unsub.status, 404);
  });
});
