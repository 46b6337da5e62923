// Header injection: CR/LF (and other line breaks) in imported contacts, in a tenant's
// sender identity or in a typed subject must never add a header or a recipient. Either the
// value is refused up front (import row reported by line, CLI error) or the mail that
// carries it arrives with exactly the intended headers and envelope, the value decoded
// verbatim. What arrived is checked at a real SMTP server (tools/smtp_sink.py records every
// RCPT) and parsed with Python's email package (tools/check_mail.py).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseToken } from './helpers.mjs';
import { checkMail, SmtpSink, startMailServer } from './mail_helpers.mjs';

const TENANT = { slug: 'inj', company: 'Injektionstest Immobilien GmbH', email: 'info@inj.example' };
const EVIL = 'evil@example.com';
// The headers a consentd mail has; anything else arrived by injection.
const ALLOWED_HEADERS = new Set(['date', 'from', 'reply-to', 'subject', 'to', 'message-id', 'list-unsubscribe',
                                 'list-unsubscribe-post', 'mime-version', 'content-type']);

// [label, Vorname, Nachname, E-Mail, Firma]. `c0` rows carry a C0 line break or control
// character; the others carry text that only looks dangerous, or a Unicode line separator.
const ROWS = [
  { label: 'plain (control)', vorname: 'Olaf', nachname: 'Ordentlich', email: 'olaf@example.org' },
  { label: 'CRLF in Nachname', c0: true, vorname: 'Tom', nachname: `Weber\r\nBcc: ${EVIL}`, email: 'tom@example.org' },
  { label: 'LF in Nachname', c0: true, vorname: 'Tim', nachname: `Weber\nBcc: ${EVIL}`, email: 'tim@example.org' },
  { label: 'CR in Vorname', c0: true, vorname: `Tam\rBcc: ${EVIL}`, nachname: 'Weber', email: 'tam@example.org' },
  { label: 'CRLF + blank line in Nachname', c0: true, vorname: 'Udo', nachname: `Weber\r\n\r\nInjected body`, email: 'udo@example.org' },
  { label: 'tab in Nachname', c0: true, vorname: 'Tina', nachname: `Weber\tBcc: ${EVIL}`, email: 'tina@example.org' },
  { label: 'CRLF in E-Mail', c0: true, vorname: 'Tea', nachname: 'Weber', email: `tea@example.org\r\nBcc: ${EVIL}` },
  { label: 'CRLF in Firma', c0: true, vorname: 'Fynn', nachname: 'Weber', email: 'fynn@example.org', firma: `ACME\r\nBcc: ${EVIL}` },
  { label: 'two addresses in E-Mail', c0: true, vorname: 'Kai', nachname: 'Komma', email: `kai@example.org, ${EVIL}` },
  { label: 'SMTP command in E-Mail', c0: true, vorname: 'Sam', nachname: 'Smtp', email: `sam@example.org>\r\nRCPT TO:<${EVIL}` },
  { label: 'percent-encoded CRLF', vorname: 'Pia', nachname: `Weber%0d%0aBcc: ${EVIL}`, email: 'pia@example.org' },
  { label: 'quotes and brackets', vorname: 'Max', nachname: `Weber" <${EVIL}>, "Mallory`, email: 'max@example.org' },
  { label: 'comma and umlauts', vorname: 'Jörg', nachname: 'Weiß, Dr. jur.', email: 'joerg@example.org' },
  { label: 'RFC 2047 look-alike (refused)', c0: true, vorname: 'Emil', nachname: `=?utf-8?q?Weber=0D=0ABcc:_${EVIL}?=`, email: 'emil@example.org' },
  { label: 'U+2028 line separator', vorname: 'Lea', nachname: `Weber\u2028Bcc: ${EVIL}`, email: 'lea@example.org' },
  { label: 'U+0085 next line', vorname: 'Nele', nachname: `Weber\u0085Bcc: ${EVIL}`, email: 'nele@example.org' },
];

function cell(v = '') {
  return /[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

// The CSV (CRLF row ends) and, per row, the physical line its record starts on (CRLF, LF
// and a lone CR each end a line, as in the editors brokers use).
function buildCsv(rows) {
  let csv = 'Anrede;Vorname;Nachname;Firma;E-Mail;Rechtsgrundlage\r\n';
  for (const r of rows) {
    r.line = csv.split(/\r\n|\n|\r/).length;
    csv += ['Herr', r.vorname, r.nachname, r.firma ?? '', r.email, 'Bestandskunde'].map(cell).join(';') + '\r\n';
  }
  return csv;
}

let sinkDir, sink, server, importResult;
const contacts = new Map();  // lower-cased e-mail -> { id, data }

before(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'consentd-mail-injection-'));
  sink = await SmtpSink.start(join(sinkDir, 'sink'));
  server = await startMailServer({ smtpUrl: sink.url }, { demo: false, tenants: [TENANT] });
  const file = join(server.dir, 'inject.csv');
  writeFileSync(file, buildCsv(ROWS));
  importResult = await server.cliAsync('contacts', 'import', file, '--tenant', TENANT.slug);
  // Every stored contact of the tenant, read back through its own link. Ids have gaps: on
  // PostgreSQL the writer draws them per batch, and refused rows leave theirs unused.
  for (let id = 1; id <= 3 * ROWS.length; ++id) {
    const r = server.cliResult('contacts', 'link', String(id), '--tenant', TENANT.slug);
    if (r.status !== 0) continue;
    const doc = await server.export(parseToken(r.stdout));
    contacts.set(doc.contact.email.toLowerCase(), { id, data: doc.contact });
  }
});

after(async () => {
  await server?.stop();
  await sink?.stop();
  if (sinkDir) rmSync(sinkDir, { recursive: true, force: true });
});

function stored(row) {
  return contacts.get(row.email.toLowerCase());
}

function hasLineBreak(s) {
  return /[\r\n\u0085\u2028\u2029]/.test(s);
}

describe('contacts import', () => {
  test('each row with a C0 line break or control character is rejected and reported by its line', () => {
    assert.equal(importResult.status, 2, `exit status 2 (rows rejected): ${importResult.stdout}${importResult.stderr}`);
    for (const row of ROWS.filter((r) => r.c0)) {
      const reported = new RegExp(`^line ${row.line}: `, 'm').test(importResult.stderr);
      if (!reported) {
        // The alternative the issue allows: stored without any line break.
        const c = stored(row);
        assert.ok(c, `${row.label}: neither reported (line ${row.line}) nor stored:\n${importResult.stderr}`);
        for (const [k, v] of Object.entries(c.data)) assert.ok(!hasLineBreak(String(v)), `${row.label}: ${k} = ${JSON.stringify(v)}`);
      }
    }
    for (const e of contacts.keys()) assert.ok(!e.includes(EVIL), `stored address ${e}`);
  });

  test('rows whose text only looks dangerous are imported verbatim', () => {
    for (const row of ROWS.filter((r) => !r.c0 && !/U\+/.test(r.label))) {
      const c = stored(row);
      assert.ok(c, `${row.label} (line ${row.line}) was not imported:\n${importResult.stderr}`);
      assert.equal(c.data.nachname, row.nachname, row.label);
      assert.equal(c.data.vorname, row.vorname, row.label);
    }
  });
});

describe('a serial e-mail to every imported contact', () => {
  let summary, done, mails;

  before(async () => {
    summary = await server.sendMailing(TENANT.slug, 'Ihre Daten – bitte prüfen', '--all');
    done = await server.waitForMailing(TENANT.slug, summary.id, (s) => s.done, { what: 'the mailing to be done' });
    mails = checkMail(sink.dir);
  });

  test('every imported contact is mailed (no message fails on its own name)', () => {
    assert.equal(done.recipients, contacts.size, done.text);
    const failed = done.messages.filter((m) => m.state !== 'sent');
    const byId = new Map([...contacts.values()].map((c) => [c.id, c.data]));
    assert.deepEqual(failed.map((m) => ({ ...m, name: `${byId.get(m.contact)?.vorname} ${JSON.stringify(byId.get(m.contact)?.nachname)}` })), [],
                     'a name the import accepted must be deliverable (or be refused at import)');
  });

  test('the SMTP server saw no recipient but the intended ones, one per message', () => {
    const intended = new Set(contacts.keys());
    const rcpts = sink.events.filter((e) => e.event === 'rcpt').map((e) => e.address.toLowerCase());
    assert.ok(rcpts.length > 0);
    for (const r of rcpts) assert.ok(intended.has(r), `RCPT TO:<${r}> was not an intended recipient`);
    assert.ok(!rcpts.some((r) => r.includes(EVIL)));
    for (const m of mails) {
      assert.equal(m.envelope.rcpt_tos.length, 1, `${m.file}: ${JSON.stringify(m.envelope.rcpt_tos)}`);
      assert.equal(m.envelope.mail_from, TENANT.email);
    }
    assert.equal(mails.length, done.sent, 'one mail per sent message');
  });

  test('no mail carries an extra header, and each parses without defects', () => {
    const problems = [];
    for (const m of mails) {
      const label = `${m.file.split('/').pop()} to ${m.envelope.rcpt_tos[0]}`;
      for (const name of m.header_names) if (!ALLOWED_HEADERS.has(name.toLowerCase())) problems.push(`${label}: header ${name}`);
      for (const name of new Set(m.header_names.map((n) => n.toLowerCase()))) {
        if (m.headers[name].length !== 1) problems.push(`${label}: ${name} appears ${m.headers[name].length} times`);
      }
      if (m.strict_error) problems.push(`${label}: strict parse: ${m.strict_error}`);
      for (const d of m.defects) problems.push(`${label}: ${d}`);
      if (!m.raw.ascii || m.raw.bare_lf || m.raw.bare_cr) problems.push(`${label}: ${JSON.stringify(m.raw)}`);
      if (m.parts.map((p) => p.content_type).join() !== 'text/plain,text/html') problems.push(`${label}: parts ${JSON.stringify(m.parts)}`);
      if (`${m.text}${m.html}`.includes('Injected body')) problems.push(`${label}: injected body text`);
    }
    assert.deepEqual(problems, []);
  });

  test('To is exactly the one intended address, its display name the stored name verbatim', () => {
    const problems = [];
    for (const m of mails) {
      const address = m.envelope.rcpt_tos[0].toLowerCase();
      const c = contacts.get(address);
      const raw = JSON.stringify(m.headers.to);
      if (!c) {
        problems.push(`${address}: not a stored contact`);
        continue;
      }
      const expected = [c.data.titel, c.data.vorname, c.data.nachname].filter(Boolean).join(' ');
      if (m.to?.length !== 1) {
        problems.push(`${address}: To ${raw} has ${m.to?.length} addresses`);
      } else if (m.to[0].unparseable) {
        problems.push(`${address}: To ${raw} cannot be parsed: a mail client decodes its display name to CR/LF (stored name ${JSON.stringify(expected)})`);
      } else if (m.to[0].address.toLowerCase() !== address) {
        problems.push(`${address}: To ${raw} names ${m.to[0].address}`);
      } else if (m.to[0].name !== expected) {
        problems.push(`${address}: display name decodes to ${JSON.stringify(m.to[0].name)}, stored ${JSON.stringify(expected)}`);
      } else if (hasLineBreak(m.to[0].name)) {
        problems.push(`${address}: decoded display name contains a line break`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('mailing send with a line break in the subject', () => {
  const SUBJECTS = [
    ['CRLF', `Hallo\r\nBcc: ${EVIL}`],
    ['LF', `Hallo\nBcc: ${EVIL}`],
    ['CR', `Hallo\rBcc: ${EVIL}`],
    ['CRLF CRLF (body)', 'Hallo\r\n\r\nInjected body'],
    ['trailing CRLF', 'Hallo\r\n'],
    ['U+2028', `Hallo\u2028Bcc: ${EVIL}`],
    ['U+2029', `Hallo\u2029Bcc: ${EVIL}`],
    ['U+0085', `Hallo\u0085Bcc: ${EVIL}`],
  ];
  let lastId;

  before(async () => {
    const ok = await server.sendMailing(TENANT.slug, 'Vorher', '--contacts', String(stored(ROWS[0]).id));
    lastId = ok.id;
    await server.waitForMailing(TENANT.slug, lastId, (s) => s.done);
  });

  for (const [label, subject] of SUBJECTS) {
    test(`${label}: refused with a clear error, nothing created or queued`, async () => {
      const r = await server.cliAsync('mailing', 'send', '--tenant', TENANT.slug, '--subject', subject, '--all');
      const status = await server.cliAsync('mailing', 'status', String(lastId + 1), '--tenant', TENANT.slug);
      if (status.status === 0) lastId += 1;  // created by mistake: the next case checks the id after it
      assert.notEqual(r.status, 0, `accepted: ${r.stdout}`);
      assert.notEqual(status.status, 0, `a mailing was created: ${status.stdout}`);
      assert.match(r.stderr, /subject/i, r.stderr);
      assert.match(r.stderr, /Zeilenumbr|line break|Steuerzeichen|control/i, r.stderr);
      assert.doesNotMatch(r.stdout, /created/);
    });
  }

  test('no mail with an injected subject reached the SMTP server', async () => {
    const mails = checkMail(sink.dir);
    for (const m of mails) {
      assert.ok(!/[\r\n]/.test(m.subject ?? ''), `${m.file}: subject ${JSON.stringify(m.subject)}`);
      assert.ok(!/Injected/.test(m.subject ?? ''), `${m.file}: subject ${JSON.stringify(m.subject)}`);
      assert.equal(m.headers.bcc, undefined);
    }
    assert.ok(!sink.events.some((e) => e.event === 'rcpt' && e.address.includes(EVIL)));
  });

  test('a subject that looks like an RFC 2047 encoded word arrives verbatim (or is refused)', async () => {
    const subject = `=?utf-8?q?Hallo=0D=0ABcc:_${EVIL}?=`;
    const r = await server.cliAsync('mailing', 'send', '--tenant', TENANT.slug, '--subject', subject,
                                    '--contacts', String(stored(ROWS[0]).id));
    if (r.status !== 0) return;  // refused: fine
    const id = Number(r.stdout.match(/^mailing (\d+) created/m)[1]);
    lastId = id;
    const done = await server.waitForMailing(TENANT.slug, id, (x) => x.done);
    assert.equal(done.sent, 1, done.text);
    const mails = checkMail(sink.dir);
    const m = mails.find((x) => x.envelope.rcpt_tos[0] === ROWS[0].email && x.subject !== 'Ihre Daten – bitte prüfen' &&
                                x.subject !== 'Vorher');
    assert.ok(m, 'the mail arrived');
    assert.equal(m.subject, subject, `typed ${JSON.stringify(subject)}, a mail client shows ${JSON.stringify(m.subject)} ` +
                                     `(on the wire: ${JSON.stringify(m.raw_headers.subject)})`);
  });
});

describe('tenant sender identity', () => {
  test('CR/LF in company, sender name or sender address is refused by tenant add', async () => {
    const cases = [
      { company: `ACME\r\nBcc: ${EVIL}` },
      { 'sender-name': `ACME\nBcc: ${EVIL}` },
      { email: `a@example.org\r\nBcc: ${EVIL}` },
      { 'sender-email': `a@example.org\r\nBcc: ${EVIL}` },
    ];
    for (const [i, bad] of cases.entries()) {
      const flags = { company: 'ACME', email: 'a@example.org', ...bad };
      const args = ['tenant', 'add', '--slug', `bad${i}`, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
      const [flag, value] = Object.entries(bad)[0];
      const r = await server.cliAsync(...args);
      assert.notEqual(r.status, 0, `--${flag} ${JSON.stringify(value)} accepted: ${r.stdout}`);
      assert.match(r.stderr, /tenant not added/);
    }
  });

  test('a Unicode line separator in the company name is refused, or its mails still go out', async () => {
    const company = 'ACME\u2028Bcc: evil@example.com';
    const r = await server.cliAsync('tenant', 'add', '--slug', 'ls', '--company', company, '--email', 'ls@example.org');
    if (r.status !== 0) return;  // refused: fine
    const file = join(server.dir, 'ls.csv');
    writeFileSync(file, 'Vorname;Nachname;E-Mail;Rechtsgrundlage\nLara;Lang;lara@example.org;Bestandskunde\n');
    await server.cliOk('contacts', 'import', file, '--tenant', 'ls');
    const s = await server.sendMailing('ls', 'Test', '--all');
    const done = await server.waitForMailing('ls', s.id, (x) => x.done);
    assert.equal(done.sent, 1, `tenant add accepted ${JSON.stringify(company)}, but its mail is not sent:\n${done.text}`);
    const [m] = checkMail(sink.dir).filter((x) => x.envelope.rcpt_tos[0] === 'lara@example.org');
    assert.deepEqual(m.defects, []);
    assert.ok(!m.header_names.some((n) => n.toLowerCase() === 'bcc'));
  });
});
