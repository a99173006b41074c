/**
 * The golden files are what the program registers for the tests' own stacks today: a change to the program's
 * resources, URNs (type tokens and child names are a public contract), inputs, protections or outputs fails here
 * until `npm run golden` rewrites them and the diff is reviewed.
 */
import * as assert from "assert/strict";
import * as fs from "fs";

import { fixtureStacks, goldenDir, goldenFile, goldenText, renderGolden } from "./golden";

describe("golden files of the fixture stacks", () => {
    it("cover every fixture stack", () => {
        assert.deepEqual(
            fs.readdirSync(goldenDir).sort(),
            fixtureStacks().map((s) => `${s}.json`),
        );
    });

    for (const stack of fixtureStacks()) {
        it(`${stack}: the program registers exactly what ${stack}.json records (else run npm run golden and review)`, async () => {
            const rendered = goldenText(await renderGolden(stack));
            assert.equal(rendered, fs.readFileSync(goldenFile(stack), "utf8"));
        });
    }
});
