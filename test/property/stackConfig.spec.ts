import * as assert from "assert/strict";
import fc from "fast-check";
import { ConfigError, parseStackConfig } from "../../config/stackConfig";
import { readStackConfig, runProgram } from "../../tools/lib/programRunner";
import { projectDir } from "../helpers/stackConfig";
import { BrokenStack, brokenStack, fuzzedStack, GeneratedStack, validStack } from "./arbitraries";
import { countRuns } from "./runs";

function cli(generated: GeneratedStack): Record<string, string> {
    return readStackConfig(projectDir, "kms-keys", generated.stack, generated.config);
}

/** The message names the stack file and then exactly the key path (or a path inside it). */
function namesKeyPath(message: string, broken: BrokenStack): boolean {
    const head = `Pulumi.${broken.stack}.yaml: ${broken.keyPath}`;
    return (
        message.startsWith(head) && [":", " is missing", ".", "["].some((next) => message.startsWith(next, head.length))
    );
}

/** Parses a broken configuration; the only acceptable outcome is a ConfigError naming the key path. */
function configErrorOf(broken: BrokenStack): ConfigError {
    let thrown: unknown;
    try {
        parseStackConfig(cli(broken), broken.stack);
    } catch (error) {
        thrown = error;
    }
    assert.ok(thrown !== undefined, `${broken.mistake}: accepted ${JSON.stringify(broken.config)}`);
    assert.ok(thrown instanceof ConfigError, `${broken.mistake}: ${String(thrown)}`);
    assert.ok(
        namesKeyPath(thrown.message, broken),
        `${broken.mistake}: expected the message to name Pulumi.${broken.stack}.yaml: ${broken.keyPath}, got: ${thrown.message}`,
    );
    return thrown;
}

describe("properties of stack configuration parsing", () => {
    it("accepts every generated valid configuration", () => {
        fc.assert(
            fc.property(validStack(), (generated) => {
                const settings = parseStackConfig(cli(generated), generated.stack);
                assert.deepEqual(Object.keys(settings.keys), Object.keys(generated.config["kms-keys:keys"] as object));
            }),
            countRuns("valid configurations parse", { numRuns: 100 }),
        );
    });

    it("ends every configuration with one mistake in a ConfigError naming the file and the key path", () => {
        fc.assert(
            fc.property(brokenStack(), (broken) => {
                configErrorOf(broken);
            }),
            countRuns("broken configurations are refused", { numRuns: 400 }),
        );
    });

    it("accepts any JSON value anywhere in a configuration or refuses it with a one-line ConfigError, never another error", () => {
        fc.assert(
            fc.property(fuzzedStack(), (fuzzed) => {
                try {
                    parseStackConfig(cli(fuzzed), fuzzed.stack);
                } catch (error) {
                    assert.ok(error instanceof ConfigError, `${fuzzed.where}: ${String(error)}`);
                    assert.ok(error.message.startsWith(`Pulumi.${fuzzed.stack}.yaml: `), error.message);
                    assert.ok(!error.message.includes("\n"), error.message);
                }
            }),
            countRuns("fuzzed configurations parse or are refused", { numRuns: 400 }),
        );
    });

    it("registers nothing but the stack for a configuration with one mistake, and reports the same one line", async () => {
        await fc.assert(
            fc.asyncProperty(brokenStack(), async (broken) => {
                const expected = configErrorOf(broken);
                const run = await runProgram(broken.stack, { configOverride: broken.config });
                assert.equal(run.error, expected.message);
                assert.deepEqual(
                    run.resources.map((r) => r.type),
                    ["pulumi:pulumi:Stack"],
                );
            }),
            countRuns("broken configurations through the program", { numRuns: 25 }),
        );
    });
});
