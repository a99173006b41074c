/**
 * Key policy rules on who can change a key policy: only key administrators may change it or schedule the key's
 * deletion, AWS's lockout safety check is never skipped, somebody can always change the policy, and the account's
 * root user can always recover the key. They judge aws.kms.Key, aws.kms.ExternalKey, aws.kms.ReplicaKey,
 * aws.kms.ReplicaExternalKey and aws.kms.KeyPolicy.
 *
 * Each rule's check (`find...`) sits beside its definition and returns the violation messages (empty when the
 * policy complies). Messages say what is wrong, name the statement, principal and action, and say how to fix it.
 * The analysis the checks share, and the validation that parses the resource's key policy once, are in lib/.
 * Side-effect free.
 */
import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";

import {
    KeyPolicyAnalysis,
    PrincipalView,
    allows,
    alwaysMetByPutKeyPolicyOf,
    capitalise,
    deniedBy,
    neverMetByPutKeyPolicy,
    shortList,
} from "./lib/keyPolicyAnalysis";
import { ADMINISTRATOR_ONLY_ACTIONS } from "./lib/kmsActions";
import { globMatches } from "./lib/policyDocument";
import {
    ALLOW_ROOT_PROPERTY,
    KEY_POLICY_CLASSES,
    KeyPolicyProps,
    keyPolicyRule,
    readConfig,
    validateResourceOfTypes,
} from "./lib/ruleHelpers";

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

function notAdministratorReason(
    p: PrincipalView,
    keyAdministrators: readonly string[],
    allowAccountRootFullAccess: boolean,
): string | undefined {
    if (p.isPublic) {
        return "anyone could take the key over";
    }
    if (p.kind === "Service") {
        return "a service principal acts for many callers";
    }
    if (p.kind === "Federated") {
        return "a federated identity is not an administrator role";
    }
    if (p.kind !== "AWS") {
        return "only IAM roles and users can be key administrators";
    }
    if (p.isSession) {
        return "an assumed-role session is temporary; name the role's ARN instead";
    }
    if (keyAdministrators.some((pattern) => globMatches(pattern, p.value))) {
        return undefined;
    }
    if (p.isRootUser) {
        return "the account's root user may hold kms:PutKeyPolicy only as the recovery path (allowRootUserRecovery); list its ARN in keyAdministrators if it must hold more";
    }
    if (keyAdministrators.length === 0 || (p.isRoot && allowAccountRootFullAccess)) {
        return undefined;
    }
    return `it matches none of keyAdministrators (${keyAdministrators.join(", ")})`;
}

/**
 * `kms-key-policy-admin-rights`: kms:PutKeyPolicy and kms:ScheduleKeyDeletion only to key administrators: never to
 * anyone, service or federated principals or STS sessions; only to `keyAdministrators` when that list is set. The
 * account's root user, restricted to itself, may hold kms:PutKeyPolicy where `allowRootUserRecovery` is true: that
 * is the recovery path, and it delegates nothing to IAM.
 */
export function findNonAdministratorRights(
    analysis: KeyPolicyAnalysis,
    keyAdministrators: readonly string[],
    allowAccountRootFullAccess: boolean,
    allowRootUserRecovery = true,
): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        const rights = ADMINISTRATOR_ONLY_ACTIONS.filter((a) => s.actions.has(a));
        if (!allows(s) || rights.length === 0) {
            continue;
        }
        for (const p of s.principals) {
            const held =
                p.isRootUser && allowRootUserRecovery ? rights.filter((a) => a !== "kms:PutKeyPolicy") : rights;
            const reason =
                held.length === 0
                    ? undefined
                    : notAdministratorReason(p, keyAdministrators, allowAccountRootFullAccess);
            if (reason !== undefined) {
                messages.push(
                    `${capitalise(s.statement.label)} allows ${held.join(" and ")} to ${p.display}, which is not a key ` +
                        `administrator: ${reason}. Only key-administrator roles may change the key policy or schedule the ` +
                        `key's deletion.`,
                );
            }
        }
    }
    return messages;
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

/**
 * `kms-key-policy-no-lockout`: a policy in which no AWS principal may call kms:PutKeyPolicy (after unconditional
 * Deny statements are applied) can never be changed again. Denying the account root denies every principal of
 * that account.
 */
export function findLockout(analysis: KeyPolicyAnalysis): string[] {
    const holders = analysis.statements
        .filter(
            (s) =>
                allows(s) && s.actions.has("kms:PutKeyPolicy") && !s.statement.conditions.some(neverMetByPutKeyPolicy),
        )
        .flatMap((s) => s.principals.filter((p) => p.kind === "AWS" || p.kind === "*" || p.kind === "NotPrincipal"));
    if (holders.length === 0) {
        return [
            "No AWS principal is allowed kms:PutKeyPolicy (under a condition a PutKeyPolicy call can meet), so once this " +
                "policy is in place nobody can change it again (the key is locked out until AWS Support steps in). Allow " +
                "kms:PutKeyPolicy for a key-administrator role.",
        ];
    }
    // A conditional Deny applies only sometimes; outside its condition the principal can still change the policy,
    // unless every PutKeyPolicy call the principal can make meets the condition (its own account, no service).
    const denies = analysis.statements.filter(
        (s) => s.statement.effect === "Deny" && s.actions.has("kms:PutKeyPolicy"),
    );
    const denying = new Set<string>();
    const remaining = holders.filter((p) => {
        const deny = denies.find(
            (d) => deniedBy(d, p) && d.statement.conditions.every((clause) => alwaysMetByPutKeyPolicyOf(clause, p)),
        );
        if (deny !== undefined) {
            denying.add(deny.statement.label);
        }
        return deny === undefined;
    });
    if (remaining.length > 0) {
        return [];
    }
    return [
        `Every principal allowed kms:PutKeyPolicy (${shortList([...new Set(holders.map((p) => p.display))])}) is denied it ` +
            `by ${[...denying].join(" and ")}, so once this policy is in place nobody can change it again. Leave at ` +
            `least one key-administrator role able to call kms:PutKeyPolicy.`,
    ];
}

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

/**
 * `kms-key-policy-recovery-path`: the account's root user can change the key policy, through the recovery statement
 * (the root restricted to the root user) or the account root's own statement, and no unconditional Deny takes that
 * away. Without it, a key whose administrator roles are deleted and re-created (an IAM stack replacing a role) names
 * principals that no longer exist, and only AWS Support can restore access to it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export function findMissingRecoveryPath(analysis: KeyPolicyAnalysis): string[] {
    const holders = analysis.statements
        .filter(
            (s) =>
                allows(s) && s.actions.has("kms:PutKeyPolicy") && !s.statement.conditions.some(neverMetByPutKeyPolicy),
        )
        .flatMap((s) => s.principals.filter((p) => p.isRoot || p.isRootUser));
    const denies = analysis.statements.filter(
        (s) => s.statement.effect === "Deny" && s.actions.has("kms:PutKeyPolicy"),
    );
    const remaining = holders.filter(
        (p) =>
            !denies.some(
                (d) => deniedBy(d, p) && d.statement.conditions.every((clause) => alwaysMetByPutKeyPolicyOf(clause, p)),
            ),
    );
    if (remaining.length > 0) {
        return [];
    }
    return [
        (holders.length === 0
            ? "No statement lets the account's root user call kms:PutKeyPolicy"
            : `The account's root user is allowed kms:PutKeyPolicy but denied it again by a Deny statement`) +
            ", so the key has no recovery path: if every administrator it names is deleted or re-created (an IAM stack " +
            "replacing a role makes a new principal the policy does not name), only AWS Support can restore access to " +
            'the key. Add a statement allowing kms:PutKeyPolicy to the account root under "Condition": {"StringEquals": ' +
            '{"aws:PrincipalType": "Account"}} (in this project: accountRootRecovery: true, the default).',
    ];
}

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
