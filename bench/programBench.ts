/**
 * Times index.ts under Pulumi's mock runtime against a flat program under the very same runtime: one that makes the
 * same look-ups and registers the same resources with the same inputs, recorded from a run of index.ts, without
 * components, config parsing or key policy building. The difference is what the program's own structure costs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ProgramRun, RegisteredResource, runProgram, RunOptions, unknownValue } from "../tools/lib/programRunner";

/** A program for `runProgram`'s `program` option. */
export type Program = NonNullable<RunOptions["program"]>;

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
    const runOnce = async (variant: Variant): Promise<number> =>
        (await timeStacks(stacks, variant.programFor, projectDir)).ms;
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

class ReplayedComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        // The real components register their outputs: one more RPC each, kept so that the counts match.
        this.registerOutputs({});
    }
}

type ResourceClass = new (name: string, args: pulumi.Inputs, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

/**
 * The `@pulumi/aws` class of a type token (`aws:kms/key:Key` is `aws.kms.Key`): a flat program written by hand uses
 * the provider's classes, which create an output for every property of the resource, as index.ts's components do.
 */
export function awsClassOf(type: string): ResourceClass {
    const [pkg, module, name] = type.split(":");
    const group = (aws as unknown as Record<string, Record<string, unknown> | undefined>)[module?.split("/")[0] ?? ""];
    const cls = group?.[name ?? ""];
    if (pkg !== "aws" || typeof cls !== "function") {
        throw new Error(`flatProgram: no @pulumi/aws class for ${type}`);
    }
    return cls as ResourceClass;
}

function replaceUnknown(value: unknown, by: pulumi.Output<string>): unknown {
    if (value === unknownValue) {
        return by;
    }
    return Array.isArray(value) ? value.map((v) => replaceUnknown(v, by)) : value;
}

/**
 * The flat program of a recorded run: it makes exactly the invokes the run made (all of them before any registration,
 * as index.ts checks the account before it registers anything), then registers exactly the resources the run
 * registered with the `@pulumi/aws` classes (types, names, parents, inputs, options, and the dependencies that made inputs
 * unknown). No config reading or validation, no components' own code, no key policy building.
 */
export function flatProgram(run: ProgramRun): Program {
    const recorded: RegisteredResource[] = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return async () => {
        await Promise.all(run.invokes.map((i) => pulumi.runtime.invoke(i.token, i.args as pulumi.Inputs)));
        const made = new Map<string, pulumi.Resource>();
        for (const r of recorded) {
            const parent = r.parent ? made.get(r.parent) : undefined;
            if (!r.custom) {
                made.set(r.urn, new ReplayedComponent(r.type, r.name, { parent }));
                continue;
            }
            const inputs: pulumi.Inputs = {};
            for (const [key, value] of Object.entries(r.inputs)) {
                // An input depends on every resource it came from, as the program's outputs do: unknown where the
                // recorded value is (through the sources' ids, unknown at preview), known otherwise (their URNs).
                const sources = (r.propertyDependencies[key] ?? [])
                    .map((u) => made.get(u))
                    .filter((m): m is pulumi.CustomResource => m instanceof pulumi.CustomResource);
                if (sources.length === 0) {
                    inputs[key] = value;
                } else if (JSON.stringify(value).includes(unknownValue)) {
                    inputs[key] = replaceUnknown(
                        value,
                        pulumi.all(sources.map((m) => m.id)).apply((ids) => ids[0]),
                    );
                } else {
                    inputs[key] = pulumi.all(sources.map((m) => m.urn)).apply(() => value);
                }
            }
            made.set(
                r.urn,
                new (awsClassOf(r.type))(r.name, inputs, {
                    parent,
                    protect: r.protect,
                    retainOnDelete: r.retainOnDelete,
                }),
            );
        }
    };
}
