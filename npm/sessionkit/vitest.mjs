// `useSessionkit()` for Vitest: one server per file, reset before each test, verified after.
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { hooksWith } from "./index.mjs";

export function useSessionkit(options) {
  return hooksWith({ beforeAll, afterAll, beforeEach, afterEach }, options);
}
