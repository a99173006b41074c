/**
 * Unknown values (a preview): a policy that needs one reports that it could not decide, through the SDK's own
 * unknown-value proxy, and never passes or crashes instead.
 */
import * as assert from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { Outcome, ResourceSpec, UNKNOWN, runResourcePolicy, runStackPolicy, urnOf } from "../helpers/policyHarness";
import { allPolicies } from "../../policies/all";
import { kmsVpcEndpointSecurityGroup } from "../../policies/endpoints";
import { kmsKeyPolicyNoFullAccess } from "../../policies/keyPolicyActions";
import { kmsKeyHasAlias, kmsKeyRotationEnabled } from "../../policies/keys";
import { mutate, programStack } from "./programResources";
import { documentOf, statement } from "./specHelpers";

const resourcePolicies = allPolicies.filter((p): p is ResourceValidationPolicy => !("validateStack" in p));
const stackPolicies = allPolicies.filter((p): p is StackValidationPolicy => "validateStack" in p);

/** Resources that break as many resource policies as possible. */
const failing: ResourceSpec[] = [
    {
        type: "aws:kms/key:Key",
        name: "bad-key",
        inputs: {
            keyUsage: "ENCRYPT_DECRYPT",
            customerMasterKeySpec: "SYMMETRIC_DEFAULT",
            enableKeyRotation: false,
            rotationPeriodInDays: 3000,
            deletionWindowInDays: 6,
            bypassPolicyLockoutSafetyCheck: true,
            tags: { Name: "", Environment: "production" },
            policy: JSON.stringify(
                documentOf(
                    statement({ Sid: "Everything", Principal: "*", Action: "kms:*" }),
                    statement({
                        Sid: "Other",
                        Principal: { AWS: "arn:aws:iam::444455556666:role/X" },
                        NotAction: "kms:PutKeyPolicy",
                    }),
                    statement({ Sid: "DenyPut", Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy" }),
                ),
            ),
        },
    },
    { type: "aws:kms/alias:Alias", name: "bad-alias", inputs: { name: "alias/aws/x", targetKeyId: "k" } },
    {
        type: "aws:ec2/vpcEndpoint:VpcEndpoint",
        name: "bad-endpoint",
        inputs: {
            serviceName: "com.amazonaws.ap-northeast-1.kms",
            vpcEndpointType: "Interface",
            privateDnsEnabled: false,
            subnetIds: ["subnet-a"],
            subnetConfigurations: [{ subnetId: "subnet-a" }],
        },
    },
    {
        type: "aws:iam/role:Role",
        name: "bad-role",
        inputs: {
            inlinePolicies: [
                { name: "all", policy: JSON.stringify(documentOf(statement({ Action: "kms:*", Resource: "*" }))) },
            ],
        },
    },
];

/** Every copy of `inputs` with one value, at the top level or one level down, replaced by the unknown sentinel. */
function withOneUnknown(inputs: Record<string, unknown>): [string, Record<string, unknown>][] {
    const variants: [string, Record<string, unknown>][] = [];
    for (const [key, value] of Object.entries(inputs)) {
        variants.push([key, { ...inputs, [key]: UNKNOWN }]);
        if (Array.isArray(value)) {
            value.forEach((_, i) => {
                const copy = [...value];
                copy[i] = UNKNOWN;
                variants.push([`${key}[${i}]`, { ...inputs, [key]: copy }]);
            });
        } else if (typeof value === "object" && value !== null) {
            for (const inner of Object.keys(value)) {
                variants.push([`${key}.${inner}`, { ...inputs, [key]: { ...value, [inner]: UNKNOWN } }]);
            }
        }
    }
    return variants;
}

function decidedOrFlagged(outcome: Outcome): boolean {
    return outcome.undecided !== undefined || outcome.violations.length > 0;
}

describe("unknown values in a preview", () => {
    it("make a policy that needs them undecided, with the SDK's message", async () => {
        const key: ResourceSpec = {
            type: "aws:kms/key:Key",
            name: "k",
            inputs: { policy: UNKNOWN, enableKeyRotation: UNKNOWN },
        };
        assert.deepStrictEqual(await runResourcePolicy(kmsKeyPolicyNoFullAccess, key), {
            violations: [],
            undecided: "string value at .policy can't be known during preview",
        });
        assert.deepStrictEqual(await runResourcePolicy(kmsKeyRotationEnabled, key), {
            violations: [],
            undecided: "string value at .enableKeyRotation can't be known during preview",
        });
    });

    it("never turn a resource policy's violation into a pass, and never crash it", async () => {
        let checked = 0;
        for (const spec of failing) {
            for (const policy of resourcePolicies) {
                const known = await runResourcePolicy(policy, { ...spec, protect: false });
                if (known.violations.length === 0) {
                    continue;
                }
                for (const [path, inputs] of withOneUnknown(spec.inputs)) {
                    const outcome = await runResourcePolicy(policy, { ...spec, inputs, protect: false });
                    assert.ok(decidedOrFlagged(outcome), `${policy.name} passed ${spec.name} with ${path} unknown`);
                    checked++;
                }
            }
        }
        assert.ok(checked > 100, `only ${checked} cases`);
    });

    it("never turn a stack policy's violation into a pass: an unknown the program set has a dependency", async () => {
        const broken = mutate(programStack("production", "preview"), "kms-https-from-vpc", (p) => {
            p["cidrIpv4"] = "0.0.0.0/0";
        });
        const stackUrn = broken[0].urn ?? "";
        for (const policy of [kmsVpcEndpointSecurityGroup]) {
            assert.ok((await runStackPolicy(policy, broken)).violations.length > 0);
            for (const target of broken) {
                for (const [path, outputs] of withOneUnknown(target.outputs ?? target.inputs)) {
                    const key = path.split(/[.[]/)[0];
                    const stack = broken.map((r) =>
                        r === target
                            ? {
                                  ...r,
                                  outputs,
                                  propertyDependencies: {
                                      ...r.propertyDependencies,
                                      [key]: [...(r.propertyDependencies?.[key] ?? []), stackUrn],
                                  },
                              }
                            : r,
                    );
                    const outcome = await runStackPolicy(policy, stack);
                    assert.ok(decidedOrFlagged(outcome), `${policy.name} passed with ${target.name}.${path} unknown`);
                }
            }
        }
    });

    it("leave a link that only a value could make undecided", async () => {
        const keyUrn = urnOf("aws:kms/key:Key", "k");
        const key: ResourceSpec = {
            type: "aws:kms/key:Key",
            name: "k",
            urn: keyUrn,
            inputs: {},
            outputs: { id: UNKNOWN, keyId: UNKNOWN, arn: UNKNOWN },
        };
        const role: ResourceSpec = { type: "aws:iam/role:Role", name: "r", inputs: {}, outputs: {} };
        // targetKeyId depends on some other resource's output: it may still be this key's id.
        const alias: ResourceSpec = {
            type: "aws:kms/alias:Alias",
            name: "a",
            inputs: {},
            outputs: { name: "alias/a", targetKeyId: UNKNOWN },
            propertyDependencies: { targetKeyId: [role.urn ?? urnOf(role.type, role.name)] },
        };
        assert.deepStrictEqual(await runStackPolicy(kmsKeyHasAlias, [key, role, alias]), {
            violations: [],
            undecided: "string value at .targetKeyId can't be known during preview",
        });
    });

    it("are decided where property dependencies give the links, as in this project's stacks", async () => {
        for (const policy of stackPolicies) {
            const outcome = await runStackPolicy(policy, programStack("staging", "preview"));
            assert.strictEqual(outcome.undecided, undefined, policy.name);
        }
    });
});
