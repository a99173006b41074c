/**
 * Whether an EventBridge event pattern matches an event, for the part of the pattern language a rule that watches
 * KMS keys uses: exact values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list or a
 * prefix), `exists`, nested fields and arrays in the event (an object in an array matches as a whole, so the fields
 * of one element are matched together). Any other operator (`numeric`, `cidr`, `wildcard`, `$or`, ...) is reported
 * as unsupported, never guessed. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *
 * The deep tests compare it with AWS's own matcher, event-ruler, on the same patterns and events.
 */

/** A pattern uses an operator this matcher does not evaluate. */
export class UnsupportedPatternError extends Error {
    constructor(readonly operator: string) {
        super(`the event pattern uses ${operator}, which this check does not evaluate`);
        this.name = "UnsupportedPatternError";
    }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The leaf values of an event field: an array holds several, an object none (it is not a value). */
function leaves(value: Json | undefined): Json[] {
    if (value === undefined) {
        return [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v) => (isObject(v) ? [] : leaves(v)));
    }
    return isObject(value) ? [] : [value];
}

function matchesOne(matcher: Json, value: Json): boolean {
    if (!isObject(matcher)) {
        return matcher === value;
    }
    const [operator, ...others] = Object.keys(matcher);
    if (others.length > 0 || operator === undefined) {
        throw new UnsupportedPatternError(JSON.stringify(matcher));
    }
    const argument = matcher[operator];
    switch (operator) {
        case "prefix":
            return typeof argument === "string" && typeof value === "string" && value.startsWith(argument);
        case "suffix":
            return typeof argument === "string" && typeof value === "string" && value.endsWith(argument);
        case "equals-ignore-case":
            return (
                typeof argument === "string" &&
                typeof value === "string" &&
                value.toLowerCase() === argument.toLowerCase()
            );
        case "anything-but":
            if (isObject(argument)) {
                return !matchesOne(argument, value);
            }
            return !(Array.isArray(argument) ? argument : [argument]).some((a) => a === value);
        default:
            throw new UnsupportedPatternError(operator);
    }
}

/** Whether the pattern's list of matchers accepts the event field's value. */
function matchesField(matchers: Json[], value: Json | undefined): boolean {
    for (const matcher of matchers) {
        if (isObject(matcher) && "exists" in matcher) {
            if (Object.keys(matcher).length !== 1 || typeof matcher.exists !== "boolean") {
                throw new UnsupportedPatternError(JSON.stringify(matcher));
            }
            const present = leaves(value).length > 0;
            if (present === matcher.exists) {
                return true;
            }
        }
    }
    return leaves(value).some((v) => matchers.some((m) => !(isObject(m) && "exists" in m) && matchesOne(m, v)));
}

const OPERATORS = new Set(["prefix", "suffix", "equals-ignore-case", "anything-but", "exists"]);

/** Throws UnsupportedPatternError for the first operator of `pattern` this matcher does not evaluate, wherever it is. */
export function checkSupported(pattern: unknown): void {
    if (!isObject(pattern)) {
        throw new UnsupportedPatternError("a pattern that is not an object");
    }
    for (const [name, expected] of Object.entries(pattern)) {
        if (name.startsWith("$")) {
            throw new UnsupportedPatternError(name);
        }
        if (!Array.isArray(expected)) {
            checkSupported(expected);
            continue;
        }
        for (const matcher of expected) {
            const operators = isObject(matcher) ? Object.keys(matcher) : [];
            const unknown =
                operators.find((o) => !OPERATORS.has(o)) ?? (operators.length > 1 ? operators[1] : undefined);
            if (unknown !== undefined) {
                throw new UnsupportedPatternError(unknown);
            }
        }
    }
}

/** Whether `pattern` matches `event`; throws UnsupportedPatternError for an operator it does not evaluate. */
export function patternMatches(pattern: unknown, event: unknown): boolean {
    checkSupported(pattern);
    return matchesPattern(pattern as Record<string, Json>, event);
}

function matchesPattern(pattern: Record<string, Json>, event: unknown): boolean {
    const fields = isObject(event) ? event : {};
    return Object.entries(pattern).every(([name, expected]) => {
        const value = fields[name];
        if (Array.isArray(expected)) {
            return matchesField(expected, value);
        }
        // A nested pattern (checkSupported made sure it is an object): an object field, or any object of an array.
        const nested = expected as Record<string, Json>;
        const objects = Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : [];
        if (objects.length === 0) {
            return matchesPattern(nested, {});
        }
        return objects.some((o) => matchesPattern(nested, o));
    });
}
