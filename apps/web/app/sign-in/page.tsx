import { getRuntime } from '~/server/runtime';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  const demo = await getRuntime().stores.db.prisma.project.findFirst({ where: { isDemo: true }, select: { id: true } });
  return (
    <main className="mx-auto mt-24 max-w-sm rounded-lg border bg-white p-6 shadow-sm">
      <h1 className="text-xl font-semibold">Sign in to Margin</h1>
      <p className="mb-4 mt-1 text-sm text-gray-500">Token economics for LLM products.</p>
      <SignInForm demoAvailable={demo !== null} />
    </main>
  );
}
