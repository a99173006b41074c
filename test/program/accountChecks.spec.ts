import * as assert from "assert/strict";
import { ConfigError, parseStackConfig } from "../../config/stackConfig";
import {
    checkDeployerAdministers,
    checkPrincipalsExist,
    namedPrincipals,
    principalOfCaller,
} from "../../program/accountChecks";
import { cliConfig } from "../helpers/stackConfig";

const account = { accountId: "111111111111", partition: "aws", region: "ap-northeast-1" };
const FILE = "Pulumi.production.yaml";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ConfigDoc = Record<string, any>;

/** The fixture production stack, with `change` applied to its parsed config. */
function settingsWith(change: (config: ConfigDoc) => void = () => undefined) {
    return parseStackConfig(cliConfig("production", change), "production");
}

function messageOf(run: () => unknown): string {
    try {
        run();
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
    }
    return assert.fail("expected a ConfigError");
}

describe("account checks", () => {
    describe("principalOfCaller", () => {
        it("takes a role session for its role, and tells users, the root user and other callers apart", () => {
            assert.deepEqual(principalOfCaller("arn:aws:sts::111111111111:assumed-role/pulumi-deploy/ci-42"), {
                kind: "role",
                name: "pulumi-deploy",
            });
            assert.deepEqual(principalOfCaller("arn:aws:iam::111111111111:user/ops/alice"), {
                kind: "user",
                arn: "arn:aws:iam::111111111111:user/ops/alice",
            });
            assert.deepEqual(principalOfCaller("arn:aws:iam::111111111111:root"), { kind: "root" });
            for (const other of [
                "arn:aws:sts::111111111111:federated-user/bob",
                "xarn:aws:sts::111111111111:assumed-role/pulumi-deploy/ci",
                "arn:aws:sts::111111111111:assumed-role/pulumi-deploy",
                "arn:aws:iam::111111111111:rootx",
                "xarn:aws:iam::111111111111:user/alice",
                "arn:aws:iam::11111111111:root",
            ]) {
                assert.deepEqual(principalOfCaller(other), { kind: "other" }, other);
            }
        });
    });

    describe("checkDeployerAdministers", () => {
        it("accepts an IAM user who administers every key, and refuses one who does not, naming the user", () => {
            const user = "arn:aws:iam::111111111111:user/ops/alice";
            const settings = settingsWith((c) => {
                for (const key of Object.values(c["kms-keys:keys"] as Record<string, { administrators: string[] }>)) {
                    key.administrators = ["role/KmsKeyAdministrator", "user/ops/alice"];
                }
            });
            assert.doesNotThrow(() => checkDeployerAdministers(FILE, settings, user, account));
            const bob = "arn:aws:iam::111111111111:user/ops/bob";
            assert.equal(
                messageOf(() => checkDeployerAdministers(FILE, settings, bob, account)),
                `${FILE}: kms-keys:keys.aurora-postgres.administrators: ["role/KmsKeyAdministrator","user/ops/alice"] is not allowed; expected a list that names the deploying principal ${bob} (Pulumi runs as ${bob}): AWS refuses to create a key whose policy would not let its creator change it (the lockout safety check)`,
            );
        });

        it("accepts the root user only where a key policy lets it in: the recovery path or the root's kms:*", () => {
            const root = "arn:aws:iam::111111111111:root";
            assert.doesNotThrow(() => checkDeployerAdministers(FILE, settingsWith(), root, account));
            const withoutRecovery = (full: boolean) =>
                settingsWith((c) => {
                    for (const key of Object.values(c["kms-keys:keys"] as Record<string, Record<string, unknown>>)) {
                        key.accountRootRecovery = false;
                        key.allowAccountRootFullAccess = full;
                    }
                });
            assert.doesNotThrow(() => checkDeployerAdministers(FILE, withoutRecovery(true), root, account));
            assert.match(
                messageOf(() => checkDeployerAdministers(FILE, withoutRecovery(false), root, account)),
                /^Pulumi\.production\.yaml: kms-keys:keys\.aurora-postgres\.administrators: .* expected a list that names the deploying principal arn:aws:iam::111111111111:root \(Pulumi runs as arn:aws:iam::111111111111:root\)/,
            );
        });

        it("refuses a federated user, who is never a key administrator", () => {
            const federated = "arn:aws:sts::111111111111:federated-user/bob";
            assert.match(
                messageOf(() => checkDeployerAdministers(FILE, settingsWith(), federated, account)),
                /expected a list that names the deploying principal arn:aws:sts::111111111111:federated-user\/bob /,
            );
        });

        it("matches a role session to an administrator named with a path, but not to a user of that name", () => {
            const settings = settingsWith((c) => {
                for (const key of Object.values(c["kms-keys:keys"] as Record<string, { administrators: string[] }>)) {
                    key.administrators = ["role/ci/deployer", "user/pulumi-deploy"];
                }
            });
            const session = (name: string) => `arn:aws:sts::111111111111:assumed-role/${name}/ci`;
            assert.doesNotThrow(() => checkDeployerAdministers(FILE, settings, session("deployer"), account));
            assert.match(
                messageOf(() => checkDeployerAdministers(FILE, settings, session("pulumi-deploy"), account)),
                /names the deploying principal role\/pulumi-deploy \(Pulumi runs as/,
            );
        });
    });

    describe("checkPrincipalsExist", () => {
        /** Look-ups that find every principal but `missing`, recording what was asked. */
        function lookups(missing: string[], asked: string[], reason = "NoSuchEntity") {
            const find = (kind: string) => async (name: string) => {
                asked.push(`${kind} ${name}`);
                if (missing.includes(`${kind} ${name}`)) {
                    throw new Error(reason);
                }
                return {};
            };
            return { role: find("role"), user: find("user") };
        }

        it("asks IAM once for each principal the stack names, users as users, by their bare names", async () => {
            const settings = settingsWith((c) => {
                c["kms-keys:keys"]["aurora-postgres"].users.push("user/ops/Operator");
            });
            const asked: string[] = [];
            await checkPrincipalsExist(
                FILE,
                namedPrincipals(FILE, settings, account),
                account.accountId,
                lookups([], asked),
            );
            assert.deepEqual(asked.sort(), [
                "role AuroraProvisioner",
                "role DatabaseAdministrator",
                "role KmsKeyAdministrator",
                "role OpenSearchProvisioner",
                "role SearchAdministrator",
                "role pulumi-deploy",
                "role pulumi-preview",
                "user Operator",
            ]);
        });

        it("names the stack-wide auditor where the stack file lists it, and a key's own auditor under its key", async () => {
            const settings = settingsWith((c) => {
                c["kms-keys:keys"].opensearch.auditors = ["role/SearchAuditor"];
            });
            const stackWide = await checkPrincipalsExist(
                FILE,
                namedPrincipals(FILE, settings, account),
                account.accountId,
                lookups(["role pulumi-preview"], []),
            ).catch((e: Error) => e.message);
            assert.match(
                String(stackWide),
                /^Pulumi\.production\.yaml: kms-keys:auditors\[0\]: "role\/pulumi-preview" is not allowed;/,
            );
            const own = await checkPrincipalsExist(
                FILE,
                namedPrincipals(FILE, settings, account),
                account.accountId,
                lookups(["role SearchAuditor"], []),
            ).catch((e: Error) => e.message);
            assert.equal(
                own,
                `${FILE}: kms-keys:keys.opensearch.auditors[0]: "role/SearchAuditor" is not allowed; expected an IAM role or user that exists in account 111111111111 (the look-up of arn:aws:iam::111111111111:role/SearchAuditor failed: NoSuchEntity); AWS refuses a key policy that names a principal that does not exist`,
            );
        });

        it("says when AWS gave no reason", async () => {
            const message = await checkPrincipalsExist(
                FILE,
                namedPrincipals(FILE, settingsWith(), account),
                account.accountId,
                lookups(["role KmsKeyAdministrator"], [], ""),
            ).catch((e: Error) => e.message);
            assert.match(String(message), /failed: AWS gave no reason\); AWS refuses/);
        });
    });
});
