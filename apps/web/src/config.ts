/**
 * Where the API and the Supabase project are, read on the server at request time: one build
 * runs against any API. The browser gets the same values from the root layout (they are
 * public: a URL and Supabase's anon key), so nothing is baked into the JavaScript bundle.
 */
export interface PublicConfig {
  apiUrl: string;
  supabaseUrl: string;
  supabaseAnonKey: string;
}

export function publicConfig(): PublicConfig {
  return {
    apiUrl: process.env.S3SSIONS_API_URL ?? "http://127.0.0.1:3000",
    // The Supabase CLI's local project, so `next dev` starts without a .env file.
    supabaseUrl: process.env.SUPABASE_URL ?? "http://127.0.0.1:54321",
    supabaseAnonKey: process.env.SUPABASE_ANON_KEY ?? "local-anon-key",
  };
}
