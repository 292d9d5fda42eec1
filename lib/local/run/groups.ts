// Process groups: every process the runner starts leads its own group, so one
// signal reaches it and everything it spawned.

/** True while any process of the group exists. */
export function groupAlive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pgid, signal);
    } catch {
        /* already gone */
    }
}

/** Resolves after ms, or at once when `cancel` aborts. */
export function sleep(ms: number, cancel?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (cancel?.aborted) return resolve();
        const done = () => {
            clearTimeout(timer);
            cancel?.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        cancel?.addEventListener("abort", done, { once: true });
    });
}
