// Browser test of the personal consent page (/c/{token}, DESIGN.md §1.3 and §8).
//
// Starts a throwaway consentd (SQLite in a temp dir, demo data, any free loopback port),
// drives Debian's /usr/bin/chromium through playwright-core (no browser download) and
// clicks through what a recipient does: give consent, correct the phone number (with a
// validation error first), add a search profile with German number formats, request
// deletion. Once on a phone viewport and once on a desktop viewport, each with its own
// demo contact; a third contact checks the English page. Each state of the page passes
// axe-core's WCAG 2.1 A/AA rules (axe.mjs). Full-page screenshots go to
// $CONSENTD_DOCS/screenshots (the docs show them).
//
// Builds nothing: it uses $CONSENTD_BIN (ctest sets it), else build/consentd of this tree.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

import { AxeLog } from './axe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const BIN = process.env.CONSENTD_BIN || path.join(repo, 'build', 'consentd');
const SHOTS = path.join(process.env.CONSENTD_DOCS || path.join(repo, 'docs'), 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

const CONTROLLER = 'Musterimmobilien GmbH & Co. KG';
const STEP_TIMEOUT_MS = 15_000;

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 900 } };

let workDir;
let server;
let serverLog = '';
let baseUrl;
let contacts = []; // [{ name, token }] in the order `consentd demo` prints them
let browser;

// ---------------------------------------------------------------------------------------
// Server and browser lifecycle

async function runDemo(db) {
  const { stdout } = await promisify(execFile)(BIN, ['--db', db, 'demo'], { cwd: workDir, timeout: 60_000 });
  const found = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s+(\S.*?)\s+https?:\/\/\S+\/c\/([A-Za-z0-9_-]{20,})\s*$/.exec(line);
    if (m) found.push({ name: m[1], token: m[2] });
  }
  assert.ok(found.length >= 4, `consentd demo printed ${found.length} consent links:\n${stdout}`);
  return found;
}

async function startServer(db) {
  const portFile = path.join(workDir, 'port');
  server = spawn(BIN, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--port-file', portFile], {
    cwd: workDir, // the default outbox folder ./var/ lands in the temp dir, not in the tree
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  let exited = null;
  server.once('exit', (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`consentd serve exited early (${JSON.stringify(exited)}):\n${serverLog}`);
    if (existsSync(portFile)) {
      const text = (await readFile(portFile, 'utf8')).trim();
      if (/^\d+$/.test(text) && Number(text) > 0) return Number(text);
    }
    if (Date.now() > deadline) throw new Error(`no port file after 20 s:\n${serverLog}`);
    await delay(25);
  }
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true),
    delay(10_000, false, { ref: false })]); // an unref'd timer does not hold the process
  if (!stopped) {
    server.kill('SIGKILL');
    await exited;
    assert.fail(`consentd did not stop within 10 s of SIGTERM:\n${serverLog}`);
  }
}

before(async () => {
  assert.ok(existsSync(BIN), `consentd binary not found at ${BIN} (build it: ninja -C build consentd)`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
  await mkdir(SHOTS, { recursive: true });
  workDir = await mkdtemp(path.join(tmpdir(), 'consentd-e2e-'));
  const db = `sqlite:${path.join(workDir, 'db.sqlite')}`;
  contacts = await runDemo(db);
  const port = await startServer(db);
  baseUrl = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await stopServer();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// Helpers

const linkOf = (contact) => `${baseUrl}/c/${contact.token}`;

// A context plus a page that records console errors, uncaught errors and failed requests
// (a CSP violation or a missing stylesheet shows up there).
async function openPage(contextOptions) {
  const context = await browser.newContext(contextOptions);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  // Chromium logs every 4xx response as a console error; those are judged by URL below.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    const expected = (r.status() === 422 && r.request().method() === 'POST') // a rejected form
      || new URL(r.url()).pathname === '/favicon.ico'; // Chromium asks for it now and then; there is none
    if (r.status() >= 400 && !expected) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { context, page, problems };
}

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

// Tap on a touch device, click elsewhere; wait for the page the form submission leads to.
async function submit(page, button, urlPattern, { touch = false } = {}) {
  await Promise.all([
    page.waitForURL(urlPattern, { waitUntil: 'load' }),
    touch ? button.tap() : button.click(),
  ]);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

async function assertNoHorizontalScroll(page, where) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // the elements that stick out, to say which one does
    wide: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).replace(/\s+/g, '.') : ''}`),
  }));
  assert.ok(scrollWidth <= innerWidth,
    `${where}: page scrolls sideways (scrollWidth ${scrollWidth} > innerWidth ${innerWidth}); too wide: ${wide.join(', ')}`);
}

async function exportOf(page, contact) {
  const response = await page.request.get(`${linkOf(contact)}/export`);
  assert.equal(response.status(), 200);
  return response.json();
}

// dd.mm.yyyy of a day, both in UTC and in Berlin (the server may use either).
function germanDates(date) {
  const fmt = (timeZone) => new Intl.DateTimeFormat('de-DE',
    { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);
  return new Set([fmt('UTC'), fmt('Europe/Berlin')]);
}

function parseGermanDate(s) {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  assert.ok(m, `not a German date: ${s}`);
  return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
}

// ---------------------------------------------------------------------------------------
// The recipient's walk through the page, shared by both viewports.

async function walkThrough({ contextOptions, contact, touch, shots }) {
  const { context, page, problems } = await openPage({ ...contextOptions, locale: 'de-DE' });
  const url = linkOf(contact);
  const axe = new AxeLog();
  const device = touch ? 'phone' : 'desktop';
  const checkLayout = async (where) => {
    if (touch) await assertNoHorizontalScroll(page, where);
    await axe.check(page, `consent page (${device}), ${where}`);
  };
  try {
    // --- the page as the mail link opens it
    const response = await page.goto(url);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.title(), 'Ihre Einwilligung und Ihre Daten');
    assert.equal(await text(page.locator('h1')), 'Ihre Einwilligung und Ihre Daten');
    assert.equal(await text(page.locator('header .company')), CONTROLLER);
    assert.match(await text(page.locator('footer')), /Verantwortlich: Musterimmobilien GmbH & Co\. KG, /);
    assert.match(await text(page.locator('main > p').first()), /^(Sehr geehrte|Guten Tag)/);
    assert.equal(await page.locator('p.state').getAttribute('data-state'), 'none');
    assert.match(await text(page.locator('p.state')), /keine Einwilligung/);
    assert.match(await text(page.locator('#consent')), /Akquisition und Vermittlung von Immobilien/);
    // the stylesheet came through the CSP
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(245, 246, 248)');
    await checkLayout('initial page');
    if (shots.initial) await screenshot(page, shots.initial);

    // --- give consent
    const consentButton = page.locator('button#give-consent');
    assert.equal(await text(consentButton), 'Ich willige ein');
    await submit(page, consentButton, /[?&]done=consent\b/, { touch });
    assert.equal(await text(page.locator('#flash')), 'Vielen Dank! Ihre Einwilligung wurde gespeichert.');
    const granted = page.locator('p.state[data-state=granted]');
    const grantedText = await text(granted);
    assert.match(grantedText, /seit dem (\d{2}\.\d{2}\.\d{4})/);
    const since = /seit dem (\d{2}\.\d{2}\.\d{4})/.exec(grantedText)[1];
    assert.ok(germanDates(new Date()).has(since), `consent date ${since} is not today`);
    assert.equal(await text(consentButton), 'Einwilligung erneut bestätigen');
    assert.equal(await page.locator('button#withdraw').count(), 1, 'withdrawing must be offered once consent is given');
    await checkLayout('after consent');
    if (shots.granted) await screenshot(page, shots.granted);

    // --- correct the phone number: first a wrong one, then a right one
    const before = await exportOf(page, contact);
    const telefon = page.getByLabel('Telefon', { exact: true });
    assert.equal(await telefon.getAttribute('id'), 'contact-telefon');
    assert.equal(await telefon.getAttribute('type'), 'tel');
    await telefon.fill('12ab');
    await submit(page, page.locator('#save-contact'), /\/contact(#contact)?$/, { touch });
    const fieldError = page.locator('#contact-telefon-error');
    const errorText = await text(fieldError);
    assert.match(errorText, /Telefonnummer|Rufnummer|Nummer/, `German error at the field, got: ${errorText}`);
    assert.doesNotMatch(errorText, /\b(phone number|invalid|please)\b/i, 'the error must be German');
    assert.equal(await page.locator('#contact-telefon').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#contact-telefon').getAttribute('aria-describedby'), 'contact-telefon-error');
    assert.equal(await page.locator('#contact-telefon').inputValue(), '12ab', 'the typed value stays for correcting');
    assert.equal(await page.locator('#flash').count(), 0, 'no success notice after a rejected form');
    const afterError = await exportOf(page, contact);
    assert.equal(afterError.contact.telefon, before.contact.telefon, 'the wrong number must not be saved');
    assert.deepEqual(afterError.activities, before.activities, 'a rejected form writes no activity');
    assert.deepEqual(afterError.contact, before.contact, 'a rejected form changes no contact data');
    await checkLayout('validation error');
    if (shots.error) await screenshot(page, shots.error);

    await page.locator('#contact-telefon').fill('0171 2345678');
    await submit(page, page.locator('#save-contact'), /[?&]done=contact\b/, { touch });
    assert.equal(await text(page.locator('#flash')), 'Vielen Dank! Ihre Daten und Ihre Einwilligung wurden gespeichert.');
    assert.equal(await page.locator('#contact-telefon').inputValue(), '+49 171 2345678');
    assert.equal(await page.locator('#contact-telefon-error').count(), 0);
    assert.equal((await exportOf(page, contact)).contact.telefon, '+49 171 2345678');
    assert.equal(await page.locator('p.state').getAttribute('data-state'), 'granted');

    // --- add a search profile, numbers written the German way
    const newProfile = page.locator('details#profile-new');
    assert.equal(await text(newProfile.locator('summary')), 'Neues Suchprofil anlegen');
    assert.equal(await newProfile.getAttribute('open'), null, 'the new-profile form starts closed');
    await (touch ? newProfile.locator('summary').tap() : newProfile.locator('summary').click());
    await page.locator('#profile-new-vermarktungsart').waitFor({ state: 'visible' });
    await page.locator('#profile-new-vermarktungsart').selectOption({ label: 'Kauf' });
    await page.locator('#profile-new-nutzungsart').selectOption({ label: 'Wohnen' });
    await page.locator('#profile-new-objektart').selectOption({ label: 'Haus' });
    await page.locator('#profile-new-objekttyp').selectOption({ label: 'Einfamilienhaus' });
    await newProfile.getByLabel('PLZ', { exact: true }).fill('10557');
    await newProfile.locator('fieldset', { hasText: 'Preis' }).getByLabel('bis (€)').fill('350.000 €');
    await newProfile.locator('fieldset', { hasText: 'Zimmer' }).getByLabel('von', { exact: true }).fill('2,5');
    await checkLayout('new search profile form');
    const profilesBefore = await page.locator('details.profile:not(#profile-new)').count();
    await submit(page, newProfile.getByRole('button', { name: 'Suchprofil anlegen' }), /[?&]done=profile_added\b/, { touch });
    assert.equal(await text(page.locator('#flash')), 'Ihr Suchprofil wurde angelegt.');
    const profiles = page.locator('details.profile:not(#profile-new)');
    assert.equal(await profiles.count(), profilesBefore + 1);
    const summary = await text(profiles.last().locator('summary'));
    for (const part of ['Haus', 'Einfamilienhaus', 'Kauf', '10557', '350.000 €', '2,5']) {
      assert.ok(summary.includes(part), `profile summary "${summary}" lacks "${part}"`);
    }
    const saved = (await exportOf(page, contact)).search_profiles.at(-1);
    assert.equal(saved.vermarktungsart, 'KAUF');
    assert.equal(saved.nutzungsart, 'WOHNEN');
    assert.equal(saved.objektart, 'haus');
    assert.equal(saved.objekttyp, 'EINFAMILIENHAUS');
    assert.equal(saved.plz, '10557');
    assert.equal(await page.locator('details#profile-new').getAttribute('open'), null, 'the new-profile form closes after saving');
    await checkLayout('after adding a profile');
    if (shots.profile) {
      await profiles.last().locator('summary').click(); // show what was stored
      await profiles.last().locator('form').first().waitFor({ state: 'visible' });
      await screenshot(page, shots.profile);
    }

    // --- request deletion
    const deletionButton = page.locator('button#request-deletion');
    assert.equal(await text(deletionButton), 'Löschung meiner Daten beantragen');
    await submit(page, deletionButton, /[?&]done=deletion\b/, { touch });
    assert.match(await text(page.locator('#flash')), /Löschantrag wurde gespeichert/);
    const state = page.locator('p.state[data-state=deletion_requested]');
    const stateText = await text(state);
    assert.match(stateText, /Löschung Ihrer Daten beantragt/);
    const due = /(\d{2}\.\d{2}\.\d{4})\.?$/.exec(stateText)?.[1];
    assert.ok(due, `no due date in "${stateText}"`);
    const days = (parseGermanDate(due) - Date.now()) / 86_400_000;
    assert.ok(days >= 26 && days <= 32, `due date ${due} is not one month ahead (Art. 12(3)): ${days.toFixed(1)} days`);
    assert.equal(await page.locator('button#request-deletion').count(), 0, 'no second deletion request');
    assert.match(await text(page.locator('#rights')), /Ihr Löschantrag liegt uns vor/);
    await checkLayout('after the deletion request');
    if (shots.deletion) await screenshot(page, shots.deletion);

    assert.deepEqual(problems, [], 'console errors or failed requests');
    axe.assertClean();
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------

describe('consent page in Chromium', () => {
  test('phone (390x844, touch): consent, phone correction, search profile, deletion', async () => {
    await walkThrough({
      contextOptions: PHONE,
      contact: contacts[0],
      touch: true,
      shots: { initial: 'consent-phone.png', error: 'consent-phone-error.png' },
    });
  });

  test('desktop (1280x900): consent, phone correction, search profile, deletion', async () => {
    await walkThrough({
      contextOptions: DESKTOP,
      contact: contacts[1],
      touch: false,
      shots: {
        granted: 'consent-desktop-granted.png',
        profile: 'consent-desktop-profile.png',
        deletion: 'consent-desktop-deletion.png',
      },
    });
  });

  test('error summary at the top of the page after a rejected form', async () => {
      const { context, page } = await openPage({ ...PHONE, locale: 'de-DE' });
      try {
        await page.goto(linkOf(contacts[3]));
        await page.locator('#contact-telefon').fill('12ab');
        await submit(page, page.locator('#save-contact'), /\/contact(#contact)?$/, { touch: true });
        const summary = page.locator('#error-summary');
        assert.equal(await summary.count(), 1, 'no #error-summary on the page');
        assert.match(await text(summary), /Bitte prüfen Sie Ihre Eingaben/);
        assert.equal(await summary.locator('a').first().getAttribute('href'), '#contact-telefon');
        assert.ok(await summary.isVisible());
      } finally {
        await context.close();
      }
    });

  test('English page with Accept-Language: en, and the language switch', async () => {
    const { context, page, problems } = await openPage({
      ...DESKTOP, locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en' },
    });
    try {
      const url = linkOf(contacts[2]);
      await page.goto(url);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await text(page.locator('h1')), 'Your consent and your data');
      assert.equal(await text(page.locator('button#give-consent')), 'I agree');
      assert.equal(await text(page.locator('header .company')), CONTROLLER);
      assert.equal(await page.getByLabel('Phone', { exact: true }).getAttribute('id'), 'contact-telefon');
      assert.equal(await text(page.locator('details#profile-new summary')), 'Add a search profile');

      // an English act stays English
      await submit(page, page.locator('button#give-consent'), /[?&]done=consent\b/);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.match(await text(page.locator('p.state[data-state=granted]')), /since/);
      const axe = new AxeLog();
      await axe.check(page, 'consent page (English), after consent');
      axe.assertClean();

      // the switch in the header leads to the German page, whatever the browser asks for
      const toGerman = page.locator('header nav.lang a');
      assert.equal(await text(toGerman), 'Deutsch');
      await Promise.all([page.waitForURL(/[?&]lang=de\b/), toGerman.click()]);
      assert.equal(await page.locator('html').getAttribute('lang'), 'de');
      assert.equal(await text(page.locator('h1')), 'Ihre Einwilligung und Ihre Daten');
      assert.equal(await text(page.locator('header nav.lang a')), 'English');
      assert.deepEqual(problems, [], 'console errors or failed requests');
    } finally {
      await context.close();
    }
  });
});
