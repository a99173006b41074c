/**
 * Analysis of KMS key policies: who is granted what, under which conditions. The rules of the `kms-key-policy-*`
 * family read it; each rule's check sits beside the rule's definition (keyPolicyPrincipals.ts, keyPolicyActions.ts,
 * keyPolicyAdministration.ts), and what two or more checks share stays here.
 *
 * A document is parsed and expanded once per policy text (see `analyseKeyPolicy`), however many rules read it.
 * Side-effect free and independent of Pulumi, so the rules are tested directly.
 */
import { kmsActionsOfStatement } from "./kmsActions";
import {
    ConditionClause,
    PolicyDocument,
    Principal,
    Statement,
    globMatches,
    parsePolicyDocument,
} from "./policyDocument";
import { BoundedCache } from "./memo";

/** A principal of a statement, classified. */
export interface PrincipalView {
    /** `"*"`, `"AWS"`, `"Service"`, `"Federated"`, `"CanonicalUser"`, or `"NotPrincipal"` (see `isPublic`). */
    readonly kind: string;
    /** The value as written. */
    readonly value: string;
    /** How messages name it. */
    readonly display: string;
    /** Equal for two entries that are the same principal (an account id and its root ARN are one principal). */
    readonly identity: string;
    /** Anyone at all: `"*"`, `{"AWS": "*"}`, or everyone but a NotPrincipal list. */
    readonly isPublic: boolean;
    /**
     * The account root (`arn:<partition>:iam::<account>:root` or a bare account id) as AWS reads it in a key policy:
     * the whole account, delegating to its IAM policies.
     */
    readonly isRoot: boolean;
    /**
     * The account's root user alone: the account principal under a condition that admits only requests the root user
     * signs (see `restrictsToRootUser`). It delegates nothing to IAM.
     */
    readonly isRootUser: boolean;
    /** The 12-digit account of an AWS principal, when it can be read from the value. */
    readonly account?: string;
    /** An STS session (`assumed-role`/`federated-user`): temporary, never an administrator. */
    readonly isSession: boolean;
}

/** A statement with its principals classified and its actions expanded to concrete KMS actions. */
export interface StatementView {
    readonly statement: Statement;
    /** From `Principal`; for an Allow with `NotPrincipal`, one public "everyone except" entry. */
    readonly principals: readonly PrincipalView[];
    /** The KMS actions the statement grants or denies. */
    readonly actions: ReadonlySet<string>;
}

/** A key policy, ready for the rules. */
export interface KeyPolicyAnalysis {
    readonly document: PolicyDocument;
    readonly statements: readonly StatementView[];
}

/** Either an analysis or why the policy could not be read. */
export type AnalysedKeyPolicy =
    { readonly ok: true; readonly analysis: KeyPolicyAnalysis } | { readonly ok: false; readonly error: string };

// ---------------------------------------------------------------------------------------------------------------
// Principals

export const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;
const IAM_ARN = /^arn:[^:]+:(?:iam|sts)::(\d{12}):(.+)$/;

function aws(value: string): PrincipalView {
    if (value === "*") {
        return {
            kind: "AWS",
            value,
            display: 'Principal {"AWS": "*"} (anyone)',
            identity: "*",
            isPublic: true,
            isRoot: false,
            isRootUser: false,
            isSession: false,
        };
    }
    if (ACCOUNT_ID.test(value)) {
        return {
            kind: "AWS",
            value,
            display: `account root ${value}`,
            identity: `root:${value}`,
            isPublic: false,
            isRoot: true,
            isRootUser: false,
            account: value,
            isSession: false,
        };
    }
    const root = ROOT_ARN.exec(value);
    if (root !== null) {
        return {
            kind: "AWS",
            value,
            display: `account root ${value}`,
            identity: `root:${root[1]}`,
            isPublic: false,
            isRoot: true,
            isRootUser: false,
            account: root[1],
            isSession: false,
        };
    }
    const arn = IAM_ARN.exec(value);
    const isSession = arn !== null && /^arn:[^:]+:sts:/.test(value) && /^(assumed-role|federated-user)\//.test(arn[2]);
    return {
        kind: "AWS",
        value,
        display: value,
        identity: `aws:${value}`,
        isPublic: false,
        isRoot: false,
        isRootUser: false,
        account: arn?.[1],
        isSession,
    };
}

/** The principal types AWS documents, by lower-case spelling, so that `"aws"` or `"service"` read as intended. */
const PRINCIPAL_KINDS = new Map(["AWS", "Service", "Federated", "CanonicalUser"].map((k) => [k.toLowerCase(), k]));

function classify(principal: Principal): PrincipalView {
    if (principal.kind === "*") {
        return {
            kind: "*",
            value: "*",
            display: 'Principal "*" (anyone)',
            identity: "*",
            isPublic: true,
            isRoot: false,
            isRootUser: false,
            isSession: false,
        };
    }
    const kind = PRINCIPAL_KINDS.get(principal.kind.toLowerCase()) ?? principal.kind;
    if (kind === "AWS") {
        return aws(principal.value);
    }
    const label =
        kind === "Service" ? "service principal" : kind === "Federated" ? "federated principal" : `${kind} principal`;
    return {
        kind,
        value: principal.value,
        display: `${label} ${principal.value}`,
        identity: `${kind.toLowerCase()}:${principal.value.toLowerCase()}`,
        isPublic: principal.value === "*",
        isRoot: false,
        isRootUser: false,
        isSession: false,
    };
}

function notPrincipalView(notPrincipal: readonly Principal[]): PrincipalView {
    const listed = notPrincipal.map((p) => p.value).join(", ");
    return {
        kind: "NotPrincipal",
        value: "*",
        display: `everyone except ${listed} (NotPrincipal)`,
        identity: `notprincipal:${listed}`,
        isPublic: true,
        isRoot: false,
        isRootUser: false,
        isSession: false,
    };
}

/**
 * True if the conditions admit only requests signed by the root user of `account`: `aws:PrincipalType` equal to
 * `Account` (AWS sets it so for the root user only; `AssumedRole` for role sessions, `User` for IAM users), or
 * `aws:PrincipalArn` equal to the account's root ARN (which only the root user's requests carry). Tested with an
 * operator that requires the key to be present (no IfExists, no set qualifier) and with no wildcard.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function restrictsToRootUser(conditions: readonly ConditionClause[], account: string | undefined): boolean {
    return conditions.some((c) => {
        if (c.ifExists || c.qualifier !== "" || c.values.length === 0 || c.values.some(isWildcardValue)) {
            return false;
        }
        if (c.keyLower === "aws:principaltype") {
            const exact = c.baseOperator === "stringequals" || c.baseOperator === "stringlike";
            return (
                (exact || c.baseOperator === "stringequalsignorecase") &&
                c.values.every((v) => (exact ? v === "Account" : v.toLowerCase() === "account"))
            );
        }
        if (c.keyLower === "aws:principalarn") {
            return (
                ["stringequals", "stringlike", "arnequals", "arnlike"].includes(c.baseOperator) &&
                c.values.every((v) => {
                    const root = ROOT_ARN.exec(v);
                    return root !== null && root[1] === account;
                })
            );
        }
        return false;
    });
}

function rootUser(principal: PrincipalView): PrincipalView {
    return {
        ...principal,
        display: `the root user of account ${principal.account} (${principal.value} restricted to the root user)`,
        identity: `rootuser:${principal.account}`,
        isRoot: false,
        isRootUser: true,
    };
}

function view(statement: Statement): StatementView {
    let principals: PrincipalView[] = [];
    if (statement.principal !== undefined) {
        principals = statement.principal
            .map(classify)
            .map((p) => (p.isRoot && restrictsToRootUser(statement.conditions, p.account) ? rootUser(p) : p));
    } else if (statement.notPrincipal !== undefined) {
        principals =
            statement.effect === "Allow"
                ? [notPrincipalView(statement.notPrincipal)]
                : statement.notPrincipal.map(classify);
    }
    return { statement, principals, actions: kmsActionsOfStatement(statement.action, statement.notAction) };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing, once per text

/** Analyses by policy text. */
const analyses = new BoundedCache<string, AnalysedKeyPolicy>(256);

/**
 * Parses and expands a key policy (JSON text or object). Results for a given text are cached, so the dozen rules
 * that read the same key policy parse it once; the cache is bounded, and entries are read-only.
 */
export function analyseKeyPolicy(policy: unknown): AnalysedKeyPolicy {
    return typeof policy === "string" ? analyses.get(policy, analyse) : analyse(policy);
}

function analyse(policy: unknown): AnalysedKeyPolicy {
    const parsed = parsePolicyDocument(policy);
    if (!parsed.ok) {
        return parsed;
    }
    return { ok: true, analysis: { document: parsed.document, statements: parsed.document.statements.map(view) } };
}

// ---------------------------------------------------------------------------------------------------------------
// Message helpers

export function capitalise(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

export function quoted(values: readonly string[]): string {
    return values.map((v) => JSON.stringify(v)).join(", ");
}

/** `a, b, c and 4 more`: keeps messages readable when `kms:*` expands to dozens of actions. */
export function shortList(values: readonly string[], max = 4): string {
    if (values.length <= max) {
        return values.join(", ");
    }
    return `${values.slice(0, max).join(", ")} and ${values.length - max} more`;
}

export function sorted(values: Iterable<string>): string[] {
    return [...values].sort();
}

export function allows(s: StatementView): boolean {
    return s.statement.effect === "Allow";
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions

const STRING_MATCH = new Set(["stringequals", "stringequalsignorecase", "stringlike"]);

/** Condition keys that pin a caller to an account or organisation. */
export const CALLER_PINNING_KEYS: readonly string[] = [
    "kms:CallerAccount",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:SourceAccount",
];
const PINNING_KEYS = new Set(CALLER_PINNING_KEYS.map((k) => k.toLowerCase()));

/** A value with `*` or `?` outside policy variables (`${aws:PrincipalAccount}` is a value, not a wildcard). */
function isWildcardValue(value: string): boolean {
    const literal = value.replace(/\$\{[^}]*\}/g, "");
    return value === "" || literal.includes("*") || literal.includes("?");
}

/**
 * True if the clause requires the key to be present and to match the values. `...IfExists` also matches requests
 * without the key, and so does `ForAllValues:` (AWS documents that it returns true when the key is absent).
 */
export function requiresMatch(clause: ConditionClause): boolean {
    return STRING_MATCH.has(clause.baseOperator) && !clause.ifExists && clause.qualifier !== "forallvalues";
}

/** True if the conditions restrict the caller to named accounts or an organisation. */
export function pinsCaller(conditions: readonly ConditionClause[]): boolean {
    return conditions.some(
        (c) =>
            PINNING_KEYS.has(c.keyLower) && requiresMatch(c) && c.values.length > 0 && !c.values.some(isWildcardValue),
    );
}

/** True if the conditions hold `"Bool": {"kms:GrantIsForAWSResource": "true"}` (any case, string or boolean). */
export function requiresGrantForAwsResource(conditions: readonly ConditionClause[]): boolean {
    return conditions.some(
        (c) =>
            c.keyLower === "kms:grantisforawsresource" &&
            c.baseOperator === "bool" &&
            c.qualifier === "" &&
            !c.ifExists &&
            c.values.length > 0 &&
            c.values.every((v) => v.toLowerCase() === "true"),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Who can call kms:PutKeyPolicy

/**
 * Condition keys a kms:PutKeyPolicy request never carries: they describe grants, cryptographic operations or calls an
 * AWS service makes on a principal's behalf. A clause that requires one of them to match (no IfExists, no
 * ForAllValues:, which both match an absent key) can never be true for PutKeyPolicy.
 */
const ABSENT_FROM_PUT_KEY_POLICY = [
    "kms:viaservice",
    "kms:grantisforawsresource",
    "kms:grantoperations",
    "kms:granteeprincipal",
    "kms:retiringprincipal",
    "kms:grantconstrainttype",
    "kms:encryptioncontextkeys",
    "kms:encryptionalgorithm",
    "kms:signingalgorithm",
    "kms:macalgorithm",
    "kms:messagetype",
    "kms:datakeypairspec",
    "kms:keyagreementalgorithm",
    "kms:reencryptonsamekey",
    "kms:wrappingalgorithm",
    "kms:wrappingkeyspec",
    "kms:expirationmodel",
    "kms:validto",
    "kms:rotationperiodindays",
    "kms:schedulekeydeletionpendingwindowindays",
];

const NEGATED_OPERATORS = new Set([
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "arnnotequals",
    "arnnotlike",
    "numericnotequals",
    "datenotequals",
    "notipaddress",
    "null",
]);

export function neverMetByPutKeyPolicy(clause: ConditionClause): boolean {
    if (clause.ifExists || clause.qualifier === "forallvalues" || NEGATED_OPERATORS.has(clause.baseOperator)) {
        return false;
    }
    return (
        ABSENT_FROM_PUT_KEY_POLICY.includes(clause.keyLower) ||
        clause.keyLower.startsWith("kms:encryptioncontext:") ||
        clause.keyLower.startsWith("kms:recipientattestation:")
    );
}

/**
 * True if every kms:PutKeyPolicy call by `p` meets the clause: the caller's own account tested for equality, or a
 * key such calls never carry tested with Null. Anything else may be unmet, so a Deny under it leaves a way in.
 */
export function alwaysMetByPutKeyPolicyOf(clause: ConditionClause, p: PrincipalView): boolean {
    if (clause.baseOperator === "null") {
        return (
            clause.values.every((v) => v.toLowerCase() === "true") &&
            (ABSENT_FROM_PUT_KEY_POLICY.includes(clause.keyLower) ||
                clause.keyLower.startsWith("kms:encryptioncontext:"))
        );
    }
    const accountKey = clause.keyLower === "kms:calleraccount" || clause.keyLower === "aws:principalaccount";
    if (!accountKey || clause.qualifier === "forallvalues" || !STRING_MATCH.has(clause.baseOperator)) {
        return false;
    }
    return clause.values.some((v) => v === "*" || (p.account !== undefined && globMatches(v, p.account)));
}

export function deniedBy(deny: StatementView, p: PrincipalView): boolean {
    if (deny.statement.notPrincipal !== undefined) {
        // Deny with NotPrincipal denies everyone who is not listed.
        return !deny.principals.some(
            (listed) => listed.identity === p.identity || (listed.isRoot && listed.account === p.account),
        );
    }
    return deny.principals.some(
        (d) => d.isPublic || d.identity === p.identity || (d.isRoot && d.account === p.account),
    );
}
