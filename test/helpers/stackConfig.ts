import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ProgramRun, readStackConfig, RunOptions, runProgram } from "../../tools/lib/programRunner";

/** The repository: its tools, its pack, and the stack files a user fills in with their own values. */
export const projectDir = path.resolve(__dirname, "..", "..");

/**
 * The tests' own project: the parameter sheet's stacks (Pulumi.<stack>.yaml with their accounts, roles, keys and
 * windows), their policy configs, and an index.ts that is the repository's program. The program's behaviour is tested
 * on these, so that a user who puts their own values into the repository's stack files keeps a green suite.
 */
export const fixtureProjectDir = path.resolve(__dirname, "..", "fixtures", "project");

/** The `config:` map of a fixture stack file, as a fresh object a test may change. */
export function stackConfigDoc(stack: string): Record<string, unknown> {
    const doc = YAML.parse(fs.readFileSync(path.join(fixtureProjectDir, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
    };
    return doc.config;
}

/** A fixture stack's config rendered as the CLI passes it, after `change` has edited the parsed YAML. */
export function cliConfig(
    stack: string,
    change: (config: Record<string, any>) => void = () => undefined, // eslint-disable-line @typescript-eslint/no-explicit-any
): Record<string, string> {
    const config = stackConfigDoc(stack);
    change(config);
    return readStackConfig(fixtureProjectDir, "kms-keys", stack, config);
}

/** Runs the program for a fixture stack under the mock runtime (see `runProgram`). */
export function runFixture(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    return runProgram(stack, { projectDir: fixtureProjectDir, ...options });
}
