// `npm run test:fork`: does what the README asks of a new user, in a copy of the working tree, then runs `npm test`
// there. Every account id and role name in the stack files, policy configs and facts files is replaced, each stack gets one more
// key, staging loses its KMS endpoint and a deletion window changes. The suite must stay green: it tests the
// program's behaviour on its own fixture stacks and the user's files only for what must hold whatever they contain.
// Exit code: npm test's in the copy; 2 when the repository's files are not as this check expects.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { runCommand, UsageError } from "../../tools/lib/errors";
import { listStacks } from "../../tools/lib/programRunner";
import { copyProject } from "../helpers/projectCopy";

/** Every account id and role name of the stack files, each mapped to a value of the fork's own. */
export function forkReplacements(stackFiles: string[]): Map<string, string> {
    const replacements = new Map<string, string>();
    const ids = new Set(stackFiles.flatMap((text) => [...text.matchAll(/\b\d{12}\b/g)].map(([id]) => id)));
    // New ids are none of the old ones, so the fork holds none of them (a fork of a fork included).
    let candidate = 900000000000;
    for (const id of ids) {
        while (ids.has(String(candidate))) {
            candidate += 1111;
        }
        replacements.set(id, String(candidate));
        candidate += 1111;
    }
    for (const text of stackFiles) {
        // A role's path stays; its name changes (role/ops/Db -> role/ops/fork-Db).
        for (const [ref, rolePath, name] of text.matchAll(/role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)/g)) {
            if (!replacements.has(ref)) {
                replacements.set(ref, `role/${rolePath}fork-${name}`);
            }
        }
    }
    return replacements;
}

/** Replaces every occurrence in one pass, longest first, so that no replacement is itself replaced again. */
function replaceAll(text: string, replacements: Map<string, string>): string {
    const escaped = [...replacements.keys()]
        .sort((a, b) => b.length - a.length)
        .map((from) => from.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    return escaped.length === 0
        ? text
        : text.replace(new RegExp(escaped.join("|"), "g"), (from) => replacements.get(from) as string);
}

/** The README's fork steps, applied to the copy's stack files, policy configs and account descriptions. */
export function applyForkSteps(copy: string): string[] {
    const stacks = listStacks(copy);
    const stackFile = (stack: string) => path.join(copy, `Pulumi.${stack}.yaml`);
    const configFile = (stack: string) => path.join(copy, "policies", "config", `${stack}.json`);
    const factsFile = (stack: string) => path.join(copy, "facts", `${stack}.yaml`);
    const replacements = forkReplacements(stacks.map((s) => fs.readFileSync(stackFile(s), "utf8")));
    const done: string[] = [`replaced ${replacements.size} account ids and role names`];
    for (const stack of stacks) {
        for (const file of [stackFile(stack), configFile(stack), factsFile(stack)].filter((f) => fs.existsSync(f))) {
            fs.writeFileSync(file, replaceAll(fs.readFileSync(file, "utf8"), replacements));
        }
        const doc = YAML.parseDocument(fs.readFileSync(stackFile(stack), "utf8"));
        const keys = doc.getIn(["config", "kms-keys:keys"]) as YAML.YAMLMap | undefined;
        const first = keys?.items[0];
        if (first === undefined) {
            throw new UsageError(`test:fork: Pulumi.${stack}.yaml: kms-keys:keys has no key to copy`);
        }
        const extra = (first.value as YAML.YAMLMap).clone() as YAML.YAMLMap;
        extra.setIn(["alias"], "alias/fork-extra");
        extra.setIn(["tags", "Name"], "fork-extra-kms-key");
        doc.setIn(["config", "kms-keys:keys", "fork-extra"], extra);
        done.push(`${stack}: added key fork-extra`);
        if (stack === "staging") {
            const name = String((first.key as YAML.Scalar).value);
            const window = Number(doc.getIn(["config", "kms-keys:keys", name, "deletionWindowInDays"]) ?? 30);
            const changed = window === 21 ? 22 : 21;
            doc.setIn(["config", "kms-keys:keys", name, "deletionWindowInDays"], changed);
            doc.setIn(["config", "kms-keys:vpcEndpoint"], { enabled: false });
            done.push(`staging: ${name}.deletionWindowInDays ${window} -> ${changed}, no KMS endpoint`);
        }
        fs.writeFileSync(stackFile(stack), doc.toString());
    }
    return done;
}

export async function main(argv: string[]): Promise<number> {
    if (argv.length > 0) {
        throw new UsageError(`test:fork: unexpected argument ${JSON.stringify(argv[0])}; usage: npm run test:fork`);
    }
    const copy = copyProject();
    try {
        for (const line of applyForkSteps(copy)) {
            process.stdout.write(`test:fork: ${line}\n`);
        }
        const test = spawnSync("npm", ["test", "--", "--reporter", "dot"], { cwd: copy, stdio: "inherit" });
        process.stdout.write(`test:fork: npm test in the fork exited ${test.status}\n`);
        return test.status ?? 1;
    } finally {
        fs.rmSync(copy, { recursive: true, force: true });
    }
}

if (require.main === module) {
    runCommand(main);
}
