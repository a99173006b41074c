/**
 * Event patterns matched by event-ruler, the engine EventBridge itself matches with, through the small Java bridge in
 * test/eventRuler/. The bridge is built with Maven once into a cache folder outside the work tree, keyed by a hash of
 * its pom.xml and sources, and then run with `java` for each call.
 */
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { which } from "../../tools/lib/engine";

const bridgeDir = path.resolve(__dirname, "..", "eventRuler");
const mainClass = "kmskeys.eventruler.MatchEvents";
const jarName = "event-ruler-bridge.jar";

/** One event to match, named so that the result can say which patterns matched it. */
export interface NamedEvent {
    readonly name: string;
    readonly event: unknown;
}

/** The bridge failed: `status` 2 is a pattern event-ruler rejected, 1 a request or event it could not read. */
export class EventRulerError extends Error {
    constructor(
        message: string,
        readonly status: number | null,
    ) {
        super(message);
        this.name = "EventRulerError";
    }
}

/** Where built bridges are kept: `KMS_KEYS_EVENT_RULER_CACHE`, else `$XDG_CACHE_HOME/kms-keys-event-ruler`, else ~/.cache. */
export function eventRulerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.KMS_KEYS_EVENT_RULER_CACHE) {
        return path.resolve(env.KMS_KEYS_EVENT_RULER_CACHE);
    }
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kms-keys-event-ruler");
}

function filesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => {
            const full = path.join(dir, entry.name);
            return entry.isDirectory() ? filesUnder(full) : [full];
        })
        .sort();
}

/** A hash of everything the build reads: pom.xml and the Java sources. */
export function bridgeHash(): string {
    const hash = createHash("sha256");
    for (const file of [path.join(bridgeDir, "pom.xml"), ...filesUnder(path.join(bridgeDir, "src"))]) {
        hash.update(path.relative(bridgeDir, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
    return hash.digest("hex").slice(0, 16);
}

function requireTool(tool: "java" | "mvn", env: NodeJS.ProcessEnv): void {
    if (which(tool, env.PATH) === undefined) {
        throw new EventRulerError(
            `event-ruler: \`${tool}\` is not on the PATH; the event pattern specs need a JDK 17 and Maven ` +
                "(Debian: apt-get install openjdk-17-jdk-headless maven)",
            null,
        );
    }
}

/**
 * Builds the bridge unless the cache holds a build of the current sources; returns the folder with its jar and the
 * jars it runs with (lib/). A build goes to a temporary folder first, so a build that fails or is interrupted never
 * looks finished.
 */
export function ensureBridge(env: NodeJS.ProcessEnv = process.env): string {
    requireTool("java", env);
    const built = path.join(eventRulerCacheDir(env), bridgeHash());
    if (fs.existsSync(path.join(built, jarName))) {
        return built;
    }
    requireTool("mvn", env);
    const building = `${built}.building-${process.pid}`;
    fs.rmSync(building, { recursive: true, force: true });
    const result = spawnSync("mvn", ["-q", "-B", "package", `-DeventRuler.buildDir=${building}`], {
        cwd: bridgeDir,
        encoding: "utf8",
        env,
    });
    if (result.status !== 0) {
        fs.rmSync(building, { recursive: true, force: true });
        const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
        throw new EventRulerError(
            `event-ruler: \`mvn -q -B package\` in ${bridgeDir} failed (exit ${result.status ?? result.signal}):\n${output}`,
            result.status,
        );
    }
    try {
        fs.renameSync(building, built);
    } catch (e) {
        // Another process finished the same build first; its copy is as good as ours.
        if (!fs.existsSync(path.join(built, jarName))) {
            throw e;
        }
        fs.rmSync(building, { recursive: true, force: true });
    }
    return built;
}

/**
 * Which of `patterns` match each of `events`, by event-ruler's `Machine.rulesForJSONEvent`: for each event name,
 * the names of the patterns that match it, sorted. Throws an `EventRulerError` whose message is the bridge's line
 * when event-ruler rejects a pattern (status 2).
 */
export function matchEvents(
    patterns: Record<string, unknown>,
    events: readonly NamedEvent[],
    env: NodeJS.ProcessEnv = process.env,
): Record<string, string[]> {
    const built = ensureBridge(env);
    const classpath = [path.join(built, jarName), path.join(built, "lib", "*")].join(path.delimiter);
    // A short-lived JVM: the client compiler alone and the serial collector start fastest.
    const result = spawnSync("java", ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath, mainClass], {
        input: JSON.stringify({ patterns, events }),
        encoding: "utf8",
        env,
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) {
        throw new EventRulerError(`event-ruler: could not run java: ${result.error.message}`, null);
    }
    if (result.status !== 0) {
        throw new EventRulerError(
            result.stderr.trim() || `event-ruler: the bridge exited ${result.status ?? result.signal}`,
            result.status,
        );
    }
    return JSON.parse(result.stdout) as Record<string, string[]>;
}
