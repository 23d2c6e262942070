import { randomUUID } from 'node:crypto';
import type { ReservationLine, ReservationView } from '@shop/contracts';
import fc from 'fast-check';

/**
 * The reservation race of issue 4, shared by the SQLite (test/catalog) and
 * MariaDB (test/cluster) tests: far more concurrent orders than units, from
 * many parallel clients, then invariants checked on what the database holds.
 */

export interface StockRow {
  productId: string;
  onHand: number;
  reserved: number;
  /** Sum of the RESERVED reservation lines of the product, read in the same consistent snapshot. */
  reservedLines: number;
}

export interface ReservationRow {
  orderId: string;
  productId: string;
  quantity: number;
  status: string;
}

export interface MovementRow {
  orderId: string | null;
  onHandDelta: number;
  reservedDelta: number;
}

export interface ReservationTarget {
  /** Reserves through one of the target's parallel clients (`client` picks which). */
  reserve(client: number, orderId: string, lines: ReservationLine[]): Promise<ReservationView>;
  /** Committed state only: a separate connection, never one inside an open transaction. */
  stock(productIds: string[]): Promise<StockRow[]>;
  reservations(productIds: string[]): Promise<ReservationRow[]>;
  movements(productId: string): Promise<MovementRow[]>;
  /** Creates a product with that much stock on hand; returns its id. */
  createProduct(name: string, stock: number): Promise<string>;
}

export interface ScenarioOptions {
  orders: number;
  concurrency: number;
  clients: number;
  /** Orders that are sent twice at the same time (same id, same lines). */
  duplicates: number;
}

type Kind = 'scarce' | 'both' | 'both-reversed' | 'plenty';
interface GeneratedOrder {
  kind: Kind;
  q1: number;
  q2: number;
}

/** An order mix: mostly orders for the scarce product, many of them two-line orders with the plentiful one. */
export const orderMix = (size: number) =>
  fc.record({
    scarceStock: fc.integer({ min: 20, max: 60 }),
    orders: fc.array(
      fc.record({
        kind: fc.constantFrom<Kind>('scarce', 'scarce', 'both', 'both-reversed', 'plenty'),
        q1: fc.integer({ min: 1, max: 3 }),
        q2: fc.integer({ min: 1, max: 3 }),
      }),
      { minLength: size, maxLength: size },
    ),
  }).map((mix) =>
    // A failure prints a summary, not 300 orders.
    Object.assign(mix, {
      [fc.toStringMethod]: () => `${mix.scarceStock} scarce units, ${mix.orders.length} orders (${mix.orders.filter((o) => o.kind !== 'plenty').length} ask for scarce units)`,
    }),
  );

export interface ScenarioResult {
  accepted: number;
  rejected: number;
  scarceReservedAfterRace: number;
  scarceStock: number;
}

/** Runs `tasks` with at most `concurrency` of them in flight. */
async function pool<T>(tasks: Array<() => Promise<T>>, concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

function linesOf(o: GeneratedOrder, scarce: string, plenty: string): ReservationLine[] {
  switch (o.kind) {
    case 'scarce':
      return [{ productId: scarce, quantity: o.q1 }];
    case 'plenty':
      return [{ productId: plenty, quantity: o.q1 }];
    case 'both':
      return [
        { productId: plenty, quantity: o.q2 },
        { productId: scarce, quantity: o.q1 },
      ];
    case 'both-reversed':
      return [
        { productId: scarce, quantity: o.q1 },
        { productId: plenty, quantity: o.q2 },
      ];
  }
}

const errorCode = (err: unknown) => (err as { code?: string })?.code ?? (err instanceof Error ? err.message : String(err));

/**
 * One run: a plentiful product (created first, so its lines are updated first
 * in a transaction that must then roll back) and a scarce one with
 * `scarceStock` units; the generated orders race; then a top-up wave of
 * single-unit orders takes what is left. Throws (via expect) on any violation.
 */
export async function runReservationRace(target: ReservationTarget, mix: { scarceStock: number; orders: GeneratedOrder[] }, opts: ScenarioOptions): Promise<ScenarioResult> {
  const tag = randomUUID().slice(0, 8);
  const plentyStock = 10_000;
  const plenty = await target.createProduct(`Plenty ${tag}`, plentyStock);
  const scarce = await target.createProduct(`Scarce ${tag}`, mix.scarceStock);
  const ids = [plenty, scarce];

  const orders = mix.orders.map((o) => ({ orderId: randomUUID(), lines: linesOf(o, scarce, plenty) }));
  // Some orders go out twice at once (one right after the other): a retried request must not reserve twice.
  const submissions = orders.flatMap((o, i) => (i < opts.duplicates ? [o, o] : [o]));
  const violations: string[] = [];
  const outcomes = new Map<string, { ok: ReservationView[]; errors: string[] }>();

  /** Available never below zero, and the stock's reserved column always equals its RESERVED lines. */
  const checkInvariants = async (when: string) => {
    for (const row of await target.stock(ids)) {
      if (row.onHand - row.reserved < 0) violations.push(`${when}: available ${row.onHand - row.reserved} < 0 for ${row.productId}`);
      if (row.reserved !== row.reservedLines) violations.push(`${when}: reserved ${row.reserved} != RESERVED lines ${row.reservedLines} for ${row.productId}`);
    }
  };

  let step = 0;
  const tasks = submissions.map((o, i) => async () => {
    const outcome = outcomes.get(o.orderId) ?? { ok: [], errors: [] };
    outcomes.set(o.orderId, outcome);
    try {
      outcome.ok.push(await target.reserve(i % opts.clients, o.orderId, o.lines));
    } catch (err) {
      outcome.errors.push(errorCode(err));
    }
    await checkInvariants(`after step ${++step}`);
  });
  await pool(tasks, opts.concurrency);
  await checkInvariants('after the race');
  expect(violations).toEqual([]);

  // Every refusal is the domain's "not enough stock", never a deadlock or a driver error.
  const errorCodes = [...outcomes.values()].flatMap((o) => o.errors);
  expect(errorCodes.filter((c) => c !== 'STOCK.INSUFFICIENT')).toEqual([]);
  // A duplicate submission answers like the first: both accepted (same reservation) or both refused.
  for (const o of orders.slice(0, opts.duplicates)) {
    const outcome = outcomes.get(o.orderId)!;
    expect({ orderId: o.orderId, accepted: outcome.ok.length, refused: outcome.errors.length }).toSatisfy(
      (x: { accepted: number; refused: number }) => (x.accepted === 2 && x.refused === 0) || (x.accepted === 0 && x.refused === 2),
    );
    if (outcome.ok.length === 2) expect(outcome.ok[1]).toEqual(outcome.ok[0]);
  }

  const accepted = orders.filter((o) => outcomes.get(o.orderId)!.ok.length > 0);
  const rejected = orders.filter((o) => outcomes.get(o.orderId)!.ok.length === 0);
  const wanted = (productId: string, list: typeof orders) => list.flatMap((o) => o.lines).filter((l) => l.productId === productId).reduce((n, l) => n + l.quantity, 0);

  const [plentyRow, scarceRow] = await target.stock(ids).then((rows) => ids.map((id) => rows.find((r) => r.productId === id)!));
  // Exactly the accepted orders' units are reserved, on both products; on hand untouched by reservations.
  expect({ plenty: plentyRow!.reserved, scarce: scarceRow!.reserved }).toEqual({ plenty: wanted(plenty, accepted), scarce: wanted(scarce, accepted) });
  expect({ plenty: plentyRow!.onHand, scarce: scarceRow!.onHand }).toEqual({ plenty: plentyStock, scarce: mix.scarceStock });
  expect(scarceRow!.reserved).toBeLessThanOrEqual(mix.scarceStock);
  // Far more was asked for than there was.
  expect(wanted(scarce, orders)).toBeGreaterThan(2 * mix.scarceStock);

  // All or nothing: reservation rows are exactly the accepted orders' lines; a refused order left no row at all.
  const rows = await target.reservations(ids);
  const key = (r: { orderId: string; productId: string; quantity: number }) => `${r.orderId}/${r.productId}/${r.quantity}`;
  expect(rows.map(key).sort()).toEqual(accepted.flatMap((o) => o.lines.map((l) => key({ orderId: o.orderId, ...l }))).sort());
  expect(rows.every((r) => r.status === 'RESERVED')).toBe(true);

  // Stock only goes down during the race, so every refused order must really not fit now.
  const availableNow = new Map([plentyRow!, scarceRow!].map((r) => [r.productId, r.onHand - r.reserved]));
  for (const o of rejected) expect({ orderId: o.orderId, lines: o.lines, fits: o.lines.every((l) => l.quantity <= availableNow.get(l.productId)!) }).toMatchObject({ fits: false });

  // The plentiful product's history holds one movement per accepted order and nothing from refused ones.
  const plentyMoves = (await target.movements(plenty)).filter((m) => m.orderId);
  expect(plentyMoves.map((m) => `${m.orderId}/${m.reservedDelta}`).sort()).toEqual(
    accepted.flatMap((o) => o.lines.filter((l) => l.productId === plenty).map((l) => `${o.orderId}/${l.quantity}`)).sort(),
  );

  // Top-up wave: single units, more than are left; afterwards exactly the stock is reserved.
  const left = mix.scarceStock - scarceRow!.reserved;
  const topUp = Array.from({ length: left + 30 }, () => ({ orderId: randomUUID(), lines: [{ productId: scarce, quantity: 1 }] }));
  const topUpResults = await pool(
    topUp.map((o, i) => async () => {
      const ok = await target.reserve(i % opts.clients, o.orderId, o.lines).then(
        () => true,
        (err: unknown) => {
          if (errorCode(err) !== 'STOCK.INSUFFICIENT') violations.push(`top-up ${o.orderId}: ${errorCode(err)}`);
          return false;
        },
      );
      await checkInvariants('during the top-up');
      return ok;
    }),
    opts.concurrency,
  );
  expect(violations).toEqual([]);
  expect(topUpResults.filter(Boolean)).toHaveLength(left);
  const final = (await target.stock([scarce]))[0]!;
  expect(final).toEqual({ productId: scarce, onHand: mix.scarceStock, reserved: mix.scarceStock, reservedLines: mix.scarceStock });

  return { accepted: accepted.length, rejected: rejected.length, scarceReservedAfterRace: scarceRow!.reserved, scarceStock: mix.scarceStock };
}
