import * as assert from "assert";
import { resolveEngine } from "../../tools/lib/engine";
import { describe as describeResult, Workspace } from "./harness";

describe("the engine runs the program through the stand-in AWS provider", function () {
    let workspace: Workspace;

    before(function () {
        workspace = new Workspace(resolveEngine(), "development");
        const init = workspace.init();
        assert.strictEqual(init.status, 0, describeResult(init));
    });

    after(() => workspace?.dispose());

    it("previews the development stack", function () {
        const preview = workspace.pulumi(["preview", "--stack", "development", "--diff"]);
        assert.strictEqual(preview.status, 0, describeResult(preview));
        const tokens = workspace
            .journal()
            .filter((e) => e.op === "invoke")
            .map((e) => e.token);
        assert.ok(tokens.includes("aws:index/getCallerIdentity:getCallerIdentity"), tokens.join(", "));
    });
});
