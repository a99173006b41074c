import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const projectDir = path.resolve(__dirname, "..", "..");

/**
 * A throw-away copy of the working tree (sharing node_modules), for tests that change its files: the unit specs that
 * break a stack file, the fork check, the end-to-end workspaces. Leaves out git's data and generated output.
 */
export function copyProject(destination: string = fs.mkdtempSync(path.join(os.tmpdir(), "kms-keys-copy-"))): string {
    fs.cpSync(projectDir, destination, {
        recursive: true,
        filter: (source) => !/[\\/](node_modules|\.git|out|reports|\.stryker-tmp|\.generated)$/.test(source),
    });
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(destination, "node_modules"), "dir");
    return destination;
}
