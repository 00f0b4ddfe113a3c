import { RealDidError } from "./errors.js";

// Platform-neutral: only fetch, AbortSignal and TextDecoder, which Node 20 and browsers have.

/** A remote party's answer: its HTTP status and JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly json: any;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

interface RequestOptions {
  method?: "GET" | "POST";
  body?: unknown;
  headers?: Record<string, string>;
  /** What the other party is, for messages ("the verifier service"). */
  what: string;
  /** For the whole exchange, the body's last byte included: a source that stalls mid-answer times out too. */
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * One request to another party with a timeout and a size limit counted while the answer
 * streams in; a network failure, a timeout or an oversized answer is one clear io_error.
 */
export async function requestText(url: string, { method = "GET", body, headers = {}, what, timeoutMs = 30_000, maxBytes = DEFAULT_MAX_BYTES }: RequestOptions): Promise<{ status: number; text: string; headers: Headers }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const failed = (error: unknown) => {
    const cause = (error as Error).cause ? String(((error as Error).cause as Error).message ?? (error as Error).cause) : (error as Error).message;
    return new RealDidError("io_error", `cannot reach ${what} at ${url}: ${signal.aborted ? `no complete answer within ${timeoutMs} ms` : cause}`);
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { accept: "application/json", ...(body !== undefined && { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    throw failed(error);
  }
  try {
    return { status: response.status, headers: response.headers, text: await readLimited(response, maxBytes, () => new RealDidError("io_error", `${what} at ${url} answered more than ${maxBytes} bytes`)) };
  } catch (error) {
    throw error instanceof RealDidError ? error : failed(error);
  }
}

/** One JSON request to another party (verifier service, registrar): requestText, then an answer that is not JSON is one clear error. */
export async function requestJson(url: string, options: RequestOptions): Promise<JsonAnswer> {
  const { status, text } = await requestText(url, options);
  try {
    return { status, json: JSON.parse(text) };
  } catch {
    throw new RealDidError("io_error", `${options.what} at ${url} did not answer JSON (HTTP ${status})`);
  }
}

/** The body as text, counting bytes as they arrive: an answer past `maxBytes` is cut off, not buffered. */
async function readLimited(response: Response, maxBytes: number, tooLarge: () => Error): Promise<string> {
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return "";
  // A reader and a streaming TextDecoder, not `for await` and Buffer: the same code runs in browsers.
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** The answer's JSON if it is a success; otherwise the remote party's error, as one line. */
export function expectOk(answer: JsonAnswer, what: string): any {
  if (answer.status >= 200 && answer.status < 300) return answer.json;
  const error = answer.json?.error;
  throw new RealDidError("remote_refused", `${what} refused (HTTP ${answer.status}${typeof error?.code === "string" ? `, ${error.code}` : ""}): ${typeof error?.message === "string" ? error.message : "no reason given"}`);
}
