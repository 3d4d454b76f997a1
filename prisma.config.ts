// Prisma 7 reads its settings here. The datasource URL is only needed by Prisma's own CLI
// (`prisma migrate deploy` where its engine can be downloaded); Margin migrates itself at start-up.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/margin' },
});
