import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, stackFile } from "../config/stackConfig";
import { KmsKey } from "../components/kmsKey";
import { KmsVpcEndpoint } from "../components/kmsVpcEndpoint";
import { AccountContext } from "../components/accessPolicies";
import { awsNetworkLookups, NetworkLookups, resolveNetwork } from "./network";
import {
    awsPrincipalLookups,
    checkDeployerAdministers,
    checkPrincipalsExist,
    namedPrincipals,
    PrincipalLookups,
} from "./accountChecks";

/** Stack outputs: per key its id, ARN and alias; the endpoint's id, DNS entries and security group. */
export interface StackOutputs {
    keys: Record<string, { keyId: pulumi.Output<string>; arn: pulumi.Output<string>; alias: pulumi.Output<string> }>;
    vpcEndpoint?: {
        endpointId: pulumi.Output<string>;
        dnsEntries: pulumi.Output<{ dnsName: string; hostedZoneId: string }[]>;
        securityGroupId: pulumi.Output<string>;
    };
}

/**
 * The deploying account, its partition and region, and who is deploying: looked up once per stack, and handed to
 * every component.
 */
async function lookUpAccount(): Promise<{ account: AccountContext; callerArn: string }> {
    const [identity, partition, region] = await Promise.all([
        aws.getCallerIdentity(),
        aws.getPartition(),
        aws.getRegion(),
    ]);
    return {
        account: { accountId: identity.accountId, partition: partition.partition, region: region.region },
        callerArn: identity.arn,
    };
}

/**
 * The whole program: read and check the stack configuration and the network it names, then create the keys and the
 * endpoint. Every check runs before the first resource is registered, so a mistake leaves nothing half-created.
 */
export async function deployStack(
    lookups: NetworkLookups = awsNetworkLookups,
    principals: PrincipalLookups = awsPrincipalLookups,
): Promise<StackOutputs> {
    const settings = parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack());
    const file = stackFile(settings.stack);
    const { account, callerArn } = await lookUpAccount();
    const named = namedPrincipals(file, settings, account);
    checkDeployerAdministers(file, settings, callerArn, account);
    await checkPrincipalsExist(file, named, account.accountId, principals);
    const endpoint = settings.vpcEndpoint
        ? { settings: settings.vpcEndpoint, network: await resolveNetwork(file, settings.vpcEndpoint, lookups) }
        : undefined;

    const baseTags = { ...settings.tags, Environment: settings.stack, ManagedBy: "Pulumi" };
    const outputs: StackOutputs = { keys: {} };
    for (const [name, key] of Object.entries(settings.keys)) {
        const { tags, alias, ...rest } = key;
        const component = new KmsKey(name, { ...rest, alias, account, tags: { ...tags, ...baseTags } });
        outputs.keys[name] = { keyId: component.keyId, arn: component.arn, alias: component.aliasName };
    }
    if (endpoint) {
        const { settings: endpointSettings, network } = endpoint;
        const component = new KmsVpcEndpoint("kms", {
            vpcId: network.vpcId,
            vpcCidrBlock: network.vpcCidrBlock,
            subnetIds: network.subnets.map((s) => s.id),
            privateDnsEnabled: endpointSettings.privateDnsEnabled,
            sourceSecurityGroupIds: endpointSettings.sourceSecurityGroupIds,
            allowAllEgress: endpointSettings.allowAllEgress,
            fullAccessPolicy: endpointSettings.fullAccessPolicy,
            account,
            tags: baseTags,
        });
        outputs.vpcEndpoint = {
            endpointId: component.endpointId,
            dnsEntries: component.dnsEntries,
            securityGroupId: component.securityGroupId,
        };
    }
    return outputs;
}

/** Runs the program, turning a user's mistake into a RunError, which the CLI prints as one message without a trace. */
export async function main(lookups?: NetworkLookups): Promise<StackOutputs> {
    try {
        return await deployStack(lookups);
    } catch (error) {
        if (error instanceof ConfigError) {
            throw new pulumi.RunError(error.message);
        }
        throw error;
    }
}
