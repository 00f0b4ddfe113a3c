// Minimal typings for the parts of oidc-provider 9 that realdid uses (the package ships
// none, and @types/oidc-provider is not installed). Configuration is passed through as the
// library documents it.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface KoaContextWithOIDC {
    status: number;
    type: string;
    body: unknown;
    oidc: { client?: { clientId: string }; params?: Record<string, unknown>; result?: { login?: unknown }; [key: string]: any };
    [key: string]: any;
  }

  export interface Adapter {
    upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void>;
    find(id: string): Promise<Record<string, unknown> | undefined>;
    findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
    findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export interface Interaction {
    uid: string;
    exp: number;
    returnTo: string;
    params: Record<string, unknown> & { client_id: string; redirect_uri: string; scope?: string };
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    result?: Record<string, unknown>;
    save(ttl: number): Promise<string>;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    /** Stores the result on the interaction of the request's cookie and answers 303 to its returnTo. */
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, listener: (...args: any[]) => void): this;
    Interaction: { find(uid: string): Promise<Interaction | undefined> };
    Grant: new (properties: { accountId: string; clientId: string }) => Grant;
  }

  export namespace errors {
    class OIDCProviderError extends Error {
      error: string;
      error_description?: string;
      statusCode: number;
    }
    class InvalidGrant extends OIDCProviderError {
      constructor(description?: string);
    }
    /** The interaction or its cookie is not there: another browser, or an expired sign-in. */
    class SessionNotFound extends OIDCProviderError {}
  }

  export namespace interactionPolicy {
    class Check {
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
      constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    }
    class Prompt {
      constructor(options: { name: string; requestable?: boolean }, ...checks: Check[]);
    }
    interface Policy extends Array<Prompt> {
      get(name: string): Prompt | undefined;
      remove(name: string): void;
      add(prompt: Prompt, index?: number): void;
    }
    function base(): Policy;
  }

  export default Provider;
}
