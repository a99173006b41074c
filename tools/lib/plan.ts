import * as fs from "fs";
import * as path from "path";
import { CostEstimate, estimateMonthlyCost, prices } from "../../costs/costModel";
import { rotationPeriodInDays } from "../../policies/lib/awsLimits";
import { loadPolicyConfig } from "./policyConfig";
import { AnalyzedResource, PolicyHost, PolicyVerdict, Violation } from "./policyHost";
import { ProgramRun, RegisteredResource } from "./programRunner";

/** Where a stack's policy config lives: the same file the CLI is given with --policy-pack-config. */
export function policyConfigFile(projectDir: string, stack: string): string {
    return path.join(projectDir, "policies", "config", `${stack}.json`);
}

/** One key's rendered policy. */
export interface RenderedKeyPolicy {
    urn: string;
    alias: string;
    document: unknown;
}

/** Everything the offline plan of one stack produced. */
export interface StackPlan {
    stack: string;
    /** The description of the account the look-ups were answered from: a facts file, or the stack file. */
    account: string;
    run: ProgramRun;
    verdict: PolicyVerdict;
    keyPolicies: RenderedKeyPolicy[];
    cost: CostEstimate;
}

/** The report written next to the plan: what a machine reads. */
export interface StackReport {
    stack: string;
    violations: Violation[];
    undecided: Violation[];
    costEstimate: CostEstimate;
}

/** True when a verdict has a violation that would stop `pulumi preview` or `pulumi up`. */
export function hasMandatoryViolation(verdict: { violations: Violation[] }): boolean {
    return verdict.violations.some((v) => v.enforcementLevel === "mandatory");
}

/** A registration as the engine hands it to analyzers. */
export function toAnalyzedResource(r: RegisteredResource): AnalyzedResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: r.custom,
        inputs: r.inputs,
        outputs: r.outputs,
        parent: r.parent,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        provider: r.provider,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    };
}

/** Keys with a policy of their own, each with the alias that targets it (found through the alias's dependency). */
function keysWithAliases(resources: RegisteredResource[]): { key: RegisteredResource; alias: string }[] {
    const aliasByKey = new Map<string, string>();
    for (const r of resources) {
        if (r.type === "aws:kms/alias:Alias") {
            for (const keyUrn of r.propertyDependencies.targetKeyId ?? []) {
                aliasByKey.set(keyUrn, r.inputs.name as string);
            }
        }
    }
    return resources
        .filter((r) => r.type === "aws:kms/key:Key" && typeof r.inputs.policy === "string")
        .map((key) => ({ key, alias: aliasByKey.get(key.urn) ?? `alias/${key.name}` }));
}

/** Each key's policy, by the alias that targets it. */
export function keyPoliciesOf(resources: RegisteredResource[]): RenderedKeyPolicy[] {
    return keysWithAliases(resources).map(({ key, alias }) => ({
        urn: key.urn,
        alias,
        document: JSON.parse(key.inputs.policy as string),
    }));
}

/**
 * The monthly estimate of a run: each key with its rotation (AWS's default period where rotation is on without one),
 * one AZ-hour per endpoint subnet per hour, at the prices of the stack's region.
 */
export function costOf(run: Pick<ProgramRun, "resources" | "config">): CostEstimate {
    const { resources } = run;
    const keys = keysWithAliases(resources).map(({ key, alias }) => ({
        alias,
        rotationPeriodInDays:
            key.inputs.enableKeyRotation === true
                ? ((key.inputs.rotationPeriodInDays as number | undefined) ?? rotationPeriodInDays.awsDefault)
                : undefined,
    }));
    const zones = resources
        .filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")
        .reduce((n, r) => n + ((r.inputs.subnetIds as unknown[] | undefined)?.length ?? 0), 0);
    const rules = resources.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule").length;
    const emails = resources.filter(
        (r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.protocol === "email",
    ).length;
    return estimateMonthlyCost(
        keys,
        zones,
        run.config["aws:region"] ?? prices.defaultRegion,
        rules > 0 ? { rules, emailSubscriptions: emails } : undefined,
    );
}

/** Runs the pack over a program run with the stack's own policy config, as `pulumi preview --policy-pack` would. */
export async function planStack(
    run: ProgramRun,
    host: PolicyHost,
    projectDir: string,
    account: string = `Pulumi.${run.stack}.yaml`,
): Promise<StackPlan> {
    const configFile = policyConfigFile(projectDir, run.stack);
    const config = loadPolicyConfig(fs.existsSync(configFile) ? configFile : undefined, await host.pack());
    const verdict = await host.analyze(run.resources.map(toAnalyzedResource), config);
    return { stack: run.stack, account, run, verdict, keyPolicies: keyPoliciesOf(run.resources), cost: costOf(run) };
}

/** Registrations in the shape of `pulumi stack export` (version 3), so that the audit command and people read them alike. */
export function stackExportOf(
    resources: RegisteredResource[] | AnalyzedResource[],
    manifestVersion: string,
): Record<string, unknown> {
    return {
        version: 3,
        deployment: {
            manifest: { time: new Date(0).toISOString(), magic: "", version: manifestVersion },
            resources: resources.map((r) => ({
                urn: r.urn,
                custom: r.custom,
                type: r.type,
                inputs: r.inputs,
                outputs: r.outputs,
                ...(r.parent ? { parent: r.parent } : {}),
                ...(r.provider ? { provider: r.provider } : {}),
                protect: r.protect,
                retainOnDelete: r.retainOnDelete ?? false,
                dependencies: r.dependencies,
                propertyDependencies: r.propertyDependencies,
            })),
        },
    };
}

/** The plan as a stack export. */
export function toDeployment(plan: StackPlan, sdkVersion: string): Record<string, unknown> {
    return stackExportOf(plan.run.resources, `offline plan, @pulumi/pulumi ${sdkVersion}`);
}

export function toReport(plan: StackPlan): StackReport {
    return {
        stack: plan.stack,
        violations: plan.verdict.violations,
        undecided: plan.verdict.undecided,
        costEstimate: plan.cost,
    };
}

/** The file a key's policy is written to: the alias without "alias/", any further "/" as "--". */
export function keyPolicyFileName(alias: string): string {
    return `${alias.replace(/^alias\//, "").replace(/\//g, "--")}.key-policy.json`;
}

const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Writes `<stack>.deployment.json`, `<stack>.report.json` and `<stack>/<alias>.key-policy.json`; returns the paths. */
export function writePlan(outDir: string, plan: StackPlan, sdkVersion: string): string[] {
    const written: string[] = [];
    const write = (file: string, value: unknown) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, pretty(value));
        written.push(file);
    };
    write(path.join(outDir, `${plan.stack}.deployment.json`), toDeployment(plan, sdkVersion));
    write(path.join(outDir, `${plan.stack}.report.json`), toReport(plan));
    const keyDir = path.join(outDir, plan.stack);
    fs.rmSync(keyDir, { recursive: true, force: true });
    for (const key of plan.keyPolicies) {
        write(path.join(keyDir, keyPolicyFileName(key.alias)), key.document);
    }
    return written;
}

function shortUrn(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()} ${parts[3]}`;
}

/** The resource tree, parents before children, with protection flags a reviewer looks for. */
export function renderTree(resources: RegisteredResource[]): string[] {
    const children = new Map<string | undefined, RegisteredResource[]>();
    for (const r of resources) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.protect ? "protect" : "", r.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean);
            lines.push(`${"  ".repeat(depth)}${shortUrn(r.urn)}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    return lines;
}

function renderViolations(title: string, list: Violation[]): string[] {
    if (list.length === 0) {
        return [`${title}: none`];
    }
    return [
        `${title}: ${list.length}`,
        ...list.map(
            (v) =>
                `  [${v.enforcementLevel}] ${v.policy}  ${v.urn ? shortUrn(v.urn) : "(stack)"}\n    ${v.message.replace(/\n/g, "\n    ")}`,
        ),
    ];
}

/** The plan as a person reads it. */
export function renderPlan(plan: StackPlan, configFile: string): string {
    const money = (n: number) => `$${n.toFixed(2)}`;
    const lines = [
        `== ${plan.stack} ==`,
        "",
        `Planned against the account described by ${plan.account}.`,
        "",
        "Resources:",
        ...renderTree(plan.run.resources).map((l) => `  ${l}`),
        "",
    ];
    for (const key of plan.keyPolicies) {
        lines.push(`Key policy of ${key.alias}:`, JSON.stringify(key.document, null, 2), "");
    }
    lines.push(`Policy verdict (policy pack with ${configFile}):`);
    lines.push(...renderViolations("  violations", plan.verdict.violations).map((l) => `  ${l}`));
    lines.push(...renderViolations("  undecided", plan.verdict.undecided).map((l) => `  ${l}`));
    lines.push("", `Monthly cost estimate (${plan.cost.currency}, ${plan.cost.region}):`);
    const width = Math.max(...plan.cost.items.map((i) => i.item.length), "total".length);
    const row = (label: string, quantity: string, unit: string, first: string, steady: string) =>
        `  ${label.padEnd(width)} ${quantity.padStart(6)} ${unit.padEnd(9)} ${first.padStart(10)} ${steady.padStart(8)}`;
    lines.push(row("", "", "", "first year", "steady"));
    for (const item of plan.cost.items) {
        lines.push(row(item.item, String(item.quantity), item.unit, money(item.monthly), money(item.steadyMonthly)));
    }
    lines.push(row("total", "", "", money(plan.cost.monthly), money(plan.cost.steadyMonthly)));
    lines.push(...plan.cost.assumptions.map((a) => `  assumes ${a}`));
    lines.push(`  not included: ${plan.cost.excludes.join("; ")}`, "");
    return lines.join("\n");
}
