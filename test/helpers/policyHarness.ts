/**
 * Runs real policy objects through `@pulumi/policy`'s own request handlers, in this process
 * (tools/lib/inProcessPack.ts): a spec's resources become the `Analyze` and `AnalyzeStack` requests the engine
 * sends, `Configure` carries the policy config as the CLI resolves it, and what the policies report comes back from
 * the handlers' responses. A policy of the project's pack runs in that pack with the other policies disabled; any
 * other policy list is served on its own.
 */
import type { RegisteredResource } from "../../tools/lib/programRunner";
import { EnforcementLevel, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";

import { AnyPolicy, ServedPolicies, loadPack, packInfoOf, stackRequests } from "../../tools/lib/inProcessPack";
import { PolicyPackConfig, resolvePolicyConfig } from "../../tools/lib/policyConfig";
import { AnalyzedResource, DEFAULT_PACK_DIR, UNKNOWN, levelFromProto } from "../../tools/lib/policyHost";

export type { AnyPolicy } from "../../tools/lib/inProcessPack";

/** The engine's sentinel for a value not known until the update (what a preview sends for every unknown). */
export { UNKNOWN };

/** A resource as a test describes it. */
export interface ResourceSpec {
    /** Type token, e.g. `aws:kms/key:Key`. */
    type: string;
    name: string;
    /** What `Analyze` sees: the inputs. */
    inputs: Record<string, unknown>;
    /** What `AnalyzeStack` sees: the outputs, or the planned state in a preview. Defaults to `inputs`. */
    outputs?: Record<string, unknown>;
    /** Defaults to `urnOf(type, name)`. */
    urn?: string;
    parent?: string;
    protect?: boolean;
    /** Provider reference, `<provider URN>::<provider ID>`. */
    provider?: string;
    dependencies?: string[];
    /** Input property -> URNs of the resources its value came from. */
    propertyDependencies?: Record<string, string[]>;
}

/** One violation a policy reported. */
export interface Reported {
    policy: string;
    /** What the policy reported, without the description the SDK puts before it. */
    message: string;
    urn?: string;
    enforcementLevel: EnforcementLevel;
}

/** What running one policy over one resource (or one stack) gave. */
export interface Outcome {
    violations: Reported[];
    /** Set when the policy read an unknown value: the SDK's error message. The policy did not decide. */
    undecided?: string;
    /** Set when the policy declared itself not applicable: its reason. */
    notApplicable?: string;
}

/** Policy pack config in the `--policy-pack-config` file format. */
export type PackConfig = Record<
    string,
    EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

/** The URN the engine would give a resource of `type` named `name` (no parent) in `stack`. */
export function urnOf(type: string, name: string, stack = "production", project = "kms-keys"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** Serves a list of policies that are not all in the project's pack. */
const SPEC_PACK = { name: "specs", version: "0.0.0" };

/**
 * A policy's config as the CLI resolves it: the schema's defaults, then `given`, validated against the schema.
 * Throws if `given` does not validate (a test mistake, or a config file the CLI would refuse).
 */
export function resolveConfig(policy: AnyPolicy, given: Record<string, unknown> = {}): Record<string, unknown> {
    const info = packInfoOf({ ...SPEC_PACK, policies: [policy] });
    return resolvePolicyConfig({ [policy.name]: given }, info, `config of ${policy.name}`)[policy.name].properties;
}

/** Splits one policy's entry of a pack config into its enforcement level and properties. */
export function entryOf(
    config: PackConfig | undefined,
    policy: string,
): { level?: EnforcementLevel; properties: Record<string, unknown> } {
    const entry = config?.[policy];
    if (entry === undefined) {
        return { properties: {} };
    }
    if (typeof entry === "string") {
        return { level: entry, properties: {} };
    }
    const { enforcementLevel, ...properties } = entry;
    return { level: enforcementLevel, properties };
}

function analyzed(spec: ResourceSpec): AnalyzedResource {
    return {
        urn: spec.urn ?? urnOf(spec.type, spec.name),
        type: spec.type,
        name: spec.name,
        custom: true,
        inputs: spec.inputs,
        outputs: spec.outputs ?? spec.inputs,
        parent: spec.parent,
        protect: spec.protect ?? false,
        provider: spec.provider,
        dependencies: spec.dependencies ?? [],
        propertyDependencies: spec.propertyDependencies ?? {},
    };
}

/** Resolved configs of the project's pack, by the policies run and the config given: resolving validates 25 schemas. */
const resolvedConfigs = new Map<string, PolicyPackConfig>();

/**
 * Runs `work` with the handlers serving `policies` and `config` in force: the project's pack with every other policy
 * disabled when it holds all of `policies`, else `policies` served on their own.
 */
function judge<T>(
    policies: readonly AnyPolicy[],
    config: PackConfig,
    work: (pack: ServedPolicies) => Promise<T>,
): Promise<T> {
    const project = loadPack(DEFAULT_PACK_DIR);
    const inProject = policies.every((p) => project.policies.includes(p));
    const pack = inProject ? project : ServedPolicies.serve({ ...SPEC_PACK, policies });
    const running = new Set(policies.map((p) => p.name));
    const key = inProject ? JSON.stringify([[...running], config]) : undefined;
    let resolved = key === undefined ? undefined : resolvedConfigs.get(key);
    if (!resolved) {
        const known = Object.fromEntries(Object.entries(config).filter(([name]) => running.has(name) || inProject));
        resolved = resolvePolicyConfig(known, pack.info(), "the spec's policy config");
        for (const [name, entry] of Object.entries(resolved)) {
            if (!running.has(name)) {
                entry.enforcementLevel = "disabled";
            }
        }
        if (key !== undefined) {
            resolvedConfigs.set(key, resolved);
        }
    }
    return pack.run(resolved, key, () => work(pack));
}

/** `@pulumi/policy`'s diagnostic for a policy that read a value a preview cannot know. */
const CANNOT_RUN = /^can't run policy '[^']*' from policy pack '[^']*' during preview: (.*)$/s;

/** A diagnostic as a violation, or as the SDK's message when the policy could not decide. */
function readDiagnostic(d: analyzerpb.AnalyzeDiagnostic, resourceUrn?: string): Reported | { undecided: string } {
    const level = levelFromProto(d.getEnforcementlevel());
    const cannotRun = level === "advisory" ? CANNOT_RUN.exec(d.getMessage()) : null;
    if (cannotRun) {
        return { undecided: cannotRun[1] };
    }
    // The SDK reports the policy's description, then the message on the next line.
    const description = d.getDescription();
    const message = d.getMessage();
    return {
        policy: d.getPolicyname(),
        message: message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message,
        // Like the engine, a resource's diagnostics are filed under that resource.
        urn: resourceUrn ?? (d.getUrn() || undefined),
        enforcementLevel: level,
    };
}

/** What one policy's response says. */
function outcomeOf(response: analyzerpb.AnalyzeResponse, resourceUrn?: string): Outcome {
    const outcome: Outcome = { violations: [] };
    for (const d of response.getDiagnosticsList()) {
        const read = readDiagnostic(d, resourceUrn);
        if ("undecided" in read) {
            outcome.undecided = read.undecided;
        } else {
            outcome.violations.push(read);
        }
    }
    for (const notApplicable of response.getNotApplicableList()) {
        outcome.notApplicable = notApplicable.getReason();
    }
    return outcome;
}

function configOf(policy: AnyPolicy, properties: Record<string, unknown>, level?: EnforcementLevel): PackConfig {
    return { [policy.name]: level === undefined ? properties : { ...properties, enforcementLevel: level } };
}

/** Runs a resource policy over one resource's inputs (`Analyze`). */
export function runResourcePolicy(
    policy: ResourceValidationPolicy,
    spec: ResourceSpec,
    config: Record<string, unknown> = {},
    level?: EnforcementLevel,
): Promise<Outcome> {
    return judge([policy], configOf(policy, config, level), async (pack) => {
        const resource = analyzed(spec);
        return outcomeOf(await pack.analyze(stackRequests([resource]).analyze[0]), resource.urn);
    });
}

/** Runs a stack policy over a whole stack (`AnalyzeStack`). */
export function runStackPolicy(
    policy: StackValidationPolicy,
    specs: ResourceSpec[],
    config: Record<string, unknown> = {},
    level?: EnforcementLevel,
): Promise<Outcome> {
    return judge([policy], configOf(policy, config, level), async (pack) =>
        outcomeOf(await pack.analyzeStack(stackRequests(specs.map(analyzed)).analyzeStack)),
    );
}

/** The resources `@pulumi/policy` hands a stack policy for `specs`: outputs behind its unknown proxy, links resolved. */
export async function stackResources(specs: ResourceSpec[]): Promise<PolicyResource[]> {
    let resources: PolicyResource[] = [];
    const capture: StackValidationPolicy = {
        name: "stack-resources",
        description: "Keeps the resources it is given.",
        validateStack: (args) => {
            resources = args.resources;
        },
    };
    await runStackPolicy(capture, specs);
    return resources;
}

/** Runs one policy of either kind: a resource policy over every resource, a stack policy once. */
export async function runPolicy(policy: AnyPolicy, specs: ResourceSpec[], config: PackConfig = {}): Promise<Outcome[]> {
    const { level, properties } = entryOf(config, policy.name);
    if ("validateStack" in policy) {
        return [await runStackPolicy(policy, specs, properties, level)];
    }
    const outcomes: Outcome[] = [];
    for (const spec of specs) {
        outcomes.push(await runResourcePolicy(policy, spec, properties, level));
    }
    return outcomes;
}

/** The verdict of a whole pack over a stack. */
export interface PackVerdict {
    violations: Reported[];
    /** Policies that could not decide, with the SDK's message. */
    undecided: { policy: string; enforcementLevel: EnforcementLevel; message: string; urn?: string }[];
}

/** Runs `policies` over a stack as the engine does (`Analyze` per resource, then `AnalyzeStack`), with a pack config. */
export function runPack(policies: AnyPolicy[], specs: ResourceSpec[], config: PackConfig = {}): Promise<PackVerdict> {
    return judge(policies, config, async (pack) => {
        const verdict: PackVerdict = { violations: [], undecided: [] };
        const resources = specs.map(analyzed);
        const requests = stackRequests(resources);
        const responses: [analyzerpb.AnalyzeResponse, string | undefined][] = [];
        for (const [i, request] of requests.analyze.entries()) {
            responses.push([await pack.analyze(request), resources[i].urn]);
        }
        responses.push([await pack.analyzeStack(requests.analyzeStack), undefined]);
        for (const [response, urn] of responses) {
            for (const d of response.getDiagnosticsList()) {
                const read = readDiagnostic(d, urn);
                if ("undecided" in read) {
                    const enforcementLevel = levelFromProto(d.getEnforcementlevel());
                    verdict.undecided.push({
                        policy: d.getPolicyname(),
                        enforcementLevel,
                        message: read.undecided,
                        urn,
                    });
                } else {
                    verdict.violations.push(read);
                }
            }
        }
        return verdict;
    });
}

/** A resource the program runner recorded, as the harness takes it. */
export function resourceSpecOf(r: RegisteredResource): ResourceSpec {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        inputs: r.inputs,
        outputs: r.outputs,
        parent: r.parent,
        protect: r.protect,
        provider: r.provider,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    };
}
