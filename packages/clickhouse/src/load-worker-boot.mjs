// Entry of the load worker thread: TypeScript sources run through tsx (as in the main thread),
// registered here because Node 20 does not pass the parent's loader hooks on to a worker.
const { register } = await import('tsx/esm/api');
register();
await import('./load-worker.ts');
