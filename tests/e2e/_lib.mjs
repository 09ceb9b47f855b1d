// Shared helpers of the browser tests: TAP output, a portal on a free port, Debian's
// chromium through playwright-core, and axe-core checks at WCAG 2.1 AA.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const build = process.env.TEST_BUILD || 'build-asan';

let n = 0;
let failed = 0;
export function ok(cond, desc, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${desc}`);
  else {
    failed++;
    console.log(`not ok ${n} - ${desc}`);
    if (detail !== undefined) console.log(`# ${String(typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1)).split('\n').join('\n# ')}`);
  }
  return cond;
}
export function done() {
  console.log(`1..${n}`);
  process.exitCode = failed ? 1 : 0;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

// The database of a portal whose files are in dir, as tests/lib.sh's portal_db_url gives it:
// SQLite in dir, or in the PostgreSQL round (MADOGUCHI_TEST_PG) a database of its own there.
export function portalDbUrl(dir) {
  const base = process.env.MADOGUCHI_TEST_PG;
  if (!base) return `sqlite:${dir}/portal.db`;
  const name = 'it_' + createHash('md5').update(dir).digest('hex').slice(0, 20);
  try { // made at the first call for dir; a later one finds it there
    execFileSync('psql', ['-X', '-q', `${base}postgres`, '-c', `CREATE DATABASE ${name}`], { stdio: 'ignore' });
  } catch { /* it exists */ }
  return base + name;
}

// Runs SQL on the database of the portal whose files are in dir (portalDbUrl), through
// sqlite3 or psql; the rows as tests/lib.sh's sql prints them (values joined by |), trimmed.
export function portalSql(dir, q) {
  if (!process.env.MADOGUCHI_TEST_PG)
    return execFileSync('sqlite3', ['-cmd', '.timeout 5000', `${dir}/portal.db`, q]).toString().trim();
  return execFileSync('psql', ['-X', '-q', '-At', '-F', '|', '-v', 'ON_ERROR_STOP=1', portalDbUrl(dir), '-c', q])
    .toString().trim();
}

// Starts the portal with a fresh database; returns { url, stop, dir }.
export async function startPortal(env = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-e2e-'));
  const port = await freePort();
  const child = spawn(path.join(root, build, 'madoguchi'), [], {
    cwd: root,
    env: { ...process.env, MADOGUCHI_PORT: String(port), MADOGUCHI_DATABASE: portalDbUrl(dir),
      MADOGUCHI_BASE_URL: `http://127.0.0.1:${port}`,
      MADOGUCHI_DEV_MODE: '1', MADOGUCHI_ACCESS_LOG: `${dir}/access.log`, MADOGUCHI_THREADS: '2', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(`${url}/healthz`); if (r.ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    url, dir,
    async stop() {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page at WCAG 2.0/2.1 A and AA; returns the violations.
export async function axe(page) {
  // The page's CSP forbids inline scripts; evaluate() runs in the page without a <script>.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((x) => x.target.join(' ')).slice(0, 5) }));
  });
}

// One check that the page has no WCAG 2.1 AA violation (axe-core), named what.
export async function a11y(page, what) {
  const v = await axe(page);
  ok(v.length === 0, `${what}: no WCAG 2.1 AA violation`, v);
}
