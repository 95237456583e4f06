/** Webhook deliveries of finished jobs, logged, and awaited (for a while) at shutdown. */
import type { Job } from '../../store/index.js';
import { jobStatusView } from '../job-view.js';
import type { Logger } from '../logger.js';
import { deliverWebhook, type WebhookOptions } from '../webhook.js';

export class WebhookDeliveries {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #logger: Logger;
  readonly #options: WebhookOptions | undefined;

  constructor(logger: Logger, options: WebhookOptions | undefined) {
    this.#logger = logger;
    this.#options = options;
  }

  /** POSTs the finished job to its webhook, if it has one. */
  deliver(job: Job): void {
    const finished = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
    if (!finished || !job.webhookUrl) return;
    const delivery = deliverWebhook(job.webhookUrl, job.id, jobStatusView(job), {
      ...this.#options,
      onResult: (r) => {
        this.#options?.onResult?.(r);
        const log = { jobId: r.jobId, attempts: r.attempts, status: r.status, error: r.error };
        if (r.ok) this.#logger.debug(log, 'webhook delivered');
        else this.#logger.warn(log, 'webhook delivery failed');
      },
    });
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }

  /** Waits for deliveries under way, at most `ms`. */
  async settle(ms: number): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((r) => setTimeout(r, ms).unref()),
    ]);
  }
}
