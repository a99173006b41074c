/**
 * Runs real policy objects the way the `@pulumi/policy` server does (server.js `makeAnalyzeRpcFun` and
 * `makeAnalyzeStackRpcFun`), without starting a pack or a gRPC server:
 *
 * - properties are a JSON copy of the given values (as they arrive from a protobuf Struct), wrapped in the SDK's own
 *   `unknownCheckingProxy`; a preview's unknowns are the engine's unknown sentinel;
 * - the SDK's `UnknownValueError` is caught and reported as "could not decide" (the server's advisory
 *   "can't run policy ... during preview"), never as a pass;
 * - `args.notApplicable` ends the validation as not applicable; any other error fails the test;
 * - `getConfig` returns the policy's config as the CLI resolves it: schema defaults, then the given properties,
 *   validated against the schema with ajv;
 * - stack policies get resources with `parent`, `dependencies` and `propertyDependencies` linked to the other
 *   resource objects, as the server links them.
 */
import type { RegisteredResource } from "../../tools/lib/programRunner";
import Ajv, { ValidateFunction } from "ajv";
import {
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as sdkProxyModule from "@pulumi/policy/proxy";

/** The parts of `@pulumi/policy/proxy` used here. The SDK marks them internal, so its typings leave them out. */
interface SdkProxy {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: never[]) => Error;
    unknownStringValue: string;
}
const sdkProxy = sdkProxyModule as unknown as SdkProxy;

/** The engine's sentinel for a value not known until the update (what a preview sends for every unknown). */
export const UNKNOWN: string = sdkProxy.unknownStringValue;

/** A policy of any kind. */
export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

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
    dependencies?: string[];
    /** Input property -> URNs of the resources its value came from. */
    propertyDependencies?: Record<string, string[]>;
}

/** One violation a policy reported. */
export interface Reported {
    policy: string;
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

class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true });

const validators = new WeakMap<object, ValidateFunction>();

/** The compiled validator of a policy's config schema, compiled once per schema object. */
function validatorOf(schema: NonNullable<AnyPolicy["configSchema"]>): ValidateFunction {
    let validate = validators.get(schema);
    if (validate === undefined) {
        validate = ajv.compile({
            type: "object",
            properties: schema.properties,
            ...(schema.required ? { required: schema.required } : {}),
        });
        validators.set(schema, validate);
    }
    return validate;
}

/**
 * A policy's config as the CLI resolves it: the schema's defaults, then `given`, validated against the schema.
 * Throws if `given` does not validate (a test mistake, or a config file the CLI would refuse).
 */
export function resolveConfig(policy: AnyPolicy, given: Record<string, unknown> = {}): Record<string, unknown> {
    const config = structuredClone(given);
    if (policy.configSchema === undefined) {
        return config;
    }
    const validate = validatorOf(policy.configSchema);
    if (!validate(config)) {
        throw new Error(`config of ${policy.name} does not validate: ${ajv.errorsText(validate.errors)}`);
    }
    return config;
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

/** A JSON copy: what survives the trip through a protobuf Struct (no undefined, no functions). */
function wire(value: Record<string, unknown>): Record<string, unknown> {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function resourceOptions(spec: ResourceSpec): PolicyResourceOptions {
    return {
        protect: spec.protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(spec.parent !== undefined ? { parent: spec.parent } : {}),
    };
}

/** Same test as the server's `isTypeOf`: the class's Pulumi type token, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token === "string" && token.length > 0) {
        return type === token;
    }
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** Runs `run`, turning the SDK's unknown-value error and not-applicable into an outcome, as the server does. */
async function settle(outcome: Outcome, run: () => Promise<void> | void): Promise<void> {
    try {
        await run();
    } catch (e) {
        if (e instanceof sdkProxy.UnknownValueError) {
            outcome.undecided = e.message;
        } else if (e instanceof NotApplicable) {
            outcome.notApplicable = e.reason ?? "";
        } else {
            throw e;
        }
    }
}

function levelOf(policy: AnyPolicy, level: EnforcementLevel | undefined): EnforcementLevel {
    const resolved = level ?? policy.enforcementLevel ?? "advisory";
    // A violation of a policy run at "remediate" is reported as mandatory.
    return resolved === "remediate" ? "mandatory" : resolved;
}

/** Runs a resource policy over one resource's inputs. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    spec: ResourceSpec,
    config: Record<string, unknown> = {},
    level?: EnforcementLevel,
): Promise<Outcome> {
    const outcome: Outcome = { violations: [] };
    const resolved = resolveConfig(policy, config);
    const urn = spec.urn ?? urnOf(spec.type, spec.name);
    const enforcementLevel = levelOf(policy, level);
    const validations: ResourceValidation[] = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : policy.validateResource !== undefined
          ? [policy.validateResource]
          : [];
    // The server's fast path: a single typed validation is not called for other types.
    if (!Array.isArray(policy.validateResource) && policy.validateResource !== undefined) {
        const token = (policy.validateResource as { __pulumiType?: unknown }).__pulumiType;
        if (typeof token === "string" && token !== spec.type) {
            outcome.notApplicable = `Policy only applies to resources of type '${token}'`;
            return outcome;
        }
    }
    for (const validation of validations) {
        const props = sdkProxy.unknownCheckingProxy(wire(spec.inputs));
        const args: ResourceValidationArgs = {
            type: spec.type,
            props,
            urn,
            name: spec.name,
            opts: resourceOptions(spec),
            stackTags: new Map(),
            isType: (resourceClass) => isTypeOf(spec.type, resourceClass),
            asType: <T>(resourceClass: unknown) => (isTypeOf(spec.type, resourceClass) ? (props as T) : undefined),
            getConfig: <T extends object>() => structuredClone(resolved) as T,
            notApplicable: throwNotApplicable,
        };
        await settle(outcome, () =>
            validation(args, (message, _urn) =>
                outcome.violations.push({ policy: policy.name, message, urn, enforcementLevel }),
            ),
        );
    }
    return outcome;
}

/** Builds the stack the server hands to stack policies: outputs behind the unknown proxy, links resolved. */
export function stackResources(specs: ResourceSpec[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const built = specs.map((spec) => {
        const props = sdkProxy.unknownCheckingProxy(wire(spec.outputs ?? spec.inputs));
        const resource: PolicyResource = {
            type: spec.type,
            props,
            urn: spec.urn ?? urnOf(spec.type, spec.name),
            name: spec.name,
            opts: resourceOptions(spec),
            dependencies: [],
            propertyDependencies: {},
            isType: (resourceClass) => isTypeOf(spec.type, resourceClass),
            asType: <T>(resourceClass: unknown) => (isTypeOf(spec.type, resourceClass) ? (props as T) : undefined),
        } as PolicyResource;
        byUrn.set(resource.urn, resource);
        return { spec, resource };
    });
    for (const { spec, resource } of built) {
        if (spec.parent !== undefined && byUrn.has(spec.parent)) {
            resource.parent = byUrn.get(spec.parent);
        }
        const link = (urns: string[]) =>
            urns.map((u) => byUrn.get(u)).filter((r): r is PolicyResource => r !== undefined);
        resource.dependencies = link(spec.dependencies ?? []);
        for (const [key, urns] of Object.entries(spec.propertyDependencies ?? {})) {
            // The engine leaves out properties that depend on nothing.
            if (urns.length > 0) {
                resource.propertyDependencies[key] = link(urns);
            }
        }
    }
    return built.map((b) => b.resource);
}

/** Runs a stack policy over a whole stack. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    specs: ResourceSpec[],
    config: Record<string, unknown> = {},
    level?: EnforcementLevel,
): Promise<Outcome> {
    const outcome: Outcome = { violations: [] };
    const resolved = resolveConfig(policy, config);
    const enforcementLevel = levelOf(policy, level);
    const args: StackValidationArgs = {
        resources: stackResources(specs),
        stackTags: new Map(),
        getConfig: <T extends object>() => structuredClone(resolved) as T,
        notApplicable: throwNotApplicable,
    };
    await settle(outcome, () =>
        policy.validateStack(args, (message, urn) =>
            outcome.violations.push({ policy: policy.name, message, urn, enforcementLevel }),
        ),
    );
    return outcome;
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

/** Runs every policy (skipping disabled ones) over a stack, with a pack config in the CLI file format. */
export async function runPack(
    policies: AnyPolicy[],
    specs: ResourceSpec[],
    config: PackConfig = {},
): Promise<PackVerdict> {
    const verdict: PackVerdict = { violations: [], undecided: [] };
    for (const policy of policies) {
        const { level } = entryOf(config, policy.name);
        const enforcementLevel = levelOf(policy, level);
        if ((level ?? policy.enforcementLevel) === "disabled") {
            continue;
        }
        const outcomes = await runPolicy(policy, specs, config);
        outcomes.forEach((o, i) => {
            verdict.violations.push(...o.violations);
            if (o.undecided !== undefined) {
                const urn =
                    "validateStack" in policy ? undefined : (specs[i].urn ?? urnOf(specs[i].type, specs[i].name));
                verdict.undecided.push({ policy: policy.name, enforcementLevel, message: o.undecided, urn });
            }
        });
    }
    return verdict;
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
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    };
}
