// The browser part of tests/integration/seed.sh (run by it, with the card stack up): seed
// steps 1-16 for 介護支援ボランティアポイント, with the exact words of docs/seed-journey.md. Steps
// 8-13 run madoguchi-sign with the href of the page's 「スマートフォンで電子署名する」 link,
// the password on a file descriptor; the page must turn to 「電子署名済み」 by itself.
import { startPortal, launch, ok, done } from './_lib.mjs';
import { seedJourney } from './_card.mjs';

const portal = await startPortal({ MADOGUCHI_ARGON2_M_COST_KIB: '8192', MADOGUCHI_ARGON2_T_COST: '1' });
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  const receipt = await seedJourney(page, portal, process.env.SEED_SIGN, process.env.SEED_CARD_PASSWORD);
  await page.goto(portal.url + `/mypage/${receipt}`);
  ok((await page.locator('main').innerText()).includes('送信済'), `my page shows ${receipt} as 送信済`);
} catch (e) {
  ok(false, 'the seed journey ran to the end', e.stack);
} finally {
  await browser.close();
  ok(await portal.stop() === 0, 'portal stopped cleanly');
  done();
}
