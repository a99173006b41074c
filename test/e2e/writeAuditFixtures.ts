// `npm run fixtures:audit`: writes the audit fixtures of this project's own resources with the real CLI, so that the
// readers and the audit are tested against files the CLI wrote, not files written by hand. Runs
// test/e2e/programs/auditFixture.ts through the engine and the stand-in AWS provider: `up` of its "insecure" phase,
// then `stack export`, then `preview --json` of its "changed" phase. Review the diff before committing.
import * as fs from "fs";
import * as path from "path";
import { runCommand, UsageError } from "../../tools/lib/errors";
import { AccountDescription } from "./awsStandIn/aws";
import { formatRun, replaceProgram, sharedEngine, Workspace } from "./harness";

const fixturesDir = path.resolve(__dirname, "..", "fixtures", "audit");
/** The fixtures' own stack and account, independent of the project's stack files. */
const stack = "production";
export const fixtureAccount: AccountDescription = {
    accountId: "111111111111",
    partition: "aws",
    region: "ap-northeast-1",
    callerArn: "arn:aws:sts::111111111111:assumed-role/KmsKeyAdministrator/fixtures",
    principals: [],
    vpcs: [],
    endpointServices: {},
    subnets: [],
};

function stackFile(phase: string): string {
    return [
        "config:",
        `  aws:region: ${fixtureAccount.region}`,
        "  aws:allowedAccountIds:",
        `    - "${fixtureAccount.accountId}"`,
        `  kms-keys:fixturePhase: ${phase}`,
        "",
    ].join("\n");
}

async function main(argv: string[]): Promise<number> {
    if (argv.length > 0) {
        throw new UsageError(
            `fixtures:audit: unexpected argument ${JSON.stringify(argv[0])}; usage: npm run fixtures:audit`,
        );
    }
    const workspace = new Workspace(sharedEngine(), stack, {
        account: fixtureAccount,
        edit: (dir) => {
            replaceProgram(dir, "auditFixture");
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackFile("insecure"));
        },
    });
    try {
        const steps: [string, string[], string | undefined][] = [
            ["init", ["stack", "init", stack, "--secrets-provider", "passphrase"], undefined],
            ["up", ["up", "--yes", "--stack", stack], undefined],
            ["export", ["stack", "export", "--stack", stack], "kms-keys-insecure.stack-export.json"],
            ["changed", ["config", "set", "kms-keys:fixturePhase", "changed", "--stack", stack], undefined],
            ["preview", ["preview", "--json", "--stack", stack], "kms-keys-changed.preview.json"],
        ];
        for (const [name, args, file] of steps) {
            const result = workspace.pulumi(args);
            if (result.status !== 0) {
                process.stderr.write(`fixtures:audit: ${name} failed\n${formatRun(result)}\n`);
                return 1;
            }
            if (file !== undefined) {
                const doc = JSON.parse(result.stdout) as unknown;
                fs.writeFileSync(path.join(fixturesDir, file), `${JSON.stringify(doc, null, 2)}\n`);
                process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(fixturesDir, file))}\n`);
            }
        }
    } finally {
        workspace.dispose();
    }
    return 0;
}

if (require.main === module) {
    runCommand(main);
}
