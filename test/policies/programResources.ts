/**
 * The resources this project's program registers for the tests' own stacks, read from their golden files (see
 * test/golden/golden.ts), for the policy pack specs: two keys with least-privilege key policies, their aliases, and
 * (production and staging) a KMS interface endpoint with its security group and ingress rule. `preview` gives the
 * planned state of a first `pulumi preview` (ids unknown, links only as property dependencies); `update` gives the
 * state after `pulumi up`.
 */
import * as fs from "fs";
import * as path from "path";

import { goldenResources } from "../golden/golden";
import { PackConfig, ResourceSpec } from "../helpers/policyHarness";
import { fixtureProjectDir, stackConfigDoc } from "../helpers/stackConfig";

export type StackName = "production" | "staging" | "development";
export type Stage = "preview" | "update";

export const STACKS: readonly StackName[] = ["production", "staging", "development"];

/** The account of each fixture stack: its `aws:allowedAccountIds`. */
export const ACCOUNTS = Object.fromEntries(
    STACKS.map((stack) => [stack, (stackConfigDoc(stack)["aws:allowedAccountIds"] as string[])[0]]),
) as Record<StackName, string>;

/** The policy pack config file of a stack, as the CLI reads it. */
export function packConfig(stack: StackName): PackConfig {
    const file = path.join(fixtureProjectDir, "policies", "config", `${stack}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
}

/** Every resource the program registers for `stack`, with inputs, and outputs as of `stage` (its golden file). */
export function programStack(stack: StackName, stage: Stage): ResourceSpec[] {
    return goldenResources(stack, stage);
}

/** The fixture stack's key used through `service`, found by its key policy's kms:ViaService condition. */
function keyOf(stack: StackName, service: "rds" | "es"): ResourceSpec {
    const key = programStack(stack, "update").find(
        (r) => r.type === "aws:kms/key:Key" && String(r.inputs["policy"]).includes(`"${service}.`),
    );
    if (key === undefined) {
        throw new Error(`fixture stack ${stack} has no key used through ${service}`);
    }
    return key;
}

/** Inputs of an `aws.kms.Key` as the program sets them for the fixture stack's key used through `service`. */
export function keyInputs(stack: StackName, service: "rds" | "es"): Record<string, unknown> {
    return keyOf(stack, service).inputs;
}

/** Options of `keyPolicy`. */
export interface KeyPolicyOptions {
    service: "rds" | "es";
    /** Replaces the principals of the users' statements. */
    users?: string[];
}

/** The key policy the program renders for production's key used through `service` (a plain object). */
export function keyPolicy(options: KeyPolicyOptions): { Version: string; Statement: Record<string, unknown>[] } {
    const doc = JSON.parse(keyInputs("production", options.service)["policy"] as string) as {
        Version: string;
        Statement: Record<string, unknown>[];
    };
    if (options.users !== undefined) {
        // The users' statements are those that name exactly the principals of the statement of use.
        const use = doc.Statement.find((s) => s["Sid"] === "KeyUseThroughIntegratedService");
        const users = JSON.stringify(use?.["Principal"]);
        for (const statement of doc.Statement.filter((s) => JSON.stringify(s["Principal"]) === users)) {
            statement["Principal"] = { AWS: options.users };
        }
    }
    return doc;
}

/** The endpoint policy the program renders for production: only that account's principals. */
export function endpointPolicy(): string {
    const endpoint = programStack("production", "update").find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
    return endpoint!.inputs["policy"] as string;
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
