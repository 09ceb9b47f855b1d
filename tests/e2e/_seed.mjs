// The browser part of tests/integration/seed.sh (run by it, with the card stack up): seed
// steps 1-16 for 介護支援ボランティアポイント, with the exact words of docs/seed-journey.md. Steps
// 8-13 run madoguchi-sign with the href of the page's 「スマートフォンで電子署名する」 link,
// the password on a file descriptor; the page must turn to 「電子署名済み」 by itself.
import { startPortal, launch, axe, ok, done } from './_lib.mjs';
import { PROC, PNG, fillForm, runSigner } from './_card.mjs';

const SIGN = process.env.SEED_SIGN;
const PASSWORD = process.env.SEED_CARD_PASSWORD;

async function a11y(page, what) {
  const v = await axe(page);
  ok(v.length === 0, `${what}: no WCAG 2.1 AA violation`, v);
}
const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
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
  await fillForm(page, '23');
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
  ok(await page.locator('.qr svg').count() === 1, 'the same link as a QR code');
  ok(await page.locator('#submit-button').isDisabled(), '「申請する」 is unavailable before signing');
  await a11y(page, 'step 7: the confirmation page');
  // 8-13: the signing app.
  const r = await runSigner(SIGN, PASSWORD, href);
  ok(r.code === 0, `steps 8-13: madoguchi-sign exits 0 (${r.code})`, r.out);
  for (const s of ['電子署名を開始します', '1. マイナンバーカードが必要です。', '2. 署名用電子証明書が必要です。',
    '3. 英数字6文字以上16文字以下の署名用電子証明書のパスワードが必要です。', '電子署名が完了しました。', '申請内容に署名'])
    ok(r.out.includes(s), `the app shows 「${s}」`);
  // 14: the page turns to 「電子署名済み」 by itself.
  await page.locator('[data-state="signed"]', { hasText: '電子署名済み' }).waitFor({ timeout: 15000 });
  ok(true, 'step 14: the page turned to 「電子署名済み」 by itself');
  ok(await page.locator('#submit-button').isEnabled(), '「申請する」 is now available');
  await a11y(page, 'step 14: the signed confirmation page');
  // 15-16.
  let dialog = null;
  page.once('dialog', (d) => { dialog = d.message(); d.accept(); });
  await Promise.all([page.waitForURL(/\/complete$/), page.getByRole('button', { name: '申請する' }).click()]);
  ok(dialog === '申請します。よろしいですか？', 'step 15: 「申請します。よろしいですか？」 OK', dialog);
  ok(await page.getByText('以上で、申請は完了です。').isVisible(), 'step 16: 「以上で、申請は完了です。」');
  const receipt = (await page.locator('.receipt').innerText()).trim();
  await page.goto(portal.url + `/mypage/${receipt}`);
  ok((await page.locator('main').innerText()).includes('送信済'), `my page shows ${receipt} as 送信済`);
} catch (e) {
  ok(false, 'the seed journey ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stopped cleanly');
  done();
}
