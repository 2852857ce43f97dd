// Where a message's recorded fate is announced to whoever counts it (the process's metrics): the code that
// records a message — the send activities, pacing's reservation, a broadcast batch — calls
// messagesRecorded once it knows the row's status. A module of its own, so the record's writers can call it
// without knowing about metrics.
type Listener = (channel: string, status: string, reason: string | null | undefined, n: number) => void;

const listeners = new Set<Listener>();

/** `n` messages of `channel` recorded with `status` (and why, for those not sent). */
export function messagesRecorded(channel: string, status: string, reason?: string | null, n = 1): void {
  if (n > 0) for (const listener of listeners) listener(channel, status, reason, n);
}

/** Counts what messagesRecorded announces from now on; returns the function that stops it. */
export function onMessagesRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
