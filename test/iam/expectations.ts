/**
 * What a key policy must decide, written down independently of the policy builder: from who the stack file names
 * and from what AWS's integrated services need, never from the statements the builder emits.
 */
import { accountOf, Channel, channels, Decision, KeyUnderTest, MatrixRequest, PolicyJson, Service } from "./matrix";

/** Managing a key without using it. No kms:CreateGrant: a grant is a way to use the key. */
export const managementActions: readonly string[] = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

/** Only where the stack allows deleting the key. */
export const deletionAction = "kms:ScheduleKeyDeletion";

/** What Aurora and OpenSearch call on the user's behalf for envelope encryption. */
export const useActions: readonly string[] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/**
 * What a read-only auditor may call (AWS Config, IAM Access Analyzer, security tooling, a pipeline's preview role):
 * reading the key's metadata, policy, rotation, grants and tags; nothing cryptographic and no grants.
 */
export const auditActions: readonly string[] = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
];

/** What the account's root user keeps, so that the owner can always put a working key policy back. */
export const rootRecoveryActions: readonly string[] = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"];

/** Looking the key up (by alias, in a console's key picker): users call it directly, not through their service. */
export const describeAction = "kms:DescribeKey";

/** The grants the integrated service keeps for a cluster or domain. */
export const grantActions: readonly string[] = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** Actions nobody needs on a symmetric encryption key: every one of them must be denied to everybody. */
export const unneededActions: readonly string[] = [
    "kms:DeleteImportedKeyMaterial",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateMac",
    "kms:ImportKeyMaterial",
    "kms:ReplicateKey",
    "kms:Sign",
    "kms:Verify",
];

/** Every action a table asks about. */
export const allActions: readonly string[] = [
    ...new Set([...managementActions, deletionAction, ...useActions, ...grantActions, ...unneededActions]),
].sort();

/** What one key's configuration says, with principals as full ARNs. */
export interface KeyFacts {
    name: string;
    accountId: string;
    partition: string;
    region: string;
    service: Service;
    administrators: string[];
    users: string[];
    auditors: string[];
    crossAccountUsers: string[];
    allowKeyDeletion: boolean;
    accountRootRecovery: boolean;
    allowAccountRootFullAccess: boolean;
    /** Principals of the same account that the configuration names for other keys only. */
    otherPrincipals: string[];
}

/** The part of one key's stack configuration the facts come from (the `kms-keys:keys.<name>` map entry). */
export interface KeyConfig {
    integratedService: Service;
    administrators: string[];
    users: string[];
    auditors?: string[];
    crossAccountUsers?: string[];
    allowKeyDeletion?: boolean;
    accountRootRecovery?: boolean;
    allowAccountRootFullAccess?: boolean;
}

/** `role/<name>` and `user/<name>` are principals of the stack's account; full ARNs stay as they are. */
export function principalRefToArn(ref: string, accountId: string, partition: string): string {
    return ref.startsWith("arn:") ? ref : `arn:${partition}:iam::${accountId}:${ref}`;
}

/** Facts of every key of a stack's `config:` map (as Pulumi.<stack>.yaml holds it). */
export function keyFactsOfStack(config: Record<string, unknown>, fallbackAccountId: string): KeyFacts[] {
    const region = config["aws:region"] as string;
    const accountId = ((config["aws:allowedAccountIds"] as string[] | undefined) ?? [fallbackAccountId])[0];
    const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    const keys = config["kms-keys:keys"] as Record<string, KeyConfig>;
    const stackAuditors = (config["kms-keys:auditors"] as string[] | undefined) ?? [];
    const arn = (ref: string) => principalRefToArn(ref, accountId, partition);
    const auditorsOf = (key: KeyConfig) => [...new Set([...(key.auditors ?? []), ...stackAuditors].map(arn))];
    const everybody = Object.values(keys).flatMap((k) =>
        [...k.administrators, ...k.users].map(arn).concat(auditorsOf(k)),
    );
    return Object.entries(keys).map(([name, key]) => {
        const administrators = [...new Set(key.administrators.map(arn))];
        const users = [...new Set(key.users.map(arn))];
        const auditors = auditorsOf(key);
        return {
            name,
            accountId,
            partition,
            region,
            service: key.integratedService,
            administrators,
            users,
            auditors,
            crossAccountUsers: [...new Set(key.crossAccountUsers ?? [])],
            allowKeyDeletion: key.allowKeyDeletion ?? false,
            accountRootRecovery: key.accountRootRecovery ?? true,
            allowAccountRootFullAccess: key.allowAccountRootFullAccess ?? false,
            otherPrincipals: [...new Set(everybody)].filter(
                (p) => !administrators.includes(p) && !users.includes(p) && !auditors.includes(p),
            ),
        };
    });
}

/** Who a row of the table is, which decides what it may do. */
export type Role =
    | "administrator"
    | "user"
    | "auditor"
    | "account root user"
    | "cross-account user"
    | "cross-account user without IAM permission"
    | "principal of another key"
    | "unlisted role"
    | "unlisted role with IAM kms:*"
    | "principal of another account with IAM kms:*"
    | "anonymous";

/** One caller of a table. */
export interface TableCaller {
    role: Role;
    request: Pick<MatrixRequest, "who" | "caller">;
}

/** An identity policy of the caller's own account that allows every KMS action on the key. */
export function allKmsOn(keyArn: string): PolicyJson {
    return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: keyArn }] };
}

/**
 * The account's root user is not governed by identity policies: it may do anything in its account that a resource
 * policy does not withhold (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html), and for a KMS key
 * only what the key policy gives the account
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * The engine evaluates every principal through identity policies, so the root user is given one that allows
 * everything: what remains is what the key policy decides.
 */
export const rootUserIdentityPolicy: PolicyJson = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/** The name a table gives a principal: `role/Name` in the key's account, the whole ARN elsewhere. */
function shortName(arn: string, accountId: string): string {
    return accountOf(arn) === accountId ? arn.split(":").slice(5).join(":") : arn;
}

/** The key's account id with its last digit changed: always another account. */
export function anotherAccount(accountId: string): string {
    return `${accountId.slice(0, 11)}${(Number(accountId[11]) + 1) % 10}`;
}

/**
 * Every kind of caller the table asks about: the key's administrators and users, its cross-account users (with the
 * identity policy their own account must give them, and without it), the principals of the stack's other keys, an
 * unlisted role of the account without and with an IAM policy allowing kms:*, a principal of another account with
 * such a policy, and an anonymous caller.
 */
export function tableCallers(facts: KeyFacts, keyArn: string): TableCaller[] {
    const name = (arn: string) => shortName(arn, facts.accountId);
    const principal = (role: Role, arn: string, identityPolicies: PolicyJson[] = []): TableCaller => ({
        role,
        request: { who: `${role} ${name(arn)}`, caller: { kind: "principal", arn, identityPolicies } },
    });
    const account = `arn:${facts.partition}:iam::${facts.accountId}`;
    const outsider = `arn:${facts.partition}:iam::${anotherAccount(facts.accountId)}:role/Outsider`;
    return [
        ...facts.administrators.map((arn) => principal("administrator", arn)),
        ...facts.users.map((arn) => principal("user", arn)),
        ...facts.auditors.map((arn) => principal("auditor", arn)),
        {
            role: "account root user",
            request: {
                who: "account root user",
                caller: { kind: "principal", arn: `${account}:root`, identityPolicies: [rootUserIdentityPolicy] },
            },
        },
        ...facts.crossAccountUsers.flatMap((arn) => [
            principal("cross-account user", arn, [allKmsOn(keyArn)]),
            principal("cross-account user without IAM permission", arn),
        ]),
        ...facts.otherPrincipals.map((arn) => principal("principal of another key", arn)),
        principal("unlisted role", `${account}:role/UnlistedRole`),
        principal("unlisted role with IAM kms:*", `${account}:role/UnlistedRoleWithIamPolicy`, [allKmsOn(keyArn)]),
        ...(facts.crossAccountUsers.includes(outsider)
            ? []
            : [principal("principal of another account with IAM kms:*", outsider, [allKmsOn(keyArn)])]),
        { role: "anonymous", request: { who: "anonymous", caller: { kind: "anonymous" } } },
    ];
}

/** The whole table of a key: every caller × every action × every channel. */
export function tableRequests(
    callers: readonly TableCaller[],
    actions: readonly string[] = allActions,
): MatrixRequest[] {
    return callers.flatMap(({ request }) =>
        actions.flatMap((action) => channels.map((channel: Channel) => ({ ...request, action, channel }))),
    );
}

/**
 * The decision AWS must reach, from who the caller is:
 * - administrators manage the key on any channel, delete it only where allowed, and never use it or grant use of it;
 * - users, and cross-account users whose own account allows them, use the key and keep grants only through the key's
 *   own service, and describe it on any channel;
 * - auditors read the key's metadata, policy, rotation, grants and tags on any channel;
 * - a principal named in several lists has what each gives;
 * - the account's root user may read and replace the key policy (the recovery path), everything with the account
 *   root statement, nothing when the stack turns the recovery path off;
 * - with the account root statement, an IAM policy of the account can grant anything; without it, nothing;
 * - everybody else is denied everything.
 */
export function expectedDecision(
    facts: KeyFacts,
    role: Role,
    request: Pick<MatrixRequest, "action" | "channel" | "caller">,
): Decision {
    const allow = (yes: boolean): Decision => (yes ? "Allowed" : "Denied");
    const { action, channel, caller } = request;
    const named = (list: readonly string[]) => caller.kind === "principal" && list.includes(caller.arn);
    const asUser = channel === facts.service && (useActions.includes(action) || grantActions.includes(action));
    switch (role) {
        case "administrator":
        case "user":
        case "auditor":
        case "cross-account user":
            return allow(
                (named(facts.administrators) &&
                    (managementActions.includes(action) || (action === deletionAction && facts.allowKeyDeletion))) ||
                    ((named(facts.users) || role === "cross-account user") && (asUser || action === describeAction)) ||
                    (named(facts.auditors) && auditActions.includes(action)),
            );
        case "account root user":
            return allow(
                facts.allowAccountRootFullAccess || (facts.accountRootRecovery && rootRecoveryActions.includes(action)),
            );
        case "unlisted role with IAM kms:*":
            return allow(facts.allowAccountRootFullAccess);
        default:
            return "Denied";
    }
}

/** The key under test, from its facts and policy document. */
export function keyUnderTest(facts: KeyFacts, policy: PolicyJson, keyArn?: string): KeyUnderTest {
    return {
        arn:
            keyArn ??
            `arn:${facts.partition}:kms:${facts.region}:${facts.accountId}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
        accountId: facts.accountId,
        region: facts.region,
        policy,
    };
}

/** Looks a row's role up by its `who`. */
export function roleLookup(callers: readonly TableCaller[]): (who: string) => Role {
    const roles = new Map(callers.map((c) => [c.request.who, c.role]));
    return (who) => {
        const role = roles.get(who);
        if (role === undefined) {
            throw new Error(`no caller named ${who}`);
        }
        return role;
    };
}
