import { Injectable, Logger } from '@nestjs/common';
import { momentOf } from '../ai/offline-menu.pt-br.js';
import { windowOfDates } from '../analytics/analytics-period.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { addDays, localDate, wallClockOf } from '../booking/zoned-time.js';
import { Clock } from '../common/clock.js';
import type { ProactiveKind } from '../database/schema.js';
import { RealtimeGateway } from '../gateway/realtime.gateway.js';
import { OrganizationsRepository, type OrganizationRow } from '../organizations/organizations.repository.js';
import { proactiveSettingsOf } from '../organizations/proactive-settings.js';
import { QueueService } from '../queue/queue.service.js';
import { outboundJobOptions } from '../whatsapp/outbound/outbound.service.js';
import { milestoneReached } from './booking-milestones.js';
import { ALERT_KIND_OF, ProactiveRepository } from './proactive.repository.js';
import { proactiveTexts } from './proactive.pt-br.js';

/**
 * Aurora's own messages to the owner: the daily summary, alerts and
 * celebrations. Each is claimed once per (organization, kind, key) in the
 * database, then queued to every owner number on WhatsApp and published as
 * `aurora:proactive`; only the claimer sends, so replicas and retries never repeat one.
 */
@Injectable()
export class ProactiveService {
  private readonly logger = new Logger('Proactive');

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly organizations: OrganizationsRepository,
    private readonly repository: ProactiveRepository,
    private readonly queues: QueueService,
    private readonly realtime: RealtimeGateway,
    private readonly clock: Clock,
  ) {}

  /** One shop's day (its local date): the summary, the pets' birthdays, a bookings milestone. Returns the kinds sent. */
  async runDay(organizationId: string, date: string): Promise<ProactiveKind[]> {
    const organization = await this.organizations.findById(organizationId);
    if (organization === null) return [];
    const settings = proactiveSettingsOf(organization.settings);
    const sent: ProactiveKind[] = [];
    if (settings.dailySummary && (await this.sendSummary(organization, date))) sent.push('daily_summary');
    if (settings.celebrations) {
      const birthdays = await this.analytics.birthdaysOn(organizationId, date);
      if (birthdays.length > 0) {
        const text = proactiveTexts.birthdays(birthdays);
        const data = { date, pets: birthdays.map(({ petId, pet, species, customer, years }) => ({ petId, pet, species, customer, years })) };
        if (await this.deliver(organization, 'pet_birthday', date, text, data)) sent.push('pet_birthday');
      }
      const milestone = milestoneReached(await this.analytics.bookingCount(organizationId));
      if (milestone !== null && (await this.deliver(organization, 'booking_milestone', String(milestone), proactiveTexts.milestone(milestone), { bookings: milestone }))) {
        sent.push('booking_milestone');
      }
    }
    return sent;
  }

  /** The owner's alert about a booking marked no-show or cancelled; false when off, gone or sent already. */
  async alertBooking(organizationId: string, bookingId: string, status: keyof typeof ALERT_KIND_OF): Promise<boolean> {
    const organization = await this.organizations.findById(organizationId);
    if (organization === null || !proactiveSettingsOf(organization.settings).alerts) return false;
    const booking = await this.repository.bookingDetails(organizationId, bookingId);
    if (booking === null) return false;
    const today = localDate(this.clock.now(), organization.timezone);
    const input = {
      ...booking,
      date: localDate(booking.startsAt, organization.timezone),
      time: momentOf(booking.startsAt, organization.timezone, today).time,
      today,
    };
    const kind = ALERT_KIND_OF[status];
    const text = kind === 'no_show' ? proactiveTexts.noShow(input) : proactiveTexts.cancellation(input);
    const data = { bookingId, status, startsAt: booking.startsAt.toISOString(), service: booking.service, pet: booking.pet, customer: booking.customer };
    return this.deliver(organization, kind, bookingId, text, data);
  }

  /** Today's bookings, yesterday's results and the open handoffs, from the analytics figures. */
  private async sendSummary(organization: OrganizationRow, date: string): Promise<boolean> {
    const timeZone = organization.timezone;
    const [agenda, yesterday, openHandoffs] = await Promise.all([
      this.analytics.agenda(organization.id, windowOfDates(date, addDays(date, 1), timeZone)),
      this.analytics.figuresOf(organization.id, windowOfDates(addDays(date, -1), date, timeZone)),
      this.analytics.openHandoffs(organization.id),
    ]);
    const today = agenda.map((entry) => ({
      time: momentOf(entry.startsAt, timeZone, date).time,
      service: entry.service,
      pet: entry.pet,
      customer: entry.customer,
    }));
    const results = {
      done: yesterday.byStatus.done,
      revenueCents: yesterday.revenueCents,
      noShow: yesterday.byStatus.no_show,
      cancelled: yesterday.byStatus.cancelled,
      total: yesterday.total,
    };
    // Greets for the hour it goes out at: a worker back from an outage sends the morning's summary in the afternoon.
    const hour = wallClockOf(this.clock.now(), timeZone).hour;
    const text = proactiveTexts.dailySummary({ date, hour, today, yesterday: results, openHandoffs });
    return this.deliver(organization, 'daily_summary', date, text, {
      date,
      bookingsToday: today.length,
      yesterday: results,
      openHandoffs,
    });
  }

  private async deliver(organization: OrganizationRow, kind: ProactiveKind, dedupeKey: string, text: string, data: Record<string, unknown>): Promise<boolean> {
    const ownerNumbers = organization.authorizedOwnerNumbers;
    const claimed = await this.repository.claim({ organizationId: organization.id, kind, dedupeKey, text, data, ownerNumbers });
    if (claimed === null) return false;
    for (const messageId of claimed.messageIds) {
      // Stored already: if Redis does not take the job now, the sweeper sends it later.
      await this.queues.tryEnqueue('outbound', 'send', { messageId, organizationId: organization.id }, outboundJobOptions(messageId));
    }
    if (claimed.messageIds.length === 0) {
      this.logger.warn(
        { organizationId: organization.id, kind, ownerNumbers: ownerNumbers.length, instance: claimed.instanceId !== null },
        'proactive message on Socket.IO only: no owner number, or no instance connected or coming back',
      );
    } else {
      this.logger.log({ organizationId: organization.id, kind, recipients: claimed.messageIds.length }, 'proactive message sent');
    }
    this.realtime.publish(organization.id, 'aurora:proactive', {
      kind,
      text,
      instanceId: claimed.instanceId,
      data,
      at: this.clock.now().toISOString(),
    });
    return true;
  }
}
