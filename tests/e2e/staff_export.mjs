// The CSV export in a real browser: a road/park report whose reporter's name holds 𠮷
// (beyond Shift_JIS) is submitted; the demo administrator (development mode), given the
// viewer's role on the procedure with sqlite3, logs in with an oathtool code, follows the
// navigation to CSVの書き出し, downloads the UTF-8 file, then asks for Shift_JIS and gets the
// page listing 𠮷 with its receipt, column and code point, and downloads the file with 〓.
// axe-core on the form and on the page of losses.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const totp = () => execFileSync('oathtool', ['--totp', '-b', SECRET]).toString().trim();
const sql = (q) => portalSql(portal.dir, q);
try {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(`${portal.url}/procedures/road-park-report/form`);
  await page.check('input[name="kind"] >> nth=0');
  await page.fill('#location', '緑町1丁目の交差点');
  await page.fill('#details', '歩道に穴があります。');
  await page.fill('#name', '𠮷田 花子');
  await Promise.all([page.waitForURL(/\/confirm$/), page.click('button[value="next"]:not(.default-action)')]);
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForURL(/\/complete$/), page.click('#submit-button')]);
  const receipt = sql('select receipt from applications');
  ok(/^\d{4}-\d{6}$/.test(receipt), `a report is submitted (${receipt})`);
  sql("insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'road-park-report', 'viewer' from staff where email_key = 'admin@city.example.jp'");

  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill('admin@city.example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await page.getByLabel('確認コード').fill(totp());
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/staff$/);
  await page.getByRole('link', { name: 'CSVの書き出し' }).click();
  ok(await page.getByRole('heading', { name: 'CSVの書き出し', level: 1 }).isVisible(), 'the navigation leads to CSVの書き出し');
  await a11y(page, 'export form');

  const [utf8] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '書き出す' }).click()]);
  const bytes = readFileSync(await utf8.path());
  ok(bytes.subarray(0, 3).toString('hex') === 'efbbbf' && bytes.toString('utf8').includes('𠮷田 花子'), `the UTF-8 file (${utf8.suggestedFilename()}) with its BOM and 𠮷`);

  await page.getByLabel('Shift_JIS（CP932）').check();
  await page.getByRole('button', { name: '書き出す' }).click();
  ok(await page.getByRole('heading', { name: 'Shift_JISで表せない文字があります' }).isVisible(), 'Shift_JIS: the page of losses');
  const row = page.getByRole('table', { name: /表せない文字/ }).getByRole('row').nth(1);
  ok((await row.innerText()).replace(/\s+/g, ' ').trim() === `${receipt} 氏名 𠮷 U+20BB7`, 'it lists 𠮷 with its receipt, column and code point', await row.innerText());
  await a11y(page, 'the page of losses');
  const [geta] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '表せない文字を〓にして書き出す' }).click()]);
  const sjis = new TextDecoder('shift_jis').decode(readFileSync(await geta.path()));
  ok(sjis.includes('〓田 花子') && sjis.includes('緑町1丁目の交差点'), `the Shift_JIS file (${geta.suggestedFilename()}) has 〓 in place of 𠮷`);
  ok(sql("select count(*) from audit_log where action = 'export'") === '3', 'two downloads and the page of losses, three export audit rows');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
