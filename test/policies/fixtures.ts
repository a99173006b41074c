/**
 * Resources shaped like the ones this project's program registers, per stack, for the policy pack specs: two keys
 * with least-privilege key policies, their aliases, and (production and staging) a KMS interface endpoint with its
 * security group and ingress rule. `preview` gives the planned state of a first `pulumi preview` (ids unknown, links
 * only as property dependencies); `update` gives the state after `pulumi up`.
 */
import * as fs from "fs";
import * as path from "path";

import { PackConfig, ResourceSpec, UNKNOWN, urnOf } from "../helpers/policyHarness";
import { fixtureProjectDir } from "../helpers/stackConfig";

export type StackName = "production" | "staging" | "development";
export type Stage = "preview" | "update";

export const STACKS: readonly StackName[] = ["production", "staging", "development"];

/** Placeholder account of each stack. */
export const ACCOUNTS: Record<StackName, string> = {
    production: "111111111111",
    staging: "222222222222",
    development: "333333333333",
};

const DELETION_WINDOW: Record<StackName, number> = { production: 30, staging: 14, development: 7 };
const PROTECT: Record<StackName, boolean> = { production: true, staging: true, development: false };
const ALLOW_DELETION: Record<StackName, boolean> = { production: false, staging: false, development: true };
const HAS_ENDPOINT: Record<StackName, boolean> = { production: true, staging: true, development: false };

export const REGION = "ap-northeast-1";

/** The policy pack config file of a stack, as the CLI reads it. */
export function packConfig(stack: StackName): PackConfig {
    const file = path.join(fixtureProjectDir, "policies", "config", `${stack}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
}

/** Options of `keyPolicy`. */
export interface KeyPolicyOptions {
    account: string;
    service: "rds" | "es";
    allowDeletion?: boolean;
    users?: string[];
}

/** The key policy the program renders for one key (a plain object; JSON.stringify it for a `policy` input). */
export function keyPolicy(options: KeyPolicyOptions): { Version: string; Statement: Record<string, unknown>[] } {
    const { account } = options;
    const admins = [`arn:aws:iam::${account}:role/KmsKeyAdministrator`, `arn:aws:iam::${account}:role/pulumi-deploy`];
    const users = options.users ?? [`arn:aws:iam::${account}:role/AuroraProvisioner`];
    const adminActions = [
        "kms:CancelKeyDeletion",
        "kms:CreateAlias",
        "kms:DeleteAlias",
        "kms:DescribeKey",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:EnableKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListGrants",
        "kms:ListKeyPolicies",
        "kms:ListKeyRotations",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:RevokeGrant",
        "kms:RotateKeyOnDemand",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:UpdateAlias",
        "kms:UpdateKeyDescription",
    ];
    if (options.allowDeletion) {
        adminActions.push("kms:ScheduleKeyDeletion");
        adminActions.sort();
    }
    const scope = { "kms:ViaService": `${options.service}.${REGION}.amazonaws.com`, "kms:CallerAccount": account };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeyAdministration",
                Effect: "Allow",
                Principal: { AWS: admins },
                Action: adminActions,
                Resource: "*",
            },
            {
                Sid: "KeyUseThroughIntegratedService",
                Effect: "Allow",
                Principal: { AWS: users },
                Action: [
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                Resource: "*",
                Condition: { StringEquals: scope },
            },
            {
                Sid: "GrantsForIntegratedService",
                Effect: "Allow",
                Principal: { AWS: users },
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: scope },
            },
        ],
    };
}

/** The endpoint policy the program renders: only this account's principals. */
export function endpointPolicy(account: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ThisAccountPrincipalsOnly",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: "kms:*",
                Resource: "*",
                Condition: { StringEquals: { "aws:PrincipalAccount": account } },
            },
        ],
    });
}

/** Inputs of an `aws.kms.Key` as the program sets them. */
export function keyInputs(stack: StackName, service: "rds" | "es"): Record<string, unknown> {
    const aurora = service === "rds";
    return {
        description: aurora
            ? "Aurora PostgreSQL Serverless v2 database encryption key"
            : "OpenSearch Service data at rest encryption key",
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        multiRegion: false,
        isEnabled: true,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: DELETION_WINDOW[stack],
        bypassPolicyLockoutSafetyCheck: false,
        tags: {
            Name: aurora ? "aurora-postgres-kms-key" : "opensearch-kms-key",
            Environment: stack,
            Service: aurora ? "Aurora-PostgreSQL" : "OpenSearch",
            ManagedBy: "Pulumi",
        },
        policy: JSON.stringify(keyPolicy({ account: ACCOUNTS[stack], service, allowDeletion: ALLOW_DELETION[stack] })),
    };
}

/** A short deterministic stand-in for an id the cloud assigns. */
function fakeId(prefix: string, seed: string): string {
    let h = 0;
    for (const c of seed) {
        h = (h * 31 + c.charCodeAt(0)) >>> 0;
    }
    return `${prefix}-${h.toString(16).padStart(8, "0")}${"0".repeat(9)}`;
}

/** Every resource the program registers for `stack`, with inputs, and outputs as of `stage`. */
export function programStack(stack: StackName, stage: Stage): ResourceSpec[] {
    const account = ACCOUNTS[stack];
    const known = stage === "update";
    const urn = (type: string, name: string, parentType?: string) =>
        urnOf(parentType ? `${parentType}$${type}` : type, name, stack);
    const stackUrn = urn("pulumi:pulumi:Stack", `kms-keys-${stack}`);
    const resources: ResourceSpec[] = [
        { type: "pulumi:pulumi:Stack", name: `kms-keys-${stack}`, urn: stackUrn, inputs: {} },
    ];

    for (const [name, service, alias] of [
        ["aurora-postgres", "rds", "alias/aurora-postgres-serverless-v2"],
        ["opensearch", "es", "alias/opensearch-data-encryption"],
    ] as const) {
        const componentUrn = urn("kms-keys:kms:KmsKey", name);
        resources.push({ type: "kms-keys:kms:KmsKey", name, urn: componentUrn, parent: stackUrn, inputs: {} });
        const keyUrn = urn("aws:kms/key:Key", `${name}-key`, "kms-keys:kms:KmsKey");
        const keyId = fakeId("key", `${stack}/${name}`);
        const inputs = keyInputs(stack, service);
        const computed = known
            ? { id: keyId, keyId, arn: `arn:aws:kms:${REGION}:${account}:key/${keyId}` }
            : { id: UNKNOWN, keyId: UNKNOWN, arn: UNKNOWN };
        resources.push({
            type: "aws:kms/key:Key",
            name: `${name}-key`,
            urn: keyUrn,
            parent: componentUrn,
            protect: PROTECT[stack],
            inputs,
            outputs: { ...inputs, ...computed, customKeyStoreId: known ? "" : UNKNOWN, xksKeyId: known ? "" : UNKNOWN },
        });
        const aliasInputs = { name: alias, targetKeyId: known ? keyId : UNKNOWN };
        resources.push({
            type: "aws:kms/alias:Alias",
            name: `${name}-alias`,
            urn: urn("aws:kms/alias:Alias", `${name}-alias`, "kms-keys:kms:KmsKey"),
            parent: componentUrn,
            inputs: aliasInputs,
            outputs: {
                ...aliasInputs,
                id: known ? alias : UNKNOWN,
                arn: known ? `arn:aws:kms:${REGION}:${account}:${alias}` : UNKNOWN,
            },
            dependencies: [keyUrn],
            propertyDependencies: { name: [], targetKeyId: [keyUrn] },
        });
    }

    if (HAS_ENDPOINT[stack]) {
        const componentUrn = urn("kms-keys:network:KmsVpcEndpoint", "kms");
        resources.push({
            type: "kms-keys:network:KmsVpcEndpoint",
            name: "kms",
            urn: componentUrn,
            parent: stackUrn,
            inputs: {},
        });
        const tags = { Name: "kms-vpc-endpoint", Environment: stack, ManagedBy: "Pulumi" };
        const vpcId = "vpc-0a1b2c3d4e5f60718";
        const sgUrn = urn("aws:ec2/securityGroup:SecurityGroup", "kms-sg", "kms-keys:network:KmsVpcEndpoint");
        const sgId = fakeId("sg", stack);
        const sgInputs = { vpcId, description: "HTTPS to the KMS interface endpoint from inside the VPC", tags };
        const rule = {
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrIpv4: "10.0.0.0/16",
            description: "HTTPS from the VPC",
        };
        resources.push({
            type: "aws:ec2/securityGroup:SecurityGroup",
            name: "kms-sg",
            urn: sgUrn,
            parent: componentUrn,
            inputs: sgInputs,
            // No inline rules: in a preview the provider has not computed them; after an update (and a refresh) they
            // show the separate rule.
            outputs: known
                ? {
                      ...sgInputs,
                      id: sgId,
                      ingress: [
                          {
                              protocol: "tcp",
                              fromPort: 443,
                              toPort: 443,
                              cidrBlocks: ["10.0.0.0/16"],
                              ipv6CidrBlocks: [],
                              prefixListIds: [],
                              securityGroups: [],
                              self: false,
                              description: "HTTPS from the VPC",
                          },
                      ],
                      egress: [],
                  }
                : { ...sgInputs, id: UNKNOWN, ingress: UNKNOWN, egress: UNKNOWN },
            propertyDependencies: { vpcId: [], description: [], tags: [] },
        });
        const ruleInputs = { ...rule, securityGroupId: known ? sgId : UNKNOWN };
        resources.push({
            type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            name: "kms-https-from-vpc",
            urn: urn(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "kms-https-from-vpc",
                "kms-keys:network:KmsVpcEndpoint",
            ),
            parent: componentUrn,
            inputs: ruleInputs,
            outputs: { ...ruleInputs, id: known ? "sgr-0123456789abcdef0" : UNKNOWN },
            dependencies: [sgUrn],
            propertyDependencies: { securityGroupId: [sgUrn] },
        });
        const endpointInputs = {
            vpcId,
            serviceName: `com.amazonaws.${REGION}.kms`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
            securityGroupIds: [known ? sgId : UNKNOWN],
            policy: endpointPolicy(account),
            tags,
        };
        resources.push({
            type: "aws:ec2/vpcEndpoint:VpcEndpoint",
            name: "kms-endpoint",
            urn: urn("aws:ec2/vpcEndpoint:VpcEndpoint", "kms-endpoint", "kms-keys:network:KmsVpcEndpoint"),
            parent: componentUrn,
            inputs: endpointInputs,
            outputs: {
                ...endpointInputs,
                id: known ? "vpce-0123456789abcdef0" : UNKNOWN,
                dnsEntries: known ? [] : UNKNOWN,
            },
            dependencies: [sgUrn],
            propertyDependencies: { securityGroupIds: [sgUrn] },
        });
    }
    return resources;
}

/** A copy of `resources` where the resource named `name` has `change` applied to its inputs and outputs. */
export function mutate(
    resources: ResourceSpec[],
    name: string,
    change: (props: Record<string, unknown>, spec: ResourceSpec) => void,
): ResourceSpec[] {
    let found = false;
    const copy = resources.map((r) => {
        if (r.name !== name) {
            return r;
        }
        found = true;
        const next: ResourceSpec = structuredClone(r);
        change(next.inputs, next);
        if (next.outputs !== undefined) {
            change(next.outputs, next);
        }
        return next;
    });
    if (!found) {
        throw new Error(`no resource named ${name}`);
    }
    return copy;
}

/** A copy of `resources` where the key policy of the key named `keyName` is rewritten by `change`. */
export function mutateKeyPolicy(
    resources: ResourceSpec[],
    keyName: string,
    change: (doc: { Statement: Record<string, unknown>[] }) => void,
): ResourceSpec[] {
    return mutate(resources, keyName, (props) => {
        const doc = JSON.parse(props["policy"] as string) as { Statement: Record<string, unknown>[] };
        change(doc);
        props["policy"] = JSON.stringify(doc);
    });
}
