import type { ServerOptions, SessionkitServer } from "./index";

/** The server of a test file, once its `beforeAll` hook has started it (the hook stops it). */
export type SessionkitHandle = Omit<SessionkitServer, "close">;

/**
 * One reference server for the test file: started before the first test, reset before each
 * test, verified after each (a test whose client sent a refused request fails, naming the
 * mistake and its hint), stopped after the last.
 */
export declare function useSessionkit(options?: ServerOptions): SessionkitHandle;
