import * as assert from "assert/strict";
import { ConfigError, EndpointSettings } from "../../config/stackConfig";
import { NetworkLookups, resolveNetwork, SubnetFacts } from "../../program/network";

const vpc = { id: "vpc-0123456789abcdef0", cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true };
const subnetA: SubnetFacts = {
    id: "subnet-0aaaaaaaaaaaaaaaa",
    vpcId: vpc.id,
    cidrBlock: "10.0.1.0/24",
    availabilityZone: "ap-northeast-1a",
};
const subnetC: SubnetFacts = {
    id: "subnet-0cccccccccccccccc",
    vpcId: vpc.id,
    cidrBlock: "10.0.2.0/24",
    availabilityZone: "ap-northeast-1c",
};

const byId: EndpointSettings = {
    vpcId: vpc.id,
    subnetIds: [subnetA.id, subnetC.id],
    privateDnsEnabled: true,
    sourceSecurityGroupIds: [],
    allowAllEgress: false,
    fullAccessPolicy: false,
};

function lookups(
    subnets: SubnetFacts[],
    calls: unknown[] = [],
    facts: { vpc?: typeof vpc; zones?: string[] } = {},
): NetworkLookups {
    return {
        vpc: async (args) => {
            calls.push(["vpc", args]);
            return facts.vpc ?? vpc;
        },
        kmsEndpointZones: async () => {
            calls.push(["kmsEndpointZones"]);
            return facts.zones ?? ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"];
        },
        subnet: async (args) => {
            calls.push(["subnet", args]);
            const found = subnets.find((s) => s.id === args.id || s.cidrBlock === args.cidrBlock);
            if (found === undefined) {
                throw new Error("no matching EC2 Subnet found");
            }
            return found;
        },
    };
}

async function failure(promise: Promise<unknown>): Promise<string> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
    }
    return assert.fail("expected a ConfigError");
}

describe("network look-ups", () => {
    it("finds the VPC and subnets by id and returns their facts", async () => {
        const calls: unknown[] = [];
        const network = await resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, subnetC], calls));
        assert.deepEqual(network, { vpcId: vpc.id, vpcCidrBlock: "10.0.0.0/16", subnets: [subnetA, subnetC] });
        assert.deepEqual(calls, [
            ["vpc", { id: vpc.id }],
            ["subnet", { id: subnetA.id }],
            ["subnet", { id: subnetC.id }],
            ["kmsEndpointZones"],
        ]);
    });

    it("looks subnets up by CIDR and zone inside the VPC found by its CIDR", async () => {
        const calls: unknown[] = [];
        const settings: EndpointSettings = {
            ...byId,
            vpcId: undefined,
            subnetIds: undefined,
            vpcCidrBlock: "10.0.0.0/16",
            subnets: [
                { cidrBlock: "10.0.1.0/24", availabilityZone: "ap-northeast-1a" },
                { cidrBlock: "10.0.2.0/24", availabilityZone: "ap-northeast-1c" },
            ],
        };
        await resolveNetwork("Pulumi.x.yaml", settings, lookups([subnetA, subnetC], calls));
        assert.deepEqual(calls, [
            ["vpc", { cidrBlock: "10.0.0.0/16" }],
            ["subnet", { vpcId: vpc.id, cidrBlock: "10.0.1.0/24", availabilityZone: "ap-northeast-1a" }],
            ["subnet", { vpcId: vpc.id, cidrBlock: "10.0.2.0/24", availabilityZone: "ap-northeast-1c" }],
            ["kmsEndpointZones"],
        ]);
    });

    it("names the key, the value and AWS's reason when a look-up fails", async () => {
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA]))),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.subnetIds[1]: "subnet-0cccccccccccccccc" is not allowed; expected the id of a subnet in this account and region (the look-up failed: no matching EC2 Subnet found)',
        );
        const silent: NetworkLookups = {
            vpc: async () => {
                throw new Error("");
            },
            subnet: async () => subnetA,
            kmsEndpointZones: async () => [],
        };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, silent)),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.vpcId: "vpc-0123456789abcdef0" is not allowed; expected the id of a VPC in this account and region (the look-up failed: AWS gave no reason)',
        );
    });

    it("names the subnet's CIDR block and zone when a look-up by CIDR fails", async () => {
        const settings: EndpointSettings = {
            ...byId,
            subnetIds: undefined,
            subnets: [
                { cidrBlock: "10.0.1.0/24", availabilityZone: "ap-northeast-1a" },
                { cidrBlock: "10.0.9.0/24", availabilityZone: "ap-northeast-1c" },
            ],
        };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", settings, lookups([subnetA, subnetC]))),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.subnets[1]: {"cidrBlock":"10.0.9.0/24","availabilityZone":"ap-northeast-1c"} is not allowed; expected a subnet of the VPC vpc-0123456789abcdef0 with this CIDR block and zone (the look-up failed: no matching EC2 Subnet found)',
        );
    });

    it("refuses settings that name no subnets at all", async () => {
        const calls: unknown[] = [];
        const settings: EndpointSettings = { ...byId, subnetIds: undefined };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", settings, lookups([subnetA, subnetC], calls))),
            "Pulumi.x.yaml: kms-keys:vpcEndpoint.subnets: [] is not allowed; expected subnets in at least two different availability zones (the endpoint must survive the loss of one zone)",
        );
        assert.deepEqual(calls, [["vpc", { id: vpc.id }]]);
    });

    it("refuses a subnet of another VPC, or outside the VPC's block", async () => {
        const elsewhere = { ...subnetC, vpcId: "vpc-0bbbbbbbbbbbbbbbb" };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, elsewhere]))),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.subnetIds[1]: "subnet-0cccccccccccccccc" is not allowed; expected a subnet of the endpoint\'s VPC vpc-0123456789abcdef0 (10.0.0.0/16); this one is 10.0.2.0/24 in vpc-0bbbbbbbbbbbbbbbb',
        );
        const outside = { ...subnetC, cidrBlock: "10.1.2.0/24" };
        assert.match(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, outside]))),
            /subnetIds\[1\].*this one is 10\.1\.2\.0\/24 in vpc-0123456789abcdef0$/,
        );
    });

    it("refuses subnets that turn out to share one zone", async () => {
        const sameZone = { ...subnetC, availabilityZone: "ap-northeast-1a" };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, sameZone]))),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.subnetIds: ["ap-northeast-1a","ap-northeast-1a"] is not allowed; expected subnets in at least two different availability zones (the endpoint must survive the loss of one zone)',
        );
    });
    it("refuses a subnet in a zone where the region's KMS endpoint service is not offered", async () => {
        assert.equal(
            await failure(
                resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, subnetC], [], { zones: ["ap-northeast-1a"] })),
            ),
            'Pulumi.x.yaml: kms-keys:vpcEndpoint.subnetIds[1]: "subnet-0cccccccccccccccc" is not allowed; expected a subnet in a zone where the region\'s KMS endpoint service is offered (ap-northeast-1a); subnet-0cccccccccccccccc is in ap-northeast-1c',
        );
    });

    it("refuses private DNS in a VPC without DNS host names, and accepts it turned off there", async () => {
        const noHostnames = { ...vpc, enableDnsHostnames: false };
        assert.equal(
            await failure(resolveNetwork("Pulumi.x.yaml", byId, lookups([subnetA, subnetC], [], { vpc: noHostnames }))),
            "Pulumi.x.yaml: kms-keys:vpcEndpoint.privateDnsEnabled: true is not allowed; expected false, or a VPC with DNS support and DNS host names on (vpc-0123456789abcdef0 has enableDnsSupport: true, enableDnsHostnames: false); private DNS needs both",
        );
        const network = await resolveNetwork(
            "Pulumi.x.yaml",
            { ...byId, privateDnsEnabled: false },
            lookups([subnetA, subnetC], [], { vpc: noHostnames }),
        );
        assert.equal(network.vpcId, vpc.id);
    });
});
