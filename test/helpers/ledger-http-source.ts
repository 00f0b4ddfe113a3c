import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RootLedger } from "../../src/ledger/root-ledger.js";

/**
 * A registrar's ledger endpoint on 127.0.0.1 (GET /v1/ledger?from=N, JSON lines as the
 * registrar server answers) whose ledger and behaviour a test changes as it goes, and
 * which counts the pulls it receives.
 */
export class LedgerHttpSource {
  pulls = 0;
  ledger: RootLedger;
  /** Replaces the normal answer (to stall, flood or delay). */
  behaviour: ((req: IncomingMessage, res: ServerResponse, normal: () => void) => void) | undefined;
  private constructor(
    private readonly server: Server,
    ledger: RootLedger,
  ) {
    this.ledger = ledger;
  }

  static async start(ledger: RootLedger): Promise<LedgerHttpSource> {
    let source: LedgerHttpSource | undefined;
    const server = createServer((req, res) => {
      const self = source!;
      self.pulls++;
      const normal = () => {
        const from = Number(new URL(req.url!, "http://x").searchParams.get("from") ?? 0);
        const lines = [{ format: "realdid-ledger/1", publicKey: self.ledger.publicKey }, ...self.ledger.entriesFrom(from)];
        res.writeHead(200, { "content-type": "application/x-ndjson" }).end(lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
      };
      if (self.behaviour) self.behaviour(req, res, normal);
      else normal();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    source = new LedgerHttpSource(server, ledger);
    return source;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
