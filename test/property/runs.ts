/**
 * Counts the cases the property suite generates, so that the number is a fact of the run rather than a sum of
 * numRuns settings (fast-check stops early on a failure and adds shrinking runs). Nothing is printed; when
 * PROPERTY_CASES_REPORT names a file, the counts are written to it after the run.
 */
import * as fs from "fs";
import { Parameters } from "fast-check";

const counts = new Map<string, number>();

/**
 * PROPERTY_RUNS_FACTOR scales every numRuns (2 doubles them): `npm test` keeps the suite fast, a deeper search is one
 * variable away.
 */
const factor = Number(process.env.PROPERTY_RUNS_FACTOR ?? "1");

/** PROPERTY_SEED fixes fast-check's seed, so that a run (a mutation run, or a failure being chased) is repeatable. */
const seed = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

/** fast-check parameters for one property, with a reporter that records how many cases ran. */
export function countRuns<T>(property: string, parameters: Parameters<T>): Parameters<T> {
    return {
        ...parameters,
        ...(seed !== undefined && Number.isInteger(seed) ? { seed } : {}),
        numRuns: Math.max(
            1,
            Math.round((parameters.numRuns ?? 100) * (Number.isFinite(factor) && factor > 0 ? factor : 1)),
        ),
        asyncReporter: undefined,
        reporter: (details) => {
            counts.set(property, (counts.get(property) ?? 0) + details.numRuns);
            if (details.failed) {
                // The default report, which fast-check only produces when no reporter is given.
                throw new Error(
                    `Property failed after ${details.numRuns} tests (seed ${details.seed}, path "${details.counterexamplePath}"): ${
                        details.errorInstance instanceof Error
                            ? details.errorInstance.message
                            : String(details.errorInstance)
                    }\nCounterexample: ${JSON.stringify(details.counterexample)}`,
                );
            }
        },
    };
}

/** Cases generated so far, per property. */
export function generatedCases(): ReadonlyMap<string, number> {
    return counts;
}

after(() => {
    const file = process.env.PROPERTY_CASES_REPORT;
    if (file) {
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        fs.writeFileSync(file, `${JSON.stringify({ total, properties: Object.fromEntries(counts) }, null, 2)}\n`);
    }
});
