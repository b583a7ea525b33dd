import { defineQuery } from '@temporalio/workflow';
import type { CycleStatus } from '../../schemas/cycle';

export const cycleStatusQuery = defineQuery<CycleStatus>('status');
