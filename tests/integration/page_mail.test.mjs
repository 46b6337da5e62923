// Mails the consent page itself sends, through the file outbox of the real server:
// "Neuen Link anfordern" on the neutral page, and the confirmation of a new e-mail address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { csrfOf, formFields, startServer } from './helpers.mjs';

let server;
const ERIKA = 'erika.mustermann@example.com';

before(async () => {
  server = await startServer({});
});

after(async () => {
  await server?.stop();
});

// Decoded text of every .eml in the outbox (quoted-printable undone), by file name.
function outbox() {
  const dir = join(server.dir, 'var', 'outbox');
  if (!existsSync(dir)) return new Map();
  const mails = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
    const raw = readFileSync(join(dir, f), 'utf8');
    const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    mails.set(f, Buffer.from(text, 'latin1').toString('utf8'));
  }
  return mails;
}

// Waits (bounded) until a mail to `to` whose text matches `pattern` is in the outbox.
async function mailTo(to, pattern, known = new Set()) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const [name, text] of outbox()) {
      if (!known.has(name) && text.includes(`<${to}>`) && pattern.test(text)) return text;
    }
    await delay(50);
  }
  throw new Error(`no mail to ${to} matching ${pattern}; log:\n${server.log}`);
}

describe('Neuen Link anfordern', () => {
  test('the neutral page offers the form, with a CSRF token', async () => {
    const r = await server.get(`/c/${'A'.repeat(43)}`);
    assert.equal(r.status, 404);
    assert.match(r.body, /Neuen Link anfordern/);
    assert.match(r.body, /action="\/link-request"/);
    assert.ok(csrfOf(r.body));
  });

  test('a known address gets a mail with a fresh link that opens its page; the answer reveals nothing', async () => {
    const page = await server.get(`/c/${'B'.repeat(43)}`);
    const before = new Set(outbox().keys());
    const known = await server.post('/link-request', { csrf: csrfOf(page.body), lang: 'de', email: ERIKA.toUpperCase() });
    const unknown = await server.post('/link-request', { csrf: csrfOf(page.body), lang: 'de', email: 'nobody@example.com' });
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(known.body, unknown.body, 'same answer for known and unknown addresses');
    const mail = await mailTo(ERIKA, /\/c\/[A-Za-z0-9_-]{43}/, before);
    const token = mail.match(/\/c\/([A-Za-z0-9_-]{43})/)[1];
    const opened = await server.page(token);
    assert.equal(opened.status, 200);
    assert.match(opened.body, /Mustermann/);
    assert.match(mail, /List-Unsubscribe: <http[^>]*\/u\/[A-Za-z0-9_-]{43}>/);
  });

  test('a malformed address is an error at the field; a missing CSRF token is refused', async () => {
    const page = await server.get(`/c/${'C'.repeat(43)}`);
    const bad = await server.post('/link-request', { csrf: csrfOf(page.body), lang: 'de', email: 'kein-at-zeichen' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /id="link-request-email-error">Bitte geben Sie eine gültige E-Mail-Adresse ein/);
    const forged = await server.post('/link-request', { csrf: 'x', lang: 'de', email: ERIKA });
    assert.equal(forged.status, 403);
  });
});

describe('a new e-mail address on the consent page', () => {
  test('is used only after the confirmation link from the mail to the new address is used', async () => {
    const token = server.demoLinks.find((l) => l.name.includes('Weber')).token;
    const page = await server.page(token);
    const before = new Set(outbox().keys());
    const r = await server.post(`/c/${token}/contact`, { ...formFields(page.body, `/c/${token}/contact`), email: 'alex.neu@example.org' });
    assert.equal(r.status, 303);
    assert.match(r.location, /done=contact_email/);
    assert.equal((await server.export(token)).contact.email, 'alex.weber@example.com', 'old address until confirmed');

    const mail = await mailTo('alex.neu@example.org', /\/e\/[A-Za-z0-9_-]{43}/, before);
    const confirm = mail.match(/\/e\/([A-Za-z0-9_-]{43})/)[1];
    const shown = await server.get(`/e/${confirm}`);
    assert.equal(shown.status, 200);
    assert.match(shown.body, /alex\.neu@example\.org/);
    assert.equal((await server.export(token)).contact.email, 'alex.weber@example.com', 'a GET changes nothing');

    const forged = await server.post(`/e/${confirm}`, { csrf: 'forged', lang: 'de' });
    assert.equal(forged.status, 403);
    const ok = await server.post(`/e/${confirm}`, { csrf: csrfOf(shown.body), lang: 'de' });
    assert.equal(ok.status, 200);
    const doc = await server.export(token);
    assert.equal(doc.contact.email, 'alex.neu@example.org');
    const change = doc.activities.find((a) => a.payload?.act === 'confirm_email');
    assert.deepEqual(change.payload.changes, [{ field: 'email', before: 'alex.weber@example.com', after: 'alex.neu@example.org' }]);
    const again = await server.post(`/e/${confirm}`, { csrf: csrfOf(shown.body), lang: 'de' });
    assert.equal(again.status, 404, 'a confirmation link works once');
  });

  test('an invalid new address is an error at the field and nothing is sent', async () => {
    const token = server.demoLinks[0].token;
    const page = await server.page(token);
    const r = await server.post(`/c/${token}/contact`, { ...formFields(page.body, `/c/${token}/contact`), email: 'no-address' });
    assert.equal(r.status, 422);
    assert.match(r.body, /id="contact-email-error"/);
  });
});
