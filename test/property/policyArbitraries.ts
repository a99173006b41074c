/**
 * Generators of key policy documents for the pack's properties: the builder's own (compliant) policies, those with
 * extra statements, and policies made of random statements over a small vocabulary of principals, actions and
 * conditions, so that most rules of the pack are both met and broken by some of them.
 */
import fc from "fast-check";
import { buildKeyPolicy } from "../../components/accessPolicies";
import { serviceNames } from "../../config/services";

/** JSON as a policy document holds it. */
export type Json = unknown;

/** A key policy document. */
export type Doc = { Version: string; Statement: Record<string, Json>[] };

/** The account the generated policies belong to (the production stack's). */
export const account = "111111111111";
export const via = { rds: "rds.ap-northeast-1.amazonaws.com", es: "es.ap-northeast-1.amazonaws.com" };

/** Principals the statements name: administrators, users, the root, another account, a session, anyone. */
export const principalValues = [
    `arn:aws:iam::${account}:role/KmsKeyAdministrator`,
    `arn:aws:iam::${account}:role/pulumi-deploy`,
    `arn:aws:iam::${account}:role/AuroraProvisioner`,
    `arn:aws:iam::${account}:user/ops/Operator`,
    `arn:aws:iam::${account}:root`,
    account,
    "arn:aws:iam::444455556666:role/Partner",
    `arn:aws:sts::${account}:assumed-role/Deployer/session`,
    "*",
];

export const actionValues = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:EnableKeyRotation",
    "kms:TagResource",
    "kms:Get*",
    "kms:Sign",
    "kms:*",
    "*",
];

const condition = fc.constantFrom<Record<string, Record<string, Json>> | undefined>(
    undefined,
    { StringEquals: { "kms:ViaService": via.rds, "kms:CallerAccount": account } },
    { StringEquals: { "kms:ViaService": [via.rds, via.es] } },
    { StringLike: { "kms:ViaService": "*.ap-northeast-1.amazonaws.com" } },
    { Bool: { "kms:GrantIsForAWSResource": "true" } },
    { Bool: { "kms:GrantIsForAWSResource": true }, StringEquals: { "kms:ViaService": via.es } },
    { StringEquals: { "aws:PrincipalAccount": account } },
);

const principal = fc.oneof(
    fc.constant("*"),
    fc.record({ AWS: fc.uniqueArray(fc.constantFrom(...principalValues), { minLength: 1, maxLength: 3 }) }),
    fc.constant({ Service: "rds.amazonaws.com" }),
);

/** Action lists without two spellings of one action, so that a change of case cannot merge two entries. */
const actions = fc.uniqueArray(fc.constantFrom(...actionValues), { minLength: 1, maxLength: 4 });

/** One statement. */
export const statement = fc
    .record({
        effect: fc.constantFrom("Allow", "Allow", "Allow", "Allow", "Deny"),
        principal,
        notPrincipal: fc.boolean(),
        actions,
        notAction: fc.constantFrom(false, false, false, true),
        condition,
    })
    .map(({ effect, principal: p, notPrincipal, actions: a, notAction, condition: c }) => {
        const s: Record<string, Json> = { Effect: effect };
        // NotPrincipal is only valid with Deny in key policies; an Allow with it is what the pack must flag.
        s[notPrincipal && typeof p === "object" && "AWS" in p ? "NotPrincipal" : "Principal"] = p;
        s[notAction ? "NotAction" : "Action"] = a;
        s.Resource = "*";
        if (c !== undefined) {
            s.Condition = c;
        }
        return s;
    });

/** Key policies: built ones (compliant), built ones with extra statements, and random ones. */
export const keyPolicy: fc.Arbitrary<Doc> = fc
    .record({
        built: fc.option(
            fc.record({
                integratedService: fc.constantFrom(...serviceNames),
                administrators: fc.constantFrom<string[]>(
                    ["role/KmsKeyAdministrator", "role/pulumi-deploy"],
                    ["role/KmsKeyAdministrator"],
                ),
                users: fc.constantFrom<string[]>(
                    ["role/AuroraProvisioner"],
                    ["role/AuroraProvisioner", "user/ops/Operator"],
                ),
                auditors: fc.constantFrom<string[]>([], ["role/SecurityAudit"]),
                crossAccountUsers: fc.constantFrom<string[]>([], ["arn:aws:iam::444455556666:role/Partner"]),
                allowKeyDeletion: fc.boolean(),
                accountRootRecovery: fc.boolean(),
                allowAccountRootFullAccess: fc.boolean(),
            }),
            { nil: undefined },
        ),
        extra: fc.array(statement, { maxLength: 4 }),
        sids: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    })
    .filter(({ built, extra }) => built !== undefined || extra.length > 0)
    .map(({ built, extra, sids }) => {
        const base = built
            ? (buildKeyPolicy(built, {
                  accountId: account,
                  partition: "aws",
                  region: "ap-northeast-1",
              }) as unknown as Doc)
            : { Version: "2012-10-17", Statement: [] };
        const added = extra.map((s, i) => (sids[i] ? { Sid: `Extra${i}`, ...s } : s));
        return { Version: base.Version, Statement: [...base.Statement.map((s) => ({ ...s })), ...added] };
    });

const accountPrincipals = [
    `arn:aws:iam::${account}:role/KmsKeyAdministrator`,
    `arn:aws:iam::${account}:role/pulumi-deploy`,
    `arn:aws:iam::${account}:role/AuroraProvisioner`,
    `arn:aws:iam::${account}:user/ops/Operator`,
    `arn:aws:sts::${account}:assumed-role/Deployer/session`,
];

/** Statements an engineer might add to a built policy: named principals of the account, plausible conditions. */
const plausibleStatement = fc
    .record({
        effect: fc.constantFrom("Allow", "Allow", "Allow", "Deny"),
        principals: fc.uniqueArray(fc.constantFrom(...accountPrincipals), { minLength: 1, maxLength: 2 }),
        single: fc.boolean(),
        actions: fc.uniqueArray(fc.constantFrom(...actionValues.filter((a) => a !== "*" && a !== "kms:*")), {
            minLength: 1,
            maxLength: 3,
        }),
        condition: fc.constantFrom<Record<string, Record<string, Json>> | undefined>(
            undefined,
            { StringEquals: { "kms:ViaService": via.rds, "kms:CallerAccount": account } },
            { StringEquals: { "kms:ViaService": via.es } },
            { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: { "kms:ViaService": via.rds } },
            { StringLike: { "kms:ViaService": "rds.*.amazonaws.com" } },
        ),
    })
    .map(({ effect, principals, single, actions: a, condition: c }) => ({
        Effect: effect,
        Principal: { AWS: single && principals.length === 1 ? principals[0] : principals },
        Action: a,
        Resource: "*",
        ...(c === undefined ? {} : { Condition: c }),
    }));

/**
 * Built policies of this account with one or two plausible statements added: a good share of them still complies with
 * the pack, so that what the pack accepts can be checked against the IAM engine.
 */
export const nearlyCompliantPolicy: fc.Arbitrary<Doc> = fc
    .record({
        integratedService: fc.constantFrom(...serviceNames),
        administrators: fc.constantFrom<string[]>(
            ["role/KmsKeyAdministrator", "role/pulumi-deploy"],
            ["role/KmsKeyAdministrator"],
        ),
        users: fc.constantFrom<string[]>(["role/AuroraProvisioner"], ["role/AuroraProvisioner", "user/ops/Operator"]),
        allowKeyDeletion: fc.boolean(),
        accountRootRecovery: fc.boolean(),
        extra: fc.array(plausibleStatement, { minLength: 1, maxLength: 2 }),
    })
    .map(({ extra, ...input }) => {
        const base = buildKeyPolicy(
            { ...input, auditors: [], crossAccountUsers: [], allowAccountRootFullAccess: false },
            { accountId: account, partition: "aws", region: "ap-northeast-1" },
        ) as unknown as Doc;
        return { Version: base.Version, Statement: [...base.Statement, ...extra] };
    });
