/**
 * Key policy rules on whom a policy lets in: nobody public, no Allow that names what it excludes (NotPrincipal,
 * NotAction, NotResource), and principals only from trusted accounts. They judge the `policy` input of aws.kms.Key,
 * aws.kms.ExternalKey, aws.kms.ReplicaKey, aws.kms.ReplicaExternalKey and aws.kms.KeyPolicy.
 *
 * Each rule's check (`find...`) sits beside its definition and returns the violation messages (empty when the
 * policy complies). Messages say what is wrong, name the statement, principal and action, and say how to fix it.
 * The analysis the checks share, and the validation that parses the resource's key policy once, are in lib/.
 * Side-effect free.
 */
import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";

import { ACCOUNT_ID, KeyPolicyAnalysis, allows, capitalise, pinsCaller, requiresMatch } from "./lib/keyPolicyAnalysis";
import { Statement } from "./lib/policyDocument";
import { ACCOUNT_ID_LIST, keyPolicyRule, readConfig } from "./lib/ruleHelpers";

const NAMED_PRINCIPALS =
    "Name the principals instead, or add a StringEquals condition on kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID or aws:SourceAccount";

/** `kms-key-policy-no-public-principal`: Allow to anyone without a condition that pins the caller. */
export function findPublicPrincipals(analysis: KeyPolicyAnalysis): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        const open = s.principals.filter((p) => p.isPublic);
        if (!allows(s) || open.length === 0 || pinsCaller(s.statement.conditions)) {
            continue;
        }
        messages.push(
            `${capitalise(s.statement.label)} allows ${open.map((p) => p.display).join(" and ")} without a condition that pins ` +
                `the caller to an account or organisation. ${NAMED_PRINCIPALS}.`,
        );
    }
    return messages;
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

/** `kms-key-policy-no-not-elements`: Allow with NotPrincipal, NotAction or NotResource. */
export function findNotElements(analysis: KeyPolicyAnalysis): string[] {
    const messages: string[] = [];
    for (const s of analysis.statements) {
        if (!allows(s)) {
            continue;
        }
        const label = capitalise(s.statement.label);
        if (s.statement.notPrincipal !== undefined) {
            messages.push(
                `${label} is an Allow with NotPrincipal: it allows every principal except the ones listed, anonymous callers ` +
                    `included. List the allowed principals under Principal instead.`,
            );
        }
        if (s.statement.notAction !== undefined) {
            messages.push(
                `${label} is an Allow with NotAction: it grants every action except the ones listed, including actions AWS ` +
                    `adds later. List the granted actions under Action instead.`,
            );
        }
        if (s.statement.notResource !== undefined) {
            messages.push(
                `${label} is an Allow with NotResource, which a key policy never needs and which hides what is granted. ` +
                    `Use "Resource": "*", which in a key policy means this key.`,
            );
        }
    }
    return messages;
}

/** `kms-key-policy-no-not-elements`: no Allow with NotPrincipal, NotAction or NotResource. */
export const kmsKeyPolicyNoNotElements: ResourceValidationPolicy = {
    name: "kms-key-policy-no-not-elements",
    description:
        "Key policy Allow statements must not use NotPrincipal, NotAction or NotResource, which grant everything not listed.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: keyPolicyRule((analysis) => findNotElements(analysis)),
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

/** An account a statement lets in: through a principal, or through a condition that pins a public statement. */
interface AccountGrant {
    readonly statement: Statement;
    readonly account: string;
    readonly who: string;
}

const ACCOUNT_CONDITION_KEYS = new Set(["kms:calleraccount", "aws:principalaccount", "aws:sourceaccount"]);

/**
 * `kms-key-policy-trusted-accounts`: every AWS principal's account must be in `allowedAccountIds`; when that list is
 * empty, all principals must belong to one account. For a statement open to anyone but pinned by an account
 * condition, the pinned accounts count as its principals.
 */
export function findUntrustedAccounts(analysis: KeyPolicyAnalysis, allowedAccountIds: readonly string[]): string[] {
    const messages: string[] = [];
    const grants: AccountGrant[] = [];
    for (const s of analysis.statements) {
        if (!allows(s)) {
            continue;
        }
        for (const p of s.principals) {
            if (p.kind !== "AWS" || p.isPublic) {
                continue;
            }
            if (p.account === undefined) {
                messages.push(
                    `${capitalise(s.statement.label)} allows ${p.value}, whose account cannot be read from it (a unique id ` +
                        `such as AROA... appears when the role it named has been deleted). Use the principal's full ARN.`,
                );
                continue;
            }
            grants.push({ statement: s.statement, account: p.account, who: p.display });
        }
        if (s.principals.some((p) => p.isPublic)) {
            for (const c of s.statement.conditions) {
                if (ACCOUNT_CONDITION_KEYS.has(c.keyLower) && requiresMatch(c)) {
                    for (const v of c.values.filter((v) => ACCOUNT_ID.test(v))) {
                        grants.push({
                            statement: s.statement,
                            account: v,
                            who: `callers of account ${v} (condition ${c.key})`,
                        });
                    }
                }
            }
        }
    }
    if (allowedAccountIds.length > 0) {
        const allowed = new Set(allowedAccountIds);
        for (const g of grants.filter((g) => !allowed.has(g.account))) {
            messages.push(
                `${capitalise(g.statement.label)} allows ${g.who} of account ${g.account}, which is not in allowedAccountIds ` +
                    `(${allowedAccountIds.join(", ")}). Remove it, or add the account to allowedAccountIds if it is trusted.`,
            );
        }
        return messages;
    }
    // No allowlist: the policy's own account is the one most of its principals belong to (ties: the lowest id), so
    // the verdict does not depend on statement order.
    const counts = new Map<string, number>();
    grants.forEach((g) => counts.set(g.account, (counts.get(g.account) ?? 0) + 1));
    const home = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    for (const g of grants.filter((g) => g.account !== home)) {
        messages.push(
            `${capitalise(g.statement.label)} allows ${g.who} of account ${g.account}, but the policy's other principals ` +
                `belong to account ${home}. Keep a key policy within one account, or list every trusted account in ` +
                `allowedAccountIds.`,
        );
    }
    return messages;
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
