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
    crossAccountUsers: string[];
    allowKeyDeletion: boolean;
    allowAccountRootFullAccess: boolean;
    /** Principals of the same account that the configuration names for other keys only. */
    otherPrincipals: string[];
}

/** The part of one key's stack configuration the facts come from (the `kms-keys:keys.<name>` map entry). */
export interface KeyConfig {
    integratedService: Service;
    administrators: string[];
    users: string[];
    crossAccountUsers?: string[];
    allowKeyDeletion?: boolean;
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
    const arn = (ref: string) => principalRefToArn(ref, accountId, partition);
    const everybody = Object.values(keys).flatMap((k) => [...k.administrators, ...k.users].map(arn));
    return Object.entries(keys).map(([name, key]) => {
        const administrators = [...new Set(key.administrators.map(arn))];
        const users = [...new Set(key.users.map(arn))];
        return {
            name,
            accountId,
            partition,
            region,
            service: key.integratedService,
            administrators,
            users,
            crossAccountUsers: [...new Set(key.crossAccountUsers ?? [])],
            allowKeyDeletion: key.allowKeyDeletion ?? false,
            allowAccountRootFullAccess: key.allowAccountRootFullAccess ?? false,
            otherPrincipals: [...new Set(everybody)].filter((p) => !administrators.includes(p) && !users.includes(p)),
        };
    });
}

/** Who a row of the table is, which decides what it may do. */
export type Role =
    | "administrator"
    | "user"
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
 * The decision AWS must reach, from the role of the caller alone:
 * - administrators manage the key on any channel, delete it only where allowed, and never use it or grant use of it;
 * - users, and cross-account users whose own account allows them, use the key and keep grants only through the key's
 *   own service;
 * - with the account root statement, an IAM policy of the account can grant anything; without it, nothing;
 * - everybody else is denied everything.
 */
export function expectedDecision(
    facts: KeyFacts,
    role: Role,
    request: Pick<MatrixRequest, "action" | "channel">,
): Decision {
    const allow = (yes: boolean): Decision => (yes ? "Allowed" : "Denied");
    const { action, channel } = request;
    switch (role) {
        case "administrator":
            return allow(managementActions.includes(action) || (action === deletionAction && facts.allowKeyDeletion));
        case "user":
        case "cross-account user":
            return allow(channel === facts.service && (useActions.includes(action) || grantActions.includes(action)));
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
