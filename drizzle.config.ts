import { defineConfig } from 'drizzle-kit';

// Migrations are generated into the Supabase CLI layout so `supabase db reset`
// and the app's own migrator apply the very same files.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/database/schema.ts',
  out: './supabase/migrations',
});
