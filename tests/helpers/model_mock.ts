/**
 * Small mocks of the model APIs coding agents call, on 127.0.0.1 only: Anthropic's Messages API (Claude Code)
 * and OpenAI's Responses API (Codex). Each plays one scripted conversation: asked with tools, it answers with
 * one call of the agent's shell tool running `command`; given that call's result, it answers with a last line of
 * text. Any other request (a title, a check) gets a short text. Every request is recorded.
 *
 * @module
 */

/** A running mock. */
export interface ModelMock extends AsyncDisposable {
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Each request: its path and JSON body. */
  readonly requests: { path: string; body: Record<string, unknown> }[];
}

const encoder = new TextEncoder();

/** Serves `handle` on a free port of 127.0.0.1, recording each request's path and body. */
function serve(
  handle: (path: string, body: Record<string, unknown>) => Response,
): ModelMock {
  const requests: ModelMock["requests"] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const path = new URL(request.url).pathname;
    const text = request.method === "POST" ? await request.text() : "";
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // Not JSON: recorded empty.
    }
    requests.push({ path, body });
    return handle(path, body);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** A server-sent event stream of `events`, each `[name, data]`. */
function sse(events: [string, unknown][]): Response {
  const body = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(encoder.encode(body), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

type Message = { role?: string; content?: unknown };

/** Whether the conversation's last message carries a tool's result (Anthropic: a `tool_result` block). */
function answersTool(messages: Message[]): boolean {
  const last = messages[messages.length - 1];
  return Array.isArray(last?.content) &&
    last.content.some((block: { type?: string }) => block?.type === "tool_result");
}

/**
 * Anthropic's Messages API (`POST /v1/messages`, streamed or not): with a `Bash` tool offered, a call of it
 * running `command`; after its result, "Done."; otherwise "ok".
 */
export function anthropicMock(command: string): ModelMock {
  let calls = 0;
  return serve((path, body) => {
    if (path.endsWith("/count_tokens")) return Response.json({ input_tokens: 10 });
    if (!path.endsWith("/v1/messages")) return Response.json({ error: "not here" }, { status: 404 });
    const messages = (body.messages ?? []) as Message[];
    const tools = ((body.tools ?? []) as { name?: string }[]).map((tool) => tool.name);
    const useTool = !answersTool(messages) && tools.includes("Bash");
    const id = `msg_${++calls}`;
    const block = useTool
      ? {
        type: "tool_use",
        id: `toolu_${calls}`,
        name: "Bash",
        input: { command, description: "Write the file" },
      }
      : { type: "text", text: answersTool(messages) ? "Done." : "ok" };
    const stop = useTool ? "tool_use" : "end_turn";
    const usage = { input_tokens: 10, output_tokens: 5 };
    const model = String(body.model ?? "claude-mock");
    if (body.stream !== true) {
      return Response.json({
        id,
        type: "message",
        role: "assistant",
        model,
        content: [block],
        stop_reason: stop,
        stop_sequence: null,
        usage,
      });
    }
    const start = useTool ? { ...block, input: {} } : { type: "text", text: "" };
    const delta = useTool
      ? { type: "input_json_delta", partial_json: JSON.stringify(block.input) }
      : { type: "text_delta", text: (block as { text: string }).text };
    return sse([
      ["message_start", {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: start }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta }],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["message_delta", {
        type: "message_delta",
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: 5 },
      }],
      ["message_stop", { type: "message_stop" }],
    ]);
  });
}

/**
 * OpenAI's Responses API (`POST .../responses`, streamed): with a shell tool offered, one call of it running
 * `command` (its arguments shaped by the tool's own schema: a list or a string, under `command` or `cmd`); after
 * its output, "Done."; otherwise "ok".
 */
export function openaiMock(command: string): ModelMock {
  let calls = 0;
  return serve((path, body) => {
    if (!path.endsWith("/responses")) {
      if (path.endsWith("/models")) return Response.json({ object: "list", data: [] });
      return Response.json({ error: { message: "not here" } }, { status: 404 });
    }
    const n = ++calls;
    const input = (body.input ?? []) as { type?: string }[];
    const answered = input.some((item) => item?.type === "function_call_output");
    const tools = (body.tools ?? []) as {
      type?: string;
      name?: string;
      parameters?: { properties?: Record<string, { type?: string }> };
    }[];
    const shell = tools.find((tool) => tool.type === "function" && /shell|exec/.test(tool.name ?? ""));
    const responseId = `resp_${n}`;
    const created = { id: responseId, object: "response", status: "in_progress", output: [] };
    const usage = {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    };
    let item: Record<string, unknown>;
    if (!answered && shell !== undefined) {
      const properties = shell.parameters?.properties ?? {};
      const key = "command" in properties ? "command" : "cmd";
      const value = properties[key]?.type === "array" ? ["bash", "-lc", command] : command;
      item = {
        type: "function_call",
        id: `fc_${n}`,
        call_id: `call_${n}`,
        name: shell.name,
        arguments: JSON.stringify({ [key]: value }),
        status: "completed",
      };
    } else {
      item = {
        type: "message",
        id: `msg_${n}`,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: answered ? "Done." : "ok", annotations: [] }],
      };
    }
    return sse([
      ["response.created", { type: "response.created", response: created }],
      ["response.output_item.added", { type: "response.output_item.added", output_index: 0, item }],
      ["response.output_item.done", { type: "response.output_item.done", output_index: 0, item }],
      ["response.completed", {
        type: "response.completed",
        response: { ...created, status: "completed", output: [item], usage },
      }],
    ]);
  });
}

/**
 * OpenAI's Chat Completions API (`POST .../chat/completions`, streamed or not), as OpenAI-compatible agents (Qwen
 * Code) call it: with a shell tool offered, one call of it running `command`; after its result (a `tool`
 * message), "Done."; otherwise "ok".
 */
export function chatCompletionsMock(command: string): ModelMock {
  let calls = 0;
  return serve((path, body) => {
    if (path.endsWith("/models")) {
      return Response.json({ object: "list", data: [{ id: "mock", object: "model" }] });
    }
    if (!path.endsWith("/chat/completions")) {
      return Response.json({ error: { message: "not here" } }, { status: 404 });
    }
    const n = ++calls;
    const messages = (body.messages ?? []) as Message[];
    const answered = messages.some((message) => message.role === "tool");
    const tools = (body.tools ?? []) as {
      function?: { name?: string; parameters?: { properties?: object } };
    }[];
    const shell = tools.map((tool) => tool.function).find((fn) =>
      /shell|bash|exec|command/i.test(fn?.name ?? "")
    );
    const toolCall = !answered && shell !== undefined
      ? {
        index: 0,
        id: `call_${n}`,
        type: "function",
        function: { name: shell.name, arguments: JSON.stringify({ command }) },
      }
      : null;
    const text = answered ? "Done." : "ok";
    const finish = toolCall ? "tool_calls" : "stop";
    const base = { id: `chatcmpl-${n}`, created: 0, model: String(body.model ?? "mock") };
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    if (body.stream !== true) {
      return Response.json({
        ...base,
        object: "chat.completion",
        choices: [{
          index: 0,
          message: toolCall
            ? { role: "assistant", content: null, tool_calls: [{ ...toolCall, index: undefined }] }
            : { role: "assistant", content: text },
          finish_reason: finish,
        }],
        usage,
      });
    }
    const chunk = (delta: unknown, finishReason: string | null, extra: object = {}) =>
      `data: ${
        JSON.stringify({
          ...base,
          object: "chat.completion.chunk",
          choices: [{ index: 0, delta, finish_reason: finishReason }],
          ...extra,
        })
      }\n\n`;
    const body_ = [
      chunk(
        toolCall ? { role: "assistant", tool_calls: [toolCall] } : { role: "assistant", content: text },
        null,
      ),
      chunk({}, finish, { usage }),
      "data: [DONE]\n\n",
    ].join("");
    return new Response(encoder.encode(body_), { headers: { "content-type": "text/event-stream" } });
  });
}

/**
 * Google's Gemini API (`POST .../models/<model>:generateContent` or `:streamGenerateContent?alt=sse`), as Gemini
 * CLI calls it: with a shell tool declared, one call of it running `command`; after its result (a
 * `functionResponse` part), "Done."; otherwise "ok".
 */
export function geminiMock(command: string): ModelMock {
  return serve((path, body) => {
    if (path.endsWith(":countTokens")) return Response.json({ totalTokens: 10 });
    if (!/:(stream)?[gG]enerateContent$/.test(path)) {
      return Response.json({ error: { code: 404, message: "not here" } }, { status: 404 });
    }
    const contents = (body.contents ?? []) as { parts?: { functionResponse?: unknown }[] }[];
    const answered = contents.some((content) => content.parts?.some((part) => part.functionResponse));
    const declarations = ((body.tools ?? []) as { functionDeclarations?: { name?: string }[] }[])
      .flatMap((tool) => tool.functionDeclarations ?? []);
    const shell = declarations.find((fn) => /shell|command/i.test(fn.name ?? ""));
    // A request for JSON of a schema (the CLI's model router asks one) gets a value of that schema.
    const config = (body.generationConfig ?? {}) as {
      responseMimeType?: string;
      responseJsonSchema?: Schema;
    };
    const part = config.responseMimeType === "application/json"
      ? { text: JSON.stringify(valueOf(config.responseJsonSchema ?? {})) }
      : !answered && shell !== undefined
      ? { functionCall: { name: shell.name, args: { command } } }
      : { text: answered ? "Done." : "ok" };
    const response = {
      candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      modelVersion: "mock",
    };
    if (!path.includes(":stream")) return Response.json(response);
    return new Response(encoder.encode(`data: ${JSON.stringify(response)}\r\n\r\n`), {
      headers: { "content-type": "text/event-stream" },
    });
  });
}

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[] };

/** The plainest value of a JSON schema (Gemini's, with upper-case type names): for a mock's JSON answers. */
function valueOf(schema: Schema): unknown {
  if (schema.enum !== undefined) return schema.enum[0];
  switch ((schema.type ?? "object").toLowerCase()) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valueOf(value)]),
      );
    case "array":
      return [];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return false;
    default:
      return "simple";
  }
}
