import { MlstackError } from "@mlstack/core";
import { type AnyTrainer, isTrainer } from "@mlstack/training";

/**
 * Imports modules and collects the trainers they export: what a worker's entry module passes to
 * {@link createBullmqWorker} as `trainers`.
 */
export async function importTrainers(modules: readonly string[]): Promise<AnyTrainer[]> {
  const trainers: AnyTrainer[] = [];
  for (const module of modules) {
    let exports: Record<string, unknown>;
    try {
      exports = (await import(module)) as Record<string, unknown>;
    } catch (cause) {
      throw new MlstackError("INVALID_ARGUMENT", `cannot import trainer module ${module}`, { cause });
    }
    for (const value of Object.values(exports)) if (isTrainer(value)) trainers.push(value);
  }
  return trainers;
}
