// A local SMTP server for tests: the switchboard binary sends its mail here (SMTP_URL), and a
// test reads what arrived. Plain SMTP on 127.0.0.1 (no TLS, no auth), as lettre's smtp:// sends.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/** Bound for one wait for a mail (the server's jobs worker polls every 0.5 s). */
const MAIL_WAIT_MS = 20_000;
const POLL_MS = 25;

/**
 * Starts an SMTP server on a free port for test `t` (closed after it). Returns
 * { url, port, messages, waitFor(address, predicate?), linkIn(mail, path) }; each message is
 * { to: [addresses], from, subject, text, html }.
 */
export async function startSmtp(t) {
  const messages = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address();
  t.after(() => new Promise((resolve) => server.close(resolve)));

  /** The first mail to `address` that satisfies `predicate`, once it has arrived. */
  async function waitFor(address, predicate = () => true, timeoutMs = MAIL_WAIT_MS) {
    const wanted = address.toLowerCase();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find((m) => m.to.includes(wanted) && predicate(m));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('\n  ');
        throw new Error(`no mail to ${address} within ${timeoutMs} ms; received:\n  ${seen || '(none)'}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return { url: `smtp://127.0.0.1:${port}`, port, messages, waitFor, linkIn };
}

/** The first link in `mail` (its text part) to `path` (e.g. "/reset-password"), as a URL string. */
export function linkIn(mail, path) {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`https?://[^\\s"<>]+${escaped}\\?token=[A-Za-z0-9_\\-%.~]+`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in the mail "${mail.subject}":\n${mail.text}`);
  return match[0];
}
