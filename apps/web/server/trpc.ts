// tRPC for the dashboard: context, zod error formatting, and the procedures that carry access
// checks so routers never repeat them (projectProcedure checks membership and role once).
import { initTRPC, TRPCError } from '@trpc/server';
import { getServerSession } from 'next-auth';
import { z, ZodError } from 'zod';
import type { Role } from '@margin/db';
import type { Stores } from '@margin/runtime';
import { getAuthOptions } from './auth.ts';
import { getRuntime } from './runtime.ts';

export interface TrpcContext {
  stores: Stores;
  userId: string | null;
}

/** For route handlers and server components: the signed-in user from the session cookie. */
export async function createContext(): Promise<TrpcContext> {
  const session = await getServerSession(getAuthOptions());
  const userId = (session?.user as { id?: string } | undefined)?.id ?? null;
  return { stores: getRuntime().stores, userId };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: { ...shape.data, zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null },
  }),
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, userId: ctx.userId } });
});

const ROLE_RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

/** Procedures on one project: input carries `projectId`; the caller must be a member of its org. */
export const projectProcedure = protectedProcedure
  .input(z.object({ projectId: z.string().min(1) }))
  .use(async ({ ctx, input, next }) => {
    const project = await ctx.stores.db.prisma.project.findUnique({
      where: { id: input.projectId },
      select: { id: true, name: true, isDemo: true, orgId: true, org: { select: { memberships: { where: { userId: ctx.userId } } } } },
    });
    const membership = project?.org.memberships[0];
    if (!project || !membership) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such project' });
    return next({ ctx: { ...ctx, project: { id: project.id, name: project.name, isDemo: project.isDemo }, role: membership.role } });
  });

export function hasRole(role: Role, atLeast: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[atLeast];
}
