// A real SMTP server for the browser tests: Debian's aiosmtpd (for /usr/bin/python3),
// delivering into a Maildir that the test reads. Listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './_lib.mjs';

export async function startSmtp() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-smtp-'));
  const port = await freePort();
  const child = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '-c', 'aiosmtpd.handlers.Mailbox', path.join(dir, 'maildir')], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    // Every message as { to, subject, body } with MIME encodings undone.
    messages() {
      let files = [];
      try { files = readdirSync(path.join(dir, 'maildir', 'new')).sort(); } catch { return []; }
      return files.map((f) => parseMessage(readFileSync(path.join(dir, 'maildir', 'new', f), 'utf8')));
    },
    // Waits until a message to `to` whose subject includes `subject` arrives.
    async waitFor(to, subject, ms = 30000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const m = this.messages().filter((x) => x.to.includes(to) && x.subject.includes(subject));
        if (m.length) return m[m.length - 1];
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no mail to ${to} with "${subject}" within ${ms} ms`);
    },
    stop() { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}

function decodeWords(s) {
  return s.replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8')).trim();
}

export function parseMessage(raw) {
  const sep = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, sep).replace(/\r?\n[ \t]+/g, ' ');
  const bodyRaw = raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const header = (name) => {
    const m = head.match(new RegExp(`^${name}:\\s*(.*)$`, 'im'));
    return m ? m[1] : '';
  };
  const body = /base64/i.test(header('Content-Transfer-Encoding'))
    ? Buffer.from(bodyRaw.replace(/\s+/g, ''), 'base64').toString('utf8') : bodyRaw;
  return { to: header('To'), subject: decodeWords(header('Subject')), body, raw };
}
