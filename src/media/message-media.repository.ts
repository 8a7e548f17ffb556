import { Inject, Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { messages } from '../database/schema.js';

/** What the media route needs of a message: where its bytes are, or why they are not. */
export interface MessageMedia {
  type: string;
  mediaRef: string | null;
  mediaMimetype: string | null;
  error: string | null;
}

@Injectable()
export class MessageMediaRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** The message's media columns, or null when the organization has no such message (RLS hides the others). */
  async find(organizationId: string, messageId: string): Promise<MessageMedia | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .select({ type: messages.type, mediaRef: messages.mediaRef, mediaMimetype: messages.mediaMimetype, error: messages.error })
        .from(messages)
        .where(eq(messages.id, messageId)),
    );
    return row ?? null;
  }
}
