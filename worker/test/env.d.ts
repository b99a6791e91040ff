declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("@cloudflare/vitest-pool-workers").D1Migration[];
  }
}

/** Vite's `?raw` imports: a file's text (the tests read the README's example CSV files this way). */
declare module "*?raw" {
  const text: string;
  export default text;
}
