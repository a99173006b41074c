/**
 * The project's policy pack, started once per test process and shared by every spec that runs it through
 * `PolicyHost` (synth, audit): starting a pack costs a second. `PolicyHost` serialises runs, so specs never see each
 * other's config, and it ends the pack's process when this process exits.
 */
import { PolicyHost } from "../../tools/lib/policyHost";

let shared: Promise<PolicyHost> | undefined;

/** The running project pack (`policies/`), started on first use. */
export function sharedPackHost(): Promise<PolicyHost> {
    shared ??= PolicyHost.start();
    return shared;
}
