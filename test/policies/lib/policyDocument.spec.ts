import * as assert from "assert";

import { analyseKeyPolicy, pinsCaller, requiresGrantForAwsResource } from "../../../policies/lib/keyPolicyAnalysis";
import {
    describeJsonError,
    globMatches,
    globRegExp,
    parsePolicyDocument,
    Statement,
} from "../../../policies/lib/policyDocument";

function statements(policy: unknown): readonly Statement[] {
    const parsed = parsePolicyDocument(policy);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
    return parsed.document.statements;
}

function errorOf(policy: unknown): string {
    const parsed = parsePolicyDocument(policy);
    assert.ok(!parsed.ok, "expected the document to be rejected");
    return parsed.error;
}

describe("policy document parsing", () => {
    it("reads JSON text and the object form alike", () => {
        const doc = {
            Version: "2012-10-17",
            Statement: [{ Sid: "A", Effect: "Allow", Principal: { AWS: "x" }, Action: "kms:Decrypt", Resource: "*" }],
        };
        assert.deepStrictEqual(statements(JSON.stringify(doc)), statements(doc));
    });

    it("names a statement by position when its Sid is empty or not a string", () => {
        const parsed = statements({
            Statement: [
                { Sid: "", Effect: "Allow", Principal: "*", Action: "kms:Encrypt" },
                { Sid: 7, Effect: "Allow", Principal: "*", Action: "kms:Encrypt" },
                { Sid: "Named", Effect: "Allow", Principal: "*", Action: "kms:Encrypt" },
            ],
        });
        assert.deepStrictEqual(
            parsed.map((s) => [s.sid, s.label]),
            [
                [undefined, "statement #1"],
                [undefined, "statement #2"],
                ["Named", 'statement "Named"'],
            ],
        );
    });

    it("accepts one statement object as well as an array, and strings as well as arrays", () => {
        const [s] = statements({
            Statement: { Effect: "Allow", Principal: "*", Action: "kms:Encrypt", Resource: "*" },
        });
        assert.deepStrictEqual(
            { label: s.label, principal: s.principal, action: s.action, resource: s.resource },
            { label: "statement #1", principal: [{ kind: "*", value: "*" }], action: ["kms:Encrypt"], resource: ["*"] },
        );
        const [t] = statements({
            Statement: [
                { Sid: "B", Effect: "Deny", Principal: { AWS: ["a", "b"], Service: "s" }, NotAction: ["kms:Sign"] },
            ],
        });
        assert.deepStrictEqual(
            { label: t.label, effect: t.effect, principal: t.principal, notAction: t.notAction, action: t.action },
            {
                label: 'statement "B"',
                effect: "Deny",
                principal: [
                    { kind: "AWS", value: "a" },
                    { kind: "AWS", value: "b" },
                    { kind: "Service", value: "s" },
                ],
                notAction: ["kms:Sign"],
                action: undefined,
            },
        );
    });

    it("normalises condition operators, set qualifiers, IfExists, keys and values", () => {
        const [s] = statements({
            Statement: [
                {
                    Effect: "allow",
                    Principal: "*",
                    Action: "kms:*",
                    Condition: {
                        "ForAnyValue:StringLikeIfExists": { "KMS:ViaService": ["a", "b"] },
                        bool: { "aws:SecureTransport": true },
                    },
                },
            ],
        });
        assert.strictEqual(s.effect, "Allow");
        assert.deepStrictEqual(s.conditions, [
            {
                operator: "ForAnyValue:StringLikeIfExists",
                baseOperator: "stringlike",
                qualifier: "foranyvalue",
                ifExists: true,
                key: "KMS:ViaService",
                keyLower: "kms:viaservice",
                values: ["a", "b"],
            },
            {
                operator: "bool",
                baseOperator: "bool",
                qualifier: "",
                ifExists: false,
                key: "aws:SecureTransport",
                keyLower: "aws:securetransport",
                values: ["true"],
            },
        ]);
    });

    it("says what is structurally wrong, with the path", () => {
        assert.strictEqual(errorOf("[]"), "not a policy document: expected a JSON object, got an array");
        assert.strictEqual(errorOf({ Version: "2012-10-17" }), "not a policy document: it has no Statement");
        assert.strictEqual(
            errorOf({ Statement: ["x"] }),
            "not a policy document: Statement[0] must be an object, got a string",
        );
        assert.strictEqual(
            errorOf({ Statement: { Effect: "Allow", Action: "a", NotAction: "b" } }),
            "not a policy document: Statement has both Action and NotAction",
        );
        assert.strictEqual(
            errorOf({ Statement: [{ Effect: "Allow", Resource: "*" }] }),
            "not a policy document: Statement[0] has neither Action nor NotAction",
        );
        assert.strictEqual(
            errorOf({ Statement: [{ Effect: "Allow", Action: "a", Principal: "everyone" }] }),
            'not a policy document: Statement[0].Principal must be "*" or an object such as {"AWS": [...]}, got "everyone"',
        );
        assert.strictEqual(
            errorOf({ Statement: [{ Effect: "Allow", Action: [1] }] }),
            "not a policy document: Statement[0].Action must be a string or an array of strings, got an array",
        );
        assert.strictEqual(
            errorOf({
                Statement: [{ Effect: "Allow", Action: "a", Condition: { StringEquals: { k: { nested: 1 } } } }],
            }),
            "not a policy document: Statement[0].Condition.StringEquals.k must hold strings, booleans or numbers, got a object",
        );
    });

    it("names the element, its path and the type found for every malformed element", () => {
        for (const [raw, expected] of [
            [{ Statement: [null] }, "Statement[0] must be an object, got null"],
            [{ Statement: [{ Action: "a" }] }, 'Statement[0].Effect must be "Allow" or "Deny", got missing'],
            [
                { Statement: { Effect: "Permit", Action: "a" } },
                'Statement.Effect must be "Allow" or "Deny", got "Permit"',
            ],
            [
                { Statement: [{ Effect: "Allow", Action: "a", Principal: 5 }] },
                'Statement[0].Principal must be "*" or an object such as {"AWS": [...]}, got a number',
            ],
            [
                { Statement: [{ Effect: "Allow", Action: "a", Principal: { AWS: 1 } }] },
                "Statement[0].Principal.AWS must be a string or an array of strings, got a number",
            ],
            [
                { Statement: [{ Effect: "Allow", Action: ["kms:Decrypt", 1] }] },
                "Statement[0].Action must be a string or an array of strings, got an array",
            ],
            [
                { Statement: [{ Effect: "Allow", NotAction: [1] }] },
                "Statement[0].NotAction must be a string or an array of strings, got an array",
            ],
            [
                { Statement: [{ Effect: "Allow", Action: "a", Resource: 1 }] },
                "Statement[0].Resource must be a string or an array of strings, got a number",
            ],
            [
                { Statement: [{ Effect: "Allow", Action: "a", Condition: "x" }] },
                "Statement[0].Condition must be an object of operators, got a string",
            ],
            [
                { Statement: [{ Effect: "Allow", Action: "a", Condition: { StringEquals: "x" } }] },
                "Statement[0].Condition.StringEquals must be an object of condition keys, got a string",
            ],
        ] as const) {
            assert.strictEqual(errorOf(raw), `not a policy document: ${expected}`);
        }
    });

    it("reads number condition values as strings, and ignores an Id that is not a string", () => {
        const parsed = parsePolicyDocument({
            Id: 5,
            Statement: [{ Effect: "Allow", Action: "a", Condition: { NumericLessThan: { "kms:RecipientCount": 5 } } }],
        });
        assert.ok(parsed.ok);
        assert.strictEqual(parsed.document.id, undefined);
        assert.deepStrictEqual(parsed.document.statements[0].conditions[0].values, ["5"]);
    });

    describe("JSON errors", () => {
        for (const [text, expected] of [
            ["", "expected a value at line 1, column 1"],
            ["{", 'expected "}" at line 1, column 2'],
            ['{"a" 1}', 'expected ":" at line 1, column 6'],
            ['{"a": 1,\n "b": [1, 2,]}', "expected a value at line 2, column 13"],
            ['{"a": [1 2]}', 'expected "," at line 1, column 10'],
            ["{'a': 1}", "unexpected character at line 1, column 2"],
            ['{"a": "x\\q"}', "invalid escape character at line 1, column 7"],
            ['{"a": 01}', 'expected "," at line 1, column 8'],
            ['{"a": 1} x', "unexpected character at line 1, column 10"],
            ['{"a": tru}', "unexpected character at line 1, column 7"],
            ['{"a": 1} // note', "comments are not JSON at line 1, column 10"],
            ['{"a" 1,\n "b": 2}', 'expected ":" at line 1, column 6'],
        ] as const) {
            it(`locates the error in ${JSON.stringify(text)}`, () => {
                assert.throws(() => JSON.parse(text));
                assert.strictEqual(describeJsonError(text), expected);
            });
        }
        it("points at the start of text it finds no error in", () => {
            assert.strictEqual(describeJsonError("\n{}"), "unexpected character at line 1, column 1");
        });
    });

    describe("wildcards", () => {
        it("compiles a pattern once, and bounds the cache of compiled patterns", () => {
            const first = globRegExp("arn:aws:kms:*:cache-test");
            assert.strictEqual(globRegExp("arn:aws:kms:*:cache-test"), first);
            for (let i = 0; i <= 4097; i++) {
                globRegExp(`arn:aws:kms:*:cache-fill-${i}`);
            }
            assert.notStrictEqual(globRegExp("arn:aws:kms:*:cache-test"), first);
        });

        for (const [pattern, value, expected] of [
            ["kms:*", "kms:Decrypt", true],
            ["KMS:DECRYPT", "kms:Decrypt", true],
            ["kms:*crypt*", "kms:ReEncryptFrom", true],
            ["kms:?ecrypt", "kms:Decrypt", true],
            ["kms:Create*", "kms:Decrypt", false],
            ["arn:aws:kms:*:*:key/*", "arn:aws:kms:us-east-1:1:key/x", true],
            ["a.b", "axb", false],
            ["(x)+", "(x)+", true],
        ] as const) {
            it(`${pattern} ${expected ? "matches" : "does not match"} ${value}`, () =>
                assert.strictEqual(globMatches(pattern, value), expected));
        }
    });

    describe("condition helpers", () => {
        const conditionsOf = (condition: unknown) =>
            statements({ Statement: [{ Effect: "Allow", Action: "a", Condition: condition }] })[0].conditions;

        it("pinsCaller needs a present, exact account or organisation", () => {
            assert.strictEqual(
                pinsCaller(conditionsOf({ StringEquals: { "kms:CallerAccount": "111111111111" } })),
                true,
            );
            assert.strictEqual(pinsCaller(conditionsOf({ StringLike: { "aws:PrincipalOrgID": "o-*" } })), false);
            assert.strictEqual(pinsCaller(conditionsOf({ StringEquals: { "aws:PrincipalTag/team": "a" } })), false);
            assert.strictEqual(pinsCaller(conditionsOf({ StringEquals: { "kms:CallerAccount": [] } })), false);
        });

        it("requiresGrantForAwsResource accepts true, in any case, as string or boolean", () => {
            assert.strictEqual(
                requiresGrantForAwsResource(conditionsOf({ Bool: { "kms:GrantIsForAWSResource": "TRUE" } })),
                true,
            );
            assert.strictEqual(
                requiresGrantForAwsResource(conditionsOf({ Bool: { "kms:GrantIsForAWSResource": [true, "false"] } })),
                false,
            );
            assert.strictEqual(
                requiresGrantForAwsResource(conditionsOf({ StringEquals: { "kms:GrantIsForAWSResource": "true" } })),
                false,
            );
        });
    });

    describe("analysis cache", () => {
        it("returns the same analysis for the same text, so the rules parse a key policy once", () => {
            const text = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*" }] });
            assert.strictEqual(analyseKeyPolicy(text), analyseKeyPolicy(text));
            assert.notStrictEqual(analyseKeyPolicy(text), analyseKeyPolicy(`${text} `));
        });
    });
});
