// The serial-mail screens of the admin UI against a real SMTP server (tools/smtp_sink.py):
// select contacts, see who is skipped and why, send, watch the status until done, and the
// mails arrive. Also: the subject is required, forged CSRF tokens and other tenants' ids.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeEntities } from './helpers.mjs';
import { SmtpSink, startMailServer, waitFor } from './mail_helpers.mjs';
import { adminSession } from './admin_helpers.mjs';

const MAKLER = { slug: 'makler', company: 'Makler & Partner GmbH', email: 'info@makler.example' };
const FREMD = { slug: 'fremd', company: 'Fremd Immobilien GmbH', email: 'info@fremd.example' };
const CSV = 'Anrede;Vorname;Nachname;E-Mail;Rechtsgrundlage\n' +
  'Frau;Anna;Adler;anna.adler@example.org;Bestandskunde\n' +
  'Herr;Bernd;Berger;bernd.berger@example.org;Anfrage\n' +
  'Frau;Clara;Conrad;clara.conrad@example.org;keine\n';
const FREMD_CSV = 'Anrede;Vorname;Nachname;E-Mail;Rechtsgrundlage\n' +
  'Herr;Otto;Olsen;otto.olsen@example.org;Anfrage\n';
const TEMPLATE = 'kontakt-und-gesuchsdaten:de';

let sinkDir, sink, server, broker, ids;

// e-mail -> contact id, read from the address list (the selection checkboxes c<id>).
async function contactIds(client) {
  const page = await client.get('/admin/contacts');
  assert.equal(page.status, 200);
  const out = {};
  for (const row of page.body.split('<tr').slice(1)) {
    const id = row.match(/name="c(\d+)"/);
    const email = row.match(/<td>([^<@]+@[^<]+)<\/td>/);
    if (id && email) out[email[1]] = Number(id[1]);
  }
  return out;
}

function selection(...contactIdsToMail) {
  return contactIdsToMail.map((id) => [`c${id}`, '1']);
}

async function mailingCount(client) {
  const list = await client.get('/admin/mailings');
  assert.equal(list.status, 200);
  return (list.body.match(/data-mailing="/g) || []).length;
}

async function statusOf(client, id) {
  const res = await client.get(`/admin/mailings/${id}/status`);
  assert.equal(res.status, 200, res.body);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  return JSON.parse(res.body);
}

before(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'consentd-admin-mailings-'));
  sink = await SmtpSink.start(join(sinkDir, 'sink'));
  server = await startMailServer({ smtpUrl: sink.url },
                                 { demo: false, tenants: [MAKLER, FREMD],
                                   imports: [{ tenant: 'makler', csv: CSV }, { tenant: 'fremd', csv: FREMD_CSV }] });
  broker = await adminSession(server, { tenant: 'makler', role: 'broker' });
  ids = await contactIds(broker);
  assert.equal(Object.keys(ids).length, 3, JSON.stringify(ids));
});

after(async () => {
  await server?.stop();
  await sink?.stop();
  if (sinkDir) rmSync(sinkDir, { recursive: true, force: true });
});

describe('serial mail screen', () => {
  test('shows the preview and who will be skipped and why', async () => {
    const anna = ids['anna.adler@example.org'];
    const clara = ids['clara.conrad@example.org'];
    const page = await broker.get(`/admin/mailings/new?c${anna}=1&c${clara}=1`);
    assert.equal(page.status, 200);
    const body = decodeEntities(page.body);
    assert.match(body, /<option value="kontakt-und-gesuchsdaten:de" selected>/);
    assert.match(body, new RegExp(`<input type="hidden" name="c${anna}" value="1">`));
    assert.match(body, /<dd data-ml="selected">2<\/dd>/);
    assert.match(body, /<dd data-ml="skipped">1<\/dd>/);
    assert.match(body, new RegExp(`<tr data-contact="${clara}">.*Conrad.*keine Rechtsgrundlage`, 's'));
    assert.match(body, /name="lawful"/, 'the lawful confirmation is offered for contacts without basis');
    assert.match(body, /<pre id="ml-preview-text">Sehr geehrte Frau Adler,/);
    assert.match(body, /\/c\/BEISPIEL-LINK/);
    const src = body.match(/<iframe class="mail-preview" sandbox="" title="[^"]*" src="([^"]+)"/);
    assert.ok(src, 'the HTML view is framed by its own address');
    assert.equal(src[1], `/admin/mailings/mail-preview?template=kontakt-und-gesuchsdaten%3Ade&contact=${anna}`);
    // The next recipient's preview, and the confirmation lets Clara through.
    const next = await broker.post('/admin/mailings/new', [...selection(anna, clara), ['template', TEMPLATE],
      ['subject', 'Hallo'], ['lawful', '1'], ['preview_step', String(clara)], ['action', 'preview']]);
    assert.equal(next.status, 200);
    const nextBody = decodeEntities(next.body);
    assert.match(nextBody, /<pre id="ml-preview-text">Sehr geehrte Frau Conrad,/);
    assert.match(nextBody, /<dd data-ml="skipped">0<\/dd>/);
  });

  test("the mail preview is a document of its own: strict policy, session, tenant", async () => {
    const anna = ids['anna.adler@example.org'];
    const url = `/admin/mailings/mail-preview?template=kontakt-und-gesuchsdaten%3Ade&contact=${anna}`;
    const res = await broker.get(url);
    assert.equal(res.status, 200);
    assert.match(res.body, /Sehr geehrte Frau Adler,/);
    assert.match(res.body, /BEISPIEL-LINK/, 'a sample link, never a real one');
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /^default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; sandbox;/);
    assert.doesNotMatch(csp, /script-src/);
    assert.match(csp, /frame-ancestors 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    // The admin pages themselves allow no inline styles.
    const page = await broker.get(`/admin/mailings/new?c${anna}=1`);
    assert.doesNotMatch(page.headers.get('content-security-policy'), /unsafe-inline/);
    // Without a session: to the login, nothing shown.
    const anonymous = await server.get(url);
    assert.equal(anonymous.status, 303);
    assert.doesNotMatch(anonymous.body, /Adler/);
    // Another tenant's contact answers exactly like a missing one; so does a POST.
    const other = await adminSession(server, { tenant: 'fremd', role: 'broker' });
    const foreign = await other.get(url);
    const missing = await other.get(url.replace(`contact=${anna}`, 'contact=99999999'));
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, missing.body);
    assert.doesNotMatch(foreign.body, /Adler/);
    const unknownTemplate = await broker.get(url.replace('kontakt-und-gesuchsdaten', 'gibt-es-nicht'));
    assert.equal(unknownTemplate.status, 404);
    const post = await broker.post(url, {});
    assert.equal(post.status, 404);
  });

  test('all contacts matching the address list filter can be selected', async () => {
    const page = await broker.get('/admin/mailings/new?all=1&q=berger');
    assert.equal(page.status, 200);
    assert.match(page.body, /<input type="hidden" name="all" value="1">/);
    assert.match(page.body, /<input type="hidden" name="q" value="berger">/);
    assert.match(page.body, /<dd data-ml="selected">1<\/dd>/);
  });

  test('a serial mail is sent to the selected contacts and the status reaches done', async () => {
    const before = await mailingCount(broker);
    const picked = Object.values(ids);
    const res = await broker.post('/admin/mailings/new', [...selection(...picked), ['template', TEMPLATE],
      ['subject', 'Ihre Daten bei Makler & Partner'], ['own_text', ''], ['action', 'send']]);
    assert.equal(res.status, 303, res.body.slice(0, 500));
    const m = res.location.match(/^\/admin\/mailings\/(\d+)\?done=ml_created$/);
    assert.ok(m, res.location);
    const id = Number(m[1]);
    const done = await waitFor(async () => {
      const s = await statusOf(broker, id);
      return s.finished ? s : null;
    }, { timeout: 30_000, interval: 200, what: `mailing ${id} to finish` });
    assert.equal(done.total, 3);
    assert.equal(done.sent, 2);
    assert.equal(done.skipped, 1);
    assert.equal(done.failed, 0);
    assert.equal(done.percent, 100);
    await waitFor(() => sink.count('message') >= 2, { what: 'two mails at the sink' });
    const rcpts = sink.events.filter((e) => e.event === 'message').flatMap((e) => e.rcpt_tos).sort();
    assert.deepEqual(rcpts, ['anna.adler@example.org', 'bernd.berger@example.org']);
    const progress = await broker.get(res.location);
    assert.equal(progress.status, 200);
    const body = decodeEntities(progress.body);
    assert.match(body, /Die Serien-E-Mail wurde angelegt/);
    assert.match(body, /<progress id="ml-bar" max="3" value="3">/);
    assert.match(body, /data-finished="1"/);
    assert.match(body, /<tr data-state="sent">.*anna\.adler@example\.org.*Gesendet.*250/s);
    assert.match(body, /<tr data-state="skipped">.*Conrad.*Übersprungen.*keine Rechtsgrundlage/s);
    assert.match(body, /<script src="\/static\/mailing_progress.js" defer><\/script>/);
    assert.equal(await mailingCount(broker), before + 1);
    const list = decodeEntities((await broker.get('/admin/mailings')).body);
    assert.match(list, /Ihre Daten bei Makler &amp; Partner|Ihre Daten bei Makler & Partner/);
  });

  test('a missing subject is shown at the field and nothing is created', async () => {
    const before = await mailingCount(broker);
    const anna = ids['anna.adler@example.org'];
    const res = await broker.post('/admin/mailings/new', [...selection(anna), ['template', TEMPLATE],
      ['subject', '   '], ['action', 'send']]);
    assert.equal(res.status, 422);
    assert.match(res.body, /<input type="text" id="ml-subject" name="subject" value="   "[^>]*aria-invalid="true" aria-describedby="ml-subject-error">/);
    assert.match(res.body, /<div class="field-error" id="ml-subject-error"><p>Bitte geben Sie einen Betreff ein.<\/p>/);
    assert.match(res.body, new RegExp(`<input type="hidden" name="c${anna}" value="1">`), 'the selection survives');
    assert.equal(await mailingCount(broker), before);
  });

  test('an own text with an unknown placeholder is shown with its line', async () => {
    const anna = ids['anna.adler@example.org'];
    const res = await broker.post('/admin/mailings/new', [...selection(anna), ['template', TEMPLATE],
      ['subject', 'Hallo'], ['own_text', 'Hallo,\r\n\r\n{{vornme}}\r\n{{consent_url}}'], ['action', 'send']]);
    assert.equal(res.status, 422);
    assert.match(decodeEntities(res.body), /id="ml-own_text-error"><p>Zeile 3: Unbekannter Platzhalter \{\{vornme\}\}\.<\/p>/);
  });

  test('a forged CSRF token is rejected and nothing is created', async () => {
    const before = await mailingCount(broker);
    const res = await broker.post('/admin/mailings/new', [...selection(ids['anna.adler@example.org']),
      ['template', TEMPLATE], ['subject', 'Gefälscht'], ['action', 'send']], { csrf: 'forged-token' });
    assert.notEqual(res.status, 303);
    assert.ok(res.status >= 400, `status ${res.status}`);
    const missing = await broker.post('/admin/mailings/new', [...selection(ids['anna.adler@example.org']),
      ['template', TEMPLATE], ['subject', 'Ohne Token'], ['action', 'send']], { csrf: null });
    assert.ok(missing.status >= 400, `status ${missing.status}`);
    assert.equal(await mailingCount(broker), before);
  });

  test("another tenant's mailing id answers exactly like a missing one", async () => {
    const anna = ids['anna.adler@example.org'];
    const res = await broker.post('/admin/mailings/new', [...selection(anna), ['template', TEMPLATE],
      ['subject', 'Nur für Makler'], ['action', 'send']]);
    assert.equal(res.status, 303);
    const id = Number(res.location.match(/\/admin\/mailings\/(\d+)/)[1]);
    const other = await adminSession(server, { tenant: 'fremd', role: 'admin' });
    for (const suffix of ['', '/status']) {
      const foreign = await other.get(`/admin/mailings/${id}${suffix}`);
      const missing = await other.get(`/admin/mailings/99999999${suffix}`);
      assert.equal(foreign.status, 404);
      assert.equal(missing.status, 404);
      assert.equal(foreign.body, missing.body);
      assert.doesNotMatch(foreign.body, /Nur für Makler/);
    }
    const list = await other.get('/admin/mailings');
    assert.doesNotMatch(list.body, /Nur für Makler/);
    // A contact of another tenant in the selection is left out, never shown.
    const foreignContact = await other.get(`/admin/mailings/new?c${anna}=1`);
    assert.equal(foreignContact.status, 200);
    assert.doesNotMatch(foreignContact.body, /Adler/);
    assert.match(foreignContact.body, /<dd data-ml="selected">1<\/dd>/);
    assert.match(foreignContact.body, /<dd data-ml="mailed">0<\/dd>/);
  });

  test('the progress script is served as JavaScript', async () => {
    const res = await server.get('/static/mailing_progress.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/javascript/);
    assert.match(res.body, /statusUrl/);
  });
});
