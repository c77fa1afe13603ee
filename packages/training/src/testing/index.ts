/**
 * The conformance suite of the TrainingEngine brick and the trainers it runs, for every implementation
 * and executor: `trainingConformance({ name, create, capabilities })`.
 *
 * @packageDocumentation
 * @module @mlstack/training/testing
 */

export { checkpointTrainer, conformanceTrainers, echoTrainer, faultyTrainer, inputsTrainer } from "./fixtures.js";
export { type ConformanceSetup, type TrainingConformanceOptions, trainingConformance } from "./training-conformance.js";
