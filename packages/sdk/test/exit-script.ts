// Run in a child process by lifecycle.test.ts: records events and ends without flushing, so only
// the beforeExit hook can deliver them.
import { Margin } from '../src/index.ts';

const margin = new Margin({
  baseUrl: process.env.MARGIN_TEST_URL!,
  secretKey: 'sk-mg-test',
  flushAt: 1_000,
  flushIntervalMs: 60_000,
  flushOnExit: process.env.MARGIN_TEST_NO_EXIT_FLUSH !== '1',
});
const count = Number(process.env.MARGIN_TEST_COUNT);
for (let i = 0; i < count; i += 1) margin.generation({ name: 'exit.test', usage: { input_tokens: i, output_tokens: 1 } });
