/** Points where a test (or an operator's instrumentation) can observe or interrupt an integration. */
export interface IntegrationHooks {
  /** The task's single commit exists locally; nothing is pushed yet. */
  afterCommit?(info: { taskId: string; commit: string }): Promise<void> | void;
  /** About to push `commit` (which carries the task) onto the target; called once per push attempt. */
  beforePush?(info: { taskId: string; commit: string; attempt: number }): Promise<void> | void;
  /** The target now holds `commit`. */
  afterPush?(info: { taskId: string; commit: string }): Promise<void> | void;
}
