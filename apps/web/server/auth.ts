// Sign-in for the dashboard (next-auth, JWT sessions): email + password against our own users
// table, and, while a demo project exists, a one-click demo login as a VIEWER of the demo org only.
import { verifyPassword, type Db } from '@margin/db';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { getRuntime } from './runtime.ts';

export const DEMO_USER_EMAIL = 'demo@margin.local';

/** Makes the demo user a VIEWER of the demo project's org (idempotent). */
export async function ensureDemoViewer(db: Db, demoProjectId: string): Promise<void> {
  const project = await db.prisma.project.findUniqueOrThrow({ where: { id: demoProjectId } });
  const user = await db.prisma.user.upsert({
    where: { email: DEMO_USER_EMAIL },
    create: { email: DEMO_USER_EMAIL, name: 'Demo viewer' },
    update: {},
  });
  await db.prisma.membership.upsert({
    where: { orgId_userId: { orgId: project.orgId, userId: user.id } },
    create: { orgId: project.orgId, userId: user.id, role: 'VIEWER' },
    update: {},
  });
}

export function getAuthOptions(): NextAuthOptions {
  const { stores, authSecret } = getRuntime();
  const db = stores.db;
  return {
    secret: authSecret,
    session: { strategy: 'jwt', maxAge: 30 * 24 * 3600 },
    pages: { signIn: '/sign-in' },
    providers: [
      CredentialsProvider({
        id: 'password',
        name: 'Email and password',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials) {
          const email = credentials?.email?.trim().toLowerCase();
          if (!email || !credentials?.password) return null;
          const user = await db.prisma.user.findUnique({ where: { email } });
          if (!user?.passwordHash || !(await verifyPassword(credentials.password, user.passwordHash))) return null;
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
      CredentialsProvider({
        id: 'demo',
        name: 'Demo',
        credentials: {},
        async authorize() {
          const demo = await db.prisma.project.findFirst({ where: { isDemo: true } });
          if (!demo) return null;
          const user = await db.prisma.user.findUnique({ where: { email: DEMO_USER_EMAIL } });
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
    ],
    callbacks: {
      jwt: ({ token, user }) => (user ? { ...token, sub: user.id } : token),
      session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub } }),
    },
  };
}
