// A bulk decision (一括決定) in a real browser, with the portal's mails going to a real SMTP
// server: the demo resident submits 20 large-waste applications; the demo reviewer ticks the
// 20 in the inbox and asks for 受付; while the dry run is on screen, a second reviewer takes
// one of them to 受付 on its own page; applying changes 19 and reports that one as changed by
// another, untouched; 20 status mails reach the SMTP server (19 of the bulk decision, 1 of
// the other reviewer), one per application. The CSV upload is tried too. axe-core on the
// inbox with its ticks, the upload form, the dry run and the result.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { root, startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';
import { startSmtp } from './_smtp.mjs';

const smtp = await startSmtp();
const portal = await startPortal({
  MADOGUCHI_MAIL_MODE: 'smtp', MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'noreply@city.example.jp',
  MADOGUCHI_MAIL_RETRY_SECONDS: '1', MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1',
});
const browser = await launch();
const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', secret]).toString().trim();
const sql = (q) => portalSql(portal.dir, q);
const accepted = (r) => `「受付」になりました（受付番号 ${r}）`;

async function staffLogin(page, email, secret) {
  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await page.getByLabel('確認コード').fill(totp(secret));
  await Promise.all([page.waitForURL(/\/staff$/), page.getByRole('button', { name: 'ログイン' }).click()]);
}

try {
  const receipts = execFileSync('bash', ['-c',
    '. tests/lib.sh; . tests/staff_lib.sh; demo_login "$T/rj" > /dev/null; for i in $(seq 1 20); do gomi_apply "$T/rj" "品物$i"; done'], {
    cwd: root, env: { ...process.env, T: portal.dir, U: portal.url },
  }).toString().trim().split('\n');
  ok(receipts.length === 20 && receipts.every((r) => /^\d{4}-\d{6}$/.test(r)), `the demo resident submits 20 applications (${receipts[0]} … ${receipts[19]})`);
  sql("insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'sodaigomi-collection', 'reviewer' from staff where email_key in ('shinsa@city.example.jp', 'admin@city.example.jp')");

  const page = await (await browser.newContext()).newPage();
  await staffLogin(page, 'shinsa@city.example.jp', 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA');
  await page.goto(`${portal.url}/staff?proc=sodaigomi-collection&status=sent`);
  for (const r of receipts) await page.getByRole('checkbox', { name: `${r}を選ぶ` }).check();
  ok(await page.getByRole('checkbox', { checked: true }).count() === 20, 'the reviewer ticks the 20 in the inbox');
  await page.getByLabel('選んだ申請の新しい状態').selectOption({ label: '受付' });
  await a11y(page, 'inbox with ticks');
  await page.getByRole('button', { name: '選んだ申請の一括決定へ進む' }).click();
  await page.getByRole('heading', { name: '一括決定の確認', level: 1 }).waitFor();
  const rows = page.getByRole('table', { name: /変える申請と、メールが送られる相手/ }).getByRole('row');
  ok(await rows.count() === 21, 'the dry run lists 20 applications', String(await rows.count()));
  ok((await rows.nth(1).innerText()).replace(/\s+/g, ' ').includes('送信済 受付 d***@example.jp 変更します'), 'each with its status now, 受付 and the masked address', await rows.nth(1).innerText());
  ok(sql(`select count(*) from applications where status = 'sent'`) === '20', 'the dry run changed nothing');
  await a11y(page, 'dry run');

  const other = await (await browser.newContext()).newPage();
  await staffLogin(other, 'admin@city.example.jp', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  const changed = receipts[7];
  await other.goto(`${portal.url}/staff/applications/${changed}`);
  await other.getByRole('radio', { name: '受付', exact: true }).check();
  await Promise.all([other.waitForURL(/done=decision/), other.getByRole('button', { name: '決定を記録する' }).click()]);
  ok(sql(`select status from applications where receipt = '${changed}'`) === 'accepted', `meanwhile another reviewer takes ${changed} to 受付`);

  await page.getByRole('button', { name: '20件の状態を変える' }).click();
  await page.getByRole('heading', { name: '一括決定の結果', level: 1 }).waitFor();
  const summary = await page.getByRole('status').innerText();
  ok(summary.includes('20件のうち19件の状態を変えました。1件は、確認の画面を開いたあとにほかの職員が変更していたため'), 'the result: 19 changed, 1 changed by another', summary);
  const row = page.getByRole('row', { name: new RegExp(changed) });
  ok((await row.innerText()).includes('ほかの職員が変更していたため、変更していません'), `… and it names ${changed}`, await row.innerText());
  await a11y(page, 'bulk result');
  ok(sql("select count(*) from applications where status = 'accepted'") === '20', 'all 20 are 受付 now');
  ok(sql(`select count(*) from application_events where receipt = '${changed}'`) === '2', `${changed} has one 受付 event, the other reviewer's`);

  for (const r of receipts) await smtp.waitFor('demo@example.jp', accepted(r));
  const mails = smtp.messages().filter((m) => m.subject.includes('「受付」になりました'));
  ok(mails.length === 20 && new Set(mails.map((m) => m.subject)).size === 20, `20 status mails reached the SMTP server, one per application (${mails.length})`);

  await page.goto(`${portal.url}/staff`);
  await page.getByRole('link', { name: 'CSVファイルで一括決定する' }).click();
  await a11y(page, 'upload form');
  const csv = `${portal.dir}/up.csv`;
  writeFileSync(csv, `受付番号,状態\r\n${receipts[0]},審査中\r\n${receipts[1]},申請却下\r\n`);
  await page.getByLabel('CSVファイル').setInputFiles(csv);
  await page.getByRole('button', { name: '確認の画面へ進む' }).click();
  await page.getByRole('heading', { name: '一括決定の確認', level: 1 }).waitFor();
  const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
  ok(text.includes('2件のうち、1件の状態を変えます。1件は変えられないため') && text.includes('いまの状態からは、この状態に変えられません'), 'the upload: one change, and 受付 to 申請却下 is not allowed', text);
  await a11y(page, 'dry run of an upload');
  await page.getByRole('button', { name: '1件の状態を変える' }).click();
  await page.getByRole('heading', { name: '一括決定の結果', level: 1 }).waitFor();
  ok(sql(`select status from applications where receipt = '${receipts[0]}'`) === 'reviewing', `${receipts[0]} is 審査中`);
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  smtp.stop();
  done();
}
