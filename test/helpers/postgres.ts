import pg from "pg";

/** The PostgreSQL the tests use (CI starts the machine's server; see .ci/run). */
export const TEST_POSTGRES_URL = process.env.REALDID_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/test";

/** Empties the verifier tables so a run starts clean. */
export async function resetVerifierTables(url = TEST_POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("DROP TABLE IF EXISTS realdid_challenges, realdid_nullifiers, realdid_ledger_entries, realdid_rate_limits, realdid_oidc_records, realdid_receipts");
  } finally {
    await client.end();
  }
}

/**
 * A database of the caller's own on the test server (made fresh), so that other suites'
 * table resets cannot touch it; `drop` removes it. Returns its connection URL.
 */
export async function ownTestDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const database = `${name}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${database}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) };
}
