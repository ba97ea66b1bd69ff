// Launches Debian's chromium headless through playwright-core (no browser
// download) with a fresh profile; collects console errors and page errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../clients/package.json'));
const { chromium } = require('playwright-core');

export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(width = 1280, height = 900) {
  const profile = mkdtempSync(join(tmpdir(), 'lockyard-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: FLAGS,
    viewport: { width, height },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  const browser = { close: async () => { await ctx.close(); rmSync(profile, { recursive: true, force: true }); } };
  return { browser, page, errors };
}
