// Shared helpers for the black-box integration tests: a throwaway consentd (its own temp
// directory and database, a free loopback port) and small HTTP/HTML utilities.
// Node's built-in test runner and fetch only; no npm packages.
//
// The store: SQLite (a file in the server's temp directory) unless
// CONSENTD_TEST_STORE=postgres, which gives every server a fresh database on the throwaway
// PostgreSQL cluster of tests/pg/cluster, whose owner URL is in the file named by
// CONSENTD_TEST_PG_FILE.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createHash, randomBytes } from 'node:crypto';

export const BIN = process.env.CONSENTD_BIN || '/work/main/build/consentd';

// 'sqlite' or 'postgres': the store every TestServer of this test process uses.
export const STORE = process.env.CONSENTD_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

const TOKEN_RE = /\/c\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;

// Environment for the binary and psql: no CONSENTD_* settings and no libpq PG* settings
// (PGPORT, PGUSER, ...) leaking in from the caller.
export function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CONSENTD_') && !/^PG[A-Z]/.test(k)) env[k] = v;
  }
  return env;
}

export const TIMEOUT = Symbol('timeout');

// `promise`'s value, or TIMEOUT after `ms`; the timer is cleared either way, so it does not
// keep Node's event loop alive.
export async function raceTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(TIMEOUT), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Sends `signal` to a child process, SIGKILL if it has not exited after `graceMs`, and waits
// for its exit. Nothing to do for a process that has already exited.
export async function stopProcess(proc, exitPromise, { signal = 'SIGTERM', graceMs = 10_000 } = {}) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  if ((await raceTimeout(exitPromise, graceMs)) === TIMEOUT) {
    proc.kill('SIGKILL');
    await exitPromise;
  }
}

// The port `consentd serve --port-file` writes into `portFile`, within 15 s; throws with
// `log()` if `exited()` says the process died first.
export async function waitForPortFile(portFile, exited, log) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`consentd serve exited early (${JSON.stringify(exited())}): ${log()}`);
    if (existsSync(portFile)) {
      const text = readFileSync(portFile, 'utf8');
      if (/^\d+\n$/.test(text)) return Number(text.trim());
    }
    await delay(20);
  }
  throw new Error(`consentd serve wrote no port file within 15 s: ${log()}`);
}

// --- stores -------------------------------------------------------------------------------

// SQLite: consentd.db in the server's temp directory, removed with it.
class SqliteStore {
  constructor(dir) {
    this.file = join(dir, 'consentd.db');
    this.url = `sqlite:${this.file}`;
    this.ownerUrl = this.url;
  }

  migrateArgs() {
    return ['migrate'];
  }

  // Runs SQL on the database file with the sqlite3 CLI; returns its output.
  sql(statements) {
    const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', this.file, statements], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3 failed (status ${r.status}): ${r.stderr || r.error}`);
    return r.stdout;
  }

  drop() {}
}

const PSQL = '/usr/bin/psql';
const PG_OWNER = 'consentd_owner';
const PG_APP = 'consentd_app';

function pgUrl(user, database, socketDir) {
  return `postgresql://${user}@/${database}?host=${socketDir}`;
}

// The cluster of tests/pg/cluster: { ownerUrl (of its maintenance database), superuser,
// socketDir }, read from CONSENTD_TEST_PG_FILE and the superuser_url file beside it.
function pgCluster() {
  const file = process.env.CONSENTD_TEST_PG_FILE;
  if (!file) throw new Error('CONSENTD_TEST_STORE=postgres needs CONSENTD_TEST_PG_FILE (written by tests/pg/cluster start)');
  const read = (path) => {
    if (!existsSync(path)) throw new Error(`${path} is missing: is the cluster running (tests/pg/cluster start)?`);
    return readFileSync(path, 'utf8').trim();
  };
  const ownerUrl = read(file);
  const owner = ownerUrl.match(/^postgresql:\/\/([^@/]+)@\/[^?]*\?host=([^&]+)$/);
  if (!owner || owner[1] !== PG_OWNER) throw new Error(`${file}: not an owner URL of the test cluster: ${ownerUrl}`);
  const superuserUrl = read(join(dirname(file), 'superuser_url'));
  const superuser = superuserUrl.match(/^postgresql:\/\/([^@/]+)@/);
  if (!superuser) throw new Error(`superuser_url beside ${file}: not a URL: ${superuserUrl}`);
  return { ownerUrl, superuser: superuser[1], socketDir: owner[2] };
}

// Runs SQL through psql (stops at the first error); returns its output.
function psql(url, statements, { quiet = true } = {}) {
  try {
    return execFileSync(PSQL, ['-X', ...(quiet ? ['-q'] : []), '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statements], {
      env: cleanEnv(), encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`psql ${JSON.stringify(statements)} failed (status ${e.status}): ${e.stderr || e.message}`);
  }
}

// PostgreSQL: a fresh database consentd_it_<random> owned by consentd_owner. `migrate` runs
// as the owner and grants consentd_app its rights; every other command runs as consentd_app.
class PostgresStore {
  constructor() {
    this.cluster = pgCluster();
    this.name = `consentd_it_${randomBytes(6).toString('hex')}`;
    psql(this.cluster.ownerUrl, `CREATE DATABASE ${this.name} OWNER ${PG_OWNER}`);
    this.url = pgUrl(PG_APP, this.name, this.cluster.socketDir);
    this.ownerUrl = pgUrl(PG_OWNER, this.name, this.cluster.socketDir);
    this.dropped = false;
  }

  migrateArgs() {
    return ['migrate', '--app-role', PG_APP];
  }

  // Runs SQL on this database as the superuser, which row-level security does not restrict
  // (tests that tamper with stored data); returns psql's output, command tags included.
  sql(statements) {
    return psql(pgUrl(this.cluster.superuser, this.name, this.cluster.socketDir), statements, { quiet: false });
  }

  drop() {
    if (this.dropped) return;
    psql(this.cluster.ownerUrl, `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    this.dropped = true;
  }
}

function openStore(dir) {
  return STORE === 'postgres' ? new PostgresStore() : new SqliteStore(dir);
}

// Why server.sql() cannot run here (a test's skip reason), or false.
export function sqlShellMissing() {
  if (STORE === 'sqlite' && spawnSync('sqlite3', ['-version']).status !== 0) return 'no sqlite3 CLI';
  return false;
}

// --- output parsers -----------------------------------------------------------------------

// Parses `consentd demo` output: one { name, token } per "  <Name>   <url>/c/<token>" line.
export function parseDemoLinks(output) {
  const links = [];
  for (const line of output.split('\n')) {
    const m = line.match(/^\s+(\S.*?)\s+(https?:\/\/\S+)\s*$/);
    if (!m) continue;
    const t = m[2].match(TOKEN_RE);
    if (t) links.push({ name: m[1], url: m[2], token: t[1] });
  }
  return links;
}

// The token of the one consent URL in `output` (e.g. `consentd contacts link`).
export function parseToken(output) {
  const m = output.match(TOKEN_RE);
  if (!m) throw new Error(`no consent link in output: ${JSON.stringify(output)}`);
  return m[1];
}

// --- the server ---------------------------------------------------------------------------

// A throwaway server: its own temp directory (the CLI's working directory) and database.
// `setup` options:
//   demo (default true)        run `consentd demo` (output in demoOutput, links in demoLinks)
//   tenants: [{ slug, company, street, postalCode, city, email, privacyUrl, imprintUrl }]
//   imports: [{ tenant, csv }] CSV text imported with `contacts import`
// Subclasses adjust the command line through args() and the environment through env().
export class TestServer {
  constructor({ bin = BIN, cliTimeout = 30_000 } = {}) {
    this.bin = bin;
    this.cliTimeout = cliTimeout;
    this.dir = mkdtempSync(join(tmpdir(), 'consentd-it-'));
    try {
      this.store = openStore(this.dir);
    } catch (e) {
      rmSync(this.dir, { recursive: true, force: true });
      throw e;
    }
    this.db = this.store.url;  // what every command but `migrate` runs with
    this.proc = null;
    this.port = null;
    this.baseUrl = null;
    this.demoOutput = '';
    this.demoLinks = [];
    this.log = '';
  }

  // The binary's arguments for `args` on database `db`.
  args(args, db = this.db) {
    return ['--db', db, ...args];
  }

  // The binary's environment.
  env() {
    return cleanEnv();
  }

  // Runs the CLI on `db` and returns stdout; throws (with stderr) on a non-zero exit.
  cliOn(db, args) {
    try {
      return execFileSync(this.bin, this.args(args, db), {
        cwd: this.dir, env: this.env(), encoding: 'utf8', timeout: this.cliTimeout,
        stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
      });
    } catch (e) {
      throw new Error(`consentd ${args.join(' ')} failed (status ${e.status}): ${e.stderr || e.message}`);
    }
  }

  // Runs the CLI and returns stdout; throws (with stderr) on a non-zero exit.
  cli(...args) {
    return this.cliOn(this.db, args);
  }

  // Runs the CLI and returns { status, stdout, stderr } without throwing.
  cliResult(...args) {
    const r = spawnSync(this.bin, this.args(args), {
      cwd: this.dir, env: this.env(), encoding: 'utf8', timeout: this.cliTimeout, maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  // Runs the CLI without throwing: { status, signal, stdout, stderr }. Asynchronous, so the
  // test's own event loop (e.g. an SMTP sink's output) keeps running meanwhile.
  cliAsync(...args) {
    return new Promise((resolve) => {
      const proc = spawn(this.bin, this.args(args), { cwd: this.dir, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      proc.stdout.on('data', (d) => { stdout += d; });
      proc.stderr.on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => proc.kill('SIGKILL'), this.cliTimeout);
      proc.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ status, signal, stdout, stderr });
      });
    });
  }

  // cliAsync that returns stdout and throws on a non-zero exit.
  async cliOk(...args) {
    const r = await this.cliAsync(...args);
    if (r.status !== 0) throw new Error(`consentd ${args.join(' ')} failed (status ${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  // Applies the migrations; on PostgreSQL as the database owner, for the app role.
  migrate() {
    return this.cliOn(this.store.ownerUrl, this.store.migrateArgs());
  }

  // Runs SQL on the server's database, past the application (SQLite: sqlite3 on the file;
  // PostgreSQL: psql as superuser). See sqlShellMissing().
  sql(statements) {
    return this.store.sql(statements);
  }

  // The single value a query returns, from sqlite3's or psql's output ("" for no row).
  sqlValue(query) {
    const lines = this.sql(query).split('\n');
    const sep = lines.findIndex((l) => /^-+$/.test(l.trim()));
    if (sep < 0) return lines[0].trim();
    const line = (lines[sep + 1] || '').trim();
    return line.startsWith('(') ? '' : line;
  }

  addTenant(t) {
    const args = ['tenant', 'add', '--slug', t.slug, '--company', t.company];
    const flags = { street: '--street', postalCode: '--postal-code', city: '--city', email: '--email',
                    phone: '--phone', privacyUrl: '--privacy-url', imprintUrl: '--imprint-url' };
    for (const [key, flag] of Object.entries(flags)) if (t[key]) args.push(flag, t[key]);
    return this.cli(...args);
  }

  // Imports CSV text into `tenant`; returns the CLI summary ("N inserted, ...").
  importCsv(tenant, csv) {
    const file = join(this.dir, `import-${tenant}-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, csv, 'utf8');
    return this.cli('contacts', 'import', file, '--tenant', tenant);
  }

  // A fresh consent link token for contact `id` of `tenant`.
  link(id, tenant) {
    return parseToken(this.cli('contacts', 'link', String(id), '--tenant', tenant));
  }

  async setup({ demo = true, tenants = [], imports = [] } = {}) {
    this.migrate();
    if (demo) {
      this.demoOutput = this.cli('demo');
      this.demoLinks = parseDemoLinks(this.demoOutput);
    }
    for (const t of tenants) this.addTenant(t);
    this.importReports = imports.map(({ tenant, csv }) => this.importCsv(tenant, csv));
    await this.start();
    return this;
  }

  // Starts `consentd serve` (again, after kill9) on this database; waits for /healthz.
  async start() {
    const portFile = join(this.dir, 'port');
    rmSync(portFile, { force: true });
    this.port = null;
    const env = this.env();
    delete env.CONSENTD_BASE_URL;  // serve's own base URL is irrelevant; links come from the CLI
    const proc = spawn(this.bin, this.args(['serve', '--listen', '127.0.0.1:0', '--port-file', portFile]),
                       { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout.on('data', (d) => { this.log += d; });
    proc.stderr.on('data', (d) => { this.log += d; });
    let exited = null;
    this.exitPromise = new Promise((resolve) => {
      proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    });
    this.port = await waitForPortFile(portFile, () => exited, () => this.log);
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    const health = await fetch(`${this.baseUrl}/healthz`);
    const body = await health.text();
    if (health.status !== 200 || body.trim() !== 'ok') {
      throw new Error(`/healthz answered ${health.status} ${body}`);
    }
  }

  // SIGTERM to serve (SIGKILL after 10 s), then drops the database and removes the temp dir.
  async stop() {
    await stopProcess(this.proc, this.exitPromise);
    this.proc = null;
    try {
      this.store.drop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  // kill -9 of the serve process; the temp dir and database stay.
  async kill9() {
    if (!this.proc) return;
    this.proc.kill('SIGKILL');
    await this.exitPromise;
    this.proc = null;
  }

  url(path) {
    return `${this.baseUrl}${path}`;
  }

  // GET a path; returns { status, headers, body, bytes }.
  async get(path, { headers = {} } = {}) {
    const res = await fetch(this.url(path), { redirect: 'manual', headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, body: bytes.toString('utf8') };
  }

  // The consent page of `token`: { status, headers, body, csrf, state }.
  async page(token, { lang, headers = {} } = {}) {
    const res = await this.get(`/c/${token}${lang ? `?lang=${lang}` : ''}`, { headers });
    return { ...res, csrf: csrfOf(res.body), state: stateOf(res.body) };
  }

  // POST a form. `fields` is an object, an array of [name, value] pairs, or a raw
  // pre-encoded body string (to send bytes such as %FF%FE).
  async post(path, fields = {}, { headers = {} } = {}) {
    let body;
    if (typeof fields === 'string') body = fields;
    else body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields)).toString();
    const res = await fetch(this.url(path), {
      method: 'POST', redirect: 'manual', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, location: res.headers.get('location'),
             bytes, body: bytes.toString('utf8') };
  }

  // Loads the page for its CSRF token, then posts `fields` (plus csrf and lang) to
  // /c/{token}/{action}.
  async act(token, action, fields = {}, { lang = 'de', headers = {} } = {}) {
    const { csrf, status } = await this.page(token);
    if (status !== 200 || !csrf) throw new Error(`consent page of ${token} answered ${status}`);
    return this.post(`/c/${token}/${action}`, { csrf, lang, ...fields }, { headers });
  }

  // The Art. 15/20 export of `token`, parsed.
  async export(token) {
    const res = await this.get(`/c/${token}/export`);
    if (res.status !== 200) throw new Error(`export of ${token} answered ${res.status}`);
    return JSON.parse(res.body);
  }

  // Maps every contact to its id and tenant by asking `contacts link` for ids 1..maxId in
  // each tenant; returns [{ id, tenant, token, email }], e-mail read from the page.
  async discoverContacts(tenants, maxId) {
    const found = [];
    for (let id = 1; id <= maxId; ++id) {
      for (const tenant of tenants) {
        const r = this.cliResult('contacts', 'link', String(id), '--tenant', tenant);
        if (r.status !== 0) continue;
        const token = parseToken(r.stdout);
        const page = await this.page(token);
        found.push({ id, tenant, token, email: emailOf(page.body) });
      }
    }
    return found;
  }
}

// `server` once setup(`options`) is done; stopped again (database dropped) if it fails.
export async function setUpServer(server, options) {
  try {
    return await server.setup(options);
  } catch (e) {
    await server.stop().catch(() => {});
    throw e;
  }
}

export async function startServer(options) {
  return setUpServer(new TestServer(), options);
}

export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (all, e) => {
    const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()];
    if (e[1] === 'x' || e[1] === 'X') return String.fromCodePoint(parseInt(e.slice(2), 16));
    return String.fromCodePoint(parseInt(e.slice(1), 10));
  });
}

export function csrfOf(html) {
  const m = html.match(/name="csrf" value="([^"]*)"/);
  return m ? m[1] : null;
}

// data-state of the status section: none | granted | withdrawn | deletion_requested.
export function stateOf(html) {
  const m = html.match(/data-state="([^"]*)"/);
  return m ? m[1] : null;
}

// The text of the status paragraph, whitespace collapsed.
export function stateText(html) {
  const m = html.match(/<p class="state"[^>]*>([\s\S]*?)<\/p>/);
  return m ? decodeEntities(m[1]).replace(/\s+/g, ' ').trim() : null;
}

// The message of `<p class="error" id="{form}-{field}-error">`, or null.
export function fieldError(html, formId, field) {
  const id = `${formId}-${field}-error`;
  const m = html.match(new RegExp(`<p class="error" id="${id.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}">([^<]*)</p>`));
  return m ? decodeEntities(m[1]) : null;
}

// All field error ids on the page.
export function errorIds(html) {
  return [...html.matchAll(/<p class="error" id="([^"]+)-error">/g)].map((m) => m[1]);
}

export function emailOf(html) {
  const m = html.match(/<input id="contact-email" name="email" value="([^"]*)"/);
  return m ? decodeEntities(m[1]) : null;
}

// Search-profile ids listed on the page.
export function profileIdsOf(html) {
  return [...html.matchAll(/<details class="profile" id="profile-(\d+)"/g)].map((m) => Number(m[1]));
}

// Today's date in UTC as DD.MM.YYYY (the server formats dates in UTC).
export function germanDate(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}

// `d` plus one calendar month (day clamped to the month's end), as DD.MM.YYYY in UTC.
export function germanDatePlusOneMonth(d = new Date()) {
  const y = d.getUTCFullYear(), m = d.getUTCMonth() + 1;
  const ny = m === 12 ? y + 1 : y, nm = m === 12 ? 1 : m + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return germanDate(new Date(Date.UTC(ny, nm - 1, Math.min(d.getUTCDate(), last))));
}

// True when `bytes` are valid UTF-8.
export function isValidUtf8(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// A minimal valid search profile form.
export function profileFields(overrides = {}) {
  return {
    vermarktungsart: 'KAUF', nutzungsart: 'WOHNEN', objektart: 'haus', objekttyp: 'EINFAMILIENHAUS',
    plz: '10557', ort: 'Berlin', radius_km: '25', preis_von: '', preis_bis: '350.000 €',
    wohnflaeche_von: '100', wohnflaeche_bis: '', grundstuecksflaeche_von: '', grundstuecksflaeche_bis: '',
    zimmer_von: '2,5', zimmer_bis: '', bemerkung: '', ...overrides,
  };
}

// The fields a browser would submit with the form whose action is `action`, as an object:
// inputs and textareas with their current values, selects with their selected option.
// The action may carry a fragment (e.g. "#contact") that the browser scrolls to.
export function formFields(html, action) {
  let start = html.indexOf(`action="${action}"`);
  if (start < 0) start = html.indexOf(`action="${action}#`);
  if (start < 0) return null;
  const chunk = html.slice(start, html.indexOf('</form>', start));
  const fields = {};
  for (const m of chunk.matchAll(/<input\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/g)) {
    fields[decodeEntities(m[1])] = decodeEntities(m[2]);
  }
  for (const m of chunk.matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = m[2].match(/<option value="([^"]*)" selected>/);
    fields[m[1]] = selected ? decodeEntities(selected[1]) : '';
  }
  for (const m of chunk.matchAll(/<textarea\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    fields[m[1]] = decodeEntities(m[2]);
  }
  return fields;
}

// The dates (DD.MM.YYYY, UTC) an act between `before` and now may carry.
export function datesSince(before) {
  return [...new Set([germanDate(before), germanDate(new Date())])];
}

export function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
