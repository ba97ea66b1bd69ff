// Renders an HTML file (or URL) in headless Chromium, fails on console errors
// and page errors, and saves a screenshot.
//   node tests/browser/shot.mjs FILE_OR_URL OUT.png [WIDTH] [HEIGHT] [--full]
import { launch } from './browser.mjs';

const [src, out, w = '1280', h = '900'] = process.argv.slice(2).filter(a => !a.startsWith('--'));
const full = process.argv.includes('--full');
const { browser, page, errors } = await launch(+w, +h);
try {
  await page.goto(/^https?:/.test(src) ? src : 'file://' + src);
  await page.waitForSelector('body[data-rendered]', { timeout: 15000 });
  await page.screenshot({ path: out, fullPage: full });
  if (errors.length) {
    console.error('console errors:\n' + errors.join('\n'));
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
