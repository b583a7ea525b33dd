import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config/longhaulConfig';
import { fallbackModelProfile, lookupModelProfile, defaultModelProfiles } from '../../src/models/modelProfiles';

describe('model profiles', () => {
  test('a dated model name has its undated profile; an unknown model the fallback', () => {
    expect(lookupModelProfile(defaultModelProfiles, 'anthropic:claude-sonnet-4-5-20250929')).toEqual({
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      reasoning: true,
    });
    expect(lookupModelProfile(defaultModelProfiles, 'openai:my-finetune')).toEqual(fallbackModelProfile);
  });
});

describe('config for long runs', () => {
  async function configWith(file: unknown): Promise<ReturnType<typeof loadConfig>> {
    const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'longhaul-config-'));
    await fs.writeFile(path.join(cwd, 'longhaul.config.json'), JSON.stringify(file));
    return loadConfig({ cwd, env: {} });
  }

  test('reasoning per role defaults to high for planners and judges, medium for workers, and is overridable', async () => {
    expect((await configWith({})).reasoning).toEqual({ planner: 'high', worker: 'medium', judge: 'high' });
    expect((await configWith({ reasoning: { worker: 'xhigh' } })).reasoning).toEqual({ planner: 'high', worker: 'xhigh', judge: 'high' });
  });

  test('model profiles and per-task limits are read and checked', async () => {
    const config = await configWith({
      modelProfiles: { 'openai:my-finetune': { contextWindow: 32_000, maxOutputTokens: 4_000 } },
      limits: { maxTaskCostUsd: 5, maxTaskMinutes: 45 },
    });
    expect(config.modelProfiles).toEqual({ 'openai:my-finetune': { contextWindow: 32_000, maxOutputTokens: 4_000 } });
    expect(config.limits).toMatchObject({ maxTaskCostUsd: 5, maxTaskMinutes: 45 });
    await expect(configWith({ modelProfiles: { 'openai:x': { contextWindow: 8_000, maxOutputTokens: 9_000 } } })).rejects.toThrow(
      /modelProfiles\.openai:x: maxOutputTokens must be smaller than contextWindow/,
    );
    await expect(configWith({ reasoning: { worker: 'extreme' } })).rejects.toThrow(/reasoning\.worker/);
  });
});
