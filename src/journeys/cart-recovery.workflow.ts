import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { type Cart, cartFromProperties } from './cart.js';
import { type ConfiguredStart, exitSignal, journeyEventSignal, type JourneyResult, JourneyRun, statusQuery } from '../steps/steps.js';

const { cartWasOrdered } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export interface CartRecoveryInput extends ConfiguredStart {
  customerId: string;
  cart: Cart;
}

/**
 * Cart recovery, one run per cart: a reminder after 1 h, a coupon after 24 h, a call from sales
 * after 72 h. An order for the cart ends it at once; a changed cart restarts the clock with the new items;
 * an emptied cart ends it.
 */
export async function cartRecovery(input: CartRecoveryInput): Promise<JourneyResult> {
  const run = new JourneyRun('cart_recovery', input.customerId);
  let cart = input.cart;
  setHandler(statusQuery, () => run.status());
  setHandler(exitSignal, ({ reason }) => run.exit(reason));
  setHandler(journeyEventSignal, (event) => {
    if (!run.accept(event)) return;
    if (event.type === 'order_completed') run.exit('purchased');
    if (event.type === 'cart_updated') {
      const updated = cartFromProperties(event.properties);
      if (!updated || updated.items.length === 0) return run.exit('cart_emptied');
      cart = updated;
      run.restartClock();
    }
  });

  if (!(await run.load(input))) return { outcome: 'disabled', steps: [] };
  // The order may have arrived before the abandonment did (events travel out of order).
  if (await cartWasOrdered(input.customerId, cart.id)) run.exit('purchased');
  await run.runSteps(() => ({ cart }));
  return run.result();
}
