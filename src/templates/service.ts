// Stored message templates: Liquid parts per channel, checked when saved so a campaign never meets a broken one.
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type CampaignType, templates } from '../db/schema.js';
import { CAMPAIGN_PARTS, campaignParts, checkParts, ContentError } from '../domain/campaign.js';

export interface TemplateView {
  id: string;
  name: string;
  channel: CampaignType;
  parts: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export class TemplateError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Row = typeof templates.$inferSelect;
const view = (r: Row): TemplateView => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  parts: r.parts,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

export type TemplateService = ReturnType<typeof createTemplateService>;

export function createTemplateService(db: Db) {
  /** The parts as the channel needs them; throws a TemplateError naming the part that is missing or does not parse. */
  function checked(channel: CampaignType, name: string, parts: Record<string, string>): Record<string, string> {
    try {
      campaignParts(channel, name, parts);
      checkParts(parts, 'parts');
      return parts;
    } catch (err) {
      if (err instanceof ContentError) throw new TemplateError(err.field.replace(/^content/, 'parts'), err.message.replace(/content/g, 'parts'));
      throw err;
    }
  }

  return {
    parts: CAMPAIGN_PARTS,
    async create(input: { name: string; channel: CampaignType; parts: Record<string, string> }): Promise<TemplateView> {
      const [row] = await db
        .insert(templates)
        .values({ name: input.name, channel: input.channel, parts: checked(input.channel, input.name, input.parts) })
        .returning();
      return view(row!);
    },
    async get(id: string): Promise<TemplateView | null> {
      // Only what the uuid column accepts: anything else is unknown, not a failed query.
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
      const [row] = await db.select().from(templates).where(eq(templates.id, id));
      return row ? view(row) : null;
    },
    async list(): Promise<TemplateView[]> {
      return (await db.select().from(templates).orderBy(desc(templates.createdAt)).limit(1000)).map(view);
    },
  };
}
