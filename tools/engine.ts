// `npm run engine`: finds or builds the Pulumi CLIs and the nodejs language host the end-to-end suite runs with, and
// prints where they are and their versions. See tools/lib/engine.ts for why there are two CLIs.
// Exit codes: 0 ready, 1 missing or failed to build (one line says which), 2 bad argument.
import { runCommand, UsageError } from "./lib/errors";
import { cacheDir, cliVersion, resolveEngine } from "./lib/engine";

export async function main(argv: string[]): Promise<number> {
    if (argv.length > 0) {
        throw new UsageError(`engine: unexpected argument ${JSON.stringify(argv[0])}; usage: npm run engine`);
    }
    const engine = resolveEngine((line) => process.stderr.write(`engine: ${line}\n`));
    const rows: [string, string, string][] = [
        ["program CLI", engine.programCli, cliVersion(engine.programCli)],
        ["policy CLI", engine.policyCli, cliVersion(engine.policyCli)],
        ...engine.pathDirs.map((dir): [string, string, string] => ["PATH for both", dir, ""]),
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    for (const [label, where, version] of rows) {
        process.stdout.write(`${label.padEnd(width)}  ${where}${version ? `  (${version})` : ""}\n`);
    }
    process.stdout.write(
        engine.source === "path" ? "source: the pulumi on the PATH\n" : `source: built into ${cacheDir()}\n`,
    );
    return 0;
}

if (require.main === module) {
    runCommand(main);
}
