import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { getAuthOptions } from '~/server/auth';

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the auth secret and stores come from the running server.
const handler = (req: NextRequest, context: RouteContext) =>
  NextAuth(req, context as unknown as { params: { nextauth: string[] } }, getAuthOptions());

export { handler as GET, handler as POST };
