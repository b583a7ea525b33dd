import type { FakeReply, FakeRequest, Responder } from '../support/fakeModelServer';

export interface ScriptOptions {
  /** Tasks each planner's first step creates. */
  tasksPerPlan?: number;
  /** The title of task `index` of plan `plan` (default `note <plan>.<index>`). */
  taskTitle?: (plan: number, index: number) => string;
  /** The judge's verdict on cycle `n` (its prompt includes the project's goal). Default: done. */
  verdict?: (cycle: number, prompt: string) => 'done' | 'continue' | 'abandon';
  /** Awaited before a worker's first turn is answered (lets a test hold tasks in flight). */
  beforeWork?: () => Promise<void>;
}

/**
 * A scripted model for the real agents behind the fake model server: a planner's first step plans
 * `tasksPerPlan` tasks that each write one file, its next step declares the area done; a worker
 * writes its file and finishes; the judge answers `verdict(cycle)`.
 */
export function scriptedModel(options: ScriptOptions = {}): Responder & { plans: () => number; workRequests: () => number } {
  let plans = 0;
  let workRequests = 0;
  const responder = async (req: FakeRequest): Promise<FakeReply> => {
    const prompt = req.messages.find((m) => m.role === 'user')?.text ?? '';
    const toolResults = req.messages.filter((m) => m.role === 'tool').length;
    if (req.toolNames.includes('submit_plan')) {
      if (/Planning step 1\b/.test(prompt)) {
        const n = ++plans;
        const tasks = Array.from({ length: options.tasksPerPlan ?? 2 }, (_, i) => ({
          title: options.taskTitle?.(n, i) ?? `note ${n}.${i}`,
          instructions: `Write the note file.`,
          files: [`notes/plan${n}-task${i}.md`],
        }));
        return call('submit_plan', { summary: `plan ${n}`, tasks, subplanners: [], done: false });
      }
      return call('submit_plan', { summary: 'area complete', tasks: [], subplanners: [], done: true });
    }
    if (req.toolNames.includes('finish_task')) {
      const file = /`(notes\/[\w.-]+\.md)`/.exec(prompt)?.[1] ?? 'notes/unnamed.md';
      if (toolResults === 0) {
        workRequests++;
        await options.beforeWork?.();
        return call('write_file', { path: file, content: `written for ${file}\n` });
      }
      return call('finish_task', { summary: `wrote ${file}`, outcome: 'done' });
    }
    if (req.toolNames.includes('submit_verdict')) {
      const cycle = Number(/Judge cycle (\d+)/.exec(prompt)?.[1] ?? '1');
      const verdict = options.verdict?.(cycle, prompt) ?? 'done';
      return call('submit_verdict', {
        verdict,
        reasons: `cycle ${cycle} reviewed`,
        ...(verdict === 'continue' ? { next_focus: 'more notes' } : {}),
      });
    }
    return { text: `unexpected request with tools ${req.toolNames.join(', ')}` };
  };
  return Object.assign(responder, { plans: () => plans, workRequests: () => workRequests });
}

function call(name: string, args: unknown): FakeReply {
  return { toolCalls: [{ name, arguments: args }], usage: { input: 200, output: 40 } };
}
