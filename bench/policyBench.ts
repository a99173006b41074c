/**
 * Times the whole policy pack over synthetic stacks, two ways: served in this process by `@pulumi/policy`'s own
 * handlers, with the time of the pack's own code told apart (`measureInProcess`); and as `pulumi preview
 * --policy-pack` runs it (`measurePolicy`): `PolicyHost.analyze` sends `Configure`, one `Analyze` per resource and one
 * `AnalyzeStack` to the real pack in its own process, over gRPC.
 */
import * as fs from "fs";
import { AnalyzedResource, PolicyHost, PolicyPackConfig, PolicyVerdict } from "../tools/lib/policyHost";
import { InProcessPack, StackRequests, stackRequests } from "./inProcessPack";

/** A stack to judge, and what to call it in the table. */
export interface BenchStack {
    label: string;
    keys: number;
    resources: AnalyzedResource[];
}

/** One timed `analyze` call. */
export interface AnalyzeSample {
    wallMs: number;
    /** CPU time of this process (marshalling, the gRPC client), in ms. */
    hostCpuMs: number;
    /** CPU time of the pack's process (the gRPC server, deserialisation, the policies), in ms; null if unknown. */
    packCpuMs: number | null;
}

/** Every timed call of one stack, and the verdict of the last one. */
export interface StackTimings {
    stack: BenchStack;
    samples: AnalyzeSample[];
    verdict: PolicyVerdict;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc; null where there is no /proc. */
export function processCpuMs(pid: number | undefined, clockTicksPerSecond = 100): number | null {
    if (pid === undefined) {
        return null;
    }
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after the command name, which is in parentheses and may itself contain spaces.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
    } catch {
        return null;
    }
}

/** Runs `analyze` once and times it. */
export async function timeAnalyze(
    host: PolicyHost,
    resources: AnalyzedResource[],
    config: PolicyPackConfig,
): Promise<{ sample: AnalyzeSample; verdict: PolicyVerdict }> {
    const packBefore = processCpuMs(host.pid);
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    const verdict = await host.analyze(resources, config);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    const packAfter = processCpuMs(host.pid);
    return {
        verdict,
        sample: {
            wallMs,
            hostCpuMs: (cpu.user + cpu.system) / 1000,
            packCpuMs: packBefore === null || packAfter === null ? null : packAfter - packBefore,
        },
    };
}

/**
 * Runs `pass` on each stack in turn: `warmups` untimed rounds, then `reps` rounds whose results are kept, per stack,
 * in order. Going round the stacks makes a slow moment of the machine touch every stack alike.
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

/** Judges each stack over gRPC: `warmups` untimed rounds, then `reps` timed ones (see `roundRobin`). */
export async function measurePolicy(
    host: PolicyHost,
    config: PolicyPackConfig,
    stacks: BenchStack[],
    warmups: number,
    reps: number,
    progress: (line: string) => void = () => undefined,
): Promise<StackTimings[]> {
    const results = await roundRobin(
        stacks,
        warmups,
        reps,
        (stack) => timeAnalyze(host, stack.resources, config),
        (round, stack, { sample }) => progress(`${round} ${stack.label}: ${sample.wallMs.toFixed(0)} ms`),
    );
    return stacks.map((stack, i) => ({
        stack,
        samples: results[i].map((r) => r.sample),
        verdict: results[i][results[i].length - 1]?.verdict ?? { violations: [], undecided: [] },
    }));
}

/** How many diagnostics each policy gave, as "name xN", most first. */
export function countByPolicy(list: { policy: string }[]): string[] {
    const counts = new Map<string, number>();
    for (const v of list) {
        counts.set(v.policy, (counts.get(v.policy) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([policy, n]) => `${policy} x${n}`);
}

/** The same config with every policy disabled: what is left is the transport and the pack's own bookkeeping. */
export function allDisabled(config: PolicyPackConfig): PolicyPackConfig {
    return Object.fromEntries(
        Object.entries(config).map(([name, entry]) => [name, { ...entry, enforcementLevel: "disabled" as const }]),
    );
}

/** The same config with only `policy` left at its level. */
export function onlyPolicy(config: PolicyPackConfig, policy: string): PolicyPackConfig {
    return Object.fromEntries(
        Object.entries(config).map(([name, entry]) => [
            name,
            name === policy ? entry : { ...entry, enforcementLevel: "disabled" as const },
        ]),
    );
}

/** Where the time of one `analyze` call went, seen from this side of the gRPC connection. */
export interface PhaseTimings {
    configureMs: number;
    /** From the first `Analyze` request sent to the last answer received. */
    analyzePhaseMs: number;
    /** Sum of the individual `Analyze` round trips (greater than the phase when calls overlap). */
    analyzeCallsMs: number;
    analyzeCalls: number;
    /** Most `Analyze` calls in flight at once. */
    maxInFlight: number;
    /** Time-weighted mean of the calls in flight during the phase. */
    meanInFlight: number;
    /** From the last `Analyze` answer to the `AnalyzeStack` request: building the stack request. */
    buildStackRequestMs: number;
    /** The `AnalyzeStack` round trip. */
    analyzeStackMs: number;
}

type Rpc<Req, Res> = (req: Req) => Promise<Res>;
interface HostCalls {
    analyze: Rpc<unknown, unknown>;
    analyzeStack: Rpc<unknown, unknown>;
    configure: Rpc<unknown, unknown>;
}

/**
 * Times the RPCs of one `analyze` call by wrapping the host's call table for that call only. Diagnosis, not the
 * headline figure: the figures are measured with the host untouched.
 */
export async function tracePhases(
    host: PolicyHost,
    resources: AnalyzedResource[],
    config: PolicyPackConfig,
): Promise<PhaseTimings> {
    const calls = (host as unknown as { calls: HostCalls }).calls;
    if (calls === undefined || typeof calls.analyze !== "function" || typeof calls.analyzeStack !== "function") {
        throw new Error("tracePhases: PolicyHost no longer keeps its RPCs in `calls`; update bench/policyBench.ts");
    }
    const original = { ...calls };
    const now = () => Number(process.hrtime.bigint()) / 1e6;
    let configureMs = 0;
    let firstAnalyze = Infinity;
    let lastAnswer = 0;
    let analyzeCallsMs = 0;
    let analyzeCalls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let weighted = 0;
    let lastChange = 0;
    let stackStart = 0;
    let stackEnd = 0;
    const change = (delta: number) => {
        const t = now();
        if (inFlight > 0) {
            weighted += inFlight * (t - lastChange);
        }
        lastChange = t;
        inFlight += delta;
        maxInFlight = Math.max(maxInFlight, inFlight);
    };
    calls.configure = async (req) => {
        const t = now();
        try {
            return await original.configure(req);
        } finally {
            configureMs += now() - t;
        }
    };
    calls.analyze = async (req) => {
        const t = now();
        firstAnalyze = Math.min(firstAnalyze, t);
        change(+1);
        try {
            return await original.analyze(req);
        } finally {
            change(-1);
            const end = now();
            analyzeCallsMs += end - t;
            analyzeCalls++;
            lastAnswer = Math.max(lastAnswer, end);
        }
    };
    calls.analyzeStack = async (req) => {
        stackStart = now();
        try {
            return await original.analyzeStack(req);
        } finally {
            stackEnd = now();
        }
    };
    try {
        await host.analyze(resources, config);
    } finally {
        Object.assign(calls, original);
    }
    const analyzePhaseMs = analyzeCalls > 0 ? lastAnswer - firstAnalyze : 0;
    return {
        configureMs,
        analyzePhaseMs,
        analyzeCallsMs,
        analyzeCalls,
        maxInFlight,
        meanInFlight: analyzePhaseMs > 0 ? weighted / analyzePhaseMs : 0,
        buildStackRequestMs: analyzeCalls > 0 ? stackStart - lastAnswer : 0,
        analyzeStackMs: stackEnd - stackStart,
    };
}

/** One timed pass of a stack through the pack's handlers in this process. */
export interface InProcessSample {
    /** `Analyze` for every resource and `AnalyzeStack`: the SDK's handlers with the policies in them. */
    handlersMs: number;
    /** The part of it spent in the pack's own validation functions. */
    packMs: number;
}

/** Every timed pass of one stack, and the time per policy in the last one. */
export interface InProcessTimings {
    stack: BenchStack;
    samples: InProcessSample[];
    byPolicyMs: Record<string, number>;
}

async function passInProcess(
    pack: InProcessPack,
    requests: StackRequests,
): Promise<{ sample: InProcessSample; byPolicyMs: Record<string, number> }> {
    // Garbage left by the previous pass (or by building the requests) is collected before the clock starts, when the
    // benchmark runs with --expose-gc (npm run bench does), so that no pass pays for another's.
    (globalThis as { gc?: () => void }).gc?.();
    pack.clock.reset();
    const start = process.hrtime.bigint();
    await pack.analyzeAll(requests.analyze);
    await pack.analyzeStack(requests.analyzeStack);
    const handlersMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { sample: { handlersMs, packMs: pack.clock.totalMs() }, byPolicyMs: pack.clock.byPolicyMs() };
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
    }));
}
