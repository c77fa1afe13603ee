// A small synthetic churn table with a known signal: short tenure, high spend and many support calls
// make churn likelier. Generated from a seed, so every backend receives the same rows.
import { createRandom } from "@mlstack/core";
import { z } from "zod";

/** One customer snapshot: the profile at `profile_time`, and whether they churned by `observed_at`. */
export const customerSchema = z.object({
  customer_id: z.number().int().nonnegative(),
  /** When the profile was measured (epoch ms): the features' event time. */
  profile_time: z.number().int(),
  /** When churn was observed (epoch ms): the training row's point in time, after the profile. */
  observed_at: z.number().int(),
  tenure_months: z.number().min(0),
  monthly_spend: z.number().positive(),
  support_calls: z.number().int().min(0),
  churned: z.union([z.literal(0), z.literal(1)]),
});

/** A customer snapshot. */
export type Customer = z.infer<typeof customerSchema>;

/** The first profile time: 2026-01-01T00:00:00Z. */
export const START = Date.UTC(2026, 0, 1);

/** `count` customers from `seed`, one profile a minute from {@link START}. */
export function generateCustomers(count: number, seed = 42): Customer[] {
  const random = createRandom(seed);
  const customers: Customer[] = [];
  for (let i = 0; i < count; i++) {
    const tenure = Math.round(random.next() * 72 * 10) / 10;
    const spend = Math.round((20 + random.next() * 100) * 100) / 100;
    const calls = random.int(0, 8);
    const logit = 0.4 - 0.06 * tenure + 0.015 * (spend - 70) + 0.45 * (calls - 2);
    const churned = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const profileTime = START + i * 60_000;
    customers.push({
      customer_id: 1000 + i,
      profile_time: profileTime,
      observed_at: profileTime + 30 * 86_400_000,
      tenure_months: tenure,
      monthly_spend: spend,
      support_calls: calls,
      churned,
    });
  }
  return customers;
}
