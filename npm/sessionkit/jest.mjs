import hooks from "./jest.cjs";

export const { useSessionkit } = hooks;
