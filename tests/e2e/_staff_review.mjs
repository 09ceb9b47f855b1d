// The browser part of tests/integration/staff_review.sh (run by it, with the card stack up):
// the staff console's review end to end, against a portal that sends its mails to a real SMTP
// server. `madoguchi staff add` makes the first administrator, who enrols and logs in with
// codes from oathtool (an RFC 6238 implementation other than the portal's liboath) and adds a
// reviewer of the volunteer point procedure in the console; the reviewer enrols from the
// mailed link. The demo resident applies three times through the seed journey with the
// virtual card (the second time with an address other than the card's). The reviewer finds
// them, sees the card's basic four beside the form (and the difference in words on the
// second), takes the first through 受付, 審査中, 処理完了, rejects the second (申請却下 with its
// reason) and returns the third (差し戻し with a message); the resident sees each status on my
// page and gets a mail for each. The resident corrects the third, signs again with the card and
// resubmits; the reviewer sees version 2 beside version 1, both signed and valid.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { root, startPortal, portalDbUrl, launch, ok, done, a11y } from './_lib.mjs';
import { startSmtp } from './_smtp.mjs';
import { seedJourney, runSigner } from './_card.mjs';

const SIGN = process.env.SEED_SIGN;
const PASSWORD = process.env.SEED_CARD_PASSWORD;
const PROC_TITLE = '介護支援ボランティアポイント交付申請';
const RESIDENT = 'demo@example.jp';
const STAFF_PASSWORD = '窓口の 審査 パスワード 2026';
const totp = (secret, when = 'now') => execFileSync('oathtool', ['--totp', '-b', '-N', when, secret]).toString().trim();

// Enrols through the link on page: password, the secret (returned), the first code.
async function enrol(page, link) {
  await page.goto(link);
  await page.getByLabel(/^パスワード\s*必須$/).fill(STAFF_PASSWORD);
  await page.getByLabel('パスワード（確認のため、もう一度）').fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: '次へ進む' }).click();
  const secret = (await page.locator('code').first().textContent()).trim();
  await page.getByLabel('確認コード').fill(totp(secret));
  await page.getByRole('button', { name: '確認する' }).click();
  ok(await page.getByRole('heading', { name: '職員の登録が完了しました' }).isVisible(), `enrolled with oathtool's code (${link.slice(-8)})`);
  return secret;
}

// Logs in with the code of the next step (the enrolment used this one).
async function staffLogin(page, portal, email, secret) {
  await page.goto(`${portal.url}/staff/login`);
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(STAFF_PASSWORD);
  await page.getByLabel('確認コード').fill(totp(secret, 'now + 30 seconds'));
  await Promise.all([page.waitForURL(/\/staff$/), page.getByRole('button', { name: 'ログイン' }).click()]);
}

// The administrator adds the reviewer and gives the volunteer procedure's 審査 role; the link.
async function addReviewer(admin, portal) {
  await admin.getByRole('link', { name: '職員の管理' }).click();
  await admin.getByLabel('氏名').fill('審査 一郎');
  await admin.getByLabel('メールアドレス').fill('shinsa1@city.example.jp');
  await admin.getByRole('button', { name: '職員を追加する' }).click();
  const link = (await admin.locator('code').textContent()).trim();
  ok(/\/staff\/enrol\?token=[A-Za-z0-9_-]{43}$/.test(link), 'the console adds the reviewer and shows the link');
  await admin.getByRole('link', { name: '職員の管理に戻る' }).click();
  const form = admin.locator('form', { has: admin.getByRole('button', { name: '審査 一郎さんの担当を変更する' }) });
  await form.getByLabel('手続').selectOption({ label: PROC_TITLE });
  await form.getByLabel('担当').selectOption('reviewer');
  await form.getByRole('button', { name: '審査 一郎さんの担当を変更する' }).click();
  ok(await admin.getByRole('status').getByText('担当を変更しました').isVisible(), 'the reviewer gets the 審査 role of the volunteer procedure');
  return link;
}

// The reviewer records one decision (text for 申請却下 and 差し戻し) on receipt's page.
async function decide(page, portal, receipt, name, text) {
  await page.goto(`${portal.url}/staff/applications/${receipt}`);
  await page.getByRole('radio', { name }).check();
  if (text) await page.getByLabel(/理由 \/ 申請者へのメッセージ/).fill(text);
  await Promise.all([page.waitForURL(/done=decision/), page.getByRole('button', { name: '決定を記録する' }).click()]);
}

// What the resident sees of receipt in label: my page, and the mail.
async function residentSees(resident, smtp, portal, receipt, label, text) {
  await resident.goto(`${portal.url}/mypage/${receipt}`);
  const main = await resident.locator('main').innerText();
  ok(main.includes(label) && (!text || main.includes(text)), `my page shows ${receipt} as ${label}${text ? ' with the text' : ''}`, main);
  const m = await smtp.waitFor(RESIDENT, `「${label}」になりました（受付番号 ${receipt}）`);
  ok(m.body.includes(receipt) && (!text || m.body.includes(text)), `the mail of ${label} arrived through SMTP`, m.body);
}

const smtp = await startSmtp();
const portal = await startPortal({
  MADOGUCHI_MAIL_MODE: 'smtp', MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'noreply@city.example.jp',
  MADOGUCHI_MAIL_RETRY_SECONDS: '1', MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1',
});
const browser = await launch();
try {
  const bin = path.join(root, process.env.TEST_BUILD || 'build-asan', 'madoguchi');
  const out = execFileSync(bin, ['staff', 'add', '--email', 'kanri@city.example.jp', '--name', '管理 次郎', '--role', 'admin'], {
    cwd: root, env: { ...process.env, MADOGUCHI_DATABASE: portalDbUrl(portal.dir), MADOGUCHI_BASE_URL: portal.url },
  }).toString();
  const adminLink = out.match(/https?:\/\/\S*\/staff\/enrol\?token=[A-Za-z0-9_-]{43}/)[0];
  const admin = await (await browser.newContext()).newPage();
  const adminSecret = await enrol(admin, adminLink);
  await staffLogin(admin, portal, 'kanri@city.example.jp', adminSecret);
  const link = await addReviewer(admin, portal);
  const mailed = await smtp.waitFor('shinsa1@city.example.jp', '');
  ok(mailed.body.includes(link), 'the reviewer gets the same link by mail');
  const staff = await (await browser.newContext()).newPage();
  const secret = await enrol(staff, link);

  // three applications of the demo resident, each through the seed journey with the card
  const receipts = [];
  for (const address of [undefined, '東京都千代田区千代田2-2', undefined]) {
    const p = await (await browser.newContext()).newPage();
    receipts.push(await seedJourney(p, portal, SIGN, PASSWORD, { address }));
    await p.context().close();
  }
  const [done1, rejected, returned] = receipts;
  ok(new Set(receipts).size === 3, `three applications (${receipts.join(', ')})`);

  await staffLogin(staff, portal, 'shinsa1@city.example.jp', secret);
  await staff.getByLabel('氏名またはフリガナ').fill('ﾐﾄﾞﾘ');
  await staff.getByRole('button', { name: 'この条件で表示' }).click();
  const list = staff.getByRole('table', { name: /申請の一覧/ });
  ok(await list.getByRole('link', { name: done1 }).isVisible() && await list.getByRole('link', { name: rejected }).isVisible(),
    'the reviewer finds the applications by the furigana typed in half-width (ﾐﾄﾞﾘ)');
  await a11y(staff, 'the inbox filtered by name');
  await staff.goto(`${portal.url}/staff/applications/${rejected}`);
  const row = (label) => staff.locator('tr', { has: staff.getByRole('rowheader', { name: label, exact: true }) });
  ok((await row('氏名').innerText()).includes('見取 花子'), "the card's name beside the form's", await row('氏名').innerText());
  const addr = await row('住所').innerText();
  ok(addr.includes('東京都千代田区千代田1-1') && addr.includes('東京都千代田区千代田2-2') && addr.includes('証明書と申請内容が異なります'),
    "the address: the card's, the form's, and the difference in words", addr);
  ok(!(await row('氏名').innerText()).includes('異なります'), 'the name is not marked');
  await a11y(staff, 'the evidence panel with a difference');
  await staff.goto(`${portal.url}/staff/applications/${done1}`);
  ok(!(await row('住所').innerText()).includes('異なります'), 'the same address is not marked');

  const resident = await (await browser.newContext()).newPage();
  await resident.goto(portal.url + '/login');
  await resident.getByLabel('メールアドレス').fill(RESIDENT);
  await resident.getByLabel('パスワード').fill('madoguchi-demo-2026');
  await Promise.all([resident.waitForNavigation(), resident.getByRole('button', { name: 'ログイン' }).click()]);
  for (const label of ['受付', '審査中', '処理完了']) {
    await decide(staff, portal, done1, label);
    await residentSees(resident, smtp, portal, done1, label);
  }
  const reason = '交換の対象となる活動の記録が確認できないため';
  await decide(staff, portal, rejected, '受付');
  await decide(staff, portal, rejected, '審査中');
  await decide(staff, portal, rejected, /^申請却下/, reason);
  await residentSees(resident, smtp, portal, rejected, '申請却下', reason);
  const message = 'スタンプの数をもう一度確かめてください';
  await decide(staff, portal, returned, '受付');
  await decide(staff, portal, returned, '審査中');
  await decide(staff, portal, returned, /^差し戻し/, message);
  await a11y(staff, 'the decision page after 差し戻し');
  await residentSees(resident, smtp, portal, returned, '差し戻し', message);

  // the correction: the returned answers in a new draft, one corrected, signed again, sent
  await resident.goto(`${portal.url}/mypage/${returned}`);
  await Promise.all([resident.waitForURL(/\/form$/), resident.getByRole('button', { name: '修正して再申請する' }).click()]);
  await resident.fill('#stamps', '31');
  await Promise.all([resident.waitForURL(/\/confirm$/), resident.click('button[value="next"]:not(.default-action)')]);
  const href = await resident.getByRole('link', { name: 'スマートフォンで電子署名する' }).getAttribute('href');
  const r = await runSigner(SIGN, PASSWORD, href);
  ok(r.code === 0, `the correction signed again with the card (${r.code})`, r.out);
  await resident.locator('[data-state="signed"]', { hasText: '電子署名済み' }).waitFor({ timeout: 15000 });
  resident.once('dialog', (d) => d.accept());
  await Promise.all([resident.waitForURL(/\/complete$/), resident.getByRole('button', { name: '申請する' }).click()]);
  ok((await resident.locator('.receipt').innerText()).trim() === returned, `resubmitted under the same receipt (${returned})`);

  await staff.goto(`${portal.url}/staff/applications/${returned}`);
  ok(await staff.getByRole('heading', { name: '第1版', exact: true }).isVisible() &&
    await staff.getByRole('heading', { name: '第2版（最新）', exact: true }).isVisible(), 'the reviewer sees version 1 and version 2');
  ok(await staff.getByText('電子署名あり。検証の結果：有効').count() === 2, 'both versions signed, both signatures valid');
  ok((await staff.locator('main').innerText()).includes('31'), 'the page shows the corrected answer');
  await a11y(staff, 'the page with two versions');
} catch (e) {
  ok(false, 'the staff review ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stopped cleanly');
  smtp.stop();
  done();
}
