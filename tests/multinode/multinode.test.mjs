// Several consentd nodes on one PostgreSQL database (DESIGN.md §7). Three `consentd serve`
// processes share the outbox and deliver one serial e-mail of 5,000 messages to real SMTP
// servers — one sink per node, so every arrival names the node that sent it:
//   - all nodes up: every recipient gets exactly one mail, and every node sent some;
//   - one node killed with SIGKILL midway: still every recipient gets the mail; a recipient
//     gets two only if the killed node had leased that message (at most its in-flight
//     capacity, delivery_threads × batch), and one of the two copies came from that node.
// And whichever node serves a request: a form rendered by one node is accepted by another
// (CSRF), a link issued through one opens on the others, and the "new link" limit of one
// mail per ten minutes holds across nodes.
//
// PostgreSQL only: CONSENTD_TEST_STORE=postgres (ctest test pg.multinode).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { STORE, csrfOf, parseToken, stopProcess, waitForPortFile } from '../integration/helpers.mjs';
import { MailServer, SmtpSink, waitFor } from '../integration/mail_helpers.mjs';

const RECIPIENTS = 5000;
const NODES = 3;
// A short lease so that the killed node's messages return within seconds.
const LEASE_SECONDS = 6;
const DELIVERY_THREADS = 4;
const CLAIM_BATCH = 16;  // DeliveryOptions::batch: messages one delivery thread leases at once
const IN_FLIGHT_PER_NODE = DELIVERY_THREADS * CLAIM_BATCH;

assert.equal(STORE, 'postgres', 'the multi-node test needs CONSENTD_TEST_STORE=postgres');

// One more `consentd serve` on the server's database, mailing through `smtpUrl`.
class Node {
  constructor(server, name, smtpUrl) {
    this.server = server;
    this.name = name;
    this.smtpUrl = smtpUrl;
    this.log = '';
  }

  async start() {
    const portFile = join(this.server.dir, `port-${this.name}`);
    rmSync(portFile, { force: true });
    const env = { ...this.server.env(), CONSENTD_SMTP_URL: this.smtpUrl };
    delete env.CONSENTD_BASE_URL;
    this.proc = spawn(this.server.bin,
                      this.server.args(['serve', '--listen', '127.0.0.1:0', '--port-file', portFile]),
                      { cwd: this.server.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    let exited = null;
    this.exitPromise = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }));
    const port = await waitForPortFile(portFile, () => exited, () => this.log);
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async stop(signal = 'SIGTERM') {
    await stopProcess(this.proc, this.exitPromise, { signal });
  }

  async get(path) {
    const res = await fetch(this.baseUrl + path, { redirect: 'manual' });
    return { status: res.status, body: await res.text() };
  }

  async post(path, fields) {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  }
}

// `count` contacts n0@…, n1@…, … as German CSV.
function contactsCsv(count, domain) {
  const rows = ['Anrede;Vorname;Nachname;E-Mail;PLZ;Ort'];
  for (let i = 0; i < count; ++i) rows.push(`Frau;Erika;Nummer${i};n${i}@${domain};10115;Berlin`);
  return `${rows.join('\n')}\n`;
}

// A consentd database with one tenant of RECIPIENTS contacts, NODES sinks, and the nodes
// (not yet started). `run` names the scenario (its tenant and addresses).
async function scenario(run) {
  const server = new MailServer({ mail: { lease_seconds: LEASE_SECONDS, delivery_threads: DELIVERY_THREADS } });
  server.migrate();
  server.cli('tenant', 'add', '--slug', run, '--company', `${run} Immobilien GmbH`,
             '--email', `datenschutz@${run}.example`, '--sender-email', `makler@${run}.example`);
  const report = server.importCsv(run, contactsCsv(RECIPIENTS, `${run}.example`));
  assert.match(report, new RegExp(`^${RECIPIENTS} inserted`));
  const sinks = [];
  const nodes = [];
  for (let i = 0; i < NODES; ++i) {
    sinks.push(await SmtpSink.start(join(server.dir, `sink-${i}`)));
    nodes.push(new Node(server, String(i), sinks[i].url));
  }
  return { server, sinks, nodes };
}

async function teardown({ server, sinks, nodes }) {
  for (const n of nodes) await n.stop();
  for (const s of sinks) await s.stop();
  await server.stop();
}

// Recipient address -> the sinks (node indexes) that received a mail for it.
function arrivals(sinks) {
  const byRecipient = new Map();
  sinks.forEach((sink, node) => {
    for (const e of sink.events) {
      if (e.event !== 'message') continue;
      for (const rcpt of e.rcpt_tos) {
        if (!byRecipient.has(rcpt)) byRecipient.set(rcpt, []);
        byRecipient.get(rcpt).push(node);
      }
    }
  });
  return byRecipient;
}

// The sink's message count once it has not changed for a second.
async function settledCount(sink) {
  let last = -1;
  for (;;) {
    const now = sink.count('message');
    if (now === last) return now;
    last = now;
    await delay(1000);
  }
}

function received(sinks) {
  return sinks.reduce((n, s) => n + s.count('message'), 0);
}

async function sendMailing(server, run) {
  const summary = await server.sendMailing(run, 'Ihre Daten bei uns', '--all',
                                           '--confirm-lawful', 'Bestandskunden, Test mehrerer Knoten');
  assert.equal(summary.queued + summary.sent, RECIPIENTS, summary.text);
  return summary.id;
}

async function waitUntilAllArrived(sinks, nodes) {
  await waitFor(() => arrivals(sinks).size >= RECIPIENTS, {
    timeout: 240_000, interval: 250,
    what: `${RECIPIENTS} recipients to get their mail`,
  }).catch((e) => {
    throw new Error(`${e.message}; ${arrivals(sinks).size} so far\n${nodes.map((n) => n.log).join('\n')}`);
  });
}

describe('three nodes on one database', { timeout: 600_000 }, () => {
  let s;
  before(async () => { s = await scenario('drei'); });
  after(async () => { if (s) await teardown(s); });

  test('deliver 5,000 messages, every recipient exactly once, every node taking part', async () => {
    const id = await sendMailing(s.server, 'drei');
    await Promise.all(s.nodes.map((n) => n.start()));
    await waitUntilAllArrived(s.sinks, s.nodes);
    const status = await s.server.waitForMailing('drei', id, (m) => m.done, { timeout: 60_000 });
    assert.equal(status.sent, RECIPIENTS);
    await delay(1000);  // nothing more may arrive
    const byRecipient = arrivals(s.sinks);
    assert.equal(byRecipient.size, RECIPIENTS);
    const twice = [...byRecipient].filter(([, nodes]) => nodes.length > 1);
    assert.deepEqual(twice, [], 'no recipient got two mails');
    assert.equal(received(s.sinks), RECIPIENTS);
    for (let i = 0; i < NODES; ++i) assert.ok(s.sinks[i].count('message') > 0, `node ${i} sent mail`);
  });

  test('any node accepts a form another node rendered, and opens links issued anywhere', async () => {
    const token = parseToken(s.server.cli('contacts', 'link', '1', '--tenant', 'drei'));
    const page = await s.nodes[0].get(`/c/${token}`);
    assert.equal(page.status, 200);
    const r = await s.nodes[1].post(`/c/${token}/consent`, { csrf: csrfOf(page.body), lang: 'de' });
    assert.equal(r.status, 303, r.body);
    const seen = await s.nodes[2].get(`/c/${token}`);
    assert.match(seen.body, /data-state="granted"/);
  });

  test('the "new link" limit holds across nodes: one mail, whichever node is asked', async () => {
    const address = 'n7@drei.example';
    const before = arrivals(s.sinks).get(address)?.length ?? 0;
    for (const node of s.nodes) {
      const neutral = await node.get(`/c/${'Z'.repeat(43)}`);
      assert.equal(neutral.status, 404);
      const r = await node.post('/link-request', { csrf: csrfOf(neutral.body), lang: 'de', email: address });
      assert.equal(r.status, 200);
    }
    await waitFor(() => (arrivals(s.sinks).get(address)?.length ?? 0) > before,
                  { timeout: 30_000, what: 'the new-link mail' });
    await delay(2000);
    assert.equal(arrivals(s.sinks).get(address).length, before + 1, 'exactly one new-link mail');
  });
});

describe('a node killed with SIGKILL midway', { timeout: 600_000 }, () => {
  let s;
  before(async () => { s = await scenario('kill'); });
  after(async () => { if (s) await teardown(s); });

  test('loses no message; duplicates only of what the killed node had in flight', async () => {
    const id = await sendMailing(s.server, 'kill');
    await Promise.all(s.nodes.map((n) => n.start()));
    const victim = 1;
    await waitFor(() => received(s.sinks) >= RECIPIENTS / 3 && s.sinks[victim].count('message') > 0,
                  { timeout: 120_000, interval: 20, what: 'a third of the mailing to go out' });
    await s.nodes[victim].stop('SIGKILL');
    // Mails the node had fully handed over before it died may still be in the sink's pipe.
    const sentByVictim = await settledCount(s.sinks[victim]);
    assert.ok(received(s.sinks) < RECIPIENTS, 'killed midway, not after the end');

    await waitUntilAllArrived(s.sinks, s.nodes);
    const status = await s.server.waitForMailing('kill', id, (m) => m.done,
                                                 { timeout: 120_000, what: 'the mailing to finish' });
    assert.equal(status.sent, RECIPIENTS, 'every message recorded as sent');
    await delay(1000);
    const byRecipient = arrivals(s.sinks);
    assert.equal(byRecipient.size, RECIPIENTS, 'none lost');
    assert.equal(s.sinks[victim].count('message'), sentByVictim, 'the killed node sent nothing more');
    const twice = [...byRecipient].filter(([, nodes]) => nodes.length > 1);
    for (const [rcpt, nodes] of twice) {
      assert.equal(nodes.length, 2, `${rcpt} got ${nodes.length} mails`);
      assert.ok(nodes.includes(victim), `${rcpt}: a duplicate not sent by the killed node (${nodes})`);
    }
    assert.ok(twice.length <= IN_FLIGHT_PER_NODE,
              `${twice.length} duplicates, more than the killed node could have in flight`);
    console.log(`killed node had sent ${sentByVictim}; duplicates: ${twice.length}`);
  });
});
