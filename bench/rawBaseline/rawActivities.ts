/** The raw baseline's only activity: returns at once, like a scripted worker agent. */
export const rawActivities = {
  async noop(): Promise<void> {},
};
