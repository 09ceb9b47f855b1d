// The administrator's console in a real browser: the demo administrator (development mode)
// logs in with an oathtool code, adds a staff member (the enrolment link shown), gives
// itself and the member roles through the forms, opens the audit log and filters it, chooses
// its mail alerts, and, once its code has gone stale, enters a new one at /staff/reauth
// before a change goes through. axe-core on every screen.
import { execFileSync } from 'node:child_process';
import { startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const totp = (when = 'now') => execFileSync('oathtool', ['--totp', '-b', '-N', when, SECRET]).toString().trim();
const sql = (q) => portalSql(portal.dir, q);
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill('admin@city.example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await page.getByLabel('確認コード').fill(totp());
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/staff$/);
  await page.getByRole('link', { name: '職員の管理' }).click();
  ok(await page.getByRole('heading', { name: '職員の管理', level: 1 }).isVisible(), 'the navigation leads to 職員の管理');
  ok(await page.getByRole('table', { name: '登録されている職員' }).getByText('審査 花子').isVisible(), 'the list shows the demo reviewer');
  await a11y(page, 'staff administration');

  await page.getByLabel('氏名').fill('新人 一郎');
  await page.getByLabel('メールアドレス').fill('shinjin@city.example.jp');
  await page.getByRole('button', { name: '職員を追加する' }).click();
  ok(await page.getByRole('heading', { name: '職員を追加しました' }).isVisible(), 'a member is added');
  ok(/\/staff\/enrol\?token=[A-Za-z0-9_-]{43}/.test(await page.locator('code').textContent()), 'the enrolment link is shown');
  await a11y(page, 'staff added: the link');
  await page.getByRole('link', { name: '職員の管理に戻る' }).click();

  const form = page.locator('form', { has: page.getByRole('button', { name: '管理 太郎さんの担当を変更する' }) });
  await form.getByLabel('手続').selectOption({ label: '道路・公園の不具合の通報' });
  await form.getByLabel('担当').selectOption('reviewer');
  await form.getByRole('button', { name: '管理 太郎さんの担当を変更する' }).click();
  ok(await page.getByRole('status').getByText('担当を変更しました').isVisible(), 'a role set: the notice');
  await a11y(page, 'staff administration after a change');

  await page.getByRole('link', { name: '監査ログ' }).click();
  ok(await page.getByRole('table', { name: /監査ログ/ }).getByText('職員・担当の変更').first().isVisible(), 'the audit log shows the changes in words');
  await a11y(page, 'audit log');
  await page.getByLabel('職員').selectOption({ label: `管理 太郎（番号 ${sql("select id from staff where email_key = 'admin@city.example.jp'")}）` });
  await page.getByRole('button', { name: 'この条件で表示' }).click();
  ok(/staff=\d+/.test(page.url()), 'the filter by staff member');
  await a11y(page, 'audit log filtered');

  await page.getByRole('link', { name: '通知の設定' }).click();
  await page.getByRole('group', { name: '道路・公園の不具合の通報' }).getByLabel('到着ごとに受け取る').check();
  await a11y(page, 'alert settings');
  await page.getByRole('button', { name: '保存する' }).click();
  ok(await page.getByRole('status').getByText('通知の設定を保存しました').isVisible(), 'the alerts are saved');
  ok(sql("select mode from staff_alerts a join staff s on s.id = a.staff_id where s.email_key = 'admin@city.example.jp'") === 'each', 'as 到着ごと');
  await a11y(page, 'alert settings saved');

  // The code of the login goes stale (an hour back): the next change asks for a new one.
  sql('update staff_step_ups set totp_at = totp_at - 3600');
  await page.getByRole('link', { name: '職員の管理' }).click();
  const f2 = page.locator('form', { has: page.getByRole('button', { name: '新人 一郎さんの担当を変更する' }) });
  await f2.getByLabel('手続').selectOption({ label: '道路・公園の不具合の通報' });
  await f2.getByLabel('担当').selectOption('viewer');
  await f2.getByRole('button', { name: '新人 一郎さんの担当を変更する' }).click();
  await page.waitForURL(/\/staff\/reauth\?next=/);
  ok(await page.getByRole('heading', { name: '確認コードの再入力' }).isVisible(), 'a stale code leads to /staff/reauth');
  await a11y(page, 'reauth');
  await page.getByLabel('確認コード').fill(totp('now + 30 seconds'));
  await page.getByRole('button', { name: '確かめて続ける' }).click();
  await page.waitForURL(/\/staff\/admin\/staff$/);
  ok(true, 'the new code leads back to 職員の管理');
  ok(sql("select count(*) from staff_procedure_roles r join staff s on s.id = r.staff_id where s.email_key = 'shinjin@city.example.jp'") === '0', 'the change before the re-entry was not made');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
