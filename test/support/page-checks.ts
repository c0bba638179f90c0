import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { foreignText } from './french-text.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * axe-core (the npm package, injected into the page) on what the page shows now: the serious
 * and critical violations, as "rule: help (targets)". The page's context needs bypassCSP,
 * the box pages allowing only their own scripts.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  // Strings run in the page: this project compiles without the DOM types.
  const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** How far the page scrolls sideways (0 when it fits its viewport). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('(document.scrollingElement ?? document.documentElement).scrollWidth - (document.scrollingElement ?? document.documentElement).clientWidth') as Promise<number>;
}

/** English words and internal ids in the text a person sees on the page (see french-text.ts). */
export async function foreignWordsOnPage(page: Page, extra: readonly string[] = []): Promise<string[]> {
  return foreignText(await page.locator('body').innerText(), extra);
}
