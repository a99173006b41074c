/**
 * The per-stack policy config files (policies/config/<stack>.json): they name only the pack's policies, state only
 * what differs from the pack's defaults, validate against each policy's config schema the way the CLI validates them,
 * and set the thresholds each stack needs.
 */
import * as assert from "assert";
import Ajv from "ajv";
import { EnforcementLevel } from "@pulumi/policy";

import { entryOf, resolveConfig } from "../helpers/policyHarness";
import { allPolicies } from "../../policies/all";
import { ACCOUNTS, STACKS, packConfig } from "./programResources";

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

describe("policy config files", () => {
    it("every config schema is a valid JSON schema whose defaults validate", () => {
        // Strict mode rejects unknown keywords and mistakes such as a default of the wrong type.
        const ajv = new Ajv({ strict: true, useDefaults: true });
        for (const policy of allPolicies.filter((p) => p.configSchema !== undefined)) {
            const schema = policy.configSchema!;
            assert.ok(!("enforcementLevel" in schema.properties), `${policy.name}: enforcementLevel is reserved`);
            const validate = ajv.compile({
                type: "object",
                properties: schema.properties,
                ...(schema.required ? { required: schema.required } : {}),
            });
            const defaults: Record<string, unknown> = {};
            assert.ok(validate(defaults), `${policy.name}: ${ajv.errorsText(validate.errors)}`);
            assert.deepStrictEqual(
                Object.keys(defaults).sort(),
                Object.keys(schema.properties).sort(),
                `${policy.name}: every threshold has a default`,
            );
        }
    });

    for (const stack of STACKS) {
        describe(`${stack}.json`, () => {
            const config = packConfig(stack);
            const names = new Set(allPolicies.map((p) => p.name));

            it("names only policies of the pack", () => {
                // The CLI silently ignores a name that is not in the pack; a typo would drop a guardrail.
                assert.deepStrictEqual(
                    Object.keys(config).filter((k) => !names.has(k)),
                    [],
                );
            });

            it("states only what differs from the pack's defaults, which policies/README.md lists", () => {
                for (const name of Object.keys(config)) {
                    const policy = allPolicies.find((p) => p.name === name)!;
                    const { level, properties } = entryOf(config, name);
                    assert.notStrictEqual(
                        level,
                        policy.enforcementLevel,
                        `${name}: enforcementLevel repeats the default`,
                    );
                    const defaults = resolveConfig(policy);
                    for (const [property, value] of Object.entries(properties)) {
                        assert.notDeepStrictEqual(value, defaults[property], `${name}.${property} repeats the default`);
                    }
                }
            });

            it("validates against each policy's config schema, as the CLI validates it", () => {
                for (const policy of allPolicies) {
                    const { level, properties } = entryOf(config, policy.name);
                    assert.ok(
                        level === undefined || LEVELS.includes(level),
                        `${policy.name}: enforcementLevel ${String(level)}`,
                    );
                    const declared = Object.keys(policy.configSchema?.properties ?? {});
                    // The CLI accepts properties the schema does not declare; a misspelt threshold must not pass here.
                    assert.deepStrictEqual(
                        Object.keys(properties).filter((k) => !declared.includes(k)),
                        [],
                        policy.name,
                    );
                    assert.doesNotThrow(() => resolveConfig(policy, properties), policy.name);
                }
            });

            it("keeps every policy at its designed level: all mandatory but the endpoint policy and the recovery path advisory", () => {
                const advisory = ["kms-vpc-endpoint-policy", "kms-key-policy-recovery-path"];
                for (const policy of allPolicies) {
                    const expected = advisory.includes(policy.name) ? "advisory" : "mandatory";
                    assert.strictEqual(
                        entryOf(config, policy.name).level ?? policy.enforcementLevel,
                        expected,
                        policy.name,
                    );
                }
            });

            it(`trusts only account ${ACCOUNTS[stack]} and its two administrator roles`, () => {
                const account = ACCOUNTS[stack];
                assert.deepStrictEqual(entryOf(config, "kms-key-policy-trusted-accounts").properties, {
                    allowedAccountIds: [account],
                });
                assert.deepStrictEqual(entryOf(config, "kms-key-policy-admin-rights").properties["keyAdministrators"], [
                    `arn:aws:iam::${account}:role/KmsKeyAdministrator`,
                    `arn:aws:iam::${account}:role/pulumi-deploy`,
                ]);
            });

            it("has a consistent deletion window range", () => {
                const window = resolveConfig(
                    allPolicies.find((p) => p.name === "kms-key-deletion-window")!,
                    entryOf(config, "kms-key-deletion-window").properties,
                );
                assert.ok(
                    (window["minDeletionWindowInDays"] as number) <= (window["maxDeletionWindowInDays"] as number),
                );
            });
        });
    }

    it("makes production the strictest: a 30-day window and protection required", () => {
        const resolved = (stack: (typeof STACKS)[number], name: string) =>
            resolveConfig(
                allPolicies.find((p) => p.name === name)!,
                entryOf(packConfig(stack), name).properties,
            );
        const min = (stack: (typeof STACKS)[number]) =>
            resolved(stack, "kms-key-deletion-window")["minDeletionWindowInDays"];
        const protect = (stack: (typeof STACKS)[number]) => resolved(stack, "kms-key-protected")["requireProtect"];
        assert.deepStrictEqual(
            STACKS.map((s) => [s, min(s), protect(s)]),
            [
                ["production", 30, true],
                ["staging", 14, true],
                ["development", 7, false],
            ],
        );
    });
});
