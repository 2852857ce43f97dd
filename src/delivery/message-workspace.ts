import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages } from '../db/schema.js';
import { asInstallation } from '../db/workspace.js';

/**
 * The workspace of a message named by its id alone (a tracking or unsubscribe link), or null when there is
 * no such message. The one lookup across workspaces a link makes; what it then does, it does in that one.
 */
export function workspaceOfMessage(db: Db, messageId: string): Promise<string | null> {
  return asInstallation(async () => {
    const [row] = await db.select({ workspaceId: messages.workspaceId }).from(messages).where(eq(messages.id, messageId)).limit(1);
    return row?.workspaceId ?? null;
  });
}
