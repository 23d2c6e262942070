/** Reads one gauge from an app's Prometheus /metrics text. */
export async function scrapeGauge(url: string, name: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return Number.NaN;
    const text = await res.text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * prom-client's event-loop delay gauges come from a histogram that is reset
 * at every scrape, so a scrape before a run resets it and one after reads the
 * run's own p99.
 */
export const EVENT_LOOP_P99 = 'nodejs_eventloop_lag_p99_seconds';
