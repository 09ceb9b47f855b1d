// Seed steps 2-5 with accounts, in a real browser with a real SMTP server: register, read
// the confirmation mail, confirm, then from the procedure page 「次へ進む」 ->
// 「ログインが必要です。」 -> OK -> login -> back on the procedure -> the signature notice.
// Then a password reset through the mailed link. axe-core on every screen.
import { startPortal, launch, ok, done, a11y } from './_lib.mjs';
import { startSmtp } from './_smtp.mjs';

const smtp = await startSmtp();
const portal = await startPortal({
  MADOGUCHI_MAIL_MODE: 'smtp', MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'noreply@city.example.jp',
  MADOGUCHI_MAIL_RETRY_SECONDS: '1', MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1',
});
const browser = await launch();
const email = 'hanako@example.jp';
const password = 'みどり市で ボランティア 2026';
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(portal.url + '/register');
  await a11y(page, 'registration page');
  // An error first: a short password, shown under the field and in the summary.
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill('short');
  await page.getByRole('button', { name: '登録する' }).click();
  ok(await page.locator('.error-summary a[href="#password"]').count() === 1, 'short password: the error summary links to the field');
  ok((await page.inputValue('#email')) === email, 'the e-mail address typed is kept');
  await a11y(page, 'registration page with errors');
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: '登録する' }).click();
  ok(await page.getByRole('heading', { name: '確認のメールを送りました' }).isVisible(), 'registration: 確認のメールを送りました');

  const mail = await smtp.waitFor(email, '利用者登録の確認');
  ok(true, `confirmation mail arrived through SMTP (subject 「${mail.subject}」)`);
  const link = mail.body.match(/https?:\/\/\S*\/register\/confirm\?token=[A-Za-z0-9_-]+/);
  ok(!!link, 'the mail carries the confirmation link', mail.body);
  const url = new URL(link[0]);
  await page.goto(portal.url + url.pathname + url.search);
  await page.getByRole('button', { name: '登録を完了する' }).click();
  ok(await page.getByRole('heading', { name: '利用者登録が完了しました' }).isVisible(), 'registration confirmed');

  // Steps 2-5.
  await page.goto(portal.url + '/procedures/kaigo-volunteer-point');
  await page.getByRole('link', { name: '次へ進む' }).click();
  ok(await page.getByText('ログインが必要です。').isVisible(), 'step 3: 「ログインが必要です。」');
  await a11y(page, 'login prompt');
  await page.getByRole('link', { name: 'OK' }).click();
  ok(/\/login\?return=/.test(page.url()), 'OK leads to the login page');
  await a11y(page, 'login page');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/procedures\/kaigo-volunteer-point\/start$/);
  ok(true, 'after login the browser is back on the procedure');
  ok(await page.getByText('電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。').isVisible(), 'step 5: the signature notice');
  await a11y(page, 'signature notice');
  await page.goto(portal.url + '/account');
  await a11y(page, 'account page');

  // Password reset through the mailed link, in a fresh browser.
  const other = await (await browser.newContext()).newPage();
  await other.goto(portal.url + '/login');
  await other.getByRole('link', { name: 'パスワードを忘れた方' }).click();
  await other.getByLabel('メールアドレス').fill(email);
  await other.getByRole('button', { name: 'メールを送る' }).click();
  const reset = await smtp.waitFor(email, 'パスワードの再設定');
  const rlink = reset.body.match(/https?:\/\/\S*\/password\/reset\?token=[A-Za-z0-9_-]+/);
  ok(!!rlink, 'the reset mail carries a link', reset.body);
  const ru = new URL(rlink[0]);
  await other.goto(portal.url + ru.pathname + ru.search);
  await a11y(other, 'new password page');
  await other.getByLabel('新しいパスワード').fill('新しい合言葉 with 8+ chars');
  await other.getByRole('button', { name: 'パスワードを変更する' }).click();
  ok(await other.getByRole('heading', { name: 'パスワードを変更しました' }).isVisible(), 'password reset done');
  // The first browser's session ended with the reset.
  await page.goto(portal.url + '/account');
  ok(/\/login/.test(page.url()), 'the reset ended the other session');
  await other.goto(portal.url + '/login');
  await other.getByLabel('メールアドレス').fill(email);
  await other.getByLabel('パスワード').fill('新しい合言葉 with 8+ chars');
  await other.getByRole('button', { name: 'ログイン' }).click();
  await other.waitForURL(/\/account$/);
  ok(true, 'login with the new password');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  smtp.stop();
  done();
}
