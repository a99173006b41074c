/**
 * Small pieces shared by the policy modules: the resource classes each family applies to, validation of several
 * resource types by one function, the validation every key policy rule shares, and config reading with the schema
 * defaults. Side-effect free.
 */
import * as aws from "@pulumi/aws";
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import { Resource, Unwrap } from "@pulumi/pulumi";

import { KeyPolicyAnalysis, analyseKeyPolicy } from "./keyPolicyAnalysis";

type ResourceClass = { new (...rest: never[]): Resource; __pulumiType?: string };

/** Resource classes that are KMS keys (deletion window, tags, protection, alias, explicit policy). */
export const KEY_CLASSES = [aws.kms.Key, aws.kms.ExternalKey, aws.kms.ReplicaKey, aws.kms.ReplicaExternalKey] as const;

/** Resource classes that carry a key policy (`policy` and `bypassPolicyLockoutSafetyCheck`). */
export const KEY_POLICY_CLASSES = [...KEY_CLASSES, aws.kms.KeyPolicy] as const;

/** The type tokens of `classes` (`aws:kms/key:Key`...): what a resource's `type` is compared with. */
export function typeTokens(classes: readonly ResourceClass[]): ReadonlySet<string> {
    // Every class of the provider SDK carries its token; `isType` compares the same field.
    return new Set(classes.map((c) => c.__pulumiType as string));
}

/** The inputs of any KMS key resource. */
export type KeyProps =
    | Unwrap<aws.kms.KeyArgs>
    | Unwrap<aws.kms.ExternalKeyArgs>
    | Unwrap<aws.kms.ReplicaKeyArgs>
    | Unwrap<aws.kms.ReplicaExternalKeyArgs>;

/** The inputs of any resource that carries a key policy. */
export type KeyPolicyProps = KeyProps | Unwrap<aws.kms.KeyPolicyArgs>;

/**
 * A test for stack resources of any of `classes`, by type token, as `isType` tests. The tokens are read once: each
 * read of `aws.kms.X` goes through the provider SDK's lazy-loading getter, which costs more than the test itself.
 */
export function isAnyOf(classes: readonly ResourceClass[]): (r: PolicyResource) => boolean {
    const tokens = typeTokens(classes);
    return (r) => tokens.has(r.type);
}

/**
 * Like `validateResourceOfType`, for a policy that covers several resource types with the same inputs of interest.
 *
 * `props` are the resource's inputs, read as `TProps`. A resource of another type is passed without a word, where
 * `validateResourceOfType` would report the policy as not applicable. `@pulumi/policy` skips a single-type policy by
 * its type tag without calling it, but it has no such tag for several types: it calls the policy for every resource,
 * and `args.notApplicable` can only say so by throwing, which cost more than everything else the pack does for a
 * resource (14 policies, for each alias, component, endpoint and security group). One function rather than an array
 * of `validateResourceOfType`, because the SDK deserialises a resource's inputs once per validation function.
 */
export function validateResourceOfTypes<TProps>(
    classes: readonly ResourceClass[],
    validate: (props: TProps, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    const tokens = typeTokens(classes);
    return (args, reportViolation) => {
        if (tokens.has(args.type)) {
            validate(args.props as TProps, args, reportViolation);
        }
    };
}

/**
 * A validation that parses the resource's key policy once and reports what `rule` finds. A resource without a
 * policy input gets AWS's default key policy, which `kms-key-explicit-policy` reports; the rules do not apply.
 */
export function keyPolicyRule(rule: (analysis: KeyPolicyAnalysis, args: ResourceValidationArgs) => string[]) {
    return validateResourceOfTypes<KeyPolicyProps>(KEY_POLICY_CLASSES, (props, args, reportViolation) => {
        const policy: unknown = props.policy;
        if (policy === undefined || policy === null) {
            return args.notApplicable(
                "the resource has no policy input; AWS applies its default key policy (see kms-key-explicit-policy)",
            );
        }
        const analysed = analyseKeyPolicy(policy);
        if (!analysed.ok) {
            reportViolation(
                `The key policy is ${analysed.error}. Fix the policy document: no rule can judge it until it parses.`,
            );
            return;
        }
        for (const message of rule(analysed.analysis, args)) {
            reportViolation(message);
        }
    });
}

const defaultsBySchema = new WeakMap<PolicyConfigSchema, Record<string, unknown>>();

/** The defaults a config schema declares: one source of truth for the CLI and for `readConfig`. */
export function schemaDefaults(schema: PolicyConfigSchema): Record<string, unknown> {
    let defaults = defaultsBySchema.get(schema);
    if (defaults === undefined) {
        defaults = {};
        for (const [key, property] of Object.entries(schema.properties)) {
            if (property.default !== undefined) {
                defaults[key] = property.default;
            }
        }
        defaultsBySchema.set(schema, defaults);
    }
    return defaults;
}

/**
 * The policy's config: `args.getConfig<T>()` over the schema's defaults. The CLI already fills in every default,
 * but a guardrail must not run with an undefined threshold if some host does not.
 */
export function readConfig<T extends object>(
    args: ResourceValidationArgs | StackValidationArgs,
    schema: PolicyConfigSchema,
): T {
    return { ...schemaDefaults(schema), ...args.getConfig<Partial<T>>() } as T;
}

/** The JSON schema of a list of 12-digit AWS account ids. */
export const ACCOUNT_ID_LIST = {
    type: "array",
    items: { type: "string", pattern: "^[0-9]{12}$" },
    uniqueItems: true,
} as const;

/** The schema of `allowAccountRootFullAccess`, shared by every rule that exempts the account root. */
export const ALLOW_ROOT_PROPERTY = {
    type: "boolean",
    default: false,
    description:
        "Treat a statement for the account root (arn:<partition>:iam::<account>:root or a bare account id) as allowed: " +
        "it delegates access to the key to the account's IAM policies. Set the same value in every policy that has it.",
} as const;
