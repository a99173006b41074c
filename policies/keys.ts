/**
 * Policies on the KMS keys themselves: rotation, deletion window, tags, protection, aliases, and an explicit key
 * policy for every key. Side-effect free: exporting a policy does not start a policy pack.
 */
import * as aws from "@pulumi/aws";
import {
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";

import { deletionWindowInDays, rotationPeriodInDays } from "./lib/awsLimits";
import { parsePolicyDocument } from "./lib/policyDocument";
import { IdIndex, describeResource, linkedResources, observe } from "./lib/stackResources";
import { KEY_CLASSES, KeyProps, isAnyOf, readConfig, validateResourceOfTypes } from "./lib/ruleHelpers";

const isKeyResource = isAnyOf(KEY_CLASSES);
const isAlias = isAnyOf([aws.kms.Alias]);
const isKeyPolicy = isAnyOf([aws.kms.KeyPolicy]);

// ---------------------------------------------------------------------------------------------------------------
// Rotation

const rotationSchema: PolicyConfigSchema = {
    properties: {
        maxRotationPeriodInDays: {
            type: "integer",
            minimum: rotationPeriodInDays.min,
            maximum: rotationPeriodInDays.max,
            default: rotationPeriodInDays.awsDefault,
            description: `Longest rotation period allowed, in days (AWS accepts ${rotationPeriodInDays.min} to ${rotationPeriodInDays.max}; unset means ${rotationPeriodInDays.awsDefault}).`,
        },
    },
};

/** Config of `kms-key-rotation-enabled`. */
export interface RotationConfig {
    maxRotationPeriodInDays: number;
}

/**
 * Why automatic rotation does not apply to a key, or `undefined` if it does: AWS KMS rotates only symmetric
 * encryption keys whose material it generated and holds itself.
 */
export function rotationNotApplicable(key: {
    customerMasterKeySpec?: string;
    keySpec?: string;
    keyUsage?: string;
    customKeyStoreId?: string;
    xksKeyId?: string;
}): string | undefined {
    for (const [name, spec] of [
        ["customerMasterKeySpec", key.customerMasterKeySpec],
        ["keySpec", key.keySpec],
    ] as const) {
        if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") {
            return `${name} is ${JSON.stringify(spec)}: AWS KMS rotates only symmetric encryption keys (SYMMETRIC_DEFAULT), not asymmetric or HMAC keys`;
        }
    }
    if (key.keyUsage !== undefined && key.keyUsage !== "ENCRYPT_DECRYPT") {
        return `keyUsage is ${JSON.stringify(key.keyUsage)}: AWS KMS rotates only ENCRYPT_DECRYPT keys`;
    }
    if (key.customKeyStoreId !== undefined || key.xksKeyId !== undefined) {
        return "the key is in a custom key store: AWS KMS cannot rotate its material automatically";
    }
    return undefined;
}

/** `kms-key-rotation-enabled`: symmetric encryption keys rotate, at most every `maxRotationPeriodInDays`. */
export const kmsKeyRotationEnabled: ResourceValidationPolicy = {
    name: "kms-key-rotation-enabled",
    description:
        "Symmetric encryption KMS keys must have automatic rotation enabled with a rotation period within the maximum. " +
        "Not applicable to asymmetric, HMAC, custom-key-store and imported-material keys, which AWS cannot rotate.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: rotationSchema,
    validateResource: validateResourceOfType(aws.kms.Key, (key, args, reportViolation) => {
        // keySpec is how newer provider versions name customerMasterKeySpec; read it too, whichever is present.
        // Each input is read on its own: the props are a proxy that throws on any unknown value it is asked for.
        const reason = rotationNotApplicable({
            customerMasterKeySpec: key.customerMasterKeySpec,
            keySpec: (key as { keySpec?: string }).keySpec,
            keyUsage: key.keyUsage,
            customKeyStoreId: key.customKeyStoreId,
            xksKeyId: key.xksKeyId,
        });
        if (reason !== undefined) {
            return args.notApplicable(reason);
        }
        const { maxRotationPeriodInDays } = readConfig<RotationConfig>(args, rotationSchema);
        if (key.enableKeyRotation !== true) {
            const value = key.enableKeyRotation === undefined ? "unset" : String(key.enableKeyRotation);
            reportViolation(
                `Automatic key rotation is off (enableKeyRotation is ${value}). Set enableKeyRotation: true, and ` +
                    `rotationPeriodInDays between ${rotationPeriodInDays.min} and ${maxRotationPeriodInDays}.`,
            );
            return;
        }
        const period = key.rotationPeriodInDays;
        if ((period ?? rotationPeriodInDays.awsDefault) > maxRotationPeriodInDays) {
            const value =
                period === undefined ? `unset (AWS default ${rotationPeriodInDays.awsDefault})` : String(period);
            reportViolation(
                `rotationPeriodInDays is ${value}, longer than the maximum of ${maxRotationPeriodInDays} days. Set ` +
                    `rotationPeriodInDays between ${rotationPeriodInDays.min} and ${maxRotationPeriodInDays}.`,
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Deletion window

const deletionWindowSchema: PolicyConfigSchema = {
    properties: {
        minDeletionWindowInDays: {
            type: "integer",
            minimum: deletionWindowInDays.min,
            maximum: deletionWindowInDays.max,
            default: deletionWindowInDays.min,
            description: `Shortest deletion waiting period allowed, in days (AWS: ${deletionWindowInDays.min} to ${deletionWindowInDays.max}).`,
        },
        maxDeletionWindowInDays: {
            type: "integer",
            minimum: deletionWindowInDays.min,
            maximum: deletionWindowInDays.max,
            default: deletionWindowInDays.max,
            description: `Longest deletion waiting period allowed, in days (AWS: ${deletionWindowInDays.min} to ${deletionWindowInDays.max}; unset means ${deletionWindowInDays.awsDefault}).`,
        },
    },
};

/** Config of `kms-key-deletion-window`. */
export interface DeletionWindowConfig {
    minDeletionWindowInDays: number;
    maxDeletionWindowInDays: number;
}

/** `kms-key-deletion-window`: the waiting period before a scheduled deletion, within the configured range. */
export const kmsKeyDeletionWindow: ResourceValidationPolicy = {
    name: "kms-key-deletion-window",
    description:
        "KMS keys must have a deletion waiting period (deletionWindowInDays, unset means 30) within the allowed range, " +
        "so that a deletion scheduled by mistake can be cancelled in time.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: deletionWindowSchema,
    validateResource: validateResourceOfTypes<KeyProps>(KEY_CLASSES, (key, args, reportViolation) => {
        const { minDeletionWindowInDays: min, maxDeletionWindowInDays: max } = readConfig<DeletionWindowConfig>(
            args,
            deletionWindowSchema,
        );
        if (min > max) {
            reportViolation(
                `The policy config is inconsistent: minDeletionWindowInDays (${min}) is greater than ` +
                    `maxDeletionWindowInDays (${max}). Fix the kms-key-deletion-window entry of the policy pack config.`,
            );
            return;
        }
        const window = key.deletionWindowInDays;
        const days = window ?? deletionWindowInDays.awsDefault;
        if (days < min || days > max) {
            const value =
                window === undefined ? `unset (AWS default ${deletionWindowInDays.awsDefault})` : String(window);
            reportViolation(
                `deletionWindowInDays is ${value}, outside the allowed ${min}-${max} days. Set deletionWindowInDays ` +
                    `between ${min} and ${max}.`,
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Tags

const requiredTagsSchema: PolicyConfigSchema = {
    properties: {
        requiredTags: {
            type: "array",
            items: { type: "string", minLength: 1 },
            uniqueItems: true,
            default: ["Name", "Environment", "Service", "ManagedBy"],
            description: "Tag keys every KMS key must carry, with a non-empty value.",
        },
    },
};

/** Config of `kms-key-required-tags`. */
export interface RequiredTagsConfig {
    requiredTags: string[];
}

/** `kms-key-required-tags`: the required tag keys are present with non-empty values. */
export const kmsKeyRequiredTags: ResourceValidationPolicy = {
    name: "kms-key-required-tags",
    description:
        "KMS keys must carry the required tags (by default Name, Environment, Service and ManagedBy) with non-empty values.",
    enforcementLevel: "mandatory",
    severity: "low",
    configSchema: requiredTagsSchema,
    validateResource: validateResourceOfTypes<KeyProps>(KEY_CLASSES, (key, args, reportViolation) => {
        const { requiredTags } = readConfig<RequiredTagsConfig>(args, requiredTagsSchema);
        const tags = key.tags ?? {};
        const missing = requiredTags.filter((t) => !Object.prototype.hasOwnProperty.call(tags, t));
        const empty = requiredTags.filter(
            (t) => Object.prototype.hasOwnProperty.call(tags, t) && `${tags[t] ?? ""}`.trim() === "",
        );
        const problems = [
            ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
            ...(empty.length > 0 ? [`empty ${empty.join(", ")}`] : []),
        ];
        if (problems.length > 0) {
            reportViolation(
                `Required tags are ${problems.join("; ")}. Add them to the key's tags with non-empty values ` +
                    `(required: ${requiredTags.join(", ")}).`,
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Protection

const protectSchema: PolicyConfigSchema = {
    properties: {
        requireProtect: {
            type: "boolean",
            default: true,
            description: "Require the protect resource option on KMS keys.",
        },
    },
};

/** Config of `kms-key-protected`. */
export interface ProtectConfig {
    requireProtect: boolean;
}

/** `kms-key-protected`: keys carry `protect: true`, so no destroy or replacement can schedule their deletion. */
export const kmsKeyProtected: ResourceValidationPolicy = {
    name: "kms-key-protected",
    description:
        "KMS keys must have the protect resource option set, so that no pulumi destroy or replacement can schedule " +
        "their deletion (the data they encrypt would become unrecoverable).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: protectSchema,
    validateResource: validateResourceOfTypes<KeyProps>(KEY_CLASSES, (_key, args, reportViolation) => {
        const { requireProtect } = readConfig<ProtectConfig>(args, protectSchema);
        if (!requireProtect) {
            return args.notApplicable("requireProtect is false in this stack's policy config");
        }
        if (args.opts.protect !== true) {
            reportViolation(
                "The key is not protected: a pulumi destroy, or a change that replaces it, would schedule its deletion. " +
                    "Set protect: true in the key's resource options.",
            );
        }
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Alias naming

/** Why an alias name is not acceptable, or `undefined` if it is. `field` is `name` or `namePrefix`. */
export function aliasNameProblem(field: string, value: string): string | undefined {
    if (!value.startsWith("alias/")) {
        return `Alias ${field} ${JSON.stringify(value)} does not begin with "alias/", which AWS requires. Use "alias/${value.replace(/^\/+/, "")}".`;
    }
    if (value.toLowerCase().startsWith("alias/aws/")) {
        return `Alias ${field} ${JSON.stringify(value)} begins with "alias/aws/", which AWS reserves for AWS managed keys. Choose a name outside alias/aws/.`;
    }
    return undefined;
}

/** `kms-alias-naming`: alias names begin with `alias/` and stay out of the reserved `alias/aws/`. */
export const kmsAliasNaming: ResourceValidationPolicy = {
    name: "kms-alias-naming",
    description: 'KMS alias names must begin with "alias/" and must not begin with "alias/aws/", which AWS reserves.',
    enforcementLevel: "mandatory",
    severity: "low",
    validateResource: validateResourceOfType(aws.kms.Alias, (alias, _args, reportViolation) => {
        for (const [field, value] of [
            ["name", alias.name],
            ["namePrefix", alias.namePrefix],
        ] as const) {
            const problem = value === undefined ? undefined : aliasNameProblem(field, value);
            if (problem !== undefined) {
                reportViolation(problem);
            }
        }
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Stack policies: every key has an alias and an explicit key policy

/** `kms-key-has-alias`: every key in the stack is the target of an alias in the stack. */
export const kmsKeyHasAlias: StackValidationPolicy = {
    name: "kms-key-has-alias",
    description: "Every KMS key in the stack must have an aws.kms.Alias in the stack that targets it.",
    enforcementLevel: "mandatory",
    severity: "low",
    validateStack: (args, reportViolation) => {
        const keys = args.resources.filter(isKeyResource);
        if (keys.length === 0) {
            return args.notApplicable("the stack has no KMS keys");
        }
        const ids = new IdIndex(keys, ["id", "keyId", "arn"]);
        const aliased = new Set<string>();
        for (const alias of args.resources) {
            if (isAlias(alias)) {
                for (const key of linkedResources(alias, "targetKeyId", isKeyResource, ids)) {
                    aliased.add(key.urn);
                }
            }
        }
        for (const key of keys) {
            if (!aliased.has(key.urn)) {
                reportViolation(
                    `${describeResource(key)} has no alias: no aws.kms.Alias in this stack targets it. Add an ` +
                        `aws.kms.Alias whose targetKeyId is this key's keyId, so that people and services can refer to it ` +
                        `by name.`,
                    key.urn,
                );
            }
        }
    },
};

/** The `Id` AWS gives the default key policy it applies to a key created without one. */
const DEFAULT_KEY_POLICY_ID = "key-default-1";

/** `kms-key-explicit-policy`: every key has a key policy of its own, not AWS's default one. */
export const kmsKeyExplicitPolicy: StackValidationPolicy = {
    name: "kms-key-explicit-policy",
    description:
        "Every KMS key must have an explicit key policy (its policy input, or an aws.kms.KeyPolicy in the stack), not " +
        "the default policy AWS applies, which gives the account root every KMS action.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const keys = args.resources.filter(isKeyResource);
        if (keys.length === 0) {
            return args.notApplicable("the stack has no KMS keys");
        }
        const ids = new IdIndex(keys, ["id", "keyId", "arn"]);
        const covered = new Set<string>();
        for (const keyPolicy of args.resources) {
            if (isKeyPolicy(keyPolicy)) {
                for (const key of linkedResources(keyPolicy, "keyId", isKeyResource, ids)) {
                    covered.add(key.urn);
                }
            }
        }
        for (const key of keys) {
            if (covered.has(key.urn) || hasOwnKeyPolicy(key)) {
                continue;
            }
            reportViolation(
                `${describeResource(key)} has no explicit key policy (no policy input, and no aws.kms.KeyPolicy in this ` +
                    `stack targets it), so AWS applies its default policy, which gives the account root every KMS action. ` +
                    `Set the key's policy, or attach an aws.kms.KeyPolicy.`,
                key.urn,
            );
        }
    },
};

/**
 * True if the key's `policy` output is one the program set. A stack policy sees outputs: after an update, a key
 * created without a policy shows AWS's default policy (Id "key-default-1"); in a preview its policy is computed.
 */
function hasOwnKeyPolicy(key: PolicyResource): boolean {
    if ((key.propertyDependencies["policy"] ?? []).length > 0) {
        // Set by the program from other resources' outputs.
        return true;
    }
    const policy = observe(key, "policy");
    if (policy.state !== "known" || (typeof policy.value === "string" && policy.value.trim() === "")) {
        return false;
    }
    if (
        typeof policy.value === "string" &&
        !policy.value.includes(DEFAULT_KEY_POLICY_ID) &&
        !policy.value.includes("\\")
    ) {
        // Without the Id's text and without an escape that could spell it, this is not AWS's default policy: no
        // need to parse it (a stack may hold thousands of keys).
        return true;
    }
    const parsed = parsePolicyDocument(policy.value);
    return !(parsed.ok && parsed.document.id === DEFAULT_KEY_POLICY_ID);
}
