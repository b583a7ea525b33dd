import { z } from 'zod';
import type { ClaimedTask } from '../../schemas/claims';
import { SubmittedPlan, type PlanProposal } from '../../schemas/plan';
import { clip } from '../../schemas/task';
import { VerdictProposal } from '../../schemas/verdict';
import { claimProblems } from './planClaims';
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
  /** Tasks of the planner tree holding or waiting for claims; new tasks may not overlap them unless they wait. */
  claims?: readonly ClaimedTask[];
}

export function submitPlanTool(rules: SubmitPlanRules): TerminalTool<PlanProposal> {
  return defineTerminalTool({
    name: 'submit_plan',
    description:
      'Submit this planning step and end your turn. tasks: independent work items, each owned by one worker in ' +
      'its own copy of the repository, each claiming in `files` the files and folders it will change (claims of ' +
      'tasks in one plan must not overlap). A task whose claims overlap a task queued or running elsewhere is ' +
      'refused unless it sets waitForClaims: true. subplanners: large areas handed to their own planner. done: true ' +
      "only when your area's goal is met and nothing remains (then tasks and subplanners are empty).",
    input: SubmittedPlan,
    check(plan) {
      if (plan.done && (plan.tasks.length > 0 || plan.subplanners.length > 0)) {
        return 'done: true means nothing remains to do, so tasks and subplanners must be empty. Submit the work with done: false, and declare done in a later step once the results show the goal is met.';
      }
      if (!rules.canSpawnSubplanners && plan.subplanners.length > 0) {
        return 'you cannot spawn sub-planners at this depth; split the work into tasks instead (subplanners must be []).';
      }
      const problems = claimProblems(plan.tasks, rules.claims, plan.cancel);
      if (problems.length > 0) {
        return (
          `claims overlap, so these workers would collide: ${problems.join('; ')}. Within a plan, merge those tasks or ` +
          'move the shared change into one of them. For a task queued or running elsewhere, change the files, drop ' +
          'the task, or set waitForClaims: true on it to start it once that task has ended.'
        );
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

/** Opens the reasons of a `done` the harness turned into `continue`, so the record says so. */
export const overruledDonePrefix = 'The harness refused "done":';

export interface VerdictRules {
  /** Why `done` cannot be accepted (the test command fails at the head), or undefined when it can. */
  doneRefusal(): string | undefined;
}

const verdictProblem = (verdict: VerdictProposal): string | undefined => {
  if (verdict.verdict === 'continue' && (verdict.next_focus ?? '').trim() === '') {
    return 'a "continue" verdict needs next_focus: what the next cycle should work on first.';
  }
  if (verdict.reasons.trim() === '') return 'reasons must state the evidence for the verdict.';
  return undefined;
};

/**
 * `done` while the tests fail is refused once with a tool error saying why, so the judge can answer
 * `continue` or `abandon`; a judge that insists gets `continue`, with the refusal and its own reasons
 * recorded. The project then goes on within its limits instead of ending on a red test run.
 */
export function submitVerdictTool(rules: VerdictRules): TerminalTool<VerdictProposal> {
  let refusals = 0;
  return {
    name: 'submit_verdict',
    description:
      'Submit your verdict on the cycle and end the review. verdict: "done" (goal met), "continue" (another cycle ' +
      'should run; give next_focus), or "abandon" (the goal cannot be reached). reasons: the evidence. "done" is ' +
      'not accepted while the test command fails.',
    inputSchema: VerdictProposal,
    accept(args: unknown): VerdictProposal {
      const verdict = parseToolArguments(VerdictProposal, args);
      const problem = verdictProblem(verdict);
      if (problem !== undefined) throw new ToolError(problem);
      const refusal = verdict.verdict === 'done' ? rules.doneRefusal() : undefined;
      if (refusal === undefined) return verdict;
      if (refusals++ === 0) {
        throw new ToolError(
          `"done" is refused: ${refusal}. A project is not done while its tests fail. Submit "continue" with next_focus ` +
            '(what must be fixed, with file names), or "abandon" if the goal cannot be reached. Submitting "done" again ' +
            'records "continue".',
        );
      }
      return {
        verdict: 'continue',
        reasons: clip(`${overruledDonePrefix} ${refusal}. The judge's reasons for "done": ${verdict.reasons}`, 4_000),
        next_focus: clip(`Make the test command pass. ${verdict.next_focus ?? ''}`.trim(), 4_000),
      };
    },
  };
}
