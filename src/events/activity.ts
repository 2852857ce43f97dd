// What counts as a sign of life for the churn win-back journey. Pure, so both the API (routing) and
// workflow code can use it.

/** Event types that show the customer is active, whatever their properties. */
export const ACTIVITY_EVENT_TYPES: ReadonlySet<string> = new Set([
  'login',
  'page_view',
  'order_completed',
  'cart_updated',
  'cart_abandoned',
  'user_signup',
  'app_open',
]);

/**
 * True for an event that restarts the customer's inactivity clock: one of the activity types, or any
 * event a producer marks with `properties.activity: true`. `activity: false` opts an event of an
 * activity type out (e.g. a page view by a monitoring robot signed in as the customer).
 */
export function isActivity(event: { type: string; properties?: Record<string, unknown> }): boolean {
  const flag = event.properties?.activity;
  if (typeof flag === 'boolean') return flag;
  return ACTIVITY_EVENT_TYPES.has(event.type);
}

/**
 * Each customer's latest activity in a batch of events (epoch ms): an event's own time as its producer
 * stamped it, or `now` for an event without one.
 */
export function latestActivity(
  batch: ReadonlyArray<{ type: string; customerId: string; timestamp?: string; properties?: Record<string, unknown> }>,
  now: number,
): Map<string, number> {
  const latest = new Map<string, number>();
  for (const event of batch) {
    if (!isActivity(event)) continue;
    const at = event.timestamp ? Date.parse(event.timestamp) : now;
    if (at > (latest.get(event.customerId) ?? -Infinity)) latest.set(event.customerId, at);
  }
  return latest;
}
