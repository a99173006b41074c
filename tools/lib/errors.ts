/**
 * Errors the command-line tools share.
 *
 * A `UsageError` is the user's to fix (a file, an argument, a config value): the commands print its message as one
 * line on stderr, with no stack trace, and exit with `exitCode`. Anything else that escapes a command is a bug in
 * the tools and keeps its stack.
 */

/** Exit code for invalid input: a bad file, a bad argument or a bad config value. */
export const EXIT_INVALID_INPUT = 2;

/**
 * An error caused by the user's input. `message` is a single line that names the file (or argument), the key path,
 * the offending value and what is allowed instead.
 */
export class UsageError extends Error {
    /** The process exit code the command should end with. */
    readonly exitCode: number;

    constructor(message: string, exitCode: number = EXIT_INVALID_INPUT) {
        // One line, always: callers print the message as is, and a stray newline would split it.
        super(message.replace(/\s*\n\s*/g, " "));
        this.name = "UsageError";
        this.exitCode = exitCode;
    }

    /** True for a `UsageError`, also across module copies (ts-node can load a module twice under two paths). */
    static isInstance(e: unknown): e is UsageError {
        return e instanceof UsageError || (e instanceof Error && e.name === "UsageError" && "exitCode" in e);
    }
}

/**
 * Renders a value for an error message: JSON for data (so strings keep their quotes and `"7"` differs from `7`),
 * shortened so one line stays readable.
 */
export function describeValue(value: unknown, max = 80): string {
    let text: string;
    if (value === undefined) {
        text = "undefined";
    } else {
        try {
            text = JSON.stringify(value) ?? String(value);
        } catch {
            text = String(value);
        }
    }
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Runs a command's `main` and exits with its code: a `UsageError` prints its one line and exits with its code;
 * anything else is a bug in the tools and keeps its stack trace (exit 3, so it never reads as a verdict).
 */
export function runCommand(main: (argv: string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            if (UsageError.isInstance(error)) {
                process.stderr.write(`${error.message}\n`);
                process.exit(error.exitCode);
            }
            process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
            process.exit(3);
        },
    );
}
