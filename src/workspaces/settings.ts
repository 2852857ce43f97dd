// What one business sets apart from the installation's defaults (the environment, src/env.ts). Every field
// is optional: what a workspace leaves out, the installation decides (src/workspaces/effective-settings.ts
// merges the two, and is what the rest of the code reads). RFM and segment settings are kept by customer
// intelligence (GET/PUT /api/ai-ops/customer/settings), per workspace like every row.
import { z } from '@hono/zod-openapi';
import { isKnownTimeZone } from '../domain/local-time.js';
import { parseQuietHours } from '../domain/quiet-hours.js';

/**
 * The one check a provider URL a workspace saves must pass (PUT /api/settings), or what is wrong with it:
 * an absolute http(s) URL. Checks on where it points (no private or loopback addresses) belong here too.
 */
export function providerUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must start with http:// or https://';
  return null;
}

const providerUrl = z
  .string()
  .max(2000)
  .superRefine((url, ctx) => {
    const problem = providerUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const secret = z.string().min(16).max(500).openapi({ description: 'Signs requests to the provider (HMAC-SHA256, X-Touchpoint-Signature)' });

/** SMS, push, WeChat: the workspace's own provider, URL and secret together (an unsigned request is one anybody could send). */
const providerSchema = z
  .object({ url: providerUrl, secret })
  .strict()
  .openapi({ description: "The workspace's own provider: its messages on this channel go there, signed with this secret" });

const costSchema = z.number().nonnegative().max(1000);

export const workspaceSettingsSchema = z
  .object({
    brand: z.string().min(1).max(200).optional().openapi({ description: 'The brand templates name ({{ brand }})' }),
    mail_from: z
      .string()
      .min(3)
      .max(320)
      .optional()
      .openapi({ description: "The From header of the workspace's email", example: 'Shop A <hello@shop-a.example>' }),
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
    default_time_zone: z
      .string()
      .min(1)
      .max(64)
      .refine(isKnownTimeZone, 'not a time zone this runtime knows (e.g. Europe/Berlin)')
      .optional()
      .openapi({ description: 'The zone of customers without one on their profile (quiet hours)' }),
    caps: z
      .object({ day: z.number().int().min(0).max(1000).optional(), week: z.number().int().min(0).max(10_000).optional() })
      .strict()
      .optional()
      .openapi({ description: 'Marketing messages per customer per rolling 24 h and 7 days (0: no cap)' }),
    cap_mode: z.enum(['defer', 'skip']).optional(),
    providers: z
      .object({
        sms: providerSchema.optional(),
        push: providerSchema.optional(),
        wechat: providerSchema.optional(),
        social: providerSchema
          .optional()
          .openapi({ description: "Where the workspace's social posts are published (POST, signed): see /api/social/posts" }),
        // Webhooks go to each action's or campaign's own URL: only the signing secret is the workspace's.
        webhook: z.object({ secret }).strict().optional(),
      })
      .strict()
      .optional(),
    gift_webhook: providerSchema
      .optional()
      .openapi({ description: 'Where each new gift (a tier reward) is announced: a signed POST `{ type: "gift.created", gift }`' }),
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
