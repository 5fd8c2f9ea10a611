import { errorMessage } from '../../util/error-message.js';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { printJson } from '../context.js';
import { parseDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../render/table.js';

const HEALTH_PATHS = ['/health', '/health/ready', '/liveness'];

/**
 * The URL to GET: `<url>/health`, unless the URL already names one of the
 * plugin's health routes. A path before it is kept (a plugin registered
 * under a prefix): `http://host/api` → `http://host/api/health`.
 * @throws CliError (usage) for something that is not an http(s) URL
 */
export function healthUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`"${text}" is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`"${text}" is not an http(s) URL`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!HEALTH_PATHS.some((known) => path.endsWith(known))) url.pathname = `${path}/health`;
  return url;
}

interface Component {
  readonly name: string;
  readonly status: string;
  readonly detail: string;
}

function componentsOf(body: unknown): Component[] {
  if (typeof body !== 'object' || body === null) return [];
  const list: unknown = (body as Record<string, unknown>).components;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const c = item as Record<string, unknown>;
    const text = (value: unknown): string =>
      typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    return [
      {
        name: text(c.name) || '?',
        status: text(c.status) || '?',
        detail: text(c.lastError) || text(c.state) || '',
      },
    ];
  });
}

/**
 * `health <url>`: GETs the replica's health route and prints its status.
 * Exit 0 for healthy or degraded (HTTP 200), 1 for unhealthy (HTTP 503, or a
 * body saying so), for any other answer, and when the URL cannot be reached.
 */
export async function health(context: CommandContext): Promise<ExitCode> {
  const { line, output } = context;
  const url = healthUrl(line.args[0] ?? '');
  const timeoutMs =
    line.timeout === undefined ? 5_000 : parseDuration('--timeout', line.timeout, 1, 600_000);
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (error) {
    if (line.json)
      printJson(output, { url: url.href, reachable: false, error: errorMessage(error) });
    output.err(`cannot reach ${url.href}: ${errorMessage(error)}`);
    return ExitCode.Unhealthy;
  }
  const reported =
    typeof body === 'object' && body !== null && 'status' in body ? body.status : undefined;
  const status = typeof reported === 'string' ? reported : `HTTP ${String(response.status)}`;
  const healthy = response.ok && status !== 'unhealthy';
  if (line.json) {
    printJson(output, {
      url: url.href,
      reachable: true,
      httpStatus: response.status,
      healthy,
      body,
    });
    return healthy ? ExitCode.Ok : ExitCode.Unhealthy;
  }
  output.out(`${status} (HTTP ${String(response.status)}) ${url.href}`);
  const components = componentsOf(body);
  if (components.length > 0) {
    output.out(
      renderTable(
        ['COMPONENT', 'STATUS', 'DETAIL'],
        components.map((c) => [c.name, c.status, c.detail]),
      ),
    );
  }
  return healthy ? ExitCode.Ok : ExitCode.Unhealthy;
}
