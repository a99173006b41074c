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

const text = (value: Json): value is string => typeof value === "string";

/**
 * The value operators this matcher evaluates, each on the operator's argument and one value of the event: the one
 * table `checkSupported` and the matching both read. (`exists` is about the field, not a value: see `matchesField`.)
 */
const VALUE_OPERATORS: Readonly<Record<string, (argument: Json, value: Json) => boolean>> = {
    prefix: (argument, value) => text(argument) && text(value) && value.startsWith(argument),
    suffix: (argument, value) => text(argument) && text(value) && value.endsWith(argument),
    "equals-ignore-case": (argument, value) =>
        text(argument) && text(value) && value.toLowerCase() === argument.toLowerCase(),
    "anything-but": (argument, value) =>
        isObject(argument)
            ? !matchesOne(argument, value)
            : !(Array.isArray(argument) ? argument : [argument]).some((a) => a === value),
};

/** One matcher on one value: a literal, or an operator object `checkSupported` admitted. */
function matchesOne(matcher: Json, value: Json): boolean {
    if (!isObject(matcher)) {
        return matcher === value;
    }
    const [operator] = Object.keys(matcher);
    return VALUE_OPERATORS[operator](matcher[operator], value);
}

const isExists = (matcher: Json): matcher is { exists: boolean } => isObject(matcher) && "exists" in matcher;

/** Whether the pattern's list of matchers accepts the event field's value. */
function matchesField(matchers: Json[], value: Json | undefined): boolean {
    const values = leaves(value);
    return matchers.some((m) => (isExists(m) ? values.length > 0 === m.exists : values.some((v) => matchesOne(m, v))));
}

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
        for (const matcher of expected.filter(isObject)) {
            const operators = Object.keys(matcher);
            const supported =
                operators.length === 1 &&
                (operators[0] === "exists"
                    ? typeof matcher.exists === "boolean"
                    : Object.prototype.hasOwnProperty.call(VALUE_OPERATORS, operators[0]));
            if (!supported) {
                throw new UnsupportedPatternError(operators.length === 1 ? operators[0] : JSON.stringify(matcher));
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
