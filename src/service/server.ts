import type { AddressInfo } from "node:net";
import { loadArtifacts } from "../artifacts/load.js";
import { createApp } from "./app.js";
import type { ServiceConfig } from "./config.js";
import { LedgerReplica } from "./ledger-replica.js";
import { ledgerSource } from "./ledger-source.js";
import { openOrCreateSigningKeyFile } from "../signed-log/signing-key-file.js";
import { ServiceMetrics } from "./metrics.js";
import { PostgresVerifierStore } from "./postgres-store.js";
import { SqliteVerifierStore } from "./sqlite-store.js";
import type { VerifierStore } from "./store.js";
import { batchingCheck } from "./verify-batcher.js";
import { VerifyPool } from "./verify-pool.js";

/** The verifier service's receipt key file format. */
const RECEIPT_KEY_FORMAT = "realdid-verifier-key/1";

export interface RunningService {
  readonly url: string;
  /** The key id it verifies with, and the public key its receipts are signed with. */
  readonly keyId: string;
  readonly receiptKey: string;
  readonly replica: LedgerReplica;
  close(): Promise<void>;
}

export const openStore = async (database: string): Promise<VerifierStore> =>
  /^postgres(ql)?:\/\//.test(database) ? PostgresVerifierStore.open(database) : SqliteVerifierStore.open(database);

/**
 * Starts the verifier service: store, ledger replica (pulled now and every
 * syncInterval), verification keys on a worker pool, and the HTTP API.
 */
export async function startVerifierService(config: ServiceConfig, log: (line: string) => void): Promise<RunningService> {
  const store = await openStore(config.database);
  const replica = await LedgerReplica.open(store, ledgerSource(config.ledger.source), config.ledger.registrarKey);
  await replica.sync().catch((error) => log(`ledger sync from ${config.ledger.source} failed (will retry): ${(error as Error).message}`));
  replica.startPolling(config.ledger.syncIntervalMs, (message) => log(`ledger sync failed: ${message}`));
  // Expired challenges can never be claimed: drop them (an hour late, so "expired" stays distinguishable from "unknown" for a while).
  const pruner = setInterval(() => store.pruneChallenges(new Date(Date.now() - 3600_000)).catch((error) => log(`challenge pruning failed: ${(error as Error).message}`)), 60_000);
  pruner.unref();
  const artifacts = loadArtifacts({ dir: config.keys, warn: log });
  const receiptKey = openOrCreateSigningKeyFile(config.receiptKeyFile, RECEIPT_KEY_FORMAT);
  if (receiptKey.created) log(`created the receipt signing key ${config.receiptKeyFile} (public ${receiptKey.signer.publicKey}); every instance of this service must use the same file`);
  const pool = await VerifyPool.create(artifacts.verificationKey, config.workers);
  const metrics = new ServiceMetrics(() => replica.ledger.length);
  const app = createApp({ config, store, replica, check: batchingCheck(pool), metrics, keyId: artifacts.keyId, receiptSigner: receiptKey.signer });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    keyId: artifacts.keyId,
    receiptKey: receiptKey.signer.publicKey,
    replica,
    async close() {
      replica.stopPolling();
      clearInterval(pruner);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
      await store.close();
    },
  };
}
