// A real SMTP server on a free loopback port that keeps every message it receives, so that
// tests read the mail Rathaus actually sent (invitation links and the like).

import { SMTPServer } from 'smtp-server';

/** Decodes a message body by its Content-Transfer-Encoding. */
function decodeBody(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) {
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Starts the server; resolves to `{ url, messages, waitFor, stop }`. */
export async function startMailbox() {
  const messages = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk) => { raw += chunk.toString('latin1'); });
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        const subject = (raw.match(/^Subject: (.*)$/im) || [])[1] || '';
        messages.push({ to, subject, raw, text: decodeBody(raw) });
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** Waits until a message to `address` has arrived and returns it; with `since`, only
     * messages received after the first `since` count. */
    async waitFor(address, { since = 0, timeoutMs = 15_000 } = {}) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        const found = messages.slice(since).find((message) => message.to.includes(address));
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no mail to ${address} within ${timeoutMs} ms; received: ${messages.map((m) => m.to).join(', ')}`);
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
