import type { EmailChannel } from '../channels/email.js';
import type { Db } from '../db/client.js';
import type { Journeys } from '../journeys/index.js';
import { createChurnActivities } from './churn.js';
import { createCouponActivities } from './coupons.js';
import { createCrmActivities } from './crm.js';
import { createJourneyConfigActivities } from './journey-config.js';
import { createMessageActivities } from './messages.js';

export interface ActivityDeps {
  db: Db;
  channels: { email: EmailChannel };
  config: { brand: string };
  /** Journeys some activities start (the churn sweep). */
  journeys: Pick<Journeys, 'startChurnWinBack'>;
}

/** Every side effect a workflow may cause; built once per worker from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createJourneyConfigActivities(deps),
    ...createCouponActivities(deps),
    ...createMessageActivities(deps),
    ...createCrmActivities(deps),
    ...createChurnActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
