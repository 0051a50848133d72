/**
 * `ork serve` as the tests start it: a real process on a free port, its link read from its first line.
 */

import { spawnOrk } from "../helpers/mod.ts";

/** A dashboard process. */
export interface Served extends AsyncDisposable {
  /** The link it printed, with the token. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly port: number;
  readonly token: string;
  /** `fetch` with the token as a bearer. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** Starts `ork serve --port 0` in `dir` and waits for its link. */
export async function serve(dir: string): Promise<Served> {
  const child = spawnOrk(["serve", "--port", "0"], { cwd: dir });
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ork serve ended before printing its link: ${seen}`);
    seen += value;
  }
  const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(seen)?.[0];
  if (url === undefined) throw new Error(`no link in ${JSON.stringify(seen)}`);
  const parsed = new URL(url);
  const token = parsed.searchParams.get("token")!;
  const base = `http://127.0.0.1:${parsed.port}`;
  return {
    url,
    base,
    port: Number(parsed.port),
    token,
    api: (path, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> ?? {}) },
      }),
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await reader.cancel();
      await child.stderr.cancel();
      await child.status;
    },
  };
}
