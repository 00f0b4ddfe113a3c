import { realpathSync } from "node:fs";
import type Database from "better-sqlite3";
import { Semaphore } from "../service/semaphore.js";
import { guarded } from "../service/store-errors.js";
import type { RegistrarDatabase, SqlTransaction, SqlValue, WriteTransaction } from "./registrar-database.js";

/** Prepared statements kept per connection; statements built for one call (a list of node ranges) come and go. */
const STATEMENT_CACHE = 256;

/**
 * The registrar's store in its data folder: one better-sqlite3 connection. SQLite's calls
 * are synchronous, but a transaction may await between them (a registrar change reads,
 * computes and writes), so this connection's transactions take turns, and so do the
 * writes of every connection this process has to the same file: otherwise a second
 * writer's BEGIN IMMEDIATE would wait for SQLite's lock synchronously, blocking the event
 * loop the first one needs to finish. Other processes wait for that lock (busy timeout).
 */
export class SqliteRegistrarDatabase implements RegistrarDatabase {
  /** This process's writers per database file. */
  private static readonly writersOfFile = new Map<string, Semaphore>();
  private readonly turn = new Semaphore(1);
  private readonly writers: Semaphore;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tx: WriteTransaction = {
    exclusive: async () => {}, // BEGIN IMMEDIATE made it the only writer already
    get: async <T>(sql: string, params: readonly SqlValue[] = []) => this.statement(sql).get(...params) as T | undefined,
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => this.statement(sql).all(...params) as T[],
    run: async (sql, params = []) => this.statement(sql).run(...params).changes,
    insertRows: async (table, columns, rows, conflict = "") => {
      const insert = this.statement(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ${conflict}`);
      for (const row of rows) insert.run(...row);
    },
  };

  constructor(
    /** The open connection (pragmas and upgrades done by the caller); closed by close(). */
    readonly connection: Database.Database,
    readonly location: string,
  ) {
    this.writers = SqliteRegistrarDatabase.writersOf(connection.name);
  }

  private static writersOf(name: string): Semaphore {
    if (name === ":memory:") return new Semaphore(1);
    const file = realpathSync(name);
    let writers = SqliteRegistrarDatabase.writersOfFile.get(file);
    if (writers === undefined) SqliteRegistrarDatabase.writersOfFile.set(file, (writers = new Semaphore(1)));
    return writers;
  }

  read<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN", work); // deferred: the snapshot is taken at the first read
  }

  readStatement<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.turn.run(() => guarded("the registrar's store", async () => this.statement(sql).all(...params) as T[]));
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.writers.run(() => this.transaction("BEGIN IMMEDIATE", work));
  }

  async close(): Promise<void> {
    await this.turn.run(async () => this.connection.close());
  }

  private transaction<T>(begin: string, work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.turn.run(() =>
      guarded("the registrar's store", async () => {
        this.connection.exec(begin);
        try {
          const result = await work(this.tx);
          this.connection.exec("COMMIT");
          return result;
        } catch (error) {
          if (this.connection.inTransaction) this.connection.exec("ROLLBACK");
          throw error;
        }
      }),
    );
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.connection.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
