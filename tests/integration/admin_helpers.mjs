// Helpers for tests of the admin UI: users made with the CLI, and a browser-like client
// that keeps the session cookie and the CSRF token of the last page it loaded.
import { csrfOf } from './helpers.mjs';

let userCount = 0;

// Adds a user with `consentd user add`; returns { email, password, role, name, tenant }.
export function addUser(server, { tenant = 'demo', email, name, role = 'broker' } = {}) {
  userCount += 1;
  const address = email || `${role}${userCount}-${process.pid}@${tenant}.example`;
  const display = name || `${role === 'admin' ? 'Ada' : 'Bruno'} Test${userCount}`;
  const out = server.cli('user', 'add', '--tenant', tenant, '--email', address, '--name', display,
                         '--role', role);
  const m = out.match(/password: (\S+)/);
  if (!m) throw new Error(`no password in: ${out}`);
  return { email: address, password: m[1], role, name: display, tenant };
}

// A browser of one person: cookies (session, login nonce, language) and the CSRF token of
// the last HTML page loaded.
export class AdminClient {
  constructor(server) {
    this.server = server;
    this.cookies = new Map();
    this.csrf = null;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  remember(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method, path, { body, headers = {} } = {}) {
    const res = await fetch(this.server.url(path), {
      method, body, redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(res);
    const bytes = Buffer.from(await res.arrayBuffer());
    const out = { status: res.status, headers: res.headers, location: res.headers.get('location'),
                  bytes, body: bytes.toString('utf8') };
    const token = csrfOf(out.body);
    if (token) this.csrf = token;
    return out;
  }

  get(path, options) {
    return this.request('GET', path, options);
  }

  // POSTs a form; `csrf` (default: the last page's token; null: none) is added as a field.
  // `fields`: an object or an array of [name, value] pairs.
  post(path, fields = {}, { csrf = this.csrf, headers = {} } = {}) {
    const pairs = Array.isArray(fields) ? [...fields] : Object.entries(fields);
    if (csrf !== null && csrf !== undefined) pairs.push(['csrf', csrf]);
    return this.request('POST', path, {
      body: new URLSearchParams(pairs).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  // Follows a 303 of a POST (or any redirect) once, as a browser would.
  async follow(res) {
    if (res.status < 300 || res.status > 399) return res;
    return this.get(new URL(res.location, this.server.url('/')).pathname +
                    new URL(res.location, this.server.url('/')).search);
  }

  // Loads the login form and logs in; returns the POST's response (303 on success).
  async login(email, password, { next } = {}) {
    await this.get(`/admin/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    const fields = { email, password };
    if (next) fields.next = next;
    return this.post('/admin/login', fields);
  }
}

// A logged-in client of a new user of `tenant` with `role`; the user is `client.user`.
export async function adminSession(server, { tenant = 'demo', role = 'admin', email, name } = {}) {
  const user = addUser(server, { tenant, role, email, name });
  const client = new AdminClient(server);
  const res = await client.login(user.email, user.password);
  if (res.status !== 303) throw new Error(`login of ${user.email} answered ${res.status}: ${res.body.slice(0, 300)}`);
  client.user = user;
  // Load a page so that client.csrf is the session's token.
  await client.get('/admin/contacts');
  return client;
}
