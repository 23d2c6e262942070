import type { NotificationJob } from './notification.js';

/** Background jobs on work queues: the queue name and its job payload. */
export interface JobMap {
  notifications: NotificationJob;
}
export type JobQueueName = keyof JobMap;
