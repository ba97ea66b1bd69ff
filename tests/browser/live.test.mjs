// The live page GET /_lockyard/ui in headless Chromium while the AWS CLI races
// for a lock: two `aws s3api put-object --if-none-match '*'` (access keys alice
// and bob) on one key. The page must show both requests on the key's sequence
// diagram as they happen (200, then 412 PreconditionFailed), alice as the
// holder, an active fault rule, and no console errors.
//   node tests/browser/live.test.mjs ENDPOINT [SCREENSHOT.png]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const [E, shot] = process.argv.slice(2);
let failed = 0;
const ok = (c, what) => { console.log((c ? 'ok      ' : 'FAILED  ') + what); if (!c) failed++; };
const tmp = mkdtempSync(join(tmpdir(), 'lockyard-live-'));
const body = join(tmp, 'lock.json');
const aws = (key, args) => {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1',
                AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  try {
    execFileSync('aws', ['--endpoint-url', E, 's3api', ...args], { env, stdio: 'pipe' });
    return 0;
  } catch (e) { return String(e.stderr); }
};
const { browser, page, errors } = await launch(1280, 820);
try {
  writeFileSync(body, '{"ID":"demo"}');
  await fetch(E + '/_lockyard/faults', { method: 'POST', body: JSON.stringify(
    { match: { service: 's3', op: 'GetObject', key: 'never/*' }, action: { type: 'delay', ms: 1 } }) });
  await page.goto(E + '/_lockyard/ui');
  await page.waitForSelector('body[data-since]', { timeout: 10000 });
  ok((await page.textContent('#faults')).includes('never/*'), 'the active fault rule is listed');
  ok(aws('alice', ['create-bucket', '--bucket', 'lockyard-demo']) === 0, 'aws s3api create-bucket');
  const key = 'lockyard-demo/env/state.tflock';
  ok(aws('alice', ['put-object', '--bucket', 'lockyard-demo', '--key', 'env/state.tflock', '--if-none-match', '*', '--body', body]) === 0,
     "alice: aws s3api put-object --if-none-match '*' succeeds");
  await page.waitForFunction(k => document.querySelector(`svg[data-key="${k}"]`), key, { timeout: 5000 });
  ok((await page.textContent('#locks')).includes('alice'), 'the page shows alice holding the lock while bob has not tried yet');
  const second = aws('bob', ['put-object', '--bucket', 'lockyard-demo', '--key', 'env/state.tflock', '--if-none-match', '*', '--body', body]);
  ok(typeof second === 'string' && second.includes('PreconditionFailed'), "bob: the same put-object fails with PreconditionFailed");
  await page.waitForFunction(k => document.querySelectorAll(`svg[data-key="${k}"] g`).length === 2, key, { timeout: 5000 });
  const text = await page.$eval(`svg[data-key="${key}"]`, s => s.textContent);
  ok(/If-None-Match:\*/.test(text) && text.includes('\u2192 200') && text.includes('\u2192 412 PreconditionFailed'),
     'the key\'s sequence diagram shows both requests: 200 then 412');
  const lanes = await page.$$eval(`svg[data-key="${key}"] text.lane`, ts => ts.map(t => t.textContent));
  ok(lanes.join() === 'server,alice,bob', `lanes: ${lanes.join(' ')}`);
  const holder = await page.$$eval('#locks tr', trs => trs.map(t => t.textContent).join('|'));
  ok(holder.includes(key) && holder.includes('alice') && !holder.includes('bob'), 'alice still holds the lock after bob\'s 412');
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  ok(errors.length === 0, 'no console errors' + (errors.length ? ': ' + errors.join('; ') : ''));
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
