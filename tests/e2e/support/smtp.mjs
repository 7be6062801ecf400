// A real SMTP server for the end-to-end tests (npm smtp-server), so mail delivery is proven
// against a server that speaks the protocol, not against a mock:
//
//   const smtp = await startSmtpServer();            // STARTTLS required before AUTH
//   env.TESSERA_SMTP_URL = smtp.url();               // smtp://user:pass@127.0.0.1:PORT
//   env.TESSERA_SMTP_CA_FILE = smtp.caFile;          // the per-run self-signed certificate
//   const mail = await smtp.waitForMessage((m) => m.to.includes('alice@example.com'));
//   mail.links[0]                                    // the verification or reset link
//   await smtp.stop(); ... await smtp.start();       // "SMTP down, then up" on the same port
//   await smtp.close();                              // stop and remove the certificate
//   const smtp = useSmtpServer();                    // one for the whole file (support/suite.mjs)
//
// Modes: 'starttls' (default: port 587 style, STARTTLS offered and required before AUTH and
// mail), 'tls' (implicit TLS, smtps://), and 'plain' (no TLS at all, and it would accept
// anything: only to prove that Tessera refuses to send without TLS).
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useForFile } from './suite.mjs';

export const SMTP_HOST = '127.0.0.1';

// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command into a
// fresh temporary directory. P-256 keeps it fast; `req -x509` marks it CA:TRUE, so the same file
// serves as the server's certificate and as the CA file the client trusts.
export function makeCertificate(names = ['IP:127.0.0.1', 'DNS:localhost'],
  dir = mkdtempSync(join(tmpdir(), 'tessera-smtp-'))) {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=tessera-test-smtp',
    '-addext', `subjectAltName=${names.join(',')}`,
  ], { stdio: 'pipe' });
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

// The http(s) links in a text body, in order, without trailing sentence punctuation.
export function linksIn(text) {
  return [...text.matchAll(/https?:\/\/[^\s<>"']+/g)].map((m) => m[0].replace(/[.,;:!?)]+$/, ''));
}

export async function startSmtpServer({
  user = 'tessera-smtp',
  password = 'p@ss:w/rd%Secret-42',
  mode = 'starttls',
  authMethods = ['PLAIN', 'LOGIN'],
  // (address) => true refuses that recipient with 550, for "recipient refused" tests.
  rejectRecipient = () => false,
  port = 0,
  maxBytes = 1024 * 1024,
  // The certificate's subjectAltName entries; another name proves host name verification.
  certNames = ['IP:127.0.0.1', 'DNS:localhost'],
} = {}) {
  if (!['starttls', 'tls', 'plain'].includes(mode)) throw new Error(`unknown SMTP mode ${mode}`);
  const cert = makeCertificate(certNames);
  const messages = [];
  const authAttempts = []; // { method, username, ok } (never the password)
  const waiters = [];
  let server = null;
  let boundPort = port;

  const options = () => {
    const common = {
      logger: false,
      banner: 'Tessera test SMTP',
      size: maxBytes,
      authMethods,
      closeTimeout: 200, // stop() must not wait 30 s for a client that hangs on
      onAuth(auth, session, callback) {
        const ok = auth.username === user && auth.password === password;
        authAttempts.push({ method: auth.method, username: auth.username, ok, secure: session.secure });
        if (!ok) return callback(new Error('5.7.8 Username and Password not accepted'));
        return callback(null, { user: auth.username });
      },
      onRcptTo(address, session, callback) {
        if (rejectRecipient(address.address)) {
          const err = new Error(`5.1.1 <${address.address}>: mailbox unavailable`);
          err.responseCode = 550;
          return callback(err);
        }
        return callback();
      },
      onData(stream, session, callback) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', async () => {
          if (stream.sizeExceeded) {
            const err = new Error('5.3.4 message too big');
            err.responseCode = 552;
            return callback(err);
          }
          const raw = Buffer.concat(chunks);
          try {
            const parsed = await simpleParser(raw);
            record({
              raw: raw.toString('utf8'),
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              secure: session.secure,
              user: session.user ?? null,
              from: parsed.from?.value?.[0]?.address ?? '',
              fromName: parsed.from?.value?.[0]?.name ?? '',
              to: (parsed.to?.value ?? []).map((a) => a.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              links: linksIn(parsed.text ?? ''),
              html: typeof parsed.html === 'string' ? parsed.html : '',
              messageId: parsed.messageId ?? '',
              date: parsed.date ?? null,
              headers: parsed.headers,
            });
            callback(null, 'Queued');
          } catch (err) {
            callback(err);
          }
        });
      },
    };
    if (mode === 'tls') return { ...common, secure: true, key: cert.key, cert: cert.cert };
    if (mode === 'starttls') {
      return {
        ...common,
        secure: false,
        key: cert.key,
        cert: cert.cert,
        hideSTARTTLS: false,
        authOptional: false,
        allowInsecureAuth: false, // AUTH before STARTTLS is answered 538
      };
    }
    // 'plain': no STARTTLS offered, and it would take the password and the mail in the clear,
    // so a refusal can only come from the client.
    return { ...common, secure: false, disabledCommands: ['STARTTLS'], authOptional: true, allowInsecureAuth: true };
  };

  function record(message) {
    messages.push(message);
    for (const w of [...waiters]) {
      if (w.predicate(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(message);
      }
    }
  }

  async function start() {
    if (server) return;
    const s = new SMTPServer(options());
    s.on('error', () => {}); // client-side TLS failures surface as server errors; tests look at the client
    await new Promise((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(boundPort, SMTP_HOST, () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    boundPort = s.server.address().port;
    server = s;
  }

  async function stop() {
    if (!server) return;
    const s = server;
    server = null;
    await new Promise((resolve) => s.close(resolve));
  }

  await start();

  const scheme = mode === 'tls' ? 'smtps' : 'smtp';
  return {
    host: SMTP_HOST,
    get port() { return boundPort; },
    get running() { return server !== null; },
    mode,
    user,
    password,
    caFile: cert.certFile,
    messages,
    authAttempts,
    // The TESSERA_SMTP_URL for this server; user and password percent-encoded.
    url({ user: u = user, password: p = password, scheme: sch = scheme } = {}) {
      const auth = u === null ? '' : `${encodeURIComponent(u)}:${encodeURIComponent(p)}@`;
      return `${sch}://${auth}${SMTP_HOST}:${boundPort}`;
    },
    // Resolves with the first message (already received or still to come) that `predicate`
    // accepts; rejects after `timeoutMs`, listing what did arrive.
    waitForMessage(predicate = () => true, timeoutMs = 10000) {
      const seen = messages.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          const got = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('\n  ');
          reject(new Error(`no matching mail within ${timeoutMs} ms; received ${messages.length}:\n  ${got}`));
        }, timeoutMs);
        w.timer.unref?.();
        waiters.push(w);
      });
    },
    start,
    stop,
    async close() {
      await stop();
      for (const w of waiters.splice(0)) clearTimeout(w.timer);
      rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}

// An SMTP server for the whole test file (support/suite.mjs), with startSmtpServer's options.
export function useSmtpServer(options = {}) {
  return useForFile(() => startSmtpServer(options), (smtp) => smtp.close());
}
