// The staff dashboard (集計) in a real browser: three road/park reports are submitted through
// the form, two of them moved back to 3 days ago with sqlite3; the demo administrator
// (development mode), given the reviewer's role on the procedure, logs in with an oathtool
// code and follows the navigation to 集計. axe-core finds no WCAG 2.1 AA violation on the page
// (30 days, then 90 days chosen with the form), the chart is an image named by its title, and
// the browser's DOM has the same numbers in the SVG's bars as in the table, day by day, with
// the taller bar for the larger number; the page fits a 320 px screen.
import { execFileSync } from 'node:child_process';
import { startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const P = 'road-park-report';
const totp = () => execFileSync('oathtool', ['--totp', '-b', SECRET]).toString().trim();
const sql = (q) => portalSql(portal.dir, q);

// The bars of the procedure's SVG and its column of the table, as "day count" lines.
async function figures(page, proc) {
  return page.evaluate((p) => {
    const svg = document.querySelector(`svg[data-proc="${p}"]`);
    const bars = [...svg.querySelectorAll('rect.bar')].map((r) => `${r.dataset.day} ${r.dataset.count}`);
    const cells = [...document.querySelectorAll('#arrivals tbody tr')].map((tr) => `${tr.dataset.day} ${tr.querySelector(`td[data-proc="${p}"]`).textContent.trim()}`);
    const h = [...svg.querySelectorAll('rect.bar')].map((r) => [Number(r.dataset.count), r.getBBox().height]);
    return { bars, cells, h };
  }, proc);
}

try {
  const page = await browser.newPage();
  for (const place of ['緑町1丁目', '緑町2丁目', '緑町3丁目']) {
    await page.goto(`${portal.url}/procedures/road-park-report/form`);
    await page.check('input[name="kind"] >> nth=0');
    await page.fill('#location', place);
    await page.fill('#details', '歩道に穴があります。');
    await Promise.all([page.waitForURL(/\/confirm$/), page.click('button[value="next"]:not(.default-action)')]);
    page.once('dialog', (d) => d.accept());
    await Promise.all([page.waitForURL(/\/complete$/), page.click('#submit-button')]);
  }
  ok(sql('select count(*) from applications') === '3', 'three reports are submitted');
  sql('update applications set submitted_at = submitted_at - 3 * 86400 where receipt in (select receipt from applications order by receipt limit 2)');
  sql("insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'road-park-report', 'reviewer' from staff where email_key = 'admin@city.example.jp'");

  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill('admin@city.example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await page.getByLabel('確認コード').fill(totp());
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/staff$/);
  await page.getByRole('link', { name: '集計' }).click();
  ok(await page.getByRole('heading', { name: '集計', level: 1 }).isVisible(), 'the navigation leads to 集計');
  await a11y(page, 'dashboard, 30 days');
  const img = page.getByRole('img', { name: '道路・公園の不具合の通報：日ごとの到達件数' });
  ok(await img.isVisible(), 'the chart is an image named by its title');

  let f = await figures(page, P);
  ok(f.bars.length === 30 && f.cells.length === 30, `30 bars and 30 rows (${f.bars.length}, ${f.cells.length})`);
  ok(JSON.stringify(f.bars) === JSON.stringify(f.cells), 'the SVG and the table hold the same numbers, day by day', { bars: f.bars, cells: f.cells });
  const total = f.bars.reduce((s, l) => s + Number(l.split(' ')[1]), 0);
  ok(total === 3, `they add up to the three reports (${total})`);
  const two = f.h.find(([c]) => c === 2), one = f.h.find(([c]) => c === 1), zero = f.h.find(([c]) => c === 0);
  ok(two && one && zero && two[1] > one[1] && one[1] > 0 && zero[1] === 0, 'the bar of 2 is drawn taller than the bar of 1, a day of 0 has none', f.h.filter(([c]) => c > 0));

  await page.getByLabel('直近90日間').check();
  await page.getByRole('button', { name: 'この条件で表示' }).click();
  await page.waitForURL(/days=90/);
  await a11y(page, 'dashboard, 90 days');
  f = await figures(page, P);
  ok(f.bars.length === 90 && JSON.stringify(f.bars) === JSON.stringify(f.cells), `90 days: the same numbers in the SVG and the table (${f.bars.length} bars)`);

  const phone = await browser.newPage({ viewport: { width: 320, height: 640 } });
  await phone.context().addCookies(await page.context().cookies());
  await phone.goto(`${portal.url}/staff/dashboard`);
  const w = await phone.evaluate(() => document.documentElement.scrollWidth);
  ok(w <= 320, `the dashboard fits a 320 px screen (scroll width ${w})`);
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
