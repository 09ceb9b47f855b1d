// What the browser tests that sign with the virtual card share (_seed.mjs, _resubmit.mjs,
// both run by a shell test with the card stack up): the volunteer point procedure's form as
// the demo resident fills it, and madoguchi-sign run with a link, the password on fd 3.
import { spawn } from 'node:child_process';

export const PROC = '/procedures/kaigo-volunteer-point';
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

// Fills the form of PROC on page with the demo resident's answers and stamps stamps.
export async function fillForm(page, stamps) {
  await page.fill('#registration_number', 'V-0123');
  await page.selectOption('#fiscal_year', '2026');
  await page.fill('#stamps', stamps);
  await page.fill('#name', '見取 花子');
  await page.fill('#name_kana', 'ミドリ ハナコ');
  await page.fill('#birth_date\\.year', '1950');
  await page.fill('#birth_date\\.month', '4');
  await page.fill('#birth_date\\.day', '1');
  await page.fill('#postal_code', '100-0001');
  await page.fill('#address', '東京都千代田区千代田1-1');
  await page.fill('#phone', '048-000-1234');
  await page.fill('#bank_account\\.bank', '0001');
  await page.fill('#bank_account\\.branch', '001');
  await page.check('#bank_account\\.type');
  await page.fill('#bank_account\\.number', '1234567');
  await page.fill('#bank_account\\.holder', 'ミドリ ハナコ');
  await page.check('#premium_declaration');
}

// madoguchi-sign (sign) with the link, the password on fd 3: { code, out }.
export function runSigner(sign, password, link) {
  return new Promise((resolve) => {
    const child = spawn(sign, ['--password-fd', '3', '--card-timeout', '20', link],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.stdio[3].end(password + '\n');
    child.on('exit', (code) => resolve({ code, out }));
  });
}
