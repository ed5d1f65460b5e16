import type { RequestRecord, ScriptedAnswer, ServerOptions } from "./index";

/** The server of a test file, once its `beforeAll` hook has started it. */
export interface SessionkitHandle {
  readonly url: string;
  readonly sessionsUrl: string;
  readonly apiKey: string;
  readonly secret: string;
  readonly profile: "documented" | "strict";
  requests(): Promise<RequestRecord[]>;
  reset(): Promise<void>;
  script(answers: ScriptedAnswer[]): Promise<void>;
  failures(): Promise<RequestRecord[]>;
  verify(): Promise<void>;
}

/**
 * One reference server for the test file: started before the first test, reset before each
 * test, verified after each (a test whose client sent a refused request fails, naming the
 * mistake and its hint), stopped after the last.
 */
export declare function useSessionkit(options?: ServerOptions): SessionkitHandle;
