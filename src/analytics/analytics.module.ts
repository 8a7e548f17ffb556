import { Module } from '@nestjs/common';
import { AnalyticsService } from './analytics.service.js';

/** The owner's business figures, read from bookings: for Aurora, her fallback and the daily summary. */
@Module({
  providers: [AnalyticsService],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}
