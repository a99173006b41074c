/** Times the project's own commands as a person runs them: `npm run ...` as a child process. */
import { spawn } from "child_process";

/** How a timed command ended. */
export interface CommandTiming {
    seconds: number;
    /** Exit code, or null when a signal ended it. */
    code: number | null;
    signal: NodeJS.Signals | null;
    /** The last lines it printed, for the table and for errors. */
    tail: string[];
}

const TAIL_LINES = 40;

/** Runs `npm <args>` in `cwd`, collecting its output instead of printing it, and times it. */
export function timeNpm(args: string[], cwd: string): Promise<CommandTiming> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const npm = process.platform === "win32" ? "npm.cmd" : "npm";
        const child = spawn(npm, args, {
            cwd,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, FORCE_COLOR: "0" },
        });
        let output = "";
        const collect = (chunk: Buffer) => {
            // Only the tail is kept: a test suite can print a lot.
            output = (output + chunk.toString("utf8")).slice(-64 * 1024);
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        child.on("error", reject);
        child.on("close", (code, signal) => {
            resolve({
                seconds: Number(process.hrtime.bigint() - start) / 1e9,
                code,
                signal,
                tail: output.trimEnd().split("\n").slice(-TAIL_LINES),
            });
        });
    });
}

/** Mocha's summary counts, read from its output. */
export function mochaSummary(lines: readonly string[]): { passing?: number; failing?: number; pending?: number } {
    const text = lines.join("\n");
    const count = (word: string) => {
        const m = new RegExp(`^\\s*(\\d+) ${word}\\b`, "m").exec(text);
        return m ? Number(m[1]) : undefined;
    };
    return { passing: count("passing"), failing: count("failing"), pending: count("pending") };
}

/** The test suite ran to its summary (mocha exits with the number of failures, so any exit code may do). */
export function testSuiteCompleted(t: CommandTiming): boolean {
    return t.signal === null && mochaSummary(t.tail).passing !== undefined;
}
