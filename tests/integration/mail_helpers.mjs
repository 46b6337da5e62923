// Helpers for the mail integration tests: a consentd whose delivery worker talks to a real
// SMTP server started by the test (tools/smtp_sink.py on Debian's python3-aiosmtpd), and a
// strict parse of what arrived (tools/check_mail.py, Python's email package).
// Node's built-in modules only.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync,
         writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { BIN as BUILT_BIN, cleanEnv, setUpServer, stopProcess, TestServer } from './helpers.mjs';

const TOOLS = join(dirname(fileURLToPath(import.meta.url)), 'tools');
// Debian's python has python3-aiosmtpd; a pyenv python on PATH would not.
export const PYTHON = '/usr/bin/python3';

// A private copy of the binary for this test process: a rebuild of the build tree while
// the test runs (the linker rewriting the file) must not make a later spawn fail.
const binDir = mkdtempSync(join(tmpdir(), 'consentd-bin-'));
export const BIN = join(binDir, 'consentd');
copyFileSync(BUILT_BIN, BIN);
chmodSync(BIN, 0o755);
process.on('exit', () => rmSync(binDir, { recursive: true, force: true }));

// Polls `probe` (sync or async) every `interval` ms until it returns a truthy value, which
// is returned; throws after `timeout` ms with `what` and the last value seen.
export async function waitFor(probe, { timeout = 20_000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await delay(interval);
  }
}

// A loopback port nobody listens on right now.
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A TOML file with a [mail] table.
export function mailConfigToml(mail) {
  return `[mail]\n${Object.entries(mail).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n')}\n`;
}

// `mailing send` / `mailing status` output, parsed:
//   { id, state, recipients, queued, sending, sent, deferred, failed, skipped, done,
//     messages: [{ contact, state, detail }], text }
export function parseMailingSummary(output) {
  const m = output.match(
    /^mailing (\d+) \((\w+)\): (\d+) recipients — (\d+) queued, (\d+) sending, (\d+) sent, (\d+) deferred, (\d+) failed, (\d+) skipped( — done)?$/m);
  if (!m) throw new Error(`no mailing summary line in: ${output}`);
  const n = (i) => Number(m[i]);
  const messages = [];
  for (const line of output.split('\n')) {
    const r = line.match(/^ {2}contact (\d+): (\w+)(?: — (.*))?$/);
    if (r) messages.push({ contact: Number(r[1]), state: r[2], detail: r[3] ?? '' });
  }
  return {
    id: n(1), state: m[2], recipients: n(3), queued: n(4), sending: n(5), sent: n(6), deferred: n(7),
    failed: n(8), skipped: n(9), done: Boolean(m[10]), messages, text: output,
  };
}

// A consentd (TestServer: temp dir, database of the selected store, CLI and HTTP helpers)
// running this process's private copy of the binary, configured for mail: `smtpUrl` goes
// into CONSENTD_SMTP_URL, `mail` into a TOML --config file, and once serve runs,
// CONSENTD_BASE_URL points at it so the links in mails open this very server.
export class MailServer extends TestServer {
  constructor({ smtpUrl = null, mail = {} } = {}) {
    super({ bin: BIN, cliTimeout: 60_000 });
    this.smtpUrl = smtpUrl;
    this.configFile = join(this.dir, 'consentd.toml');
    writeFileSync(this.configFile, mailConfigToml(mail));
    this.outboxDir = join(this.dir, 'outbox');
  }

  env() {
    const env = cleanEnv();
    if (this.smtpUrl) env.CONSENTD_SMTP_URL = this.smtpUrl;
    env.CONSENTD_OUTBOX_DIR = this.outboxDir;  // only used without SMTP
    if (this.baseUrl) env.CONSENTD_BASE_URL = this.baseUrl;
    return env;
  }

  args(args, db = this.db) {
    return ['--config', this.configFile, ...super.args(args, db)];
  }

  // `mailing send` for `tenant` with extra args; returns the parsed summary.
  async sendMailing(tenant, subject, ...args) {
    const out = await this.cliOk('mailing', 'send', '--tenant', tenant, '--subject', subject, ...args);
    return parseMailingSummary(out);
  }

  async mailingStatus(tenant, id) {
    return parseMailingSummary(await this.cliOk('mailing', 'status', String(id), '--tenant', tenant, '--recipients'));
  }

  // Polls `mailing status` until `predicate(summary)`; returns that summary.
  async waitForMailing(tenant, id, predicate, { timeout = 30_000, what } = {}) {
    let last = null;
    try {
      return await waitFor(async () => {
        last = await this.mailingStatus(tenant, id);
        return predicate(last) ? last : null;
      }, { timeout, interval: 100, what: what || `mailing ${id}` });
    } catch (e) {
      throw new Error(`${e.message}\nlast status:\n${last?.text}\nserver log:\n${this.log}`);
    }
  }
}

export async function startMailServer(options = {}, setup = {}) {
  return setUpServer(new MailServer(options), setup);
}

// tools/smtp_sink.py as a child process: { port, dir, events } and helpers.
export class SmtpSink {
  constructor(dir) {
    this.dir = dir;
    this.events = [];
    this.proc = null;
    this.port = null;
    this.stderr = '';
  }

  static async start(dir, { port = 0, mode = 'accept', dataDelayMs = 0 } = {}) {
    const sink = new SmtpSink(dir);
    mkdirSync(dir, { recursive: true });
    const proc = spawn(PYTHON, [join(TOOLS, 'smtp_sink.py'), '--dir', dir, '--port', String(port), '--mode', mode,
                                '--data-delay-ms', String(dataDelayMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
    sink.proc = proc;
    sink.exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    let buffer = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) sink.events.push(JSON.parse(line));
      }
    });
    proc.stderr.on('data', (d) => { sink.stderr += d; });
    let exited = null;
    sink.exitPromise.then((e) => { exited = e; });
    try {
      const ready = await waitFor(() => {
        if (exited) throw new Error(`smtp_sink.py exited (${JSON.stringify(exited)}): ${sink.stderr}`);
        return sink.events.find((e) => e.event === 'ready');
      }, { timeout: 15_000, what: 'smtp_sink.py to listen' });
      sink.port = ready.port;
    } catch (e) {
      await sink.stop();
      throw e;
    }
    return sink;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async setMode(mode) {
    const seen = this.events.length;
    this.proc.stdin.write(`mode ${mode}\n`);
    const answer = await waitFor(() => this.events.slice(seen).find((e) => e.event === 'mode' || e.event === 'error'),
                                 { timeout: 5_000, what: `sink mode ${mode}` });
    if (answer.event === 'error') throw new Error(answer.message);
  }

  // Names (NNNNN) of the messages saved so far, in arrival order.
  saved() {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => /^\d+\.eml$/.test(n)).sort().map((n) => n.slice(0, -4));
  }

  count(event, filter = () => true) {
    return this.events.filter((e) => e.event === event && filter(e)).length;
  }

  async stop() {
    await stopProcess(this.proc, this.exitPromise, { graceMs: 5_000 });
    this.proc = null;
  }
}

// Every saved mail under `dir` (or the given .eml files), parsed by tools/check_mail.py.
export function checkMail(...paths) {
  const out = execFileSync(PYTHON, [join(TOOLS, 'check_mail.py'), ...paths],
                           { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  return JSON.parse(out);
}

// The consent-link token in a text, and the token of a List-Unsubscribe value.
export function consentTokens(text) {
  return [...text.matchAll(/https?:\/\/[^\s"<>]*\/c\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g)].map((m) => m[1]);
}
