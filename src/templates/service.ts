// Stored message templates: Liquid parts per channel, checked when saved so a campaign never meets a broken one.
import { desc, eq, and } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ownRows } from '../db/own-rows.js';
import { isUuid } from '../db/sql-helpers.js';
import { type CampaignType, customers, templates } from '../db/schema.js';
import { CAMPAIGN_PARTS, type CampaignContent, campaignParts, channelParts, checkParts } from './parts.js';
import { customerNotFound, DomainError } from '../domain/errors.js';
import { strictVariables } from './render.js';
import { renderInSandbox } from './sandbox.js';
import { customerVars } from './vars.js';
import { recommendationVars } from '../recommendations/message-vars.js';
import { cartSkus } from '../recommendations/template-vars.js';

export interface TemplateView {
  id: string;
  name: string;
  channel: CampaignType;
  parts: Record<string, string>;
  created_at: string;
  updated_at: string;
}

/** A template rendered for one customer, as a message of its channel would carry it. */
export interface TemplatePreview {
  template_id: string;
  channel: CampaignType;
  customer_id: string;
  parts: Record<string, string>;
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

const invalidTemplate = (field: string, message: string) => new DomainError('invalid_template', message, field, 422);
export const templateNotFound = (id: string) => new DomainError('template_not_found', `no template "${id}"`, undefined, 404);

/** `brand`: what templates see as {{ brand }}, the current workspace's (its brand, else BRAND_NAME). */
export function createTemplateService(db: Db, options: { brand: () => Promise<string> }) {
  /** The parts as the channel needs them; throws an invalid_template error naming the part that is missing, does not parse or is over a limit. */
  function checked(channel: CampaignType, name: string, parts: Record<string, string>): Record<string, string> {
    try {
      campaignParts(channel, name, parts);
      checkParts(parts, 'parts');
      return parts;
    } catch (err) {
      // The campaign checks name a campaign's `content`; here the same parts are a template's.
      if (err instanceof DomainError && err.field)
        throw invalidTemplate(err.field.replace(/^content/, 'parts'), err.message.replace(/content/g, 'parts'));
      throw err;
    }
  }

  /** `parts` rendered for one customer with the variables a send gives them (a preview's). */
  async function renderFor(
    parts: Record<string, string>,
    input: { customer_id: string; event?: Record<string, unknown> },
    field: string,
  ): Promise<{ customerId: string; parts: Record<string, string> }> {
    const [customer] = await db
      .select()
      .from(customers)
      .where(and(ownRows(customers), eq(customers.id, input.customer_id)));
    if (!customer || customer.erasedAt) throw customerNotFound(input.customer_id, 'customer_id');
    const base = { brand: await options.brand(), customer: customerVars(customer), ...(input.event ? { event: input.event } : {}) };
    // The lists a send to this customer would carry: the same lookup, the same exclusions.
    const vars = { ...base, ...(await recommendationVars(db, customer.id, parts, cartSkus(base))) };
    // On the sandbox thread: however long the template takes to reach its limits, the API answers meanwhile.
    const result = await renderInSandbox(
      Object.entries(parts).map(([part, source]) => [part, source, part === 'html' ? 'html' : 'text']),
      vars,
      strictVariables(),
    );
    if ('failed' in result) {
      const where = result.failed.part === null ? field : `${field}.${result.failed.part}`;
      throw invalidTemplate(where, `${where} does not render: ${result.failed.message}`);
    }
    return { customerId: customer.id, parts: result.rendered };
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
      if (!isUuid(id)) return null;
      const [row] = await db
        .select()
        .from(templates)
        .where(and(ownRows(templates), eq(templates.id, id)));
      return row ? view(row) : null;
    },
    /**
     * The template rendered for one customer with the variables a send gives it (`customer`, `brand`, the
     * `event` given here as a flow's trigger, and `recommendations*` looked up as the send looks them up): HTML parts escaped, the rest as text. Tracking links and
     * the unsubscribe URL are added per message at send time, so they are not in a preview.
     */
    async preview(id: string, input: { customer_id: string; event?: Record<string, unknown> }): Promise<TemplatePreview> {
      const [template] = isUuid(id)
        ? await db
            .select()
            .from(templates)
            .where(and(ownRows(templates), eq(templates.id, id)))
        : [];
      if (!template) throw templateNotFound(id);
      const parts = campaignParts(template.channel, template.name, template.parts);
      const rendered = await renderFor(parts, input, 'parts');
      return { template_id: template.id, channel: template.channel, customer_id: rendered.customerId, parts: rendered.parts };
    },
    /**
     * A campaign's inline content rendered for one customer, as its send would render it (the dashboard's
     * preview before a trigger); a part that does not render is named under `field` (`content.subject`).
     */
    async previewContent(
      input: {
        channel: CampaignType;
        /** A campaign on several channels: their types in order; the preview is of the first (its `channel`). */
        channels?: CampaignType[];
        name: string;
        content: CampaignContent;
        customer_id: string;
        event?: Record<string, unknown>;
      },
      field = 'content',
    ): Promise<{ customer_id: string; parts: Record<string, string> }> {
      const [first] = channelParts({ type: input.channel, name: input.name, channels: input.channels ?? null }, input.content);
      const several = (input.channels?.length ?? 0) > 1;
      const rendered = await renderFor(first!.parts, input, several ? `${field}.${input.channel}` : field);
      return { customer_id: rendered.customerId, parts: rendered.parts };
    },
    async list(): Promise<TemplateView[]> {
      return (await db.select().from(templates).where(ownRows(templates)).orderBy(desc(templates.createdAt)).limit(1000)).map(view);
    },
  };
}
