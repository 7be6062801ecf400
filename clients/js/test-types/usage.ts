// Compiled by `tsc --noEmit` in the test suite: the declarations accept what the README shows
// and refuse misuse (the @ts-expect-error lines must stay errors).
import { createClient, memoryStorage, TesseraError, type User } from '@tessera-auth/client';

const tessera = createClient({ baseUrl: 'https://auth.example.com' });
const mobile = createClient({ baseUrl: 'https://auth.example.com', refresh: 'body', storage: memoryStorage() });

async function main(): Promise<void> {
  const stop = tessera.onSessionChange((user: User | null) => {
    if (user === null) console.log('signed out');
  });
  try {
    const user = await tessera.login('ann@example.com', 'correct horse battery staple');
    console.log(user.email, user.roles.includes('admin'));
  } catch (err) {
    if (err instanceof TesseraError && err.code === 'mfa_required' && err.problem?.mfa_ticket) {
      await tessera.loginMfa(err.problem.mfa_ticket, 'totp', '123456');
    } else if (err instanceof TesseraError && err.retryAfter !== null) {
      console.log(`try again in ${err.retryAfter} s`);
    }
  }
  const res: Response = await tessera.fetch('/api/data', { method: 'GET' });
  console.log(res.status, (await tessera.sessions()).map((s) => s.current));
  const token: string = await mobile.getAccessToken();
  console.log(token.length);
  stop();
  // @ts-expect-error refresh is 'cookie' or 'body'
  createClient({ baseUrl: 'https://auth.example.com', refresh: 'local' });
  // @ts-expect-error loginMfa's method is totp or recovery_code
  await tessera.loginMfa('ticket', 'sms', '123456');
}
void main();
