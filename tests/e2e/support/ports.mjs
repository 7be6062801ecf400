// Loopback ports for the black-box tests.
import { createServer } from 'node:net';

// A loopback port that was free a moment ago, so that a setting (TESSERA_PUBLIC_URL, an nginx
// `listen`) can name a server's address before the server starts.
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
