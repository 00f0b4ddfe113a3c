// The citizen's wallet page: create or import an identity (sealed in IndexedDB), import the
// registrar's credential and mandates (to act for an enterprise), and answer login requests
// from a verifier service's OpenID Provider with a proof made in a Web Worker (the business
// circuit's, in a second worker, for a site that asks the person to act for an enterprise). Nothing but the proof (and, on a decline, the
// reason) leaves this page; the secret is never sent anywhere.
import { isRealDidCredential } from "../../credential/realdid-credential.js";
import { verifyRealDidCredential } from "../../credential/verify-credential.js";
import { parsePoint } from "../../policy/policy.js";
import { RealDidError } from "../../errors.js";
import { Identity } from "../../identity/identity.js";
import { DECLINE_CODES, LOGIN_ANSWER_FORMAT, type LoginAnswer, type LoginRequest, parseLoginRequest } from "../../login/login-documents.js";
import { proofDocument } from "../../proof/proof-document.js";
import { refreshPath, refreshPaths } from "../../registrar/path-client.js";
import { BUSINESS_CIRCUIT } from "../../artifacts/circuit-id.js";
import { type MandateCredential, parseMandateCredential } from "../../business/mandate-credential.js";
import { type BusinessConsent, businessLoginCircuitInput, businessLoginConsent, checkedMandate, mandateInWords } from "../business-consent.js";
import { parseCredentialFile } from "../../registry/credential.js";
import { circuitInput } from "../../proof/circuit-input.js";
import { encodeCompactPresentation } from "../../presentation/compact-presentation.js";
import { type DeskRequest, parseDeskRequest } from "../../desk/desk-request.js";
import { normalizeShortCode, spacedShortCode } from "../../desk/short-code.js";
import { drawQr, readQrFromFile } from "../../desk/app/qr-codes.js";
import { type Consent, type DeskConsent, deskConsent, loginCircuitInput, loginConsent } from "../consent.js";
import { parseSealedIdentity, sealIdentity, type UnlockedIdentity, unlockIdentity } from "../identity-vault.js";
import { readIdentityFile } from "../identity-import.js";
import { parseWalletConfig, type WalletConfig } from "../wallet-config.js";
import { ProverClient, type ProgressUpdate } from "./prover-client.js";
import { WalletStore } from "./wallet-store.js";

const element = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};
const input = (id: string) => element<HTMLInputElement>(id);
const show = (id: string, visible = true) => {
  element(id).hidden = !visible;
};

function say(text: string, ok = false): void {
  const message = element("message");
  message.textContent = text;
  message.classList.toggle("ok", ok);
  message.hidden = text === "";
}

const inWords = (error: unknown): string =>
  error instanceof RealDidError ? error.message : `Something went wrong in the wallet: ${(error as Error)?.message ?? String(error)}`;

/** Runs a button's action with the button disabled; a failure is shown in words, nothing stored changes. */
function onClick(id: string, action: () => Promise<void>): void {
  const button = element<HTMLButtonElement>(id);
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    button.disabled = true;
    say("");
    try {
      await action();
    } catch (error) {
      say(inWords(error));
    } finally {
      button.disabled = false;
    }
  });
}

/** A file input's text, or else the textarea's. */
async function chosenText(fileId: string, textId: string, what: string): Promise<string> {
  const file = input(fileId).files?.[0];
  const text = file !== undefined ? await file.text() : element<HTMLTextAreaElement>(textId).value.trim();
  if (text === "") throw new RealDidError("invalid_argument", `choose the ${what} file or paste its text`);
  return text;
}

function newPassphrase(id: string, repeatId?: string): string {
  const passphrase = input(id).value;
  if (repeatId !== undefined && input(repeatId).value !== passphrase) throw new RealDidError("invalid_argument", "the two passphrases differ");
  return passphrase;
}

const short = (text: string) => `${text.slice(0, 10)}…${text.slice(-6)}`;

/** A key set's file URLs, from their paths relative to the wallet's page. */
const keyUrls = (paths: WalletConfig["keys"], base: URL) => Object.fromEntries(Object.entries(paths).map(([kind, path]) => [kind, new URL(path, base).href])) as WalletConfig["keys"];

class Wallet {
  private readonly prover: ProverClient;
  private business?: ProverClient;

  constructor(
    private readonly config: WalletConfig,
    private readonly store: WalletStore,
  ) {
    this.prover = new ProverClient(new URL("prover-worker.js", location.href), keyUrls(config.keys, new URL(".", location.href)));
  }

  /** The business circuit's prover, in its own worker, started at the first business login. */
  private businessProver(): ProverClient {
    if (this.config.businessKeys === undefined) throw new RealDidError("artifacts_missing", "this wallet was set up without the business circuit's keys: it cannot sign in for an enterprise");
    this.business ??= new ProverClient(new URL("prover-worker.js", location.href), keyUrls(this.config.businessKeys, new URL(".", location.href)), BUSINESS_CIRCUIT);
    return this.business;
  }

  private async mandates(): Promise<MandateCredential[]> {
    return (await this.store.mandateTexts()).map((text) => parseMandateCredential(JSON.parse(text), "a mandate stored in this browser"));
  }

  /** The stored identity's commitment; a damaged record is reported and left as it is. */
  private async storedCommitment(): Promise<string | undefined> {
    const stored = await this.store.sealedIdentity();
    return stored === undefined ? undefined : parseSealedIdentity(stored).commitment;
  }

  private async credential() {
    const text = await this.store.credentialText();
    return text === undefined ? undefined : parseCredentialFile(text);
  }

  async start(): Promise<void> {
    this.bindSetup();
    this.bindHome();
    this.bindDesk();
    const login = location.hash.startsWith("#login=") ? location.hash.slice("#login=".length) : undefined;
    if (login !== undefined) return this.startLogin(login);
    return this.showHome();
  }

  private async showHome(): Promise<void> {
    show("login", false);
    show("desk-present", false);
    show("progress", false);
    let commitment: string | undefined;
    try {
      commitment = await this.storedCommitment();
    } catch (error) {
      say(`${inWords(error)}. It has been left as it is; import your identity file to replace it.`);
    }
    show("setup", commitment === undefined);
    show("home", commitment !== undefined);
    if (commitment === undefined) return;
    element("commitment").textContent = commitment;
    const credential = await this.credential();
    element("credential-status").textContent =
      credential === undefined ? "No credential yet." : `Credential for registry leaf ${credential.credential.index}, issued by registrar ${short(credential.registrarKey)}.`;
    element<HTMLButtonElement>("refresh-path").disabled = credential === undefined;
    const mandates = await this.mandates();
    show("no-mandates", mandates.length === 0);
    show("mandates", mandates.length > 0);
    element("mandates").replaceChildren(...mandates.map((mandate) => Object.assign(document.createElement("li"), { textContent: `${mandateInWords(mandate)} (registry leaf ${mandate.index})` })));
    show("logins-locked");
    show("no-logins", false);
    show("logins", false);
  }

  /** The sites signed in to, after the person unlocked them (they are sealed with the identity). */
  private async showLogins(unlocked: UnlockedIdentity): Promise<void> {
    const logins = await this.store.logins(unlocked);
    show("logins-locked", false);
    show("no-logins", logins.length === 0);
    show("logins", logins.length > 0);
    element("logins").querySelector("tbody")!.replaceChildren(
      ...logins.map((login) => {
        const row = document.createElement("tr");
        for (const [text, code] of [[`${login.siteName} (${login.siteUri})`, false], [login.did, true], [new Date(login.at).toLocaleString(), false]] as const) {
          const cell = document.createElement("td");
          if (code) cell.append(Object.assign(document.createElement("code"), { textContent: text }));
          else cell.textContent = text;
          row.append(cell);
        }
        row.dataset.scope = login.scope;
        return row;
      }),
    );
  }

  private bindSetup(): void {
    onClick("create", async () => {
      const passphrase = newPassphrase("create-passphrase", "create-passphrase-repeat");
      await this.store.saveIdentity(await sealIdentity(Identity.random(), passphrase));
      await this.showHome();
      say("Your identity was created and sealed in this browser. Give the registrar your commitment to enroll.", true);
    });
    onClick("import-identity", async () => {
      const identity = await readIdentityFile(await chosenText("import-identity-file", "import-identity-text", "identity"), input("import-identity-file-passphrase").value);
      await this.store.saveIdentity(await sealIdentity(identity, newPassphrase("import-identity-passphrase")));
      await this.showHome();
      say("Your identity was imported and sealed in this browser.", true);
    });
  }

  /**
   * Checks a credential is this identity's, from this wallet's registrar (a Verifiable
   * Credential's Data Integrity proof is verified too, offline: the contexts ship with the
   * wallet; an older credential file has none), and still live under its signed root.
   */
  private async checkCredential(text: string) {
    const parsed = parseCredentialFile(text);
    const value: unknown = JSON.parse(text);
    if (parsed.commitment.toString() !== (await this.storedCommitment())) {
      throw new RealDidError("credential_mismatch", "this credential was issued to another identity (its commitment is not yours)");
    }
    if (parsed.registrarKey !== this.config.registrarKey) {
      throw new RealDidError("log_wrong_key", `this credential was issued by registrar ${short(parsed.registrarKey)}, but this wallet works with registrar ${short(this.config.registrarKey)} at ${this.config.registrarUrl}`);
    }
    if (isRealDidCredential(value)) await verifyRealDidCredential(value, { registrar: this.config.registrarKey });
    const { entry } = await refreshPath(this.config.registrarUrl, { index: parsed.credential.index, leaf: parsed.leaf, registrarKey: parsed.registrarKey });
    return { parsed, entry };
  }

  private bindHome(): void {
    onClick("show-logins", async () => this.showLogins(await unlockIdentity(await this.store.sealedIdentity(), input("logins-passphrase").value)));
    onClick("import-credential", async () => {
      const text = await chosenText("credential-file", "credential-text", "credential");
      const { parsed, entry } = await this.checkCredential(text);
      await this.store.saveCredentialText(text);
      await this.showHome();
      say(`Credential imported: registry leaf ${parsed.credential.index}, present under the registrar's signed root #${entry.seq}.`, true);
    });
    onClick("import-mandate", async () => {
      const text = await chosenText("mandate-file", "mandate-text", "mandate");
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new RealDidError("invalid_argument", "the mandate is not a JSON document: give the file the registrar issued");
      }
      const commitment = await this.storedCommitment();
      if (commitment === undefined) throw new RealDidError("invalid_argument", "create or import your identity first");
      const mandate = checkedMandate(value, BigInt(commitment), this.config.registrarKey);
      const { entry } = await refreshPath(this.config.registrarUrl, { index: mandate.index, leaf: BigInt(mandate.leaf), registrarKey: mandate.registrarKey });
      const others = (await this.store.mandateTexts()).filter((stored) => parseMandateCredential(JSON.parse(stored)).index !== mandate.index);
      // Stored completed with the person's commitment (the representative's copy has none).
      await this.store.saveMandateTexts([...others, JSON.stringify(mandate)]);
      await this.showHome();
      say(`Mandate imported: ${mandateInWords(mandate)}; registry leaf ${mandate.index}, present under the registrar's signed root #${entry.seq}.`, true);
    });
    onClick("refresh-path", async () => {
      const text = await this.store.credentialText();
      if (text === undefined) throw new RealDidError("invalid_argument", "import a credential first");
      const { entry } = await this.checkCredential(text);
      say(`Your credential is current under the registrar's signed root #${entry.seq} (the registrar learned only your bucket of 4,096 people).`, true);
    });
  }

  /** The front desk being answered: its request (or a typed code for the last desk), then the unlocked identity and the consent. */
  private desk: { request?: DeskRequest; typedCode?: string; unlocked?: UnlockedIdentity; consent?: DeskConsent } = {};

  /**
   * "Show at a front desk": the desk's request from a picture of its QR code, its pasted
   * text, or a code typed for the last desk used; consent in words; a proof for the desk's
   * scope and code made in the worker; shown as a realdid-qr/1 QR code for the desk to read.
   */
  private bindDesk(): void {
    onClick("desk-start", async () => {
      const file = input("desk-request-file").files?.[0];
      const pasted = element<HTMLTextAreaElement>("desk-request-text").value.trim();
      const typed = input("desk-code").value.trim();
      if (file !== undefined) this.desk = { request: parseDeskRequest(new TextDecoder().decode(await readQrFromFile(file))) };
      else if (pasted !== "") this.desk = { request: parseDeskRequest(pasted) };
      else if (typed !== "") this.desk = { typedCode: normalizeShortCode(typed) };
      else throw new RealDidError("invalid_argument", "choose a picture of the desk's QR code, paste its request, or type its code");
      if ((await this.credential()) === undefined) throw new RealDidError("invalid_argument", "import your credential from the registrar first");
      show("home", false);
      show("desk-present");
      show("desk-unlock");
      show("desk-consent", false);
      show("desk-qr-block", false);
      input("desk-passphrase").focus();
    });
    onClick("desk-unlock-button", async () => {
      const unlocked = await unlockIdentity(await this.store.sealedIdentity(), input("desk-passphrase").value);
      let request = this.desk.request;
      if (request === undefined) {
        const last = await this.store.lastDesk(unlocked);
        if (last === undefined) throw new RealDidError("invalid_argument", "this wallet has not been to a desk yet: scan the desk's QR code or paste its request");
        request = { ...last, code: this.desk.typedCode!, day: new Date().toISOString().slice(0, 10) };
      }
      const credential = (await this.credential())!;
      const consent = deskConsent(request, { identity: unlocked.identity, credential: credential.credential, regulatorKeys: this.config.regulatorKeys.map((key, i) => parsePoint(`regulator key ${i + 1}`, key)) });
      this.desk = { request, unlocked, consent };
      element("desk-consent-name").textContent = consent.deskName;
      element("desk-consent-scope").textContent = consent.scope;
      element("desk-consent-code").textContent = spacedShortCode(consent.code);
      element("desk-consent-learns").replaceChildren(...consent.learns.map((line) => Object.assign(document.createElement("li"), { textContent: line })));
      element("desk-consent-did").textContent = consent.did;
      show("desk-unlock", false);
      show("desk-consent");
    });
    onClick("desk-approve", async () => {
      const { request, unlocked, consent } = this.desk;
      if (request === undefined || unlocked === undefined || consent === undefined) throw new RealDidError("invalid_argument", "start again from your wallet's home");
      const credential = (await this.credential())!;
      show("desk-consent", false);
      show("progress");
      element<HTMLProgressElement>("progress-bar").value = 0;
      try {
        this.progress({ stage: "keys" }, "Fetching your registry path (by bucket: the registrar does not learn which person you are)");
        const { path } = await refreshPath(this.config.registrarUrl, { index: credential.credential.index, leaf: credential.leaf, registrarKey: credential.registrarKey });
        await this.prover.load((update) => this.progress(update));
        const { proof, milliseconds } = await this.prover.prove(circuitInput({ identity: unlocked.identity, credential: credential.credential, merkleProof: path, request: consent.request }), (update) => this.progress(update));
        await drawQr(element<HTMLCanvasElement>("desk-qr"), encodeCompactPresentation(proof));
        await this.store.saveLastDesk(unlocked, request);
        element("desk-qr-text").textContent = `Show this code to ${consent.deskName} (made in ${(milliseconds / 1000).toFixed(1)} s). It answers the desk's code ${spacedShortCode(consent.code)} and works once.`;
        show("desk-qr-block");
      } catch (error) {
        show("desk-consent");
        throw new RealDidError((error as RealDidError).code ?? "prover_unavailable", `No code could be made: ${inWords(error)}`);
      } finally {
        show("progress", false);
      }
    });
    onClick("desk-done", async () => {
      this.desk = {};
      input("desk-request-file").value = "";
      element<HTMLTextAreaElement>("desk-request-text").value = "";
      input("desk-code").value = "";
      await this.showHome();
    });
  }

  private async startLogin(encoded: string): Promise<void> {
    show("setup", false);
    show("home", false);
    show("login");
    element("consent-site").textContent = "a site";
    let login: LoginRequest;
    try {
      login = await this.fetchLoginRequest(encoded);
    } catch (error) {
      return say(`${inWords(error)} Nothing was sent. Go back to the site and start again.`);
    }
    element("consent-site").textContent = login.client.name;
    const refuse = (text: string, code: (typeof DECLINE_CODES)[number]) => {
      show("unlock", false);
      show("consent", false);
      show("refusal");
      element("refusal-text").textContent = text;
      onClick("return-refused", async () => this.answer(login, { format: LOGIN_ANSWER_FORMAT, declined: { code, message: text } }));
    };
    const credential = await this.credential().catch(() => undefined);
    if ((await this.store.sealedIdentity()) === undefined || credential === undefined) {
      return refuse("This wallet has no identity with a registrar's credential yet: create one and import your credential first.", "credential_problem");
    }
    const business = login.request.business !== undefined;
    let prover: ProverClient;
    try {
      prover = business ? this.businessProver() : this.prover;
    } catch (error) {
      return refuse(inWords(error), "credential_problem");
    }
    // The keys download while the person unlocks and reads the consent screen.
    const loaded = prover.load((update) => this.progress(update));
    loaded.then(({ warning }) => {
      if (warning === undefined) return;
      element("development-warning").textContent = warning;
      show("development-warning");
    }, () => undefined);
    show("unlock");
    input("unlock-passphrase").focus();
    onClick("unlock-button", async () => {
      const unlocked = await unlockIdentity(await this.store.sealedIdentity(), input("unlock-passphrase").value);
      const { identity } = unlocked;
      let consent: Consent | BusinessConsent;
      try {
        const context = {
          identity,
          credential: credential.credential,
          regulatorKeys: this.config.regulatorKeys.map((key, i) => parsePoint(`regulator key ${i + 1}`, key)),
          trustedVerifiers: this.config.trustedVerifiers,
        };
        consent = business ? businessLoginConsent(login, { ...context, mandates: await this.mandates() }) : loginConsent(login, context);
      } catch (error) {
        const code = error instanceof RealDidError && error.code === "predicate_unsatisfied" ? "predicate_unsatisfied" : "user_declined";
        return refuse(inWords(error), code);
      }
      show("unlock", false);
      this.showConsent(consent);
      onClick("decline", async () => this.answer(login, { format: LOGIN_ANSWER_FORMAT, declined: { code: "user_declined", message: "the person cancelled the sign-in" } }));
      onClick("approve", async () => {
        show("consent", false);
        show("progress");
        this.progress({ stage: "keys" }, "Fetching your registry path (by bucket: the registrar does not learn which person you are)");
        const person = { index: credential.credential.index, leaf: credential.leaf, registrarKey: credential.registrarKey };
        const choice = "choices" in consent ? consent.choices[this.chosenMandate()] : undefined;
        let proved;
        try {
          let circuitInput;
          if ("choices" in consent) {
            // Both leaves under one root, each fetched by its bucket.
            const mandate = { index: choice!.mandate.index, leaf: BigInt(choice!.mandate.leaf), registrarKey: choice!.mandate.registrarKey };
            const { paths } = await refreshPaths(this.config.registrarUrl, [person, mandate]);
            circuitInput = businessLoginCircuitInput(consent, choice!, identity, credential.credential, paths);
          } else {
            const { path } = await refreshPath(this.config.registrarUrl, person);
            circuitInput = loginCircuitInput(consent, identity, credential.credential, path);
          }
          await loaded;
          proved = await prover.prove(circuitInput, (update) => this.progress(update));
        } catch (error) {
          // A revoked credential, an unreachable registrar, a prover that failed: said in words, and the person may return to the site.
          show("progress", false);
          return refuse(`No proof could be made: ${inWords(error)}`, "credential_problem");
        }
        const { proof, milliseconds } = proved;
        element("progress-text").textContent = `Proof made in ${(milliseconds / 1000).toFixed(1)} s. Returning to ${consent.siteName}…`;
        element<HTMLProgressElement>("progress-bar").value = 100;
        const did = choice?.did ?? (consent as Consent).did;
        await this.store.addLogin(unlocked, { siteName: consent.siteName, siteUri: consent.siteUri, scope: consent.scope, did, at: new Date().toISOString() });
        this.answer(login, { format: LOGIN_ANSWER_FORMAT, proof: proofDocument(proof, consent.scope) });
      });
    });
  }

  /**
   * The login request, from the verifier service itself: the link carries only where to get
   * it (`#login=<URL>`), so nobody can edit what the consent screen shows on the way. Only
   * a verifier the person trusts is asked, and its request must send the answer back to it.
   */
  private async fetchLoginRequest(encoded: string): Promise<LoginRequest> {
    let url: URL;
    try {
      url = new URL(decodeURIComponent(encoded));
    } catch {
      throw new RealDidError("invalid_argument", "The sign-in link is damaged.");
    }
    if (!this.config.trustedVerifiers.includes(url.origin)) {
      throw new RealDidError("invalid_argument", `This sign-in link comes from ${url.origin}, which is not a verifier service this wallet trusts.`);
    }
    let response: Response;
    try {
      response = await fetch(url, { cache: "no-store", credentials: "omit" });
    } catch (error) {
      throw new RealDidError("remote_refused", `The verifier service at ${url.origin} could not be reached (${(error as Error).message}).`);
    }
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw new RealDidError("remote_refused", `The verifier service refused the sign-in: ${body?.error?.message ?? `HTTP ${response.status}`}.`);
    const login = parseLoginRequest(body);
    if (new URL(login.returnUrl).origin !== url.origin) throw new RealDidError("invalid_argument", `The sign-in request would send your proof to ${new URL(login.returnUrl).origin}, not to the verifier service that issued it.`);
    return login;
  }

  private showConsent(consent: Consent | BusinessConsent): void {
    element("consent-site-name").textContent = consent.siteName;
    element("consent-site-uri").textContent = consent.siteUri;
    element("consent-scope").textContent = consent.scope;
    element("consent-verifier").textContent = consent.verifierOrigin;
    element("consent-learns").replaceChildren(...consent.learns.map((line) => Object.assign(document.createElement("li"), { textContent: line })));
    const business = "choices" in consent;
    show("consent-mandates", business);
    show("consent-did-business", business);
    if (business) {
      // One radio button per mandate that answers the site; the DID shown is the chosen one's.
      element("consent-mandate-choices").replaceChildren(
        ...consent.choices.map((choice, i) => {
          const radio = Object.assign(document.createElement("input"), { type: "radio", name: "mandate", value: String(i), checked: i === 0 });
          radio.addEventListener("change", () => (element("consent-did").textContent = choice.did));
          const label = document.createElement("label");
          label.append(radio, ` ${choice.summary}`);
          return label;
        }),
      );
    }
    element("consent-did").textContent = business ? consent.choices[0].did : consent.did;
    show("consent");
  }

  /** The mandate the person picked on the consent screen (the first, unless they chose another). */
  private chosenMandate(): number {
    return Number(document.querySelector<HTMLInputElement>("input[name=mandate]:checked")?.value ?? 0);
  }

  private progress(update: ProgressUpdate, text?: string): void {
    const bar = element<HTMLProgressElement>("progress-bar");
    const words: Record<ProgressUpdate["stage"], [number, string]> = {
      keys: [0, "Loading the proving keys"],
      setup: [62, "Preparing the prover"],
      witness: [70, "Computing your private inputs"],
      proof: [80, "Making the zero-knowledge proof"],
    };
    let [value, line] = words[update.stage];
    if (update.stage === "keys" && update.totalBytes) {
      value = Math.round((60 * (update.loadedBytes ?? 0)) / update.totalBytes);
      line = `${line}: ${((update.loadedBytes ?? 0) / 1e6).toFixed(1)} of ${(update.totalBytes / 1e6).toFixed(1)} MB`;
    }
    bar.value = Math.max(bar.value, value);
    if (!element("progress").hidden) element("progress-text").textContent = text ?? `${line}…`;
  }

  /** Sends the answer to the verifier service as a top-level form POST (the browser follows it back to the site). */
  private answer(login: LoginRequest, answer: LoginAnswer): void {
    const form = element<HTMLFormElement>("answer-form");
    form.action = login.returnUrl;
    form.querySelector<HTMLInputElement>("input[name=answer]")!.value = JSON.stringify(answer);
    form.submit();
  }
}

async function main(): Promise<void> {
  let config: WalletConfig;
  try {
    const response = await fetch("wallet-config.json");
    config = parseWalletConfig(await response.json());
  } catch (error) {
    return say(`The wallet's configuration could not be read: ${inWords(error)}`);
  }
  // A new sign-in link opened in this tab changes only the fragment: start afresh for it.
  window.addEventListener("hashchange", () => location.reload());
  await new Wallet(config, WalletStore.open()).start().catch((error) => say(inWords(error)));
}

void main();
