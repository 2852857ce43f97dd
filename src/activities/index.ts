import type { EmailChannel } from '../channels/email.js';
import type { HttpChannel } from '../channels/http.js';
import type { Db } from '../db/client.js';
import type { Journeys } from '../journeys/index.js';
import { createChurnActivities } from './churn.js';
import { createCouponActivities } from './coupons.js';
import { createCrmActivities } from './crm.js';
import { createFlowActivities } from './flows.js';
import { createJourneyConfigActivities } from './journey-config.js';
import { createMessageActivities } from './messages.js';
import { createTierActivities } from './tiers.js';

export interface ActivityDeps {
  db: Db;
  /** sms and push: the provider (none configured: messages are skipped); webhook: the client for actions' own URLs. */
  channels: { email: EmailChannel; sms?: HttpChannel; push?: HttpChannel; webhook?: HttpChannel };
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
    ...createTierActivities(deps),
    ...createFlowActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
