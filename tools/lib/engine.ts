/**
 * The real Pulumi engine for the end-to-end suite: the CLI that runs the program, the CLI that runs the policy pack,
 * and the nodejs language host they start. Each is either the user's own `pulumi` on the PATH or built from Pulumi's
 * Go modules into a cache folder outside the work tree, once, and reused.
 *
 * Why two CLIs when we build them: the nodejs language host's own Go module is not served by every module proxy, so
 * the host is built from `github.com/pulumi/pulumi/sdk/v3` v3.68.0, the last version that carried it as a package.
 * It runs programs under CLI v3.248.0 (the version of our `@pulumi/pulumi`), but it does not implement `RunPlugin`,
 * which CLIs from v3.169 use to start a nodejs policy pack. CLI v3.167.0 still starts a pack through the
 * `pulumi-analyzer-policy` script the sdk module carries in `nodejs/dist/`.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "./errors";

/** A Go build of one Pulumi binary: the module versions it requires, the package it builds, the file it writes. */
export interface GoBuild {
    /** Folder under the cache, one per build. */
    readonly folder: string;
    /** Modules required, at exact versions, before `go get` (otherwise `go get` may pick a newer pkg/v3). */
    readonly requires: Readonly<Record<string, string>>;
    /** The package to build. */
    readonly pkg: string;
    /** The binary written into `<cache>/<folder>/bin`. */
    readonly binary: string;
    /** Version stamped into a CLI, as Pulumi's own release build does. */
    readonly stampVersion?: string;
    /** Files copied from a module's folder into the same bin folder: [module, path inside it]. */
    readonly companions?: readonly (readonly [string, string])[];
}

const pkgModule = "github.com/pulumi/pulumi/pkg/v3";
const sdkModule = "github.com/pulumi/pulumi/sdk/v3";

function cliBuild(version: string): GoBuild {
    return {
        folder: `pulumi-${version}`,
        requires: { [pkgModule]: version, [sdkModule]: version },
        pkg: `${pkgModule}/cmd/pulumi`,
        binary: "pulumi",
        stampVersion: version,
    };
}

/** The program's CLI: the version of our `@pulumi/pulumi`. */
export const programCli = cliBuild("v3.248.0");
/** The pack's CLI: the last served version that starts a nodejs pack without `RunPlugin`. */
export const policyCli = cliBuild("v3.167.0");
/** The nodejs language host, from the last sdk module that carried it, with the pack launcher script beside it. */
export const languageHost: GoBuild = {
    folder: "pulumi-language-nodejs-v3.68.0",
    requires: { [sdkModule]: "v3.68.0" },
    pkg: `${sdkModule}/nodejs/cmd/pulumi-language-nodejs`,
    binary: "pulumi-language-nodejs",
    companions: [[sdkModule, "nodejs/dist/pulumi-analyzer-policy"]],
};

/** Where built binaries are kept: `KMS_KEYS_ENGINE_CACHE`, else `$XDG_CACHE_HOME/kms-keys-engine`, else ~/.cache. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.KMS_KEYS_ENGINE_CACHE) {
        return path.resolve(env.KMS_KEYS_ENGINE_CACHE);
    }
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kms-keys-engine");
}

/** The go.mod of a build's own small module. */
export function goModFor(build: GoBuild): string {
    const requires = Object.entries(build.requires)
        .map(([mod, version]) => `\t${mod} ${version}\n`)
        .join("");
    return `module kmskeys.local/engine/${build.folder}\n\ngo 1.24\n\nrequire (\n${requires})\n`;
}

/** Finds an executable on a PATH. */
export function which(name: string, pathVar: string | undefined = process.env.PATH): string | undefined {
    for (const dir of (pathVar ?? "").split(path.delimiter)) {
        if (dir === "") {
            continue;
        }
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) {
                return candidate;
            }
        } catch {
            // not here
        }
    }
    return undefined;
}

function binDir(build: GoBuild, cache: string): string {
    return path.join(cache, build.folder, "bin");
}

/** Whether one binary and its companions are in the cache. */
function isBuilt(build: GoBuild, cache: string): boolean {
    const bin = binDir(build, cache);
    const companions = (build.companions ?? []).map(([, file]) => path.join(bin, path.basename(file)));
    return [path.join(bin, build.binary), ...companions].every((f) => fs.existsSync(f));
}

/** Builds one binary unless it is already in the cache; returns its bin folder. */
export function ensureBuilt(build: GoBuild, cache: string, log: (line: string) => void): string {
    const bin = binDir(build, cache);
    const target = path.join(bin, build.binary);
    if (isBuilt(build, cache)) {
        return bin;
    }
    const moduleDir = path.join(cache, build.folder, "module");
    fs.mkdirSync(moduleDir, { recursive: true });
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(moduleDir, "go.mod"), goModFor(build));
    // A file that imports the package keeps it (and its go.sum lines) in the module.
    fs.writeFileSync(
        path.join(moduleDir, "tools.go"),
        `//go:build tools\n\npackage tools\n\nimport _ "${build.pkg}"\n`,
    );
    const go = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
        log(`go ${args.join(" ")}`);
        const result = spawnSync("go", args, {
            cwd: moduleDir,
            env: { ...process.env, ...extraEnv },
            stdio: ["ignore", "inherit", "inherit"],
        });
        if (result.status !== 0) {
            throw new UsageError(
                `engine: \`go ${args.join(" ")}\` in ${moduleDir} failed (exit ${result.status ?? result.signal}); see its output above`,
                1,
            );
        }
    };
    const started = Date.now();
    const mainVersion = Object.values(build.requires)[0];
    go(["get", `${build.pkg}@${mainVersion}`]);
    const ldflags = ["-s", "-w"];
    if (build.stampVersion) {
        ldflags.push("-X", `${sdkModule}/go/common/version.Version=${build.stampVersion}`);
    }
    go(
        ["build", "-trimpath", "-tags", "osusergo,grpcnotrace", "-ldflags", ldflags.join(" "), "-o", target, build.pkg],
        { CGO_ENABLED: "0" },
    );
    for (const [mod, file] of build.companions ?? []) {
        const dir = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", mod], {
            cwd: moduleDir,
            encoding: "utf8",
        }).trim();
        const destination = path.join(bin, path.basename(file));
        fs.copyFileSync(path.join(dir, file), destination);
        fs.chmodSync(destination, 0o755);
    }
    log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
    return bin;
}

/** The binaries the suite runs with: two CLIs (the same one for a user's own) and the PATH each needs. */
export interface Engine {
    /** How the binaries were found: the user's own CLI on the PATH, or built into the cache. */
    readonly source: "path" | "built";
    /** The CLI that runs the program: preview, up, refresh, destroy, stack commands. */
    readonly programCli: string;
    /** The CLI that runs `preview --policy-pack`. */
    readonly policyCli: string;
    /** Folders to put first on the PATH of every CLI call (the language host, the pack launcher). */
    readonly pathDirs: string[];
}

/** The engine of the three cached binaries. */
function cachedEngine(cache: string): Engine {
    return {
        source: "built",
        programCli: path.join(binDir(programCli, cache), programCli.binary),
        policyCli: path.join(binDir(policyCli, cache), policyCli.binary),
        pathDirs: [binDir(languageHost, cache)],
    };
}

/** The engine if it can run without building anything: a `pulumi` on the PATH, or all three binaries cached. */
export function builtEngine(env: NodeJS.ProcessEnv = process.env): Engine | undefined {
    const own = which("pulumi", env.PATH);
    if (own !== undefined) {
        return { source: "path", programCli: own, policyCli: own, pathDirs: [] };
    }
    const cache = cacheDir(env);
    return [languageHost, programCli, policyCli].every((build) => isBuilt(build, cache))
        ? cachedEngine(cache)
        : undefined;
}

/**
 * Finds or builds the engine. A `pulumi` on the PATH (with its own current language host) serves both purposes;
 * otherwise the three binaries are built with Go, unless they are cached. Without either, one line says what is
 * missing.
 */
export function resolveEngine(log: (line: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): Engine {
    const ready = builtEngine(env);
    if (ready !== undefined) {
        return ready;
    }
    if (which("go", env.PATH) === undefined) {
        throw new UsageError(
            "engine: no `pulumi` on the PATH and no `go` to build one; install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go 1.24+ with access to a Go module proxy",
            1,
        );
    }
    const cache = cacheDir(env);
    for (const build of [languageHost, programCli, policyCli]) {
        ensureBuilt(build, cache, log);
    }
    return cachedEngine(cache);
}

/** What `pulumi version` prints, trimmed. */
export function cliVersion(cli: string): string {
    return execFileSync(cli, ["version"], {
        encoding: "utf8",
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    }).trim();
}
