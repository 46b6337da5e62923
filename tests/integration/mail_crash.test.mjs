// kill -9 during delivery loses no message: 2,000 recipients, `consentd serve` delivering
// to a real SMTP sink with 4 delivery threads, killed with SIGKILL when about a third has
// arrived, restarted on the same database. Afterwards every recipient has at least one
// mail, a recipient gets a second copy only if its message was in flight at the kill (the
// copies share the message's Message-ID), each message is recorded "sent" once with one
// "E-Mail versendet", and the evidence chain verifies.
// Second: without any crash, a batch that takes longer than its lease is not sent twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MailServer, SmtpSink, waitFor } from './mail_helpers.mjs';

const N = 2000;
const THREADS = 4;
const BATCH = 16;  // messages one delivery thread leases at a time (app/delivery.h)
const TENANT = { slug: 'crash', company: 'Absturz & Wiederanlauf Immobilien GmbH', email: 'info@crash.example' };

let sinkDir, sink, server;

before(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'consentd-mail-crash-'));
  sink = await SmtpSink.start(join(sinkDir, 'sink'));
  server = new MailServer({ smtpUrl: sink.url, mail: { delivery_threads: THREADS, lease_seconds: 3, retry_base_seconds: 1 } });
  try {
    await server.setup({ demo: false, tenants: [TENANT] });
  } catch (e) {
    await server.stop();
    server = null;
    throw e;
  }
});

after(async () => {
  await server?.stop();
  await sink?.stop();
  if (sinkDir) rmSync(sinkDir, { recursive: true, force: true });
});

function address(i) {
  return `kundin${String(i).padStart(4, '0')}@example.org`;
}

function activitiesVerified(output) {
  const m = output.match(new RegExp(`^tenant ${TENANT.slug}: (\\d+) activities verified$`, 'm'));
  assert.ok(m, `evidence verify: ${output}`);
  return Number(m[1]);
}

// recipient -> [Message-ID of each copy that arrived]
function arrivals() {
  const by = new Map();
  for (const name of sink.saved()) {
    const envelope = JSON.parse(readFileSync(join(sink.dir, `${name}.json`), 'utf8'));
    const head = readFileSync(join(sink.dir, `${name}.eml`), 'latin1').split('\r\n\r\n', 1)[0];
    const id = head.match(/^Message-Id:\s*(<[^>\r\n]+>)/mi)?.[1];
    assert.ok(id, `${name}.eml has no Message-ID`);
    assert.equal(envelope.rcpt_tos.length, 1, `${name}: ${envelope.rcpt_tos}`);
    const rcpt = envelope.rcpt_tos[0].toLowerCase();
    if (!by.has(rcpt)) by.set(rcpt, []);
    by.get(rcpt).push(id);
  }
  return by;
}

test(`kill -9 while delivering ${N} messages loses none and duplicates only what was in flight`, { timeout: 120_000 }, async () => {
  const started = Date.now();
  let csv = 'Anrede;Vorname;Nachname;E-Mail;Rechtsgrundlage\n';
  for (let i = 0; i < N; ++i) csv += `Frau;Kundin;Nummer ${i};${address(i)};Bestandskunde\n`;
  assert.match(server.importCsv(TENANT.slug, csv), new RegExp(`^${N} inserted, 0 updated, 0 unchanged, 0 rejected`));
  const activitiesBefore = activitiesVerified(await server.cliOk('evidence', 'verify'));

  // serve is running already: it starts delivering as soon as messages are queued.
  const summary = await server.sendMailing(TENANT.slug, 'Ihre Daten – bitte prüfen', '--all');
  // Delivery may have begun before the summary was printed.
  assert.equal(summary.recipients, N, summary.text);
  assert.equal(summary.skipped + summary.failed + summary.deferred, 0, summary.text);

  await waitFor(() => sink.count('message') >= N / 3, { timeout: 60_000, interval: 10, what: 'a third of the mails' });
  const firstPid = server.proc.pid;
  await server.kill9();
  const arrivedAtKill = sink.count('message');
  assert.ok(arrivedAtKill < N, `all ${N} mails arrived before the kill; the test needs a slower run`);

  const atKill = await server.mailingStatus(TENANT.slug, summary.id);
  const inFlight = atKill.sending;
  assert.ok(inFlight <= THREADS * BATCH, `${inFlight} messages leased at the kill, more than ${THREADS} threads × ${BATCH}`);
  assert.equal(atKill.failed, 0, atKill.text);

  await server.start();
  assert.notEqual(server.proc.pid, firstPid);
  const done = await server.waitForMailing(TENANT.slug, summary.id, (s) => s.done, { timeout: 45_000, what: 'the mailing to be done after the restart' });
  assert.equal(done.sent, N, done.text.split('\n')[0]);
  assert.equal(done.failed, 0);

  // The sink has every mail the server reports sent; give late DATA replies a moment.
  await waitFor(() => sink.count('message') >= N, { timeout: 10_000, what: `${N} mails at the sink` });
  const by = arrivals();
  const lost = [];
  for (let i = 0; i < N; ++i) if (!by.has(address(i))) lost.push(address(i));
  assert.deepEqual(lost, [], `${lost.length} recipients received nothing`);
  assert.equal(by.size, N, 'no mail to anybody else');

  const total = [...by.values()].reduce((n, ids) => n + ids.length, 0);
  const duplicates = total - N;
  for (const [rcpt, ids] of by) {
    assert.equal(new Set(ids).size, 1, `${rcpt} got different messages: ${ids}`);
  }
  assert.ok(duplicates <= inFlight, `${duplicates} duplicate mails, but only ${inFlight} messages were in flight at the kill`);
  assert.ok(duplicates <= THREADS * BATCH);
  const messageIds = new Set([...by.values()].map((ids) => ids[0]));
  assert.equal(messageIds.size, N, 'one Message-ID per recipient');

  // Each message's recorded reply names the sink file it was saved as ("queued as NNNNN"):
  // that file went to this contact, and a contact with two copies was in flight at the kill.
  const leasedAtKill = new Set(atKill.messages.filter((m) => m.state === 'sending').map((m) => m.contact));
  const contactOf = new Map();
  const clashes = [];
  for (const m of done.messages) {
    const name = m.detail.match(/^250 .*queued as (\d+)$/)?.[1];
    assert.ok(name, `contact ${m.contact}: ${m.detail}`);
    const envelope = JSON.parse(readFileSync(join(sink.dir, `${name}.json`), 'utf8'));
    const rcpt = envelope.rcpt_tos[0].toLowerCase();
    if (contactOf.has(rcpt)) clashes.push({ rcpt, contacts: [contactOf.get(rcpt).contact, m.contact], files: [contactOf.get(rcpt).name, name], copies: by.get(rcpt) });
    contactOf.set(rcpt, { contact: m.contact, name });
  }
  assert.deepEqual(clashes, [], 'two messages whose recorded replies name mails to the same recipient');
  for (const [rcpt, v] of contactOf) contactOf.set(rcpt, v.contact);
  for (const [rcpt, ids] of by) {
    if (ids.length > 1) {
      assert.ok(leasedAtKill.has(contactOf.get(rcpt)),
                `${rcpt} (contact ${contactOf.get(rcpt)}) got ${ids.length} copies but was not in flight at the kill ` +
                '(a lease that expired while its thread was still sending? see the lease test below)');
    }
  }

  const verify = await server.cliOk('evidence', 'verify');
  assert.doesNotMatch(verify, /BROKEN/, verify);
  assert.equal(activitiesVerified(verify) - activitiesBefore, N, 'exactly one "E-Mail versendet" per message');

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`# ${arrivedAtKill} mails had arrived at the kill, ${inFlight} messages were leased; ` +
              `${duplicates} duplicates after the restart; ${seconds} s`);
});

describe('a delivery batch that outlasts its lease', () => {
  const M = 10;
  let dir, leaseSink, leaseServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'consentd-mail-lease-'));
    // Each DATA answer takes 400 ms: one thread's lease of 8 messages needs ~3.2 s, three
    // times lease_seconds = 1. Nothing crashes; the lease only runs out under a slow relay.
    leaseSink = await SmtpSink.start(join(dir, 'sink'), { dataDelayMs: 400 });
    leaseServer = new MailServer({ smtpUrl: leaseSink.url, mail: { delivery_threads: 2, lease_seconds: 1, retry_base_seconds: 1 } });
    try {
      await leaseServer.setup({ demo: false, tenants: [{ ...TENANT, slug: 'lease' }] });
    } catch (e) {
      await leaseServer.stop();
      leaseServer = null;
      throw e;
    }
  });

  after(async () => {
    await leaseServer?.stop();
    await leaseSink?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('is not sent twice: one mail and one "E-Mail versendet" per message', async () => {
    let csv = 'Vorname;Nachname;E-Mail;Rechtsgrundlage\n';
    for (let i = 0; i < M; ++i) csv += `Kundin;Nummer ${i};${address(i)};Bestandskunde\n`;
    leaseServer.importCsv('lease', csv);
    const s = await leaseServer.sendMailing('lease', 'Langsamer Server', '--all');
    assert.equal(s.recipients, M, s.text);
    const done = await leaseServer.waitForMailing('lease', s.id, (x) => x.done, { timeout: 60_000 });
    assert.equal(done.sent, M, done.text);
    // A second copy may still be on its way when the status says done.
    await waitFor(() => leaseSink.count('message') >= M, { timeout: 10_000, what: `${M} mails` });
    const verify = await leaseServer.cliOk('evidence', 'verify');
    const activities = Number(verify.match(/^tenant lease: (\d+) activities verified$/m)?.[1]);
    const perRecipient = {};
    for (const e of leaseSink.events.filter((x) => x.event === 'message')) {
      perRecipient[e.rcpt_tos[0]] = (perRecipient[e.rcpt_tos[0]] || 0) + 1;
    }
    const twice = Object.entries(perRecipient).filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], `${leaseSink.count('message')} mails for ${M} messages; ` +
                     `${activities} activities (expected ${M} "E-Mail versendet")`);
    assert.equal(activities, M);
  });
});
