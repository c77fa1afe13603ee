// A synthetic loan-default data set with a known signal: the default probability is a logistic function
// of the applicant's features with fixed coefficients, so a trained model should recover an AUC well above
// chance. `shift` moves the population (a downturn: lower incomes, more debt, lower scores) for the drift step.
import type { Random } from "@mlstack/core";
import { z } from "zod";

/** The feature columns, in model order. */
export const FEATURES = ["income", "loan_amount", "credit_score", "debt_ratio", "age"] as const;

/** One loan application as committed to the DataEngine: the applicant's profile and the outcome. */
export const loanSchema = z.object({
  applicant_id: z.number().int().nonnegative(),
  /** When the profile was recorded (the feature's event time). */
  profile_time: z.number().int(),
  /** When the loan was applied for (the training label's time). */
  applied_at: z.number().int(),
  income: z.number().positive(),
  loan_amount: z.number().positive(),
  credit_score: z.number().min(300).max(850),
  debt_ratio: z.number().min(0).max(1.5),
  age: z.number().int().min(18).max(90),
  defaulted: z.union([z.literal(0), z.literal(1)]),
});

/** A loan application row. */
export type Loan = z.infer<typeof loanSchema>;

const DAY = 86_400_000;

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/** The true log-odds of default: what the trainer should find. */
export function defaultLogit(l: Pick<Loan, (typeof FEATURES)[number]>): number {
  return (
    -2 -
    0.012 * (l.credit_score - 680) +
    3 * (l.debt_ratio - 0.35) +
    2.5 * (l.loan_amount / l.income - 0.3) -
    0.01 * (l.age - 40)
  );
}

/** Generates `count` applications with ids from `firstId`, applied within 30 days after `start`. */
export function generateLoans(
  random: Random,
  options: { count: number; firstId: number; start: number; shift?: boolean },
): Loan[] {
  const shift = options.shift === true;
  const rows: Loan[] = [];
  for (let i = 0; i < options.count; i++) {
    const age = random.int(21, 70);
    const income = Math.round(Math.exp(10.9 + 0.45 * random.normal()) * (shift ? 0.7 : 1));
    const loanAmount = Math.round(income * (0.1 + 0.5 * random.next()));
    const creditScore = Math.round(clamp(680 - (shift ? 45 : 0) + 60 * random.normal(), 300, 850));
    const debtRatio = Number(clamp(0.35 + (shift ? 0.2 : 0) + 0.12 * random.normal(), 0, 1.5).toFixed(4));
    const appliedAt = options.start + random.int(0, 30 * DAY);
    const features = { income, loan_amount: loanAmount, credit_score: creditScore, debt_ratio: debtRatio, age };
    const p = 1 / (1 + Math.exp(-defaultLogit(features)));
    rows.push({
      applicant_id: options.firstId + i,
      profile_time: appliedAt - random.int(1, 14) * DAY,
      applied_at: appliedAt,
      ...features,
      defaulted: random.next() < p ? 1 : 0,
    });
  }
  return rows;
}
