import { Inject, Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { organizationMembers } from '../database/schema.js';

@Injectable()
export class MembersRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** The organizations a Supabase user belongs to; read before any organization is known. */
  async organizationsOf(userId: string): Promise<string[]> {
    const rows = await this.database.systemDb
      .select({ organizationId: organizationMembers.organizationId })
      .from(organizationMembers)
      .where(eq(organizationMembers.userId, userId));
    return rows.map((row) => row.organizationId);
  }
}
