import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { readStackConfig } from "../../tools/lib/programRunner";

export const projectDir = path.resolve(__dirname, "..", "..");

/** The `config:` map of a stack file, as a fresh object a test may change. */
export function stackConfigDoc(stack: string): Record<string, unknown> {
    const doc = YAML.parse(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
    };
    return doc.config;
}

/** A stack's config rendered as the CLI passes it, after `change` has edited the parsed YAML. */
export function cliConfig(
    stack: string,
    change: (config: Record<string, any>) => void = () => undefined, // eslint-disable-line @typescript-eslint/no-explicit-any
): Record<string, string> {
    const config = stackConfigDoc(stack);
    change(config);
    return readStackConfig(projectDir, "kms-keys", stack, config);
}
