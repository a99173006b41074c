/**
 * Small pieces shared by the policy modules: the resource classes each family applies to, validation of several
 * resource types by one function, and config reading with the schema defaults. Side-effect free.
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

/** Resource classes that are KMS keys (deletion window, tags, protection, alias, explicit policy). */
export const KEY_CLASSES = [aws.kms.Key, aws.kms.ExternalKey, aws.kms.ReplicaKey, aws.kms.ReplicaExternalKey] as const;

/** Resource classes that carry a key policy (`policy` and `bypassPolicyLockoutSafetyCheck`). */
export const KEY_POLICY_CLASSES = [...KEY_CLASSES, aws.kms.KeyPolicy] as const;

/** The inputs of any KMS key resource. */
export type KeyProps =
    | Unwrap<aws.kms.KeyArgs>
    | Unwrap<aws.kms.ExternalKeyArgs>
    | Unwrap<aws.kms.ReplicaKeyArgs>
    | Unwrap<aws.kms.ReplicaExternalKeyArgs>;

/** The inputs of any resource that carries a key policy. */
export type KeyPolicyProps = KeyProps | Unwrap<aws.kms.KeyPolicyArgs>;

/** The inputs of a KMS key resource being validated, or `undefined` for any other type. */
export function asKey(args: ResourceValidationArgs): KeyProps | undefined {
    return (
        args.asType(aws.kms.Key) ??
        args.asType(aws.kms.ExternalKey) ??
        args.asType(aws.kms.ReplicaKey) ??
        args.asType(aws.kms.ReplicaExternalKey)
    );
}

/** The inputs of a resource that carries a key policy, or `undefined` for any other type. */
export function asKeyPolicyHolder(args: ResourceValidationArgs): KeyPolicyProps | undefined {
    return asKey(args) ?? args.asType(aws.kms.KeyPolicy);
}

type ResourceClass = { new (...rest: never[]): Resource; __pulumiType?: string };

/** A test for stack resources of any of `classes`. */
export function isAnyOf(classes: readonly ResourceClass[]): (r: PolicyResource) => boolean {
    // isType only compares the class's type token; its constructor parameters never matter.
    return (r) => classes.some((c) => r.isType(c as unknown as new (...rest: unknown[]) => Resource));
}

function typeNames(classes: readonly ResourceClass[]): string {
    return classes.map((c) => `'${c.__pulumiType ?? c.name}'`).join(", ");
}

/**
 * Like `validateResourceOfType`, for a policy that covers several resource types with the same inputs of interest.
 * One function rather than an array of `validateResourceOfType`: the engine deserialises a resource's inputs once
 * per validation function, and reports each non-matching one as not applicable.
 */
export function validateResourceOfTypes<TProps>(
    classes: readonly ResourceClass[],
    select: (args: ResourceValidationArgs) => TProps | undefined,
    validate: (props: TProps, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    return (args, reportViolation) => {
        const props = select(args);
        if (props === undefined) {
            return args.notApplicable(`Policy only applies to resources of type ${typeNames(classes)}`);
        }
        return validate(props, args, reportViolation);
    };
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
