/**
 * An IAM evaluation matrix for key policies: every request of a table is evaluated by an independent IAM policy
 * engine (@cloud-copilot/iam-simulate, a test-only dependency) with the request context a real KMS call carries, and
 * the whole table of decisions is compared with the one the tests expect.
 *
 * The engine must not be allowed to pass a request by overlooking something, so every evaluation is also checked for:
 * - request context keys the engine dropped because they do not apply to the action (`ignoredContextKeys`): the
 *   request would not be the one AWS sees;
 * - condition keys in a statement that covers the action but that the action never carries (a misspelt key such as
 *   `kms:ViaSevice`, or a key of another action): AWS would evaluate such a condition against a key that is always
 *   absent, so the statement silently never (or, with `...IfExists` and negated operators, always) applies;
 * - conditions that matched only because their key was missing from the request.
 * Any of these is reported as a problem, and `assertMatrix` fails on problems as it fails on wrong decisions.
 */
import * as assert from "assert/strict";
import {
    allowedContextKeysForRequest,
    anonymousPrincipal,
    RequestAnalysis,
    runSimulation,
    Simulation,
} from "@cloud-copilot/iam-simulate";

import { IntegratedService, serviceNames } from "../../config/services";

/** A JSON policy document, as AWS reads it. */
export type PolicyJson = Record<string, unknown>;

/** The integrated services the keys are used through, by their `kms:ViaService` prefix (the program's table). */
export type Service = IntegratedService;

/** How a call reaches KMS: directly, or through an integrated service on the caller's behalf. */
export type Channel = "direct" | Service;

/** All channels, in table order. */
export const channels: readonly Channel[] = ["direct", ...serviceNames];

/** Who makes a request. */
export type Caller =
    | {
          kind: "principal";
          /** The IAM role or user ARN (`arn:aws:iam::<account>:role/<path><name>`). */
          arn: string;
          /** Identity policies attached to the principal, in its own account. */
          identityPolicies?: PolicyJson[];
      }
    | { kind: "anonymous" };

/** The key a table is evaluated against. */
export interface KeyUnderTest {
    arn: string;
    accountId: string;
    region: string;
    policy: PolicyJson;
}

/** One request of a table. */
export interface MatrixRequest {
    /** How the table names the caller (`administrator role/KmsKeyAdministrator`, `anonymous`). */
    who: string;
    caller: Caller;
    action: string;
    channel: Channel;
    /** Context keys a test adds to those of the real call (to prove that a key the engine drops is caught). */
    extraContext?: Record<string, string>;
}

/** A decision as the table states it: AWS's implicit and explicit denials are both "Denied". */
export type Decision = "Allowed" | "Denied";

/** The outcome of a table: `"<who> × <action> × <channel>"` to decision, and every problem found on the way. */
export interface MatrixResult {
    decisions: Record<string, Decision>;
    problems: string[];
}

/** KMS sets kms:GrantIsForAWSResource on these operations only. */
export const grantOperations: readonly string[] = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** The table key of a request. */
export function rowKey(request: Pick<MatrixRequest, "who" | "action" | "channel">): string {
    return `${request.who} × ${request.action} × ${request.channel}`;
}

/**
 * The principal a role or user ARN signs requests as: a role calls through a session of itself (the session ARN
 * carries the role's name, not its path), a user as itself.
 */
export function signingPrincipal(arn: string): string {
    const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
    return role === null ? arn : `arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/matrix`;
}

/**
 * The aws:PrincipalType of a call: `Account` for the account's root user, `AssumedRole` for a role's session, `User`
 * for an IAM user (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype).
 */
export function principalType(arn: string): "Account" | "AssumedRole" | "User" {
    if (/^arn:[^:]+:iam::\d{12}:root$/.test(arn)) {
        return "Account";
    }
    return /^arn:[^:]+:iam::\d{12}:role\//.test(arn) ? "AssumedRole" : "User";
}

/** The account of an IAM ARN. */
export function accountOf(arn: string): string {
    return arn.split(":")[4];
}

/**
 * The request context a real KMS call carries: the caller's ARN, type and account (none for an anonymous caller), the
 * calling service when the call comes through one, and for grant operations whether the grant is for an AWS resource
 * (true exactly when an integrated service makes the call).
 */
export function requestContext(
    caller: Caller,
    action: string,
    channel: Channel,
    region: string,
): Record<string, string> {
    const context: Record<string, string> = {};
    if (caller.kind === "principal") {
        context["aws:PrincipalArn"] = caller.arn;
        context["aws:PrincipalType"] = principalType(caller.arn);
        context["aws:PrincipalAccount"] = accountOf(caller.arn);
        context["kms:CallerAccount"] = accountOf(caller.arn);
    }
    if (channel !== "direct") {
        context["kms:ViaService"] = `${channel}.${region}.amazonaws.com`;
    }
    if (grantOperations.includes(action)) {
        context["kms:GrantIsForAWSResource"] = channel === "direct" ? "false" : "true";
    }
    return context;
}

const allowedKeysCache = new Map<string, RegExp[]>();

/** The context keys the engine accepts for an action on a key, as patterns (`kms:EncryptionContext:${key}`). */
async function allowedKeyPatterns(action: string, keyArn: string): Promise<RegExp[]> {
    const cached = allowedKeysCache.get(action);
    if (cached !== undefined) {
        return cached;
    }
    const [service, name] = action.split(":");
    const keys = await allowedContextKeysForRequest(service, name, keyArn, false, undefined);
    const patterns = keys.map(
        (k) =>
            new RegExp(
                `^${k
                    .split(/\$\{[^}]*\}/)
                    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                    .join(".+")}$`,
            ),
    );
    allowedKeysCache.set(action, patterns);
    return patterns;
}

type StatementAnalysis = NonNullable<RequestAnalysis["resourceAnalysis"]>["allowStatements"][number];

function statementsOf(analysis: RequestAnalysis): { policy: string; statement: StatementAnalysis }[] {
    const result: { policy: string; statement: StatementAnalysis }[] = [];
    for (const [policy, part] of [
        ["key policy", analysis.resourceAnalysis],
        ["identity policy", analysis.identityAnalysis],
    ] as const) {
        for (const statement of [
            ...(part?.allowStatements ?? []),
            ...(part?.denyStatements ?? []),
            ...(part?.unmatchedStatements ?? []),
        ]) {
            result.push({ policy, statement });
        }
    }
    return result;
}

/** Evaluates one request; problems name the row and what the engine overlooked. */
export async function evaluateRequest(
    key: KeyUnderTest,
    request: MatrixRequest,
): Promise<{ decision: Decision; problems: string[] }> {
    const row = rowKey(request);
    const { caller, action } = request;
    const simulation: Simulation = {
        request: {
            principal: caller.kind === "anonymous" ? anonymousPrincipal : signingPrincipal(caller.arn),
            action,
            resource: { resource: key.arn, accountId: key.accountId },
            contextVariables: {
                ...requestContext(caller, action, request.channel, key.region),
                ...request.extraContext,
            },
        },
        identityPolicies:
            caller.kind === "anonymous"
                ? []
                : (caller.identityPolicies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: key.policy,
    };
    const response = await runSimulation(simulation, { simulationMode: "Strict" });
    if (response.resultType === "error") {
        return {
            decision: "Denied",
            problems: [`${row}: the engine refused the request: ${JSON.stringify(response.errors)}`],
        };
    }
    if (response.resultType !== "single") {
        return {
            decision: "Denied",
            problems: [`${row}: expected one evaluation, the engine ran ${response.resultType}`],
        };
    }
    const problems: string[] = [];
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
        problems.push(
            `${row}: the engine ignored the request context keys ${ignored.join(", ")} (not carried by ${action})`,
        );
    }
    const allowed = await allowedKeyPatterns(action, key.arn);
    for (const { policy, statement } of statementsOf(response.result.analysis)) {
        if (!statement.actionMatch) {
            continue;
        }
        const label = `${policy} statement ${statement.statement.sid() ?? `#${statement.statement.index()}`}`;
        for (const condition of statement.statement.conditions()) {
            const conditionKey = condition.conditionKey();
            if (!allowed.some((pattern) => pattern.test(conditionKey.toLowerCase()))) {
                problems.push(
                    `${label} tests the condition key ${conditionKey}, which ${action} never carries: the engine cannot evaluate it`,
                );
            }
        }
        for (const explain of statement.explain.conditions ?? []) {
            if (explain.matchedBecauseMissing) {
                problems.push(
                    `${row}: ${label} matched only because ${explain.conditionKeyValue} is missing from the request`,
                );
            }
        }
    }
    return { decision: response.overallResult === "Allowed" ? "Allowed" : "Denied", problems };
}

/** Evaluates a whole table. Problems are deduplicated: one misspelt key would otherwise be reported per request. */
export async function evaluateMatrix(key: KeyUnderTest, requests: readonly MatrixRequest[]): Promise<MatrixResult> {
    const decisions: Record<string, Decision> = {};
    const problems = new Set<string>();
    for (const request of requests) {
        const outcome = await evaluateRequest(key, request);
        const row = rowKey(request);
        assert.equal(decisions[row], undefined, `the table names ${row} twice`);
        decisions[row] = outcome.decision;
        outcome.problems.forEach((p) => problems.add(p));
    }
    return { decisions, problems: [...problems].sort() };
}

/** Fails with a heading and the first lines of a list (a broken policy can fill thousands of rows). */
function failOn(heading: string, lines: readonly string[]): void {
    if (lines.length > 0) {
        const shown = lines.slice(0, 25);
        const more = lines.length > shown.length ? `\n... and ${lines.length - shown.length} more` : "";
        assert.fail(`${heading} (${lines.length}):\n${shown.join("\n")}${more}`);
    }
}

/** The actions a policy document names (wildcards as written). */
export function actionsNamedIn(policy: PolicyJson): string[] {
    const statements = ([] as Record<string, unknown>[]).concat(policy.Statement as Record<string, unknown>[]);
    return [
        ...new Set(statements.flatMap((s) => ([] as string[]).concat((s.Action as string[] | undefined) ?? []))),
    ].sort();
}

/**
 * Evaluates the table and asserts it whole: first that the engine overlooked nothing, then that every decision is the
 * expected one, and (unless the table is a sample) that it asks about every action the policy names: a statement no
 * row reaches proves nothing. `evaluated` is the table's result when the caller has evaluated it already.
 */
export async function assertMatrix(
    key: KeyUnderTest,
    requests: readonly MatrixRequest[],
    expected: (request: MatrixRequest) => Decision,
    options: { sampled?: boolean; evaluated?: MatrixResult } = {},
): Promise<MatrixResult> {
    if (!options.sampled) {
        const asked = new Set(requests.map((r) => r.action));
        const unasked = actionsNamedIn(key.policy).filter((a) => !a.includes("*") && !asked.has(a));
        failOn("actions the key policy names but the table never asks about", unasked);
    }
    const result = options.evaluated ?? (await evaluateMatrix(key, requests));
    failOn("the engine overlooked parts of the requests or of the policy", result.problems);
    const wrong = requests
        .map((request) => ({ row: rowKey(request), want: expected(request) }))
        .filter(({ row, want }) => result.decisions[row] !== want)
        .map(({ row, want }) => `${row}: expected ${want}, the engine says ${result.decisions[row]}`);
    failOn("requests whose decision differs from the expected table", wrong);
    return result;
}
