// The ES module face of index.cjs (one implementation, two module systems).
import sessionkit from "./index.cjs";

export const { startServer, SessionkitServer, SessionkitVerifyError, describe, hooksWith, sessionkitBin } = sessionkit;
export default sessionkit;
