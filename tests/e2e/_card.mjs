// What the browser tests that sign with the virtual card share (_seed.mjs, _resubmit.mjs,
// both run by a shell test with the card stack up): the volunteer point procedure's form as
// the demo resident fills it, and madoguchi-sign run with a link, the password on fd 3.
import { spawn } from 'node:child_process';
import { ok, a11y } from './_lib.mjs';

export const PROC = '/procedures/kaigo-volunteer-point';
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

// Fills the form of PROC on page with the demo resident's answers and stamps stamps;
// form.address, when given, instead of the card's address.
export async function fillForm(page, stamps, form = {}) {
  await page.fill('#registration_number', 'V-0123');
  await page.selectOption('#fiscal_year', '2026');
  await page.fill('#stamps', stamps);
  await page.fill('#name', '見取 花子');
  await page.fill('#name_kana', 'ミドリ ハナコ');
  await page.fill('#birth_date\\.year', '1950');
  await page.fill('#birth_date\\.month', '4');
  await page.fill('#birth_date\\.day', '1');
  await page.fill('#postal_code', '100-0001');
  await page.fill('#address', form.address || '東京都千代田区千代田1-1');
  await page.fill('#phone', '048-000-1234');
  await page.fill('#bank_account\\.bank', '0001');
  await page.fill('#bank_account\\.branch', '001');
  await page.check('#bank_account\\.type');
  await page.fill('#bank_account\\.number', '1234567');
  await page.fill('#bank_account\\.holder', 'ミドリ ハナコ');
  await page.check('#premium_declaration');
}

// madoguchi-sign (sign) with the link, the password on fd 3: { code, out, acceptedAt }, the
// last the time (Date.now()) its 「電子署名が完了しました。」 arrived: the app says it as soon as
// the portal answered that it accepted the signature (it flushes every line).
export function runSigner(sign, password, link) {
  return new Promise((resolve) => {
    const child = spawn(sign, ['--password-fd', '3', '--card-timeout', '20', link],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let acceptedAt = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (acceptedAt === null && out.includes('電子署名が完了しました。')) acceptedAt = Date.now();
    });
    child.stderr.on('data', (d) => { out += d; });
    child.stdio[3].end(password + '\n');
    child.on('exit', (code) => resolve({ code, out, acceptedAt }));
  });
}

// The seed journey, steps 1-16 of docs/seed-journey.md, on page (a fresh context) against
// portal, as the demo resident, with the city guide's exact words checked on the way; steps
// 8-13 run madoguchi-sign (sign) with the page's 「スマートフォンで電子署名する」 link and the card
// password. form as fillForm takes it. Returns the receipt number.
export async function seedJourney(page, portal, sign, password, form = {}) {
  // 1: search on the top page.
  await page.goto(portal.url + '/');
  await page.fill('#q', 'ボランティア');
  await Promise.all([page.waitForURL(/\/search\?/), page.press('#q', 'Enter')]);
  await Promise.all([page.waitForURL(new RegExp(`${PROC}$`)), page.click(`a[href="${PROC}"]`)]);
  ok(true, 'step 1: the procedure found by searching ボランティア');
  // 2: 「次へ進む」. 3: 「ログインが必要です。」 OK. 4: login.
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: '次へ進む' }).click()]);
  ok(await page.getByText('ログインが必要です。').isVisible(), 'step 3: 「ログインが必要です。」');
  await Promise.all([page.waitForURL(/\/login/), page.getByRole('link', { name: 'OK' }).click()]);
  await page.getByLabel('メールアドレス').fill('demo@example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-demo-2026');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'ログイン' }).click()]);
  ok(true, 'step 4: 「メールアドレス」「パスワード」「ログイン」');
  // 5: the signature notice.
  ok(await page.getByText('電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。').isVisible(),
    'step 5: 「電子署名が必要な手続きです。【マイナンバーカード】をご用意ください。」');
  await Promise.all([page.waitForURL(new RegExp(`${PROC}/form$`)), page.getByRole('link', { name: 'OK' }).click()]);
  // 6: the form.
  await fillForm(page, '23', form);
  await page.setInputFiles('#stamp_pages', { name: 'stamps.png', mimeType: 'image/png', buffer: PNG });
  await a11y(page, 'step 6: the form');
  await Promise.all([page.waitForURL(new RegExp(`${PROC}/confirm$`)), page.click('button[value="next"]:not(.default-action)')]);
  // 7: the confirmation page with the signature block.
  const main = await page.locator('main').innerText();
  ok(main.includes('2,000円'), 'step 7: the grant computed from 23 stamps (2,000円) is shown', main);
  ok(main.includes('1950年(昭和25年)4月1日'), 'the birth date with its era');
  ok(/みずほ/.test(main) && main.includes('東京営業部'), 'the bank and branch named from the zengin-code data');
  const link = page.getByRole('link', { name: 'スマートフォンで電子署名する' });
  ok(await link.isVisible(), 'step 7: 「スマートフォンで電子署名する」');
  const href = await link.getAttribute('href');
  ok(/^madoguchi-sign:\/\/127\.0\.0\.1:\d+\/sign\/[A-Za-z0-9_-]{43}$/.test(href), `the link is a madoguchi-sign: link (${href})`);
  ok(await page.locator('.qr svg').count() === 0, 'no QR code (no phone app can open the link)');
  const how = await page.locator('#sign-how').innerText();
  ok(how.includes('「窓口 電子署名 を開きますか？」') && how.includes('「開く」を押してください'),
    'the page says what the browser will ask and that 「開く」 is the button', how);
  ok(await page.locator('#submit-button').isDisabled(), '「申請する」 is unavailable before signing');
  await a11y(page, 'step 7: the confirmation page');
  // 8-13: the signing app, with the page watched meanwhile for 「電子署名済み」 (it turns in
  // place when its long poll answers signed; the mark set here survives only without a reload).
  await page.evaluate(() => { window.madoguchiNotReloaded = true; });
  const signed = page.locator('[data-state="signed"]', { hasText: '電子署名済み' });
  const shown = signed.waitFor({ timeout: 60000 }).then(() => Date.now(), () => null);
  const r = await runSigner(sign, password, href);
  ok(r.code === 0, `steps 8-13: madoguchi-sign exits 0 (${r.code})`, r.out);
  for (const s of ['電子署名を開始します', '1. マイナンバーカードが必要です。', '2. 署名用電子証明書が必要です。',
    '3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。', '電子署名が完了しました。', '申請内容に署名'])
    ok(r.out.includes(s), `the app shows 「${s}」`);
  // 14: the page turns to 「電子署名済み」 by itself, at once (the long poll): well under the
  // 2 s of the plain poll (the bound is loose for loaded machines; the figure is printed).
  const shownAt = await shown;
  const delay = shownAt !== null && r.acceptedAt !== null ? shownAt - r.acceptedAt : null;
  console.log(`# 「電子署名済み」 shown ${delay} ms after the signature's acceptance`);
  ok(shownAt !== null, 'step 14: the page turned to 「電子署名済み」 by itself');
  ok(delay !== null && delay < 1500, `... ${delay} ms after the portal accepted the signature (under 1500 ms)`);
  ok(await page.locator('#submit-button').isEnabled(), '「申請する」 is now available');
  ok(await page.evaluate(() => window.madoguchiNotReloaded === true), '... in place: the page was not reloaded');
  await a11y(page, 'step 14: the signed confirmation page');
  // 15-16.
  let dialog = null;
  page.once('dialog', (d) => { dialog = d.message(); d.accept(); });
  await Promise.all([page.waitForURL(/\/complete$/), page.getByRole('button', { name: '申請する' }).click()]);
  ok(dialog === '申請します。よろしいですか？', 'step 15: 「申請します。よろしいですか？」 OK', dialog);
  ok(await page.getByText('以上で、申請は完了です。').isVisible(), 'step 16: 「以上で、申請は完了です。」');
  const receipt = (await page.locator('.receipt').innerText()).trim();
  return receipt;
}
