/**
 * The least-privilege key policy family: one policy per rule, so that a violation names the exact rule broken.
 * They judge the `policy` input of aws.kms.Key, aws.kms.ExternalKey, aws.kms.ReplicaKey, aws.kms.ReplicaExternalKey
 * and aws.kms.KeyPolicy. The analysis lives in keyPolicyAnalysis.ts; this module wires it to the policy SDK.
 * Side-effect free.
 */
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

import {
    KeyPolicyAnalysis,
    analyseKeyPolicy,
    findFullAccess,
    findLockout,
    findMissingRecoveryPath,
    findNonAdministratorRights,
    findNotElements,
    findPublicPrincipals,
    findSeparationOfDutiesConflicts,
    findUnrestrictedCreateGrant,
    findUnscopedCryptographicUse,
    findUntrustedAccounts,
} from "./lib/keyPolicyAnalysis";
import {
    ACCOUNT_ID_LIST,
    ALLOW_ROOT_PROPERTY,
    KEY_POLICY_CLASSES,
    KeyPolicyProps,
    readConfig,
    validateResourceOfTypes,
} from "./lib/ruleHelpers";

/**
 * A validation that parses the resource's key policy once and reports what `rule` finds. A resource without a
 * policy input gets AWS's default key policy, which `kms-key-explicit-policy` reports; the rules do not apply.
 */
function keyPolicyRule(rule: (analysis: KeyPolicyAnalysis, args: ResourceValidationArgs) => string[]) {
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

const rootOnlySchema: PolicyConfigSchema = { properties: { allowAccountRootFullAccess: ALLOW_ROOT_PROPERTY } };

/** Config of the rules that exempt the account root where its full access is allowed. */
export interface RootExemptionConfig {
    allowAccountRootFullAccess: boolean;
}

/** `kms-key-policy-no-public-principal`: no Allow to anyone unless a condition pins the caller's account. */
export const kmsKeyPolicyNoPublicPrincipal: ResourceValidationPolicy = {
    name: "kms-key-policy-no-public-principal",
    description:
        'Key policies must not allow Principal "*" (or {"AWS": "*"}) unless a condition pins the caller to an account ' +
        "or organisation (kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID or aws:SourceAccount).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: keyPolicyRule((analysis) => findPublicPrincipals(analysis)),
};

/** `kms-key-policy-no-not-elements`: no Allow with NotPrincipal, NotAction or NotResource. */
export const kmsKeyPolicyNoNotElements: ResourceValidationPolicy = {
    name: "kms-key-policy-no-not-elements",
    description:
        "Key policy Allow statements must not use NotPrincipal, NotAction or NotResource, which grant everything not listed.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: keyPolicyRule((analysis) => findNotElements(analysis)),
};

/** `kms-key-policy-no-full-access`: `kms:*` only to the account root, and to it only where allowed. */
export const kmsKeyPolicyNoFullAccess: ResourceValidationPolicy = {
    name: "kms-key-policy-no-full-access",
    description:
        'Key policies must not grant every KMS action ("kms:*", "*" or an equivalent) to anyone but the account root, ' +
        "and to the account root only where allowAccountRootFullAccess is true.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: rootOnlySchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { allowAccountRootFullAccess } = readConfig<RootExemptionConfig>(args, rootOnlySchema);
        return findFullAccess(analysis, allowAccountRootFullAccess);
    }),
};

/** `kms-key-policy-separation-of-duties`: nobody both manages and uses the key. */
export const kmsKeyPolicySeparationOfDuties: ResourceValidationPolicy = {
    name: "kms-key-policy-separation-of-duties",
    description:
        "No principal may hold both cryptographic actions (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, Sign, " +
        "Verify, GenerateMac, VerifyMac, DeriveSharedSecret, CreateGrant) and key-management actions (PutKeyPolicy, " +
        "ScheduleKeyDeletion, Enable/DisableKey, aliases, tags, rotation settings...).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: rootOnlySchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { allowAccountRootFullAccess } = readConfig<RootExemptionConfig>(args, rootOnlySchema);
        return findSeparationOfDutiesConflicts(analysis, allowAccountRootFullAccess);
    }),
};

const serviceScopedSchema: PolicyConfigSchema = {
    properties: {
        requireViaService: {
            type: "boolean",
            default: true,
            description:
                "Require a kms:ViaService condition on every Allow of cryptographic actions to an AWS principal.",
        },
        allowedViaServices: {
            type: "array",
            items: { type: "string", minLength: 1 },
            uniqueItems: true,
            default: [],
            description:
                'kms:ViaService values allowed, with IAM wildcards (e.g. "rds.*.amazonaws.com"). Empty: any named service.',
        },
        allowAccountRootFullAccess: ALLOW_ROOT_PROPERTY,
    },
};

/** Config of `kms-key-policy-service-scoped-use`. */
export interface ServiceScopedUseConfig {
    requireViaService: boolean;
    allowedViaServices: string[];
    allowAccountRootFullAccess: boolean;
}

/** `kms-key-policy-service-scoped-use`: cryptographic use only through an integrated AWS service. */
export const kmsKeyPolicyServiceScopedUse: ResourceValidationPolicy = {
    name: "kms-key-policy-service-scoped-use",
    description:
        "Cryptographic actions granted to AWS principals (the account root too, unless its full access is allowed) " +
        "must be scoped to an AWS service with a kms:ViaService condition, limited to allowedViaServices when set.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: serviceScopedSchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { requireViaService, allowedViaServices, allowAccountRootFullAccess } =
            readConfig<ServiceScopedUseConfig>(args, serviceScopedSchema);
        if (!requireViaService) {
            return args.notApplicable("requireViaService is false in this stack's policy config");
        }
        return findUnscopedCryptographicUse(analysis, allowedViaServices, allowAccountRootFullAccess);
    }),
};

/** `kms-key-policy-grants-for-aws-resources`: grants only for AWS services acting on the principal's behalf. */
export const kmsKeyPolicyGrantsForAwsResources: ResourceValidationPolicy = {
    name: "kms-key-policy-grants-for-aws-resources",
    description:
        'Key policies must allow kms:CreateGrant only with the condition "Bool": {"kms:GrantIsForAWSResource": "true"}: ' +
        "whoever can create any grant can grant themselves Decrypt.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: rootOnlySchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { allowAccountRootFullAccess } = readConfig<RootExemptionConfig>(args, rootOnlySchema);
        return findUnrestrictedCreateGrant(analysis, allowAccountRootFullAccess);
    }),
};

const adminRightsSchema: PolicyConfigSchema = {
    properties: {
        keyAdministrators: {
            type: "array",
            items: { type: "string", pattern: "^arn:" },
            uniqueItems: true,
            default: [],
            description:
                "ARN patterns (IAM wildcards allowed) of the principals that may hold kms:PutKeyPolicy and " +
                "kms:ScheduleKeyDeletion. Empty: any IAM role or user, never anyone, services, federated users or sessions.",
        },
        allowAccountRootFullAccess: ALLOW_ROOT_PROPERTY,
        allowRootUserRecovery: {
            type: "boolean",
            default: true,
            description:
                "Let the account's root user hold kms:PutKeyPolicy where the statement admits the root user alone " +
                '("aws:PrincipalType": "Account", or aws:PrincipalArn equal to the root ARN): the recovery path, which ' +
                "delegates nothing to IAM.",
        },
    },
};

/** Config of `kms-key-policy-admin-rights`. */
export interface AdminRightsConfig {
    keyAdministrators: string[];
    allowAccountRootFullAccess: boolean;
    allowRootUserRecovery: boolean;
}

/** `kms-key-policy-admin-rights`: only key administrators may change the policy or schedule deletion. */
export const kmsKeyPolicyAdminRights: ResourceValidationPolicy = {
    name: "kms-key-policy-admin-rights",
    description:
        "kms:PutKeyPolicy and kms:ScheduleKeyDeletion may be granted only to key administrators: never to anyone, " +
        "service or federated principals or STS sessions, and only to keyAdministrators when that list is set. The " +
        "account's root user, restricted to itself, may hold kms:PutKeyPolicy as the recovery path.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: adminRightsSchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { keyAdministrators, allowAccountRootFullAccess, allowRootUserRecovery } = readConfig<AdminRightsConfig>(
            args,
            adminRightsSchema,
        );
        return findNonAdministratorRights(
            analysis,
            keyAdministrators,
            allowAccountRootFullAccess,
            allowRootUserRecovery,
        );
    }),
};

const trustedAccountsSchema: PolicyConfigSchema = {
    properties: {
        allowedAccountIds: {
            ...ACCOUNT_ID_LIST,
            default: [],
            description:
                "Accounts whose principals a key policy may name. Empty: all principals must share one account.",
        },
    },
};

/** Config of `kms-key-policy-trusted-accounts`. */
export interface TrustedAccountsConfig {
    allowedAccountIds: string[];
}

/** `kms-key-policy-trusted-accounts`: principals only from trusted accounts. */
export const kmsKeyPolicyTrustedAccounts: ResourceValidationPolicy = {
    name: "kms-key-policy-trusted-accounts",
    description:
        "Every AWS principal of a key policy must belong to an account in allowedAccountIds; when that list is empty, " +
        "all of them must belong to one account.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: trustedAccountsSchema,
    validateResource: keyPolicyRule((analysis, args) => {
        const { allowedAccountIds } = readConfig<TrustedAccountsConfig>(args, trustedAccountsSchema);
        return findUntrustedAccounts(analysis, allowedAccountIds);
    }),
};

/** `kms-key-no-lockout-bypass`: the lockout safety check is never skipped. */
export const kmsKeyNoLockoutBypass: ResourceValidationPolicy = {
    name: "kms-key-no-lockout-bypass",
    description:
        "bypassPolicyLockoutSafetyCheck must not be true: AWS KMS would skip its check that the caller can still manage " +
        "the key under the new policy.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfTypes<KeyPolicyProps>(KEY_POLICY_CLASSES, (props, _args, reportViolation) => {
        if (props.bypassPolicyLockoutSafetyCheck === true) {
            reportViolation(
                "bypassPolicyLockoutSafetyCheck is true, so AWS KMS will not check that the caller can still manage the key " +
                    "under this policy, and a mistake can lock everyone out. Remove it (the default is false).",
            );
        }
    }),
};

/** `kms-key-policy-no-lockout`: somebody can always change the key policy. */
export const kmsKeyPolicyNoLockout: ResourceValidationPolicy = {
    name: "kms-key-policy-no-lockout",
    description:
        "Some AWS principal must be allowed kms:PutKeyPolicy (after Deny statements), or nobody could ever change the " +
        "key policy again.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: keyPolicyRule((analysis) => findLockout(analysis)),
};

/** `kms-key-policy-recovery-path`: the account's root user can always put a new key policy. */
export const kmsKeyPolicyRecoveryPath: ResourceValidationPolicy = {
    name: "kms-key-policy-recovery-path",
    description:
        "The account's root user must be able to call kms:PutKeyPolicy (restricted to the root user, or through the " +
        "account root's statement), or a key whose administrator roles are deleted and re-created can only be " +
        "restored by AWS Support.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: keyPolicyRule((analysis) => findMissingRecoveryPath(analysis)),
};
