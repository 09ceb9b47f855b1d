// The staff console's door in a real browser: `madoguchi staff add` prints the enrolment
// link; the enrolment sets a password, shows the TOTP secret (QR code and text), takes a first
// code computed by oathtool (another RFC 6238 implementation) and shows the recovery codes;
// then a wrong login, a login with the next code, the home page, the inbox with a report
// submitted without login and its detail; a second one made to look signed: the inbox
// filtered by name, differences and day, the evidence panel, a photo and 担当. axe-core on
// every screen.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { root, startPortal, launch, ok, done, a11y, portalDbUrl, portalSql } from './_lib.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
const bin = path.join(root, process.env.TEST_BUILD || 'build-asan', 'madoguchi');
const totp = (secret, when = 'now') => execFileSync('oathtool', ['--totp', '-b', '-N', when, secret]).toString().trim();
const password = '窓口の 職員 パスワード 2026';
try {
  const out = execFileSync(bin, ['staff', 'add', '--email', 'kakari@city.example.jp', '--name', '窓口 太郎', '--role', 'admin'], {
    cwd: root, env: { ...process.env, MADOGUCHI_DATABASE: portalDbUrl(portal.dir), MADOGUCHI_BASE_URL: portal.url },
  }).toString();
  const link = out.match(/https?:\/\/\S*\/staff\/enrol\?token=[A-Za-z0-9_-]{43}/);
  ok(!!link, 'staff add prints the enrolment link', out);
  const page = await (await browser.newContext()).newPage();
  await page.goto(link[0]);
  ok(await page.getByRole('heading', { name: '職員の登録' }).isVisible(), 'the enrolment page');
  await a11y(page, 'enrolment: password');
  await page.getByLabel(/^パスワード\s*必須$/).fill(password);
  await page.getByLabel('パスワード（確認のため、もう一度）').fill(password + 'x');
  await page.getByRole('button', { name: '次へ進む' }).click();
  ok(await page.locator('.error-summary a[href="#password2"]').count() === 1, 'two different passwords: the summary links to the field');
  await a11y(page, 'enrolment: password with an error');
  await page.getByLabel(/^パスワード\s*必須$/).fill(password);
  await page.getByLabel('パスワード（確認のため、もう一度）').fill(password);
  await page.getByRole('button', { name: '次へ進む' }).click();
  ok(await page.getByRole('heading', { name: '認証アプリの登録' }).isVisible(), 'the authenticator page');
  ok(await page.getByRole('img', { name: /QRコード/ }).count() === 1, 'the QR code is an image with a name');
  const secret = (await page.locator('code').first().textContent()).trim();
  ok(/^[A-Z2-7]{32}$/.test(secret), `the secret as text (${secret.length} characters)`);
  await a11y(page, 'enrolment: authenticator');
  await page.getByLabel('確認コード').fill(totp(secret));
  await page.getByRole('button', { name: '確認する' }).click();
  ok(await page.getByRole('heading', { name: '職員の登録が完了しました' }).isVisible(), 'the first code enrols');
  const codes = await page.locator('.recovery-codes code').allTextContents();
  ok(codes.length === 10 && new Set(codes).size === 10, `10 different recovery codes shown (${codes.length})`);
  await a11y(page, 'enrolment: recovery codes');
  await page.getByRole('link', { name: '職員ログインへ進む' }).click();
  ok(await page.getByRole('heading', { name: '職員ログイン' }).isVisible(), 'the staff login page');
  await a11y(page, 'staff login');
  await page.getByLabel('メールアドレス').fill('kakari@city.example.jp');
  await page.getByLabel('パスワード').fill(password);
  await page.getByLabel('確認コード').fill('000000');
  await page.getByRole('button', { name: 'ログイン' }).click();
  ok(await page.locator('.error-summary').isVisible(), 'a wrong code: the error summary');
  await a11y(page, 'staff login with an error');
  await page.getByLabel('パスワード').fill(password);
  await page.getByLabel('確認コード').fill(totp(secret, 'now + 30 seconds'));
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(/\/staff$/);
  ok(await page.getByText('窓口 太郎さん').isVisible(), 'the home page says who is logged in');
  ok(await page.getByText('担当の手続がないため、表示できる申請はありません').isVisible(), 'and that without a procedure there is no application to show');
  await a11y(page, 'staff home');
  // A report submitted without login (the shell helper of the integration tests) and a role
  // on its procedure, set with sqlite3 as there is no command for roles yet.
  const receipt = execFileSync('bash', ['-c', '. tests/lib.sh; . tests/staff_lib.sh; road_report 駅前1丁目'], {
    cwd: root, env: { ...process.env, T: portal.dir, U: portal.url },
  }).toString().trim();
  ok(/^\d{4}-\d{6}$/.test(receipt), `a road/park report submitted (${receipt})`);
  portalSql(portal.dir,
    "insert into staff_procedure_roles (staff_id, proc_id, role) select id, 'road-park-report', 'reviewer' from staff where email_key = 'kakari@city.example.jp'");
  await page.reload();
  ok(await page.getByRole('table', { name: /申請の一覧/ }).getByRole('link', { name: receipt }).isVisible(), 'the inbox lists it');
  await a11y(page, 'staff inbox');
  await page.getByLabel('状態', { exact: true }).selectOption({ label: '送信済' });
  await page.getByRole('button', { name: 'この条件で表示' }).click();
  ok(await page.getByRole('link', { name: receipt }).isVisible(), 'the status filter (送信済) keeps it');
  await page.getByRole('link', { name: receipt }).click();
  ok(await page.getByText('駅前1丁目').isVisible(), 'the detail shows the answers');
  await a11y(page, 'staff application detail');
  // A second report with a name, made to look signed (a report with the basic four, set with
  // sqlite3: a real signature is staff_evidence.sh's) and given a photo: the filtered inbox,
  // the evidence panel with a difference, the attachment and the assignment.
  const signed = execFileSync('bash', ['-c', '. tests/lib.sh; . tests/staff_lib.sh; road_report 駅前2丁目 "ミドリ ハナコ"'], {
    cwd: root, env: { ...process.env, T: portal.dir, U: portal.url },
  }).toString().trim();
  const report = JSON.stringify({ result: 'ok', message: '電子署名を確認しました。', verified_at: '2026-11-26T18:34:59Z',
    certificate: { serial: '5BF97F73', issuer: 'C=JP, O=JPKI-TEST', not_before: '2026-11-26T18:29:46Z', not_after: '2031-01-02T14:59:59Z' },
    revocation: { method: 'ocsp', status: 'good', detail: 'OCSP: good' },
    basic_four: { name: 'ミドリ ハナコ', gender: '2', birth: '419900102', birth_date: '1990-01-02', address: '東京都千代田区千代田1-1', complete: true } });
  const png = '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082';
  portalSql(portal.dir,
    `update applications set signature = x'3000', verification = '${report}', differs = 1 where receipt = '${signed}';` +
    `insert into attachments (draft_key, field, filename, mime, size, sha256, created_at, data) select draft_key, 'photos', '穴.png', 'image/png', length(x'${png}'), 'x', 1, x'${png}' from applications where receipt = '${signed}'`);
  await page.getByRole('link', { name: '申請の一覧へ戻る' }).click();
  await page.getByLabel('氏名またはフリガナ').fill('ﾐﾄﾞﾘ');
  await page.getByLabel('証明書と申請内容の違い').selectOption({ label: '違いあり' });
  await page.getByLabel('到達日（この日から）').fill(new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'この条件で表示' }).click();
  ok(await page.getByRole('link', { name: signed }).isVisible(), 'the filtered inbox (ﾐﾄﾞﾘ, 違いあり, from today) lists the signed one');
  ok(await page.getByRole('link', { name: receipt }).count() === 0, '... and not the other');
  await a11y(page, 'staff inbox, filtered');
  await page.getByRole('link', { name: signed }).click();
  ok(await page.getByText('証明書と申請内容が異なります').isVisible(), 'the evidence panel marks the address in words');
  ok(await page.getByRole('img', { name: '穴.png' }).isVisible(), 'the photo is shown with its file name');
  ok(await page.getByRole('link', { name: /次の申請（古い方）/ }).count() === 0, 'no link to the older report: it is not in the filtered order');
  ok(await page.getByRole('button', { name: '証拠一式をZIPで保存する' }).isVisible(), 'the application page offers the evidence package as a ZIP');
  await a11y(page, 'staff application detail with the evidence panel');
  await page.getByRole('button', { name: '自分が担当する' }).click();
  await page.getByRole('button', { name: '担当をやめる' }).waitFor();
  ok(await page.getByText('窓口 太郎（自分）').isVisible(), 'taken: the assignee is 窓口 太郎（自分）, and 担当をやめる is offered');
  await a11y(page, 'staff application detail, assigned');
  await page.getByRole('link', { name: '申請の一覧へ戻る' }).click();
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.waitForURL(/\/staff\/login$/);
  ok(true, 'logout leads back to the staff login');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
