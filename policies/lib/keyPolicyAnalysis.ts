/**
 * Analysis of KMS key policies: who is granted what, under which conditions, and which least-privilege rules that
 * breaks. Each `find...` function is one rule of the `kms-key-policy-*` family and returns the violation messages
 * (empty when the policy complies). Messages say what is wrong, name the statement, principal and action, and say
 * how to fix it.
 *
 * A document is parsed and expanded once per policy text (see `analyseKeyPolicy`), however many rules read it.
 * Side-effect free and independent of Pulumi, so the rules are tested directly.
 */
import {
    ADMINISTRATOR_ONLY_ACTIONS,
    CRYPTOGRAPHIC_ACTIONS,
    KEY_MANAGEMENT_ACTIONS,
    fullAccessPatterns,
    grantsAllKeyActions,
    kmsActionsOfStatement,
    patternsGranting,
} from "./kmsActions";
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

const ACCOUNT_ID = /^\d{12}$/;
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

function capitalise(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

function quoted(values: readonly string[]): string {
    return values.map((v) => JSON.stringify(v)).join(", ");
}

/** `a, b, c and 4 more`: keeps messages readable when `kms:*` expands to dozens of actions. */
function shortList(values: readonly string[], max = 4): string {
    if (values.length <= max) {
        return values.join(", ");
    }
    return `${values.slice(0, max).join(", ")} and ${values.length - max} more`;
}

function sorted(values: Iterable<string>): string[] {
    return [...values].sort();
}

function allows(s: StatementView): boolean {
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
function requiresMatch(clause: ConditionClause): boolean {
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

// ---------------------------------------------------------------------------------------------------------------
// Rules

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

function neverMetByPutKeyPolicy(clause: ConditionClause): boolean {
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
function alwaysMetByPutKeyPolicyOf(clause: ConditionClause, p: PrincipalView): boolean {
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

function deniedBy(deny: StatementView, p: PrincipalView): boolean {
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
