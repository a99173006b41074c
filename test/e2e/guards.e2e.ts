// What stops an insecure or broken change under the real engine: the policy pack at `preview --policy-pack` (and the
// offline audit judging the same preview alike), the program's own config check, and Pulumi's protections.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "../../config/stackConfig";
import { listStacks } from "../../tools/lib/programRunner";
import {
    auditMandatoryFindings,
    cliMandatoryFindings,
    formatRun,
    accountFromStack,
    inWorkspace,
    replaceProgram,
    stackSettings,
} from "./harness";

const repoDir = path.resolve(__dirname, "..", "..");
const keyType = "aws:kms/key:Key";

/** The first stack of the project with a KMS endpoint: its account has a VPC, and its policy config is used. */
function stackWithEndpoint(): string {
    const stack = listStacks(repoDir).find((s) => stackSettings(repoDir, s).vpcEndpoint !== undefined);
    if (stack === undefined) {
        throw new Error("the insecure-program cases need a stack with kms-keys:vpcEndpoint.enabled: true");
    }
    return stack;
}

function editStackFile(projectDir: string, stack: string, edit: (doc: YAML.Document) => void): void {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    edit(doc);
    fs.writeFileSync(file, doc.toString());
}

describe("insecure programs under `pulumi preview --policy-pack`", function () {
    /** Each program under test/e2e/programs/ and the mandatory policy that must stop it. */
    const cases = [
        { program: "rotationOff", policy: "kms-key-rotation-enabled" },
        { program: "publicPrincipal", policy: "kms-key-policy-no-public-principal" },
        { program: "lockout", policy: "kms-key-policy-no-lockout" },
        { program: "endpointWithoutPrivateDns", policy: "kms-vpc-endpoint-private-dns" },
        { program: "keyWithoutPolicy", policy: "kms-key-explicit-policy" },
    ];
    for (const { program, policy } of cases) {
        it(`${program}: the CLI fails naming ${policy}, and the offline audit finds the same mandatory violations`, function () {
            const stack = stackWithEndpoint();
            inWorkspace(stack, { edit: (dir) => replaceProgram(dir, program) }, (workspace) => {
                const judged = workspace.previewWithPack();
                assert.notStrictEqual(judged.status, 0, formatRun(judged));
                const cli = cliMandatoryFindings(judged.stdout);
                assert.ok(
                    cli.some((f) => f.startsWith(`${policy} `)),
                    `${policy} not among ${JSON.stringify(cli)}\n${formatRun(judged)}`,
                );
                const preview = workspace.pulumi(["preview", "--stack", stack, "--json"]);
                assert.strictEqual(preview.status, 0, formatRun(preview));
                const file = path.join(workspace.dir, "preview.json");
                fs.writeFileSync(file, preview.stdout);
                assert.deepStrictEqual(auditMandatoryFindings(file, stack), cli);
                assert.deepStrictEqual(
                    workspace.journal().filter((e) => e.op === "create"),
                    [],
                );
            });
        });
    }
});

describe("a bad stack file under the real engine", function () {
    for (const stack of listStacks(repoDir)) {
        it(`${stack}: \`pulumi up\` fails with the program's one-line message, and nothing is created`, function () {
            let keyName = "";
            const edit = (dir: string) =>
                editStackFile(dir, stack, (doc) => {
                    const keys = doc.getIn(["config", "kms-keys:keys"]) as YAML.YAMLMap<YAML.Scalar<string>>;
                    keyName = String(keys.items[0].key.value);
                    doc.setIn(["config", "kms-keys:keys", keyName, "deletionWindowInDays"], 6);
                });
            inWorkspace(stack, { edit }, (workspace) => {
                let expected = "";
                try {
                    stackSettings(workspace.projectDir, stack);
                } catch (error) {
                    expected = (error as ConfigError).message;
                }
                assert.ok(
                    expected.startsWith(
                        `Pulumi.${stack}.yaml: kms-keys:keys.${keyName}.deletionWindowInDays: 6 is not allowed`,
                    ),
                    expected,
                );
                const up = workspace.up();
                assert.notStrictEqual(up.status, 0, formatRun(up));
                assert.ok(up.stdout.includes(expected), formatRun(up));
                assert.doesNotMatch(up.stdout + up.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, "no stack trace");
                assert.deepStrictEqual(
                    workspace.journal().filter((e) => e.op === "create"),
                    [],
                );
            });
        });
    }
});

describe("an account that lacks what the stack file names, under the real engine", function () {
    it("`pulumi up` stops before creating anything when a role a key policy names does not exist", function () {
        const stack = listStacks(repoDir)[0];
        const account = accountFromStack(repoDir, stack);
        // The last principal the stack file names: a user of a key, usually; it is missing from this account.
        const missing = account.principals[account.principals.length - 1];
        const name = missing.split("/").pop() as string;
        const kind = missing.split(":")[5].split("/")[0];
        const lacking = { ...account, principals: account.principals.filter((p) => p !== missing) };
        inWorkspace(stack, { account: lacking }, (workspace) => {
            const up = workspace.up();
            assert.notStrictEqual(up.status, 0, formatRun(up));
            assert.ok(
                up.stdout.includes(
                    `is not allowed; expected an IAM role or user that exists in account ${account.accountId} (the look-up ` +
                        `of ${missing} failed: `,
                ) && up.stdout.includes(`NoSuchEntity: The ${kind} with name ${name} cannot be found.`),
                formatRun(up),
            );
            assert.doesNotMatch(up.stdout + up.stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, "no stack trace");
            assert.deepStrictEqual(
                workspace.journal().filter((e) => e.op === "create"),
                [],
            );
        });
    });
});

describe("protection of the keys under the real engine", function () {
    for (const stack of listStacks(repoDir)) {
        it(`${stack}: \`pulumi destroy\` deletes a key only where the stack leaves it unprotected, and then schedules its deletion with its window`, function () {
            const settings = stackSettings(repoDir, stack);
            inWorkspace(stack, {}, (workspace) => {
                workspace.deploy();
                const destroy = workspace.pulumi(["destroy", "--yes", "--stack", stack]);
                const deletes = workspace.journal().filter((e) => e.op === "delete" && e.type === keyType);
                const protectedKeys = Object.entries(settings.keys).filter(([, k]) => k.protect);
                if (protectedKeys.length > 0) {
                    assert.notStrictEqual(destroy.status, 0, formatRun(destroy));
                    assert.match(destroy.stdout + destroy.stderr, /protect/, formatRun(destroy));
                    assert.deepStrictEqual(deletes, [], "a refused destroy deletes no key");
                    return;
                }
                const created = workspace.journal().filter((e) => e.op === "create" && e.type === keyType);
                const expected = Object.entries(settings.keys)
                    .map(([name, key]) => {
                        const id = created.find((e) => e.urn?.endsWith(`::${name}-key`))?.id;
                        return key.allowKeyDeletion
                            ? { id, result: { pendingWindowInDays: key.deletionWindowInDays } }
                            : { id, error: "not authorized" };
                    })
                    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
                const actual = deletes
                    .map((e) => ({
                        id: e.id,
                        ...(e.error
                            ? {
                                  error: /is not authorized to perform: kms:ScheduleKeyDeletion/.test(e.error)
                                      ? "not authorized"
                                      : e.error,
                              }
                            : {
                                  result: {
                                      pendingWindowInDays: (e.result as { pendingWindowInDays: number })
                                          .pendingWindowInDays,
                                  },
                              }),
                    }))
                    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
                assert.deepStrictEqual(actual, expected);
                const allDeletable = Object.values(settings.keys).every((k) => k.allowKeyDeletion);
                assert.strictEqual(destroy.status === 0, allDeletable, formatRun(destroy));
            });
        });
    }
});

describe("replacing or removing a key under the real engine", function () {
    for (const stack of listStacks(repoDir)) {
        const settings = stackSettings(repoDir, stack);
        const protectedKey = Object.entries(settings.keys).find(([, k]) => k.protect)?.[0];
        const retainedKey = Object.entries(settings.keys).find(([, k]) => k.retainOnDelete)?.[0];

        it(`${stack}: a new deletion window and tag update the key in place`, function () {
            const [name, key] = Object.entries(settings.keys)[0];
            const window = key.deletionWindowInDays === 30 ? 29 : key.deletionWindowInDays + 1;
            inWorkspace(stack, {}, (workspace) => {
                workspace.deploy();
                const before = workspace.journal().length;
                editStackFile(workspace.projectDir, stack, (doc) => {
                    doc.setIn(["config", "kms-keys:keys", name, "deletionWindowInDays"], window);
                    doc.setIn(["config", "kms-keys:keys", name, "tags", "Owner"], "e2e");
                });
                workspace.deploy();
                const after = workspace.journal().slice(before);
                const urn = (e: { urn?: string }) => e.urn?.endsWith(`::${name}-key`);
                assert.deepStrictEqual(after.find((e) => e.op === "diff" && urn(e))?.result, {
                    changed: ["deletionWindowInDays", "tags"],
                    replaces: [],
                });
                const updates = after.filter((e) => e.op === "update" && urn(e));
                assert.strictEqual(updates.length, 1);
                assert.strictEqual(updates[0].inputs?.deletionWindowInDays, window);
                assert.strictEqual((updates[0].inputs?.tags as Record<string, string>).Owner, "e2e");
                assert.deepStrictEqual(
                    after.filter((e) => e.op === "create" || e.op === "delete"),
                    [],
                );
            });
        });

        // Only where the stack file asks for the guard; the destroy spec above covers the stacks without it.
        if (protectedKey !== undefined)
            it(`${stack}: a change that would replace a protected key fails the preview`, function () {
                inWorkspace(stack, {}, (workspace) => {
                    workspace.deploy();
                    const before = workspace.journal().length;
                    const component = path.join(workspace.projectDir, "components", "kmsKey.ts");
                    const source = fs.readFileSync(component, "utf8");
                    assert.ok(source.includes("multiRegion: false,"));
                    fs.writeFileSync(component, source.replace("multiRegion: false,", "multiRegion: true,"));
                    const preview = workspace.pulumi(["preview", "--stack", stack]);
                    assert.notStrictEqual(preview.status, 0, formatRun(preview));
                    assert.match(
                        preview.stdout + preview.stderr,
                        new RegExp(
                            `unable to replace resource "[^"]+::${protectedKey}-key"\\s+as it is currently marked for protection`,
                        ),
                        formatRun(preview),
                    );
                    const diff = workspace
                        .journal()
                        .slice(before)
                        .find((e) => e.op === "diff" && e.urn?.endsWith(`::${protectedKey}-key`));
                    assert.deepStrictEqual(diff?.result, { changed: ["multiRegion"], replaces: ["multiRegion"] });
                    assert.deepStrictEqual(
                        workspace
                            .journal()
                            .slice(before)
                            .filter((e) => e.op === "create" || e.op === "delete"),
                        [],
                    );
                });
            });

        if (retainedKey !== undefined)
            it(`${stack}: a key removed from the stack file stays in AWS where it is retained on delete`, function () {
                inWorkspace(stack, {}, (workspace) => {
                    const edit = (change: (doc: YAML.Document) => void) =>
                        editStackFile(workspace.projectDir, stack, change);
                    // Unprotect first (its own `up`, as Pulumi requires), then remove the key from the stack file.
                    edit((doc) => doc.setIn(["config", "kms-keys:keys", retainedKey, "protect"], false));
                    workspace.deploy();
                    const keyId = workspace
                        .journal()
                        .find((e) => e.op === "create" && e.urn?.endsWith(`::${retainedKey}-key`))?.id as string;
                    edit((doc) => doc.deleteIn(["config", "kms-keys:keys", retainedKey]));
                    workspace.deploy();
                    assert.deepStrictEqual(
                        workspace.journal().filter((e) => e.op === "delete" && e.type === keyType),
                        [],
                        "no key deleted",
                    );
                    const key = workspace.aws().resources[keyId];
                    assert.strictEqual(key?.outputs.isEnabled, true);
                    assert.strictEqual(key?.outputs.keyState, undefined);
                });
            });
    }
});
