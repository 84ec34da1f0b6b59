/** Serves a built playground site on 127.0.0.1 (sirv: static files with the right types, `.wasm` included). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { MsatError } from '../core/index.js';

export interface ServedSite {
  /** `http://127.0.0.1:<port>/` (the port the system gave, for port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1:`port` (0: any free port). */
export function serveSite(dir: string, port: number): Promise<ServedSite> {
  const files = sirv(dir, { dev: true, etag: true });
  const server = createServer((req, res) =>
    files(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }),
  );
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new MsatError('PLAYGROUND_SERVE', `cannot serve on 127.0.0.1:${port}: ${e.message}`, { cause: e })));
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
