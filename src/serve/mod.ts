/**
 * `ork serve`'s dashboard: the server and its routes (`server.ts`), who may use it (`auth.ts`), a job's log as
 * server-sent events (`log_stream.ts`) and the page with its embedded assets (`page.ts`, `assets/`).
 *
 * @module
 */

export { type Dashboard, startDashboard } from "./server.ts";
