// The road/park report (道路・公園の不具合の通報), a procedure without login, in a real browser
// that comes without any cookie: with JavaScript (the dialog) and without it (the
// confirmation step as a page). The form page is shown without writing a session; the
// first 「次へ」 (the form's CSRF token is the pre-session cookie's) makes the session and the
// draft, with an attached photo; the report is submitted and 「以上で、申請は完了です。」.
// axe-core at WCAG 2.1 AA on the form.
import { startPortal, launch, axe, ok, done, portalSql } from './_lib.mjs';

const portal = await startPortal();
const browser = await launch();
const PROC = '/procedures/road-park-report';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const sessions = () => Number(portalSql(portal.dir, 'select count(*) from sessions'));

async function report(js) {
  const what = js ? 'with JavaScript' : 'without JavaScript';
  const ctx = await browser.newContext({ javaScriptEnabled: js });
  const page = await ctx.newPage();
  const before = sessions();
  await page.goto(portal.url + PROC + '/form');
  ok(sessions() === before, `${what}: the form page is shown without a session row`);
  if (js) {
    const v = await axe(page);
    ok(v.length === 0, 'the form without a session: no WCAG 2.1 AA violation', v);
  }
  await page.check('input[name="kind"] >> nth=0');
  await page.fill('#location', '緑町1丁目の交差点');
  await page.fill('#details', '歩道に穴があります。');
  await page.setInputFiles('#photos', { name: '穴.png', mimeType: 'image/png', buffer: PNG });
  await Promise.all([page.waitForURL(/\/confirm$/), page.click('button[value="next"]:not(.default-action)')]);
  ok(sessions() === before + 1, `${what}: 「次へ」 made one session`);
  const body = await page.locator('main').innerText();
  ok(body.includes('緑町1丁目の交差点') && body.includes('穴.png'), `${what}: the answers and the photo are on the confirmation page`, body);
  if (js) {
    let dialogText = null;
    page.once('dialog', (d) => { dialogText = d.message(); d.accept(); });
    await Promise.all([page.waitForURL(/\/complete$/), page.click('#submit-button')]);
    ok(dialogText === '申請します。よろしいですか？', 'the dialog 「申請します。よろしいですか？」', dialogText);
  } else {
    await Promise.all([page.waitForLoadState(), page.click('#submit-button')]);
    ok(await page.getByText('申請します。よろしいですか？').isVisible(), 'without JavaScript: 「申請します。よろしいですか？」 as a page');
    await Promise.all([page.waitForURL(/\/complete$/), page.click('button[type="submit"]:has-text("OK")')]);
  }
  ok(await page.getByText('以上で、申請は完了です。').isVisible(), `${what}: 「以上で、申請は完了です。」`);
  await ctx.close();
}

try {
  await report(true);
  await report(false);
} catch (e) {
  ok(false, 'browser journey ran to the end', e.stack);
} finally {
  await browser.close();
  const code = await portal.stop();
  ok(code === 0, `portal stopped cleanly (${code})`);
  done();
}
