import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { SpendByDayChart, SpendByModelList } from '~/components/overview-charts';
import { createCaller } from '~/server/routers';
import { createContext } from '~/server/trpc';

export const dynamic = 'force-dynamic';

type Totals = Record<string, string | number | null>;

const num = (value: string | number | null | undefined) => (value === null || value === undefined ? null : Number(value));
const fmtUsd = (value: string | number | null | undefined) => {
  const n = num(value);
  return n === null ? '–' : `$${n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 4 })}`;
};
const fmtPct = (value: string | number | null | undefined) => {
  const n = num(value);
  return n === null ? '–' : `${(n * 100).toFixed(1)}%`;
};
const fmtInt = (value: string | number | null | undefined) => (num(value) ?? 0).toLocaleString('en-US');

function Kpi({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="rounded-lg border bg-white p-4">
      <p className="text-sm text-gray-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold" data-testid={testId}>
        {value}
      </p>
    </div>
  );
}

export default async function ProjectOverview({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const ctx = await createContext();
  if (!ctx.userId) redirect('/sign-in');
  const caller = createCaller(ctx);
  let overview;
  try {
    overview = await caller.overview.get({ projectId, days: 30 });
  } catch (error) {
    if (error instanceof TRPCError && error.code === 'NOT_FOUND') notFound();
    throw error;
  }
  const projects = await caller.project.list();
  const totals: Totals = overview.totals;
  const byDay = overview.byDay.map((row) => ({ day: String(row.day).slice(0, 10), Spend: num(row.spend) ?? 0, Requests: num(row.requests) ?? 0 }));
  const byModel = overview.byModel.map((row) => ({ name: String(row.model || 'unknown'), value: num(row.spend) ?? 0 }));

  return (
    <main className="mx-auto max-w-6xl space-y-6 p-8">
      <header className="flex items-baseline justify-between">
        <div>
          <h1 className="text-2xl font-semibold" data-testid="project-name">
            {overview.project.name}
            {overview.project.isDemo ? <span className="ml-2 rounded bg-amber-100 px-2 py-0.5 text-sm text-amber-800">demo</span> : null}
          </h1>
          <p className="text-sm text-gray-500">Last 30 days (UTC)</p>
        </div>
        <nav className="flex gap-3 text-sm">
          {projects.map((project) => (
            <Link key={project.id} href={`/project/${project.id}`} className={project.id === projectId ? 'font-semibold' : 'text-blue-700'}>
              {project.name}
            </Link>
          ))}
        </nav>
      </header>
      <section className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <Kpi label="Spend" value={fmtUsd(totals.spend)} testId="kpi-spend" />
        <Kpi label="Requests" value={fmtInt(totals.requests)} testId="kpi-requests" />
        <Kpi label="Cost per request" value={fmtUsd(totals.cost_per_request)} testId="kpi-cost-per-request" />
        <Kpi label="Cost per user" value={fmtUsd(totals.cost_per_user)} testId="kpi-cost-per-user" />
        <Kpi label="Cache hit rate" value={fmtPct(totals.cache_hit_rate)} testId="kpi-cache-hit-rate" />
        <Kpi label="Cache savings" value={fmtUsd(totals.cache_savings)} testId="kpi-cache-savings" />
        <Kpi label="Error rate" value={fmtPct(totals.error_rate)} testId="kpi-error-rate" />
        <Kpi label="Context overhead" value={fmtPct(totals.context_overhead)} testId="kpi-context-overhead" />
      </section>
      <section className="grid gap-4 md:grid-cols-3">
        <div className="md:col-span-2">
          <SpendByDayChart data={byDay} />
        </div>
        <SpendByModelList data={byModel} />
      </section>
      <section className="rounded-lg border bg-white p-4">
        <h2 className="font-medium">Most expensive calls</h2>
        <table className="mt-3 w-full text-left text-sm" data-testid="top-calls">
          <thead className="text-gray-500">
            <tr>
              <th>When</th>
              <th>Feature</th>
              <th>Model</th>
              <th className="text-right">Tokens</th>
              <th className="text-right">Cost</th>
            </tr>
          </thead>
          <tbody>
            {overview.topCalls.map((call) => (
              <tr key={call.id} className="border-t" data-testid="top-call">
                <td>{call.timestamp.slice(0, 16).replace('T', ' ')}</td>
                <td>{call.name}</td>
                <td>{call.model}</td>
                <td className="text-right">{call.usage.total_tokens.toLocaleString('en-US')}</td>
                <td className="text-right">{fmtUsd(call.cost.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
