// axe-core (npm, node_modules/axe-core) inside a Playwright page: WCAG 2.1 A and AA rules,
// violations printed so that a reader sees page, rule, impact, element and why.
//
// The pages' CSP (script-src 'self') blocks an injected <script> (page.addScriptTag) unless
// the context bypasses CSP. axe is therefore evaluated through the DevTools protocol
// (page.evaluate), which CSP does not govern: the page keeps its real CSP, so an inline
// script or style a page sneaks in still shows up as a console error in the tests.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
let axeSource = null;

// The rule tags of WCAG 2.0 and 2.1, levels A and AA.
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function injectAxe(page) {
  if (await page.evaluate(() => typeof window.axe === 'object')) return;
  axeSource ??= await readFile(AXE_PATH, 'utf8');
  await page.evaluate(axeSource);
}

// Runs axe on the page as it is now; returns the violations (axe's objects).
export async function axeViolations(page) {
  await injectAxe(page);
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    if (r.passes.length + r.violations.length === 0) throw new Error('axe-core checked no rule at all');
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, WCAG_TAGS);
  return result;
}

// One readable block per violation and element.
export function formatViolations(where, violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${where}: [${v.impact}] ${v.id} — ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 8)) {
      lines.push(`    at ${n.target}`);
      lines.push(`       ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      for (const s of (n.summary || '').split('\n').filter(Boolean)) lines.push(`       ${s.trim()}`);
    }
    if (v.nodes.length > 8) lines.push(`    … and ${v.nodes.length - 8} more elements`);
  }
  return lines.join('\n');
}

// Collects the violations of every page a test visits, so that one page's problem does not
// hide the next page's; `assertClean()` fails with all of them at the end of the test.
export class AxeLog {
  constructor() {
    this.found = []; // [{ where, violations }]
    this.checked = [];
  }

  async check(page, where) {
    const violations = await axeViolations(page);
    this.checked.push(where);
    if (violations.length) {
      this.found.push({ where, violations });
      console.log(`axe-core violations\n${formatViolations(where, violations)}`);
    }
    return violations;
  }

  report() {
    return this.found.map(({ where, violations }) => formatViolations(where, violations)).join('\n');
  }

  assertClean() {
    if (this.found.length) {
      const rules = this.found.map(({ where, violations }) => `${where}: ${violations.map((v) => v.id).join(', ')}`);
      throw new Error(`axe-core (WCAG 2.1 A/AA) found violations on ${this.found.length} of `
        + `${this.checked.length} pages:\n  ${rules.join('\n  ')}\n\n${this.report()}`);
    }
  }
}
