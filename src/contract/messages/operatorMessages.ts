import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * Operator signals. Project, cycle and planner workflows all accept them, each for its own subtree,
 * so an operator can steer one area from the Web UI alone.
 */
export const SteerInput = z.object({ instruction: z.string().trim().min(1).max(4_000) }).strict();
export type SteerInput = z.infer<typeof SteerInput>;

export const pauseSignal = defineSignal<[]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const steerSignal = defineSignal<[SteerInput]>('steer');
export const stopSignal = defineSignal<[]>('stop');
