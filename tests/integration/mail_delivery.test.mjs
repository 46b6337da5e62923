// Serial e-mail end to end: `consentd mailing send` queues, `consentd serve` delivers to a
// real SMTP server (tools/smtp_sink.py, aiosmtpd), and what arrived is parsed with Python's
// email package (tools/check_mail.py): no defects, multipart/alternative, RFC 2047 headers
// that decode to exactly what was typed, RFC 8058 one-click headers, and in every mail a
// link that opens that recipient's own consent page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeEntities, emailOf, parseToken } from './helpers.mjs';
import { checkMail, consentTokens, SmtpSink, startMailServer } from './mail_helpers.mjs';

const SUBJECT = 'Ihre Daten bei Müller & Söhne – bitte prüfen';
const SENDER = 'info@musterimmobilien.example';
const COMPANY = 'Musterimmobilien GmbH & Co. KG';
// A second tenant whose sender name needs RFC 2047 and quoting in the From header.
const BOEHM = { slug: 'boehm', company: 'Böhm & Söhne Immobilien „Am See“ GmbH', email: 'kontakt@boehm-immobilien.example' };
const BOEHM_CSV = 'Anrede;Vorname;Nachname;E-Mail;Rechtsgrundlage\n' +
  'Frau;Zoë;Ünal-Straßburger;zoe@example.org;Bestandskunde\n' +
  'Herr;Hans;Weber, jun.;hans.weber@example.org;Anfrage\n';

let sinkDir, sink, server;

before(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'consentd-mail-delivery-'));
  sink = await SmtpSink.start(join(sinkDir, 'sink'));
  server = await startMailServer({ smtpUrl: sink.url, mail: { delivery_threads: 2 } },
                                 { tenants: [BOEHM], imports: [{ tenant: 'boehm', csv: BOEHM_CSV }] });
  assert.match(server.importReports[0], /^2 inserted/);
});

after(async () => {
  await server?.stop();
  await sink?.stop();
  if (sinkDir) rmSync(sinkDir, { recursive: true, force: true });
});

// contact id -> its stored data (via a fresh link and the Art. 15 export).
async function contactsOf(tenant, ids) {
  const byId = new Map();
  for (const id of ids) {
    const token = parseToken(server.cli('contacts', 'link', String(id), '--tenant', tenant));
    byId.set(id, (await server.export(token)).contact);
  }
  return byId;
}

// The parsed mails that arrived for each address, keyed by lower-cased envelope recipient.
function mailsByRecipient(mails) {
  const by = new Map();
  for (const m of mails) {
    for (const r of m.envelope.rcpt_tos) {
      const key = r.toLowerCase();
      if (!by.has(key)) by.set(key, []);
      by.get(key).push(m);
    }
  }
  return by;
}

function assertCleanMime(m) {
  assert.equal(m.strict_error, null, `${m.file}: strict parse`);
  assert.deepEqual(m.defects, [], `${m.file}: defects`);
  assert.ok(m.raw.ascii, `${m.file}: 8-bit bytes on the wire (headers must be RFC 2047, bodies QP/base64)`);
  assert.ok(!m.raw.bare_lf && !m.raw.bare_cr, `${m.file}: every line ends in CRLF`);
  assert.ok(m.raw.max_line <= 998, `${m.file}: a line of ${m.raw.max_line} octets (RFC 5322 allows 998)`);
  assert.equal(m.content_type, 'multipart/alternative');
  assert.deepEqual(m.parts.map((p) => [p.content_type, p.charset]),
                   [['text/plain', 'utf-8'], ['text/html', 'utf-8']]);
  for (const name of ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'list-unsubscribe',
                      'list-unsubscribe-post']) {
    assert.equal(m.headers[name]?.length, 1, `${m.file}: exactly one ${name} header`);
  }
  for (const name of ['bcc', 'cc']) assert.equal(m.headers[name], undefined, `${m.file}: no ${name} header`);
  assert.ok(!Number.isNaN(Date.parse(m.date)), `${m.file}: Date ${m.date}`);
  assert.ok(Math.abs(Date.parse(m.date) - Date.now()) < 10 * 60_000, `${m.file}: Date ${m.date} is now`);
}

describe('a serial e-mail to every demo contact', () => {
  let summary, mails, contacts;

  before(async () => {
    summary = await server.sendMailing('demo', SUBJECT, '--all');
    // Delivery may start before the summary is printed: count what was not skipped.
    summary.mailed = summary.recipients - summary.skipped;
    assert.equal(summary.mailed, 4, `the 4 demo contacts are mailed: ${summary.text}`);
    assert.equal(summary.failed, 0);
    const done = await server.waitForMailing('demo', summary.id, (s) => s.done, { what: 'the mailing to be done' });
    assert.equal(done.sent, summary.mailed, done.text);
    // Every message the server calls sent was accepted by the sink, so all files exist now.
    mails = checkMail(sink.dir).filter((m) => m.subject === SUBJECT);
    contacts = await contactsOf('demo', done.messages.filter((x) => x.state === 'sent').map((x) => x.contact));
  });

  test('mailing status ends "— done" with every queued message sent and the server reply kept', async () => {
    const s = await server.mailingStatus('demo', summary.id);
    assert.ok(s.done, s.text);
    assert.match(s.text, / — done\n/);
    assert.deepEqual([s.queued, s.sending, s.deferred, s.failed], [0, 0, 0, 0], s.text);
    assert.equal(s.sent, summary.mailed);
    for (const msg of s.messages.filter((x) => x.state === 'sent')) {
      assert.match(msg.detail, /^250 2\.0\.0 Ok: queued as \d+$/, `contact ${msg.contact}: ${msg.detail}`);
    }
  });

  test('every recipient receives exactly one mail, addressed to them alone', () => {
    assert.equal(mails.length, summary.mailed, 'one mail per recipient');
    const by = mailsByRecipient(mails);
    for (const [id, c] of contacts) {
      const got = by.get(c.email.toLowerCase()) || [];
      assert.equal(got.length, 1, `contact ${id} <${c.email}> received ${got.length} mails`);
      const m = got[0];
      assert.deepEqual(m.envelope.rcpt_tos, [c.email], 'envelope: this one recipient');
      assert.equal(m.envelope.mail_from, SENDER, 'envelope sender');
      assert.equal(m.to.length, 1);
      assert.equal(m.to[0].address, c.email);
    }
    const ids = mails.map((m) => m.message_id);
    assert.equal(new Set(ids).size, ids.length, 'Message-IDs are unique');
  });

  test('each mail parses without defects as multipart/alternative (text + HTML)', () => {
    for (const m of mails) assertCleanMime(m);
  });

  test('Subject, From and To decode to exactly the typed text (RFC 2047)', () => {
    for (const m of mails) {
      assert.equal(m.subject, SUBJECT);
      assert.deepEqual(m.from, [{ name: COMPANY, address: SENDER }]);
      assert.match(m.message_id, /^<[^<>\s@]+@musterimmobilien\.example>$/);
    }
    for (const c of contacts.values()) {
      const m = mails.find((x) => x.to[0].address === c.email);
      const expected = [c.titel, c.vorname, c.nachname].filter(Boolean).join(' ');
      assert.equal(m.to[0].name, expected, `To display name of <${c.email}>`);
    }
    assert.ok(mails.some((m) => /ü/.test(m.to[0].name)), 'the demo has a recipient with an umlaut in the name');
  });

  test('the text part says "GmbH & Co. KG" (no HTML escaping); the HTML part escapes it', () => {
    for (const m of mails) {
      assert.ok(m.text.includes(COMPANY), 'text part names the company verbatim');
      assert.ok(!m.text.includes('&amp;'), `text part contains "&amp;": ${m.text}`);
      assert.ok(!/&#\d+;|&quot;|&lt;|&gt;/.test(m.text), 'no HTML entities in the text part');
      assert.ok(m.html.includes('GmbH &amp; Co. KG'), 'HTML part escapes the ampersand');
      assert.ok(!/GmbH & Co/.test(m.html), 'no raw ampersand in HTML');
    }
  });

  test('each mail carries its own link, the same in text and HTML, and RFC 8058 headers for it', () => {
    const seen = new Set();
    for (const m of mails) {
      const inText = [...new Set(consentTokens(m.text))];
      const inHtml = [...new Set(consentTokens(decodeEntities(m.html)))];
      assert.equal(inText.length, 1, `one consent link in the text part: ${inText}`);
      assert.deepEqual(inHtml, inText, 'the HTML part links the same page');
      assert.ok(m.text.includes(`${server.baseUrl}/c/${inText[0]}`), 'the link uses the configured base URL');
      assert.ok(!seen.has(inText[0]), 'links are personal: no two mails share one');
      seen.add(inText[0]);
      assert.equal(m.list_unsubscribe, `<${server.baseUrl}/u/${inText[0]}>`);
      assert.equal(m.list_unsubscribe_post, 'List-Unsubscribe=One-Click');
      m.token = inText[0];
    }
  });

  test("each mail's link opens that recipient's own consent page", async () => {
    for (const m of mails) {
      const url = consentTokens(m.text).map((t) => `${server.baseUrl}/c/${t}`)[0];
      const res = await fetch(url, { redirect: 'manual' });
      const html = await res.text();
      assert.equal(res.status, 200, url);
      assert.equal(emailOf(html), m.to[0].address, 'the page shows the addressee\'s e-mail');
      const c = [...contacts.values()].find((x) => x.email === m.to[0].address);
      const text = decodeEntities(html);
      assert.ok(text.includes(c.nachname), `the page shows ${c.nachname}`);
      for (const other of contacts.values()) {
        if (other.email !== c.email) assert.ok(!text.includes(other.email), `page of ${c.email} shows ${other.email}`);
      }
    }
  });

  test('each contact\'s export shows one "E-Mail versendet" with the Message-ID that arrived', async () => {
    for (const m of mails) {
      const doc = await server.export(m.token);
      assert.equal(doc.contact.email, m.to[0].address);
      const sent = doc.activities.filter((a) => a.type === 'E-Mail versendet');
      assert.equal(sent.length, 1, `${m.to[0].address}: ${JSON.stringify(doc.activities.map((a) => a.type))}`);
      assert.equal(sent[0].payload.message_id, m.message_id);
      assert.equal(sent[0].payload.mailing_id, summary.id);
      assert.equal(sent[0].payload.subject, SUBJECT);
      assert.match(sent[0].payload.server_reply, /^250 /);
    }
  });

  test('a GET of the List-Unsubscribe URL changes nothing; the one-click POST withdraws', async () => {
    const m = mails[0];
    const url = m.list_unsubscribe.slice(1, -1);
    const before = await server.export(m.token);
    const get = await fetch(url, { redirect: 'manual' });
    await get.arrayBuffer();
    const unchanged = await server.export(m.token);
    assert.deepEqual(unchanged.activities, before.activities, 'GET added an activity');
    assert.deepEqual(unchanged.consents, before.consents, 'GET changed the consent');
    const post = await fetch(url, {
      method: 'POST', body: m.list_unsubscribe_post, redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(post.status, 200, await post.text());
    assert.equal((await server.page(m.token)).state, 'withdrawn');
  });
});

describe('RFC 2047 edge cases', () => {
  let boehmIds = [];

  test('a sender name with umlauts, "&" and „quotes“, and recipients with umlauts or a comma', async () => {
    const subject = 'Zoë, Ihre Suchprofile – Änderungen möglich? „Ja“ & ‚nein‘ 😀';
    const s = await server.sendMailing('boehm', subject, '--all');
    assert.deepEqual([s.recipients, s.skipped], [2, 0], s.text);
    const done = await server.waitForMailing('boehm', s.id, (x) => x.done);
    assert.equal(done.sent, 2, done.text);
    boehmIds = done.messages.map((x) => x.contact);
    const mails = checkMail(sink.dir).filter((m) => m.from?.[0]?.address === BOEHM.email);
    assert.equal(mails.length, 2);
    const names = {};
    for (const m of mails) {
      assertCleanMime(m);
      assert.equal(m.subject, subject);
      assert.deepEqual(m.from, [{ name: BOEHM.company, address: BOEHM.email }]);
      assert.equal(m.to.length, 1, `one To address: ${JSON.stringify(m.to)}`);
      assert.deepEqual(m.envelope.rcpt_tos, [m.to[0].address]);
      names[m.to[0].address] = m.to[0].name;
      assert.ok(m.text.includes(BOEHM.company), 'the text part names the company verbatim');
    }
    assert.deepEqual(names, { 'zoe@example.org': 'Zoë Ünal-Straßburger', 'hans.weber@example.org': 'Hans Weber, jun.' });
  });

  test('a long subject of 200 characters with umlauts folds and still decodes exactly', async () => {
    const subject = ('Größenänderung Ihres Suchprofils für Häuser in Köln-Mülheim – ').repeat(4).slice(0, 200).trim();
    assert.ok(boehmIds.length > 0, 'needs the previous test');
    const s = await server.sendMailing('boehm', subject, '--contacts', String(boehmIds[0]));
    assert.deepEqual([s.recipients, s.skipped], [1, 0], s.text);
    const done = await server.waitForMailing('boehm', s.id, (x) => x.done);
    assert.equal(done.sent, 1, done.text);
    const [m] = checkMail(sink.dir).filter((x) => x.subject === subject);
    assert.ok(m, 'the mail arrived with the subject intact');
    assertCleanMime(m);
  });
});
