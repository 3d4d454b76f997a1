import { createCallerFactory, createTRPCRouter } from '../trpc.ts';
import { overviewRouter } from './overview.ts';
import { projectRouter } from './project.ts';

export const appRouter = createTRPCRouter({ project: projectRouter, overview: overviewRouter });
export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
