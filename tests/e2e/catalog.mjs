// Seed steps 1-2 in a real browser: the top page, searching 「ボランティア」, the procedure
// page with 「次へ進む」; axe-core on each page; the layout at 320 px.
import { startPortal, launch, axe, ok, done } from './_lib.mjs';

const portal = await startPortal();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(portal.url + '/');
  ok((await page.title()).includes('オンライン手続'), 'top page has the portal title');
  let v = await axe(page);
  ok(v.length === 0, 'top page: no WCAG 2.1 AA violation (axe-core)', v);

  await page.getByLabel('手続を探す').fill('ボランティア');
  await page.getByRole('button', { name: '検索' }).click();
  await page.waitForURL(/\/search\?q=/);
  const link = page.getByRole('link', { name: '介護支援ボランティアポイント交付申請' });
  ok(await link.count() === 1, 'search 「ボランティア」 lists 介護支援ボランティアポイント交付申請');
  v = await axe(page);
  ok(v.length === 0, 'search results page: no WCAG 2.1 AA violation', v);

  await link.click();
  await page.waitForURL(/\/procedures\/kaigo-volunteer-point$/);
  const next = page.getByRole('link', { name: '次へ進む' });
  ok(await next.isVisible(), 'procedure page shows 「次へ進む」');
  const text = await page.locator('main').innerText();
  for (const s of ['マイナンバーカード', '署名用電子証明書のパスワード', 'メールアドレス']) {
    ok(text.includes(s), `procedure page lists ${s} among what to prepare`);
  }
  v = await axe(page);
  ok(v.length === 0, 'procedure page: no WCAG 2.1 AA violation', v);

  await page.goto(portal.url + '/search?q=' + encodeURIComponent('該当しないことば'));
  ok((await page.locator('main').innerText()).includes('見つかりませんでした'), 'a search without results says so');
  v = await axe(page);
  ok(v.length === 0, 'empty search results page: no WCAG 2.1 AA violation', v);

  // A 320 px phone: nothing wider than the screen.
  const phone = await browser.newPage({ viewport: { width: 320, height: 640 } });
  for (const p of ['/', '/procedures/kaigo-volunteer-point']) {
    await phone.goto(portal.url + p);
    const w = await phone.evaluate(() => document.documentElement.scrollWidth);
    ok(w <= 320, `${p} fits a 320 px screen (scroll width ${w})`);
  }

  // Keyboard: the skip link is the first stop and leads to the content.
  await page.goto(portal.url + '/');
  await page.keyboard.press('Tab');
  ok(await page.evaluate(() => document.activeElement.textContent) === '本文へ移動', 'first Tab reaches the skip link');
} catch (e) {
  ok(false, 'browser test ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stops cleanly on SIGTERM');
  done();
}
