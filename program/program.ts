import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, StackSettings, stackFile } from "../config/stackConfig";
import { KmsKey } from "../components/kmsKey";
import { KmsVpcEndpoint } from "../components/kmsVpcEndpoint";
import { AlertDestination, KeyAlerts } from "../components/keyAlerts";
import { alertNames } from "../components/alertPolicies";
import { EVENT_PATTERN_MAX_LENGTH, keyEventRules, oversizedPatterns } from "../components/keyEvents";
import { projectName } from "../config/schema";
import { AccountContext } from "../components/accessPolicies";
import { rotationPeriodInDays } from "../policies/lib/awsLimits";
import { awsNetworkLookups, NetworkLookups, resolveNetwork } from "./network";
import {
    awsPrincipalLookups,
    checkDeployerAdministers,
    checkPrincipalsExist,
    namedPrincipals,
    PrincipalLookups,
} from "./accountChecks";

/** Stack outputs: per key its id, ARN and alias; the endpoint's id, DNS entries and security group; the alerts. */
export interface StackOutputs {
    keys: Record<string, { keyId: pulumi.Output<string>; arn: pulumi.Output<string>; alias: pulumi.Output<string> }>;
    vpcEndpoint?: {
        endpointId: pulumi.Output<string>;
        dnsEntries: pulumi.Output<{ dnsName: string; hostedZoneId: string }[]>;
        securityGroupId: pulumi.Output<string>;
    };
    alerts?: { topicArn: pulumi.Output<string>; rules: string[] };
}

/** The AWS names of a stack's alert resources begin with this. */
export function alertNamePrefix(stack: string): string {
    return `${projectName}-${stack}`;
}

/**
 * Where the alerts go, and the check that the rules' patterns fit EventBridge's limit with this many keys: key ARNs
 * have a fixed length and alias ARNs are known from the config, so it is decided before anything is registered.
 */
export function alertDestination(
    file: string,
    settings: StackSettings,
    account: AccountContext,
): AlertDestination | undefined {
    const monitoring = settings.monitoring;
    if (monitoring === undefined) {
        return undefined;
    }
    const created = !("topicArn" in monitoring);
    const { partition, region, accountId } = account;
    const keyArn = `arn:${partition}:kms:${region}:${accountId}:key/00000000-0000-0000-0000-000000000000`;
    const aliases = Object.values(settings.keys).map((k) => k.alias);
    if (created) {
        aliases.push(alertNames(alertNamePrefix(settings.stack), [], account).keyAlias);
    }
    const rules = keyEventRules(
        aliases.map(() => keyArn),
        aliases.map((a) => `arn:${partition}:kms:${region}:${accountId}:${a}`),
    );
    const oversized = oversizedPatterns(rules);
    if (oversized.length > 0) {
        throw new ConfigError(
            file,
            `${projectName}:keys`,
            `${aliases.length} keys`,
            `fewer keys per stack with ${projectName}:monitoring on: the event pattern of ${oversized.join(", ")} would exceed EventBridge's ${EVENT_PATTERN_MAX_LENGTH} characters; split the keys over stacks`,
        );
    }
    if (!created) {
        return { topicArn: monitoring.topicArn };
    }
    // The topic's key is as cautious as the most cautious key of the stack: the shortest rotation period, the longest
    // deletion window, protected and retained if any key is, so that the stack's own pack config accepts it.
    const keys = Object.values(settings.keys);
    const rotated = keys.filter((k) => k.enableKeyRotation).map((k) => k.rotationPeriodInDays);
    return {
        emails: monitoring.emails,
        administrators: [...new Set(keys.flatMap((k) => k.administrators))].sort(),
        auditors: settings.auditors,
        rotationPeriodInDays: rotated.length > 0 ? Math.min(...rotated) : rotationPeriodInDays.awsDefault,
        deletionWindowInDays: Math.max(...keys.map((k) => k.deletionWindowInDays)),
        protect: keys.some((k) => k.protect),
        retainOnDelete: keys.some((k) => k.retainOnDelete),
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
    const alerts = alertDestination(file, settings, account);

    const baseTags = { ...settings.tags, Environment: settings.stack, ManagedBy: "Pulumi" };
    const outputs: StackOutputs = { keys: {} };
    const watched: { arn: pulumi.Output<string>; aliasArn: pulumi.Output<string> }[] = [];
    for (const [name, key] of Object.entries(settings.keys)) {
        const { tags, alias, ...rest } = key;
        const component = new KmsKey(name, { ...rest, alias, account, tags: { ...tags, ...baseTags } });
        outputs.keys[name] = { keyId: component.keyId, arn: component.arn, alias: component.aliasName };
        watched.push({ arn: component.arn, aliasArn: component.aliasArn });
    }
    if (alerts) {
        const component = new KeyAlerts("alerts", {
            namePrefix: alertNamePrefix(settings.stack),
            keys: watched,
            destination: alerts,
            account,
            tags: baseTags,
        });
        outputs.alerts = { topicArn: component.topicArn, rules: Object.values(component.ruleNames) };
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
