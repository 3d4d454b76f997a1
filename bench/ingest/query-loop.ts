// A dashboard stand-in: loops one metrics query over HTTP against the server until its time is up.
import { summarise } from './stats.ts';

const { url, secretKey, name, durationMs } = JSON.parse(process.argv[2]!) as { url: string; secretKey: string; name: string; durationMs: number };
const latencies: number[] = [];
const serverMs: number[] = [];
const deadline = performance.now() + durationMs;
while (performance.now() < deadline) {
  const started = performance.now();
  const response = await fetch(`${url}/bench/query?name=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${secretKey}` } });
  const body = (await response.json()) as { ms: number };
  latencies.push(performance.now() - started);
  serverMs.push(body.ms);
}
console.log(JSON.stringify({ name, queries: latencies.length, latencyMs: summarise(latencies), queryMs: summarise(serverMs) }));
