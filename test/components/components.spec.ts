import * as assert from "assert/strict";
import { checkKmsKeyArgs, KmsKey, KmsKeyArgs } from "../../components/kmsKey";
import { KmsVpcEndpoint } from "../../components/kmsVpcEndpoint";
import { ProgramRun, RegisteredResource } from "../../tools/lib/programRunner";
import { runFixture } from "../helpers/stackConfig";
import { endpointArgs, keyArgs } from "../helpers/componentArgs";
import { bySid } from "../helpers/statements";

/** Runs one component alone under the mock runtime, in the development stack's account and region. */
async function runComponent(create: () => void, update = false): Promise<ProgramRun> {
    const run = await runFixture("development", {
        update,
        program: async () => {
            create();
        },
    });
    assert.equal(run.error, undefined);
    return run;
}

function ofType(run: ProgramRun, type: string): RegisteredResource[] {
    return run.resources.filter((r) => r.type === type);
}

describe("KmsKey", () => {
    it("defaults to rotation every 365 days, a 30-day window, protection and retention", async () => {
        const run = await runComponent(() => new KmsKey("app", keyArgs));
        const [key] = ofType(run, "aws:kms/key:Key");
        assert.equal(key.name, "app-key");
        assert.equal(key.protect, true);
        assert.equal(key.retainOnDelete, true);
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.inputs.rotationPeriodInDays, 365);
        assert.equal(key.inputs.deletionWindowInDays, 30);
        assert.equal(key.inputs.bypassPolicyLockoutSafetyCheck, false);
        assert.equal(key.inputs.multiRegion, false);
        const policy = JSON.parse(key.inputs.policy as string);
        assert.deepEqual(
            policy.Statement.map((s: { Sid: string }) => s.Sid),
            [
                "AccountRootUserRecovery",
                "KeyAdministration",
                "KeyDescriptionForUsers",
                "KeyUseThroughIntegratedService",
                "GrantsForIntegratedService",
            ],
        );
        assert.ok(!bySid(policy, "KeyAdministration").Action.includes("kms:ScheduleKeyDeletion"));
        const [alias] = ofType(run, "aws:kms/alias:Alias");
        assert.equal(alias.name, "app-alias");
        assert.equal(alias.inputs.name, "alias/app-data");
        const component = "urn:pulumi:development::kms-keys::kms-keys:kms:KmsKey::app";
        assert.deepEqual(
            [key, alias].map((r) => [r.urn, r.parent]),
            [
                ["urn:pulumi:development::kms-keys::kms-keys:kms:KmsKey$aws:kms/key:Key::app-key", component],
                ["urn:pulumi:development::kms-keys::kms-keys:kms:KmsKey$aws:kms/alias:Alias::app-alias", component],
            ],
        );
    });

    it("passes its settings through to the key and its policy", async () => {
        const run = await runComponent(
            () =>
                new KmsKey("app", {
                    ...keyArgs,
                    integratedService: "es",
                    allowKeyDeletion: true,
                    deletionWindowInDays: 7,
                    rotationPeriodInDays: 180,
                    protect: false,
                    retainOnDelete: false,
                    crossAccountUsers: ["arn:aws:iam::444444444444:role/Reader"],
                    auditors: ["role/Auditor"],
                    accountRootRecovery: false,
                    tags: { Team: "data" },
                }),
        );
        const [key] = ofType(run, "aws:kms/key:Key");
        assert.equal(key.protect, false);
        assert.equal(key.retainOnDelete, false);
        assert.equal(key.inputs.deletionWindowInDays, 7);
        assert.equal(key.inputs.rotationPeriodInDays, 180);
        assert.deepEqual(key.inputs.tags, { Team: "data" });
        const policy = JSON.parse(key.inputs.policy as string);
        assert.deepEqual(
            policy.Statement.map((s: { Sid: string }) => s.Sid),
            [
                "KeyAdministration",
                "KeyAudit",
                "KeyDescriptionForUsers",
                "KeyUseThroughIntegratedService",
                "GrantsForIntegratedService",
                "CrossAccountKeyUseThroughIntegratedService444444444444",
                "CrossAccountGrantsForIntegratedService444444444444",
            ],
        );
        assert.ok(bySid(policy, "KeyAdministration").Action.includes("kms:ScheduleKeyDeletion"));
        assert.deepEqual(bySid(policy, "KeyAudit").Principal.AWS, ["arn:aws:iam::333333333333:role/Auditor"]);
        const use = bySid(policy, "KeyUseThroughIntegratedService");
        assert.equal(use.Condition.StringEquals["kms:ViaService"], "es.ap-northeast-1.amazonaws.com");
        assert.equal(use.Condition.StringEquals["kms:CallerAccount"], "333333333333");
    });

    it("sends no rotation period when rotation is off, so that the provider reads back what it was given", async () => {
        const run = await runComponent(() => new KmsKey("app", { ...keyArgs, enableKeyRotation: false }));
        const [key] = ofType(run, "aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, false);
        assert.ok(!("rotationPeriodInDays" in key.inputs), JSON.stringify(key.inputs));
    });

    it("gives the account root kms:* only when asked", async () => {
        const run = await runComponent(() => new KmsKey("app", { ...keyArgs, allowAccountRootFullAccess: true }));
        const [key] = ofType(run, "aws:kms/key:Key");
        const [root] = JSON.parse(key.inputs.policy as string).Statement;
        assert.deepEqual(root, {
            Sid: "AccountRootFullAccess",
            Effect: "Allow",
            Principal: { AWS: ["arn:aws:iam::333333333333:root"] },
            Action: ["kms:*"],
            Resource: "*",
        });
    });

    it("exports the key's id and ARN and the alias once created", async () => {
        let component: KmsKey | undefined;
        await runComponent(() => {
            component = new KmsKey("app", keyArgs);
        }, true);
        const [keyId, arn, aliasName] = await Promise.all(
            [component!.keyId, component!.arn, component!.aliasName].map(
                (o) => new Promise<string>((resolve) => o.apply(resolve)),
            ),
        );
        assert.match(keyId, /^key-[0-9a-f]{17}$/);
        assert.equal(arn, `arn:aws:kms:ap-northeast-1:333333333333:key/${keyId}`);
        assert.equal(aliasName, "alias/app-data");
    });

    const invalid: [string, Partial<KmsKeyArgs>, string][] = [
        [
            "an alias under alias/aws/",
            { alias: "alias/aws/rds" },
            'alias "alias/aws/rds" must begin with "alias/" and not with "alias/aws/"',
        ],
        ["an alias without alias/", { alias: "rds" }, 'alias "rds" must begin with "alias/" and not with "alias/aws/"'],
        [
            "an alias with alias/ further in",
            { alias: "app/alias/data" },
            'alias "app/alias/data" must begin with "alias/" and not with "alias/aws/"',
        ],
        [
            "no administrators",
            { administrators: [] },
            "administrators must name at least one principal, or nobody could ever change the key policy",
        ],
        ["no users", { users: [] }, "users must name at least one principal, or the key could not be used"],
        ["a 6-day window", { deletionWindowInDays: 6 }, "deletionWindowInDays 6 must be an integer from 7 to 30"],
        ["a 31-day window", { deletionWindowInDays: 31 }, "deletionWindowInDays 31 must be an integer from 7 to 30"],
        [
            "a rotation of 89 days",
            { rotationPeriodInDays: 89 },
            "rotationPeriodInDays 89 must be an integer from 90 to 2560",
        ],
        [
            "a rotation of 2561 days",
            { rotationPeriodInDays: 2561 },
            "rotationPeriodInDays 2561 must be an integer from 90 to 2560",
        ],
    ];
    for (const [what, change, message] of invalid) {
        it(`refuses ${what}`, () => {
            assert.throws(() => checkKmsKeyArgs("app", { ...keyArgs, ...change }), new Error(`KmsKey app: ${message}`));
        });
    }

    it("accepts an alias that holds alias/aws/ further in", () => {
        checkKmsKeyArgs("app", { ...keyArgs, alias: "alias/app/alias/aws/data" });
    });

    it("accepts the bounds 7, 30, 90 and 2560", () => {
        for (const change of [
            { deletionWindowInDays: 7, rotationPeriodInDays: 90 },
            { deletionWindowInDays: 30, rotationPeriodInDays: 2560 },
        ]) {
            checkKmsKeyArgs("app", { ...keyArgs, ...change });
        }
    });
});

describe("KmsVpcEndpoint", () => {
    it("creates the endpoint, its group and one HTTPS rule from the VPC, restricted to the account", async () => {
        const run = await runComponent(() => new KmsVpcEndpoint("kms", endpointArgs));
        const [endpoint] = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.equal(endpoint.inputs.privateDnsEnabled, true);
        assert.deepEqual(endpoint.inputs.subnetIds, endpointArgs.subnetIds);
        assert.deepEqual(JSON.parse(endpoint.inputs.policy as string).Statement[0].Condition, {
            StringEquals: { "aws:PrincipalAccount": "333333333333" },
        });
        const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.deepEqual(
            rules.map((r) => [r.name, r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]),
            [["kms-https-from-vpc", "10.20.0.0/16", 443, 443, "tcp"]],
        );
        assert.deepEqual(ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"), []);
        const [group] = ofType(run, "aws:ec2/securityGroup:SecurityGroup");
        assert.deepEqual(group.inputs, {
            vpcId: "vpc-0123456789abcdef0",
            description: "HTTPS to the KMS interface endpoint from inside the VPC",
            tags: { Name: "kms-vpc-endpoint" },
        });
        assert.equal(rules[0].inputs.description, "HTTPS from the VPC");
        assert.equal(endpoint.inputs.serviceName, "com.amazonaws.ap-northeast-1.kms");
        assert.equal(endpoint.inputs.vpcEndpointType, "Interface");
        assert.deepEqual(endpoint.inputs.tags, { Name: "kms-vpc-endpoint" });
        const component = "urn:pulumi:development::kms-keys::kms-keys:network:KmsVpcEndpoint::kms";
        for (const child of run.resources.filter((r) => r.type.startsWith("aws:"))) {
            assert.equal(child.parent, component, child.urn);
            assert.ok(child.urn.includes("::kms-keys:network:KmsVpcEndpoint$aws:"), child.urn);
        }
    });

    it("admits client security groups, allows egress and full access only when asked", async () => {
        const run = await runComponent(
            () =>
                new KmsVpcEndpoint("kms", {
                    ...endpointArgs,
                    privateDnsEnabled: false,
                    sourceSecurityGroupIds: ["sg-0123456789abcdef0", "sg-0123456789abcdef1"],
                    allowAllEgress: true,
                    fullAccessPolicy: true,
                }),
        );
        const [endpoint] = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.equal(endpoint.inputs.privateDnsEnabled, false);
        // AWS's default policy, sent explicitly: left out, an endpoint that had the restricted policy would keep it.
        assert.deepEqual(JSON.parse(endpoint.inputs.policy as string), {
            Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
        });
        const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.deepEqual(
            rules.map((r) => [r.name, r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4]),
            [
                ["kms-https-from-vpc", "10.20.0.0/16"],
                ["kms-https-from-1", "sg-0123456789abcdef0"],
                ["kms-https-from-2", "sg-0123456789abcdef1"],
            ],
        );
        const egress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
        assert.deepEqual(
            egress.map((r) => [r.name, r.inputs.ipProtocol, r.inputs.cidrIpv4, r.inputs.description]),
            [["kms-all-egress", "-1", "0.0.0.0/0", "All traffic out, as the parameter sheet's default"]],
        );
        assert.deepEqual(
            rules.slice(1).map((r) => [r.inputs.description, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort]),
            [
                ["HTTPS from a client security group", "tcp", 443, 443],
                ["HTTPS from a client security group", "tcp", 443, 443],
            ],
        );
        for (const child of run.resources.filter((r) => r.type.startsWith("aws:"))) {
            assert.equal(child.parent, "urn:pulumi:development::kms-keys::kms-keys:network:KmsVpcEndpoint::kms");
        }
    });

    it("refuses a single subnet", () => {
        assert.throws(
            () => new KmsVpcEndpoint("kms", { ...endpointArgs, subnetIds: ["subnet-0123456789abcdef0"] }),
            new Error("KmsVpcEndpoint kms: subnetIds must name at least two subnets in different zones"),
        );
    });
});
