// The platform-neutral core, as a browser (or Web Worker) imports it: nothing here, nor in
// anything it imports, may need `fs`, `node:*`, Buffer or a native module
// (test/browser-core.test.ts bundles it for the browser and checks).
export * from "./errors.js";
export * from "./crypto/field.js";
export * from "./crypto/poseidon.js";
export * from "./crypto/baby-jubjub.js";
export * from "./crypto/escrow.js";
export * from "./identity/identity.js";
export * from "./attributes/attributes.js";
export * from "./attributes/calendar.js";
export * from "./attributes/predicates.js";
export * from "./registry/credential.js";
export * from "./registry/registry-tree.js";
export * from "./proof/request.js";
export * from "./proof/request-document.js";
export * from "./proof/proof-document.js";
export * from "./proof/public-signals.js";
export * from "./proof/circuit-input.js";
export * from "./proof/prover.js";
export * from "./proof/verifier.js";
export * from "./artifacts/artifacts.js";
export * from "./artifacts/key-id.js";
export * from "./policy/policy.js";
export * from "./policy/predicate-claims.js";
export * from "./login/login-documents.js";
export * from "./did/did-uri.js";
export * from "./did/did-document.js";
export * from "./did/resolver.js";
export * from "./credential/realdid-context.js";
export * from "./credential/realdid-credential.js";
export * from "./signed-log/signed-log.js";
export * from "./ledger/ledger-entry.js";
export * from "./registrar/path-client.js";
export * from "./formats/base64.js";
export * from "./presentation/compact-presentation.js";
export * from "./presentation/presentation.js";
