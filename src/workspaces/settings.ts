// What one business sets apart from the installation's defaults (the environment, src/env.ts). Every field
// is optional: what a workspace leaves out, the installation decides. RFM and segment settings are kept by
// customer intelligence (GET/PUT /api/ai-ops/customer/settings), per workspace like every row.
import { z } from '@hono/zod-openapi';
import { parseQuietHours } from '../delivery/pacing.js';

const providerSchema = z
  .object({
    url: z.string().url().max(2000).optional(),
    secret: z.string().min(16).max(500).optional().openapi({ description: 'Signs requests to the provider (HMAC)' }),
  })
  .strict();

const costSchema = z.number().nonnegative().max(1000);

export const workspaceSettingsSchema = z
  .object({
    brand: z.string().min(1).max(200).optional().openapi({ description: 'The brand templates name ({{ brand }})' }),
    mail_from: z.string().min(3).max(320).optional().openapi({ example: 'Shop A <hello@shop-a.example>' }),
    quiet_hours: z
      .string()
      .max(20)
      .refine((v) => {
        try {
          parseQuietHours(v);
          return true;
        } catch {
          return false;
        }
      }, 'must be a window like "21:00-08:00", or "off"')
      .optional(),
    default_time_zone: z.string().min(1).max(64).optional(),
    caps: z
      .object({ day: z.number().int().min(0).max(1000).optional(), week: z.number().int().min(0).max(10_000).optional() })
      .strict()
      .optional(),
    cap_mode: z.enum(['defer', 'skip']).optional(),
    providers: z
      .object({
        sms: providerSchema.optional(),
        push: providerSchema.optional(),
        wechat: providerSchema.optional(),
        webhook: providerSchema.optional(),
      })
      .strict()
      .optional(),
    channel_costs: z
      .object({
        email: costSchema.optional(),
        sms: costSchema.optional(),
        push: costSchema.optional(),
        wechat: costSchema.optional(),
        webhook: costSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('WorkspaceSettings');

export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;
