import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { listStacks } from "../../tools/lib/programRunner";
import { copyProject } from "../helpers/projectCopy";
import { stackSettings } from "../e2e/harness";
import { applyForkSteps, forkReplacements, main } from "./forkCheck";

describe("test:fork, the README's fork steps", function () {
    this.timeout(60000);
    let copy: string;
    before(() => {
        copy = copyProject();
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));

    it("maps every account id and role of the stack files to one of the fork's own", () => {
        const replacements = forkReplacements([
            'aws:allowedAccountIds:\n  - "123456789012"\nusers:\n  - role/App\n  - role/ops/Db\n',
        ]);
        assert.deepEqual(
            [...replacements],
            [
                ["123456789012", "900000000000"],
                ["role/App", "role/fork-App"],
                ["role/ops/Db", "role/ops/fork-Db"],
            ],
        );
    });

    it("never maps an account id to an id the files already hold", () => {
        const replacements = forkReplacements(['  - "900000000000"\n  - "900000001111"\n  - "123456789012"\n']);
        assert.deepEqual(
            [...replacements],
            [
                ["900000000000", "900000002222"],
                ["900000001111", "900000003333"],
                ["123456789012", "900000004444"],
            ],
        );
    });

    it("leaves stacks that still validate, with new accounts and roles, one more key, and staging changed", () => {
        const originals = listStacks(copy).map((s) => fs.readFileSync(path.join(copy, `Pulumi.${s}.yaml`), "utf8"));
        const replaced = [...forkReplacements(originals).keys()];
        applyForkSteps(copy);
        for (const stack of listStacks(copy)) {
            const files = [
                `Pulumi.${stack}.yaml`,
                path.join("policies", "config", `${stack}.json`),
                path.join("facts", `${stack}.yaml`),
            ];
            for (const file of files) {
                const text = fs.readFileSync(path.join(copy, file), "utf8");
                for (const value of replaced) {
                    assert.ok(
                        !new RegExp(`${value.replace("/", "\\/")}\\b`).test(text),
                        `${file} still holds ${value}`,
                    );
                }
            }
            const settings = stackSettings(copy, stack);
            assert.ok("fork-extra" in settings.keys, stack);
            assert.equal(settings.keys["fork-extra"].alias, "alias/fork-extra");
            if (stack === "staging") {
                assert.equal(settings.vpcEndpoint, undefined);
            }
        }
    });

    it("refuses an argument, naming it", async () => {
        await assert.rejects(main(["--now"]), {
            message: 'test:fork: unexpected argument "--now"; usage: npm run test:fork',
        });
    });
});
