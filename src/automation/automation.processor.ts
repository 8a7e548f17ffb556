import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import type { JobName, JobPayload } from '../queue/queues.js';
import { QueueService } from '../queue/queue.service.js';
import { automationJobOptions, bookingAlertJobId } from './automation-jobs.js';
import { ProactiveRepository } from './proactive.repository.js';
import { ProactiveService } from './proactive.service.js';

/** How far back the tick looks for alerts whose job was lost. */
const ALERT_SWEEP_WINDOW_MS = 24 * 3600_000;
const ALERT_SWEEP_BATCH = 500;

/** Aurora's proactive jobs: the tick fans out to the shops' days, which send; alerts send on their own. */
@Processor('automation')
export class AutomationProcessor extends LoggedWorkerHost {
  constructor(
    private readonly proactive: ProactiveService,
    private readonly repository: ProactiveRepository,
    private readonly queues: QueueService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as JobName<'automation'>) {
      case 'tick':
        return this.tick(job.data as JobPayload<'automation', 'tick'>);
      case 'daily': {
        const { organizationId, date } = job.data as JobPayload<'automation', 'daily'>;
        return { sent: await this.proactive.runDay(organizationId, date) };
      }
      case 'booking-alert': {
        const { organizationId, bookingId, status } = job.data as JobPayload<'automation', 'booking-alert'>;
        return { sent: await this.proactive.alertBooking(organizationId, bookingId, status) };
      }
      default:
        throw new Error(`unknown automation job ${job.name}`);
    }
  }

  /** The shops whose summary hour came (at the slot's instant, so a late tick decides as it would have on time), and lost alerts. */
  private async tick({ slot }: JobPayload<'automation', 'tick'>): Promise<{ days: number; alerts: number }> {
    const at = new Date(slot);
    const due = await this.repository.dueForDailyRun(at);
    // Requeue, not enqueue: a day or alert whose job failed for good keeps its id in
    // Redis, so a plain add would be a no-op and it would never be retried; and a
    // Redis that is down must not abort the rest of the tick (the next tick retries).
    for (const { organizationId, date } of due) {
      await this.queues.tryRequeue('automation', 'daily', { organizationId, date }, automationJobOptions(`daily-${organizationId}-${date}`));
    }
    const lost = await this.repository.alertsNotSent(new Date(at.getTime() - ALERT_SWEEP_WINDOW_MS), ALERT_SWEEP_BATCH);
    for (const alert of lost) {
      await this.queues.tryRequeue('automation', 'booking-alert', alert, automationJobOptions(bookingAlertJobId(alert.bookingId, alert.status)));
    }
    if (due.length > 0 || lost.length > 0) this.logger.log({ slot, days: due.length, alerts: lost.length }, 'automation tick');
    return { days: due.length, alerts: lost.length };
  }
}
