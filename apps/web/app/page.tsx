import { checkHealth } from '@margin/runtime';
import { getRuntime } from '~/server/runtime';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const { stores } = getRuntime();
  const [health, projects] = await Promise.all([
    checkHealth(stores),
    stores.db.prisma.project.findMany({ orderBy: { createdAt: 'asc' }, select: { id: true, name: true, isDemo: true } }),
  ]);
  return (
    <main className="mx-auto max-w-4xl p-8">
      <h1 className="text-2xl font-semibold">Margin</h1>
      <p className="mt-1 text-gray-600">Token economics for LLM products.</p>
      <section className="mt-6 rounded-lg border bg-white p-4" data-testid="health">
        <h2 className="font-medium">Stores</h2>
        <p data-testid="health-postgres">Postgres: {health.postgres ? 'ok' : 'down'}</p>
        <p data-testid="health-clickhouse">ClickHouse: {health.clickhouse ? 'ok' : 'down'}</p>
      </section>
      <section className="mt-6 rounded-lg border bg-white p-4">
        <h2 className="font-medium">Projects</h2>
        <ul data-testid="projects">
          {projects.map((project) => (
            <li key={project.id} data-testid="project">
              {project.name}
              {project.isDemo ? ' (demo)' : ''}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
