/** Background jobs on work queues: the queue name and its job payload. */
export interface JobMap {
  'notifications': { template: string; to: string; data: Record<string, unknown> };
}
export type JobQueueName = keyof JobMap;
