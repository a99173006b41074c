/**
 * Helpers for stack policies: reading a resource's outputs when some are not known yet (a preview), and following
 * the links between resources (an alias to its key, an endpoint to its security groups).
 *
 * In `pulumi preview` a stack policy sees the planned state: the program's inputs, with every value the provider
 * computes (ids, ARNs, and optional properties the program left unset) replaced by an unknown. Reading an unknown
 * through `@pulumi/policy`'s proxy throws, and the engine reports the policy as unable to run during preview. That
 * is right when the policy really needs the value, so these helpers let it happen, with two exceptions that
 * make this project's stacks decidable at preview without ever guessing:
 *
 * - Links: the engine records which resources each input property depends on (`propertyDependencies`). An alias
 *   whose `targetKeyId` depends on a key's URN targets that key, whatever its id turns out to be. Values are only
 *   compared when no dependency was recorded.
 * - Computed outputs: an unknown output whose property depends on no resource cannot have come from the program
 *   (every unknown value a program passes comes from some resource's output), so the provider computes it: the
 *   program did not set it. `observe` reports that as `computed` instead of throwing.
 */
import { PolicyResource, UnknownValueError as SdkUnknownValueError } from "@pulumi/policy";

// The SDK exports this class at run time but its type declarations omit it (it is marked internal there).
const UnknownValueError = SdkUnknownValueError as unknown as new (...args: never[]) => Error;

/** The unknown value the engine sends for a value not known until the update. */
const engineUnknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What a stack policy can tell about one output property. */
export type Observed =
    | { readonly state: "absent" }
    /** Unknown, and not set by the program: the provider computes it when the resource is created. */
    | { readonly state: "computed" }
    | { readonly state: "known"; readonly value: unknown };

/**
 * Reads `resource.props[key]`. An unknown that depends on other resources is a value the program set from their
 * outputs: that throws the SDK's `UnknownValueError`, so the policy is reported as undecidable at preview.
 */
export function observe(resource: PolicyResource, key: string): Observed {
    if (!Object.prototype.hasOwnProperty.call(resource.props, key)) {
        return { state: "absent" };
    }
    try {
        const value: unknown = resource.props[key];
        return value === null || value === undefined ? { state: "absent" } : { state: "known", value };
    } catch (e) {
        // Only the engine's own unknown (a string sentinel on the wire) means "computed by the provider". Other
        // sentinels stand for values a reader could not reveal, such as an encrypted secret in a stack export: those
        // stay undecided rather than being taken for an absent value.
        const sentinel = (e as { unknownTypeSentinel?: unknown }).unknownTypeSentinel;
        if (
            e instanceof UnknownValueError &&
            sentinel === engineUnknown &&
            (resource.propertyDependencies[key] ?? []).length === 0
        ) {
            return { state: "computed" };
        }
        throw e;
    }
}

/** The value of a known property; `undefined` when it is absent or computed by the provider. */
export function knownValue(observed: Observed): unknown {
    return observed.state === "known" ? observed.value : undefined;
}

/** The resources that `resource`'s input `key` was computed from, of the types `accept` admits. */
export function dependenciesOf(
    resource: PolicyResource,
    key: string,
    accept: (r: PolicyResource) => boolean,
): PolicyResource[] {
    return resource.propertyDependencies[key]?.filter(accept) ?? [];
}

/** The string values of an observed property (a string, or an array of strings); non-strings are skipped. */
export function stringsOf(observed: Observed): string[] {
    const value = knownValue(observed);
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    return values.filter((v): v is string => typeof v === "string" && v !== "");
}

/**
 * Indexes resources by the string values of some of their outputs (for example a key's `id`, `keyId` and `arn`),
 * built on first use so that a stack whose links all come from dependencies never reads an id. Outputs that are
 * computed and unknown (a resource still to be created) are left out: no value written in a program can equal them.
 */
export class IdIndex {
    private index: Map<string, PolicyResource[]> | undefined;

    constructor(
        private readonly resources: readonly PolicyResource[],
        private readonly keys: readonly string[],
    ) {}

    /** The resources that have `value` as one of the indexed outputs. */
    lookup(value: string): PolicyResource[] {
        if (this.index === undefined) {
            this.index = new Map();
            for (const r of this.resources) {
                for (const key of this.keys) {
                    for (const id of stringsOf(observe(r, key))) {
                        const list = this.index.get(id) ?? [];
                        if (!list.includes(r)) {
                            list.push(r);
                        }
                        this.index.set(id, list);
                    }
                }
            }
        }
        return this.index.get(value) ?? [];
    }
}

/**
 * The resources that `from`'s input `key` points at: the ones `accept` admits among the property dependencies the
 * engine recorded for `key`, without reading the value (which a preview does not know yet). When there are none,
 * the values are compared with the resources' ids; a value that is still unknown then makes the policy undecidable,
 * which is the truth: it may name one of them (for example `endpoint.securityGroupIds[0]` depends on the endpoint,
 * not on the group).
 */
export function linkedResources(
    from: PolicyResource,
    key: string,
    accept: (r: PolicyResource) => boolean,
    ids: IdIndex,
): PolicyResource[] {
    const dependencies = dependenciesOf(from, key, accept);
    if (dependencies.length > 0) {
        return dependencies;
    }
    return stringsOf(observe(from, key)).flatMap((value) => ids.lookup(value));
}

/** A name for a resource in messages: its type token's last part and its name, e.g. `Key "aurora-key"`. */
export function describeResource(resource: { type: string; name: string }): string {
    const typeName = resource.type.split(":").pop() ?? resource.type;
    return `${typeName} ${JSON.stringify(resource.name)}`;
}
