// The live page on a server started with --admin-token, in headless Chromium.
// Without the token the page says what it needs (and shows no data); opened as
// /_lockyard/ui#token=T it follows the journal, the token leaves the address bar,
// and a reload of the tab keeps working; a wrong token is named as such.
//   node tests/browser/live-token.test.mjs ENDPOINT TOKEN [SCREENSHOT.png]
import { launch } from './browser.mjs';

const [E, TOKEN, shot] = process.argv.slice(2);
let failed = 0;
const ok = (c, what) => { console.log((c ? 'ok      ' : 'FAILED  ') + what); if (!c) failed++; };
const visible = (page) => page.$eval('#needauth', d => !d.hidden);
const { browser, page, errors } = await launch(1280, 820);
try {
  await page.goto(E + '/_lockyard/ui');
  await page.waitForFunction(() => !document.getElementById('needauth').hidden, null, { timeout: 10000 });
  const msg = await page.textContent('#needauth');
  ok(msg.includes('protects its admin API') && msg.includes('#token='),
     'without the token the page says it needs one and how to give it');
  ok(!(await page.$('svg[data-key]')), 'without the token the page shows no requests');

  await page.goto(E + '/_lockyard/ui#token=not-it');
  await page.waitForFunction(() => /does not match/.test(document.getElementById('needauth').textContent),
                             null, { timeout: 10000 });
  ok(true, 'a wrong token is named as such');

  errors.length = 0; // the refused polls above are console errors by design
  await page.goto(E + '/_lockyard/ui#token=' + encodeURIComponent(TOKEN));
  await page.waitForSelector('body[data-since]', { timeout: 10000 });
  ok(!page.url().includes('token'), `the token is gone from the address bar (${page.url()})`);
  ok(!(await visible(page)), 'with the token the page shows no warning');
  // --auth any: an unsigned client may write; only the admin API is guarded.
  const put = (path, headers = {}, body = '{"ID":"t"}') => fetch(E + path, { method: 'PUT', headers, body });
  ok((await put('/live-token', {}, '')).status === 200, 'create bucket');
  ok((await put('/live-token/env/state.tflock', { 'If-None-Match': '*', 'x-lockyard-client': 'alice' })).status === 200,
     'alice takes the lock');
  const key = 'live-token/env/state.tflock';
  await page.waitForFunction(k => document.querySelector(`svg[data-key="${k}"]`), key, { timeout: 5000 });
  ok((await page.textContent('#locks')).includes('alice'), 'with the token the page follows the journal: alice holds the lock');

  await page.reload();
  await page.waitForSelector('body[data-since]', { timeout: 10000 });
  ok((await put('/live-token/env/state.tflock', { 'If-None-Match': '*', 'x-lockyard-client': 'bob' })).status === 412,
     "bob's conditional create gets 412");
  await page.waitForFunction(k => document.querySelectorAll(`svg[data-key="${k}"] g`).length === 2, key, { timeout: 5000 });
  const text = await page.$eval(`svg[data-key="${key}"]`, s => s.textContent);
  ok(!(await visible(page)) && text.includes('\u2192 200') && text.includes('\u2192 412 PreconditionFailed'),
     'after a reload the tab still has the token and shows both requests: 200 then 412');
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  ok(errors.length === 0, 'no console errors with the token' + (errors.length ? ': ' + errors.join('; ') : ''));
} finally {
  await browser.close();
}
process.exitCode = failed ? 1 : 0;
