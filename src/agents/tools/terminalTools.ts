import { z } from 'zod';
import { PlanProposal } from '../../schemas/plan';
import { VerdictProposal } from '../../schemas/verdict';
import { parseToolArguments, ToolError } from './toolTypes';

/**
 * The tool that ends a role's run: its arguments are the role's result. A call that does not validate
 * goes back to the model as a tool error and the run goes on.
 */
export interface TerminalTool<T> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType;
  /** The validated result, or a ToolError explaining what to fix. */
  accept(args: unknown): T;
}

export function defineTerminalTool<S extends z.ZodType>(def: {
  name: string;
  description: string;
  input: S;
  /** Rules beyond the schema; returns a message for the model when the value is not acceptable. */
  check?: (value: z.infer<S>) => string | undefined;
}): TerminalTool<z.infer<S>> {
  return {
    name: def.name,
    description: def.description,
    inputSchema: def.input,
    accept(args: unknown): z.infer<S> {
      const value = parseToolArguments(def.input, args);
      const problem = def.check?.(value);
      if (problem !== undefined) throw new ToolError(problem);
      return value;
    },
  };
}

export interface SubmitPlanRules {
  canSpawnSubplanners: boolean;
}

/** Files listed by more than one task of the same plan: those workers would collide. */
function overlappingFiles(plan: PlanProposal): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const task of plan.tasks) {
    for (const file of new Set((task.files ?? []).map((f) => f.trim().replace(/^\.\//, '')))) {
      const first = owner.get(file);
      if (first !== undefined) problems.push(`"${file}" is listed by both "${first}" and "${task.title}"`);
      else owner.set(file, task.title);
    }
  }
  return problems;
}

export function submitPlanTool(rules: SubmitPlanRules): TerminalTool<PlanProposal> {
  return defineTerminalTool({
    name: 'submit_plan',
    description:
      'Submit this planning step and end your turn. tasks: independent work items, each owned by one worker in ' +
      'its own copy of the repository (touching disjoint files). subplanners: large areas handed to their own ' +
      'planner. done: true only when your area\'s goal is met and nothing remains (then tasks and subplanners are empty).',
    input: PlanProposal,
    check(plan) {
      if (plan.done && (plan.tasks.length > 0 || plan.subplanners.length > 0)) {
        return 'done: true means nothing remains to do, so tasks and subplanners must be empty. Submit the work with done: false, and declare done in a later step once the results show the goal is met.';
      }
      if (!rules.canSpawnSubplanners && plan.subplanners.length > 0) {
        return 'you cannot spawn sub-planners at this depth; split the work into tasks instead (subplanners must be []).';
      }
      const overlaps = overlappingFiles(plan);
      if (overlaps.length > 0) {
        return `tasks must touch disjoint files so parallel workers do not collide: ${overlaps.join('; ')}. Merge those tasks or move the shared change into one of them.`;
      }
      return undefined;
    },
  });
}

export const FinishTaskInput = z.object({
  summary: z
    .string()
    .trim()
    .min(1)
    .max(4_000)
    .describe('What you changed and how you verified it; for blocked, what stops you and what would unblock it.'),
  outcome: z.enum(['done', 'blocked']),
});
export type FinishTaskInput = z.infer<typeof FinishTaskInput>;

export const finishTaskTool: TerminalTool<FinishTaskInput> = defineTerminalTool({
  name: 'finish_task',
  description:
    'End your work on the task. outcome "done" when the change is complete and verified; "blocked" when it cannot be ' +
    'completed (say why). Your working copy is committed as it is when you call this.',
  input: FinishTaskInput,
});

export const submitVerdictTool: TerminalTool<VerdictProposal> = defineTerminalTool({
  name: 'submit_verdict',
  description:
    'Submit your verdict on the cycle and end the review. verdict: "done" (goal met), "continue" (another cycle ' +
    'should run; give next_focus), or "abandon" (the goal cannot be reached). reasons: the evidence.',
  input: VerdictProposal,
  check(verdict) {
    if (verdict.verdict === 'continue' && (verdict.next_focus ?? '').trim() === '') {
      return 'a "continue" verdict needs next_focus: what the next cycle should work on first.';
    }
    if (verdict.reasons.trim() === '') return 'reasons must state the evidence for the verdict.';
    return undefined;
  },
});
