/**
 * Times index.ts under Pulumi's mock runtime against an empty program under the very same runtime, and (with
 * `--explain`) takes the difference apart: invokes, registrations, stack-trace capture, the program's own code.
 */
import { spawnSync } from "child_process";
import * as inspector from "inspector";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, RegisteredResource, runProgram, RunOptions, unknownValue } from "../tools/lib/programRunner";

/** A program for `runProgram`'s `program` option. */
export type Program = NonNullable<RunOptions["program"]>;

/** The empty Pulumi program: the runtime still creates the root stack resource and reads the stack's config. */
export const emptyProgram: Program = async () => undefined;

/** Runs `program` (index.ts when undefined) for every stack in turn; returns the wall time in ms and the runs. */
export async function timeStacks(
    stacks: readonly string[],
    programFor: (stack: string) => Program | undefined,
    projectDir?: string,
): Promise<{ ms: number; runs: ProgramRun[] }> {
    const runs: ProgramRun[] = [];
    const start = process.hrtime.bigint();
    for (const stack of stacks) {
        const program = programFor(stack);
        runs.push(await runProgram(stack, { projectDir, ...(program ? { program } : {}) }));
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    for (const run of runs) {
        if (run.error !== undefined) {
            throw new Error(`stack ${run.stack}: the program failed: ${run.error}`);
        }
    }
    return { ms, runs };
}

/** A named way of running a program for each stack. */
export interface Variant {
    name: string;
    programFor: (stack: string) => Program | undefined;
    /** Runs with Node's own stack formatting instead of the source-mapped one ts-node installs. */
    plainStackTraces?: boolean;
}

/** Timings of every variant, in ms, rep by rep; and the first (cold) run of each. */
export interface VariantTimings {
    cold: Record<string, number>;
    reps: Record<string, number[]>;
}

/**
 * Runs the variants interleaved (a, b, a, b, ...): `warmups` untimed rounds (the first one also reported as cold),
 * then `reps` timed rounds.
 */
export async function measureVariants(
    stacks: readonly string[],
    variants: readonly Variant[],
    warmups: number,
    reps: number,
    projectDir?: string,
): Promise<VariantTimings> {
    const timings: VariantTimings = {
        cold: {},
        reps: Object.fromEntries(variants.map((v) => [v.name, [] as number[]])),
    };
    const runOnce = async (variant: Variant): Promise<number> => {
        // ts-node installs a source-mapping Error.prepareStackTrace; without one, V8 formats stacks itself.
        const errorClass = Error as { prepareStackTrace?: unknown };
        const saved = errorClass.prepareStackTrace;
        if (variant.plainStackTraces) {
            errorClass.prepareStackTrace = undefined;
        }
        try {
            return (await timeStacks(stacks, variant.programFor, projectDir)).ms;
        } finally {
            errorClass.prepareStackTrace = saved;
        }
    };
    for (let round = 0; round < Math.max(warmups, 1); round++) {
        for (const variant of variants) {
            const ms = await runOnce(variant);
            if (round === 0) {
                timings.cold[variant.name] = ms;
            }
        }
    }
    for (let round = 0; round < reps; round++) {
        for (const variant of variants) {
            timings.reps[variant.name].push(await runOnce(variant));
        }
    }
    return timings;
}

/** A program that makes exactly the invokes a recorded run made, and registers nothing. */
export function invokesOnly(run: ProgramRun): Program {
    return async () => {
        await Promise.all(run.invokes.map((i) => pulumi.runtime.invoke(i.token, i.args as pulumi.Inputs)));
    };
}

class ReplayedComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        // The real components register their outputs: one more RPC each, kept so that the counts match.
        this.registerOutputs({});
    }
}

/** Any custom resource, by its type token: the SDK's class is abstract only to its typings. */
class ReplayedResource extends pulumi.CustomResource {}

function replaceUnknown(value: unknown, by: pulumi.Output<string>): unknown {
    if (value === unknownValue) {
        return by;
    }
    return Array.isArray(value) ? value.map((v) => replaceUnknown(v, by)) : value;
}

/**
 * A program that registers exactly the resources a recorded run registered (types, names, parents, inputs, options,
 * and the dependencies that made inputs unknown), without any of the program's own work: no config reading or
 * validation, no invokes, no key policy building. What the SDK costs for these registrations alone.
 */
export function registrationsOnly(run: ProgramRun): Program {
    const recorded: RegisteredResource[] = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return async () => {
        const made = new Map<string, pulumi.Resource>();
        for (const r of recorded) {
            const parent = r.parent ? made.get(r.parent) : undefined;
            if (!r.custom) {
                made.set(r.urn, new ReplayedComponent(r.type, r.name, { parent }));
                continue;
            }
            const inputs: pulumi.Inputs = {};
            for (const [key, value] of Object.entries(r.inputs)) {
                const source = (r.propertyDependencies[key] ?? []).map((u) => made.get(u))[0];
                inputs[key] = source instanceof pulumi.CustomResource ? replaceUnknown(value, source.id) : value;
            }
            made.set(
                r.urn,
                new ReplayedResource(r.type, r.name, inputs, {
                    parent,
                    protect: r.protect,
                    retainOnDelete: r.retainOnDelete,
                }),
            );
        }
    };
}

// ---------------------------------------------------------------------------------------------------------------
// CPU profile of the program

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string };
    children?: number[];
}

/** A V8 CPU profile as the inspector returns it. */
export interface CpuProfile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

/** Where the CPU went, in the categories that answer "is it the program or the SDK?". */
export const profileCategories = [
    "stack traces for the SDK's promise bookkeeping (debuggablePromise)",
    "stack traces for resource source positions (Resource.callsites)",
    "other stack traces",
    "Pulumi SDK (@pulumi/pulumi, protobuf, grpc)",
    "@pulumi/aws",
    "program's own code (components/, index.ts, ajv, ip-num)",
    "runner (tools/lib, stack file YAML)",
    "garbage collection",
    "other (Node internals, microtask queue)",
] as const;

/** One of `profileCategories`. */
export type ProfileCategory = (typeof profileCategories)[number];

function isStackFormatting(frame: ProfileNode["callFrame"]): boolean {
    return (
        frame.url.includes("source-map-support") ||
        frame.functionName === "prepareStackTrace" ||
        frame.functionName === "get stack"
    );
}

/**
 * Sorts each sample of a CPU profile into a category by its own frame, except that anything done while formatting
 * a stack trace counts as stack-trace work, filed under the SDK function that asked for the trace.
 */
export function categorizeProfile(profile: CpuProfile): Record<ProfileCategory, number> {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of profile.nodes) {
        for (const c of n.children ?? []) {
            parentOf.set(c, n.id);
        }
    }
    const totals = Object.fromEntries(profileCategories.map((c) => [c, 0])) as Record<ProfileCategory, number>;
    const categoryCache = new Map<number, ProfileCategory>();
    const categoryOf = (id: number): ProfileCategory => {
        const cached = categoryCache.get(id);
        if (cached) {
            return cached;
        }
        const self = byId.get(id)!.callFrame;
        let category: ProfileCategory | undefined;
        let formatting = false;
        for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
            const frame = byId.get(cur)!.callFrame;
            if (isStackFormatting(frame)) {
                formatting = true;
            } else if (formatting && frame.url.includes("@pulumi/pulumi")) {
                category =
                    frame.functionName === "debuggablePromise"
                        ? "stack traces for the SDK's promise bookkeeping (debuggablePromise)"
                        : frame.functionName === "callsites"
                          ? "stack traces for resource source positions (Resource.callsites)"
                          : "other stack traces";
                break;
            }
        }
        if (category === undefined && formatting) {
            category = "other stack traces";
        }
        if (category === undefined) {
            const url = self.url;
            if (self.functionName === "(garbage collector)") {
                category = "garbage collection";
            } else if (/@pulumi\/pulumi|google-protobuf|@grpc\//.test(url)) {
                category = "Pulumi SDK (@pulumi/pulumi, protobuf, grpc)";
            } else if (url.includes("@pulumi/aws")) {
                category = "@pulumi/aws";
            } else if (
                /\/components\/|\/index\.ts$|node_modules\/(ajv|ip-num)\//.test(url) &&
                !url.includes("node_modules/@")
            ) {
                category = "program's own code (components/, index.ts, ajv, ip-num)";
            } else if (/\/tools\/lib\/|node_modules\/yaml\//.test(url)) {
                category = "runner (tools/lib, stack file YAML)";
            } else {
                category = "other (Node internals, microtask queue)";
            }
        }
        categoryCache.set(id, category);
        return category;
    };
    profile.samples.forEach((id, i) => {
        totals[categoryOf(id)] += (profile.timeDeltas[i] ?? 0) / 1000;
    });
    return totals;
}

/** CPU-profiles `rounds` runs of `variant` for every stack (after one untimed run) and sorts the time by category. */
export async function profileVariant(
    stacks: readonly string[],
    variant: Variant,
    rounds: number,
    projectDir?: string,
): Promise<Record<ProfileCategory, number>> {
    await timeStacks(stacks, variant.programFor, projectDir);
    const session = new inspector.Session();
    session.connect();
    const post = <T>(method: string, params: object = {}) =>
        new Promise<T>((resolve, reject) =>
            session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
        );
    try {
        await post("Profiler.enable");
        await post("Profiler.setSamplingInterval", { interval: 200 });
        await post("Profiler.start");
        for (let i = 0; i < rounds; i++) {
            await timeStacks(stacks, variant.programFor, projectDir);
        }
        const { profile } = await post<{ profile: CpuProfile }>("Profiler.stop");
        return categorizeProfile(profile);
    } finally {
        session.disconnect();
    }
}

/** What importing each layer of the program costs in a fresh Node process with ts-node, in ms (cumulative order). */
export function importCosts(projectDir: string): { costs: Record<string, number> } | { error: string } {
    const script = [
        "const now = () => Number(process.hrtime.bigint()) / 1e6;",
        "const out = {}; let t = now();",
        "const step = (name, fn) => { fn(); const n = now(); out[name] = n - t; t = n; };",
        'step("@pulumi/pulumi", () => require("@pulumi/pulumi"));',
        'step("@pulumi/aws (index)", () => require("@pulumi/aws"));',
        'step("@pulumi/aws kms, ec2, vpc modules", () => { const a = require("@pulumi/aws"); void a.kms.Key; void a.ec2.VpcEndpoint; void a.vpc.SecurityGroupIngressRule; void a.getCallerIdentityOutput; });',
        'step("ajv and ip-num", () => { require("ajv"); require("ip-num"); });',
        'step("components/config.ts (compiles the config schema)", () => require("./components/config"));',
        'step("rest of index.ts and components/", () => require("./index"));',
        "process.stdout.write(JSON.stringify(out));",
    ].join("\n");
    const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: projectDir,
        encoding: "utf8",
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    if (child.status !== 0) {
        return { error: (child.stderr || child.stdout || `exit ${child.status}`).trim().split("\n")[0] };
    }
    return { costs: JSON.parse(child.stdout) as Record<string, number> };
}
