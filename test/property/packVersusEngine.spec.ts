import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { allPolicies } from "../../policies/all";
import { PackConfig, runPack } from "../helpers/policyHarness";
import { fixtureProjectDir } from "../helpers/stackConfig";
import { allKmsOn, rootUserIdentityPolicy } from "../iam/expectations";
import { Caller, channels, evaluateRequest, KeyUnderTest, PolicyJson } from "../iam/matrix";
import { buildKeyPolicy } from "../../components/accessPolicies";
import { account, Doc, keyPolicy, nearlyCompliantPolicy, via } from "./policyArbitraries";
import { countRuns } from "./runs";

/*
 * The pack reads policy text; the IAM engine evaluates requests. Whatever key policy the pack accepts under the
 * production config must be least privilege when requests are evaluated the way AWS does: nobody from outside the
 * account, nobody directly, nobody both managing and using, no grants but for AWS resources, only the configured
 * administrators changing the policy or deleting the key, and somebody still able to change the policy.
 */

const packConfig = JSON.parse(
    fs.readFileSync(path.join(fixtureProjectDir, "policies", "config", "production.json"), "utf8"),
) as PackConfig;
const administrators = (packConfig["kms-key-policy-admin-rights"] as { keyAdministrators: string[] }).keyAdministrators;
const keyPolicies = allPolicies.filter(
    (p): p is ResourceValidationPolicy => !("validateStack" in p) && p.name.startsWith("kms-key-"),
);
const keyArn = `arn:aws:kms:ap-northeast-1:${account}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;

const ROOT_USER = "the account's root user";

/** Callers of the account (administrators, users, others) and from elsewhere, some with IAM policies allowing kms:*. */
const callers: { who: string; caller: Caller; outsider: boolean }[] = [
    ...[
        ...administrators,
        `arn:aws:iam::${account}:role/AuroraProvisioner`,
        `arn:aws:iam::${account}:user/ops/Operator`,
        `arn:aws:iam::${account}:role/Deployer`,
        `arn:aws:iam::${account}:role/Unlisted`,
    ].map((arn) => ({ who: arn, caller: { kind: "principal" as const, arn }, outsider: false })),
    {
        who: "a role of the account with IAM kms:*",
        caller: {
            kind: "principal",
            arn: `arn:aws:iam::${account}:role/WithIam`,
            identityPolicies: [allKmsOn(keyArn)],
        },
        outsider: false,
    },
    ...["444455556666", "999999999999"].map((other) => ({
        who: `a role of ${other} with IAM kms:*`,
        caller: {
            kind: "principal" as const,
            arn: `arn:aws:iam::${other}:role/Partner`,
            identityPolicies: [allKmsOn(keyArn)],
        },
        outsider: true,
    })),
    {
        // The recovery path: the root user may hold kms:PutKeyPolicy, so a key it can still change is not locked out.
        who: ROOT_USER,
        caller: {
            kind: "principal",
            arn: `arn:aws:iam::${account}:root`,
            identityPolicies: [rootUserIdentityPolicy],
        },
        outsider: false,
    },
    { who: "anonymous", caller: { kind: "anonymous" }, outsider: true },
];
const cryptographic = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"];
const management = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"];
const probed = [...cryptographic, "kms:CreateGrant", ...management];

async function accepted(doc: Doc): Promise<boolean> {
    const verdict = await runPack(
        keyPolicies,
        [
            {
                type: "aws:kms/key:Key",
                name: "aurora-postgres-key",
                protect: true,
                inputs: {
                    policy: JSON.stringify(doc),
                    enableKeyRotation: true,
                    rotationPeriodInDays: 365,
                    deletionWindowInDays: 30,
                    tags: { Name: "n", Service: "s", Environment: "production", ManagedBy: "Pulumi" },
                },
            },
        ],
        packConfig,
    );
    // What the stack's config would let through: advisory findings (the recovery path) never block a deployment.
    return verdict.violations.every((v) => v.enforcementLevel !== "mandatory") && verdict.undecided.length === 0;
}

/** What each caller may do, as "action@channel", per the engine. */
async function grantsOf(doc: Doc): Promise<Map<string, string[]>> {
    const key: KeyUnderTest = {
        arn: keyArn,
        accountId: account,
        region: "ap-northeast-1",
        policy: doc as unknown as PolicyJson,
    };
    const grants = new Map<string, string[]>();
    for (const { who, caller } of callers) {
        const allowed: string[] = [];
        for (const action of probed) {
            for (const channel of channels) {
                const outcome = await evaluateRequest(key, { who, caller, action, channel });
                // The request must reach the engine whole. What the engine reports about the policy (a statement that
                // tests a key its actions never carry, and so never matches) is decided as AWS decides it: no breach.
                assert.deepEqual(
                    outcome.problems.filter((p) =>
                        /the engine (ignored the request|refused)|expected one evaluation/.test(p),
                    ),
                    [],
                );
                if (outcome.decision === "Allowed") {
                    allowed.push(`${action}@${channel}`);
                }
            }
        }
        grants.set(who, allowed);
    }
    return grants;
}

/** The least-privilege rules broken, per the engine's decisions. */
function breaches(grants: Map<string, string[]>): string[] {
    const found: string[] = [];
    for (const { who, outsider } of callers) {
        const allowed = grants.get(who) ?? [];
        const holds = (actions: string[]) => allowed.filter((g) => actions.some((a) => g.startsWith(`${a}@`)));
        if (outsider && allowed.length > 0) {
            found.push(`${who} may ${allowed.join(", ")}`);
        }
        for (const direct of holds(cryptographic).filter((g) => g.endsWith("@direct"))) {
            found.push(`${who} may ${direct} (not through a service)`);
        }
        if (holds(cryptographic).length > 0 && holds(management).length > 0) {
            found.push(`${who} may both use (${holds(cryptographic)[0]}) and manage (${holds(management)[0]}) the key`);
        }
        if (allowed.includes("kms:CreateGrant@direct")) {
            found.push(`${who} may create grants directly (not for an AWS resource)`);
        }
        // The root user's recovery path: kms:PutKeyPolicy, and nothing else an administrator holds.
        const adminOnly = holds(
            who === ROOT_USER ? ["kms:ScheduleKeyDeletion"] : ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
        );
        if (!administrators.includes(who) && adminOnly.length > 0) {
            found.push(`${who} is no configured administrator but may ${adminOnly.join(", ")}`);
        }
    }
    if (![...grants.values()].some((allowed) => allowed.some((g) => g.startsWith("kms:PutKeyPolicy@")))) {
        found.push("nobody may call kms:PutKeyPolicy (the key is locked out)");
    }
    return found;
}

describe("properties of the pack against an independent IAM engine", () => {
    it("accepts only key policies that the engine finds least privilege", async () => {
        let acceptedCount = 0;
        let rejectedCount = 0;
        await fc.assert(
            fc.asyncProperty(
                fc.oneof({ arbitrary: nearlyCompliantPolicy, weight: 4 }, { arbitrary: keyPolicy, weight: 1 }),
                async (doc) => {
                    if (!(await accepted(doc))) {
                        rejectedCount++;
                        return;
                    }
                    acceptedCount++;
                    assert.deepEqual(breaches(await grantsOf(doc)), [], JSON.stringify(doc));
                },
            ),
            countRuns("key policies the pack accepts are least privilege under the IAM engine", { numRuns: 30 }),
        );
        // Both sides of the implication must have been exercised, or the property proved nothing.
        assert.ok(acceptedCount >= 3 && rejectedCount >= 3, `accepted ${acceptedCount}, rejected ${rejectedCount}`);
    });

    /** The production stack's key policy, with statements added. */
    function productionPolicyWith(...statements: Record<string, unknown>[]): Doc {
        const built = buildKeyPolicy(
            {
                integratedService: "rds",
                administrators: ["role/KmsKeyAdministrator", "role/pulumi-deploy"],
                users: ["role/AuroraProvisioner"],
                auditors: [],
                crossAccountUsers: [],
                allowKeyDeletion: false,
                accountRootRecovery: true,
                allowAccountRootFullAccess: false,
            },
            { accountId: account, partition: "aws", region: "ap-northeast-1" },
        ) as unknown as Doc;
        return { ...built, Statement: [...built.Statement, ...statements] };
    }

    it("refuses use by everyone in the account through the service: the administrators would be users too", async () => {
        const doc = productionPolicyWith({
            Sid: "AnyoneInTheAccountThroughRds",
            Effect: "Allow",
            Principal: "*",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": via.rds, "kms:CallerAccount": account } },
        });
        assert.ok(
            breaches(await grantsOf(doc)).includes(
                `${administrators[0]} may both use (kms:Decrypt@rds) and manage (kms:PutKeyPolicy@direct) the key`,
            ),
        );
        assert.equal(await accepted(doc), false, "the pack accepts a policy under which administrators can decrypt");
    });

    it("refuses cryptographic use granted to the account root where allowAccountRootFullAccess is false", async () => {
        const doc = productionPolicyWith({
            Sid: "RootDecrypts",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: "kms:Decrypt",
            Resource: "*",
        });
        assert.ok(
            breaches(await grantsOf(doc)).includes(
                "a role of the account with IAM kms:* may kms:Decrypt@direct (not through a service)",
            ),
        );
        assert.equal(
            await accepted(doc),
            false,
            "the pack accepts a root statement that lets IAM policies grant Decrypt",
        );
    });

    it("refuses a policy whose only kms:PutKeyPolicy grant has a condition no PutKeyPolicy call meets (lockout)", async () => {
        const built = productionPolicyWith();
        // Without the root user's recovery statement, which would otherwise keep the key manageable.
        built.Statement = built.Statement.filter((st) => st.Sid !== "AccountRootUserRecovery");
        const administration = built.Statement.find((st) => st.Sid === "KeyAdministration") as Record<string, unknown>;
        administration.Condition = { Bool: { "kms:GrantIsForAWSResource": "true" } };
        assert.ok(breaches(await grantsOf(built)).includes("nobody may call kms:PutKeyPolicy (the key is locked out)"));
        assert.equal(
            await accepted(built),
            false,
            "the pack accepts a policy under which nobody can change the policy",
        );
    });

    it("refuses a Deny of kms:PutKeyPolicy whose condition every call from the account meets (lockout)", async () => {
        const doc = productionPolicyWith({
            Sid: "DenyPolicyChangesFromTheAccount",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:PutKeyPolicy",
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": account } },
        });
        assert.ok(breaches(await grantsOf(doc)).includes("nobody may call kms:PutKeyPolicy (the key is locked out)"));
        assert.equal(await accepted(doc), false, "the pack accepts a policy under which nobody can change the policy");
    });

    it("finds the breaches in a policy the pack rejects, so the engine's side of the comparison can fail", async () => {
        const doc: Doc = {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { AWS: administrators },
                    Action: ["kms:PutKeyPolicy", "kms:Decrypt"],
                    Resource: "*",
                },
            ],
        };
        assert.equal(await accepted(doc), false);
        assert.deepEqual(
            breaches(await grantsOf(doc)).filter((b) => b.startsWith(administrators[0])),
            [
                `${administrators[0]} may kms:Decrypt@direct (not through a service)`,
                `${administrators[0]} may both use (kms:Decrypt@direct) and manage (kms:PutKeyPolicy@direct) the key`,
            ],
        );
    });
});
