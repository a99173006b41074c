// The stand-in `pulumi-resource-aws` (see aws.ts): serves the provider protocol through the SDK's own provider
// server, reporting the version of our @pulumi/aws so the engine takes it for that plugin.
import * as fs from "fs";
import { version as awsVersion } from "@pulumi/aws/package.json";
import { CheckResult, DiffResult, main, Provider, ReadResult } from "@pulumi/pulumi/provider";
import {
    AccountDescription,
    answerInvoke,
    diffProperties,
    JournalEntry,
    keyPolicyAllows,
    loadState,
    nameOfUrn,
    newId,
    outputsOf,
    principalOfCaller,
    saveState,
    servedTypes,
    typeOfUrn,
} from "./aws";

function required(name: string): string {
    const value = process.env[name];
    if (!value) {
        throw new Error(`the stand-in AWS provider needs ${name}; the end-to-end suite sets it`);
    }
    return value;
}

const stateFile = required("KMS_STANDIN_STATE");
const journalFile = required("KMS_STANDIN_JOURNAL");
const account = JSON.parse(fs.readFileSync(required("KMS_STANDIN_ACCOUNT"), "utf8")) as AccountDescription;

function journal(entry: JournalEntry): void {
    fs.appendFileSync(journalFile, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
}

function served(urn: string): string {
    const type = typeOfUrn(urn);
    if (!servedTypes.includes(type)) {
        throw new Error(`the stand-in AWS provider does not serve ${type}`);
    }
    return type;
}

const provider: Provider = {
    version: awsVersion,

    async check(urn, olds, news): Promise<CheckResult> {
        const type = served(urn);
        const failures: { property: string; reason: string }[] = [];
        // internal/service/kms/key.go: deletion_window_in_days ValidateFunc IntBetween(7, 30);
        // rotation_period_in_days IntBetween(90, 2560).
        const ranges: Record<string, [string, number, number][]> = {
            "aws:kms/key:Key": [
                ["deletionWindowInDays", 7, 30],
                ["rotationPeriodInDays", 90, 2560],
            ],
        };
        for (const [property, low, high] of ranges[type] ?? []) {
            const value = news[property];
            if (typeof value === "number" && (value < low || value > high)) {
                failures.push({
                    property,
                    reason: `expected ${property} to be in the range (${low} - ${high}), got ${value}`,
                });
            }
        }
        journal({ op: "check", type, urn, inputs: news, result: failures.length ? failures : undefined });
        return { inputs: news, failures };
    },

    async diff(id, urn, olds, news): Promise<DiffResult> {
        const type = served(urn);
        const { changed, replaces } = diffProperties(type, olds, news);
        journal({ op: "diff", type, urn, id, result: { changed, replaces } });
        return { changes: changed.length > 0, replaces };
    },

    async create(urn, inputs) {
        const type = served(urn);
        const state = loadState(stateFile);
        const id = newId(type, inputs, account);
        const outs = outputsOf(type, nameOfUrn(urn), id, inputs, account, state);
        state.resources[id] = { type, id, outputs: outs, inputs };
        saveState(stateFile, state);
        journal({ op: "create", type, urn, id, inputs });
        return { id, outs };
    },

    async read(id, urn): Promise<ReadResult> {
        const type = served(urn);
        const stored = loadState(stateFile).resources[id];
        // A key pending deletion still exists in AWS, but the provider treats it as gone (internal/service/kms/key.go,
        // findKeyByID: KeyState PendingDeletion is a NotFound).
        const gone = stored === undefined || stored.outputs.keyState === "PendingDeletion";
        journal({ op: "read", type, urn, id, result: gone ? "not found" : "found" });
        if (gone) {
            return { id: "", props: {}, inputs: {} };
        }
        return { id, props: stored.outputs, inputs: stored.inputs };
    },

    async update(id, urn, olds, news) {
        const type = served(urn);
        const state = loadState(stateFile);
        const stored = state.resources[id];
        if (stored === undefined) {
            throw new Error(`${type} ${id} not found`);
        }
        const outs = { ...stored.outputs, ...outputsOf(type, nameOfUrn(urn), id, news, account, state) };
        state.resources[id] = { type, id, outputs: outs, inputs: news };
        saveState(stateFile, state);
        journal({ op: "update", type, urn, id, inputs: news });
        return { outs };
    },

    async delete(id, urn) {
        const type = served(urn);
        const state = loadState(stateFile);
        const stored = state.resources[id];
        if (type === "aws:kms/key:Key" && stored !== undefined) {
            // The provider's delete is ScheduleKeyDeletion with the key's window (AWS's default is 30 days); AWS
            // refuses it unless the key policy lets the caller schedule deletion.
            const arn = stored.outputs.arn as string;
            if (!keyPolicyAllows(stored.outputs.policy as string, "kms:ScheduleKeyDeletion", account)) {
                const error = `User: ${account.callerArn} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${arn} because no resource-based policy allows the kms:ScheduleKeyDeletion action`;
                journal({ op: "delete", type, urn, id, error });
                throw new Error(`deleting KMS Key (${id}): ${error}`);
            }
            const window = (stored.outputs.deletionWindowInDays as number | undefined) ?? 30;
            stored.outputs = { ...stored.outputs, keyState: "PendingDeletion", isEnabled: false };
            saveState(stateFile, state);
            journal({
                op: "delete",
                type,
                urn,
                id,
                result: { scheduledBy: principalOfCaller(account.callerArn), pendingWindowInDays: window },
            });
            return;
        }
        delete state.resources[id];
        saveState(stateFile, state);
        journal({ op: "delete", type, urn, id });
    },

    async invoke(token, inputs) {
        try {
            const outputs = answerInvoke(token, inputs, account);
            journal({ op: "invoke", token, inputs });
            return { outputs };
        } catch (error) {
            journal({ op: "invoke", token, inputs, error: (error as Error).message });
            throw error;
        }
    },
};

void main(provider, process.argv.slice(2));
