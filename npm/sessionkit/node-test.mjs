import hooks from "./node-test.cjs";

export const { useSessionkit } = hooks;
