// The activation journey's settings as workflow code and routing read them. Pure and small: the workflow
// bundle imports it (the default configurations in journey-config.ts stay out of the bundle).

/** The key action of the activation journey unless its settings name another event type. */
export const DEFAULT_ACTIVATION_EVENT = 'order_completed';

/** The activation journey's settings: the event type that counts as the key action. */
export interface ActivationSettings {
  activationEvent: string;
}

/** The key action a stored activation version names (the default when it names none). */
export function activationEventOf(settings: Record<string, unknown> | null | undefined): string {
  const event = settings?.activationEvent;
  return typeof event === 'string' && event.length > 0 ? event : DEFAULT_ACTIVATION_EVENT;
}
