/**
 * Gemini → hub → Gemini, as when a Gemini client reaches a Gemini channel with conversion (passthrough off):
 * what the client meant must reach the upstream, and what the upstream said must reach the client.
 */
import { describe, expect, test } from 'bun:test';
import { geminiInbound } from '../../../../src/relay/dialects/gemini/inbound.ts';
import { createGeminiOutbound } from '../../../../src/relay/dialects/gemini/outbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { functionCallResponse, jpegBase64, lightDeclaration, outboundContext, parsed, sse, thinkingResponse } from './fixtures.ts';

const outbound = createGeminiOutbound({ now: () => 0 });
const inboundContext = { model: 'gemini-2.5-flash', stream: false };

describe('Gemini → hub → Gemini', () => {
  test('a function-calling conversation arrives as sent (plus the placeholder signature)', () => {
    const request: JsonBody = {
      systemInstruction: { parts: [{ text: 'You control the lights.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Turn the lights down to a romantic level' }, { inlineData: { mimeType: 'image/jpeg', data: jpegBase64 } }] },
        { role: 'model', parts: [{ functionCall: { name: 'set_light_values', args: { brightness: 25, color_temp: 'warm' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'set_light_values', response: { brightness: 25, colorTemperature: 'warm' } } }] },
      ],
      tools: [{ functionDeclarations: [lightDeclaration] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['set_light_values'] } },
      generationConfig: { temperature: 0, maxOutputTokens: 256, thinkingConfig: { thinkingBudget: 1024 } },
    };
    const hub = geminiInbound.toHubRequest(request, inboundContext);
    const upstream = outbound.fromHubRequest(hub, outboundContext());
    const modelTurn = (request.contents as JsonBody[])[1] as { parts: JsonBody[] };
    expect(upstream).toEqual({
      ...request,
      contents: [
        (request.contents as JsonBody[])[0],
        { role: 'model', parts: [{ ...modelTurn.parts[0], thoughtSignature: 'skip_thought_signature_validator' }] },
        (request.contents as JsonBody[])[2],
      ],
      generationConfig: { temperature: 0, maxOutputTokens: 256, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    });
  });

  test('answers come back with their parts, finish reason and usage', () => {
    for (const native of [thinkingResponse, functionCallResponse]) {
      const hub = outbound.toHubResponse(native, outboundContext());
      const answer = geminiInbound.fromHubResponse(hub, inboundContext);
      const candidate = (native.candidates as JsonBody[])[0] as { content: { parts: JsonBody[] }; finishReason: string; index: number };
      const parts = candidate.content.parts.map((part) => {
        const { thoughtSignature: _signature, ...rest } = part as JsonBody & { functionCall?: JsonBody };
        return rest.functionCall === undefined ? rest : { functionCall: { ...rest.functionCall, id: 'call_1' } };
      });
      expect(answer).toEqual({
        candidates: [{ content: { role: 'model', parts }, finishReason: candidate.finishReason, index: 0 }],
        usageMetadata: native.usageMetadata,
        modelVersion: native.modelVersion,
        responseId: native.responseId,
      });
    }
  });

  test('a thinking stream keeps its thoughts, text and usage', () => {
    const upstream = outbound.createStream(outboundContext('gemini-2.5-flash', {}, true));
    const client = geminiInbound.createStream({ model: 'gemini-2.5-flash', stream: true });
    const envelope = { modelVersion: 'gemini-2.5-flash', responseId: 'Qw18aKLbF6a0nvgPx7u5mQk' };
    const thought = { candidates: [{ content: { parts: [{ text: 'Counting paws.', thought: true }], role: 'model' }, index: 0 }], ...envelope };
    const text = { candidates: [{ content: { parts: [{ text: 'There are ' }], role: 'model' }, index: 0 }], ...envelope };
    const events = [
      thought,
      text,
      {
        candidates: [{ content: { parts: [{ text: '8 paws.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 6, thoughtsTokenCount: 30, totalTokenCount: 48 },
        ...envelope,
      },
    ];
    const out = events.flatMap((event) => upstream.push(sse(event)).flatMap((chunk) => client.push(chunk)));
    expect(upstream.completed).toBe(true);
    out.push(...client.finish());
    expect(out.map(parsed)).toEqual([
      thought,
      text,
      { candidates: [{ content: { role: 'model', parts: [{ text: '8 paws.' }] }, index: 0 }], ...envelope },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 6, thoughtsTokenCount: 30, totalTokenCount: 48 },
        ...envelope,
      },
    ]);
  });
});
