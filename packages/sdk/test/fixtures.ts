// A Margin client wired to a test server, with its errors collected and its shutdown registered.
import { Margin, type MarginError, type MarginOptions } from '../src/index.ts';
import type { ApiServer } from './api-server.ts';

export interface TestClient {
  margin: Margin;
  errors: MarginError[];
}

export function testClient(api: ApiServer, options: Partial<MarginOptions> = {}, registry?: Margin[]): TestClient {
  const errors: MarginError[] = [];
  const margin = new Margin({
    baseUrl: api.url,
    secretKey: 'sk-mg-test',
    flushOnExit: false,
    flushIntervalMs: 60_000,
    retryBaseDelayMs: 20,
    onError: (e) => errors.push(e),
    ...options,
  });
  registry?.push(margin);
  return { margin, errors };
}
