/** Options of `startServer`. */
export interface ServerOptions {
  /** The profile bodies are validated in (default `documented`). */
  profile?: "documented" | "strict";
  /** The API key the server accepts (default the documentation's `your-api-key`). */
  apiKey?: string;
  /** The shared secret (default the documentation's `your-shared-secret`). */
  secret?: string;
  /**
   * Refuse `POST /v1/sessions` without `X-HMAC-SIGNATURE` (401 `missing_signature`). Default
   * `false`: the documented profile accepts it, as the API does for session creation (its FAQ).
   * Set it when your client means to sign, so that a test fails the day it forgets to.
   */
  requireSignature?: boolean;
  /** The sessionkit binary (default `SESSIONKIT_BIN`, else the per-platform package's). */
  bin?: string;
}

/** A diagnostic of a refused request: the mistake, what was seen, what to change. */
export interface Diagnostic {
  code: string;
  pointer: string;
  message: string;
  hint: string;
}

/** One request the server saw, with its verdict. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  outcome?: { error?: string | null; message?: string; diagnostics?: Diagnostic[] };
  [field: string]: unknown;
}

/** How a scripted 201 is forged: what a client that verifies answers must refuse. */
export type Forgery =
  | "wrong-signature"
  | "no-signature"
  | "reserialized-signature"
  | "other-secret"
  | "truncated-body"
  | "other-api-key";

/** A scripted answer: a status (`429`, `500`, `201`), or a forged 201. */
export type ScriptedAnswer = number | { status: 201; forge: Forgery };

/** A running reference server and its control API. */
export declare class SessionkitServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `POST` here to create a session. */
  readonly sessionsUrl: string;
  readonly apiKey: string;
  readonly secret: string;
  readonly profile: "documented" | "strict";
  /** Every request since the last reset, with its verdict, named mistakes and receipt. */
  requests(): Promise<RequestRecord[]>;
  /** Forgets the requests seen and any scripted answers. */
  reset(): Promise<void>;
  /** The next answers to `POST /v1/sessions`, for example `[429, 500, 201]`. */
  script(answers: ScriptedAnswer[]): Promise<void>;
  /** The requests since the reset that were not accepted (nor expected to fail). */
  failures(): Promise<RequestRecord[]>;
  /** Throws a `SessionkitVerifyError` naming each refused request's mistake and hint. */
  verify(): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

/** A failed `verify()`: its message lists each refused request; `failures` holds them. */
export declare class SessionkitVerifyError extends Error {
  readonly failures: RequestRecord[];
}

/** Starts the reference server on a free loopback port. */
export declare function startServer(options?: ServerOptions): Promise<SessionkitServer>;

/** Each refused request with its error, named mistakes and hints. */
export declare function describe(failures: RequestRecord[]): string;

/** The path of the sessionkit binary this package runs. */
export declare function sessionkitBin(): string;
