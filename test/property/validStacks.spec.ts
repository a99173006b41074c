import * as assert from "assert/strict";
import fc from "fast-check";
import { parseStackConfig } from "../../config/stackConfig";
import { buildKeyPolicy } from "../../components/accessPolicies";
import { allPolicies } from "../../policies/all";
import { readStackConfig, runProgram } from "../../tools/lib/programRunner";
import { PackConfig, resourceSpecOf, runPack } from "../helpers/policyHarness";
import { projectDir } from "../helpers/stackConfig";
import {
    expectedDecision,
    KeyFacts,
    keyFactsOfStack,
    keyUnderTest,
    roleLookup,
    tableCallers,
    tableRequests,
} from "../iam/expectations";
import { assertMatrix, KeyUnderTest, MatrixRequest, PolicyJson, rowKey } from "../iam/matrix";
import { GeneratedKey, GeneratedStack, validStack } from "./arbitraries";
import { countRuns } from "./runs";

/** How many rows of a key's table (about a thousand) each generated case evaluates, besides the essential ones. */
const sampledRows = 30;

function accountOf(generated: GeneratedStack): string {
    return (generated.config["aws:allowedAccountIds"] as string[])[0];
}

function keysOf(generated: GeneratedStack): Record<string, GeneratedKey> {
    return generated.config["kms-keys:keys"] as Record<string, GeneratedKey>;
}

/**
 * A sample of a key's table: the rows that prove the key manageable and usable (every administrator's PutKeyPolicy,
 * every user's Decrypt through the key's service and directly, CreateGrant through the service) and `picks` rows
 * chosen at random from the rest.
 */
function sampleOf(
    facts: KeyFacts,
    under: KeyUnderTest,
    picks: number[],
): { requests: MatrixRequest[]; expected: (r: MatrixRequest) => "Allowed" | "Denied" } {
    const callers = tableCallers(facts, under.arn);
    const role = roleLookup(callers);
    const table = tableRequests(callers);
    const essential = table.filter(
        (r) =>
            (role(r.who) === "administrator" && r.action === "kms:PutKeyPolicy" && r.channel === "direct") ||
            (role(r.who) === "user" &&
                r.action === "kms:Decrypt" &&
                (r.channel === facts.service || r.channel === "direct")) ||
            (role(r.who) === "cross-account user" && r.action === "kms:CreateGrant" && r.channel === facts.service),
    );
    const chosen = new Set([...essential.map(rowKey), ...picks.map((p) => rowKey(table[p % table.length]))]);
    return {
        requests: table.filter((r) => chosen.has(rowKey(r))),
        expected: (r) => expectedDecision(facts, role(r.who), r),
    };
}

/** A pack config that allows what the generated stack legitimately asks for: its accounts, administrators, options. */
function packConfigFor(generated: GeneratedStack): PackConfig {
    const account = accountOf(generated);
    const region = generated.config["aws:region"] as string;
    const keys = Object.values(keysOf(generated));
    const arn = (ref: string) => (ref.startsWith("arn:") ? ref : `arn:aws:iam::${account}:${ref}`);
    const root = keys.some((k) => k.allowAccountRootFullAccess);
    return {
        "kms-key-rotation-enabled": { maxRotationPeriodInDays: Math.max(...keys.map((k) => k.rotationPeriodInDays)) },
        "kms-key-deletion-window": { minDeletionWindowInDays: 7, maxDeletionWindowInDays: 30 },
        "kms-key-protected": { requireProtect: keys.every((k) => k.protect) },
        "kms-key-policy-no-full-access": { allowAccountRootFullAccess: root },
        "kms-key-policy-separation-of-duties": { allowAccountRootFullAccess: root },
        "kms-key-policy-grants-for-aws-resources": { allowAccountRootFullAccess: root },
        "kms-key-policy-service-scoped-use": {
            requireViaService: true,
            allowedViaServices: [`rds.${region}.amazonaws.com`, `es.${region}.amazonaws.com`],
            allowAccountRootFullAccess: root,
        },
        "kms-key-policy-admin-rights": {
            keyAdministrators: [...new Set(keys.flatMap((k) => k.administrators.map(arn)))],
            allowAccountRootFullAccess: root,
        },
        "kms-key-policy-trusted-accounts": {
            allowedAccountIds: [
                ...new Set([account, ...keys.flatMap((k) => k.crossAccountUsers.map((u) => u.split(":")[4]))]),
            ],
        },
    };
}

/** A stack the pack may judge: the endpoint with private DNS, which the pack requires whatever the config allows. */
const judgeableStack = validStack().map((generated) => {
    const endpoint = generated.config["kms-keys:vpcEndpoint"] as Record<string, unknown>;
    if (endpoint.enabled) {
        endpoint.privateDnsEnabled = true;
    }
    return generated;
});

describe("properties of generated valid stacks", () => {
    it("build key policies that pass the IAM matrix", async () => {
        await fc.assert(
            fc.asyncProperty(
                validStack(),
                fc.array(fc.nat(), { minLength: sampledRows, maxLength: sampledRows }),
                async (generated, picks) => {
                    const settings = parseStackConfig(
                        readStackConfig(projectDir, "kms-keys", generated.stack, generated.config),
                        generated.stack,
                    );
                    const account = { accountId: accountOf(generated), partition: "aws", region: settings.region };
                    for (const facts of keyFactsOfStack(generated.config, account.accountId)) {
                        const policy = buildKeyPolicy(settings.keys[facts.name], account) as unknown as PolicyJson;
                        const under = keyUnderTest(facts, policy);
                        const { requests, expected } = sampleOf(facts, under, picks);
                        await assertMatrix(under, requests, expected, { sampled: true });
                    }
                },
            ),
            countRuns("generated key policies pass the IAM matrix", { numRuns: 25 }),
        );
    });

    it("run through the program into key policies that pass the IAM matrix and every mandatory policy of the pack", async () => {
        await fc.assert(
            fc.asyncProperty(
                judgeableStack,
                fc.array(fc.nat(), { minLength: sampledRows, maxLength: sampledRows }),
                async (generated, picks) => {
                    const run = await runProgram(generated.stack, { configOverride: generated.config, update: true });
                    assert.equal(run.error, undefined);
                    for (const facts of keyFactsOfStack(generated.config, accountOf(generated))) {
                        const key = run.resources.find(
                            (r) => r.type === "aws:kms/key:Key" && r.name === `${facts.name}-key`,
                        );
                        assert.ok(key, `the key ${facts.name} is registered`);
                        const under = keyUnderTest(
                            facts,
                            JSON.parse(key.inputs.policy as string) as PolicyJson,
                            key.outputs.arn as string,
                        );
                        const { requests, expected } = sampleOf(facts, under, picks);
                        await assertMatrix(under, requests, expected, { sampled: true });
                    }
                    const verdict = await runPack(
                        allPolicies,
                        run.resources.map(resourceSpecOf),
                        packConfigFor(generated),
                    );
                    assert.deepEqual(
                        verdict.violations
                            .filter((v) => v.enforcementLevel === "mandatory")
                            .map((v) => `${v.policy}: ${v.message}`),
                        [],
                    );
                    assert.deepEqual(verdict.undecided, []);
                },
            ),
            countRuns("generated stacks through the program, the IAM matrix and the pack", { numRuns: 8 }),
        );
    });

    it("fails the pack check where the pack config does not allow the stack's cross-account users", async () => {
        const [generated] = fc.sample(
            judgeableStack.filter((g) => Object.values(keysOf(g)).some((k) => k.crossAccountUsers.length > 0)),
            { numRuns: 1, seed: 7 },
        );
        const run = await runProgram(generated.stack, { configOverride: generated.config, update: true });
        const config = packConfigFor(generated);
        config["kms-key-policy-trusted-accounts"] = { allowedAccountIds: [accountOf(generated)] };
        const verdict = await runPack(allPolicies, run.resources.map(resourceSpecOf), config);
        const untrusted = verdict.violations.filter((v) => v.policy === "kms-key-policy-trusted-accounts");
        assert.ok(untrusted.length > 0);
        assert.ok(untrusted.every((v) => v.enforcementLevel === "mandatory"));
    });
});
