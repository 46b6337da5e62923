// Admin-only screens: settings (controller identity, sender, SMTP account, Löschfristen),
// users (add, reset, deactivate) and the audit log; brokers are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from './helpers.mjs';
import { AdminClient, adminSession } from './admin_helpers.mjs';

let server;

const sqlValue = (query) => server.sqlValue(query);

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function company() {
  return sqlValue("SELECT company || '|' || smtp_password FROM tenants WHERE slug = 'demo'");
}

describe('admin settings, users and audit log', () => {
  test('a broker gets 403 on every admin-only screen', async () => {
    const broker = await adminSession(server, { role: 'broker' });
    for (const path of ['/admin/settings', '/admin/users', '/admin/audit']) {
      const res = await broker.get(path);
      assert.equal(res.status, 403, path);
    }
    const post = await broker.post('/admin/settings', { action: 'save', company: 'Übernommen GmbH' });
    assert.equal(post.status, 403);
    assert.match(company(), /^Musterimmobilien/);
  });

  test('settings are saved, validated at the field, and the SMTP password is never shown', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    const page = await admin.get('/admin/settings');
    assert.equal(page.status, 200);
    assert.match(page.body, /<label for="set-company">Firma<\/label>/);
    const fields = { action: 'save', company: 'Musterimmobilien GmbH & Co. KG', street: 'Friedrichstraße 100',
                     postal_code: '10117', city: 'Berlin', country: 'DE', email: 'datenschutz@musterimmobilien.example',
                     sender_email: 'info@musterimmobilien.example', smtp_url: 'smtp://mail.example:587',
                     smtp_username: 'makler', smtp_password: 'geheim-1234' };
    const bad = await admin.post('/admin/settings', { ...fields, sender_email: 'kein-at' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /id="set-sender_email-error"[^>]*>Bitte eine gültige Absenderadresse angeben/);
    assert.equal(company(), 'Musterimmobilien GmbH & Co. KG|', 'nothing saved');
    const ok = await admin.post('/admin/settings', fields);
    assert.equal(ok.status, 303);
    assert.equal(company(), 'Musterimmobilien GmbH & Co. KG|geheim-1234');
    const shown = await admin.get('/admin/settings');
    assert.ok(!shown.body.includes('geheim-1234'), 'the password is never sent back');
    assert.match(shown.body, /Ein Passwort ist gespeichert/);
    const keep = await admin.post('/admin/settings', { ...fields, smtp_password: '' });
    assert.equal(keep.status, 303);
    assert.equal(company(), 'Musterimmobilien GmbH & Co. KG|geheim-1234', 'empty keeps the password');
    const forged = await admin.post('/admin/settings', { ...fields, company: 'Gefälscht' }, { csrf: 'forged' });
    assert.notEqual(forged.status, 303);
    assert.match(company(), /^Musterimmobilien/);
  });

  test('users: the system user is technical; add, reset, deactivate ends the session', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    const list = await admin.get('/admin/users');
    assert.equal(list.status, 200);
    assert.match(list.body, /portal/);
    assert.match(list.body, /Technischer Benutzer der Einwilligungsseite/);
    const systemId = sqlValue("SELECT id FROM users WHERE role = 'system' AND tenant_id = " +
                                "(SELECT id FROM tenants WHERE slug = 'demo')");
    assert.ok(!list.body.includes(`/admin/users/${systemId}/`), 'no actions for the system user');
    assert.equal((await admin.post(`/admin/users/${systemId}/reset`)).status, 404);

    const short = await admin.post('/admin/users', { name: 'Kurz', email: 'kurz@demo.example', role: 'broker', password: 'kurz' });
    assert.equal(short.status, 422);
    assert.match(short.body, /mindestens 12 Zeichen/);
    const added = await admin.post('/admin/users', { name: 'Nina Neu', email: 'nina@demo.example', role: 'broker', password: '' });
    assert.equal(added.status, 200);
    const password = added.body.match(/<code class="user-password">([^<]+)<\/code>/)?.[1];
    assert.ok(password && password.length >= 12, 'a generated password is shown once');
    const nina = new AdminClient(server);
    assert.equal((await nina.login('nina@demo.example', password)).status, 303);
    assert.equal((await nina.get('/admin/deletions')).status, 200);

    const ninaId = sqlValue("SELECT id FROM users WHERE email = 'nina@demo.example'");
    await admin.get('/admin/users');
    const off = await admin.post(`/admin/users/${ninaId}/deactivate`);
    assert.equal(off.status, 303);
    const after = await nina.get('/admin/deletions');
    assert.equal(after.status, 303, 'the deactivated user is logged out');
    assert.match(after.location, /^\/admin\/login/);

    const self = await admin.post(`/admin/users/${admin.user.email ? sqlValue(
      `SELECT id FROM users WHERE email = '${admin.user.email}'`) : 0}/deactivate`);
    assert.equal(self.status, 422);
    assert.match(self.body, /nicht selbst/);
  });

  test('the audit log lists the acts and filters by action', async () => {
    const admin = await adminSession(server, { role: 'admin' });
    const all = await admin.get('/admin/audit');
    assert.equal(all.status, 200);
    assert.match(all.body, /settings\.save/);
    const users = await admin.get('/admin/audit?action=user.');
    assert.match(users.body, /user\.add/);
    assert.ok(!users.body.includes('settings.save'));
  });
});
