// Browser test of the broker's whole journey through the admin UI (issue 5, item 9).
//
// A throwaway consentd (SQLite in a temp dir, `consentd demo` plus a small CSV with
// Müllers) whose delivery worker talks to a real SMTP server (tools/smtp_sink.py, as the
// mail integration tests use it), driven in Debian's /usr/bin/chromium by playwright-core:
//   1. log in with the demo admin that `consentd demo` prints (a wrong password first);
//   2. Adressliste: search "muell", filter by consent state, select rows, "Serien-E-Mail";
//      serial-mail screen: template preselected, subject required, preview, who is skipped
//      and why, send; the progress page's bar reaches "Abgeschlossen" and the mails arrive;
//   3. open a contact and expand an activity's evidence;
//   4. a recipient requests deletion on the consent page; the broker extends the deadline;
//   5. edit a template, type an unknown placeholder, see the check's error at its line;
//      nothing saved;
//   6. the remaining admin screens (new contact, import, mailings, settings, users, audit).
// On every admin page: axe-core with the WCAG 2.1 A/AA rules, no violations allowed (they
// are collected per step and printed together at the step's end). Screenshots of each
// screen go to $CONSENTD_DOCS/screenshots/admin-*.png (laptop 1366x900; the address list
// also on a tablet, 820x1180).
//
// Builds nothing: it uses $CONSENTD_BIN (ctest sets it), else build/consentd of this tree.

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { SmtpSink, startMailServer, waitFor } from '../integration/mail_helpers.mjs';
import { AxeLog } from './axe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const SHOTS = path.join(process.env.CONSENTD_DOCS || path.join(repo, 'docs'), 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

// The machine running this may be busy (several builds at once): generous waits.
const STEP_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 240_000;

const LAPTOP = { width: 1366, height: 900 };
const TABLET = { width: 820, height: 1180 };

const SUBJECT = 'Ihre Daten bei Musterimmobilien – bitte prüfen';
// Three Müllers, spelt three ways, and one who is not. Peter has no legal basis, so the
// serial mail skips him unless the broker confirms it is lawful.
const CSV = 'Anrede;Vorname;Nachname;E-Mail;PLZ;Ort;Kontaktart;Rechtsgrundlage\n'
  + 'Frau;Marie;Müller;marie.mueller@example.org;10115;Berlin;Interessent;Bestandskunde\n'
  + 'Herr;Hans;Müllerschön;hans.muellerschoen@example.org;80331;München;Eigentümer;Anfrage\n'
  + 'Herr;Peter;Mueller;peter.mueller@example.org;20095;Hamburg;Käufer;keine\n'
  + 'Frau;Sabine;Schmidt;sabine.schmidt@example.org;50667;Köln;Mieter;Bestandskunde\n';

const OURS = ['Marie', 'Hans', 'Peter']; // the Müllers of the CSV, by first name

let sinkDir;
let sink;
let server;
let browser;
let admin; // { email, password } printed by `consentd demo`

// The broker's browser: one context and page kept across the steps (the session cookie).
let broker; // { context, page, problems, allow }

// ---------------------------------------------------------------------------------------
// Setup

function demoAdminOf(output) {
  const m = /^Admin UI: \S+\s+login: (\S+) \/ (\S+)\s*$/m.exec(output);
  assert.ok(m, `consentd demo printed no admin login:\n${output}`);
  return { email: m[1], password: m[2] };
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
  await mkdir(SHOTS, { recursive: true });
  sinkDir = await mkdtemp(path.join(tmpdir(), 'consentd-e2e-admin-'));
  sink = await SmtpSink.start(path.join(sinkDir, 'sink'));
  server = await startMailServer({ smtpUrl: sink.url }, { demo: true, imports: [{ tenant: 'demo', csv: CSV }] });
  assert.match(server.importReports[0], /^4 inserted/, server.importReports[0]);
  admin = demoAdminOf(server.demoOutput);
  assert.ok(server.demoLinks.length >= 1, `no consent links in:\n${server.demoOutput}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  broker = await openPage({ viewport: LAPTOP });
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
  if (sinkDir) await rm(sinkDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// Helpers

// A context plus a page that records console errors, uncaught errors, failed requests and
// unexpected HTTP errors. `allow(status, method, pathname)` declares an expected error
// answer (a rejected form, a failed login).
async function openPage(contextOptions) {
  const context = await browser.newContext({ locale: 'de-DE', ...contextOptions });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console (${page.url()}, from ${m.location().url || '?'}): ${m.text().slice(0, 160)}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A navigation away cancels the progress page's poll; that is no failure.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && r.resourceType() === 'fetch') return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    const { pathname } = new URL(r.url());
    const method = r.request().method();
    const expected = pathname === '/favicon.ico'
      || allowed.some((a) => a.status === r.status() && a.method === method && a.path.test(pathname));
    if (r.status() >= 400 && !expected) problems.push(`HTTP ${r.status()}: ${method} ${r.url()}`);
  });
  const allow = (status, method, pathRe) => allowed.push({ status, method, path: pathRe });
  return { context, page, problems, allow };
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();
const text = async (locator) => squash(await locator.innerText());

// Clicks and waits for the page that the click (a link or a form) leads to.
async function clickTo(page, locator, urlPattern) {
  await Promise.all([page.waitForURL(urlPattern, { waitUntil: 'load' }), locator.click()]);
}

// Clicks a submit button whose form answers with a page of its own (no redirect): waits
// for the POST's answer and the new document.
async function submitTo(page, locator, { status } = {}) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    locator.click(),
  ]);
  await page.waitForLoadState('load');
  if (status) assert.equal(response.status(), status, `POST ${response.url()} answered ${response.status()}`);
  return response;
}

// The whole page. Not `fullPage: true`: Chromium leaves the sandboxed mail-preview frames
// (an opaque origin, so a frame of its own process) blank in such a shot. The viewport is
// made as tall as the page instead, and set back afterwards.
async function screenshot(page, name) {
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
  try {
    await page.waitForTimeout(300); // the frames repaint at the new size
    await page.screenshot({ path: path.join(SHOTS, name) });
  } finally {
    await page.setViewportSize(viewport);
  }
}

async function assertNoHorizontalScroll(page, where) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).replace(/\s+/g, '.') : ''}`),
  }));
  assert.ok(scrollWidth <= innerWidth,
    `${where}: page scrolls sideways (scrollWidth ${scrollWidth} > innerWidth ${innerWidth}); too wide: ${wide.join(', ')}`);
}

// Every admin page gets the same checks: German, a title, one h1, the main navigation.
async function assertAdminPage(page, h1) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  assert.match(await page.title(), /consentd$/);
  assert.equal(await page.locator('h1').count(), 1, 'exactly one h1');
  if (h1) assert.match(await text(page.locator('h1')), h1);
}

// The <dt> labels of a description list that have no value: a fact a record does not have
// (yet) is to be left out, not shown as a label with nothing beside it.
async function labelsWithoutValue(dl) {
  return dl.locator('dt').evaluateAll((dts) => dts
    .filter((dt) => dt.nextElementSibling?.tagName !== 'DD' || dt.nextElementSibling.textContent.trim() === '')
    .map((dt) => dt.textContent.trim()));
}

function assertNoProblems(who) {
  assert.deepEqual(who.problems.splice(0), [], 'console errors, failed requests or unexpected HTTP errors');
}

// The rows of the address list's table (the Müllers and others), by visible name.
const listRows = (page) => page.locator('table.cl-table tbody tr');

// ---------------------------------------------------------------------------------------

describe('broker journey in the admin UI (Chromium)', () => {
  // A step that failed midway leaves its problems behind; each step answers for its own.
  beforeEach(() => { broker?.problems.splice(0); });

  test('1. log in at /admin/login (generic error for a wrong password first)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, allow } = broker;
    const axe = new AxeLog();
    allow(401, 'POST', /^\/admin\/login$/);

    // A page of the admin area leads to the login, and back there after it.
    await page.goto(`${server.baseUrl}/admin/contacts`);
    assert.match(page.url(), /\/admin\/login\?next=%2Fadmin%2Fcontacts$/);
    await assertAdminPage(page, /^Anmelden$/);
    await axe.check(page, 'login');
    await screenshot(page, 'admin-login.png');

    await page.getByLabel('E-Mail-Adresse').fill(admin.email);
    await page.getByLabel('Passwort').fill(`${admin.password}-falsch`);
    await submitTo(page, page.getByRole('button', { name: 'Anmelden' }), { status: 401 });
    assert.equal(await text(page.getByRole('alert')), 'E-Mail-Adresse oder Passwort ist nicht korrekt.');
    assert.equal(await page.getByLabel('E-Mail-Adresse').inputValue(), admin.email, 'the e-mail address stays');
    assert.equal(await page.getByLabel('Passwort').inputValue(), '', 'the password is not sent back');
    await axe.check(page, 'login with error');

    await page.getByLabel('Passwort').fill(admin.password);
    await clickTo(page, page.getByRole('button', { name: 'Anmelden' }), /\/admin\/contacts$/);
    await assertAdminPage(page, /^Adressliste$/);
    const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
    for (const label of ['Adressliste', 'Serien-E-Mails', 'Löschanträge', 'Vorlagen']) {
      assert.equal(await nav.getByRole('link', { name: label, exact: true }).count(), 1, `nav link ${label}`);
    }
    assert.equal(await nav.getByRole('link', { name: 'Adressliste' }).getAttribute('aria-current'), 'page');
    assertNoProblems(broker);
    axe.assertClean();
  });

  test('2. Adressliste: search, filter, select; serial mail: preview, skipped, send, progress to done', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, allow } = broker;
    const axe = new AxeLog();
    allow(422, 'POST', /^\/admin\/mailings\/new$/);

    // --- the address list as it opens: laptop and tablet
    await page.goto(`${server.baseUrl}/admin/contacts`);
    await assertAdminPage(page, /^Adressliste$/);
    await axe.check(page, 'contacts');
    await screenshot(page, 'admin-contacts.png');
    await page.setViewportSize(TABLET);
    await assertNoHorizontalScroll(page, 'Adressliste on a tablet (820x1180)');
    await screenshot(page, 'admin-contacts-tablet.png');
    await page.setViewportSize(LAPTOP);

    // --- search: "muell" finds Müller, Müllerschön and Mueller, not Schmidt
    await page.getByLabel('Suche', { exact: true }).fill('muell');
    await clickTo(page, page.getByRole('button', { name: 'Anwenden' }), /[?&]q=muell\b/);
    // (the demo data has a Müller of its own)
    let names = await listRows(page).locator('th[scope=row]').allInnerTexts();
    for (const name of OURS) assert.ok(names.some((n) => n.includes(name)), `${name} in ${names.join(' | ')}`);
    for (const name of names) assert.match(name, /M(ü|ue)ller/i, `only Müllers: ${names.join(' | ')}`);
    assert.match(await text(page.locator('#cl-count')), new RegExp(`^${names.length} Kontakte`));
    assert.equal(await page.getByLabel('Suche', { exact: true }).inputValue(), 'muell', 'the search stays in the field');

    // --- filter by consent state: nobody of them has consented; all three have none
    await page.getByLabel('Einwilligung', { exact: true }).selectOption({ label: 'erteilt' });
    await clickTo(page, page.getByRole('button', { name: 'Anwenden' }), /[?&]state=granted\b/);
    assert.equal(await listRows(page).count(), 0);
    assert.match(await text(page.locator('main')), /Keine Kontakte gefunden/);
    await page.getByLabel('Einwilligung', { exact: true }).selectOption({ label: 'keine' });
    await clickTo(page, page.getByRole('button', { name: 'Anwenden' }), /[?&]state=none\b/);
    names = await listRows(page).locator('th[scope=row]').allInnerTexts();
    for (const name of OURS) assert.ok(names.some((n) => n.includes(name)), `filter "keine": ${name} in ${names.join(' | ')}`);
    for (const row of await listRows(page).all()) {
      assert.equal(await text(row.locator('.badge')), 'keine', `filter "keine": ${await text(row)}`);
    }
    await axe.check(page, 'contacts, searched and filtered');
    await screenshot(page, 'admin-contacts-filtered.png');

    // --- select our three rows, then "Serien-E-Mail an Auswahl erstellen"
    for (const name of OURS) await listRows(page).filter({ hasText: name }).getByRole('checkbox').check();
    await clickTo(page, page.getByRole('button', { name: 'Serien-E-Mail an Auswahl erstellen' }), /\/admin\/mailings\/new\?/);

    // --- the serial-mail screen: template preselected, who is skipped and why, preview
    await assertAdminPage(page, /^Serien-E-Mail erstellen$/);
    const template = page.getByLabel('Vorlage', { exact: true });
    assert.match(await template.locator('option:checked').innerText(), /Kontakt- und Gesuchsdaten/);
    const counts = page.locator('dl.ml-counts');
    assert.equal(await text(counts.locator('[data-ml=selected]')), '3');
    assert.equal(await text(counts.locator('[data-ml=mailed]')), '2');
    assert.equal(await text(counts.locator('[data-ml=skipped]')), '1');
    const skipped = page.getByRole('table', { name: 'Diese Kontakte erhalten keine E-Mail' });
    const skippedRows = skipped.locator('tbody tr');
    assert.equal(await skippedRows.count(), 1);
    assert.match(await text(skippedRows.first()), /Peter.*Mueller.*peter\.mueller@example\.org.*keine Rechtsgrundlage/);
    assert.match(await text(page.locator('#ml-preview-text')), /^Sehr geehrte/);
    await axe.check(page, 'mailing new');

    // the subject is required: sending without one is refused at the field
    const subject = page.getByLabel('Betreff', { exact: true });
    await subject.fill('');
    await submitTo(page, page.getByRole('button', { name: 'Serien-E-Mail senden' }), { status: 422 });
    assert.match(page.url(), /\/admin\/mailings\/new$/);
    assert.equal(await subject.getAttribute('aria-invalid'), 'true');
    assert.equal(await subject.getAttribute('aria-describedby'), 'ml-subject-error');
    assert.ok((await text(page.locator('#ml-subject-error'))).length > 0, 'an error text at the subject');
    assert.equal(await page.locator('[data-ml=selected]').innerText(), '3', 'the selection survives the error');
    await axe.check(page, 'mailing new, subject missing');

    // type the subject, look at the preview of the second recipient
    await subject.fill(SUBJECT);
    await submitTo(page, page.getByRole('button', { name: 'Vorschau aktualisieren' }), { status: 200 });
    assert.equal(await text(page.locator('#ml-preview-subject')), SUBJECT);
    const firstPreview = await text(page.locator('#ml-preview-text'));
    assert.match(firstPreview, /\/c\/BEISPIEL-LINK|\/c\//, 'the preview shows where the personal link goes');
    await submitTo(page, page.getByRole('button', { name: /Nächster Empfänger/ }), { status: 200 });
    const secondPreview = await text(page.locator('#ml-preview-text'));
    assert.notEqual(secondPreview, firstPreview, 'the next recipient has a preview of their own');
    assert.match(secondPreview, /^Sehr geehrte(r)? (Frau|Herr) Müller/);
    // the HTML view (a sandboxed frame) shows the same recipient
    const htmlView = page.frameLocator('iframe.mail-preview');
    await htmlView.getByText(/^Sehr geehrte(r)? (Frau|Herr) Müller/).waitFor();
    await screenshot(page, 'admin-mailing-new.png');

    // --- send; the progress page's bar fills until the mailing is done
    const savedBefore = sink.saved().length;
    await clickTo(page, page.getByRole('button', { name: 'Serien-E-Mail senden' }), /\/admin\/mailings\/\d+\?done=ml_created$/);
    const mailingPath = new URL(page.url()).pathname;
    await assertAdminPage(page, new RegExp(`^Serien-E-Mail: ${SUBJECT}$`));
    assert.equal(await text(page.locator('.flash')), 'Die Serien-E-Mail wurde angelegt und wird jetzt versandt.');
    await axe.check(page, 'mailing progress (running or done)');
    const bar = page.getByRole('progressbar', { name: 'Versandfortschritt' });
    await page.locator('#ml-state-text', { hasText: 'Abgeschlossen' }).waitFor({ timeout: 90_000 });
    const [value, max] = [await bar.getAttribute('value'), await bar.getAttribute('max')];
    assert.equal(Number(value), Number(max), `the bar is full when done (value ${value}, max ${max})`);
    assert.equal(await text(page.locator('[data-count=sent]').first()), '2');
    assert.equal(await text(page.locator('[data-count=handled]')), await text(page.locator('[data-count=total]')));

    // the mails arrived at the SMTP server
    await waitFor(() => sink.saved().length >= savedBefore + 2, { timeout: 30_000, what: 'two mails at the sink' });
    const rcpts = sink.events.filter((e) => e.event === 'message').flatMap((e) => e.rcpt_tos).map((r) => r.toLowerCase());
    for (const a of ['marie.mueller@example.org', 'hans.muellerschoen@example.org']) {
      assert.ok(rcpts.includes(a), `${a} among ${rcpts.join(', ')}`);
    }
    assert.ok(!rcpts.includes('peter.mueller@example.org'), 'the skipped contact got no mail');

    // reloaded: every recipient with its status and the server's reply
    await page.goto(`${server.baseUrl}${mailingPath}`);
    const messages = page.locator('table.ml-messages tbody tr');
    const sent = page.locator('table.ml-messages tbody tr[data-state=sent]');
    assert.equal(await sent.count(), 2, `sent rows: ${(await messages.allInnerTexts()).join(' | ')}`);
    for (const row of await sent.all()) {
      assert.match(await text(row), /Gesendet/);
      assert.match(await text(row.locator('td').last()), /\S/, 'the mail server\'s reply is shown');
    }
    assert.equal(await text(page.locator('#ml-state-text')), 'Abgeschlossen');
    await axe.check(page, 'mailing progress (done)');
    await screenshot(page, 'admin-mailing-progress.png');
    // no lawful confirmation was given for this mailing: no such label either
    assert.deepEqual(await labelsWithoutValue(page.locator('main dl.facts').first()), [],
      'labels without a value above the progress bar');
    assertNoProblems(broker);
    axe.assertClean();
  });

  test('3. contact detail: master data, consent record and the evidence of an activity', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page } = broker;
    const axe = new AxeLog();
    await page.goto(`${server.baseUrl}/admin/contacts?q=muell`);
    const marie = listRows(page).filter({ hasText: 'Marie' });
    await clickTo(page, marie.getByRole('link', { name: /Marie/ }), /\/admin\/contacts\/\d+$/);
    await assertAdminPage(page, /Marie.*Müller|Müller.*Marie/);
    assert.equal(await page.getByRole('heading', { name: 'Detaildatensatz Einwilligung' }).count(), 1);
    assert.equal(await page.getByRole('link', { name: 'E-Mail schreiben' }).count(), 1);
    const consentCard = page.getByRole('region', { name: 'Detaildatensatz Einwilligung' });
    assert.match(await text(consentCard), /Rechtsgrundlage Bestandskunde/);
    assert.deepEqual(await labelsWithoutValue(consentCard), [], 'labels without a value in the consent record');

    const timeline = page.locator('#cd-timeline');
    const activities = timeline.locator('details');
    assert.ok(await activities.count() >= 1, 'the timeline lists the import at least');
    const first = activities.first();
    assert.equal(await first.getAttribute('open'), null, 'activities start collapsed');
    await axe.check(page, 'contact detail');
    await first.locator('summary').click();
    await first.locator('dl').waitFor({ state: 'visible' });
    assert.notEqual(await first.getAttribute('open'), null);
    const evidence = await text(first.locator('dl'));
    assert.match(evidence, /Kettenhash [0-9a-f]{64}/, `the chain hash is shown: ${evidence}`);
    assert.match(evidence, /SHA-256 des Inhalts [0-9a-f]{64}/);
    assert.match(evidence, /Position in der Kette \d+/);
    await axe.check(page, 'contact detail, evidence expanded');
    await screenshot(page, 'admin-contact.png');

    // The broker adds a search profile the person told them about.
    const profiles = page.getByRole('region', { name: 'Suchprofile' });
    await profiles.locator('#cd-profile-new > summary').click();
    const form = profiles.locator('#cd-profile-new form');
    await form.getByLabel('Vermarktungsart').selectOption('KAUF');
    await form.getByLabel('Nutzungsart').selectOption('WOHNEN');
    await form.getByLabel('Objektart').selectOption('wohnung');
    await form.getByLabel('PLZ').fill('80331');
    await axe.check(page, 'contact detail, new search profile form');
    await screenshot(page, 'admin-contact-profile.png');
    await clickTo(page, form.getByRole('button', { name: 'Suchprofil anlegen' }), /done=cd_profile_added/);
    assert.match(await text(page.getByRole('status')), /Das Suchprofil wurde angelegt/);
    assert.match(await text(profiles), /Wohnung · Kauf · 80331/);
    await axe.check(page, 'contact detail with a search profile');
    assertNoProblems(broker);
    axe.assertClean();
  });

  test('4. Löschanträge: a recipient asks for deletion, the broker extends the deadline', { timeout: TEST_TIMEOUT_MS }, async () => {
    const axe = new AxeLog();
    const person = server.demoLinks[0];
    const lastName = person.name.trim().split(/\s+/).at(-1);

    // --- the recipient, on the consent page of the mail's link
    const recipient = await openPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await recipient.page.goto(`${server.baseUrl}/c/${person.token}`);
      await clickTo(recipient.page, recipient.page.getByRole('button', { name: 'Löschung meiner Daten beantragen' }),
        /[?&]done=deletion\b/);
      assert.match(await text(recipient.page.locator('#flash')), /Löschantrag wurde gespeichert/);
      assertNoProblems(recipient);
    } finally {
      await recipient.context.close();
    }

    // --- the broker: the inbox shows it, with received and due date
    const { page, allow } = broker;
    allow(422, 'POST', /^\/admin\/deletions\/\d+$/);
    await page.goto(`${server.baseUrl}/admin/contacts`);
    await clickTo(page, page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Löschanträge' }),
      /\/admin\/deletions$/);
    await assertAdminPage(page, /^Löschanträge$/);
    const row = page.locator('table.del-list tbody tr').filter({ hasText: lastName });
    assert.equal(await row.count(), 1, `one open request of ${person.name}`);
    assert.match(await text(row), /Offen/);
    const cells = await row.locator('td').allInnerTexts();
    const due = /\d{2}\.\d{2}\.\d{4}/.exec(cells[3])?.[0];
    assert.ok(due, `a due date in ${cells.join(' | ')}`);
    await axe.check(page, 'deletions');
    await screenshot(page, 'admin-deletions.png');

    await clickTo(page, row.getByRole('link', { name: /Antrag Nr\. \d+/ }), /\/admin\/deletions\/\d+$/);
    await assertAdminPage(page, /^Antrag Nr\. \d+/);
    await axe.check(page, 'deletion detail');
    await screenshot(page, 'admin-deletion.png');

    // extending needs a reason (Art. 12(3)): refused at the field first
    const extend = page.getByRole('region', { name: 'Frist verlängern' });
    await extend.getByLabel('Verlängern um').selectOption({ label: '1 Monat' });
    await submitTo(page, extend.getByRole('button', { name: 'Frist verlängern' }), { status: 422 });
    const reason = page.getByRole('region', { name: 'Frist verlängern' }).getByLabel('Begründung', { exact: true });
    assert.equal(await reason.getAttribute('aria-invalid'), 'true');
    const errorId = await reason.getAttribute('aria-describedby');
    assert.ok(errorId && (await text(page.locator(`#${errorId}`))).length > 0, 'an error text at the reason');
    await axe.check(page, 'deletion detail, reason missing');

    await reason.fill('Mehrere umfangreiche Anträge gleichzeitig; Prüfung der Aufbewahrungspflichten läuft.');
    await clickTo(page, page.getByRole('region', { name: 'Frist verlängern' }).getByRole('button', { name: 'Frist verlängern' }),
      /\/admin\/deletions\/\d+(\?.*)?$/);
    assert.match(await text(page.locator('.flash')), /Die Frist wurde verlängert/);
    const requestCard = page.getByRole('region', { name: 'Antrag', exact: true });
    const facts = await text(requestCard);
    assert.match(facts, /verlängert um Monate: 1/);
    assert.match(facts, /Mehrere umfangreiche Anträge/);
    const newDue = /Fällig bis (\d{2}\.\d{2}\.\d{4})/.exec(facts)?.[1];
    assert.ok(newDue && newDue !== due, `the due date moved from ${due}: ${facts}`);
    await axe.check(page, 'deletion detail, extended');
    // facts the request does not have yet (decided on, retention rule) are left out
    assert.deepEqual(await labelsWithoutValue(requestCard), [], 'labels without a value in the card "Antrag"');
    assertNoProblems(broker);
    axe.assertClean();
  });

  test('5. Vorlagen: an unknown placeholder is shown at its line, nothing is saved', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page, allow } = broker;
    const axe = new AxeLog();
    allow(422, 'POST', /^\/admin\/templates\//);
    await page.goto(`${server.baseUrl}/admin/contacts`);
    await clickTo(page, page.getByRole('navigation', { name: 'Hauptnavigation' }).getByRole('link', { name: 'Vorlagen' }),
      /\/admin\/templates$/);
    await assertAdminPage(page, /^Vorlagen$/);
    await axe.check(page, 'templates');
    await screenshot(page, 'admin-templates.png');

    const link = page.getByRole('link', { name: 'Kontakt- und Gesuchsdaten', exact: true });
    assert.equal(await link.count(), 1, 'one German "Kontakt- und Gesuchsdaten" template');
    await clickTo(page, link, /\/admin\/templates\/.+/);
    const editUrl = page.url();
    await assertAdminPage(page, /^Vorlage bearbeiten: /);
    await axe.check(page, 'template edit');

    // type an unknown placeholder into line 3 of the text
    const body = page.getByLabel('Text', { exact: true });
    const original = await body.inputValue();
    const lines = original.split('\n');
    lines.splice(2, 0, 'Ihr Vorname bei uns: {{vornme}}');
    await body.fill(lines.join('\n'));

    // the live preview reports it (template_editor.js, after a pause in typing)
    const problems = page.locator('#tp-preview .tp-problems');
    await problems.waitFor({ state: 'visible' });
    assert.match(await text(problems), /vornme/);
    assert.match(await text(problems), /Zeile 3\b/);

    // saving is refused, with the error at the field and its line; nothing is saved
    await submitTo(page, page.getByRole('button', { name: 'Speichern' }), { status: 422 });
    assert.equal(await body.getAttribute('aria-invalid'), 'true');
    const fieldError = await text(page.locator('#tp-body_text-error'));
    assert.match(fieldError, /vornme/);
    assert.match(fieldError, /Zeile 3\b/);
    assert.match(await text(page.locator('#tp-errors')), /nicht gespeichert/);
    assert.match(await body.inputValue(), /\{\{vornme\}\}/, 'the typed text stays for correcting');
    await axe.check(page, 'template edit, check error');
    if (await page.locator('iframe.mail-preview').count()) {
      await page.frameLocator('iframe.mail-preview').locator('body').waitFor();
    }
    await screenshot(page, 'admin-template.png');

    await page.goto(editUrl);
    assert.equal(await page.getByLabel('Text', { exact: true }).inputValue(), original, 'nothing was saved');
    assertNoProblems(broker);
    axe.assertClean();
  });

  test('6. the other admin screens pass axe and are photographed', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { page } = broker;
    const axe = new AxeLog();
    const screens = [
      ['/admin/contacts/new', 'contact-new', /^Neuer Kontakt$/],
      ['/admin/contacts/import', 'contact-import', null],
      ['/admin/mailings', 'mailings', /^Serien-E-Mails$/],
      ['/admin/settings', 'settings', /^Einstellungen$/],
      ['/admin/users', 'users', /^Benutzer$/],
      ['/admin/audit', 'audit', /^Protokoll$/],
      ['/admin/integration', 'integration', /^Schnittstellen zum CRM$/],
    ];
    const failed = [];
    for (const [url, name, h1] of screens) {
      const response = await page.goto(`${server.baseUrl}${url}`);
      if (response.status() !== 200) {
        failed.push(`${url}: HTTP ${response.status()}`);
        continue;
      }
      await assertAdminPage(page, h1);
      await axe.check(page, name);
      await screenshot(page, `admin-${name}.png`);
    }
    assert.deepEqual(failed, [], 'every admin screen opens');
    assertNoProblems(broker);
    axe.assertClean();
  });
});
