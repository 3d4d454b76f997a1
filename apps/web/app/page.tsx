import { redirect } from 'next/navigation';
import { createCaller } from '~/server/routers';
import { createContext } from '~/server/trpc';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const ctx = await createContext();
  if (!ctx.userId) redirect('/sign-in');
  const projects = await createCaller(ctx).project.list();
  if (projects[0]) redirect(`/project/${projects[0].id}`);
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">No project yet</h1>
      <p className="mt-2 text-gray-600">Create one with the MARGIN_INIT_* variables (see the README), then send events to /api/public/events.</p>
    </main>
  );
}
