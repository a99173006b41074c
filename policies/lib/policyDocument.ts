/**
 * Parsing of IAM-style policy documents (key policies, endpoint policies, identity policies) into a normalised,
 * read-only view that the rules can reason about without caring how the author spelled things.
 *
 * AWS accepts a lot of shapes for the same meaning: `Statement` as one object or an array, `Action`/`Resource` as a
 * string or an array, `Principal` as `"*"` or `{"AWS": "*"}` or `{"AWS": ["*"]}`, condition operators and keys in
 * any case, `Bool` values as `"true"` or `true`. Every rule reads the normalised view, so none of them can be fooled
 * by one spelling that another rule happens not to handle.
 *
 * This module is side-effect free and knows nothing about Pulumi.
 */
import { ParseError, ParseErrorCode, parseTree, printParseErrorCode } from "jsonc-parser";

import { BoundedCache } from "./memo";

/** A principal entry of a statement. `kind` is `"*"` for the bare wildcard principal. */
export interface Principal {
    /** `"*"`, `"AWS"`, `"Service"`, `"Federated"`, `"CanonicalUser"` (as written, for other keys). */
    readonly kind: string;
    /** The value as written, for example an ARN, an account id, a service name or `"*"`. */
    readonly value: string;
}

/** One condition test: `"<operator>": {"<key>": <values>}`. */
export interface ConditionClause {
    /** The operator as written, for messages (`"ForAnyValue:StringLike"`). */
    readonly operator: string;
    /** The operator without set qualifier and `IfExists`, lower case (`"stringlike"`). */
    readonly baseOperator: string;
    /** `"foranyvalue"`, `"forallvalues"`, or `""` when the operator has no set qualifier. */
    readonly qualifier: "" | "foranyvalue" | "forallvalues";
    /** True for `...IfExists` operators, which also match requests that lack the key. */
    readonly ifExists: boolean;
    /** The condition key as written, for messages. */
    readonly key: string;
    /** The condition key in lower case: AWS compares condition keys case-insensitively. */
    readonly keyLower: string;
    /** The values, as strings (`true` becomes `"true"`). */
    readonly values: readonly string[];
}

/** A statement, normalised. Absent elements are `undefined`; present ones are arrays (possibly empty). */
export interface Statement {
    /** Zero-based position in the document. */
    readonly index: number;
    readonly sid?: string;
    /** How messages name the statement: `statement "Sid"`, or `statement #2` when it has no Sid. */
    readonly label: string;
    readonly effect: "Allow" | "Deny";
    readonly principal?: readonly Principal[];
    readonly notPrincipal?: readonly Principal[];
    readonly action?: readonly string[];
    readonly notAction?: readonly string[];
    readonly resource?: readonly string[];
    readonly notResource?: readonly string[];
    readonly conditions: readonly ConditionClause[];
}

/** A parsed document. */
export interface PolicyDocument {
    /** The document's `Id`, if any (`"key-default-1"` marks the default key policy AWS creates). */
    readonly id?: string;
    readonly statements: readonly Statement[];
}

/** Either a document or the reason it is not one. */
export type ParsedDocument =
    { readonly ok: true; readonly document: PolicyDocument } | { readonly ok: false; readonly error: string };

/**
 * Parses a policy given as JSON text or as an object (the `aws.iam.PolicyDocument` form Pulumi programs may pass).
 * On failure, `error` says what is wrong and where, e.g. `not valid JSON: expected "," or "}" at line 3, column 5`.
 */
export function parsePolicyDocument(policy: unknown): ParsedDocument {
    let raw: unknown = policy;
    if (typeof policy === "string") {
        try {
            raw = JSON.parse(policy);
        } catch {
            // JSON.parse of a string throws nothing but a SyntaxError (it parses any depth of nesting iteratively).
            return { ok: false, error: `not valid JSON: ${describeJsonError(policy)}` };
        }
    }
    return toDocument(raw);
}

function fail(error: string): ParsedDocument {
    return { ok: false, error };
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
    if (value === null) {
        return "null";
    }
    return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

function toDocument(raw: unknown): ParsedDocument {
    if (!isObject(raw)) {
        return fail(`not a policy document: expected a JSON object, got ${describeType(raw)}`);
    }
    const statementValue = raw["Statement"];
    if (statementValue === undefined) {
        return fail("not a policy document: it has no Statement");
    }
    const rawStatements = Array.isArray(statementValue) ? statementValue : [statementValue];
    const statements: Statement[] = [];
    for (let i = 0; i < rawStatements.length; i++) {
        const parsed = toStatement(
            rawStatements[i],
            i,
            Array.isArray(statementValue) ? `Statement[${i}]` : "Statement",
        );
        if (typeof parsed === "string") {
            return fail(`not a policy document: ${parsed}`);
        }
        statements.push(parsed);
    }
    const id = typeof raw["Id"] === "string" ? raw["Id"] : undefined;
    return { ok: true, document: { id, statements } };
}

/** A string or an array of strings; anything else is an error message naming `path`. */
function stringList(value: unknown, path: string): string[] | string {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        return value as string[];
    }
    return `${path} must be a string or an array of strings, got ${describeType(value)}`;
}

function principalList(value: unknown, path: string): Principal[] | string {
    if (value === "*") {
        return [{ kind: "*", value: "*" }];
    }
    if (!isObject(value)) {
        return `${path} must be "*" or an object such as {"AWS": [...]}, got ${typeof value === "string" ? JSON.stringify(value) : describeType(value)}`;
    }
    const principals: Principal[] = [];
    for (const kind of Object.keys(value)) {
        const values = stringList(value[kind], `${path}.${kind}`);
        if (typeof values === "string") {
            return values;
        }
        for (const v of values) {
            principals.push({ kind, value: v });
        }
    }
    return principals;
}

const SET_QUALIFIERS: Record<string, "foranyvalue" | "forallvalues"> = {
    "foranyvalue:": "foranyvalue",
    "forallvalues:": "forallvalues",
};

function conditionList(value: unknown, path: string): ConditionClause[] | string {
    if (!isObject(value)) {
        return `${path} must be an object of operators, got ${describeType(value)}`;
    }
    const clauses: ConditionClause[] = [];
    for (const operator of Object.keys(value)) {
        const tests = value[operator];
        if (!isObject(tests)) {
            return `${path}.${operator} must be an object of condition keys, got ${describeType(tests)}`;
        }
        let base = operator.toLowerCase();
        let qualifier: ConditionClause["qualifier"] = "";
        for (const prefix of Object.keys(SET_QUALIFIERS)) {
            if (base.startsWith(prefix)) {
                qualifier = SET_QUALIFIERS[prefix];
                base = base.slice(prefix.length);
            }
        }
        const ifExists = base.endsWith("ifexists");
        if (ifExists) {
            base = base.slice(0, -"ifexists".length);
        }
        for (const key of Object.keys(tests)) {
            const rawValues = tests[key];
            const list = Array.isArray(rawValues) ? rawValues : [rawValues];
            const values: string[] = [];
            for (const v of list) {
                if (typeof v !== "string" && typeof v !== "boolean" && typeof v !== "number") {
                    return `${path}.${operator}.${key} must hold strings, booleans or numbers, got ${describeType(v)}`;
                }
                values.push(String(v));
            }
            clauses.push({
                operator,
                baseOperator: base,
                qualifier,
                ifExists,
                key,
                keyLower: key.toLowerCase(),
                values,
            });
        }
    }
    return clauses;
}

/** Reads one optional element pair (`Action`/`NotAction`...), refusing both at once as AWS does. */
function pair<T>(
    raw: Record<string, unknown>,
    path: string,
    name: string,
    read: (value: unknown, path: string) => T | string,
): { positive?: T; negative?: T } | string {
    const has = raw[name] !== undefined;
    const hasNot = raw[`Not${name}`] !== undefined;
    if (has && hasNot) {
        return `${path} has both ${name} and Not${name}`;
    }
    if (has) {
        const positive = read(raw[name], `${path}.${name}`);
        return typeof positive === "string" ? positive : { positive };
    }
    if (hasNot) {
        const negative = read(raw[`Not${name}`], `${path}.Not${name}`);
        return typeof negative === "string" ? negative : { negative };
    }
    return {};
}

function toStatement(raw: unknown, index: number, path: string): Statement | string {
    if (!isObject(raw)) {
        return `${path} must be an object, got ${describeType(raw)}`;
    }
    // AWS itself only accepts "Allow" and "Deny"; reading them case-insensitively means a statement is judged by
    // what its author meant even where AWS would reject the spelling later.
    const effectValue = typeof raw["Effect"] === "string" ? raw["Effect"].toLowerCase() : undefined;
    if (effectValue !== "allow" && effectValue !== "deny") {
        const written = raw["Effect"] === undefined ? "missing" : JSON.stringify(raw["Effect"]);
        return `${path}.Effect must be "Allow" or "Deny", got ${written}`;
    }
    const sid = typeof raw["Sid"] === "string" && raw["Sid"] !== "" ? raw["Sid"] : undefined;
    const principals = pair(raw, path, "Principal", principalList);
    if (typeof principals === "string") {
        return principals;
    }
    const actions = pair(raw, path, "Action", stringList);
    if (typeof actions === "string") {
        return actions;
    }
    if (actions.positive === undefined && actions.negative === undefined) {
        return `${path} has neither Action nor NotAction`;
    }
    const resources = pair(raw, path, "Resource", stringList);
    if (typeof resources === "string") {
        return resources;
    }
    let conditions: ConditionClause[] = [];
    if (raw["Condition"] !== undefined) {
        const parsed = conditionList(raw["Condition"], `${path}.Condition`);
        if (typeof parsed === "string") {
            return parsed;
        }
        conditions = parsed;
    }
    return {
        index,
        sid,
        label: sid !== undefined ? `statement ${JSON.stringify(sid)}` : `statement #${index + 1}`,
        effect: effectValue === "allow" ? "Allow" : "Deny",
        principal: principals.positive,
        notPrincipal: principals.negative,
        action: actions.positive,
        notAction: actions.negative,
        resource: resources.positive,
        notResource: resources.negative,
        conditions,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Wildcards

/** Compiled patterns. Patterns come from policy text: the bound keeps a stack of unique ones from growing it. */
const globs = new BoundedCache<string, RegExp>(4096);

/**
 * Compiles an IAM wildcard pattern (`*` any run of characters, `?` any one character) into an anchored,
 * case-insensitive regular expression. Compiled patterns are cached: the same few patterns recur in every policy.
 */
export function globRegExp(pattern: string): RegExp {
    return globs.get(pattern, () => {
        const source = pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
            .join("");
        return new RegExp(`^${source}$`, "is");
    });
}

/** True if the IAM wildcard `pattern` matches `value`, ignoring case. */
export function globMatches(pattern: string, value: string): boolean {
    return globRegExp(pattern).test(value);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON error location

/** What each of jsonc-parser's error codes means, as a reader of a policy document would say it. */
const JSON_ERRORS: Record<number, string> = {
    [ParseErrorCode.InvalidSymbol]: "unexpected character",
    [ParseErrorCode.InvalidNumberFormat]: "invalid number",
    [ParseErrorCode.PropertyNameExpected]: "expected a property name in double quotes",
    [ParseErrorCode.ValueExpected]: "expected a value",
    [ParseErrorCode.ColonExpected]: 'expected ":"',
    [ParseErrorCode.CommaExpected]: 'expected ","',
    [ParseErrorCode.CloseBraceExpected]: 'expected "}"',
    [ParseErrorCode.CloseBracketExpected]: 'expected "]"',
    [ParseErrorCode.EndOfFileExpected]: "unexpected text after the end of the document",
    [ParseErrorCode.InvalidCommentToken]: "comments are not JSON",
    [ParseErrorCode.UnexpectedEndOfComment]: "comments are not JSON",
    [ParseErrorCode.UnexpectedEndOfString]: "unterminated string",
    [ParseErrorCode.UnexpectedEndOfNumber]: "unterminated number",
    [ParseErrorCode.InvalidUnicode]: "invalid unicode escape",
    [ParseErrorCode.InvalidEscapeCharacter]: "invalid escape character",
    [ParseErrorCode.InvalidCharacter]: "invalid character in a string",
};

/**
 * Says where and why `text` is not valid JSON, e.g. `expected "," at line 3, column 5`.
 *
 * `JSON.parse` messages differ between Node versions and do not always give a position, so jsonc-parser, in strict
 * JSON mode (no comments, no trailing commas), finds the first offending character.
 */
export function describeJsonError(text: string): string {
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const problem = errors[0] ?? { error: ParseErrorCode.InvalidSymbol, offset: 0, length: 0 };
    const { line, column } = lineAndColumn(text, problem.offset);
    return `${JSON_ERRORS[problem.error] ?? printParseErrorCode(problem.error)} at line ${line}, column ${column}`;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    // jsonc-parser's offsets never pass the end of the text.
    for (let i = 0; i < offset; i++) {
        if (text[i] === "\n") {
            line++;
            lineStart = i + 1;
        }
    }
    return { line, column: offset - lineStart + 1 };
}
