// Opens `lockyard run --report` pages in headless Chromium and checks what a
// reader does with them: the page renders without console errors, the sequence
// view has a server lane and the clients' lanes, a click on a violation selects
// exactly its operations (the numbers of --json and the history file), hover
// titles carry the same numbers, zoom changes the axis, and with many clients
// the uninvolved lanes are folded into one and unfold on a click.
//   node tests/browser/report.test.mjs DIR NAME...   (DIR/NAME.html, NAME.json)
// Prints "ok ..." / "FAILED ..." lines.
import { readFileSync } from 'node:fs';
import { launch } from './browser.mjs';

const [dir, ...names] = process.argv.slice(2);
let failed = 0;
const ok = (c, what) => { console.log((c ? 'ok      ' : 'FAILED  ') + what); if (!c) failed++; };

const { browser, page, errors } = await launch(1280, 900);
try {
  for (const name of names) {
    errors.length = 0;
    const run = JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8')).scenarios[0];
    await page.goto(`file://${dir}/${name}.html`);
    await page.waitForSelector('body[data-rendered] svg.seqsvg', { timeout: 15000 });
    const lanes = await page.$$eval('svg.seqsvg text.lane', ts => ts.map(t => t.textContent));
    ok(lanes[0] === 'server' && lanes.length > 1, `${name}: sequence view with a server lane and client lanes (${lanes.join(' ')})`);
    const badge = await page.textContent('#badge');
    const undecided = !run.found.length && run.stats.linearizable_keys < run.stats.keys_checked;
    ok(badge === (run.expected.length ? 'bug reproduced' : undecided ? 'no violation found, a check undecided' : 'protocol correct'),
       `${name}: badge "${badge}"`);
    const rows = await page.$$eval('#checks tr.unknown td', tds => tds.map(t => t.textContent));
    ok(undecided === (rows.length > 0) && (!undecided || rows[1].startsWith('unknown: ')),
       `${name}: ${undecided ? 'an undecided check is a grey "unknown: reason" row' : 'no unknown rows'}`);
    ok(await page.$$eval('.story p', ps => ps.length) > 0, `${name}: the scenario's story is on the page`);
    for (let vi = 0; vi < Math.min(run.violations.length, 3); vi++) {
      await page.click(`#violations li[data-v="${vi}"]`);
      const sel = await page.$$eval('svg .op.sel, svg .mark.sel', es => es.map(e => +e.getAttribute('data-n')));
      const want = run.violations[vi].events;
      const got = [...new Set(sel)].sort((a, b) => a - b), exp = [...want].sort((a, b) => a - b);
      ok(JSON.stringify(got) === JSON.stringify(exp),
         `${name}: a click on violation ${vi + 1} (${run.violations[vi].kind}) selects operations ${exp.join(' ')} (got ${got.join(' ')})`);
      const label = await page.$eval(`#violations li[data-v="${vi}"]`, li => li.textContent);
      ok(want.every(n => label.includes('#' + n)), `${name}: violation ${vi + 1} lists the same numbers`);
    }
    const titles = await page.$$eval('svg g.op', gs => gs.slice(0, 50).map(g => [g.getAttribute('data-n'), g.querySelector('title').textContent]));
    ok(titles.length > 0 && titles.every(([n, t]) => t.startsWith('#' + n + ' ')), `${name}: hover titles carry the operation's number`);
    const axis0 = await page.$$eval('svg text.axis', ts => ts.map(t => t.textContent).join());
    await page.click('#zin');
    const axis1 = await page.$$eval('svg text.axis', ts => ts.map(t => t.textContent).join());
    await page.click('#zfit');
    ok(axis0 !== axis1, `${name}: zoom changes the time axis`);
    const fold = await page.$('svg text.lane.fold');
    if (fold) {
      const procs = new Set(JSON.parse(await page.textContent('#lockyard-data')).ops.map(o => o.p));
      const before = lanes.length - 1;
      await fold.click();
      const after = (await page.$$eval('svg.seqsvg text.lane', ts => ts.length)) - 1;
      ok(before <= 13 + run.violations.length * 8 && after >= procs.size,
         `${name}: ${procs.size} clients fold into ${before} lanes and unfold on a click (${after})`);
    }
    ok(errors.length === 0, `${name}: no console errors${errors.length ? ': ' + errors.join('; ') : ''}`);
  }
} finally {
  await browser.close();
}
process.exitCode = failed ? 1 : 0;
