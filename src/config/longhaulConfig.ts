import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { parsePayloadKeys, PayloadKeyRing } from '../codec/payloadKeys';
import { ModelProfileTable } from '../models/modelProfiles';
import { PriceTable } from '../models/priceTable';
import { defaultLimits, Limits, LimitsPatch } from '../schemas/limits';
import { ModelRef } from '../schemas/modelRef';
import { defaultHeartbeatSeconds } from '../contract/activityOptions';
import { defaultWorkflowTaskQueue } from '../contract/taskQueues';
import { describeIssues } from '../schemas/describeIssues';
import { ReasoningByRole, ReasoningEffort } from '../schemas/reasoning';
import { applySandboxPatch, defaultSandboxSettings, SandboxPatch, SandboxSettings } from '../schemas/sandbox';
import { defaultBubblewrapLimits } from '../sandbox/bubblewrapSandbox';

export const configFileName = 'longhaul.config.json';

const TlsConfig = z
  .object({
    serverName: z.string().optional(),
    serverRootCACertPath: z.string().optional(),
    clientCertPath: z.string().optional(),
    clientKeyPath: z.string().optional(),
  })
  .strict();

/**
 * What a config file may say. Secrets (provider keys, a Temporal Cloud API key, payload keys) come
 * only from the environment, never from this file.
 */
export const ConfigFile = z
  .object({
    temporal: z
      .object({
        address: z.string().min(1).optional(),
        namespace: z.string().min(1).optional(),
        taskQueue: z.string().min(1).optional(),
        tls: z.union([z.boolean(), TlsConfig]).optional(),
      })
      .strict()
      .optional(),
    models: z.object({ planner: ModelRef.optional(), worker: ModelRef.optional(), judge: ModelRef.optional() }).strict().optional(),
    limits: LimitsPatch.optional(),
    concurrency: z
      .object({
        plan: z.number().int().positive().optional(),
        work: z.number().int().positive().optional(),
        judge: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    workdir: z.string().min(1).optional(),
    /** How soon work moves off a worker that died (agent activities' heartbeat timeout). */
    heartbeatTimeoutSeconds: z.number().int().min(2).max(3_600).optional(),
    stateDir: z.string().min(1).optional(),
    /** Setup command of projects that name none (`npm ci`, `pip install -e .`). */
    setupCommand: z.string().trim().min(1).max(2_000).optional(),
    /** Extra or overriding model prices, USD per million tokens (see README). */
    prices: PriceTable.optional(),
    /** Extra or overriding context windows and output limits per `provider:model` (see README). */
    modelProfiles: ModelProfileTable.optional(),
    /** Reasoning effort per role; the project input may override it. */
    reasoning: ReasoningByRole.optional(),
    /** The worker's sandbox defaults (projects may override `enabled` and `network`) and its limits. */
    sandbox: SandboxPatch.extend({
      memoryMb: z.number().int().min(64).optional(),
      maxProcesses: z.number().int().min(16).optional(),
    })
      .strict()
      .optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFile>;

export const LonghaulConfig = z.object({
  temporal: z.object({
    /** Unset means: no cluster configured, use the embedded local dev server. */
    address: z.string().optional(),
    namespace: z.string(),
    taskQueue: z.string(),
    tls: z.union([z.boolean(), TlsConfig]).optional(),
    apiKey: z.string().optional(),
  }),
  models: z.object({ planner: ModelRef, worker: ModelRef, judge: ModelRef }),
  limits: Limits,
  concurrency: z.object({ plan: z.number().int().positive(), work: z.number().int().positive(), judge: z.number().int().positive() }),
  workdir: z.string(),
  stateDir: z.string(),
  heartbeatTimeoutSeconds: z.number().int().min(2).max(3_600),
  setupCommand: z.string().trim().min(1).max(2_000).optional(),
  prices: PriceTable.optional(),
  /** From `LONGHAUL_PAYLOAD_KEYS` only (a secret): encrypts payloads and failure messages when set. */
  payloadKeys: z.instanceof(PayloadKeyRing).optional(),
  modelProfiles: ModelProfileTable.optional(),
  reasoning: z.object({ planner: ReasoningEffort, worker: ReasoningEffort, judge: ReasoningEffort }),
  sandbox: SandboxSettings.extend({ memoryMb: z.number().int().positive(), maxProcesses: z.number().int().positive() }),
});
export type LonghaulConfig = z.infer<typeof LonghaulConfig>;

/** Models used when neither the project, the config file nor the environment names one. */
export const defaultModels = { planner: 'openai:gpt-5.2', worker: 'openai:gpt-5.2', judge: 'openai:gpt-5.2' } as const;

/**
 * Planning and judging gain most from thinking; workers take many turns, so theirs is one step lower.
 * Not `none`: GPT-5.1 and later do not reason unless asked.
 */
export const defaultReasoning = { planner: 'high', worker: 'medium', judge: 'high' } as const;

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Explicit config file; otherwise `LONGHAUL_CONFIG`, then `longhaul.config.json` in cwd if present. */
  file?: string;
}

/** Reads config file and environment (the environment wins) into one validated config. */
export function loadConfig(options: LoadConfigOptions = {}): LonghaulConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const fileConfig = readConfigFile(options.file ?? env.LONGHAUL_CONFIG, cwd);
  const int = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, not "${value}".`);
    return n;
  };
  const resolveDir = (dir: string): string => path.resolve(cwd, dir);
  const candidate = {
    temporal: {
      address: env.TEMPORAL_ADDRESS || fileConfig.temporal?.address,
      namespace: env.TEMPORAL_NAMESPACE || fileConfig.temporal?.namespace || 'default',
      taskQueue: env.LONGHAUL_TASK_QUEUE || fileConfig.temporal?.taskQueue || defaultWorkflowTaskQueue,
      tls: fileConfig.temporal?.tls ?? (env.TEMPORAL_TLS === 'true' ? true : undefined),
      apiKey: env.TEMPORAL_API_KEY || undefined,
    },
    models: {
      planner: env.LONGHAUL_PLANNER_MODEL || fileConfig.models?.planner || defaultModels.planner,
      worker: env.LONGHAUL_WORKER_MODEL || fileConfig.models?.worker || defaultModels.worker,
      judge: env.LONGHAUL_JUDGE_MODEL || fileConfig.models?.judge || defaultModels.judge,
    },
    limits: { ...defaultLimits, ...fileConfig.limits },
    concurrency: {
      plan: int('LONGHAUL_PLAN_CONCURRENCY') ?? fileConfig.concurrency?.plan ?? 4,
      work: int('LONGHAUL_WORK_CONCURRENCY') ?? fileConfig.concurrency?.work ?? 8,
      judge: int('LONGHAUL_JUDGE_CONCURRENCY') ?? fileConfig.concurrency?.judge ?? 2,
    },
    workdir: resolveDir(env.LONGHAUL_WORKDIR || fileConfig.workdir || defaultWorkdir(env)),
    stateDir: resolveDir(env.LONGHAUL_STATE_DIR || fileConfig.stateDir || '.longhaul'),
    heartbeatTimeoutSeconds: int('LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS') ?? fileConfig.heartbeatTimeoutSeconds ?? defaultHeartbeatSeconds,
    setupCommand: env.LONGHAUL_SETUP_COMMAND || fileConfig.setupCommand,
    prices: fileConfig.prices,
    payloadKeys: env.LONGHAUL_PAYLOAD_KEYS?.trim() ? parsePayloadKeys(env.LONGHAUL_PAYLOAD_KEYS) : undefined,
    modelProfiles: fileConfig.modelProfiles,
    reasoning: { ...defaultReasoning, ...fileConfig.reasoning },
    sandbox: {
      ...applySandboxPatch(defaultSandboxSettings, { ...fileConfig.sandbox, ...sandboxSwitch(env) }),
      memoryMb: fileConfig.sandbox?.memoryMb ?? defaultBubblewrapLimits.memoryMb,
      maxProcesses: fileConfig.sandbox?.maxProcesses ?? defaultBubblewrapLimits.maxProcesses,
    },
  };
  const parsed = LonghaulConfig.safeParse(candidate);
  if (!parsed.success) {
    throw new Error(`Invalid longhaul configuration: ${describeIssues(parsed.error, '(config)')}`);
  }
  return parsed.data;
}

/** `LONGHAUL_SANDBOX=off` turns the sandbox off (explicitly; status shows it), `on` turns it back on. */
function sandboxSwitch(env: NodeJS.ProcessEnv): { enabled?: boolean } {
  const value = env.LONGHAUL_SANDBOX;
  if (value === undefined || value === '') return {};
  if (value === 'on' || value === 'off') return { enabled: value === 'on' };
  throw new Error(`LONGHAUL_SANDBOX must be "on" or "off", not "${value}".`);
}

function readConfigFile(file: string | undefined, cwd: string): ConfigFile {
  const target = file ? path.resolve(cwd, file) : path.join(cwd, configFileName);
  if (!fs.existsSync(target)) {
    if (file) throw new Error(`Config file ${target} does not exist.`);
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(target, 'utf8'));
  } catch (err) {
    throw new Error(`Config file ${target} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Config file ${target} is invalid: ${describeIssues(parsed.error, '(file)')}`);
  }
  return parsed.data;
}

function defaultWorkdir(env: NodeJS.ProcessEnv): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'longhaul');
}
