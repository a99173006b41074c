// A root hook of the end-to-end suite: finds or builds the engine once, before any suite, with time for a cold build.
import { sharedEngine } from "./harness";

export const mochaHooks = {
    beforeAll(this: Mocha.Context): void {
        this.timeout(30 * 60 * 1000);
        sharedEngine();
    },
};
