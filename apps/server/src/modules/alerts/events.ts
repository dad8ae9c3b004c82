// Alert changes as events for whoever wants them (webhooks send alert.opened / alert.resolved;
// the lead wires them): `onAlertChange(listener)` subscribes; the evaluation emits after its
// transaction commits, once per alert opened or resolved. A listener that throws is logged by
// the caller's logger and does not stop the others or the evaluation.

export interface AlertEvent {
  type: 'alert.opened' | 'alert.resolved';
  alert: {
    id: string;
    customerId: string;
    kind: string;
    since: string;
    cause: string;
    action: string;
    openedAt: string;
    resolvedAt: string | null;
  };
}

export type AlertListener = (event: AlertEvent) => void | Promise<void>;

const listeners = new Set<AlertListener>();

/** Subscribes to alert changes; returns the unsubscribe function. */
export function onAlertChange(listener: AlertListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Delivers events to every listener; returns the errors of listeners that failed. */
export async function emitAlertChanges(events: readonly AlertEvent[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const event of events) {
    for (const listener of listeners) {
      try {
        await listener(event);
      } catch (error) {
        errors.push(error);
      }
    }
  }
  return errors;
}
