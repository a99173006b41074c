import * as assert from "assert/strict";

/** A key policy statement as the specs read it: any field, by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStatement = Record<string, any>;

/** The one statement of a key policy with this Sid (the builder's Sids are stable; reviewers diff by them). */
export function bySid(policy: { Statement: readonly object[] }, sid: string): AnyStatement {
    const found = (policy.Statement as AnyStatement[]).filter((s) => s.Sid === sid);
    assert.equal(
        found.length,
        1,
        `exactly one statement ${sid} in ${policy.Statement.map((s) => (s as AnyStatement).Sid).join(", ")}`,
    );
    return found[0];
}
