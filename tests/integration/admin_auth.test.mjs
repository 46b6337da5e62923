// The admin UI's front door: login, session cookie, CSRF, logout, throttle, roles.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.mjs';
import { AdminClient, addUser, adminSession } from './admin_helpers.mjs';

function setCookie(res, name) {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) || '';
}

function sessionToken(client) {
  return client.cookies.get('consentd_session');
}

describe('admin login', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  test('an admin page without a session leads to the login form and back', async () => {
    const client = new AdminClient(server);
    const res = await client.get('/admin/contacts?q=m%C3%BCller');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/admin/login?next=%2Fadmin%2Fcontacts%3Fq%3Dm%25C3%25BCller');
    const form = await client.get(res.location);
    assert.equal(form.status, 200);
    assert.match(form.body, /<html lang="de">/);
    assert.match(form.body, /<label for="login-email">E-Mail-Adresse<\/label>/);
    const nonce = setCookie(form, 'consentd_login');
    assert.match(nonce, /HttpOnly/);
    assert.match(nonce, /SameSite=Strict/);
    const user = addUser(server, { role: 'broker' });
    const login = await client.post('/admin/login', {
      email: user.email, password: user.password, next: '/admin/contacts?q=müller' });
    assert.equal(login.status, 303);
    assert.equal(login.location, '/admin/contacts?q=m%C3%BCller');
    const cookie = setCookie(login, 'consentd_session');
    assert.match(cookie, /^consentd_session=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Lax$/);
  });

  test('the demo admin printed by `consentd demo` can log in', async () => {
    const m = server.demoOutput.match(/Admin UI: \S+\/admin {2}login: (\S+) \/ (\S+)/);
    assert.ok(m, server.demoOutput);
    const client = new AdminClient(server);
    const res = await client.login(m[1], m[2]);
    assert.equal(res.status, 303);
    const page = await client.get('/admin/contacts');
    assert.notEqual(page.status, 303);
    assert.match(page.body, /Abmelden/);
    assert.match(page.body, /Einstellungen/, 'an admin sees the admin-only navigation');
  });

  test('wrong password, unknown address and the system user get the same answer', async () => {
    const user = addUser(server, { role: 'broker' });
    const bodies = [];
    for (const [email, password] of [[user.email, 'falsches-passwort-123'],
                                     ['niemand@demo.example', user.password],
                                     ['portal@system.invalid', '']]) {
      const client = new AdminClient(server);
      const res = await client.login(email, password);
      assert.equal(res.status, 401, email);
      assert.equal(setCookie(res, 'consentd_session'), '');
      assert.match(res.body, /E-Mail-Adresse oder Passwort ist nicht korrekt\./);
      bodies.push(res.body.replace(/value="[^"]*"/g, ''));
    }
    assert.equal(bodies[0], bodies[1]);
    assert.equal(bodies[1], bodies[2]);
  });

  test('a login form without its CSRF token is refused', async () => {
    const user = addUser(server, { role: 'broker' });
    const client = new AdminClient(server);
    await client.get('/admin/login');
    const missing = await client.post('/admin/login', { email: user.email, password: user.password },
                                      { csrf: null });
    assert.equal(missing.status, 403);
    const forged = await client.post('/admin/login', { email: user.email, password: user.password },
                                     { csrf: 'a'.repeat(64) });
    assert.equal(forged.status, 403);
    const stranger = new AdminClient(server);  // another browser's token, without its cookie
    const res = await stranger.post('/admin/login', { email: user.email, password: user.password },
                                    { csrf: client.csrf });
    assert.equal(res.status, 403);
    assert.equal(sessionToken(client), undefined);
    assert.equal(sessionToken(stranger), undefined);
  });

  test('logging in rotates the session, logout ends it for good', async () => {
    const client = await adminSession(server, { role: 'broker' });
    const first = sessionToken(client);
    const again = await client.login(client.user.email, client.user.password);
    assert.equal(again.status, 303);
    const second = sessionToken(client);
    assert.notEqual(first, second);
    const replay = new AdminClient(server);
    replay.cookies.set('consentd_session', first);
    assert.equal((await replay.get('/admin/contacts')).status, 303, 'the old session is revoked');
    await client.get('/admin/contacts');
    const out = await client.post('/admin/logout');
    assert.equal(out.status, 303);
    assert.equal(out.location, '/admin/login?done=logout');
    assert.match(setCookie(out, 'consentd_session'), /Max-Age=0/);
    const replay2 = new AdminClient(server);
    replay2.cookies.set('consentd_session', second);
    const res = await replay2.get('/admin/contacts');
    assert.equal(res.status, 303);
    assert.match(res.location, /^\/admin\/login/);
  });

  test('a POST with a missing or forged CSRF token changes nothing', async () => {
    const client = await adminSession(server, { role: 'broker' });
    for (const csrf of [null, 'f'.repeat(64)]) {
      const res = await client.post('/admin/logout', {}, { csrf });
      assert.equal(res.status, 403);
      assert.match(res.body, /Formular abgelaufen/);
    }
    // Another session's token is no good either.
    const other = await adminSession(server, { role: 'broker' });
    assert.equal((await client.post('/admin/logout', {}, { csrf: other.csrf })).status, 403);
    const page = await client.get('/admin/contacts');
    assert.notEqual(page.status, 303, 'still logged in');
    const viaHeader = await client.request('POST', '/admin/logout', {
      headers: { 'x-csrf-token': client.csrf } });
    assert.equal(viaHeader.status, 303, 'scripts may send the token as a header');
  });

  test('an idle or expired session leads back to the login', async () => {
    const client = await adminSession(server, { role: 'broker' });
    server.sql(`UPDATE sessions SET last_seen_at = '2020-01-01T00:00:00Z' WHERE user_id =
                (SELECT id FROM users WHERE email = '${client.user.email}')`);
    const res = await client.get('/admin/contacts');
    assert.equal(res.status, 303);
    assert.match(res.location, /^\/admin\/login\?next=/);
    const post = await client.post('/admin/logout');
    assert.equal(post.status, 303);
    assert.equal(post.location, '/admin/login?done=expired');
  });

  test('five failed logins lock the account for a while, even with the right password', async () => {
    const user = addUser(server, { role: 'broker' });
    const client = new AdminClient(server);
    for (let i = 0; i < 5; i++) {
      assert.equal((await client.login(user.email, `falsch-${i}-falsch-falsch`)).status, 401);
    }
    const res = await client.login(user.email, user.password);
    assert.equal(res.status, 429);
    assert.match(res.body, /Zu viele fehlgeschlagene Anmeldeversuche/);
    assert.equal(sessionToken(client), undefined);
  });

  test('after login only paths of the admin UI are followed', async () => {
    for (const next of ['//evil.example/admin/', 'https://evil.example/', '/admin/\\evil', '/c/x']) {
      const user = addUser(server, { role: 'broker' });
      const client = new AdminClient(server);
      const res = await client.login(user.email, user.password, { next });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/admin/contacts', next);
    }
  });

  test('pages carry a strict CSP and are never cached', async () => {
    const client = await adminSession(server, { role: 'broker' });
    const res = await client.get('/admin/contacts');
    assert.match(res.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  });

  test('English on request, remembered for the session', async () => {
    const client = await adminSession(server, { role: 'broker' });
    const en = await client.get('/admin/no-such-page?lang=en');
    assert.equal(en.status, 404);
    assert.match(en.body, /<html lang="en">/);
    assert.match(en.body, /Log out/);
    const later = await client.get('/admin/no-such-page');
    assert.match(later.body, /<html lang="en">/);
  });

  test('a broker does not see the admin-only navigation', async () => {
    const client = await adminSession(server, { role: 'broker' });
    const page = await client.get('/admin/no-such-page');
    assert.equal(page.status, 404);
    assert.doesNotMatch(page.body, /href="\/admin\/settings"/);
    assert.match(page.body, /href="\/admin\/contacts"/);
  });
});
