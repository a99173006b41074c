/**
 * Times the whole policy pack over the benchmark's large stacks, served in this process by `@pulumi/policy`'s own
 * handlers, with the time of the pack's own code told apart from the SDK's around it.
 */
import { AnalyzedResource, PolicyPackConfig } from "../tools/lib/policyHost";
import { InProcessPack, StackRequests, stackRequests } from "./inProcessPack";

/** A stack to judge, and what to call it in the table. */
export interface BenchStack {
    label: string;
    keys: number;
    resources: AnalyzedResource[];
}

/**
 * Runs `pass` on each stack in turn, round after round: `warmups` untimed rounds, then `reps` timed ones. Returns
 * the results of the timed rounds, per stack.
 */
export async function roundRobin<T>(
    stacks: readonly BenchStack[],
    warmups: number,
    reps: number,
    pass: (stack: BenchStack) => Promise<T>,
    report: (round: string, stack: BenchStack, result: T) => void = () => undefined,
): Promise<T[][]> {
    const results: T[][] = stacks.map(() => []);
    for (let round = 0; round < warmups + reps; round++) {
        const warm = round < warmups;
        const label = warm ? `warm-up ${round + 1}/${warmups}` : `rep ${round - warmups + 1}/${reps}`;
        for (const [i, stack] of stacks.entries()) {
            const result = await pass(stack);
            if (!warm) {
                results[i].push(result);
            }
            report(label, stack, result);
        }
    }
    return results;
}

/** One timed pass of a stack through the pack's handlers in this process. */
export interface InProcessSample {
    /** `Analyze` for every resource and `AnalyzeStack`: the SDK's handlers with the policies in them. */
    handlersMs: number;
    /** The part of it spent in the pack's own validation functions. */
    packMs: number;
}

/** Every timed pass of one stack; the time per policy and the number of diagnostics in the last one. */
export interface InProcessTimings {
    stack: BenchStack;
    samples: InProcessSample[];
    byPolicyMs: Record<string, number>;
    diagnostics: number;
}

async function passInProcess(
    pack: InProcessPack,
    requests: StackRequests,
): Promise<{ sample: InProcessSample; byPolicyMs: Record<string, number>; diagnostics: number }> {
    // Garbage left by the previous pass (or by building the requests) is collected before the clock starts, when the
    // benchmark runs with --expose-gc (npm run bench does), so that no pass pays for another's.
    (globalThis as { gc?: () => void }).gc?.();
    pack.clock.reset();
    const start = process.hrtime.bigint();
    const diagnostics = (await pack.analyzeAll(requests.analyze)) + (await pack.analyzeStack(requests.analyzeStack));
    const handlersMs = Number(process.hrtime.bigint() - start) / 1e6;
    return {
        sample: { handlersMs, packMs: pack.clock.totalMs() },
        byPolicyMs: pack.clock.byPolicyMs(),
        diagnostics,
    };
}

/** Judges each stack with the pack served in this process: `warmups` untimed rounds, then `reps` timed ones. */
export async function measureInProcess(
    pack: InProcessPack,
    config: PolicyPackConfig,
    stacks: BenchStack[],
    warmups: number,
    reps: number,
    progress: (line: string) => void = () => undefined,
): Promise<InProcessTimings[]> {
    await pack.configure(config);
    const requests = new Map<BenchStack, StackRequests>(stacks.map((s) => [s, stackRequests(s.resources)]));
    const results = await roundRobin(
        stacks,
        warmups,
        reps,
        (stack) => passInProcess(pack, requests.get(stack)!),
        (round, stack, { sample }) =>
            progress(
                `in process, ${round} ${stack.label}: ${sample.packMs.toFixed(0)} ms in the pack, ` +
                    `${sample.handlersMs.toFixed(0)} ms with the SDK`,
            ),
    );
    return stacks.map((stack, i) => ({
        stack,
        samples: results[i].map((r) => r.sample),
        byPolicyMs: results[i][results[i].length - 1]?.byPolicyMs ?? {},
        diagnostics: results[i][results[i].length - 1]?.diagnostics ?? 0,
    }));
}
