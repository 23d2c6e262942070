import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue } from '@shop/messaging';
import { DeadLettersService } from '../dead-letters/dead-letters.service.js';
import { MailboxService } from '../mailbox/mailbox.service.js';

/**
 * Consumes the notifications queue (render, deliver) and its dead letters
 * (store for the admins), from the app's start. On shutdown it lets the jobs
 * in hand finish and takes no new one: a job that arrives then stays
 * unacknowledged, and the broker hands it to another instance.
 */
@Injectable()
export class NotificationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: JobQueue,
    private readonly mailbox: MailboxService,
    private readonly deadLetters: DeadLettersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.consume('notifications', (job, { envelope }) => this.track(() => this.mailbox.deliver(job, envelope.id)));
    await this.jobs.consumeDeadLetters('notifications', (dead) => this.track(() => this.deadLetters.record(dead)));
  }

  private async track(work: () => Promise<unknown>): Promise<void> {
    if (this.stopping) return new Promise<void>(() => undefined);
    const running = work();
    this.inFlight.add(running);
    try {
      await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }
}
