import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./free-port.js";

const exec = promisify(execFile);

/** The server binaries of the newest PostgreSQL installed from Debian's packages (or $REALDID_PG_BIN). */
const BIN =
  process.env.REALDID_PG_BIN ??
  join(
    "/usr/lib/postgresql",
    (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : ["15"]).sort((a, b) => Number(b) - Number(a))[0] ?? "15",
    "bin",
  );

/**
 * A PostgreSQL cluster of a test's own (initdb into a temporary folder, on a free port),
 * which the test may stop, restart and cut off: the machine's shared server is never
 * touched. PostgreSQL refuses to run as root, so as root the cluster runs as the
 * `postgres` OS user.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Why a private cluster cannot be made here, or undefined if it can. */
  static unavailable(): string | undefined {
    if (!existsSync(join(BIN, "initdb"))) return `no PostgreSQL binaries in ${BIN} (set REALDID_PG_BIN)`;
    if (userInfo().uid === 0) {
      try {
        execFileSync("id", ["postgres"], { stdio: "ignore" });
      } catch {
        return "running as root and there is no `postgres` OS user to run a private cluster as";
      }
    }
    return undefined;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), "realdid-private-pg-"));
    if (userInfo().uid === 0) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })));
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.run("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    await cluster.start();
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (asynchronously: a test's load keeps running meanwhile). */
  start(): Promise<void> {
    return this.run("pg_ctl", ["-D", join(this.dir, "data"), "-l", join(this.dir, "server.log"), "-o", `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`, "-w", "start"]);
  }

  /** A fast shutdown: clients are disconnected, committed work is kept. */
  stop(): Promise<void> {
    return this.run("pg_ctl", ["-D", join(this.dir, "data"), "-m", "fast", "-w", "stop"]);
  }

  /** Runs one query on a connection of its own. */
  async query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /** Terminates every other client connection (as an operator or a failover would): how many. */
  async terminateClients(): Promise<number> {
    const result = await this.query("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
    return Number(result.rows[0].n);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined); // already stopped
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(program: string, args: string[]): Promise<void> {
    const command = join(BIN, program);
    if (userInfo().uid === 0) await exec("runuser", ["-u", "postgres", "--", command, ...args]);
    else await exec(command, args);
  }
}
