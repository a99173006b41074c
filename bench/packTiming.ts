/**
 * The time a policy pack spends in its own code: every validation function of every policy is wrapped so that the
 * time of each call is added up, per policy. `@pulumi/policy`'s server then drives the wrapped policies exactly as it
 * drives the pack (deserialising the properties, skipping policies by their type tag, building the arguments), and
 * what it spends around the calls stays out of the sum.
 */
import type {
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";

/** A policy of any kind, as a pack lists them. */
export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

type Validation = ResourceValidation | StackValidation;

/** The tag `validateResourceOfType` puts on a validation; the server skips other types by it without a call. */
const TYPE_TAG = "__pulumiType";

function isThenable(value: unknown): value is PromiseLike<unknown> {
    return (
        (typeof value === "object" || typeof value === "function") &&
        value !== null &&
        typeof (value as { then?: unknown }).then === "function"
    );
}

/** Sums the time spent in wrapped functions, per policy name, in nanoseconds. */
export class PolicyClock {
    private readonly spent = new Map<string, bigint>();

    /** `now` gives the time in nanoseconds; tests pass their own. */
    constructor(private readonly now: () => bigint = () => process.hrtime.bigint()) {}

    /** Forgets every sum. */
    reset(): void {
        this.spent.clear();
    }

    /** Milliseconds spent in all policies since the last reset. */
    totalMs(): number {
        let total = 0n;
        for (const ns of this.spent.values()) {
            total += ns;
        }
        return Number(total) / 1e6;
    }

    /** Milliseconds spent in each policy since the last reset; policies never called are absent. */
    byPolicyMs(): Record<string, number> {
        return Object.fromEntries([...this.spent].map(([name, ns]) => [name, Number(ns) / 1e6]));
    }

    private add(policy: string, ns: bigint): void {
        this.spent.set(policy, (this.spent.get(policy) ?? 0n) + ns);
    }

    /**
     * `fn`, timed under `policy`: its result, exception and type tag are unchanged. A validation that returns a
     * promise is timed until the promise settles.
     */
    wrap<F extends Validation>(policy: string, fn: F): F {
        const timed = (...args: Parameters<F>): unknown => {
            const start = this.now();
            let result: unknown;
            try {
                result = (fn as (...a: Parameters<F>) => unknown)(...args);
            } catch (error) {
                this.add(policy, this.now() - start);
                throw error;
            }
            if (isThenable(result)) {
                return Promise.resolve(result).finally(() => this.add(policy, this.now() - start));
            }
            this.add(policy, this.now() - start);
            return result;
        };
        const tag = (fn as unknown as Record<string, unknown>)[TYPE_TAG];
        if (tag !== undefined) {
            (timed as unknown as Record<string, unknown>)[TYPE_TAG] = tag;
        }
        return timed as unknown as F;
    }
}

/** Copies of `policies` whose validation functions add their time to `clock`; the originals are left alone. */
export function timedPolicies(policies: readonly AnyPolicy[], clock: PolicyClock): AnyPolicy[] {
    return policies.map((policy): AnyPolicy => {
        if ("validateStack" in policy && policy.validateStack !== undefined) {
            return { ...policy, validateStack: clock.wrap(policy.name, policy.validateStack) };
        }
        const resource = policy as ResourceValidationPolicy;
        if (resource.validateResource === undefined) {
            return policy;
        }
        const validate = resource.validateResource;
        return {
            ...resource,
            validateResource: Array.isArray(validate)
                ? validate.map((v) => clock.wrap(policy.name, v))
                : clock.wrap(policy.name, validate),
        };
    });
}
