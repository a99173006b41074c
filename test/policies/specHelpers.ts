/**
 * Small helpers shared by the policy pack specs.
 */
import * as assert from "assert";
import { ResourceValidationPolicy } from "@pulumi/policy";

import { Outcome, ResourceSpec, runResourcePolicy } from "../helpers/policyHarness";
import { KeyPolicyAnalysis, analyseKeyPolicy } from "../../policies/lib/keyPolicyAnalysis";

export const ADMIN = "arn:aws:iam::111111111111:role/KmsKeyAdministrator";
export const DEPLOY = "arn:aws:iam::111111111111:role/pulumi-deploy";
export const USER = "arn:aws:iam::111111111111:role/AuroraProvisioner";
export const ROOT = "arn:aws:iam::111111111111:root";
export const OTHER_ACCOUNT_ROLE = "arn:aws:iam::444455556666:role/Partner";

/** A statement, with defaults for the elements a test does not care about. */
export function statement(fields: Record<string, unknown>): Record<string, unknown> {
    return { Effect: "Allow", Resource: "*", ...fields };
}

/** A policy document holding `statements`. */
export function documentOf(...statements: Record<string, unknown>[]): {
    Version: string;
    Statement: Record<string, unknown>[];
} {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The analysis of a policy holding `statements`. Checks are called on the analysis of a document object: only policy
 * text is cached, so every test parses its own document.
 */
export function analysed(...statements: Record<string, unknown>[]): KeyPolicyAnalysis {
    const result = analyseKeyPolicy(documentOf(...statements));
    assert.ok(result.ok, result.ok ? "" : result.error);
    return result.analysis;
}

/** An `aws.kms.Key` (or another key-policy resource) with `policy` (an object is serialised). */
export function keyWith(policy: unknown, extra: Record<string, unknown> = {}, type = "aws:kms/key:Key"): ResourceSpec {
    return {
        type,
        name: "test-key",
        inputs: { policy: typeof policy === "string" ? policy : JSON.stringify(policy), ...extra },
    };
}

/** The messages of an outcome, asserting that the policy decided and applied. */
export function messages(outcome: Outcome): string[] {
    assert.strictEqual(outcome.undecided, undefined, `the policy could not decide: ${outcome.undecided}`);
    assert.strictEqual(outcome.notApplicable, undefined, `the policy was not applicable: ${outcome.notApplicable}`);
    return outcome.violations.map((v) => v.message);
}

/** Runs a resource policy and returns its messages (the policy must decide and apply). */
export async function check(
    policy: ResourceValidationPolicy,
    spec: ResourceSpec,
    config: Record<string, unknown> = {},
): Promise<string[]> {
    const outcome = await runResourcePolicy(policy, spec, config);
    for (const v of outcome.violations) {
        assert.strictEqual(v.policy, policy.name);
    }
    return messages(outcome);
}

/** Runs a resource policy over a key whose policy is `doc`. */
export function checkKeyPolicy(
    policy: ResourceValidationPolicy,
    doc: unknown,
    config: Record<string, unknown> = {},
    type = "aws:kms/key:Key",
): Promise<string[]> {
    return check(policy, keyWith(doc, {}, type), config);
}
