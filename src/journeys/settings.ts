// Journeys' own settings (journey_configs.settings), checked when PUT /api/journeys/:key writes a version.
// Apart from the workflows' modules, so workflow code never bundles zod.
import { z } from 'zod';
import type { ActivationSettings } from '../domain/activation.js';
import { tierSettingsSchema } from '../tiers/settings.js';

/** Events that begin or end journeys by themselves: the key action cannot be one of them. */
const NOT_A_KEY_ACTION = ['user_signup', 'unsubscribed'];

export const activationSettingsSchema = z.strictObject({
  activationEvent: z
    // The event types POST /api/events accepts.
    .string()
    .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'must be an event type: lowercase letters, digits, _ . : or -, starting with a letter')
    .refine((type) => !NOT_A_KEY_ACTION.includes(type), { message: 'a signup or an unsubscribe cannot be the key action' }),
});
true satisfies z.infer<typeof activationSettingsSchema> extends ActivationSettings ? true : false;

/** Journeys with settings, and the schema each one's settings must satisfy. */
export const journeySettingsSchemas: Record<string, z.ZodType> = {
  tier_upgrade: tierSettingsSchema,
  activation: activationSettingsSchema,
};
