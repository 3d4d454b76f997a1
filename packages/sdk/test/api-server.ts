// A real HTTP server on 127.0.0.1 standing in for Margin's ingestion API: it records every
// request and answers as the test scripts it (207 by default, or 429/503/400/413, or a cut socket).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Bytes of the body as received. */
  bytes: number;
  body: { events: Array<Record<string, unknown> & { id: string; type: string }> };
  /** performance.now() when the body had arrived. */
  at: number;
}

export type Answer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Close the connection without an answer: a network error for the client. */
  | 'cut';

export type Script = (request: RecordedRequest, index: number) => Answer | Promise<Answer>;

/** What the contract's server answers when it stores every event. */
export const acceptAll: Script = (request) => ({
  status: 207,
  body: { successes: request.body.events.map((e) => ({ id: e.id, status: 201 })), errors: [] },
});

export interface ApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Every event of every request, in arrival order. */
  events(): RecordedRequest['body']['events'];
  script: Script;
  close(): Promise<void>;
}

export async function startApiServer(script: Script = acceptAll): Promise<ApiServer> {
  const requests: RecordedRequest[] = [];
  const api: ApiServer = {
    url: '',
    requests,
    events: () => requests.flatMap((r) => r.body.events),
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bytes: raw.length,
        body: JSON.parse(raw.toString('utf8')),
        at: performance.now(),
      };
      requests.push(recorded);
      const answer = await api.script(recorded, requests.length - 1);
      if (answer === 'cut') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** Polls until `condition` holds; fails the test after `timeoutMs` instead of sleeping blindly. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
