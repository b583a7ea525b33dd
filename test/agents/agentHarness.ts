import type { AgentCheckpoint, AgentRunContext } from '../../src/agents/agentContracts';
import type { ModelClientFactory } from '../../src/agents/agentDependencies';
import { createModelClient } from '../../src/models/createModelClient';
import { mergePriceTable } from '../../src/models/priceTable';
import type { FakeFault, FakeModelServer, FakeReply, FakeRequest, Responder } from '../support/fakeModelServer';

/** Prices for the fake models, so costs are checked too. */
export const agentTestPrices = mergePriceTable({
  'openai:fake-gpt': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'anthropic:fake-claude': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
});

export const OPENAI_MODEL = 'openai:fake-gpt';
export const ANTHROPIC_MODEL = 'anthropic:fake-claude';

/** The real provider clients, pointed at the fake server, without SDK retries. */
export function fakeModels(server: FakeModelServer): ModelClientFactory {
  const env = {
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: server.openaiBaseUrl,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: server.anthropicBaseUrl,
  };
  return (ref) => createModelClient(ref, env, agentTestPrices, { maxRetries: 0 });
}

export type Step = FakeReply | FakeFault | ((req: FakeRequest) => FakeReply | FakeFault);

/** Answers requests with `steps` in order; running out of steps is a 400 so a test cannot pass by accident. */
export function scripted(steps: Step[]): Responder {
  let next = 0;
  return (req) => {
    const step = steps[next++];
    if (step === undefined) return { fault: 'status', status: 400, message: `script exhausted at request ${next}` };
    return typeof step === 'function' ? step(req) : step;
  };
}

export function call(name: string, args: unknown): FakeReply {
  return { toolCalls: [{ name, arguments: args }] };
}

export interface TestRun {
  ctx: AgentRunContext;
  beats: AgentCheckpoint[];
  controller: AbortController;
}

export function testRun(transcriptRef: string, resumeFrom?: AgentCheckpoint): TestRun {
  const beats: AgentCheckpoint[] = [];
  const controller = new AbortController();
  return {
    beats,
    controller,
    ctx: {
      signal: controller.signal,
      heartbeat: (checkpoint) => beats.push(checkpoint),
      transcriptRef,
      ...(resumeFrom ? { resumeFrom } : {}),
    },
  };
}

/** The tool results the model was sent in a request, last message first. */
export function lastToolResults(req: FakeRequest | undefined): { callId: string; content: string; isError: boolean }[] {
  const last = req?.messages[req.messages.length - 1];
  if (last?.role !== 'tool' || !last.toolResults) throw new Error(`the last message is not tool results: ${JSON.stringify(last)}`);
  return last.toolResults;
}

export function lastUserText(req: FakeRequest | undefined): string {
  const last = req?.messages[req.messages.length - 1];
  if (last?.role !== 'user' || last.text === undefined) throw new Error(`the last message is not user text: ${JSON.stringify(last)}`);
  return last.text;
}
