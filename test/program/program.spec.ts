import * as assert from "assert/strict";
import { defaultInvokeAnswer, ProgramRun, RegisteredResource, unknownValue } from "../../tools/lib/programRunner";
import { cliConfig, runFixture, stackConfigDoc } from "../helpers/stackConfig";
import { bySid } from "../helpers/statements";

/** What the parameter sheet and the stack files say each stack must have. */
const stacks = {
    production: {
        account: "111111111111",
        window: 30,
        protect: true,
        retain: true,
        deletion: false,
        endpoint: true,
        auditors: true,
    },
    staging: {
        account: "222222222222",
        window: 14,
        protect: true,
        retain: false,
        deletion: false,
        endpoint: true,
        auditors: true,
    },
    development: {
        account: "333333333333",
        window: 7,
        protect: false,
        retain: false,
        deletion: true,
        endpoint: false,
        auditors: false,
    },
} as const;

const sheet = {
    "aurora-postgres": {
        alias: "alias/aurora-postgres-serverless-v2",
        description: "Aurora PostgreSQL Serverless v2 database encryption key",
        name: "aurora-postgres-kms-key",
        service: "Aurora-PostgreSQL",
        via: "rds.ap-northeast-1.amazonaws.com",
        users: ["AuroraProvisioner", "DatabaseAdministrator"],
    },
    opensearch: {
        alias: "alias/opensearch-data-encryption",
        description: "OpenSearch Service data at rest encryption key",
        name: "opensearch-kms-key",
        service: "OpenSearch",
        via: "es.ap-northeast-1.amazonaws.com",
        users: ["OpenSearchProvisioner", "SearchAdministrator"],
    },
} as const;

function byUrnSuffix(run: ProgramRun, suffix: string): RegisteredResource {
    const found = run.resources.filter((r) => r.urn.endsWith(suffix));
    assert.equal(found.length, 1, `exactly one resource ending with ${suffix}`);
    return found[0];
}

for (const [stack, expected] of Object.entries(stacks)) {
    describe(`the ${stack} stack (index.ts under the mock runtime, config from Pulumi.${stack}.yaml)`, () => {
        const prefix = `urn:pulumi:${stack}::kms-keys::`;
        // The tests share one run of the stack, except under mutation testing, where each runs the program itself so
        // that Stryker can tell which test exercises which line (its per-test coverage).
        let shared: Promise<ProgramRun> | undefined;
        const runStack = () =>
            (globalThis as { __stryker__?: unknown }).__stryker__ !== undefined
                ? runFixture(stack)
                : (shared ??= runFixture(stack));

        it("runs without a config error", async () => {
            const run = await runStack();
            assert.equal(run.error, undefined);
        });

        it("asks AWS for the account, partition and region once, and for each named principal once", async () => {
            const run = await runStack();
            const counts: Record<string, number> = {};
            for (const { token } of run.invokes) {
                counts[token] = (counts[token] ?? 0) + 1;
            }
            // Every principal the stack file names is looked up once, however many keys name it.
            const doc = stackConfigDoc(stack);
            const keys = Object.values(doc["kms-keys:keys"] as Record<string, Record<string, string[]>>);
            const principals = new Set([
                ...keys.flatMap((k) => [...k.administrators, ...k.users, ...(k.auditors ?? [])]),
                ...((doc["kms-keys:auditors"] as string[] | undefined) ?? []),
            ]);
            assert.deepEqual(counts, {
                "aws:index/getCallerIdentity:getCallerIdentity": 1,
                "aws:index/getPartition:getPartition": 1,
                "aws:index/getRegion:getRegion": 1,
                "aws:iam/getRole:getRole": principals.size,
                ...(expected.endpoint
                    ? {
                          "aws:ec2/getVpc:getVpc": 1,
                          "aws:ec2/getSubnet:getSubnet": 2,
                          "aws:ec2/getVpcEndpointService:getVpcEndpointService": 1,
                      }
                    : {}),
            });
        });

        for (const [name, key] of Object.entries(sheet)) {
            describe(`key ${name}`, () => {
                it("is a symmetric, single-region, rotating key with the stack's deletion window", async () => {
                    const run = await runStack();
                    const inputs = byUrnSuffix(run, `::${name}-key`).inputs;
                    const { policy: _policy, ...rest } = inputs;
                    assert.deepEqual(rest, {
                        description: key.description,
                        keyUsage: "ENCRYPT_DECRYPT",
                        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                        multiRegion: false,
                        isEnabled: true,
                        enableKeyRotation: true,
                        rotationPeriodInDays: 365,
                        deletionWindowInDays: expected.window,
                        bypassPolicyLockoutSafetyCheck: false,
                        tags: {
                            Name: key.name,
                            Service: key.service,
                            Environment: stack,
                            ManagedBy: "Pulumi",
                            CostCenter: "platform-security",
                        },
                    });
                });

                it("has the stack's protection against deletion", async () => {
                    const run = await runStack();
                    const resource = byUrnSuffix(run, `::${name}-key`);
                    assert.equal(resource.protect, expected.protect);
                    assert.equal(resource.retainOnDelete, expected.retain);
                    assert.equal(resource.parent, `${prefix}kms-keys:kms:KmsKey::${name}`);
                });

                it("has a key policy known at preview, scoped to its own service and account", async () => {
                    const run = await runStack();
                    const policy = JSON.parse(byUrnSuffix(run, `::${name}-key`).inputs.policy as string);
                    const arn = (n: string) => `arn:aws:iam::${expected.account}:role/${n}`;
                    const scope = { "kms:ViaService": key.via, "kms:CallerAccount": expected.account };
                    assert.deepEqual(
                        policy.Statement.map((s: { Sid: string }) => s.Sid),
                        [
                            "AccountRootUserRecovery",
                            "KeyAdministration",
                            ...(expected.auditors ? ["KeyAudit"] : []),
                            "KeyDescriptionForUsers",
                            "KeyUseThroughIntegratedService",
                            "GrantsForIntegratedService",
                        ],
                    );
                    assert.deepEqual(bySid(policy, "AccountRootUserRecovery"), {
                        Sid: "AccountRootUserRecovery",
                        Effect: "Allow",
                        Principal: { AWS: [`arn:aws:iam::${expected.account}:root`] },
                        Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:PrincipalType": "Account" } },
                    });
                    const administration = bySid(policy, "KeyAdministration");
                    assert.deepEqual(administration.Principal.AWS, [arn("KmsKeyAdministrator"), arn("pulumi-deploy")]);
                    assert.equal(administration.Action.includes("kms:ScheduleKeyDeletion"), expected.deletion);
                    if (expected.auditors) {
                        assert.deepEqual(bySid(policy, "KeyAudit"), {
                            Sid: "KeyAudit",
                            Effect: "Allow",
                            Principal: { AWS: [arn("pulumi-preview")] },
                            Action: [
                                "kms:DescribeKey",
                                "kms:GetKeyPolicy",
                                "kms:GetKeyRotationStatus",
                                "kms:ListGrants",
                                "kms:ListKeyRotations",
                                "kms:ListResourceTags",
                            ],
                            Resource: "*",
                        });
                    }
                    assert.deepEqual(bySid(policy, "KeyDescriptionForUsers").Principal.AWS, key.users.map(arn));
                    assert.deepEqual(bySid(policy, "KeyDescriptionForUsers").Action, ["kms:DescribeKey"]);
                    const use = bySid(policy, "KeyUseThroughIntegratedService");
                    assert.deepEqual(use.Principal.AWS, key.users.map(arn));
                    assert.deepEqual(use.Condition, { StringEquals: scope });
                    assert.deepEqual(bySid(policy, "GrantsForIntegratedService").Condition, {
                        Bool: { "kms:GrantIsForAWSResource": "true" },
                        StringEquals: scope,
                    });
                });

                it("has its alias, linked to the key by a dependency the engine sees at preview", async () => {
                    const run = await runStack();
                    const alias = byUrnSuffix(run, `::${name}-alias`);
                    assert.deepEqual(alias.inputs, { name: key.alias, targetKeyId: unknownValue });
                    assert.deepEqual(alias.propertyDependencies.targetKeyId, [
                        `${prefix}kms-keys:kms:KmsKey$aws:kms/key:Key::${name}-key`,
                    ]);
                });

                it("exports its id, ARN and alias", async () => {
                    const run = await runStack();
                    const outputs = run.outputs.keys as Record<string, Record<string, unknown>>;
                    assert.deepEqual(outputs[name], { keyId: unknownValue, arn: unknownValue, alias: key.alias });
                });
            });
        }

        if (expected.endpoint) {
            it("has a private-DNS KMS interface endpoint in two zones, restricted to this account", async () => {
                const run = await runStack();
                const endpoint = byUrnSuffix(run, "::kms-endpoint");
                const { subnetIds, vpcId, policy, ...rest } = endpoint.inputs;
                assert.deepEqual(rest, {
                    serviceName: "com.amazonaws.ap-northeast-1.kms",
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    securityGroupIds: [unknownValue],
                    tags: {
                        Name: "kms-vpc-endpoint",
                        Environment: stack,
                        ManagedBy: "Pulumi",
                        CostCenter: "platform-security",
                    },
                });
                assert.deepEqual(JSON.parse(policy as string).Statement[0].Condition, {
                    StringEquals: { "aws:PrincipalAccount": expected.account },
                });
                const subnetLookups = run.invokes.filter((i) => i.token === "aws:ec2/getSubnet:getSubnet");
                assert.deepEqual(
                    subnetLookups.map((i) => [i.args.cidrBlock, i.args.availabilityZone, i.args.vpcId]),
                    [
                        ["10.0.1.0/24", "ap-northeast-1a", vpcId],
                        ["10.0.2.0/24", "ap-northeast-1c", vpcId],
                    ],
                );
                assert.equal((subnetIds as string[]).length, 2);
                for (const id of subnetIds as string[]) {
                    assert.match(id, /^subnet-[0-9a-f]{17}$/);
                }
                assert.deepEqual(
                    subnetIds,
                    subnetLookups.map((i) => defaultInvokeAnswer(run.config, i.token, i.args).id),
                );
                assert.deepEqual(endpoint.propertyDependencies.securityGroupIds, [
                    `${prefix}kms-keys:network:KmsVpcEndpoint$aws:ec2/securityGroup:SecurityGroup::kms-sg`,
                ]);
            });

            it("admits only HTTPS from the VPC's 10.0.0.0/16, with no egress rule", async () => {
                const run = await runStack();
                const rule = byUrnSuffix(run, "::kms-https-from-vpc");
                assert.deepEqual(rule.inputs, {
                    securityGroupId: unknownValue,
                    description: "HTTPS from the VPC",
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrIpv4: "10.0.0.0/16",
                });
                assert.ok(!run.resources.some((r) => r.type.includes("Egress")));
                const group = byUrnSuffix(run, "::kms-sg");
                assert.equal(group.inputs.ingress, undefined);
                assert.equal(group.inputs.egress, undefined);
            });

            it("exports the endpoint's id, DNS entries and security group", async () => {
                const run = await runStack();
                assert.deepEqual(Object.keys(run.outputs.vpcEndpoint as object).sort(), [
                    "dnsEntries",
                    "endpointId",
                    "securityGroupId",
                ]);
            });
        } else {
            it("has no endpoint and exports none", async () => {
                const run = await runStack();
                assert.equal(run.outputs.vpcEndpoint, undefined);
            });
        }
    });
}

describe("bad input stops the program before any resource is registered", () => {
    const onlyTheStack = (run: ProgramRun) =>
        assert.deepEqual(
            run.resources.map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );

    it("a config error is one message naming the file, the key and the value", async () => {
        const config = stackConfigDoc("staging");
        (config["kms-keys:keys"] as Record<string, Record<string, unknown>>).opensearch.deletionWindowInDays = 6;
        const run = await runFixture("staging", { configOverride: config });
        assert.equal(
            run.error,
            "Pulumi.staging.yaml: kms-keys:keys.opensearch.deletionWindowInDays: 6 is not allowed; expected an integer from 7 to 30 (days AWS waits before deleting a key scheduled for deletion)",
        );
        onlyTheStack(run);
    });

    it("a principal ARN of another account is refused against the deploying account", async () => {
        const config = stackConfigDoc("development");
        delete config["aws:allowedAccountIds"];
        (config["kms-keys:keys"] as Record<string, Record<string, string[]>>)["aurora-postgres"].users = [
            "arn:aws:iam::999999999999:role/Elsewhere",
        ];
        const run = await runFixture("development", { configOverride: config });
        assert.equal(
            run.error,
            'Pulumi.development.yaml: kms-keys:keys.aurora-postgres.users[0]: "arn:aws:iam::999999999999:role/Elsewhere" is not allowed; expected a principal of the deploying account 123456789012 (arn:aws:iam::999999999999:role/Elsewhere is not a principal of account 123456789012 (partition aws); list principals of other accounts in crossAccountUsers)',
        );
        onlyTheStack(run);
    });

    it("a subnet found in another VPC is refused", async () => {
        const run = await runFixture("production", {
            invokes: (token, args) =>
                token === "aws:ec2/getSubnet:getSubnet" && args.availabilityZone === "ap-northeast-1c"
                    ? {
                          id: "subnet-0aaaaaaaaaaaaaaaa",
                          vpcId: "vpc-0bbbbbbbbbbbbbbbb",
                          cidrBlock: "10.0.2.0/24",
                          availabilityZone: "ap-northeast-1c",
                      }
                    : undefined,
        });
        assert.match(
            run.error ?? "",
            /^Pulumi\.production\.yaml: kms-keys:vpcEndpoint\.subnets\[1\]: \{"cidrBlock":"10\.0\.2\.0\/24","availabilityZone":"ap-northeast-1c"\} is not allowed; expected a subnet of the endpoint's VPC vpc-[0-9a-f]{17} \(10\.0\.0\.0\/16\); this one is 10\.0\.2\.0\/24 in vpc-0bbbbbbbbbbbbbbbb$/,
        );
        onlyTheStack(run);
    });

    it("subnets given by id that turn out to share a zone are refused", async () => {
        const config = stackConfigDoc("production");
        config["kms-keys:vpcEndpoint"] = {
            enabled: true,
            vpcId: "vpc-0123456789abcdef0",
            subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        };
        const run = await runFixture("production", {
            configOverride: config,
            invokes: (token, args) => {
                if (token === "aws:ec2/getVpc:getVpc") {
                    return { id: "vpc-0123456789abcdef0", cidrBlock: "10.0.0.0/16" };
                }
                if (token === "aws:ec2/getSubnet:getSubnet") {
                    const n = (args.id as string).endsWith("0") ? 1 : 2;
                    return {
                        id: args.id,
                        vpcId: "vpc-0123456789abcdef0",
                        cidrBlock: `10.0.${n}.0/24`,
                        availabilityZone: "ap-northeast-1a",
                    };
                }
                return undefined;
            },
        });
        assert.equal(
            run.error,
            'Pulumi.production.yaml: kms-keys:vpcEndpoint.subnetIds: ["ap-northeast-1a","ap-northeast-1a"] is not allowed; expected subnets in at least two different availability zones (the endpoint must survive the loss of one zone)',
        );
        onlyTheStack(run);
    });

    it("refuses to deploy as a role that does not administer every key, before registering anything", async () => {
        const run = await runFixture("production", {
            invokes: (token) =>
                token === "aws:index/getCallerIdentity:getCallerIdentity"
                    ? {
                          accountId: "111111111111",
                          arn: "arn:aws:sts::111111111111:assumed-role/AuroraProvisioner/ci",
                          userId: "AROAEXAMPLE:ci",
                      }
                    : undefined,
        });
        assert.equal(
            run.error,
            'Pulumi.production.yaml: kms-keys:keys.aurora-postgres.administrators: ["role/KmsKeyAdministrator","role/pulumi-deploy"] is not allowed; expected a list that names the deploying principal role/AuroraProvisioner (Pulumi runs as arn:aws:sts::111111111111:assumed-role/AuroraProvisioner/ci): AWS refuses to create a key whose policy would not let its creator change it (the lockout safety check)',
        );
        onlyTheStack(run);
    });

    it("accepts a deploying role session whatever its session name, and a role named with a path", async () => {
        const config = stackConfigDoc("production");
        for (const key of Object.values(config["kms-keys:keys"] as Record<string, { administrators: string[] }>)) {
            key.administrators = ["role/KmsKeyAdministrator", "role/ci/pulumi-deploy"];
        }
        const run = await runFixture("production", { configOverride: config });
        assert.equal(run.error, undefined);
    });

    it("refuses a key policy principal that does not exist, naming where the stack file names it", async () => {
        const run = await runFixture("production", {
            invokes: (token, args) => {
                if (token === "aws:iam/getRole:getRole" && args.name === "SearchAdministrator") {
                    throw new Error("NoSuchEntity: The role with name SearchAdministrator cannot be found.");
                }
                return undefined;
            },
        });
        assert.equal(
            run.error,
            'Pulumi.production.yaml: kms-keys:keys.opensearch.users[1]: "role/SearchAdministrator" is not allowed; expected an IAM role or user that exists in account 111111111111 (the look-up of arn:aws:iam::111111111111:role/SearchAdministrator failed: NoSuchEntity: The role with name SearchAdministrator cannot be found.); AWS refuses a key policy that names a principal that does not exist',
        );
        onlyTheStack(run);
    });

    it("a failure that is not the user's keeps its own error, not a one-line config message", async () => {
        await assert.rejects(
            runFixture("production", {
                // AWS answering with a malformed CIDR block is no mistake of the stack file.
                invokes: (token, args) =>
                    token === "aws:ec2/getVpc:getVpc"
                        ? { ...defaultInvokeAnswer(cliConfig("production"), token, args), cidrBlock: "not-a-cidr" }
                        : undefined,
            }),
            (error: unknown) => error instanceof Error && error.constructor.name !== "RunError",
        );
    });

    it("a VPC look-up that fails names the key that drove it", async () => {
        const run = await runFixture("production", {
            invokes: (token) => {
                if (token === "aws:ec2/getVpc:getVpc") {
                    throw new Error("no matching EC2 VPC found");
                }
                return undefined;
            },
        });
        assert.equal(
            run.error,
            'Pulumi.production.yaml: kms-keys:vpcEndpoint.vpcCidrBlock: "10.0.0.0/16" is not allowed; expected the CIDR block of exactly one VPC in this account and region (the look-up failed: no matching EC2 VPC found)',
        );
        onlyTheStack(run);
    });
});

describe("alerts on the keys", () => {
    const ofType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
    const keyArns = (run: ProgramRun) =>
        ofType(run, "aws:kms/key:Key")
            .map((k) => k.outputs.arn as string)
            .sort();

    it("production: every key and alias is watched, and the alerts go to a topic encrypted with a key of its own", async () => {
        const run = await runFixture("production", { update: true });
        assert.equal(run.error, undefined);
        const rules = ofType(run, "aws:cloudwatch/eventRule:EventRule");
        assert.deepEqual(
            rules.map((r) => [r.inputs.name, r.inputs.state]),
            [
                ["kms-keys-production-key-at-risk", "ENABLED"],
                ["kms-keys-production-key-recovered", "ENABLED"],
                ["kms-keys-production-key-deleted", "ENABLED"],
                ["kms-keys-production-key-unusable", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"],
            ],
        );
        const atRisk = JSON.parse(rules[0].inputs.eventPattern as string) as {
            detail: { resources: { ARN: string[] } };
        };
        const aliases = ofType(run, "aws:kms/alias:Alias").map((a) => a.outputs.arn as string);
        assert.equal(keyArns(run).length, 3);
        assert.deepEqual([...atRisk.detail.resources.ARN].sort(), [...keyArns(run), ...aliases].sort());
        const [alertsKey] = ofType(run, "aws:kms/key:Key").filter((k) => k.urn.includes("KeyAlerts$"));
        assert.deepEqual([alertsKey.protect, alertsKey.retainOnDelete], [true, true]);
        const [topic] = ofType(run, "aws:sns/topic:Topic");
        assert.deepEqual(
            [topic.inputs.name, topic.inputs.kmsMasterKeyId],
            ["kms-keys-production-key-alerts", alertsKey.outputs.arn],
        );
        assert.deepEqual(
            ofType(run, "aws:sns/topicSubscription:TopicSubscription").map((s) => [
                s.inputs.protocol,
                s.inputs.endpoint,
            ]),
            [
                ["email", "security@example.com"],
                ["email", "platform-oncall@example.com"],
            ],
        );
        const targets = ofType(run, "aws:cloudwatch/eventTarget:EventTarget");
        assert.deepEqual(
            targets.map((t) => [t.inputs.rule, t.inputs.arn]),
            rules.map((r) => [r.inputs.name, topic.outputs.arn]),
        );
        assert.deepEqual(run.outputs.alerts, {
            topicArn: topic.outputs.arn,
            rules: rules.map((r) => r.inputs.name),
        });
    });

    it("the topic's key is as cautious as the stack's most cautious key", async () => {
        const config = stackConfigDoc("development");
        const keys = config["kms-keys:keys"] as Record<string, Record<string, unknown>>;
        keys["aurora-postgres"] = { ...keys["aurora-postgres"], rotationPeriodInDays: 180, deletionWindowInDays: 21 };
        keys["opensearch"] = { ...keys["opensearch"], rotationPeriodInDays: 400, protect: true };
        const run = await runFixture("development", { configOverride: config });
        assert.equal(run.error, undefined);
        const [alertsKey] = ofType(run, "aws:kms/key:Key").filter((k) => k.urn.includes("KeyAlerts$"));
        assert.deepEqual(
            [
                alertsKey.inputs.enableKeyRotation,
                alertsKey.inputs.rotationPeriodInDays,
                alertsKey.inputs.deletionWindowInDays,
                alertsKey.protect,
                alertsKey.retainOnDelete,
            ],
            [true, 180, 21, true, false],
        );
    });

    it("staging: the rules publish to the organisation's topic, and nothing else is created", async () => {
        const run = await runFixture("staging", { update: true });
        assert.equal(run.error, undefined);
        assert.equal(ofType(run, "aws:sns/topic:Topic").length, 0);
        assert.equal(keyArns(run).length, 2);
        assert.deepEqual(
            [...new Set(ofType(run, "aws:cloudwatch/eventTarget:EventTarget").map((t) => t.inputs.arn))],
            ["arn:aws:sns:ap-northeast-1:999999999999:org-security-alerts"],
        );
    });

    it("a stack that turns them off has no rule, topic or extra key", async () => {
        const config = stackConfigDoc("production");
        config["kms-keys:monitoring"] = { enabled: false };
        const run = await runFixture("production", { configOverride: config });
        assert.equal(run.error, undefined);
        assert.equal(run.resources.filter((r) => r.urn.includes("KeyAlerts")).length, 0);
        assert.equal(run.outputs.alerts, undefined);
    });

    it("too many keys for one rule's pattern is a config error before anything is registered", async () => {
        const config = stackConfigDoc("development");
        const keys = config["kms-keys:keys"] as Record<string, Record<string, unknown>>;
        const template = keys["aurora-postgres"];
        for (let i = 0; i < 40; i++) {
            keys[`extra-${i}`] = { ...template, alias: `alias/extra-key-number-${i}` };
        }
        const run = await runFixture("development", { configOverride: config });
        assert.equal(
            run.error,
            'Pulumi.development.yaml: kms-keys:keys: "43 keys" is not allowed; expected fewer keys per stack with kms-keys:monitoring on: the event pattern of key-at-risk would exceed EventBridge\'s 4096 characters; split the keys over stacks',
        );
        assert.deepEqual(
            run.resources.map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );
    });
});
