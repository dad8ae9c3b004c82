// Alert changes as events: the evaluation hands each alert opened or resolved, after its
// transaction commits, to the listener its caller gave (the composition root passes the
// webhooks' alert.opened / alert.resolved). A listener that throws is logged by the caller's
// logger and stops neither the other events nor the evaluation.

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

/** Delivers events to the listener in order; returns the errors it threw (one per failed event). */
export async function emitAlertChanges(
  events: readonly AlertEvent[],
  listener: AlertListener | undefined,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  if (!listener) return errors;
  for (const event of events) {
    try {
      await listener(event);
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
