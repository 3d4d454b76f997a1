export * from './env.ts';
export * from './lock.ts';
export * from './stores.ts';
export * from './health.ts';
export * from './auth-secret.ts';
export * from './http-server.ts';
