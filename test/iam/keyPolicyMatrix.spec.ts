import * as assert from "assert/strict";
import { AccountContext, buildKeyPolicy, KeyPolicyInput } from "../../components/accessPolicies";
import { runFixture, stackConfigDoc } from "../helpers/stackConfig";
import {
    allActions,
    allKmsOn,
    expectedDecision,
    KeyFacts,
    keyFactsOfStack,
    keyUnderTest,
    managementActions,
    Role,
    roleLookup,
    TableCaller,
    tableCallers,
    tableRequests,
    useActions,
} from "./expectations";
import {
    assertMatrix,
    Decision,
    evaluateMatrix,
    evaluateRequest,
    KeyUnderTest,
    MatrixRequest,
    MatrixResult,
    PolicyJson,
    rowKey,
} from "./matrix";

/** What the stack files say about deletion; the tables take it from the files, this pins the files themselves. */
const deletionAllowed: Record<string, boolean> = { production: false, staging: false, development: true };

/** Decisions of the rows of a table that satisfy `pick`, as "row: decision" lines. */
function rows(result: MatrixResult, requests: readonly MatrixRequest[], pick: (r: MatrixRequest) => boolean): string[] {
    return requests.filter(pick).map((r) => `${rowKey(r)}: ${result.decisions[rowKey(r)]}`);
}

function all(decision: Decision, lines: string[]): string[] {
    return lines.map((l) => `${l.slice(0, l.lastIndexOf(": "))}: ${decision}`);
}

for (const stack of Object.keys(deletionAllowed)) {
    const facts = keyFactsOfStack(stackConfigDoc(stack), "123456789012");

    describe(`IAM evaluation of the ${stack} stack's key policies (index.ts under the mock runtime)`, () => {
        const keys = new Map<string, KeyUnderTest>();

        before(async () => {
            const run = await runFixture(stack, { update: true });
            assert.equal(run.error, undefined);
            for (const key of facts) {
                const registered = run.resources.filter(
                    (r) => r.type === "aws:kms/key:Key" && r.name === `${key.name}-key`,
                );
                assert.equal(registered.length, 1, `one aws:kms/key:Key named ${key.name}-key`);
                const policy = JSON.parse(registered[0].inputs.policy as string) as PolicyJson;
                keys.set(key.name, keyUnderTest(key, policy, registered[0].outputs.arn as string));
            }
        });

        it(`${deletionAllowed[stack] ? "allows" : "does not allow"} administrators to delete keys, as the stack file says`, () => {
            assert.deepEqual(
                facts.map((f) => [f.name, f.allowKeyDeletion]),
                facts.map((f) => [f.name, deletionAllowed[stack]]),
            );
        });

        for (const key of facts) {
            describe(`key ${key.name} (used through ${key.service})`, () => {
                let under: KeyUnderTest;
                let requests: MatrixRequest[];
                let result: MatrixResult;
                let callers: TableCaller[];
                let role: (who: string) => Role;
                const other = key.service === "rds" ? "es" : "rds";

                before(async () => {
                    under = keys.get(key.name) as KeyUnderTest;
                    callers = tableCallers(key, under.arn);
                    role = roleLookup(callers);
                    requests = tableRequests(callers);
                    result = await evaluateMatrix(under, requests);
                });

                it("decides the whole table principal × action × channel as expected, overlooking nothing", async () => {
                    assert.equal(requests.length, callers.length * allActions.length * 3);
                    await assertMatrix(under, requests, (r) => expectedDecision(key, role(r.who), r), {
                        evaluated: result,
                    });
                });

                it(`lets users use the key through ${key.service} only: never directly, never through ${other}`, () => {
                    const users = (r: MatrixRequest) => role(r.who) === "user" && useActions.includes(r.action);
                    const own = rows(result, requests, (r) => users(r) && r.channel === key.service);
                    const elsewhere = rows(
                        result,
                        requests,
                        (r) => users(r) && r.channel !== key.service && r.action !== "kms:DescribeKey",
                    );
                    assert.equal(own.length, key.users.length * useActions.length);
                    assert.deepEqual(own, all("Allowed", own));
                    assert.deepEqual(elsewhere, all("Denied", elsewhere));
                });

                it("lets users describe the key from anywhere (consumer stacks, the consoles' key pickers)", () => {
                    const describe = rows(
                        result,
                        requests,
                        (r) => role(r.who) === "user" && r.action === "kms:DescribeKey",
                    );
                    assert.equal(describe.length, key.users.length * 3);
                    assert.deepEqual(describe, all("Allowed", describe));
                });

                it("lets users keep grants only for AWS resources, through the key's service", () => {
                    const grants = rows(
                        result,
                        requests,
                        (r) => role(r.who) === "user" && r.action === "kms:CreateGrant",
                    );
                    assert.deepEqual(
                        grants,
                        requests
                            .filter((r) => role(r.who) === "user" && r.action === "kms:CreateGrant")
                            .map((r) => `${rowKey(r)}: ${r.channel === key.service ? "Allowed" : "Denied"}`),
                    );
                });

                it("lets administrators manage the key but never encrypt, decrypt or grant themselves use", () => {
                    const admins = (r: MatrixRequest) => role(r.who) === "administrator";
                    const manage = rows(result, requests, (r) => admins(r) && managementActions.includes(r.action));
                    const use = rows(
                        result,
                        requests,
                        (r) =>
                            admins(r) &&
                            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant"].includes(r.action),
                    );
                    assert.deepEqual(manage, all("Allowed", manage));
                    assert.equal(use.length, key.administrators.length * 4 * 3);
                    assert.deepEqual(use, all("Denied", use));
                });

                it(`${key.allowKeyDeletion ? "lets" : "does not let"} administrators schedule the key's deletion`, () => {
                    const deletion = rows(
                        result,
                        requests,
                        (r) => role(r.who) === "administrator" && r.action === "kms:ScheduleKeyDeletion",
                    );
                    assert.deepEqual(deletion, all(key.allowKeyDeletion ? "Allowed" : "Denied", deletion));
                    const anybodyElse = rows(
                        result,
                        requests,
                        (r) => role(r.who) !== "administrator" && r.action === "kms:ScheduleKeyDeletion",
                    );
                    assert.deepEqual(anybodyElse, all("Denied", anybodyElse));
                });

                it("denies every action to an unlisted role, the other keys' principals, another account and an anonymous caller", () => {
                    const strangers = rows(result, requests, (r) =>
                        [
                            "unlisted role",
                            "unlisted role with IAM kms:*",
                            "principal of another key",
                            "principal of another account with IAM kms:*",
                            "anonymous",
                        ].includes(role(r.who)),
                    );
                    assert.ok(strangers.length >= 5 * allActions.length * 3);
                    assert.deepEqual(strangers, all("Denied", strangers));
                });

                it("cannot lock anybody out, and is usable: somebody may call kms:PutKeyPolicy, somebody may decrypt", () => {
                    const allowed = (action: string, channel?: string) =>
                        requests.filter(
                            (r) =>
                                r.action === action &&
                                (channel === undefined || r.channel === channel) &&
                                result.decisions[rowKey(r)] === "Allowed",
                        ).length;
                    assert.ok(allowed("kms:PutKeyPolicy") >= 1, "nobody can change the key policy");
                    assert.ok(allowed("kms:Decrypt", key.service) >= 1, `nobody can decrypt through ${key.service}`);
                });
            });
        }
    });
}

const account: AccountContext = { accountId: "111111111111", partition: "aws", region: "ap-northeast-1" };

function synthetic(input: Partial<KeyPolicyInput>): { facts: KeyFacts; under: KeyUnderTest } {
    const full: KeyPolicyInput = {
        integratedService: "rds",
        administrators: ["role/KeyAdmin"],
        users: ["role/AppRole", "user/ops/Operator"],
        auditors: [],
        crossAccountUsers: [],
        allowKeyDeletion: false,
        accountRootRecovery: true,
        allowAccountRootFullAccess: false,
        ...input,
    };
    const facts = keyFactsOfStack(
        {
            "aws:region": account.region,
            "aws:allowedAccountIds": [account.accountId],
            "kms-keys:keys": { key: full },
        },
        account.accountId,
    )[0];
    return { facts, under: keyUnderTest(facts, buildKeyPolicy(full, account) as unknown as PolicyJson) };
}

async function table(
    facts: KeyFacts,
    under: KeyUnderTest,
): Promise<{ result: MatrixResult; requests: MatrixRequest[] }> {
    const callers = tableCallers(facts, under.arn);
    const role = roleLookup(callers);
    const requests = tableRequests(callers);
    const result = await assertMatrix(under, requests, (r) => expectedDecision(facts, role(r.who), r));
    return { result, requests };
}

describe("IAM evaluation of built key policies", () => {
    it("lets cross-account users use the key through the service when their own account allows it, and nobody else of theirs", async () => {
        const { facts, under } = synthetic({
            crossAccountUsers: ["arn:aws:iam::222222222222:role/Consumer", "arn:aws:iam::333333333333:user/Reader"],
        });
        const { result } = await table(facts, under);
        const decision = (who: string, action: string, channel: string) =>
            result.decisions[rowKey({ who, action, channel: channel as MatrixRequest["channel"] })];
        assert.equal(
            decision("cross-account user arn:aws:iam::222222222222:role/Consumer", "kms:Decrypt", "rds"),
            "Allowed",
        );
        assert.equal(
            decision("cross-account user arn:aws:iam::333333333333:user/Reader", "kms:CreateGrant", "rds"),
            "Allowed",
        );
        assert.equal(
            decision("cross-account user arn:aws:iam::222222222222:role/Consumer", "kms:Decrypt", "direct"),
            "Denied",
        );
        assert.equal(
            decision("cross-account user arn:aws:iam::222222222222:role/Consumer", "kms:Decrypt", "es"),
            "Denied",
        );
        assert.equal(
            decision(
                "cross-account user without IAM permission arn:aws:iam::222222222222:role/Consumer",
                "kms:Decrypt",
                "rds",
            ),
            "Denied",
        );
        assert.equal(
            decision(
                "principal of another account with IAM kms:* arn:aws:iam::111111111112:role/Outsider",
                "kms:Decrypt",
                "rds",
            ),
            "Denied",
        );
    });

    it("a cross-account user's kms:CallerAccount must be their own account: posing as the key's account is denied", async () => {
        const { under } = synthetic({ crossAccountUsers: ["arn:aws:iam::222222222222:role/Consumer"] });
        const outcome = await evaluateRequest(under, {
            who: "cross-account user posing as the key's account",
            caller: {
                kind: "principal",
                arn: "arn:aws:iam::222222222222:role/Consumer",
                identityPolicies: [allKmsOn(under.arn)],
            },
            action: "kms:Decrypt",
            channel: "rds",
            extraContext: { "kms:CallerAccount": account.accountId },
        });
        assert.deepEqual(outcome, { decision: "Denied", problems: [] });
    });

    it("without the account root statement an IAM policy of the account grants nothing on the key", async () => {
        const { facts, under } = synthetic({ allowAccountRootFullAccess: false });
        const { result, requests } = await table(facts, under);
        const iam = rows(
            result,
            requests,
            (r) => r.who === "unlisted role with IAM kms:* role/UnlistedRoleWithIamPolicy",
        );
        assert.equal(iam.length, allActions.length * 3);
        assert.deepEqual(iam, all("Denied", iam));
    });

    it("with the account root statement an IAM policy of the account grants what it says, and no IAM policy nothing", async () => {
        const { facts, under } = synthetic({ allowAccountRootFullAccess: true, allowKeyDeletion: true });
        const { result, requests } = await table(facts, under);
        const iam = rows(
            result,
            requests,
            (r) => r.who === "unlisted role with IAM kms:* role/UnlistedRoleWithIamPolicy",
        );
        assert.deepEqual(iam, all("Allowed", iam));
        const none = rows(result, requests, (r) => r.who === "unlisted role role/UnlistedRole");
        assert.deepEqual(none, all("Denied", none));
    });

    it("an AWS Backup service role and a Performance Insights viewer listed as users of the Aurora key work through rds, never directly", async () => {
        // AWS Backup copies and restores Aurora recovery points through RDS, which uses the key on the service role's
        // behalf (decrypt, re-encrypt, grants for the copy); Performance Insights viewers need kms:Decrypt and
        // kms:GenerateDataKey through rds.
        // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_PerfInsights.access-control.cmk-policy.html
        const backup = "role/service-role/AWSBackupDefaultServiceRole";
        const viewer = "role/PerformanceInsightsViewer";
        const { facts, under } = synthetic({ users: [backup, viewer] });
        const { result } = await table(facts, under);
        const decision = (who: string, action: string, channel: string) =>
            result.decisions[rowKey({ who: `user ${who}`, action, channel: channel as "rds" })];
        for (const who of [backup, viewer]) {
            for (const action of ["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"]) {
                assert.equal(decision(who, action, "rds"), "Allowed", `${who} ${action} through rds`);
                assert.equal(decision(who, action, "direct"), "Denied", `${who} ${action} directly`);
            }
        }
    });

    it("an OpenSearch key is used through es only", async () => {
        const { facts, under } = synthetic({ integratedService: "es", allowKeyDeletion: true });
        const { result } = await table(facts, under);
        assert.equal(
            result.decisions[rowKey({ who: "user role/AppRole", action: "kms:Decrypt", channel: "es" })],
            "Allowed",
        );
        assert.equal(
            result.decisions[rowKey({ who: "user role/AppRole", action: "kms:Decrypt", channel: "rds" })],
            "Denied",
        );
    });
});

describe("the matrix fails when the engine overlooks something", () => {
    // Built in a hook, not while mocha collects the tests: a builder that throws must fail tests, not the file.
    let under: KeyUnderTest;
    let requests: MatrixRequest[];
    let expected: (r: MatrixRequest) => Decision;
    before(() => {
        const built = synthetic({});
        under = built.under;
        const callers = tableCallers(built.facts, under.arn);
        const role = roleLookup(callers);
        expected = (r) => expectedDecision(built.facts, role(r.who), r);
        requests = tableRequests(callers);
    });
    const withStatements = (change: (statements: Record<string, unknown>[]) => void): KeyUnderTest => {
        const policy = JSON.parse(JSON.stringify(under.policy)) as { Statement: Record<string, unknown>[] };
        change(policy.Statement);
        return { ...under, policy };
    };

    it("passes the policy as built", async () => {
        await assertMatrix(under, requests, expected);
    });

    it("a misspelt condition key (kms:ViaSevice) fails it", async () => {
        const misspelt = {
            ...under,
            policy: JSON.parse(JSON.stringify(under.policy).replace(/kms:ViaService/g, "kms:ViaSevice")) as PolicyJson,
        };
        await assert.rejects(
            assertMatrix(misspelt, requests, expected),
            (error: Error) =>
                error.message.includes("the engine overlooked parts of the requests or of the policy") &&
                error.message.includes(
                    "key policy statement KeyUseThroughIntegratedService tests the condition key kms:ViaSevice, which kms:Decrypt never carries",
                ),
        );
    });

    it("a misspelt key in a guard that never fires fails it, although every decision is as expected", async () => {
        const guarded = withStatements((statements) =>
            statements.push({
                Sid: "DenyOutsiders",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "kms:*",
                Resource: "*",
                Condition: { StringEquals: { "aws:PrincipalAcount": "111111111112" } },
            }),
        );
        const result = await evaluateMatrix(guarded, requests);
        const wrong = requests.filter((r) => result.decisions[rowKey(r)] !== expected(r));
        assert.deepEqual(wrong, []);
        await assert.rejects(assertMatrix(guarded, requests, expected), /tests the condition key aws:PrincipalAcount/);
    });

    it("a condition key of another action (kms:GrantIsForAWSResource on Decrypt) fails it", async () => {
        const wrongKey = withStatements((statements) => {
            const use = statements.find((s) => s.Sid === "KeyUseThroughIntegratedService") as {
                Condition: Record<string, Record<string, string>>;
            };
            use.Condition.Bool = { "kms:GrantIsForAWSResource": "true" };
        });
        await assert.rejects(
            assertMatrix(wrongKey, requests, expected),
            /KeyUseThroughIntegratedService tests the condition key kms:GrantIsForAWSResource, which kms:Decrypt never carries/,
        );
    });

    it("a condition that holds only because its key is missing (…IfExists) fails it", async () => {
        const lenient = withStatements((statements) => {
            const use = statements.find((s) => s.Sid === "KeyUseThroughIntegratedService") as {
                Condition: Record<string, Record<string, string>>;
            };
            use.Condition = { StringEqualsIfExists: use.Condition.StringEquals };
        });
        await assert.rejects(
            assertMatrix(lenient, requests, expected),
            /administrator role\/KeyAdmin × kms:Decrypt × direct: key policy statement KeyUseThroughIntegratedService matched only because kms:ViaService is missing from the request/,
        );
    });

    it("a request context key the engine drops for the action fails it", async () => {
        const outcome = await evaluateRequest(under, {
            who: "user role/AppRole",
            caller: { kind: "principal", arn: "arn:aws:iam::111111111111:role/AppRole" },
            action: "kms:Decrypt",
            channel: "rds",
            extraContext: { "kms:GrantIsForAWSResource": "true" },
        });
        assert.deepEqual(outcome.problems, [
            "user role/AppRole × kms:Decrypt × rds: the engine ignored the request context keys kms:GrantIsForAWSResource (not carried by kms:Decrypt)",
        ]);
    });

    it("a wrong decision fails it, naming the row", async () => {
        await assert.rejects(
            assertMatrix(under, requests, (r) =>
                r.who === "anonymous" && r.action === "kms:Decrypt" && r.channel === "rds" ? "Allowed" : expected(r),
            ),
            /anonymous × kms:Decrypt × rds: expected Allowed, the engine says Denied/,
        );
    });

    it("a table that never asks about an action of the policy fails it", async () => {
        await assert.rejects(
            assertMatrix(
                under,
                requests.filter((r) => r.action !== "kms:RotateKeyOnDemand"),
                expected,
            ),
            /actions the key policy names but the table never asks about/,
        );
    });
});
