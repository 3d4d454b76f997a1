'use client';

import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

export function SignInForm({ demoAvailable }: { demoAvailable: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(provider: 'password' | 'demo', credentials: Record<string, string> = {}) {
    setPending(true);
    setError(null);
    const result = await signIn(provider, { ...credentials, redirect: false });
    setPending(false);
    if (result?.ok && !result.error) router.replace('/');
    else setError(provider === 'demo' ? 'The demo is not available.' : 'Wrong email or password.');
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void submit('password', { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') });
  }

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} className="space-y-3" data-testid="sign-in-form">
        <input name="email" type="email" required placeholder="Email" className="w-full rounded border px-3 py-2" data-testid="email" />
        <input name="password" type="password" required placeholder="Password" className="w-full rounded border px-3 py-2" data-testid="password" />
        <button type="submit" disabled={pending} className="w-full rounded bg-blue-600 px-3 py-2 font-medium text-white disabled:opacity-50" data-testid="sign-in">
          Sign in
        </button>
      </form>
      {demoAvailable ? (
        <button
          type="button"
          disabled={pending}
          onClick={() => void submit('demo')}
          className="w-full rounded border border-blue-600 px-3 py-2 font-medium text-blue-700 disabled:opacity-50"
          data-testid="demo-sign-in"
        >
          Explore the demo project
        </button>
      ) : null}
      {error ? (
        <p className="text-sm text-red-600" role="alert" data-testid="sign-in-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
