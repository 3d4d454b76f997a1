// The process's stores, shared between the custom server (server.ts) and Next.js code. Next bundles
// its server code separately, so module state is not shared; globalThis is.
import type { Stores } from '@margin/runtime';

export interface WebRuntime {
  stores: Stores;
  authSecret: string;
}

const KEY = Symbol.for('margin.web.runtime');
type Holder = { [KEY]?: WebRuntime };

export function setRuntime(runtime: WebRuntime | undefined): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getRuntime(): WebRuntime {
  const runtime = (globalThis as Holder)[KEY];
  if (!runtime) throw new Error('Margin runtime not started: run the app through server.ts (npm start)');
  return runtime;
}
