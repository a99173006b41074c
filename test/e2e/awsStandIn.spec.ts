// Fast specs of the stand-in AWS provider's own logic; the end-to-end suite uses it through the real engine.
import * as assert from "assert";
import {
    AccountDescription,
    answerInvoke,
    canonicalPolicy,
    defaultKeyPolicy,
    diffProperties,
    keyPolicyAllows,
    newId,
    outputsOf,
    principalOfCaller,
    typeOfUrn,
    unknown,
} from "./awsStandIn/aws";

const account: AccountDescription = {
    accountId: "444455556666",
    partition: "aws",
    region: "eu-west-1",
    callerArn: "arn:aws:sts::444455556666:assumed-role/deployer/e2e",
    principals: ["arn:aws:iam::444455556666:role/ops/deployer", "arn:aws:iam::444455556666:user/reader"],
    vpcs: [{ id: "vpc-0a", cidrBlock: "10.9.0.0/16", enableDnsSupport: true, enableDnsHostnames: false }],
    endpointServices: { "com.amazonaws.eu-west-1.kms": { availabilityZones: ["eu-west-1a", "eu-west-1b"] } },
    subnets: [
        { id: "subnet-1", vpcId: "vpc-0a", cidrBlock: "10.9.1.0/24", availabilityZone: "eu-west-1a" },
        { id: "subnet-2", vpcId: "vpc-0a", cidrBlock: "10.9.2.0/24", availabilityZone: "eu-west-1b" },
    ],
};
const key = "aws:kms/key:Key";

describe("the stand-in AWS provider", () => {
    describe("diff", () => {
        it("replaces a key only for the properties the provider forces new", () => {
            const olds = { keyUsage: "ENCRYPT_DECRYPT", multiRegion: false, description: "a", enableKeyRotation: true };
            assert.deepStrictEqual(
                diffProperties(key, olds, { ...olds, multiRegion: true, description: "b", enableKeyRotation: false }),
                { changed: ["description", "enableKeyRotation", "multiRegion"], replaces: ["multiRegion"] },
            );
            assert.deepStrictEqual(diffProperties(key, olds, { keyUsage: "SIGN_VERIFY" }), {
                changed: ["keyUsage"],
                replaces: ["keyUsage"],
            });
        });

        it("keeps computed values the program does not set, and counts an unknown as a change", () => {
            assert.deepStrictEqual(diffProperties(key, { arn: "arn:x", description: "a" }, { description: "a" }), {
                changed: [],
                replaces: [],
            });
            assert.deepStrictEqual(diffProperties(key, { description: "a" }, { description: unknown }), {
                changed: ["description"],
                replaces: [],
            });
        });

        it("compares key policies by equivalence, not text", () => {
            const before = JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "B",
                        Effect: "Allow",
                        Principal: { AWS: "arn:aws:iam::1:role/b" },
                        Action: "kms:Decrypt",
                        Resource: "*",
                    },
                    {
                        Sid: "A",
                        Effect: "Allow",
                        Principal: { AWS: ["arn:aws:iam::1:role/a"] },
                        Action: ["kms:B", "kms:A"],
                        Resource: "*",
                    },
                ],
            });
            const reordered = JSON.stringify({
                Statement: [
                    {
                        Action: ["kms:A", "kms:B"],
                        Effect: "Allow",
                        Principal: { AWS: "arn:aws:iam::1:role/a" },
                        Resource: "*",
                        Sid: "A",
                    },
                    {
                        Sid: "B",
                        Effect: "Allow",
                        Principal: { AWS: ["arn:aws:iam::1:role/b"] },
                        Action: ["kms:Decrypt"],
                        Resource: ["*"],
                    },
                ],
                Version: "2012-10-17",
            });
            assert.strictEqual(canonicalPolicy(before), canonicalPolicy(reordered));
            assert.deepStrictEqual(diffProperties(key, { policy: before }, { policy: reordered }).changed, []);
            const renamed = reordered.replace('"Sid":"A"', '"Sid":"C"');
            assert.deepStrictEqual(diffProperties(key, { policy: before }, { policy: renamed }).changed, ["policy"]);
        });

        it("an endpoint's subnets are a set; its service name replaces it, its private DNS does not", () => {
            const vpce = "aws:ec2/vpcEndpoint:VpcEndpoint";
            const olds = {
                subnetIds: ["subnet-1", "subnet-2"],
                serviceName: "com.amazonaws.eu-west-1.kms",
                privateDnsEnabled: true,
            };
            assert.deepStrictEqual(
                diffProperties(vpce, olds, { ...olds, subnetIds: ["subnet-2", "subnet-1"] }).changed,
                [],
            );
            assert.deepStrictEqual(
                diffProperties(vpce, olds, {
                    ...olds,
                    serviceName: "com.amazonaws.eu-west-1.kms-fips",
                    privateDnsEnabled: false,
                }),
                { changed: ["privateDnsEnabled", "serviceName"], replaces: ["serviceName"] },
            );
        });
    });

    describe("create", () => {
        it("a key without a policy reads back AWS's default key policy; its ARN is in AWS's format", () => {
            const outs = outputsOf(key, "k", "1234abcd-12ab-34cd-56ef-1234567890ab", {}, account, { resources: {} });
            assert.strictEqual(outs.policy, defaultKeyPolicy(account));
            assert.strictEqual(outs.arn, "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab");
            assert.strictEqual(outs.enableKeyRotation, false);
            assert.strictEqual(outs.rotationPeriodInDays, 0);
            assert.strictEqual(outs.isEnabled, true);
        });

        it("a key with rotation on reads back AWS's default period of 365 days unless one is set", () => {
            const state = { resources: {} };
            assert.strictEqual(
                outputsOf(key, "k", "id", { enableKeyRotation: true }, account, state).rotationPeriodInDays,
                365,
            );
            assert.strictEqual(
                outputsOf(key, "k", "id", { enableKeyRotation: true, rotationPeriodInDays: 90 }, account, state)
                    .rotationPeriodInDays,
                90,
            );
        });
    });

    describe("the alerts' resources", () => {
        const state = { resources: {} };
        it("a rule is known by its name, on the default bus, with an events ARN", () => {
            const inputs = { name: "kms-keys-prod-key-at-risk", eventPattern: "{}", state: "ENABLED" };
            const id = newId("aws:cloudwatch/eventRule:EventRule", inputs, account);
            assert.strictEqual(id, "kms-keys-prod-key-at-risk");
            const outs = outputsOf("aws:cloudwatch/eventRule:EventRule", "r", id, inputs, account, state);
            assert.strictEqual(outs.arn, "arn:aws:events:eu-west-1:444455556666:rule/kms-keys-prod-key-at-risk");
            assert.strictEqual(outs.eventBusName, "default");
            assert.strictEqual(outs.state, "ENABLED");
            assert.strictEqual(
                newId("aws:cloudwatch/eventTarget:EventTarget", { rule: id, targetId: "t" }, account),
                "kms-keys-prod-key-at-risk-t",
            );
        });

        it("a topic is known by its ARN, its policy apart from it; an email subscription waits for confirmation", () => {
            const topic = newId("aws:sns/topic:Topic", { name: "alerts" }, account);
            assert.strictEqual(topic, "arn:aws:sns:eu-west-1:444455556666:alerts");
            assert.strictEqual(
                outputsOf("aws:sns/topic:Topic", "t", topic, { name: "alerts" }, account, state).arn,
                topic,
            );
            assert.strictEqual(
                newId("aws:sns/topicPolicy:TopicPolicy", { arn: topic, policy: "{}" }, account),
                `${topic}#policy`,
            );
            const email = { topic, protocol: "email", endpoint: "a@example.com" };
            const id = newId("aws:sns/topicSubscription:TopicSubscription", email, account);
            assert.ok(id.startsWith(`${topic}:`), id);
            const outs = outputsOf("aws:sns/topicSubscription:TopicSubscription", "s", id, email, account, state);
            assert.strictEqual(outs.pendingConfirmation, true);
        });

        it("a topic policy is compared by equivalence; a rule's new name replaces it, a new pattern does not", () => {
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: ["sns:Publish"] }],
            });
            const same = JSON.stringify({
                Statement: [{ Action: "sns:Publish", Effect: "Allow" }],
                Version: "2012-10-17",
            });
            assert.deepStrictEqual(
                diffProperties("aws:sns/topicPolicy:TopicPolicy", { arn: "a", policy }, { arn: "a", policy: same }),
                { changed: [], replaces: [] },
            );
            assert.deepStrictEqual(
                diffProperties(
                    "aws:cloudwatch/eventRule:EventRule",
                    { name: "a", eventPattern: "{}" },
                    { name: "b", eventPattern: '{"source":["aws.kms"]}' },
                ),
                { changed: ["eventPattern", "name"], replaces: ["name"] },
            );
        });
    });

    describe("authorization", () => {
        it("a role session acts as its role", () => {
            assert.strictEqual(principalOfCaller(account.callerArn), "arn:aws:iam::444455556666:role/deployer");
            assert.strictEqual(
                principalOfCaller("arn:aws:iam::444455556666:user/u"),
                "arn:aws:iam::444455556666:user/u",
            );
        });

        it("schedules deletion only where the key policy lets the caller (or the account, by delegation) do it", () => {
            const policy = (principal: string, action: string, condition?: object) =>
                JSON.stringify({
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { AWS: principal },
                            Action: [action],
                            Resource: "*",
                            Condition: condition,
                        },
                    ],
                });
            const role = "arn:aws:iam::444455556666:role/deployer";
            assert.ok(keyPolicyAllows(policy(role, "kms:ScheduleKeyDeletion"), "kms:ScheduleKeyDeletion", account));
            assert.ok(keyPolicyAllows(defaultKeyPolicy(account), "kms:ScheduleKeyDeletion", account));
            assert.ok(!keyPolicyAllows(policy(role, "kms:CancelKeyDeletion"), "kms:ScheduleKeyDeletion", account));
            assert.ok(
                !keyPolicyAllows(
                    policy("arn:aws:iam::444455556666:role/other", "kms:*"),
                    "kms:ScheduleKeyDeletion",
                    account,
                ),
            );
            assert.ok(
                !keyPolicyAllows(
                    policy(role, "kms:*", { Bool: { "aws:MultiFactorAuthPresent": "true" } }),
                    "kms:ScheduleKeyDeletion",
                    account,
                ),
            );
        });
    });

    describe("look-ups", () => {
        it("find the account's VPC and subnets, and fail as the provider does when nothing matches", () => {
            assert.strictEqual(
                answerInvoke("aws:ec2/getVpc:getVpc", { cidrBlock: "10.9.0.0/16" }, account).id,
                "vpc-0a",
            );
            assert.strictEqual(
                answerInvoke(
                    "aws:ec2/getSubnet:getSubnet",
                    { vpcId: "vpc-0a", cidrBlock: "10.9.2.0/24", availabilityZone: "eu-west-1b" },
                    account,
                ).id,
                "subnet-2",
            );
            assert.throws(
                () => answerInvoke("aws:ec2/getVpc:getVpc", { cidrBlock: "10.8.0.0/16" }, account),
                /^Error: no matching EC2 VPC found$/,
            );
            assert.throws(
                () => answerInvoke("aws:ec2/getSubnet:getSubnet", { vpcId: "vpc-0a" }, account),
                /multiple EC2 Subnets matched/,
            );
            assert.throws(
                () => answerInvoke("aws:s3/getBucket:getBucket", {}, account),
                /^Error: the account description cannot answer the look-up aws:s3\/getBucket:getBucket$/,
            );
        });

        it("find the account's roles and users by name, and fail with IAM's NoSuchEntity otherwise", () => {
            assert.strictEqual(
                answerInvoke("aws:iam/getRole:getRole", { name: "deployer" }, account).arn,
                "arn:aws:iam::444455556666:role/ops/deployer",
            );
            assert.strictEqual(
                answerInvoke("aws:iam/getUser:getUser", { userName: "reader" }, account).arn,
                "arn:aws:iam::444455556666:user/reader",
            );
            assert.throws(
                () => answerInvoke("aws:iam/getRole:getRole", { name: "reader" }, account),
                /^Error: NoSuchEntity: The role with name reader cannot be found\.$/,
            );
        });

        it("report the VPC's DNS attributes and the zones of the region's KMS endpoint service", () => {
            const vpc = answerInvoke("aws:ec2/getVpc:getVpc", { id: "vpc-0a" }, account);
            assert.deepStrictEqual([vpc.enableDnsSupport, vpc.enableDnsHostnames], [true, false]);
            assert.deepStrictEqual(
                answerInvoke("aws:ec2/getVpcEndpointService:getVpcEndpointService", { service: "kms" }, account)
                    .availabilityZones,
                ["eu-west-1a", "eu-west-1b"],
            );
        });

        it("the caller is the account's deploying session", () => {
            const identity = answerInvoke("aws:index/getCallerIdentity:getCallerIdentity", {}, account);
            assert.strictEqual(identity.accountId, "444455556666");
            assert.strictEqual(identity.arn, account.callerArn);
        });
    });

    it("reads the type of a child from its qualified URN", () => {
        assert.strictEqual(
            typeOfUrn("urn:pulumi:dev::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::aurora-postgres-key"),
            "aws:kms/key:Key",
        );
    });
});
