/**
 * Mocha root hook: every test starts with the policy pack's caches empty, so that no test passes or fails on what an
 * earlier test left in them (and mutation testing, which runs every mutant in one process, judges each mutant on its
 * own computations, not on results cached under another one).
 */
import { clearCaches } from "../../policies/lib/memo";

export const mochaHooks = {
    beforeEach(): void {
        clearCaches();
    },
};
