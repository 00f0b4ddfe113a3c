import type pg from "pg";
import { guarded } from "./store-errors.js";

/**
 * Runs `work` on a client of its own. While checked out a client is not covered by the
 * pool's `error` listener: a connection terminated between two queries would emit an
 * unhandled `error` and end the process, so it gets a listener of its own; a failed
 * client is destroyed, not returned to the pool.
 */
export async function withClient<T>(pool: pg.Pool, what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return guarded(what, async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on("error", onError);
    try {
      // A connection that fails after the work finished is only destroyed (below): the work's result stands.
      return await work(client);
    } catch (error) {
      broken ??= error as Error;
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  });
}
