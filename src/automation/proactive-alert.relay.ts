import { Injectable, type OnModuleInit } from '@nestjs/common';
import { BookingsService } from '../booking/bookings.service.js';
import { QueueService } from '../queue/queue.service.js';
import { automationJobOptions, bookingAlertJobId } from './automation-jobs.js';

/**
 * Turns a booking marked no-show or cancelled (by staff, the API or the
 * assistant) into an alert job, after the change is committed. In every
 * process that changes bookings; if Redis misses the job, the next tick finds
 * the change in booking_events and enqueues it.
 */
@Injectable()
export class ProactiveAlertRelay implements OnModuleInit {
  constructor(
    private readonly bookings: BookingsService,
    private readonly queues: QueueService,
  ) {}

  onModuleInit(): void {
    this.bookings.onStatusChange(async ({ organizationId, booking }) => {
      if (booking.status !== 'no_show' && booking.status !== 'cancelled') return;
      const payload = { organizationId, bookingId: booking.id, status: booking.status };
      // Not awaited: the change may come inside a customer's conversation turn, which
      // must not wait up to tryEnqueue's timeout on a slow Redis when the tick recovers
      // a missed alert anyway. tryEnqueue never throws, so nothing goes unhandled.
      void this.queues.tryEnqueue('automation', 'booking-alert', payload, automationJobOptions(bookingAlertJobId(booking.id, booking.status)));
    });
  }
}
