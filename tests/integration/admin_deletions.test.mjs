// The Löschanträge inbox end to end: a person asks for deletion on the consent page, the
// brokers are told by mail, a broker decides (erase, retain, reject, extend) and the person
// gets the outcome mail through a real SMTP sink. Erasure leaves no personal data and the
// evidence chain still verifies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { adminSession } from './admin_helpers.mjs';
import { checkMail, SmtpSink, startMailServer, waitFor } from './mail_helpers.mjs';

let sinkDir, sink, server;

const sqlValue = (query) => server.sqlValue(query);

before(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'consentd-deletions-'));
  sink = await SmtpSink.start(join(sinkDir, 'sink'));
  server = await startMailServer({ smtpUrl: sink.url }, {
    tenants: [{ slug: 'andere', company: 'Andere Immobilien GmbH', email: 'info@andere.example' }] });
});

after(async () => {
  await server?.stop();
  await sink?.stop();
  if (sinkDir) rmSync(sinkDir, { recursive: true, force: true });
});

function linkOf(name) {
  const link = server.demoLinks.find((l) => l.name.includes(name));
  assert.ok(link, `no demo link of ${name}: ${server.demoOutput}`);
  return link.token;
}

// Waits for a mail to `address` whose subject matches `subject`.
async function mailTo(address, subject) {
  return waitFor(() => {
    if (sink.saved().length === 0) return null;
    return checkMail(sink.dir).find((m) => m.to?.[0]?.address === address && subject.test(m.subject || ''));
  }, { timeout: 20_000, what: `mail to ${address} matching ${subject}` });
}

// The person asks for deletion; returns the request's id as the inbox links it.
async function requestDeletion(client, name, email) {
  const res = await server.act(linkOf(name), 'deletion-request', { note: 'Bitte alles löschen.' });
  assert.ok(res.status === 303 || res.status === 200, `deletion request answered ${res.status}`);
  const inbox = await client.get('/admin/deletions');
  assert.equal(inbox.status, 200);
  const id = sqlValue(`SELECT d.id FROM deletion_requests d JOIN contacts c ON c.id = d.contact_id ` +
                        `WHERE lower(c.email) = '${email}' AND d.status = 'open'`);
  assert.match(id, /^\d+$/, `no open request of ${email}`);
  assert.ok(inbox.body.includes(`href="/admin/deletions/${id}"`), 'the request is in the inbox');
  return id;
}

describe('deletion inbox', () => {
  test('a new request is listed and the brokers are told by mail', async () => {
    const broker = await adminSession(server, { role: 'broker' });
    await requestDeletion(broker, 'Alex Weber', 'alex.weber@example.com');
    const notice = await mailTo(broker.user.email, /^Neuer Löschantrag Nr\. \d+/);
    assert.doesNotMatch(notice.text, /alex/i, 'the notice names the request, not the person');
  });

  test('erasure: outcome mail, no personal data left, evidence verifies', async () => {
    const broker = await adminSession(server, { role: 'broker' });
    const id = await requestDeletion(broker, 'Erika', 'erika.mustermann@example.com');
    const page = await broker.get(`/admin/deletions/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.body, /erika\.mustermann@example\.com/);
    const unconfirmed = await broker.post(`/admin/deletions/${id}`, { decision: 'erase' });
    assert.equal(unconfirmed.status, 422);
    assert.match(unconfirmed.body, /Bitte bestätigen Sie die Löschung/);
    const res = await broker.post(`/admin/deletions/${id}`, { decision: 'erase', confirm: '1' });
    assert.equal(res.status, 303, res.body.slice(0, 500));
    const mail = await mailTo('erika.mustermann@example.com', /^Ihre Daten wurden gelöscht$/);
    assert.match(mail.text, /Sehr geehrte Frau Mustermann/);
    const contact = sqlValue("SELECT id FROM contacts WHERE erased_at IS NOT NULL AND email = ''");
    assert.match(contact, /^\d+$/);
    const left = sqlValue(
      `SELECT (SELECT count(*) FROM contacts WHERE nachname = 'Mustermann' OR email LIKE '%erika%') || ',' || ` +
      `(SELECT count(*) FROM search_profiles WHERE contact_id = ${contact}) || ',' || ` +
      `(SELECT count(*) FROM link_tokens WHERE contact_id = ${contact} AND revoked_at IS NULL) || ',' || ` +
      `(SELECT count(*) FROM activity_payloads p JOIN activities a ON a.id = p.activity_id ` +
      `   WHERE a.contact_id = ${contact} AND a.type <> 'E-Mail versendet' AND p.payload LIKE '%rika%') || ',' || ` +
      `(SELECT count(*) FROM suppressions) || ',' || ` +
      `(SELECT count(*) FROM activities WHERE contact_id = ${contact} AND type = 'Löschung')`);
    assert.equal(left, '0,0,0,0,1,1');
    assert.match(server.cli('evidence', 'verify'), /./);
    const done = await broker.get(`/admin/deletions/${id}`);
    assert.match(done.body, /Gelöscht/);
  });

  test('extension: one or two months with a reason, never beyond two in total', async () => {
    const broker = await adminSession(server, { role: 'broker' });
    const id = await requestDeletion(broker, 'Ayşe', 'ayse.oezdemir@example.com');
    const noReason = await broker.post(`/admin/deletions/${id}`, { decision: 'extend', months: '1' });
    assert.equal(noReason.status, 422);
    assert.match(noReason.body, /Bitte geben Sie einen Grund an/);
    const ok = await broker.post(`/admin/deletions/${id}`, { decision: 'extend', months: '2', reason: 'Viele Anträge' });
    assert.equal(ok.status, 303);
    await mailTo('ayse.oezdemir@example.com', /^Ihr Antrag auf Löschung/);
    const beyond = await broker.post(`/admin/deletions/${id}`, { decision: 'extend', months: '1', reason: 'Noch mehr' });
    assert.equal(beyond.status, 422);
    assert.match(beyond.body, /höchstens zwei Monate/);
    assert.equal(sqlValue(`SELECT extended_months FROM deletion_requests WHERE id = ${id}`), '2');
  });

  test('retention hold from a Löschfrist, and rejection, each mailed', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    const rule = await admin.post('/admin/settings', {
      action: 'add_rule', rule_name: 'Geldwäschegesetz', rule_reference: '§ 8 Abs. 4 GwG', rule_months: '60' });
    assert.equal(rule.status, 303);
    const id = await requestDeletion(admin, 'Jürgen', 'juergen.mueller@example.com');
    const page = await admin.get(`/admin/deletions/${id}`);
    const ruleId = page.body.match(/<option value="(\d+)">Geldwäschegesetz/)?.[1];
    assert.ok(ruleId, 'the rule is offered');
    const res = await admin.post(`/admin/deletions/${id}`, { decision: 'retain', rule_id: ruleId, reason: 'KYC-Unterlagen' });
    assert.equal(res.status, 303);
    const mail = await mailTo('juergen.mueller@example.com', /^Ihr Antrag auf Löschung/);
    assert.match(mail.text, /KYC-Unterlagen/);
    const decided = await admin.get('/admin/deletions?view=decided&status=retained');
    assert.ok(decided.body.includes(`href="/admin/deletions/${id}"`));
    const again = await admin.post(`/admin/deletions/${id}`, { decision: 'reject', reason: 'x' });
    assert.equal(again.status, 422, 'a decided request cannot be decided again');
    // Serial mails skip a held contact and say why, in German and English.
    const contact = sqlValue(`SELECT contact_id FROM deletion_requests WHERE id = ${id}`);
    const screen = await admin.get(`/admin/mailings/new?c${contact}=1`);
    assert.match(screen.body, new RegExp(`<tr data-contact="${contact}">.*Löschung wegen Aufbewahrungspflicht zurückgestellt</td>`, 's'));
    const english = await admin.get(`/admin/mailings/new?c${contact}=1&lang=en`);
    assert.match(english.body, new RegExp(`<tr data-contact="${contact}">.*erasure held back for a retention period</td>`, 's'));
    await admin.get('/admin/contacts?lang=de');
  });

  test("another tenant's request id is the same 404 as a missing one; forged CSRF changes nothing", async () => {
    const broker = await adminSession(server, { role: 'broker' });
    const id = await requestDeletion(broker, 'Alex Weber', 'alex.weber@example.com').catch(() =>
      sqlValue("SELECT d.id FROM deletion_requests d JOIN contacts c ON c.id = d.contact_id " +
                 "WHERE c.email = 'alex.weber@example.com'"));
    const other = await adminSession(server, { tenant: 'andere', role: 'admin' });
    const foreign = await other.get(`/admin/deletions/${id}`);
    const missing = await other.get('/admin/deletions/987654321');
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body, missing.body);
    const post = await other.post(`/admin/deletions/${id}`, { decision: 'reject', reason: 'fremd' });
    assert.equal(post.status, 404);
    const forged = await broker.post(`/admin/deletions/${id}`, { decision: 'reject', reason: 'x' }, { csrf: 'forged' });
    assert.notEqual(forged.status, 303);
    assert.equal(sqlValue(`SELECT status FROM deletion_requests WHERE id = ${id}`), 'open');
  });
});
