// The browser part of tests/integration/signer_gtk.sh: Debian's chromium shows the portal's
// confirmation page in the resident's session (the cookies of the test's curl jar), writes the
// page's sign link to LINK_OUT for the window app, and waits for the page to turn to
// 「電子署名済み」 by itself (the long poll or the 2 s poll), printing TAP lines.
//   node tests/gui/confirm_page.mjs URL PATH JAR LINK_OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { launch, ok, done } from '../e2e/_lib.mjs';

const [url, path, jar, linkOut] = process.argv.slice(2);

// curl's cookie jar (Netscape format; HttpOnly cookies start with #HttpOnly_)
function cookiesOf(file) {
  return readFileSync(file, 'utf8').split('\n')
    .filter((l) => l && (!l.startsWith('#') || l.startsWith('#HttpOnly_')))
    .map((l) => l.replace(/^#HttpOnly_/, '').split('\t'))
    .filter((f) => f.length === 7)
    .map(([domain, , p, secure, , name, value]) => ({ name, value, domain, path: p, secure: secure === 'TRUE', httpOnly: true }));
}

const browser = await launch();
try {
  const context = await browser.newContext({ locale: 'ja-JP' });
  await context.addCookies(cookiesOf(jar));
  const page = await context.newPage();
  await page.goto(url + path);
  const link = page.getByRole('link', { name: 'スマートフォンで電子署名する' });
  const href = await link.getAttribute('href');
  ok(/^madoguchi-sign:\/\//.test(href || ''), `the browser shows the confirmation page with its sign link (${href})`);
  writeFileSync(linkOut, href || '');
  const t0 = Date.now();
  await page.locator('[data-state="signed"]', { hasText: '電子署名済み' }).waitFor({ timeout: 120000 })
    .then(() => ok(true, `the browser's page turned to 「電子署名済み」 by itself (${Date.now() - t0} ms after the link was handed over)`),
      () => ok(false, 'the browser\'s page turned to 「電子署名済み」 by itself'));
  ok(await page.locator('#submit-button').isEnabled(), '... and 「申請する」 can be pressed');
} finally {
  await browser.close();
  done();
}
