/**
 * The benchmark's figures, computed from raw timings by plain functions, and the way they are printed: a table for
 * people, then one JSON line for machines. Nothing here measures anything.
 */

/** The figures `npm run bench` prints as its last line, in this order. */
export interface BenchFigures {
    /**
     * Median time of index.ts for every stack over the median time of a flat program that makes the same look-ups and
     * registers the same resources with the same inputs, without components or config parsing, under the same runtime.
     */
    programVsFlatRatio: number;
    /** AWS look-ups (invokes) one preview of the largest of the project's stacks makes. */
    lookupsPerStack: number;
    /**
     * Resources of the 10,000-key stack over the median time the pack's own policies (resource and stack) spent
     * judging them, driven by `@pulumi/policy`'s own request handlers.
     */
    policyResourcesPerSecond: number;
    /** The same resources over the median time of `@pulumi/policy`'s handlers, the policies included. */
    policyResourcesPerSecondWithSdk: number;
    /** Median time in the pack's policies for the 10,000-key stack over that for the 1,000-key stack. */
    policyScaling10kOver1k: number;
    /** `pulumi preview` of index.ts over a preview of an empty program, under the real CLI; null without one. */
    cliPreviewProgramRatio: number | null;
    /** `pulumi preview --policy-pack` over the same preview without the pack, under the real CLI; null without one. */
    cliPreviewPackRatio: number | null;
    /** Wall time of `npm test`, or null when skipped or when it did not complete. */
    testSuiteSeconds: number | null;
}

/** The targets the figures are judged against. */
export const targets = {
    programVsFlatRatio: { max: 1.3 },
    policyResourcesPerSecond: { min: 20_000 },
    policyScaling10kOver1k: { max: 12 },
} as const;

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
    if (values.length === 0) {
        throw new RangeError("median: no values");
    }
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Smallest, median and largest of a list of timings. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
    return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Median of the program's timings over the median of the flat program's (same unit). */
export function ratioOfMedians(programMs: readonly number[], flatMs: readonly number[]): number {
    const flat = median(flatMs);
    if (!(flat > 0)) {
        throw new RangeError("ratioOfMedians: the flat program's median time is not positive");
    }
    return median(programMs) / flat;
}

/** Resources per second for `resources` judged in `ms` milliseconds. */
export function resourcesPerSecond(resources: number, ms: number): number {
    if (!(ms > 0)) {
        throw new RangeError("resourcesPerSecond: the time is not positive");
    }
    return (resources * 1000) / ms;
}

/** How the time grows from the small stack to the large one: median large over median small. */
export function scaling(largeMs: readonly number[], smallMs: readonly number[]): number {
    return median(largeMs) / median(smallMs);
}

function round(value: number, digits: number): number {
    const factor = 10 ** digits;
    return Math.round(value * factor) / factor;
}

const orNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));

/** The figures as printed: ratios to 3 decimals, counts and resources per second whole, seconds to 2 decimals. */
export function roundFigures(figures: BenchFigures): BenchFigures {
    return {
        programVsFlatRatio: round(figures.programVsFlatRatio, 3),
        lookupsPerStack: Math.round(figures.lookupsPerStack),
        policyResourcesPerSecond: Math.round(figures.policyResourcesPerSecond),
        policyResourcesPerSecondWithSdk: Math.round(figures.policyResourcesPerSecondWithSdk),
        policyScaling10kOver1k: round(figures.policyScaling10kOver1k, 3),
        cliPreviewProgramRatio: orNull(figures.cliPreviewProgramRatio, 3),
        cliPreviewPackRatio: orNull(figures.cliPreviewPackRatio, 3),
        testSuiteSeconds: orNull(figures.testSuiteSeconds, 2),
    };
}

/** The last line of the output: the rounded figures as one JSON object, keys in the order of `BenchFigures`. */
export function resultLine(figures: BenchFigures): string {
    const r = roundFigures(figures);
    return JSON.stringify({
        programVsFlatRatio: r.programVsFlatRatio,
        lookupsPerStack: r.lookupsPerStack,
        policyResourcesPerSecond: r.policyResourcesPerSecond,
        policyResourcesPerSecondWithSdk: r.policyResourcesPerSecondWithSdk,
        policyScaling10kOver1k: r.policyScaling10kOver1k,
        cliPreviewProgramRatio: r.cliPreviewProgramRatio,
        cliPreviewPackRatio: r.cliPreviewPackRatio,
        testSuiteSeconds: r.testSuiteSeconds,
    });
}

/** "meets" or "misses" a target, for the table. */
export function verdict(name: keyof typeof targets, value: number): string {
    const target: { min?: number; max?: number } = targets[name];
    if (target.max !== undefined) {
        return value <= target.max ? `meets <= ${target.max}` : `MISSES <= ${target.max}`;
    }
    return value >= (target.min ?? -Infinity) ? `meets >= ${target.min}` : `MISSES >= ${target.min}`;
}

/**
 * One row of the table: a label and its cells. A row with no cells is a heading, or a note when its label starts
 * with a space.
 */
export type Row = [label: string, ...cells: string[]];

/**
 * Renders rows as plain text: each heading starts a block, and within a block labels are left-aligned and cells
 * right-aligned, each column as wide as its widest cell. Notes are printed as they are.
 */
export function renderTable(rows: readonly Row[]): string {
    const blocks: Row[][] = [];
    for (const row of rows) {
        if ((row.length === 1 && !row[0].startsWith(" ")) || blocks.length === 0) {
            blocks.push([]);
        }
        blocks[blocks.length - 1].push(row);
    }
    return blocks
        .map((block) => {
            const widths: number[] = [];
            for (const row of block) {
                if (row.length > 1) {
                    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
                }
            }
            return block
                .map((row) =>
                    row.length === 1
                        ? row[0]
                        : row
                              .map((cell, i) => (i === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[i])))
                              .join("  ")
                              .trimEnd(),
                )
                .join("\n");
        })
        .join("\n\n");
}

/** Milliseconds as text: "12.3 ms" under ten seconds, "12.34 s" above. */
export function formatMs(ms: number): string {
    return ms < 10_000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A number with thousands separators, whole. */
export function formatCount(n: number): string {
    return Math.round(n).toLocaleString("en-US");
}
