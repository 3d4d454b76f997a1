import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.ts';

describe('start-up configuration', () => {
  it('defaults to embedded stores under ./.margin-data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('.margin-data'));
    expect(config.pgliteDir).toBe(path.resolve('.margin-data/pg'));
    expect(config.chdbDir).toBe(path.resolve('.margin-data/ch'));
    expect(config.embedded).toBe(true);
  });

  it('uses servers when both URLs are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/m', CLICKHOUSE_URL: 'http://ch:8123' });
    expect(config.pgliteDir).toBeUndefined();
    expect(config.chdbDir).toBeUndefined();
    expect(config.embedded).toBe(false);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: set DATABASE_URL to postgresql:/],
    [{ CLICKHOUSE_URL: 'clickhouse:9000' }, /^CLICKHOUSE_URL: set CLICKHOUSE_URL to http:/],
    [{ PORT: 'eighty' }, /^PORT: /],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
