// The browser part of tests/integration/resubmit.sh (run by it, with the card stack up): the
// return for correction (差し戻し) as a resident and a reviewer see it. The demo resident applies
// to the volunteer point procedure, signing with the virtual card through madoguchi-sign; the
// application is put into "returned" with a message (sqlite3: the status and an event, as the
// staff's decision writes them); my page shows the message; 「修正して再申請する」 opens the
// form with the returned answers, one is corrected, signed again, 申請する: the same receipt,
// version 2, two different signatures and two reports kept; the demo reviewer's page of the
// application shows both versions. axe-core on the pages this adds to.
import { execFileSync } from 'node:child_process';
import { startPortal, launch, ok, done, a11y, portalSql } from './_lib.mjs';
import { PROC, PNG, fillForm, runSigner } from './_card.mjs';

const SIGN = process.env.RESUBMIT_SIGN;
const PASSWORD = process.env.RESUBMIT_CARD_PASSWORD;
const MESSAGE = 'スタンプの数が台帳と合いません。台帳では31個です。';

const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', secret]).toString().trim();

// On the confirmation page: the card signs through the page's link, the page turns to
// 「電子署名済み」 by itself, 申請する (its question answered OK); the receipt.
async function signAndSubmit(page, what) {
  const href = await page.getByRole('link', { name: 'スマートフォンで電子署名する' }).getAttribute('href');
  const r = await runSigner(SIGN, PASSWORD, href);
  ok(r.code === 0, `${what}: madoguchi-sign exits 0 (${r.code})`, r.out);
  await page.locator('[data-state="signed"]', { hasText: '電子署名済み' }).waitFor({ timeout: 15000 });
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForURL(/\/complete$/), page.getByRole('button', { name: '申請する' }).click()]);
  ok(await page.getByText('以上で、申請は完了です。').isVisible(), `${what}: 「以上で、申請は完了です。」`);
  return (await page.locator('.receipt').innerText()).trim();
}

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1', MADOGUCHI_MAIL_MODE: 'dev' });
const sql = (q) => portalSql(portal.dir, q);
const result = process.env.MADOGUCHI_TEST_PG ? "(verification::jsonb ->> 'result')" : "json_extract(verification, '$.result')";
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(portal.url + '/login');
  await page.getByLabel('メールアドレス').fill('demo@example.jp');
  await page.getByLabel('パスワード').fill('madoguchi-demo-2026');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'ログイン' }).click()]);
  await page.goto(portal.url + `${PROC}/form`);
  await fillForm(page, '23');
  await page.setInputFiles('#stamp_pages', { name: 'stamps.png', mimeType: 'image/png', buffer: PNG });
  await Promise.all([page.waitForURL(new RegExp(`${PROC}/confirm$`)), page.click('button[value="next"]:not(.default-action)')]);
  const receipt = await signAndSubmit(page, 'version 1');
  ok(/^\d{4}-\d{6}$/.test(receipt), `applied: ${receipt}`);

  sql(`update applications set status = 'returned' where receipt = '${receipt}';
    insert into application_events (receipt, status, note, at) values ('${receipt}', 'returned', '${MESSAGE}', ${Math.floor(Date.now() / 1000)})`);
  await page.goto(portal.url + `/mypage/${receipt}`);
  const notice = page.locator('section.notice', { has: page.getByRole('heading', { name: '差し戻し' }) });
  ok(await notice.isVisible(), 'my page: the notice of the return at the top');
  const text = await notice.innerText();
  ok(text.includes('この申請は差し戻されました。内容を修正して、もう一度申請してください。') && text.includes(MESSAGE),
    'the notice says what to do and gives the message', text);
  await a11y(page, 'my page of a returned application');

  await Promise.all([page.waitForURL(new RegExp(`${PROC}/form$`)), page.getByRole('button', { name: '修正して再申請する' }).click()]);
  ok(await page.inputValue('#stamps') === '23' && await page.inputValue('#name') === '見取 花子',
    '「修正して再申請する」: the form with the returned answers');
  ok(await page.getByRole('link', { name: 'stamps.png' }).isVisible(), 'and the attached file');
  ok(await page.getByText(`差し戻された申請（受付番号 ${receipt}）を修正しています。`).isVisible(),
    'the form says it corrects the returned application');
  await a11y(page, 'the form of the correction');
  await page.fill('#stamps', '31');
  await Promise.all([page.waitForURL(new RegExp(`${PROC}/confirm$`)), page.click('button[value="next"]:not(.default-action)')]);
  ok((await page.locator('main').innerText()).includes('31'), 'the confirmation shows the corrected answer');
  const again = await signAndSubmit(page, 'version 2');
  ok(again === receipt, `resubmitted under the same receipt (${again})`);
  ok(sql(`select count(*) || '/' || count(distinct signature) || '/' || sum(cast(${result} = 'ok' as integer))
    from application_versions where receipt = '${receipt}'`) === '2/2/2',
    'two versions, two different signatures, two reports with the result ok');
  await page.goto(portal.url + `/mypage/${receipt}`);
  const main = await page.locator('main').innerText();
  ok(main.includes('送信済') && main.includes('再申請（第2版）') && !main.includes('この申請は差し戻されました'),
    'my page: 送信済, 「再申請（第2版）」 in the history, no notice any more', main);

  const staff = await (await browser.newContext()).newPage();
  await staff.goto(portal.url + '/staff/login');
  await staff.getByLabel('メールアドレス').fill('shinsa@city.example.jp');
  await staff.getByLabel('パスワード').fill('madoguchi-staff-2026');
  await staff.getByLabel('確認コード').fill(totp('KRUGKIDROVUWG2ZAMJZG653OEBTG66BA'));
  await Promise.all([staff.waitForURL(/\/staff$/), staff.getByRole('button', { name: 'ログイン' }).click()]);
  await staff.goto(portal.url + `/staff/applications/${receipt}`);
  const v1 = staff.getByRole('heading', { name: '第1版', exact: true }), v2 = staff.getByRole('heading', { name: '第2版（最新）', exact: true });
  ok(await v1.isVisible() && await v2.isVisible(), 'the staff page: 第1版 and 第2版（最新）');
  ok(await staff.getByText('電子署名あり。検証の結果：有効').count() === 2, 'each version signed and verified valid');
  await a11y(staff, 'the staff page with two versions');
} catch (e) {
  ok(false, 'the return for correction ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stopped cleanly');
  done();
}
