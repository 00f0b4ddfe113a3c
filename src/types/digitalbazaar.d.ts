// Minimal typings for the parts of the Digital Bazaar VC stack that realdid uses (the
// packages ship JavaScript only).
declare module "@digitalbazaar/credentials-context" {
  export const contexts: Map<string, object>;
}
declare module "@digitalbazaar/data-integrity-context" {
  export const contexts: Map<string, object>;
}
declare module "@digitalbazaar/multikey-context" {
  export const contexts: Map<string, object>;
}
declare module "did-context" {
  export const contexts: Map<string, object>;
}
declare module "@digitalbazaar/eddsa-rdfc-2022-cryptosuite" {
  export const cryptosuite: object;
}
declare module "@digitalbazaar/data-integrity" {
  export interface DataIntegritySigner {
    id: string;
    algorithm: string;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  }
  export class DataIntegrityProof {
    constructor(options: { cryptosuite: object; signer?: DataIntegritySigner; date?: Date | string });
  }
}
declare module "@digitalbazaar/vc" {
  export type DocumentLoader = (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  export interface VerifyResult {
    verified: boolean;
    error?: { message?: string; errors?: { message?: string; name?: string }[] } & Error;
    results?: { verified: boolean; error?: Error }[];
    statusResult?: { verified: boolean; error?: Error };
  }
  export function issue(options: { credential: object; suite: object; documentLoader: DocumentLoader; now?: Date | string }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: unknown;
    suite: object | object[];
    documentLoader: DocumentLoader;
    checkStatus?: (options: { credential: unknown }) => Promise<{ verified: boolean; error?: Error }>;
    now?: Date | string;
  }): Promise<VerifyResult>;
}
