import { ApplicationFailure } from '@temporalio/common';
import { ModelRef, parseModelRef, type ProviderName } from '../schemas/modelRef';
import { AnthropicModelClient } from './anthropicClient';
import type { ModelClient } from './modelClient';
import { providerBaseUrlVariables, providerKeyVariables } from './modelErrors';
import { OpenAIModelClient } from './openaiClient';
import type { PriceTable } from './priceTable';

/** The worker's environment (or a test's stand-in); the only place provider credentials are read from. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

export interface ModelClientFactoryOptions {
  timeoutMs?: number;
  maxRetries?: number;
  onWarning?: (message: string) => void;
}

/**
 * Local OpenAI-compatible servers (vLLM, Ollama, ...) usually ignore the key, but the SDK refuses to start
 * without one. This stand-in is used only when OPENAI_BASE_URL points elsewhere, so the official API is
 * never called without a real key.
 */
const keylessServerPlaceholderKey = 'no-key-needed-for-custom-base-url';

interface ProviderSettings {
  apiKey: string;
  baseURL?: string;
}

function configFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'ModelConfigError', nonRetryable: true });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseRefOrFail(ref: string): { provider: ProviderName; model: string } {
  const checked = ModelRef.safeParse(ref);
  if (!checked.success) {
    throw configFailure(`Invalid model "${ref}": it must look like "openai:<model>" or "anthropic:<model>".`);
  }
  return parseModelRef(checked.data);
}

function baseUrlFrom(provider: ProviderName, env: ProviderEnv): string | undefined {
  const variable = providerBaseUrlVariables[provider];
  const value = nonEmpty(env[variable]);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configFailure(`${variable} is not a valid URL: expected something like http://127.0.0.1:8000/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configFailure(`${variable} must be an http:// or https:// URL.`);
  }
  return value;
}

/** The settings for `provider`, or the name of the variable that is missing. */
function providerSettings(provider: ProviderName, env: ProviderEnv): ProviderSettings | { missing: string } {
  const keyVariable = providerKeyVariables[provider];
  const apiKey = nonEmpty(env[keyVariable]);
  const baseURL = baseUrlFrom(provider, env);
  const withBase = baseURL !== undefined ? { baseURL } : {};
  if (apiKey !== undefined) return { apiKey, ...withBase };
  if (provider === 'openai' && baseURL !== undefined) return { apiKey: keylessServerPlaceholderKey, ...withBase };
  return { missing: keyVariable };
}

function missingKeyMessage(variable: string, refs: string[]): string {
  const openAiHint =
    variable === providerKeyVariables.openai
      ? ` (or set ${providerBaseUrlVariables.openai} for an OpenAI-compatible server that needs no key)`
      : '';
  return `${variable} is not set: ${refs.map((r) => `"${r}"`).join(', ')} cannot run without it. Set it in the worker's environment${openAiHint}.`;
}

/**
 * Fails fast, before any work starts, when a model reference is malformed or its provider has no key.
 * The error names the variables to set and never their values.
 */
export function assertProviderKeys(refs: readonly string[], env: ProviderEnv): void {
  const refsByMissingVariable = new Map<string, string[]>();
  for (const ref of refs) {
    const { provider } = parseRefOrFail(ref);
    const settings = providerSettings(provider, env);
    if ('missing' in settings) {
      const list = refsByMissingVariable.get(settings.missing) ?? [];
      if (!list.includes(ref)) list.push(ref);
      refsByMissingVariable.set(settings.missing, list);
    }
  }
  if (refsByMissingVariable.size > 0) {
    throw configFailure([...refsByMissingVariable].map(([variable, r]) => missingKeyMessage(variable, r)).join(' '));
  }
}

/** Builds the client for `provider:model`, reading its key and base URL from `env`. */
export function createModelClient(
  ref: string,
  env: ProviderEnv,
  prices: Readonly<PriceTable>,
  options: ModelClientFactoryOptions = {},
): { client: ModelClient; model: string } {
  const { provider, model } = parseRefOrFail(ref);
  const settings = providerSettings(provider, env);
  if ('missing' in settings) throw configFailure(missingKeyMessage(settings.missing, [ref]));
  const common = {
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    prices,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    onWarning: options.onWarning,
  };
  switch (provider) {
    case 'openai':
      return {
        client: new OpenAIModelClient({
          ...common,
          organization: nonEmpty(env['OPENAI_ORG_ID']),
          project: nonEmpty(env['OPENAI_PROJECT_ID']),
        }),
        model,
      };
    case 'anthropic':
      return { client: new AnthropicModelClient(common), model };
  }
}
