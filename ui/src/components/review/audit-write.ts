/**
 * Runs one write the review screen makes to the vault (a note, a reflection, a reveal, a
 * rectification; each an audit event) and answers with its result, or null when it was refused:
 * the screen then shows why, in one place, and clears that once a write succeeds.
 */
export type AuditWrite = <T>(action: () => Promise<T>) => Promise<T | null>;
