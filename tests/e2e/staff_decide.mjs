// The staff console's decisions in a real browser, by keyboard: the demo reviewer (given the
// road/park report's role with sqlite3, as there is no command for roles yet) opens a report
// submitted without login, takes it to 受付 and 審査中 with the keyboard only (Tab to the
// radio button, Space, Enter on the button), tries 申請却下 without a reason (the 400 page),
// then rejects it with its reason and leaves an internal note; the timeline shows each step
// with who. axe-core on every screen.
import { execFileSync } from 'node:child_process';
import { root, startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
const totp = (secret, when = 'now') => execFileSync('oathtool', ['--totp', '-b', '-N', when, secret]).toString().trim();
// Chooses the decision labelled name and records it with the keyboard only.
async function decideByKeyboard(page, name) {
  await page.getByRole('radio', { name, exact: true }).focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: '決定を記録する' }).focus();
  const loaded = page.waitForNavigation();
  await page.keyboard.press('Enter');
  await loaded;
}
try {
  const receipt = execFileSync('bash', ['-c', '. tests/lib.sh; . tests/staff_lib.sh; road_report 公園の遊具'], {
    cwd: root, env: { ...process.env, T: portal.dir, U: portal.url },
  }).toString().trim();
  ok(/^\d{4}-\d{6}$/.test(receipt), `a road/park report submitted (${receipt})`);
  portalSql(portal.dir,
    "insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'road-park-report', 'reviewer' from staff where email_key = 'shinsa@city.example.jp'");
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill('shinsa@city.example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await page.getByLabel('確認コード').fill(totp('KRUGKIDROVUWG2ZAMJZG653OEBTG66BA'));
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/staff$/);
  await page.goto(`${portal.url}/staff/applications/${receipt}`);
  ok(await page.getByRole('heading', { name: '審査の決定' }).isVisible(), 'the page has the decision section');
  ok(await page.getByRole('radio').count() === 1, 'a sent report offers one decision (受付)');
  await a11y(page, 'decision form (送信済)');
  await decideByKeyboard(page, '受付');
  ok(await page.getByRole('status').getByText('決定を記録しました。').isVisible(), '受付 by keyboard: the notice');
  await a11y(page, 'after a decision');
  await decideByKeyboard(page, '審査中');
  ok(await page.getByRole('radio').count() === 3, '審査中 offers three decisions');
  ok(await page.getByLabel(/理由 \/ 申請者へのメッセージ/).isVisible(), 'with the textarea of the reason or message');
  await a11y(page, 'decision form (審査中)');
  await page.getByRole('radio', { name: /^申請却下/ }).check();
  await page.getByRole('button', { name: '決定を記録する' }).click();
  ok(await page.getByRole('heading', { name: '理由またはメッセージを入力してください' }).isVisible(), 'a rejection without reason: the error page');
  await a11y(page, 'decision refused without reason');
  await page.goBack();
  await page.reload();
  await page.getByRole('radio', { name: /^申請却下/ }).check();
  await page.getByLabel(/理由 \/ 申請者へのメッセージ/).fill('市の管理する場所ではないため');
  await page.getByRole('button', { name: '決定を記録する' }).click();
  await page.waitForURL(/done=decision/);
  ok(await page.getByText('これ以上の決定はありません').isVisible(), 'rejected: no decision left');
  await page.getByRole('textbox', { name: /^メモ/ }).fill('管理者に連絡済み');
  await page.getByRole('button', { name: 'メモを残す' }).click();
  await page.waitForURL(/done=note/);
  const timeline = page.getByRole('region', { name: 'これまでの経過' });
  ok(await timeline.getByText(/申請却下（.+）：市の管理する場所ではないため/).count() === 1, 'the timeline has the rejection with who and the reason');
  ok(await timeline.getByText(/内部メモ（.*）：管理者に連絡済み/).count() === 1, 'and the note with its author');
  await a11y(page, 'after a note');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
