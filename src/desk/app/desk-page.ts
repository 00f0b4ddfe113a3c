// The front desk's page: it keeps the desk's snapshot (policy, regulator keys, verification
// key, the registrar's ledger) in IndexedDB, shows the desk's request and short code, reads a
// person's QR code from an image file or the camera and verifies it in this page, with no
// network; it keeps a receipt for each person verified and uploads them when it can.
import { todayIso } from "../../attributes/calendar.js";
import { RealDidError } from "../../errors.js";
import { groth16Check } from "../../proof/groth16-check.js";
import { checkAtDesk, type DeskOutcome } from "../desk-check.js";
import { DESK_REQUEST_FORMAT, deskRequestText } from "../desk-request.js";
import { type OpenedSnapshot, openSnapshot } from "../desk-snapshot.js";
import { newShortCode, spacedShortCode } from "../short-code.js";
import { DeskStore, type ShownCode } from "./desk-store.js";
import { drawQr, QrCamera, readQrFromFile } from "./qr-codes.js";

const element = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};

function say(text: string, ok = false): void {
  const message = element("message");
  message.textContent = text;
  message.classList.toggle("ok", ok);
  message.hidden = text === "";
}

const inWords = (error: unknown): string => (error instanceof RealDidError ? error.message : `Something went wrong at the desk: ${(error as Error)?.message ?? String(error)}`);

/** Codes kept in the list (used ones stay a while so a repeated QR code is told apart). */
const KEPT_CODES = 20;

class Desk {
  private readonly camera = new QrCamera(element<HTMLVideoElement>("camera-video"));
  private checking = false;
  private changes: Promise<unknown> = Promise.resolve();
  private uploading = false;
  /** Outcomes shown so far (the page's #result data-count: a reader can tell a new outcome from the last). */
  private outcomes = 0;

  constructor(
    private desk: OpenedSnapshot,
    private readonly store: DeskStore,
  ) {}

  private get codeMs(): number {
    return this.desk.snapshot.codeMinutes * 60_000;
  }

  /** The codes a QR code may answer: not used, shown within the last two code lifetimes (the previous one, for a person who started on it). */
  private outstanding(codes: readonly ShownCode[], now = Date.now()): ShownCode[] {
    return codes.filter((code) => code.usedAt === undefined && now - Date.parse(code.issuedAt) < 2 * this.codeMs).reverse();
  }

  /**
   * Read-modify-writes of the stored lists, one at a time: the timer's new code written over a
   * check's spent code would make a used code usable again, an upload's list over a check's
   * would drop a receipt.
   */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.changes.then(change);
    this.changes = run.catch(() => undefined);
    return run;
  }

  private withCodes<T>(change: (codes: ShownCode[]) => Promise<T>): Promise<T> {
    return this.serially(async () => change(await this.store.codes()));
  }

  /** The code on show: the newest, unless it was used or has lived its time. */
  private currentCode(): Promise<ShownCode> {
    return this.withCodes(async (codes) => {
      const newest = codes.at(-1);
      if (newest !== undefined && newest.usedAt === undefined && Date.now() - Date.parse(newest.issuedAt) < this.codeMs && newest.day === todayIso()) return newest;
      const fresh: ShownCode = { code: newShortCode(), day: todayIso(), issuedAt: new Date().toISOString() };
      await this.store.saveCodes([...codes, fresh].slice(-KEPT_CODES));
      return fresh;
    });
  }

  async showRequest(): Promise<void> {
    const { snapshot } = this.desk;
    const code = await this.currentCode();
    const request = deskRequestText({ format: DESK_REQUEST_FORMAT, name: snapshot.name, scope: snapshot.scope, predicates: snapshot.predicates, day: code.day, keyId: snapshot.keyId, code: code.code });
    element("code").textContent = spacedShortCode(code.code);
    element("request-text").textContent = request;
    await drawQr(element<HTMLCanvasElement>("request-qr"), request);
  }

  showSnapshot(): void {
    const { snapshot, ledger } = this.desk;
    element("desk-name").textContent = snapshot.name;
    element("desk-scope").textContent = snapshot.scope;
    element("snapshot-status").textContent = `Registry ledger: ${ledger.length} entries (current root #${ledger.head?.seq ?? "none"}), synced ${new Date(snapshot.syncedAt).toLocaleString()}.`;
  }

  async check(payload: Uint8Array): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    this.showOutcome(undefined);
    try {
      const started = performance.now();
      const outcome = await checkAtDesk(payload, this.desk, this.outstanding(await this.store.codes()), groth16Check(this.desk.snapshot.verificationKey));
      if (outcome.verified) {
        // The code is spent before anything else: the same QR code shown again is refused.
        await this.withCodes((codes) => this.store.saveCodes(codes.map((code) => (code.code === outcome.code ? { ...code, usedAt: new Date().toISOString() } : code))));
        await this.serially(async () => this.store.savePendingReceipts([...(await this.store.pendingReceipts()).filter((r) => r.id !== outcome.receipt.id), outcome.receipt]));
      }
      this.showOutcome(outcome, performance.now() - started);
      await this.showRequest();
      await this.showReceipts();
      if (outcome.verified) void this.upload();
    } finally {
      this.checking = false;
    }
  }

  private showOutcome(outcome: DeskOutcome | undefined, milliseconds = 0): void {
    const result = element("result");
    result.hidden = outcome === undefined;
    if (outcome === undefined) return;
    result.classList.toggle("verified", outcome.verified);
    result.classList.toggle("refused", !outcome.verified);
    element("result-title").textContent = outcome.verified ? "Verified" : "REFUSED";
    element("result-holds").replaceChildren(...(outcome.verified ? outcome.holds : []).map((line) => Object.assign(document.createElement("li"), { textContent: line })));
    element("result-did").textContent = outcome.verified ? outcome.did : "";
    element("result-did-line").hidden = !outcome.verified;
    element("result-reason").textContent = outcome.verified ? `Checked in this page in ${(milliseconds / 1000).toFixed(1)} s; a receipt was kept for the regulator.` : `Why: ${outcome.why}.`;
    result.dataset.reason = outcome.verified ? "verified" : outcome.reason;
    result.dataset.count = String(++this.outcomes);
  }

  async showReceipts(): Promise<void> {
    const pending = await this.store.pendingReceipts();
    element("receipts-status").textContent = pending.length === 0 ? "Every receipt is with the desk server." : `${pending.length} receipt(s) kept in this browser, to upload to the desk server.`;
  }

  /** Uploads the receipts kept here; those the server took (or already had) are dropped, the rest kept for the next try. */
  async upload(): Promise<void> {
    if (this.uploading) return;
    this.uploading = true;
    const taken = new Set<string>();
    try {
      for (const receipt of await this.store.pendingReceipts()) {
        const response = await fetch("receipts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(receipt) }).catch(() => undefined);
        if (response === undefined || response.status === 429) break; // offline, or the server asks to slow down: the next try goes on
        if (response.ok) taken.add(receipt.id);
        else {
          const body = await response.json().catch(() => undefined);
          say(`The desk server refused a receipt: ${body?.error?.message ?? `HTTP ${response.status}`}. It is kept in this browser.`);
        }
      }
      // Removes only what was taken from the list as it is now: a person verified meanwhile keeps their receipt.
      await this.serially(async () => this.store.savePendingReceipts((await this.store.pendingReceipts()).filter((receipt) => !taken.has(receipt.id))));
    } finally {
      this.uploading = false;
    }
    await this.showReceipts();
  }

  /** While online, the page takes the server's newer snapshot (it pulls the registrar every syncSeconds) without a word. */
  private async refreshSnapshot(): Promise<void> {
    if (!navigator.onLine || this.checking) return;
    this.desk = await loadSnapshot(this.store);
    this.showSnapshot();
  }

  async sync(): Promise<void> {
    const response = await fetch("sync", { method: "POST" });
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw new RealDidError("remote_refused", `the desk server could not pull the registrar's ledger: ${body?.error?.message ?? `HTTP ${response.status}`}`);
    this.desk = await loadSnapshot(this.store, true);
    this.showSnapshot();
    say(`Synced: ${body.added} new ledger entries.`, true);
  }

  bind(): void {
    element<HTMLInputElement>("scan-file").addEventListener("change", async (event) => {
      const input = event.target as HTMLInputElement;
      const file = input.files?.[0];
      if (file === undefined) return;
      say("");
      try {
        await this.check(await readQrFromFile(file));
      } catch (error) {
        this.showOutcome({ verified: false, reason: "bad_qr", why: inWords(error) });
      } finally {
        input.value = "";
      }
    });
    element("camera-start").addEventListener("click", async () => {
      say("");
      try {
        await this.camera.start((bytes) => void this.check(bytes).catch((error) => say(inWords(error))));
      } catch (error) {
        say(inWords(error));
      }
    });
    element("camera-stop").addEventListener("click", () => this.camera.stop());
    element("sync").addEventListener("click", () => void this.sync().catch((error) => say(inWords(error))));
    window.addEventListener("online", () => void this.upload());
    // A code lives codeMinutes: the one on show is replaced when it has; the snapshot follows the server's.
    setInterval(() => {
      void this.showRequest().catch((error) => say(inWords(error)));
      void this.refreshSnapshot().catch(() => undefined); // the kept snapshot serves until the server answers
    }, 30_000);
  }
}

/** The snapshot from the desk server when it answers (checked, then kept), else the one kept in this browser. */
async function loadSnapshot(store: DeskStore, mustFetch = false): Promise<OpenedSnapshot> {
  let fetched: unknown;
  try {
    const response = await fetch("snapshot", { cache: "no-store" });
    if (response.ok) fetched = await response.json();
  } catch (error) {
    if (mustFetch) throw new RealDidError("remote_refused", `the desk server cannot be reached (${(error as Error).message})`);
  }
  if (fetched !== undefined) {
    const opened = openSnapshot(fetched);
    await store.saveSnapshot(fetched);
    return opened;
  }
  const kept = await store.snapshot();
  if (kept === undefined) throw new RealDidError("invalid_argument", "This desk has no snapshot yet: open this page once while the desk server and the network are up.");
  return openSnapshot(kept);
}

async function main(): Promise<void> {
  // The page itself offline too: a service worker keeps its files (where the browser allows one).
  navigator.serviceWorker?.register("desk-offline.js").catch(() => undefined);
  const store = DeskStore.open();
  let desk: Desk;
  try {
    desk = new Desk(await loadSnapshot(store), store);
  } catch (error) {
    return say(inWords(error));
  }
  desk.showSnapshot();
  desk.bind();
  await desk.showRequest();
  await desk.showReceipts();
  element("desk").hidden = false;
  document.body.dataset.ready = "true";
  void desk.upload();
}

void main().catch((error) => say(inWords(error)));
