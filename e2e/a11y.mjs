// The accessibility and phone-width check every page gets (see pages.test.mjs).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { shots } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The widths every page is checked at: a desktop and a phone. */
export const WIDTHS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];

/**
 * Checks the page as it is now, at each width: axe-core's rules (WCAG 2.1 AA and best
 * practice), and at 390 px that the document is no wider than the viewport. Problems are added
 * to `problems`, so one run reports them all. The page's context needs `bypassCSP: true` (the
 * check injects axe's script; the server's policy rightly refuses it).
 */
export async function checkPage(page, name, problems) {
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
      await page.addScriptTag({ path: AXE });
    }
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations) {
      problems.push(`${name} at ${size.width}px: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
    if (size.width === 390) {
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      if (scrollWidth > innerWidth) problems.push(`${name} at 390px: the page is ${scrollWidth}px wide`);
    }
    await page.screenshot({ path: join(shots, `page-${name}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS[0]);
}
