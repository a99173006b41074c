/**
 * Key policy rules on what a policy grants: not every KMS action, not both key management and use to one
 * principal, cryptographic use only through an AWS service, and grants only for AWS resources. They judge the
 * `policy` input of aws.kms.Key, aws.kms.ExternalKey, aws.kms.ReplicaKey, aws.kms.ReplicaExternalKey and
 * aws.kms.KeyPolicy.
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
    StatementView,
    allows,
    capitalise,
    quoted,
    requiresGrantForAwsResource,
    requiresMatch,
    shortList,
    sorted,
} from "./lib/keyPolicyAnalysis";
import {
    CRYPTOGRAPHIC_ACTIONS,
    KEY_MANAGEMENT_ACTIONS,
    fullAccessPatterns,
    grantsAllKeyActions,
    patternsGranting,
} from "./lib/kmsActions";
import { ConditionClause, globMatches } from "./lib/policyDocument";
import { ALLOW_ROOT_PROPERTY, keyPolicyRule, readConfig } from "./lib/ruleHelpers";

const rootOnlySchema: PolicyConfigSchema = { properties: { allowAccountRootFullAccess: ALLOW_ROOT_PROPERTY } };

/** Config of the rules that exempt the account root where its full access is allowed. */
export interface RootExemptionConfig {
    allowAccountRootFullAccess: boolean;
}

function fullAccessVia(s: StatementView): string {
    if (s.statement.action === undefined) {
        return "through NotAction";
    }
    const patterns = fullAccessPatterns(s.statement.action);
    return patterns.length > 0 ? `(${quoted(patterns)})` : "(the Action list names them all)";
}

/** `kms-key-policy-no-full-access`: every KMS action to anyone but the account root (and to it only if allowed). */
export function findFullAccess(analysis: KeyPolicyAnalysis, allowAccountRootFullAccess: boolean): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        if (!allows(s) || !grantsAllKeyActions(s.actions)) {
            continue;
        }
        const label = capitalise(s.statement.label);
        const others = s.principals.filter((p) => !p.isRoot);
        if (others.length > 0) {
            messages.push(
                `${label} grants every KMS action ${fullAccessVia(s)} to ${others.map((p) => p.display).join(", ")}. Grant ` +
                    `only what each principal needs: key management for administrators, Encrypt/Decrypt/GenerateDataKey* ` +
                    `through kms:ViaService for users.`,
            );
        }
        if (!allowAccountRootFullAccess) {
            for (const root of s.principals.filter((p) => p.isRoot)) {
                messages.push(
                    `${label} grants every KMS action ${fullAccessVia(s)} to the ${root.display}, which lets any IAM policy in ` +
                        `account ${root.account} grant use of the key, and allowAccountRootFullAccess is false. Remove the ` +
                        `statement, or set allowAccountRootFullAccess to true in this policy's config if IAM must manage ` +
                        `access to the key.`,
                );
            }
        }
    }
    return messages;
}

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

/** Which actions of one kind a principal holds, by statement label (document order). */
type HeldActions = Map<string, Set<string>>;

function describeHeld(held: HeldActions): string {
    return [...held].map(([label, actions]) => `${shortList(sorted(actions))} in ${label}`).join("; ");
}

/**
 * `kms-key-policy-separation-of-duties`: one principal, across all Allow statements, holding both cryptographic and
 * key-management actions. The account root is exempt where its full access is allowed.
 */
export function findSeparationOfDutiesConflicts(
    analysis: KeyPolicyAnalysis,
    allowAccountRootFullAccess: boolean,
): string[] {
    const byIdentity = new Map<string, { principal: PrincipalView; crypto: HeldActions; management: HeldActions }>();
    for (const s of analysis.statements) {
        if (!allows(s)) {
            continue;
        }
        const crypto = [...s.actions].filter((a) => CRYPTOGRAPHIC_ACTIONS.has(a));
        const management = [...s.actions].filter((a) => KEY_MANAGEMENT_ACTIONS.has(a));
        if (crypto.length === 0 && management.length === 0) {
            continue;
        }
        for (const p of s.principals) {
            if (p.isRoot && allowAccountRootFullAccess) {
                continue;
            }
            let entry = byIdentity.get(p.identity);
            if (entry === undefined) {
                entry = { principal: p, crypto: new Map(), management: new Map() };
                byIdentity.set(p.identity, entry);
            }
            for (const [held, actions] of [
                [entry.crypto, crypto],
                [entry.management, management],
            ] as const) {
                if (actions.length > 0) {
                    const set = held.get(s.statement.label) ?? new Set<string>();
                    actions.forEach((a) => set.add(a));
                    held.set(s.statement.label, set);
                }
            }
        }
    }
    // What a public principal (even one pinned to the account) or the account root holds, every principal of the
    // account can hold too: the root through IAM policies, "*" directly. So it counts for each named principal.
    const shared = { crypto: new Map() as HeldActions, management: new Map() as HeldActions };
    for (const { principal, crypto, management } of byIdentity.values()) {
        if (principal.isPublic || principal.isRoot) {
            crypto.forEach((actions, label) => shared.crypto.set(label, actions));
            management.forEach((actions, label) => shared.management.set(label, actions));
        }
    }
    const messages: string[] = [];
    for (const entry of byIdentity.values()) {
        const { principal } = entry;
        const everyone = principal.isPublic || principal.isRoot;
        const crypto =
            everyone || entry.management.size === 0 ? entry.crypto : new Map([...entry.crypto, ...shared.crypto]);
        const management =
            everyone || entry.crypto.size === 0
                ? entry.management
                : new Map([...entry.management, ...shared.management]);
        if (crypto.size > 0 && management.size > 0) {
            messages.push(
                `Separation of duties is broken for ${principal.display}: it holds cryptographic actions ` +
                    `(${describeHeld(crypto)}) and key-management actions (${describeHeld(management)}). Give key ` +
                    `administrators and key users separate principals, so that nobody can both rewrite the key's policy ` +
                    `and use the key.`,
            );
        }
    }
    return messages;
}

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

/** The outcome of looking for a `kms:ViaService` scope on a statement. */
type ViaServiceScope =
    | { readonly kind: "scoped"; readonly values: readonly string[]; readonly clause: ConditionClause }
    | { readonly kind: "missing" }
    | { readonly kind: "ineffective"; readonly clauses: readonly ConditionClause[] };

function viaServiceScope(conditions: readonly ConditionClause[]): ViaServiceScope {
    const clauses = conditions.filter((c) => c.keyLower === "kms:viaservice");
    const effective = clauses.find(requiresMatch);
    if (effective !== undefined) {
        return { kind: "scoped", values: effective.values, clause: effective };
    }
    return clauses.length === 0 ? { kind: "missing" } : { kind: "ineffective", clauses };
}

/** A `kms:ViaService` value whose service label (before the first dot) is only wildcards names no service. */
function namesAService(value: string): boolean {
    return value.split(".")[0].replace(/[*?]/g, "") !== "";
}

function ineffectiveReason(clause: ConditionClause): string {
    if (clause.ifExists || clause.qualifier === "forallvalues") {
        return "also matches calls made directly, which carry no kms:ViaService";
    }
    return "does not require the call to come through a service";
}

/**
 * `kms-key-policy-service-scoped-use`: cryptographic actions granted to AWS principals (not the account root, not
 * service principals) must carry a `kms:ViaService` condition that names a service, one of `allowedViaServices`
 * when that list is not empty.
 */
export function findUnscopedCryptographicUse(
    analysis: KeyPolicyAnalysis,
    allowedViaServices: readonly string[],
    allowAccountRootFullAccess = false,
): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        if (!allows(s)) {
            continue;
        }
        const crypto = sorted([...s.actions].filter((a) => CRYPTOGRAPHIC_ACTIONS.has(a)));
        // The root is exempt only where its full access is allowed: otherwise a root statement hands the key's
        // cryptographic use to whatever IAM policies of the account grant it, directly rather than through a service.
        const principals = s.principals.filter(
            (p) =>
                (p.kind === "AWS" || p.kind === "*" || p.kind === "NotPrincipal") &&
                !(p.isRoot && allowAccountRootFullAccess),
        );
        if (crypto.length === 0 || principals.length === 0) {
            continue;
        }
        const label = capitalise(s.statement.label);
        const who = principals.map((p) => p.display).join(", ");
        const scope = viaServiceScope(s.statement.conditions);
        if (scope.kind === "missing") {
            messages.push(
                `${label} allows ${shortList(crypto)} to ${who} without a kms:ViaService condition, so the key can be used ` +
                    `directly rather than only through an AWS service. Add "Condition": {"StringEquals": {"kms:ViaService": ` +
                    `"<service>.<region>.amazonaws.com"}}.`,
            );
            continue;
        }
        if (scope.kind === "ineffective") {
            const clause = scope.clauses[0];
            messages.push(
                `${label} allows ${shortList(crypto)} to ${who} but tests kms:ViaService only with ${clause.operator}, which ` +
                    `${ineffectiveReason(clause)}. Use StringEquals or StringLike, without IfExists or ForAllValues:.`,
            );
            continue;
        }
        for (const value of scope.values) {
            if (!namesAService(value)) {
                messages.push(
                    `${label} scopes ${who} with kms:ViaService ${JSON.stringify(value)}, which does not name a service. ` +
                        `Name the service, for example "rds.<region>.amazonaws.com".`,
                );
            } else if (
                allowedViaServices.length > 0 &&
                !allowedViaServices.some((allowed) => viaServiceAllowed(value, allowed))
            ) {
                messages.push(
                    `${label} allows use through kms:ViaService ${JSON.stringify(value)}, which is not in allowedViaServices ` +
                        `(${allowedViaServices.join(", ")}). Use one of those services, or add this one to allowedViaServices.`,
                );
            }
        }
    }
    return messages;
}

/** A condition value is allowed if it is the allowed pattern itself, or a plain value the pattern matches. */
function viaServiceAllowed(value: string, allowed: string): boolean {
    return value.toLowerCase() === allowed.toLowerCase() || (!/[*?]/.test(value) && globMatches(allowed, value));
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

/** `kms-key-policy-grants-for-aws-resources`: kms:CreateGrant without `kms:GrantIsForAWSResource` = true. */
export function findUnrestrictedCreateGrant(
    analysis: KeyPolicyAnalysis,
    allowAccountRootFullAccess: boolean,
): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        if (!allows(s) || !s.actions.has("kms:CreateGrant") || requiresGrantForAwsResource(s.statement.conditions)) {
            continue;
        }
        const principals = s.principals.filter((p) => !(p.isRoot && allowAccountRootFullAccess));
        if (principals.length === 0) {
            continue;
        }
        const through = s.statement.action !== undefined ? patternsGranting(s.statement.action, "kms:CreateGrant") : [];
        // Named only when a pattern (kms:Create*, kms:*) grants it, not the action itself.
        const via = through.some((p) => p.toLowerCase() !== "kms:creategrant") ? ` (through ${quoted(through)})` : "";
        messages.push(
            `${capitalise(s.statement.label)} allows kms:CreateGrant${via} to ${principals.map((p) => p.display).join(", ")} ` +
                `without the condition "Bool": {"kms:GrantIsForAWSResource": "true"}, so a grant can be created for anyone, ` +
                `the grantor included, and used to decrypt. Add that condition so that only AWS services acting for them ` +
                `can create grants.`,
        );
    }
    return messages;
}

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
