// Projects the signed-in user can see.
import { createTRPCRouter, protectedProcedure } from '../trpc.ts';

export const projectRouter = createTRPCRouter({
  list: protectedProcedure.query(async ({ ctx }) =>
    ctx.stores.db.prisma.project.findMany({
      where: { org: { memberships: { some: { userId: ctx.userId } } } },
      orderBy: [{ isDemo: 'asc' }, { createdAt: 'asc' }],
      select: { id: true, name: true, isDemo: true, org: { select: { name: true } } },
    }),
  ),
});
