import * as assert from "assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { KmsKey } from "../../components/kmsKey";
import { KmsVpcEndpoint } from "../../components/kmsVpcEndpoint";
import { endpointArgs, keyArgs } from "../helpers/componentArgs";
import { bySid } from "../helpers/statements";

/** What the account behind a provider answers to the invokes the components make. */
interface AccountFacts {
    accountId: string;
    partition: string;
    region: string;
}

const defaultAccount: AccountFacts = { accountId: "333333333333", partition: "aws", region: "ap-northeast-1" };
const chinaAccount: AccountFacts = { accountId: "555555555555", partition: "aws-cn", region: "cn-north-1" };

/** What a deployment left: each resource's state and the outputs each component recorded. */
interface Deployment {
    state(urnSuffix: string): Record<string, unknown>;
    componentOutputs(urnSuffix: string): Record<string, unknown>;
}

/**
 * Runs `create` as `pulumi up` would under Pulumi's mock runtime. Invokes made through the provider named `china`
 * answer for the China account, every other invoke for the default account.
 */
async function deploy(create: () => void): Promise<Deployment> {
    const mocks: pulumi.runtime.Mocks = {
        call: ({ token, provider }) => {
            const facts = provider?.includes("::china::") ? chinaAccount : defaultAccount;
            switch (token) {
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: facts.accountId, arn: `arn:${facts.partition}:sts::${facts.accountId}:x` };
                case "aws:index/getPartition:getPartition":
                    return { partition: facts.partition };
                case "aws:index/getRegion:getRegion":
                    return { name: facts.region, region: facts.region };
                default:
                    throw new Error(`unexpected invoke ${token}`);
            }
        },
        newResource: ({ type, name, inputs }) => ({
            id: `${name}-id`,
            state: {
                ...inputs,
                arn: `arn:test:${name}`,
                keyId: `${name}-id`,
                ...(type === "aws:ec2/vpcEndpoint:VpcEndpoint"
                    ? { dnsEntries: [{ dnsName: `${name}.kms.vpce.test`, hostedZoneId: "ZTEST" }] }
                    : {}),
            },
        }),
    };
    const monitor = new MockMonitor(mocks);
    settings.setMockOptions(monitor, "kms-keys", "development", false);
    await runInPulumiStack(async () => {
        create();
    });
    // Exported by the SDK but missing from its typings: resolves once every outstanding registration has settled.
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const resource = (urnSuffix: string) => {
        const found = [...monitor.resources.values()].filter((r) => r.urn.endsWith(urnSuffix));
        assert.equal(found.length, 1, `exactly one resource ending with ${urnSuffix}`);
        return found[0].state as { toJavaScript?: () => Record<string, unknown> } & Record<string, unknown>;
    };
    return {
        state: (urnSuffix) => resource(urnSuffix) as Record<string, unknown>,
        componentOutputs: (urnSuffix) => {
            const state = resource(urnSuffix);
            return typeof state.toJavaScript === "function" ? state.toJavaScript() : state;
        },
    };
}

describe("components under a provider of their own", () => {
    it("KmsKey builds its key policy from the account, partition and region of the provider it is given", async () => {
        const deployment = await deploy(() => {
            const china = new aws.Provider("china", { region: "cn-north-1" });
            new KmsKey("app", keyArgs, { providers: { aws: china } });
        });
        const policy = JSON.parse(deployment.state("::app-key").policy as string);
        assert.deepEqual(bySid(policy, "AccountRootUserRecovery").Principal.AWS, ["arn:aws-cn:iam::555555555555:root"]);
        assert.deepEqual(bySid(policy, "KeyAdministration").Principal.AWS, [
            "arn:aws-cn:iam::555555555555:role/KeyAdmin",
        ]);
        const use = bySid(policy, "KeyUseThroughIntegratedService");
        assert.deepEqual(use.Principal.AWS, ["arn:aws-cn:iam::555555555555:role/App"]);
        assert.deepEqual(use.Condition, {
            StringEquals: { "kms:ViaService": "rds.cn-north-1.amazonaws.com", "kms:CallerAccount": "555555555555" },
        });
    });

    it("KmsVpcEndpoint names the service of the provider's region and admits the provider's account", async () => {
        const deployment = await deploy(() => {
            const china = new aws.Provider("china", { region: "cn-north-1" });
            new KmsVpcEndpoint(
                "kms",
                {
                    vpcId: "vpc-0123456789abcdef0",
                    vpcCidrBlock: "10.20.0.0/16",
                    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
                },
                { providers: { aws: china } },
            );
        });
        const endpoint = deployment.state("::kms-endpoint");
        assert.equal(endpoint.serviceName, "com.amazonaws.cn-north-1.kms");
        assert.deepEqual(JSON.parse(endpoint.policy as string).Statement[0].Condition, {
            StringEquals: { "aws:PrincipalAccount": "555555555555" },
        });
    });
});

describe("component outputs recorded in the stack state", () => {
    it("KmsKey records its key id, key ARN, alias name, alias ARN and key policy", async () => {
        const deployment = await deploy(() => new KmsKey("app", keyArgs));
        const outputs = deployment.componentOutputs("kms-keys:kms:KmsKey::app");
        const policy = deployment.state("::app-key").policy as string;
        assert.deepEqual(outputs, {
            keyId: "app-key-id",
            arn: "arn:test:app-key",
            aliasName: "alias/app-data",
            aliasArn: "arn:test:app-alias",
            policy,
        });
        assert.equal(
            bySid(JSON.parse(policy), "KeyUseThroughIntegratedService").Condition.StringEquals["kms:CallerAccount"],
            "333333333333",
        );
    });

    it("KmsVpcEndpoint records its endpoint id, DNS entries and security group id", async () => {
        const deployment = await deploy(() => new KmsVpcEndpoint("kms", endpointArgs));
        assert.deepEqual(deployment.componentOutputs("kms-keys:network:KmsVpcEndpoint::kms"), {
            endpointId: "kms-endpoint-id",
            dnsEntries: [{ dnsName: "kms-endpoint.kms.vpce.test", hostedZoneId: "ZTEST" }],
            securityGroupId: "kms-sg-id",
        });
    });
});
