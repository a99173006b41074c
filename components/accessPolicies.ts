import { grantActions, IntegratedService, integratedServices, viaService } from "../config/services";

/** One statement of a key policy, as AWS reads it. */
export interface PolicyStatement {
    Sid: string;
    Effect: "Allow";
    Principal: { AWS: string[] };
    Action: string[];
    Resource: "*";
    Condition?: Record<string, Record<string, string>>;
}

/** A key policy document. */
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** The account the key lives in, from `aws.getCallerIdentity` and `aws.getPartition`. */
export interface AccountContext {
    accountId: string;
    partition: string;
    region: string;
}

/** Who may do what with one key. Principals are `role/<name>`, `user/<name>` or full IAM ARNs. */
export interface KeyPolicyInput {
    integratedService: IntegratedService;
    administrators: string[];
    users: string[];
    auditors: string[];
    crossAccountUsers: string[];
    allowKeyDeletion: boolean;
    accountRootRecovery: boolean;
    allowAccountRootFullAccess: boolean;
}

/**
 * Key management without cryptographic use. No kms:CreateGrant: an administrator who could create a grant could
 * grant themselves Decrypt. kms:CancelKeyDeletion is always here because it can only save a key, never lose one.
 */
export const administratorActions: readonly string[] = [
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

/** Only when the stack allows deletion of this key. */
export const deletionAction = "kms:ScheduleKeyDeletion";

/**
 * What an auditor reads: the key's settings, policy, rotation, tags and grants. Nothing cryptographic, no grants, no
 * change. For AWS Config, IAM Access Analyzer, security tooling and a pipeline's preview role, none of which can read
 * a key whose policy does not delegate to IAM.
 */
export const auditorActions: readonly string[] = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
];

/**
 * What the account's root user may do where the recovery path is on: read and replace the key policy, and nothing
 * else. A new policy naming new administrators is the whole recovery.
 */
export const rootRecoveryActions: readonly string[] = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"];

/**
 * The condition that narrows the account principal to the account's root user. In a key policy the principal
 * `arn:aws:iam::<account>:root` stands for the whole account (it delegates to IAM: any IAM policy of the account may
 * then grant the statement's actions); AWS sets `aws:PrincipalType` to `Account` only for requests signed by the root
 * user (`AssumedRole` for role sessions, `User` for IAM users), so this condition admits the root user alone.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export const rootUserOnlyCondition = { StringEquals: { "aws:PrincipalType": "Account" } } as const;

/** Stable statement ids: reviewers diff policies by them. */
export const statementIds = {
    root: "AccountRootFullAccess",
    rootRecovery: "AccountRootUserRecovery",
    administration: "KeyAdministration",
    audit: "KeyAudit",
    describe: "KeyDescriptionForUsers",
    use: "KeyUseThroughIntegratedService",
    grants: "GrantsForIntegratedService",
    crossAccountUse: "CrossAccountKeyUseThroughIntegratedService",
    crossAccountGrants: "CrossAccountGrantsForIntegratedService",
} as const;

/** A principal reference that cannot be turned into an ARN for this account. */
export class PrincipalError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PrincipalError";
    }
}

/** `role/<name>` or `user/<name>` becomes the ARN in this account and partition; full ARNs must belong to it. */
export function principalArn(ref: string, account: AccountContext): string {
    const arn = /^arn:([^:]+):iam::(\d{12}):/.exec(ref);
    if (arn === null) {
        return `arn:${account.partition}:iam::${account.accountId}:${ref}`;
    }
    if (arn[1] !== account.partition || arn[2] !== account.accountId) {
        throw new PrincipalError(
            `${ref} is not a principal of account ${account.accountId} (partition ${account.partition}); list principals of other accounts in crossAccountUsers`,
        );
    }
    return ref;
}

function accountOf(arn: string): string {
    return arn.split(":")[4];
}

function useStatements(
    ids: { use: string; grants: string },
    principals: string[],
    service: IntegratedService,
    account: { region: string; callerAccount: string },
): PolicyStatement[] {
    const use = integratedServices[service];
    const scope = { "kms:ViaService": viaService(service, account.region), "kms:CallerAccount": account.callerAccount };
    const statements: PolicyStatement[] = [
        {
            Sid: ids.use,
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: [...use.userActions],
            Resource: "*",
            Condition: { StringEquals: scope },
        },
    ];
    if (use.usesGrants) {
        statements.push({
            Sid: ids.grants,
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: [...grantActions],
            Resource: "*",
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: scope },
        });
    }
    return statements;
}

/**
 * Builds the least-privilege key policy of one key.
 *
 * - administrators manage the key and never use it; deletion only where the stack allows it;
 * - users encrypt and decrypt only through the key's integrated service in this region, as callers of this account,
 *   and may create grants only for AWS resources (the grants Aurora and OpenSearch keep for a cluster or domain);
 * - principals of other accounts, when configured, are scoped the same way to their own account;
 * - auditors read the key's settings, policy, rotation, tags and grants, nothing more;
 * - users and cross-account users may call kms:DescribeKey directly (consumer stacks look a key up by alias, the RDS
 *   and OpenSearch consoles' key pickers describe it): it reveals nothing secret;
 * - the account root delegates to IAM only if the stack asks for it (`allowAccountRootFullAccess`): without it IAM
 *   policies cannot grant use of the key, so the key policy alone says who can use it;
 * - the recovery path (on unless the stack turns it off): the account's root user, and no IAM user or role, may read
 *   and replace the key policy. Administrators are named by ARN, and a role that is deleted and re-created is a new
 *   principal the policy no longer names; the root user can then still put a policy that names the new role.
 *   The administrators keep kms:PutKeyPolicy too, so the key is never locked out (and AWS's own lockout safety check
 *   is never bypassed).
 *
 * Principal lists are sorted and deduplicated so that the policy text is stable whatever the order of the config.
 */
export function buildKeyPolicy(input: KeyPolicyInput, account: AccountContext): PolicyDocument {
    const arns = (refs: string[]) => [...new Set(refs.map((r) => principalArn(r, account)))].sort();
    const administrators = arns(input.administrators);
    const users = arns(input.users);
    const auditors = arns(input.auditors);
    const overlap = users.find((u) => administrators.includes(u));
    if (overlap !== undefined) {
        throw new PrincipalError(`${overlap} is both an administrator and a user of the key; keep the duties apart`);
    }
    const statements: PolicyStatement[] = [];
    if (input.allowAccountRootFullAccess) {
        statements.push({
            Sid: statementIds.root,
            Effect: "Allow",
            Principal: { AWS: [`arn:${account.partition}:iam::${account.accountId}:root`] },
            Action: ["kms:*"],
            Resource: "*",
        });
    } else if (input.accountRootRecovery) {
        // Full access above already lets the root user change the policy; the recovery statement is for when it is off.
        statements.push({
            Sid: statementIds.rootRecovery,
            Effect: "Allow",
            Principal: { AWS: [`arn:${account.partition}:iam::${account.accountId}:root`] },
            Action: [...rootRecoveryActions],
            Resource: "*",
            Condition: rootUserOnlyCondition,
        });
    }
    statements.push({
        Sid: statementIds.administration,
        Effect: "Allow",
        Principal: { AWS: administrators },
        Action: input.allowKeyDeletion ? [...administratorActions, deletionAction].sort() : [...administratorActions],
        Resource: "*",
    });
    if (auditors.length > 0) {
        statements.push({
            Sid: statementIds.audit,
            Effect: "Allow",
            Principal: { AWS: auditors },
            Action: [...auditorActions],
            Resource: "*",
        });
    }
    statements.push({
        Sid: statementIds.describe,
        Effect: "Allow",
        Principal: { AWS: [...users, ...[...new Set(input.crossAccountUsers)].sort()] },
        Action: ["kms:DescribeKey"],
        Resource: "*",
    });
    statements.push(
        ...useStatements(statementIds, users, input.integratedService, {
            region: account.region,
            callerAccount: account.accountId,
        }),
    );
    const byAccount = new Map<string, string[]>();
    for (const arn of [...new Set(input.crossAccountUsers)].sort()) {
        if (accountOf(arn) === account.accountId) {
            throw new PrincipalError(`${arn} belongs to this account; list it in users, not crossAccountUsers`);
        }
        byAccount.set(accountOf(arn), [...(byAccount.get(accountOf(arn)) ?? []), arn]);
    }
    for (const [other, principals] of byAccount) {
        statements.push(
            ...useStatements(
                {
                    use: `${statementIds.crossAccountUse}${other}`,
                    grants: `${statementIds.crossAccountGrants}${other}`,
                },
                principals,
                input.integratedService,
                { region: account.region, callerAccount: other },
            ),
        );
    }
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The endpoint policy that admits only this account's principals, for any KMS action: which keys they may use is
 * the key policies' business, where the endpoint is only the road.
 */
export function buildEndpointPolicy(accountId: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ThisAccountPrincipalsOnly",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: "kms:*",
                Resource: "*",
                Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
            },
        ],
    };
}

/**
 * AWS's default endpoint policy: full access for every principal. Sent explicitly where a stack asks for full access,
 * because an endpoint whose policy input is left out keeps whatever policy it has (the provider sees no change), so
 * turning `fullAccessPolicy` on would otherwise leave the restricted policy in place.
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#default-endpoint-policy
 */
export const fullAccessEndpointPolicy = {
    Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
} as const;
