// The workflow bundle's entry point: every workflow type longhaul registers.
export { projectWorkflow } from './projectWorkflow';
export { cycleWorkflow } from './cycleWorkflow';
export { plannerWorkflow } from './plannerWorkflow';
export { mergeQueueWorkflow } from './mergeQueueWorkflow';
