import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listStacks } from "../../tools/lib/programRunner";
import { version as sdkVersion } from "@pulumi/pulumi/package.json";
import { parseEngineBenchArgs } from "../../bench/engineBench";
import { main } from "../../tools/engine";
import {
    builtEngine,
    cacheDir,
    goModFor,
    languageHost,
    policyCli,
    programCli,
    resolveEngine,
    which,
} from "../../tools/lib/engine";

describe("tools/lib/engine", () => {
    it("pins each build's modules before go get, so go get cannot pick a newer pkg/v3", () => {
        assert.strictEqual(
            goModFor(programCli),
            "module kmskeys.local/engine/pulumi-v3.248.0\n\ngo 1.24\n\nrequire (\n" +
                "\tgithub.com/pulumi/pulumi/pkg/v3 v3.248.0\n\tgithub.com/pulumi/pulumi/sdk/v3 v3.248.0\n)\n",
        );
        assert.deepStrictEqual(policyCli.requires, {
            "github.com/pulumi/pulumi/pkg/v3": "v3.167.0",
            "github.com/pulumi/pulumi/sdk/v3": "v3.167.0",
        });
        assert.deepStrictEqual(languageHost.requires, { "github.com/pulumi/pulumi/sdk/v3": "v3.68.0" });
        assert.deepStrictEqual(languageHost.companions, [
            ["github.com/pulumi/pulumi/sdk/v3", "nodejs/dist/pulumi-analyzer-policy"],
        ]);
    });

    it("the program CLI is the version of the @pulumi/pulumi the program runs with", () => {
        assert.strictEqual(programCli.stampVersion, `v${sdkVersion}`);
    });

    it("keeps its binaries outside the work tree: KMS_KEYS_ENGINE_CACHE, else XDG_CACHE_HOME, else ~/.cache", () => {
        assert.strictEqual(cacheDir({ KMS_KEYS_ENGINE_CACHE: "/x/y" }), "/x/y");
        assert.strictEqual(cacheDir({ XDG_CACHE_HOME: "/c" }), "/c/kms-keys-engine");
        assert.strictEqual(cacheDir({}), path.join(os.homedir(), ".cache", "kms-keys-engine"));
    });

    describe("resolveEngine", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-spec-"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        function executable(name: string): string {
            const file = path.join(dir, name);
            fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
            return file;
        }

        it("uses a pulumi on the PATH for both the program and the pack, and builds nothing", () => {
            const own = executable("pulumi");
            assert.strictEqual(which("pulumi", dir), own);
            assert.deepStrictEqual(
                resolveEngine(() => {}, { PATH: dir }),
                {
                    source: "path",
                    programCli: own,
                    policyCli: own,
                    pathDirs: [],
                },
            );
        });

        it("without pulumi or go on the PATH and nothing cached, fails with one line saying what is missing", () => {
            assert.throws(
                () => resolveEngine(() => {}, { PATH: dir, KMS_KEYS_ENGINE_CACHE: path.join(dir, "cache") }),
                (error: Error & { exitCode?: number }) =>
                    error.message ===
                        "engine: no `pulumi` on the PATH and no `go` to build one; install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go 1.24+ with access to a Go module proxy" &&
                    error.exitCode === 1,
            );
        });

        it("builtEngine takes a pulumi on the PATH or the three cached binaries, and otherwise builds nothing", () => {
            const cache = path.join(dir, "cache");
            const env = { PATH: path.join(dir, "empty"), KMS_KEYS_ENGINE_CACHE: cache };
            assert.strictEqual(builtEngine(env), undefined);
            const bins = [languageHost, programCli, policyCli].map((b) => {
                const bin = path.join(cache, b.folder, "bin");
                fs.mkdirSync(bin, { recursive: true });
                for (const file of [b.binary, ...(b.companions ?? []).map(([, f]) => path.basename(f))]) {
                    fs.writeFileSync(path.join(bin, file), "#!/bin/sh\n", { mode: 0o755 });
                }
                return bin;
            });
            // Two of three are not enough: the pack's CLI would have to be built.
            fs.rmSync(path.join(bins[2], policyCli.binary));
            assert.strictEqual(builtEngine(env), undefined);
            fs.writeFileSync(path.join(bins[2], policyCli.binary), "#!/bin/sh\n", { mode: 0o755 });
            assert.deepStrictEqual(builtEngine(env), {
                source: "built",
                programCli: path.join(bins[1], programCli.binary),
                policyCli: path.join(bins[2], policyCli.binary),
                pathDirs: [bins[0]],
            });
            const own = executable("pulumi");
            assert.deepStrictEqual(builtEngine({ PATH: dir, KMS_KEYS_ENGINE_CACHE: path.join(dir, "none") }), {
                source: "path",
                programCli: own,
                policyCli: own,
                pathDirs: [],
            });
        });

        it("does not take a folder or a non-executable file named pulumi", () => {
            fs.mkdirSync(path.join(dir, "pulumi"));
            const other = fs.mkdtempSync(path.join(os.tmpdir(), "engine-spec-"));
            fs.writeFileSync(path.join(other, "pulumi"), "", { mode: 0o644 });
            try {
                assert.strictEqual(which("pulumi", [dir, other].join(path.delimiter)), undefined);
            } finally {
                fs.rmSync(other, { recursive: true, force: true });
            }
        });
    });

    it("npm run engine refuses an argument, naming it, before looking for anything", async () => {
        await assert.rejects(main(["--build"]), {
            message: 'engine: unexpected argument "--build"; usage: npm run engine',
        });
    });

    it("npm run bench:engine refuses a bad --reps or --stack with one line naming the value and what is allowed", () => {
        assert.deepStrictEqual(parseEngineBenchArgs([]), { reps: 5, stack: "development" });
        assert.throws(() => parseEngineBenchArgs(["--reps", "0"]), {
            message: 'bench:engine: --reps "0": expected an integer from 1 to 100',
        });
        assert.throws(() => parseEngineBenchArgs(["--stack", "qa"]), {
            message: `bench:engine: --stack "qa": no Pulumi.qa.yaml; stacks: ${listStacks().join(", ")}`,
        });
    });
});
