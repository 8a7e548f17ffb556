import { Inject, Injectable } from '@nestjs/common';
import { count } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { whatsappInstances } from '../database/schema.js';

/** The deployment's instances by status: cross-tenant by nature, so on the system connection. */
@Injectable()
export class InstanceMetricsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.database.systemDb
      .select({ status: whatsappInstances.status, total: count() })
      .from(whatsappInstances)
      .groupBy(whatsappInstances.status);
    return Object.fromEntries(rows.map((row) => [row.status, row.total]));
  }
}
